use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};
use crate::pages::prescribe::{report_context_parts, reports};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(cert))
}

#[derive(Serialize, ToSchema)]
pub struct ReportItemOut {
    /// The checklist's item number, e.g. `7a`.
    pub number: &'static str,
    pub item: &'static str,
    pub complete: bool,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct CertReport {
    pub prescription_id: i64,
    pub version: i64,
    /// CERT (Slade et al. 2016): 16 items, 19 rows with the a/b parts.
    pub cert: Vec<ReportItemOut>,
    /// TIDieR (Hoffmann et al. 2014): 12 items.
    pub tidier: Vec<ReportItemOut>,
    pub cert_complete: usize,
}

fn out(items: Vec<rapport_domain::prescription::cert::ReportItem>) -> Vec<ReportItemOut> {
    items
        .into_iter()
        .map(|i| ReportItemOut {
            number: i.number,
            item: i.item,
            complete: i.complete,
            value: i.value,
        })
        .collect()
}

/// The CERT and TIDieR description of a prescription's current version,
/// each item marked complete or missing.
#[utoipa::path(get, path = "/prescriptions/{id}/cert", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = CertReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn cert(
    State(state): State<AppState>,
    user: ApiUser,
    super::Id(id): super::Id,
) -> ApiResult<axum::Json<CertReport>> {
    let prescription = state.store.prescription_get(&user.actor, id).await?;
    let record = state
        .care
        .chart(&user.actor, prescription.patient_id)
        .await?;
    let parts = report_context_parts(&state, &user.actor, &prescription, record.as_ref()).await?;
    let (cert, tidier) = reports(&parts);
    Ok(axum::Json(CertReport {
        prescription_id: prescription.id,
        version: prescription.current().map_or(0, |v| v.version),
        cert_complete: cert.iter().filter(|i| i.complete).count(),
        cert: out(cert),
        tidier: out(tidier),
    }))
}
