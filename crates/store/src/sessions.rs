//! Log-in sessions for the web (cookie) and the API (bearer token). Only a
//! hash of each token is stored, so a copy of the database cannot be used to
//! log in.

use std::time::Duration;

use rand::RngCore;
use rapport_domain::identity::UserId;
use sha2::{Digest, Sha256};

use crate::types::Ts;
use crate::users::{UserRow, user_columns};
use crate::{Result, Store, User, in_tx, on_read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// How long sessions live. Enforced here, on the server: a cookie's own
/// lifetime is only a hint to the browser.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub web_idle: Duration,
    pub web_absolute: Duration,
    pub api_absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            web_idle: Duration::from_secs(30 * 60),
            web_absolute: Duration::from_secs(12 * 3600),
            api_absolute: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// What the client is given at log-in. The token is secret.
#[derive(Clone)]
pub struct SessionTokens {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: jiff::Timestamp,
}

impl std::fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokens")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A fresh 256-bit random token, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf_token: String,
    last_seen_at: Ts,
}

/// Seen-at is refreshed at most this often, so that reads do not all write.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

impl Store {
    pub async fn session_create(
        &self,
        user: UserId,
        kind: SessionKind,
        policy: &SessionPolicy,
    ) -> Result<SessionTokens> {
        let token = random_token();
        let csrf_token = random_token();
        let now = Ts::now();
        let expires = now.plus(match kind {
            SessionKind::Web => policy.web_absolute,
            SessionKind::Api => policy.api_absolute,
        });
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, last_seen_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(token_hash(&token))
            .bind(user.0)
            .bind(kind.as_str())
            .bind(&csrf_token)
            .bind(now)
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        });
        Ok(SessionTokens {
            token,
            csrf_token,
            expires_at: expires.0,
        })
    }

    /// The account behind a live session token and the session's CSRF token;
    /// `None` when the token is unknown, expired, idle too long or its account
    /// is disabled.
    pub async fn session_lookup(
        &self,
        token: &str,
        kind: SessionKind,
        policy: &SessionPolicy,
    ) -> Result<Option<(User, String)>> {
        let now = Ts::now();
        let hash = token_hash(token);
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            ", s.csrf_token, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id ",
            "WHERE s.token_hash = $1 AND s.kind = $2 AND s.expires_at > $3 AND u.active"
        );
        let row: Option<SessionRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(&hash)
                .bind(kind.as_str())
                .bind(now)
                .fetch_optional(ex)
                .await?
        });
        let Some(row) = row else { return Ok(None) };
        if kind == SessionKind::Web && row.last_seen_at < now.minus(policy.web_idle) {
            self.session_delete(token).await?;
            return Ok(None);
        }
        if row.last_seen_at < now.minus(TOUCH_EVERY) {
            in_tx!(self, |tx| {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await?;
            });
        }
        let csrf = row.csrf_token;
        Ok(Some((row.user.into_credentials()?.user, csrf)))
    }

    pub async fn session_delete(&self, token: &str) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Removes expired sessions; answers how many.
    pub async fn sessions_purge_expired(&self) -> Result<u64> {
        Ok(in_tx!(self, |tx| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(Ts::now())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }))
    }
}
