//! The JSON API under `/api/v1`. Its OpenAPI document is built from the
//! routes themselves (utoipa-axum), so the two cannot drift apart.

mod beliefs;
mod caseload;
mod contacts;
mod education;
mod extract;
mod feedback;
mod forms;
mod goals;
mod json;
mod messages;
mod monitoring;
mod outcomes;
mod patients;
mod prescriptions;
mod self_management;
mod shared;
mod theory;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;

pub use extract::{ApiQuery, Id, IdPair};
pub use json::ApiJson;

use crate::AppState;
use crate::error::{ApiError, AppError};

/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

/// The API's routes, mounted under [`PREFIX`], with `openapi.json` beside them.
pub fn router() -> Router<AppState> {
    let (routes, doc) = parts();
    let doc = Arc::new(doc);
    let api = routes
        .route(
            "/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError(AppError::NotFound) })
        .layer(from_fn(extract::json_errors));
    Router::new().nest(PREFIX, api)
}

/// The document alone, as `/api/v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The routes (relative to [`PREFIX`]) and the document made from them.
fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(token::routes())
        .merge(caseload::routes())
        .merge(patients::routes())
        .merge(prescriptions::routes())
        .merge(self_management::routes())
        .merge(monitoring::routes())
        // The patient's record: every record a page writes, written and read here.
        .merge(forms::routes())
        .merge(goals::routes())
        .merge(contacts::routes())
        .merge(feedback::routes())
        .merge(messages::routes())
        .merge(education::routes())
        .merge(beliefs::routes())
        .merge(theory::routes())
        .merge(outcomes::routes())
        .split_for_parts();
    doc.paths.paths = std::mem::take(&mut doc.paths.paths)
        .into_iter()
        .map(|(path, item)| (format!("{PREFIX}{path}"), item))
        .collect();
    use utoipa::Modify as _;
    StandardErrors.modify(&mut doc);
    caseload::document_filters(&mut doc);
    (routes, doc)
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Rapport API", description = "Patients, accounts and sessions of a Rapport clinic, and each patient's record: forms, goals, contacts, logs and feedback, messages, education, beliefs and the theory applied. Every error is `{\"error\":{\"code\",\"message\"}}`, with `field` and `rule` when one input is at fault."),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

/// Adds to every operation the error answers it can give, from what the
/// operation takes: a body can be unreadable (400), too large (413), not
/// JSON (415) or break a rule (422); a query string can be unreadable or out
/// of range; an id in the path can name nothing (404); a token can be
/// missing (401) or not allowed (403). Answers a route documents itself are
/// kept as written.
struct StandardErrors;

impl utoipa::Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add_standard_errors(op);
            }
        }
    }
}

fn add_standard_errors(op: &mut Operation) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let located = |at: ParameterIn| {
        params
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == at))
    };
    let (has_path, has_query) = (located(ParameterIn::Path), located(ParameterIn::Query));
    let has_body = op.request_body.is_some();
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            utoipa::openapi::ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build(),
                )
            });
    };
    if has_body || has_query {
        add(
            "400",
            "The request could not be read: malformed JSON, a wrong type, an unknown or repeated field",
        );
        add("422", "A value breaks a rule; `field` and `rule` say which");
    }
    if has_body {
        add("413", "The body is larger than 256 KiB");
        add("415", "The body is not sent as application/json");
    }
    if secured {
        add("401", "No token, or one that has expired or been revoked");
        add("403", "The caller's role may not do this");
    }
    if has_path {
        add(
            "404",
            "No such record in the caller's clinic (also for an id that is not a whole number)",
        );
    }
}
