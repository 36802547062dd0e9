use rapport_domain::FieldError;
use rapport_store::StoreError;

/// The care layer's one error type: what the store or the domain refused,
/// and the few failures of its own.
#[derive(Debug, thiserror::Error)]
pub enum CareError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(FieldError),
    /// Input that breaks several rules, each named (at least one).
    #[error("{}", .0.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "))]
    InvalidAll(Vec<FieldError>),
    #[error("{0}")]
    Domain(rapport_domain::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<rapport_domain::Error> for CareError {
    fn from(e: rapport_domain::Error) -> Self {
        match e {
            rapport_domain::Error::Invalid(f) => CareError::Invalid(f),
            other => CareError::Domain(other),
        }
    }
}

pub type Result<T, E = CareError> = std::result::Result<T, E>;
