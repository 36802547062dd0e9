//! Education assigned to the patient from the built-in library, and whether
//! they have read it.

use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use rapport_domain::identity::PatientId;
use rapport_store::EducationAssignment;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::{created, current_episode, invalid};
use super::{ApiJson, Id};
use crate::AppState;
use crate::auth::{ApiMay, ApiUser, CarePlan, Writes};
use crate::error::{ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_education, assign_education))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EducationCreate {
    /// Required: the id of an item of the education library.
    #[schema(value_type = String, required = true, example = "hurt-and-harm")]
    pub item_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EducationOut {
    /// The assignment's id.
    pub id: i64,
    pub item_id: String,
    /// The item's title in the library.
    pub title: String,
    /// The clinician who assigned it.
    pub assigned_by: i64,
    #[schema(value_type = String, format = DateTime)]
    pub assigned_at: Timestamp,
    /// When the patient marked it read.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<Timestamp>,
}

#[derive(Serialize, ToSchema)]
pub struct EducationList {
    pub episode_id: i64,
    /// Oldest first.
    pub items: Vec<EducationOut>,
}

fn out(state: &AppState, a: EducationAssignment) -> EducationOut {
    // An item retired from the library since keeps its id as its title.
    let title = state
        .care
        .education
        .get(&a.item_id)
        .map_or_else(|_| a.item_id.clone(), |i| i.title.clone());
    EducationOut {
        id: a.id,
        title,
        item_id: a.item_id,
        assigned_by: a.assigned_by.0,
        assigned_at: a.assigned_at,
        read_at: a.read_at,
    }
}

/// The education assigned in the patient's current episode. The patient
/// reads their own; clinicians those of their clinic.
#[utoipa::path(get, path = "/patients/{id}/education", tag = "education",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = EducationList),
        (status = 404, description = "No such patient in your clinic, or no episode of care", body = ErrorBody)))]
pub async fn list_education(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<EducationList>> {
    let patient = PatientId(id);
    let episode = current_episode(&state, &user, patient).await?;
    let assigned = state.store.education_list(&user.actor, patient).await?;
    Ok(axum::Json(EducationList {
        episode_id: episode.id,
        items: assigned.into_iter().map(|a| out(&state, a)).collect(),
    }))
}

/// Assigns an item of the library to the patient's open episode, once
/// (clinicians only).
#[utoipa::path(post, path = "/patients/{id}/education", tag = "education",
    params(("id" = i64, Path, description = "Patient id")), request_body = EducationCreate, security(("bearer" = [])),
    responses((status = 201, description = "The assignment", body = EducationOut),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "Already assigned, or no open episode of care", body = ErrorBody),
        (status = 422, description = "`item_id` is not an item of the library", body = ErrorBody)))]
pub async fn assign_education(
    State(state): State<AppState>,
    user: ApiMay<Writes<CarePlan>>,
    Id(id): Id,
    ApiJson(body): ApiJson<EducationCreate>,
) -> ApiResult<Response> {
    let raw = body
        .item_id
        .ok_or_else(|| invalid("item_id", "required", "is required"))?;
    let item = state.care.education.get(&raw).map_err(|_| {
        invalid(
            "item_id",
            "known",
            format!("`{}` is not an item of the education library", raw.trim()),
        )
    })?;
    let assigned = state
        .store
        .education_assign(&user.actor, PatientId(id), &item.id)
        .await?;
    Ok(created(out(&state, assigned)))
}
