//! The real server on an ephemeral port with a temporary SQLite file, driven
//! over HTTP as a browser or an API client would.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

mod harness;

mod api_record;
mod assessment;
mod auth;
mod bad_input;
mod caseload;
mod invite;
mod mail;
mod monitoring;
mod outcomes;
mod patients;
mod plan;
mod prescription;
mod self_management;
mod site;
mod smtp_sink;
mod tenancy;
mod theory;
