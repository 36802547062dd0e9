//! The patient's session logs as the clinician reads them, each with the
//! feedback given on it, and giving feedback on one. (Logging a session is
//! `POST /patients/{id}/logs`, in `monitoring`.)

use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use jiff::civil::Date;
use rapport_domain::identity::PatientId;
use rapport_domain::monitoring::SkipReason;
use rapport_domain::theory::episode::Completion;
use rapport_store::{LogComment, StoredLog};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::created;
use super::{ApiJson, Id, IdPair};
use crate::AppState;
use crate::auth::{ApiMay, ApiUser, CarePlan, Writes};
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_logs))
        .routes(routes!(give_feedback))
}

/// Feedback on one log.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackCreate {
    /// Required: 1 to 2000 characters, no control characters but line breaks.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, example = "Well done keeping at it this week.")]
    pub body: Option<String>,
}

/// A clinician's feedback on a log.
#[derive(Serialize, ToSchema)]
pub struct FeedbackOut {
    pub id: i64,
    pub log_id: i64,
    /// The clinician's name.
    pub author: String,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Whether the patient has opened it.
    pub seen: bool,
}

impl From<LogComment> for FeedbackOut {
    fn from(c: LogComment) -> Self {
        FeedbackOut {
            id: c.id,
            log_id: c.log_id,
            author: c.author,
            body: c.body,
            created_at: c.created_at,
            seen: c.seen,
        }
    }
}

/// A logged session, with the same fields as `POST /patients/{id}/logs`
/// answers.
#[derive(Serialize, ToSchema)]
pub struct LogOut {
    pub id: i64,
    pub episode_id: i64,
    pub exercise_id: String,
    /// The day of the session in the patient's time zone.
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// The instant, when a time was given.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    /// `completed`, `partly` or `skipped`.
    #[schema(value_type = String)]
    pub completion: Completion,
    /// `no_time`, `pain`, `forgot`, `unwell` or `other`.
    #[schema(value_type = Option<String>)]
    pub skip_reason: Option<SkipReason>,
    pub sets: Option<u8>,
    pub reps: Option<u16>,
    pub minutes: Option<u16>,
    /// 0–10.
    pub pain_before: Option<u8>,
    /// 0–10.
    pub pain_after: Option<u8>,
    /// 1 very easy … 3 about right … 5 too hard.
    pub difficulty: Option<u8>,
    /// 1 not at all … 5 very much.
    pub enjoyment: Option<u8>,
    pub note: Option<String>,
    /// `web`, `api` or `clinician`: where the log came from.
    pub source: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The clinicians' feedback on it, oldest first.
    pub comments: Vec<FeedbackOut>,
}

impl From<StoredLog> for LogOut {
    fn from(l: StoredLog) -> Self {
        let s = l.log;
        LogOut {
            id: l.id,
            episode_id: l.episode_id,
            exercise_id: s.exercise_id,
            date: s.date,
            at: s.at,
            completion: s.completion,
            skip_reason: s.skip_reason,
            sets: s.sets,
            reps: s.reps,
            minutes: s.minutes,
            pain_before: s.pain_before,
            pain_after: s.pain_after,
            difficulty: s.difficulty,
            enjoyment: s.enjoyment,
            note: s.note,
            source: l.source,
            created_at: l.created_at,
            comments: l.comments.into_iter().map(FeedbackOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LogList {
    pub episode_id: i64,
    /// The patient's IANA time zone, which the dates are in.
    pub time_zone: String,
    /// Oldest first.
    pub logs: Vec<LogOut>,
}

/// The session logs of the patient's current episode with their feedback.
/// The patient reads their own; clinicians those of their clinic.
#[utoipa::path(get, path = "/patients/{id}/logs", tag = "monitoring",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = LogList),
        (status = 404, description = "No such patient in your clinic, or no episode of care", body = ErrorBody)))]
pub async fn list_logs(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<LogList>> {
    let m = state
        .store
        .monitoring(&user.actor, PatientId(id))
        .await?
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(axum::Json(LogList {
        episode_id: m.episode_id,
        time_zone: m.time_zone,
        logs: m.logs.into_iter().map(LogOut::from).collect(),
    }))
}

/// Gives feedback on one of the patient's logs (clinicians only).
#[utoipa::path(post, path = "/patients/{id}/logs/{log_id}/feedback", tag = "monitoring",
    params(("id" = i64, Path, description = "Patient id"), ("log_id" = i64, Path, description = "The log's id")),
    request_body = FeedbackCreate, security(("bearer" = [])),
    responses((status = 201, description = "The stored feedback", body = FeedbackOut),
        (status = 404, description = "No such patient in your clinic, or no such log of theirs", body = ErrorBody)))]
pub async fn give_feedback(
    State(state): State<AppState>,
    user: ApiMay<Writes<CarePlan>>,
    IdPair(id, log_id): IdPair,
    ApiJson(body): ApiJson<FeedbackCreate>,
) -> ApiResult<Response> {
    let comment = state
        .store
        .log_comment_add(
            &user.actor,
            PatientId(id),
            log_id,
            body.body.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok(created(FeedbackOut::from(comment)))
}
