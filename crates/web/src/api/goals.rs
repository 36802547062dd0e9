//! The patient's functional goals: an activity, where they are now and where
//! they want to be on the 0–10 scale of the Patient-Specific Functional
//! Scale, and by when. Checked by the domain's `GoalInput`, as the Plan page
//! checks them.

use axum::extract::State;
use axum::response::Response;
use rapport_domain::identity::PatientId;
use rapport_domain::prescription::GoalInput;
use rapport_store::StoredGoal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::{created, current_episode};
use super::{ApiJson, Id};
use crate::AppState;
use crate::auth::{ApiMay, ApiUser, CarePlan, Writes};
use crate::error::{ApiResult, ErrorBody};
use crate::pages::today;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_goals, add_goal))
}

/// A goal agreed with the patient.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalCreate {
    /// Required: the activity, at most 200 characters on one line.
    #[schema(value_type = String, required = true, max_length = 200, example = "Lift my grandchild")]
    pub activity: Option<String>,
    /// Required: 0 (unable) to 10 (as before the problem).
    #[schema(value_type = i32, required = true, minimum = 0, maximum = 10, example = 3)]
    pub current_level: Option<i64>,
    /// Required: 0 to 10, higher than `current_level`.
    #[schema(value_type = i32, required = true, minimum = 0, maximum = 10, example = 8)]
    pub target_level: Option<i64>,
    /// Required: the day to reach it by, after today, YYYY-MM-DD.
    #[schema(value_type = String, required = true, format = Date, example = "2030-06-01")]
    pub by: Option<String>,
    /// Whether the patient and the clinician set it together; default `false`.
    pub agreed_together: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct GoalOut {
    pub id: i64,
    pub episode_id: i64,
    pub activity: String,
    /// 0 (unable) to 10 (as before the problem).
    pub current_level: u8,
    pub target_level: u8,
    #[schema(value_type = String, format = Date)]
    pub by: jiff::civil::Date,
    pub agreed_together: bool,
    /// The day it was agreed together, if it was.
    #[schema(value_type = Option<String>, format = Date)]
    pub agreed_on: Option<jiff::civil::Date>,
}

impl From<StoredGoal> for GoalOut {
    fn from(g: StoredGoal) -> Self {
        GoalOut {
            id: g.id,
            episode_id: g.episode_id,
            activity: g.goal.activity,
            current_level: g.goal.current_level,
            target_level: g.goal.target_level,
            by: g.goal.by,
            agreed_together: g.goal.agreed_together,
            agreed_on: g.goal.agreed_on,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GoalList {
    pub episode_id: i64,
    /// Oldest first.
    pub goals: Vec<GoalOut>,
}

/// The goals of the patient's current episode. The patient reads their own;
/// clinicians those of their clinic.
#[utoipa::path(get, path = "/patients/{id}/goals", tag = "goals",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = GoalList),
        (status = 404, description = "No such patient in your clinic, or no episode of care", body = ErrorBody)))]
pub async fn list_goals(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<GoalList>> {
    let patient = PatientId(id);
    let episode = current_episode(&state, &user, patient).await?;
    let goals = state.store.goals_list(&user.actor, patient).await?;
    Ok(axum::Json(GoalList {
        episode_id: episode.id,
        goals: goals.into_iter().map(GoalOut::from).collect(),
    }))
}

/// Adds a goal to the patient's open episode (clinicians only).
#[utoipa::path(post, path = "/patients/{id}/goals", tag = "goals",
    params(("id" = i64, Path, description = "Patient id")), request_body = GoalCreate, security(("bearer" = [])),
    responses((status = 201, description = "The stored goal", body = GoalOut),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "The patient has no open episode of care", body = ErrorBody)))]
pub async fn add_goal(
    State(state): State<AppState>,
    user: ApiMay<Writes<CarePlan>>,
    Id(id): Id,
    ApiJson(body): ApiJson<GoalCreate>,
) -> ApiResult<Response> {
    // The domain reads levels as typed on the page; a missing one is out of range.
    let level = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let goal = GoalInput {
        activity: body.activity.unwrap_or_default(),
        current_level: level(body.current_level),
        target_level: level(body.target_level),
        by: body.by.unwrap_or_default(),
        agreed_together: body.agreed_together.unwrap_or(false),
    }
    .validate(today())?;
    let stored = state
        .store
        .goal_add(&user.actor, PatientId(id), &goal)
        .await?;
    Ok(created(GoalOut::from(stored)))
}
