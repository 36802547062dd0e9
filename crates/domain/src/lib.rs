//! Rapport's domain: pure types and rules. Nothing here does I/O; the store,
//! the web layer and the command line all call into it.

pub mod access;
pub mod assessment;
pub mod education;
pub mod error;
pub mod exercise;
pub mod identity;
pub mod instruments;
pub mod monitoring;
pub mod outcomes;
pub mod patient;
pub mod prescription;
pub mod record;
pub mod self_management;
pub mod theory;

pub use error::{Error, FieldError, Result};
