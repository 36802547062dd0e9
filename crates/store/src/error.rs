use rapport_domain::FieldError;

/// The store's one error type. `NotFound` is also the answer for a record
/// that exists in another clinic, so that its existence is not revealed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("not allowed for this role")]
    Forbidden,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(FieldError),
    /// Several inputs of one request break rules, each named.
    #[error("{} inputs break a rule", .0.len())]
    InvalidAll(Vec<FieldError>),
    /// A command that reads was pointed at a database that is not there.
    #[error("no database: {0}")]
    NoDatabase(String),
    #[error("unsupported database URL: {0}")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("the audit log could not be written: {0}")]
    Audit(String),
}

impl From<rapport_domain::Error> for StoreError {
    fn from(e: rapport_domain::Error) -> Self {
        match e {
            rapport_domain::Error::Invalid(f) => StoreError::Invalid(f),
            other => StoreError::Invalid(FieldError::new("input", "domain", other.to_string())),
        }
    }
}

impl StoreError {
    /// A unique-constraint violation, which callers report as a conflict.
    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
