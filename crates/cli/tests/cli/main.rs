//! The `rapport` command as its users run it: the built binary, real SQLite
//! files in temporary folders (and PostgreSQL when `RAPPORT_TEST_PG_URL` is
//! set), servers on ephemeral ports driven over HTTP.

// Helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod agreement;
mod audit;
mod backup;
mod crash;
mod missing_db;
mod outcomes;
mod score;
mod serve;
mod support;
mod synth;
mod theory;
mod triage;
