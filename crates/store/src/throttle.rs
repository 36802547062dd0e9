//! Log-in throttling, kept in the database so it holds across restarts and
//! across several servers sharing one PostgreSQL.

use std::time::Duration;

use crate::types::Ts;
use crate::{Result, Store, in_tx, on_read};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// From this many failures on, each attempt is answered more slowly.
    pub slow_after: u32,
    /// Added per failure beyond `slow_after`.
    pub delay_step: Duration,
    /// This many failures for one account lock it for `lock_for`.
    pub lock_after_account: u32,
    /// This many failures from one address lock that address for `lock_for`.
    pub lock_after_address: u32,
    pub lock_for: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: Duration::from_secs(15 * 60),
            slow_after: 3,
            delay_step: Duration::from_millis(500),
            lock_after_account: 5,
            lock_after_address: 20,
            lock_for: Duration::from_secs(15 * 60),
        }
    }
}

impl ThrottlePolicy {
    /// How long to hold an answer after `failures` recent failures.
    pub fn delay(&self, failures: u32) -> Duration {
        self.delay_step * failures.saturating_sub(self.slow_after).min(10)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThrottleState {
    /// Most recent failures on any of the keys asked about.
    pub failures: u32,
    pub locked_until: Option<jiff::Timestamp>,
}

#[derive(sqlx::FromRow)]
struct Row {
    failures: i64,
    window_start: Ts,
    locked_until: Option<Ts>,
}

impl Store {
    /// The state of the given keys (e.g. `account:ann@example.org`, `address:10.0.0.1`).
    pub async fn throttle_state(
        &self,
        keys: &[&str],
        policy: &ThrottlePolicy,
    ) -> Result<ThrottleState> {
        let now = Ts::now();
        let mut state = ThrottleState::default();
        for key in keys {
            let row: Option<Row> = on_read!(self, |ex| {
                sqlx::query_as("SELECT failures, window_start, locked_until FROM login_throttle WHERE key = $1")
                    .bind(*key)
                    .fetch_optional(ex)
                    .await?
            });
            let Some(row) = row else { continue };
            if let Some(until) = row.locked_until.filter(|u| *u > now) {
                state.locked_until = Some(state.locked_until.map_or(until.0, |s| s.max(until.0)));
            }
            if row.window_start.plus(policy.window) > now {
                state.failures = state
                    .failures
                    .max(u32::try_from(row.failures).unwrap_or(u32::MAX));
            }
        }
        Ok(state)
    }

    /// Counts one failure against `key`, locking it once `lock_after` is reached.
    /// One statement reads and writes the count, so that failures arriving at
    /// the same moment (on PostgreSQL, in parallel transactions) are all counted.
    pub async fn throttle_fail(
        &self,
        key: &str,
        lock_after: u32,
        policy: &ThrottlePolicy,
    ) -> Result<()> {
        let now = Ts::now();
        // A window that began after this instant is still open.
        let open_since = now.minus(policy.window);
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO login_throttle AS t (key, failures, window_start, locked_until) \
                 VALUES ($1, 1, $2, CASE WHEN 1 >= $3 THEN $4 END) \
                 ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN t.window_start > $5 THEN t.failures + 1 ELSE 1 END, \
                 window_start = CASE WHEN t.window_start > $5 THEN t.window_start ELSE $2 END, \
                 locked_until = CASE WHEN (CASE WHEN t.window_start > $5 THEN t.failures + 1 ELSE 1 END) >= $3 \
                 THEN $4 END",
            )
            .bind(key)
            .bind(now)
            .bind(i64::from(lock_after))
            .bind(now.plus(policy.lock_for))
            .bind(open_since)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Removes keys with no recent failure and no lock in force; answers how many.
    pub async fn throttle_purge(&self, policy: &ThrottlePolicy) -> Result<u64> {
        let now = Ts::now();
        Ok(in_tx!(self, |tx| {
            sqlx::query(
                "DELETE FROM login_throttle WHERE window_start <= $1 AND (locked_until IS NULL OR locked_until <= $2)",
            )
            .bind(now.minus(policy.window))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }))
    }

    /// Forgets the failures of `key` (after a successful log-in).
    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1 AND (locked_until IS NULL OR locked_until <= $2)")
                .bind(key)
                .bind(Ts::now())
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
