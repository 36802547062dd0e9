//! Logging from other apps, and the adherence report.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_domain::identity::{PatientId, Role};
use rapport_domain::monitoring::{self, LogInput};
use rapport_store::LogSource;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ApiJson, Id};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_log))
        .routes(routes!(adherence))
}

/// Logs a session for the patient's open episode: the same rules as the
/// patient's own form. A patient logs for themself; a clinician for any
/// patient of the clinic.
#[utoipa::path(
    post, path = "/patients/{id}/logs", tag = "monitoring",
    params(("id" = i64, Path, description = "Patient id")),
    request_body(content = serde_json::Value, description = "`exercise_id`, `completion` (done|partly|skipped), `skip_reason`, `sets`, `reps`, `minutes`, `pain_before`, `pain_after` (0-10), `difficulty`, `enjoyment` (1-5), `note`, and `date` + `time` or `datetime`, with an optional IANA `time_zone`"),
    responses(
        (status = 201, description = "The stored log"),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "No open episode or no plan yet", body = ErrorBody),
        (status = 422, description = "Invalid input; names the field and rule", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_log(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
    ApiJson(input): ApiJson<LogInput>,
) -> ApiResult<Response> {
    let source = if user.actor.role == Role::Clinician {
        LogSource::Clinician
    } else {
        LogSource::Api
    };
    let log = state
        .store
        .log_add(&user.actor, PatientId(id), &input, source, state.care.now())
        .await
        .map_err(|e| ApiError(e.into()))?;
    Ok((StatusCode::CREATED, axum::Json(log)).into_response())
}

/// Prescribed against logged sessions per ISO week and overall, the trend,
/// and the latest EARS score, on the patient's own calendar.
#[utoipa::path(
    get, path = "/patients/{id}/adherence", tag = "monitoring",
    params(("id" = i64, Path, description = "Patient id")),
    responses(
        (status = 200, description = "The adherence report of the current episode"),
        (status = 404, description = "No such patient in your clinic, or no episode", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn adherence(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<Response> {
    let patient = PatientId(id);
    let m = state
        .store
        .monitoring(&user.actor, patient)
        .await
        .map_err(|e| ApiError(e.into()))?
        .ok_or(ApiError(AppError::NotFound))?;
    let today = monitoring::local_today(state.care.now(), &m.zone());
    let logs = m.session_logs();
    let report =
        monitoring::adherence::report(&m.plans, &logs, today, m.discharged_on, &m.thresholds);
    // EARS is filled in at set time points; its latest score rides along.
    let forms = state
        .store
        .forms_of_episode(&user.actor, m.episode_id)
        .await
        .map_err(|e| ApiError(e.into()))?;
    let ears = forms
        .iter()
        .filter(|f| f.form == "ears" && f.complete)
        .filter_map(|f| Some((f.time_point.as_str(), f.total?)))
        .map(|(tp, total)| serde_json::json!({"time_point": tp, "total": total}))
        .collect::<Vec<_>>();
    let mut body =
        serde_json::to_value(&report).map_err(|e| ApiError(AppError::Internal(e.to_string())))?;
    if let Some(o) = body.as_object_mut() {
        o.insert("patient_id".into(), id.into());
        o.insert("time_zone".into(), m.time_zone.clone().into());
        o.insert("ears".into(), ears.into());
    }
    Ok(axum::Json(body).into_response())
}
