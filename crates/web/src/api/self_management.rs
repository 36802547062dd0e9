//! The self-management plan the patient keeps after discharge: the
//! exercises to keep (dose, easier and harder versions), the activities
//! that matter and the goals reached, what to do in a flare-up, when to seek
//! help, and what the patient now knows about their back. Clinicians write
//! it once the episode is discharged, every save a new version; the patient
//! reads their own. Checked by the domain's `SelfManagementInput`, as the
//! patient's page checks it, through the same care function.

use axum::extract::State;
use axum::response::Response;
use jiff::civil::Date;
use rapport_domain::identity::PatientId;
use rapport_domain::self_management::{
    ActivityInput, DEFAULT_FLARE_UP, DEFAULT_SEEK_HELP, KeptExerciseInput, SelfManagementInput,
};
use rapport_store::StoredSelfManagementPlan;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::{created, invalid};
use super::{ApiJson, ApiQuery, Id};
use crate::AppState;
use crate::auth::{ApiMay, CarePlan, Reads, Writes};
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_plan, write_plan))
}

/// One exercise to keep doing.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeptExerciseWrite {
    /// Required: an exercise of the clinic's library.
    #[schema(value_type = String, required = true, example = "st-bridge")]
    pub exercise_id: Option<String>,
    /// The name the patient knows it by; blank or absent: the library's.
    #[schema(max_length = 120)]
    pub name: Option<String>,
    /// Required: how much and how often, in plain words, on one line.
    #[schema(value_type = String, required = true, max_length = 300, example = "2 sets of 10, every day.")]
    pub dose: Option<String>,
    /// Ignored when sent (the easier and harder versions come from the
    /// library), so that a plan read can be sent back.
    #[schema(value_type = Option<Object>)]
    #[allow(dead_code)]
    pub easier: Option<serde_json::Value>,
    /// Ignored when sent, as `easier`.
    #[schema(value_type = Option<Object>)]
    #[allow(dead_code)]
    pub harder: Option<serde_json::Value>,
}

/// An activity that matters to the patient.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityWrite {
    /// Required: the activity, on one line.
    #[schema(value_type = String, required = true, max_length = 200, example = "Lift my grandchild")]
    pub activity: Option<String>,
    /// The goal set for it was reached; default `false`.
    pub reached: Option<bool>,
}

/// A version of the plan. Entries left wholly blank are left out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfManagementWrite {
    /// Required: 1 to 30 exercises to keep doing.
    #[schema(required = true)]
    pub exercises: Option<Vec<KeptExerciseWrite>>,
    /// The activities that matter (their goals); at most 20.
    pub activities: Option<Vec<ActivityWrite>>,
    /// What to do in a flare-up, one point each (1 to 12, each at most 400
    /// characters on one line). Absent: Rapport's own advice.
    pub flare_up: Option<Vec<String>>,
    /// When to seek help, the warning signs first, as `flare_up`. Absent:
    /// Rapport's own advice.
    pub seek_help: Option<Vec<String>>,
    /// What the patient now knows about their back, in plain words; at most 12.
    pub understanding: Option<Vec<String>>,
}

impl SelfManagementWrite {
    fn input(self) -> SelfManagementInput {
        let or_default = |given: Option<Vec<String>>, default: &[&str]| {
            given.unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
        };
        SelfManagementInput {
            exercises: self
                .exercises
                .unwrap_or_default()
                .into_iter()
                .map(|e| KeptExerciseInput {
                    exercise_id: e.exercise_id.unwrap_or_default(),
                    name: e.name.unwrap_or_default(),
                    dose: e.dose.unwrap_or_default(),
                })
                .collect(),
            activities: self
                .activities
                .unwrap_or_default()
                .into_iter()
                .map(|a| ActivityInput {
                    activity: a.activity.unwrap_or_default(),
                    reached: a.reached.unwrap_or(false),
                })
                .collect(),
            flare_up: or_default(self.flare_up, DEFAULT_FLARE_UP),
            seek_help: or_default(self.seek_help, DEFAULT_SEEK_HELP),
            understanding: self.understanding.unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VariantOut {
    pub exercise_id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct KeptExerciseOut {
    pub exercise_id: String,
    pub name: String,
    /// How much and how often, in plain words.
    pub dose: String,
    /// The easier version, for a bad day or a flare-up.
    pub easier: Option<VariantOut>,
    /// The harder version, for when it has become easy.
    pub harder: Option<VariantOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityOut {
    pub activity: String,
    /// The goal set for it was reached.
    pub reached: bool,
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub version: i64,
    #[schema(value_type = String, format = Date)]
    pub written_on: Date,
}

/// One version of the patient's self-management plan.
#[derive(Serialize, ToSchema)]
pub struct SelfManagementOut {
    pub patient_id: i64,
    /// The episode of care it was written at the discharge of.
    pub episode_id: i64,
    pub version: i64,
    /// The clinician who wrote it.
    pub written_by: i64,
    #[schema(value_type = String, format = Date)]
    pub written_on: Date,
    /// Every version of the episode's plan, oldest first.
    pub versions: Vec<VersionOut>,
    pub exercises: Vec<KeptExerciseOut>,
    pub activities: Vec<ActivityOut>,
    pub flare_up: Vec<String>,
    pub seek_help: Vec<String>,
    pub understanding: Vec<String>,
}

impl From<StoredSelfManagementPlan> for SelfManagementOut {
    fn from(s: StoredSelfManagementPlan) -> Self {
        let variant = |v: Option<rapport_domain::self_management::Variant>| {
            v.map(|v| VariantOut {
                exercise_id: v.exercise_id,
                name: v.name,
            })
        };
        SelfManagementOut {
            patient_id: s.patient_id.0,
            episode_id: s.episode_id,
            version: s.version,
            written_by: s.written_by.0,
            written_on: s.written_on,
            versions: s
                .versions
                .iter()
                .map(|v| VersionOut {
                    version: v.version,
                    written_on: v.written_on,
                })
                .collect(),
            exercises: s
                .plan
                .exercises
                .into_iter()
                .map(|e| KeptExerciseOut {
                    exercise_id: e.exercise_id,
                    name: e.name,
                    dose: e.dose,
                    easier: variant(e.easier),
                    harder: variant(e.harder),
                })
                .collect(),
            activities: s
                .plan
                .activities
                .into_iter()
                .map(|a| ActivityOut {
                    activity: a.activity,
                    reached: a.reached,
                })
                .collect(),
            flare_up: s.plan.flare_up,
            seek_help: s.plan.seek_help,
            understanding: s.plan.understanding,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    version: Option<i64>,
}

/// The patient's self-management plan: the latest version, or `version`.
/// The patient reads their own; clinicians those of their clinic. It is the
/// plan of the patient's latest episode that has one.
#[utoipa::path(get, path = "/patients/{id}/self-management-plan", tag = "self-management",
    params(("id" = i64, Path, description = "Patient id"),
        ("version" = Option<i64>, Query, minimum = 1, description = "An older version; default the latest")),
    security(("bearer" = [])),
    responses((status = 200, body = SelfManagementOut),
        (status = 404, description = "No such patient in your clinic, no plan yet, or no such version", body = ErrorBody),
        (status = 422, description = "`version` is not 1 or more", body = ErrorBody)))]
pub async fn read_plan(
    State(state): State<AppState>,
    user: ApiMay<Reads<CarePlan>>,
    Id(id): Id,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<axum::Json<SelfManagementOut>> {
    if q.version.is_some_and(|v| v < 1) {
        return Err(invalid("version", "range", "must be a whole number from 1"));
    }
    let plan = state
        .care
        .self_management(&user.actor, PatientId(id), q.version)
        .await?
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(axum::Json(plan.into()))
}

/// Saves a new version of the patient's self-management plan (clinicians
/// only), once their episode of care is discharged. Every rule the body
/// breaks is named at once, in `errors`.
#[utoipa::path(post, path = "/patients/{id}/self-management-plan", tag = "self-management",
    params(("id" = i64, Path, description = "Patient id")), request_body = SelfManagementWrite, security(("bearer" = [])),
    responses((status = 201, description = "The stored version", body = SelfManagementOut),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "The patient has no episode of care, or it is not discharged yet", body = ErrorBody),
        (status = 422, description = "Rules broken, each in `errors` with its `field` (e.g. `exercises[2].dose`) and `rule`", body = ErrorBody)))]
pub async fn write_plan(
    State(state): State<AppState>,
    user: ApiMay<Writes<CarePlan>>,
    Id(id): Id,
    ApiJson(body): ApiJson<SelfManagementWrite>,
) -> ApiResult<Response> {
    let stored = state
        .care
        .self_management_save(&user.actor, PatientId(id), &body.input())
        .await?;
    Ok(created(SelfManagementOut::from(stored)))
}
