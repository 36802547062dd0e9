//! What the routes of a patient's record share: the role check made before a
//! body is judged, the answer to a write, the refusals the web layer makes
//! itself (an input it must read before the domain can judge it), and the
//! patient's current episode to read or write.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rapport_domain::FieldError;
use rapport_domain::identity::PatientId;
use rapport_store::CareEpisode;
use serde::Serialize;

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, AppError};

/// 201 with the stored record.
pub(super) fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// A value that breaks a rule (422), naming the field and the rule.
pub(super) fn invalid(
    field: impl Into<String>,
    rule: &str,
    message: impl Into<String>,
) -> ApiError {
    ApiError(AppError::Invalid(FieldError::new(field, rule, message)))
}

/// A value of the wrong type (400), naming the field.
pub(super) fn unreadable(field: impl Into<String>, message: impl Into<String>) -> ApiError {
    ApiError(AppError::BadRequest {
        code: "invalid_field",
        field: Some(field.into()),
        message: message.into(),
    })
}

/// The patient's current episode (the open one, else the latest). A patient
/// out of the caller's reach and one without an episode are both 404: the
/// store does not tell them apart for a clinician, so neither can we.
pub(super) async fn current_episode(
    state: &AppState,
    user: &ApiUser,
    patient: PatientId,
) -> ApiResult<CareEpisode> {
    state
        .store
        .episode_current(&user.actor, patient)
        .await?
        .ok_or(ApiError(AppError::NotFound))
}

/// The current episode to write into. A patient out of the caller's reach
/// is 404; one in reach without an episode is a conflict (409), as the
/// store answers for its other writes into an episode.
pub(super) async fn episode_to_write(
    state: &AppState,
    user: &ApiUser,
    patient: PatientId,
) -> ApiResult<CareEpisode> {
    if let Some(episode) = state.store.episode_current(&user.actor, patient).await? {
        return Ok(episode);
    }
    state.store.patient_get(&user.actor, patient).await?;
    Err(ApiError(AppError::Conflict(
        "the patient has no episode of care".into(),
    )))
}

/// `a`, `b` or `c`, for a message listing the values a field takes.
pub(super) fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let values: Vec<String> = values.into_iter().map(|v| format!("`{v}`")).collect();
    match values.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_listed_in_words() {
        assert_eq!(one_of(["a"]), "`a`");
        assert_eq!(one_of(["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(one_of([]), "");
    }
}
