//! The domain's one error type.

use std::fmt;

/// A rule broken by one named field of an input. `field` uses the input's own
/// names (e.g. `birth_date`, `answers[3]`) so a user can find what to fix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Input broke a rule; names the field and the rule.
    #[error("{0}")]
    Invalid(FieldError),
    /// A name that the domain does not know (instrument, CMOC, signal, exercise…).
    #[error("unknown {kind} `{name}`")]
    Unknown { kind: &'static str, name: String },
    /// A data file shipped with or loaded into Rapport is inconsistent.
    #[error("{source_name}: {message}")]
    Data {
        source_name: String,
        message: String,
    },
}

impl Error {
    pub fn invalid(
        field: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Invalid(FieldError::new(field, rule, message))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
