use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Serialize;

use crate::AppState;
use crate::auth::ApiUser;
use crate::caseload::CaseloadRow;
use crate::error::{ApiResult, ErrorBody};
use crate::pages::{CaseloadFilter, caseload_rows};

pub fn routes() -> Router<AppState> {
    Router::new().route("/caseload", get(caseload))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseloadOut {
    /// Patients with an open episode in the clinic.
    pub total: usize,
    /// The rows that pass the filters, most in need first: patient, episode,
    /// need, flags (kind, label, severity, reason, cmoc [{id, grade}], since),
    /// next_contact (date, overdue_days, reason), suggestions.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<CaseloadRow>,
}

/// The clinic's caseload ranked by need (clinicians and administrators),
/// with the same filters as the dashboard: `kind`, `severity`, `overdue`, `q`.
#[utoipa::path(get, path = "/api/v1/caseload", security(("bearer" = [])),
    params(("kind" = Option<String>, Query), ("severity" = Option<String>, Query), ("overdue" = Option<String>, Query), ("q" = Option<String>, Query)),
    responses((status = 200, body = CaseloadOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn caseload(
    State(state): State<AppState>,
    user: ApiUser,
    Query(filter): Query<CaseloadFilter>,
) -> ApiResult<axum::Json<CaseloadOut>> {
    let (rows, total) = caseload_rows(&state, &user.actor, &filter).await?;
    Ok(axum::Json(CaseloadOut { total, rows }))
}
