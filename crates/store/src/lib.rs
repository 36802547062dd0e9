//! Rapport's persistence. One [`Store`] over either SQLite (the embedded
//! default) or PostgreSQL. Every function that touches patient data takes the
//! [`Actor`] asking, scopes its SQL by the actor's clinic and role, and writes
//! an audit row in the same transaction as the change.

mod actor;
mod audit;
pub mod bulk;
mod caseload;
mod clinics;
mod digest;
mod episodes;
mod error;
mod invites;
mod monitoring;
mod notices;
mod outbox;
mod outcomes;
mod patients;
mod preferences;
mod prescriptions;
mod self_management;
mod sessions;
mod settings;
mod throttle;
mod types;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use actor::Actor;
pub use audit::{AuditEntry, AuditQuery};
pub use bulk::{IdBases, SyntheticBatch};
pub use caseload::{Caseload, ClinicThresholds, StoredEpisode, TRIAGE_CHUNK, TriageLoadSummary};
pub use clinics::Clinic;
pub use episodes::{
    BeliefReview, CareEpisode, EpisodeForms, FormInput, FormResponse, RedFlagAlert,
};
pub use error::{Result, StoreError};
pub use invites::{Invite, InviteInfo};
pub use monitoring::{
    ContactPractice, FollowUpInput, LogComment, LogSource, Message, MonitoringRecord,
    StoredFollowUp, StoredLog, kind_parse,
};
pub use outbox::{
    DueContact, MailKind, NewMail, OUTBOX_BACKOFF_BASE, OUTBOX_BACKOFF_MAX, OUTBOX_CLAIM,
    OUTBOX_MAX_ATTEMPTS, OutboxMail, REMINDER_LATEST_AFTER, ReminderDue, initials, outbox_backoff,
};
pub use outcomes::{DischargedEpisode, FormsDue, ScoredForm};
pub use patients::{PatientQuery, Versioned};
pub use preferences::{DEFAULT_REMINDER_TIME, Preferences, PreferencesInput, parse_reminder_time};
pub use prescriptions::{EducationAssignment, Prescription, PrescriptionVersion, StoredGoal};
pub use self_management::{SelfManagementVersion, StoredSelfManagementPlan};
pub use sessions::{SessionKind, SessionPolicy, SessionTokens};
pub use throttle::{Reservation, ThrottlePolicy, ThrottleState};
pub use types::Ts;
pub use users::{NewUser, User, UserCredentials};

/// Runs `$body` against the read side of the store: the reader pool on SQLite,
/// the pool on PostgreSQL. The body is written once and compiled per backend.
macro_rules! on_read {
    ($store:expr, |$ex:ident| $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { read: $ex, .. } => $body,
            $crate::Db::Postgres($ex) => $body,
        }
    };
}

/// Runs `$body` in one write transaction (`BEGIN IMMEDIATE` on SQLite, so the
/// write lock is taken up front) and commits it. Returning early rolls back.
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:block) => {
        match &$store.db {
            $crate::Db::Sqlite { write, .. } => {
                let mut $tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

pub(crate) use {in_tx, on_read};

#[derive(Debug, Clone)]
pub(crate) enum Db {
    /// One writer connection (SQLite allows one writer at a time) and a few
    /// read-only connections that run beside it under WAL.
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
    },
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        }
    }
}

/// How hard SQLite works to keep a commit across a power cut. `Full` syncs the
/// log at every commit; `Normal` may lose the last commits on power loss (never
/// on a process crash) and is faster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    #[default]
    Full,
    Normal,
}

#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    /// Audit rows that stand alone (a read was recorded) go through one
    /// writer that commits them in batches: every reader still waits until
    /// its row is durable, but concurrent readers share one commit.
    audit: Option<tokio::sync::mpsc::Sender<audit::AuditJob>>,
    /// Decoded monitoring digests, shared by every clone of the store.
    decoded: std::sync::Arc<caseload::HistoryCache>,
}

/// The default database when none is given: a file under `./rapport-data/`.
pub const DEFAULT_DB_URL: &str = "sqlite://rapport-data/rapport.db";

impl Store {
    fn with_audit_writer(db: Db) -> Store {
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        // The writer holds a store without a sender, so it ends when the last
        // clone of this store is dropped.
        let decoded = std::sync::Arc::new(caseload::history_cache());
        tokio::spawn(audit::write_batches(
            Store {
                db: db.clone(),
                audit: None,
                decoded: decoded.clone(),
            },
            rx,
        ));
        Store {
            db,
            audit: Some(tx),
            decoded,
        }
    }

    /// Opens (creating if needed) and migrates the database named by `url`:
    /// `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store> {
        Self::open_with(url, Durability::default()).await
    }

    pub async fn open_with(url: &str, durability: Durability) -> Result<Store> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::postgres(PgConnectOptions::from_str(url)?).await?
        } else if url.starts_with("sqlite:") {
            Self::sqlite(SqliteConnectOptions::from_str(url)?, durability, true).await?
        } else {
            return Err(StoreError::BadUrl(redact_url(url)));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a database that must already hold Rapport's tables, for commands
    /// that only read or add to one (backup, audit, triage): a mistyped path
    /// is an error naming it, never a new empty database. Pending migrations
    /// are applied, as `serve` would.
    pub async fn open_existing(url: &str, durability: Durability) -> Result<Store> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::postgres(PgConnectOptions::from_str(url)?).await?
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            let path = options.get_filename();
            if !path.is_file() {
                return Err(StoreError::NoDatabase(format!(
                    "{} does not exist",
                    path.display()
                )));
            }
            // Looked at read-only first: opening in WAL mode would write to
            // a file that is not Rapport's.
            let mut probe = sqlx::SqliteConnection::connect_with(
                &options.clone().read_only(true).create_if_missing(false),
            )
            .await?;
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            )
            .fetch_optional(&mut probe)
            .await?;
            probe.close().await?;
            if known.is_none() {
                return Err(not_rapport(url));
            }
            Self::sqlite(options.create_if_missing(false), durability, false).await?
        } else {
            return Err(StoreError::BadUrl(redact_url(url)));
        };
        if !store.has_schema().await? {
            store.close().await;
            return Err(not_rapport(url));
        }
        store.migrate().await?;
        Ok(store)
    }

    /// Whether Rapport's migrations have ever run here.
    async fn has_schema(&self) -> Result<bool> {
        let found: Option<i64> = match &self.db {
            Db::Sqlite { read, .. } => {
                sqlx::query_scalar(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_optional(read)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT 1::BIGINT FROM information_schema.tables \
                     WHERE table_name = '_sqlx_migrations' AND table_schema = ANY (current_schemas(false))",
                )
                .fetch_optional(pool)
                .await?
            }
        };
        Ok(found.is_some())
    }

    /// Opens an SQLite file at `path`, creating it and its folder if needed.
    pub async fn open_sqlite_file(path: &Path, durability: Durability) -> Result<Store> {
        let store =
            Self::sqlite(SqliteConnectOptions::new().filename(path), durability, true).await?;
        store.migrate().await?;
        Ok(store)
    }

    async fn sqlite(
        options: SqliteConnectOptions,
        durability: Durability,
        create: bool,
    ) -> Result<Store> {
        if create
            && let Some(dir) = options
                .get_filename()
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)?;
        }
        let options = options
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Store::with_audit_writer(Db::Sqlite { write, read }))
    }

    /// Connects to PostgreSQL with the given options (tests use them to set a
    /// per-test `search_path`). Does not migrate; `open` does.
    pub async fn postgres(options: PgConnectOptions) -> Result<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Store::with_audit_writer(Db::Postgres(pool)))
    }

    /// Applies pending migrations. Idempotent; `open` calls it.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn kind(&self) -> DbKind {
        match self.db {
            Db::Sqlite { .. } => DbKind::Sqlite,
            Db::Postgres(_) => DbKind::Postgres,
        }
    }

    /// The newest migration applied, for `/healthz`.
    pub async fn migration_level(&self) -> Result<i64> {
        let level: Option<i64> = on_read!(self, |ex| {
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(ex)
                .await?
        });
        Ok(level.unwrap_or(0))
    }

    /// Checks the database answers and, for SQLite, that the file is sound.
    pub async fn check(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { read, .. } => {
                let result: String = sqlx::query_scalar("PRAGMA quick_check")
                    .fetch_one(read)
                    .await?;
                if result != "ok" {
                    return Err(StoreError::Conflict(format!(
                        "integrity check failed: {result}"
                    )));
                }
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Writes a consistent copy of an SQLite database to `out` while it is in use.
    pub async fn backup_sqlite(&self, out: &Path) -> Result<()> {
        match &self.db {
            Db::Sqlite { write, .. } => {
                let target = out
                    .to_str()
                    .ok_or_else(|| StoreError::BadUrl("backup path is not UTF-8".into()))?;
                sqlx::query("VACUUM INTO $1")
                    .bind(target)
                    .execute(write)
                    .await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::BadUrl(
                "online backup of PostgreSQL is done with pg_dump; see README".into(),
            )),
        }
    }

    /// Runs one fixed SQL statement outside the store's rules and answers how
    /// many rows it touched. For maintenance and for tests that check what the
    /// database itself refuses (e.g. that `audit_log` cannot be changed); never
    /// for application work, which goes through the scoped, audited functions.
    /// The statement is `'static` so that no request data can reach it.
    pub async fn execute_maintenance_sql(&self, sql: &'static str) -> Result<u64> {
        let n = match &self.db {
            Db::Sqlite { write, .. } => sqlx::query(sql).execute(write).await?.rows_affected(),
            Db::Postgres(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        };
        Ok(n)
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

fn not_rapport(url: &str) -> StoreError {
    StoreError::NoDatabase(format!(
        "{} holds no Rapport data (run `rapport migrate` or `rapport serve` on it first)",
        redact_url(url)
    ))
}

/// A database URL fit for logs and errors: any password is replaced.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_do_not_reach_logs() {
        assert_eq!(
            super::redact_url("postgres://app:s3cret@db:5432/rapport"),
            "postgres://app:***@db:5432/rapport"
        );
        assert_eq!(
            super::redact_url("sqlite://rapport-data/rapport.db"),
            "sqlite://rapport-data/rapport.db"
        );
    }
}
