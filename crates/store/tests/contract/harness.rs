//! Fresh, isolated databases for each test: a temporary SQLite file, or a
//! schema of its own on the PostgreSQL server, dropped afterwards.

use std::any::Any;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use rapport_store::{Durability, Store};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

pub type TestFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
pub type TestFn = for<'a> fn(&'a Store) -> TestFuture<'a>;

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "RAPPORT_TEST_PG_URL";

/// Runs `test` against a fresh, migrated SQLite file that is removed afterwards.
pub async fn sqlite(name: &str, test: TestFn) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite_file(&dir.path().join("store.db"), Durability::Normal)
        .await
        .unwrap();
    if let Err(panic) = run(store, test).await {
        eprintln!("{name} failed on SQLite");
        std::panic::resume_unwind(panic);
    }
}

/// Runs `test` against a fresh, migrated schema on the server named by
/// `RAPPORT_TEST_PG_URL`, dropped afterwards whether the test passed or not.
pub async fn postgres(name: &str, test: TestFn) {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let store = schema.store().await;
    let outcome = run(store, test).await;
    let schema_name = schema.name.clone();
    schema.drop().await;
    if let Err(panic) = outcome {
        eprintln!("{name} failed on PostgreSQL (schema {schema_name})");
        std::panic::resume_unwind(panic);
    }
}

/// Runs the test on its own task so that a panic is caught, then closes the
/// store (ending any transaction the panic left open) before the database
/// goes away.
async fn run(store: Store, test: TestFn) -> Result<(), Box<dyn Any + Send>> {
    let ours = store.clone();
    let joined = tokio::spawn(async move { test(&store).await }).await;
    ours.close().await;
    joined.map_err(|e| match e.try_into_panic() {
        Ok(panic) => panic,
        Err(e) => Box::new(e.to_string()),
    })
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One test's schema on the PostgreSQL server.
pub struct PgSchema {
    url: String,
    pub name: String,
    admin: PgConnection,
}

/// What a migrated database looks like, in a form both backends can give.
#[derive(Debug, PartialEq, Eq)]
pub struct Shape {
    /// (table, column, nullable), sorted.
    pub columns: Vec<(String, String, bool)>,
    /// Explicitly created index names, sorted.
    pub indexes: Vec<String>,
}

impl PgSchema {
    /// A new, empty schema `rt_<pid>_<counter>_<random>`; `None` (with a note)
    /// when no server is configured.
    pub async fn create() -> Option<PgSchema> {
        let url = match std::env::var(PG_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                eprintln!("skipped: {PG_URL_VAR} not set");
                return None;
            }
        };
        let name = format!(
            "rt_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let options = PgConnectOptions::from_str(&url)
            .unwrap_or_else(|e| panic!("{PG_URL_VAR} is not a PostgreSQL URL: {e}"))
            .options([("synchronous_commit", "off")]);
        let mut admin = PgConnection::connect_with(&options)
            .await
            .unwrap_or_else(|e| panic!("cannot reach {PG_URL_VAR}: {e}"));
        // The name is made here from digits and hex, never from input.
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        Some(PgSchema { url, name, admin })
    }

    /// Connection options whose `search_path` is this schema only.
    pub fn options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(&self.url)
            .unwrap()
            // Test data need not survive a power cut; not waiting for the
            // disk at each commit makes the suite several times faster.
            .options([
                ("search_path", self.name.as_str()),
                ("synchronous_commit", "off"),
            ])
    }

    /// The server URL with this schema as `search_path`, for `Store::open`.
    pub fn url_with_search_path(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}options%5Bsearch_path%5D={}", self.url, self.name)
    }

    /// A migrated store on this schema.
    pub async fn store(&self) -> Store {
        let store = Store::postgres(self.options()).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// The tables, columns and indexes of this schema.
    pub async fn shape(&mut self) -> Shape {
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, is_nullable::text \
             FROM information_schema.columns WHERE table_schema = $1",
        )
        .bind(&self.name)
        .fetch_all(&mut self.admin)
        .await
        .unwrap();
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1 AND indexname NOT IN \
             (SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
              WHERE n.nspname = $1)",
        )
        .bind(&self.name)
        .fetch_all(&mut self.admin)
        .await
        .unwrap();
        Shape::sorted(
            columns
                .into_iter()
                .map(|(t, c, n)| (t, c, n == "YES"))
                .collect(),
            indexes,
        )
    }

    pub async fn drop(mut self) {
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name)))
            .execute(&mut self.admin)
            .await
            .unwrap();
        self.admin.close().await.unwrap();
    }
}

impl Shape {
    fn sorted(mut columns: Vec<(String, String, bool)>, mut indexes: Vec<String>) -> Shape {
        columns.sort();
        indexes.sort();
        Shape { columns, indexes }
    }
}

/// The tables, columns and indexes of an SQLite file. A primary-key column
/// counts as not nullable, as it is on PostgreSQL (the store never writes a
/// null key).
pub async fn sqlite_shape(path: &Path) -> Shape {
    let mut conn =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path).read_only(true))
            .await
            .unwrap();
    let columns: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk FROM sqlite_master m \
         JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    Shape::sorted(
        columns
            .into_iter()
            .map(|(t, c, not_null, pk)| (t, c, not_null == 0 && pk == 0))
            .collect(),
        indexes,
    )
}
