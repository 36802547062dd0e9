use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::ApiQuery;
use super::json::SizedJson;
use serde::Serialize;

use crate::AppState;
use crate::auth::{ApiMay, ClinicalWork, Reads};
use crate::error::{ApiResult, ErrorBody};
use rapport_care::caseload::{CaseloadRow, Filter as CaseloadFilter};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(caseload))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseloadOut {
    /// Patients with an open episode in the clinic.
    pub total: usize,
    /// The rows that pass the filters, most in need first: patient, episode,
    /// need, flags (kind, label, severity, reason, cmoc [{id, grade}], since),
    /// next_contact (date, overdue_days, reason), mechanisms [{mechanism,
    /// status}] (as the patient's theory shows them), suggestions.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<CaseloadRow>,
}

/// The clinic's caseload ranked by need (clinicians and administrators),
/// with the same filters as the dashboard: `kind`, `severity`, `overdue`, `q`.
#[utoipa::path(get, path = "/caseload", security(("bearer" = [])),
    params(
        ("kind" = Option<String>, Query, description = "Only rows with a flag of this kind (the values are listed)"),
        ("severity" = Option<String>, Query, description = "Only rows with a flag of this severity"),
        ("overdue" = Option<String>, Query, description = "Any value: only rows whose next contact is overdue"),
        ("q" = Option<String>, Query, max_length = 200, description = "Part of the patient's name")),
    responses((status = 200, body = CaseloadOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn caseload(
    State(state): State<AppState>,
    user: ApiMay<Reads<ClinicalWork>>,
    ApiQuery(filter): ApiQuery<CaseloadFilter>,
) -> ApiResult<SizedJson<CaseloadOut>> {
    let (rows, total) = state.care.caseload(&user.actor, &filter).await?;
    // A row is about one and a half kilobytes of JSON.
    let size = 64 + rows.len() * 1_700;
    Ok(SizedJson(CaseloadOut { total, rows }, size))
}

/// Lists in the document the values `kind` and `severity` accept, from the
/// domain's own lists.
pub(super) fn document_filters(doc: &mut utoipa::openapi::OpenApi) {
    use rapport_domain::monitoring::{FlagKind, Severity};
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{RefOr, Schema};
    let values = |name: &str| -> Option<Vec<&'static str>> {
        match name {
            "kind" => Some(FlagKind::ALL.iter().map(|k| k.as_str()).collect()),
            "severity" => Some(Severity::ALL.iter().map(|s| s.as_str()).collect()),
            _ => None,
        }
    };
    let Some(op) = doc
        .paths
        .paths
        .get_mut(&format!("{}/caseload", super::PREFIX))
        .and_then(|item| item.get.as_mut())
    else {
        return;
    };
    for param in op.parameters.iter_mut().flatten() {
        let RefOr::T(p) = param else { continue };
        if p.parameter_in != ParameterIn::Query {
            continue;
        }
        if let Some(values) = values(&p.name) {
            p.schema = Some(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(values))
                    .build(),
            )));
        }
    }
}
