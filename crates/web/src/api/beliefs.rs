//! The clinician's review of the beliefs checklist with the patient: which
//! beliefs and fears the patient holds, and which of them they no longer
//! hold once explained. Clinicians only, as the store keeps it.

use axum::extract::State;
use axum::response::Response;
use jiff::civil::Date;
use rapport_domain::identity::PatientId;
use rapport_store::BeliefReview;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::{created, current_episode, episode_to_write};
use super::{ApiJson, Id};
use crate::AppState;
use crate::auth::{ApiMay, ApiUser, ClinicalWork, Writes};
use crate::error::{ApiResult, ErrorBody};
use crate::pages::today;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(latest_review, review_beliefs))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeliefsCreate {
    /// Keys of the checklist's beliefs the patient confirmed holding, e.g.
    /// `hurt_means_harm`.
    #[schema(example = json!(["hurt_means_harm"]))]
    pub confirmed: Option<Vec<String>>,
    /// Confirmed beliefs the patient no longer holds; each must be in `confirmed`.
    pub reconciled: Option<Vec<String>>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BeliefReviewOut {
    pub id: i64,
    pub episode_id: i64,
    /// The clinician who reviewed them.
    pub reviewed_by: i64,
    pub confirmed: Vec<String>,
    pub reconciled: Vec<String>,
    pub note: String,
    #[schema(value_type = String, format = Date)]
    pub reviewed_on: Date,
}

impl From<BeliefReview> for BeliefReviewOut {
    fn from(r: BeliefReview) -> Self {
        BeliefReviewOut {
            id: r.id,
            episode_id: r.episode_id,
            reviewed_by: r.reviewed_by.0,
            confirmed: r.confirmed,
            reconciled: r.reconciled,
            note: r.note,
            reviewed_on: r.reviewed_on,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BeliefsOut {
    pub episode_id: i64,
    /// The latest review; `null` before the first.
    pub review: Option<BeliefReviewOut>,
}

/// The latest beliefs review of the patient's current episode (clinicians only).
#[utoipa::path(get, path = "/patients/{id}/beliefs", tag = "beliefs",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = BeliefsOut),
        (status = 404, description = "No such patient in your clinic, or no episode of care", body = ErrorBody)))]
pub async fn latest_review(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<BeliefsOut>> {
    let episode = current_episode(&state, &user, PatientId(id)).await?;
    let review = state
        .store
        .belief_review_latest(&user.actor, episode.id)
        .await?;
    Ok(axum::Json(BeliefsOut {
        episode_id: episode.id,
        review: review.map(BeliefReviewOut::from),
    }))
}

/// Records a review of the beliefs checklist in the patient's current
/// episode (clinicians only).
#[utoipa::path(post, path = "/patients/{id}/beliefs", tag = "beliefs",
    params(("id" = i64, Path, description = "Patient id")), request_body = BeliefsCreate, security(("bearer" = [])),
    responses((status = 201, description = "The stored review", body = BeliefReviewOut),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "The patient has no episode of care", body = ErrorBody),
        (status = 422, description = "A key not of the checklist (`confirmed`), one reconciled but not confirmed (`reconciled`), or too long a `note`", body = ErrorBody)))]
pub async fn review_beliefs(
    State(state): State<AppState>,
    user: ApiMay<Writes<ClinicalWork>>,
    Id(id): Id,
    ApiJson(body): ApiJson<BeliefsCreate>,
) -> ApiResult<Response> {
    let episode = episode_to_write(&state, &user, PatientId(id)).await?;
    let review = state
        .store
        .belief_review_save(
            &user.actor,
            episode.id,
            &body.confirmed.unwrap_or_default(),
            &body.reconciled.unwrap_or_default(),
            body.note.as_deref().unwrap_or_default(),
            today(),
        )
        .await?;
    Ok(created(BeliefReviewOut::from(review)))
}
