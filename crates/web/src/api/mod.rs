//! The JSON API under `/api/v1`, with its OpenAPI document.

mod caseload;
mod json;
mod monitoring;
mod patients;
mod prescriptions;
mod token;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub use json::ApiJson;

use crate::AppState;
use crate::error::{ApiError, AppError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(token::routes())
        .merge(caseload::routes())
        .merge(patients::routes())
        .merge(prescriptions::routes())
        .merge(monitoring::routes())
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async { ApiError(AppError::NotFound) })
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
    info(title = "Rapport API", description = "Patients, accounts and sessions of a Rapport clinic. Every error is `{\"error\":{\"code\",\"message\"}}`, with `field` and `rule` when one input is at fault."),
    paths(
        token::create_token,
        token::revoke_token,
        patients::list_patients,
        patients::create_patient,
        patients::get_patient,
        patients::update_patient,
        prescriptions::cert,
        monitoring::create_log,
        monitoring::adherence,
        caseload::caseload,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

async fn openapi_json() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}
