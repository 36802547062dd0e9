//! Contacts with the clinician: what was done (the consultation practices),
//! for a supervised session what was corrected and progressed (optionally a
//! step along one exercise's chain), and the patient's rating of change.
//! Recorded through [`rapport_care::Care::record_contact`], which dates the
//! next contact by the caseload's rule, as the patient's page records them.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::response::Response;
use jiff::civil::Date;
use rapport_care::contacts::PlanStep;
use rapport_domain::identity::PatientId;
use rapport_domain::prescription::Step;
use rapport_domain::theory::episode::{FollowUpKind, Practice};
use rapport_store::{ContactPractice, FollowUpInput, StoredFollowUp, kind_parse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::{created, invalid, one_of};
use super::{ApiJson, Id};
use crate::AppState;
use crate::auth::{ApiMay, ApiUser, ClinicalWork, Writes};
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_contacts, record_contact))
}

const KINDS: [&str; 4] = ["phone", "video", "in_person", "supervised"];

/// A contact as the clinician records it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactCreate {
    /// The day of the contact, YYYY-MM-DD: not in the future, not before the
    /// episode opened; default the patient's today.
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// Required: `phone`, `video`, `in_person` or `supervised`.
    #[schema(value_type = String, required = true, example = "in_person")]
    pub kind: Option<String>,
    /// The consultation practices done, by key: `rapport_built`,
    /// `disclosure_invited`, `shared_decisions`,
    /// `reassurance_individualised`, `condition_explained`,
    /// `goal_link_explained`, `daily_life_fit_planned`,
    /// `safe_environment_confirmed`, `biopsychosocial_framing`.
    #[schema(example = json!(["rapport_built", "shared_decisions"]))]
    pub practices: Option<Vec<String>>,
    /// The whole checklist was gone through, so a practice not listed was not
    /// done; default `false` (not listed means not known).
    pub checklist_complete: Option<bool>,
    /// Whether the clinician gave feedback on the patient's exercise.
    pub feedback_given: Option<bool>,
    /// Whether the patient said they feel supported.
    pub feels_supported: Option<bool>,
    /// Supervised only: technique was corrected.
    pub corrected: Option<bool>,
    /// Supervised only: the dose was progressed.
    pub progressed: Option<bool>,
    /// The patient's global impression of change, 1 (very much improved) to
    /// 7 (very much worse).
    #[schema(minimum = 1, maximum = 7)]
    pub benefit: Option<u8>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// Supervised only: the technique corrections made; at most 2000 characters.
    #[schema(max_length = 2000)]
    pub corrections: Option<String>,
    /// A step along one exercise's chain made at the contact, saved as a new
    /// version of the plan linked to the contact.
    pub step: Option<StepIn>,
}

/// One exercise of the current plan made easier or harder.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    /// Required: the exercise's place in the current plan, from 0.
    #[schema(value_type = u32, required = true)]
    pub index: Option<usize>,
    /// Required: `easier` or `harder`.
    #[schema(value_type = String, required = true, example = "harder")]
    pub direction: Option<String>,
    /// Why, for the plan version; by default it names the contact.
    pub reason: Option<String>,
}

/// A stored contact.
#[derive(Serialize, ToSchema)]
pub struct ContactOut {
    pub id: i64,
    pub episode_id: i64,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// `phone`, `video`, `in_person` or `supervised`.
    #[schema(value_type = String)]
    pub kind: FollowUpKind,
    /// The practice keys recorded.
    #[schema(value_type = Vec<String>)]
    pub practices: Vec<Practice>,
    pub checklist_complete: bool,
    pub feedback_given: Option<bool>,
    pub feels_supported: Option<bool>,
    pub corrected: Option<bool>,
    pub progressed: Option<bool>,
    /// 1 (very much improved) to 7 (very much worse).
    pub benefit: Option<u8>,
    pub notes: String,
    pub corrections: String,
    /// The plan version the contact's step made.
    pub plan_version: Option<i64>,
    /// The next contact, dated by the caseload's rule counting this one.
    #[schema(value_type = Option<String>, format = Date)]
    pub next_contact_on: Option<Date>,
    /// Why the next contact falls then.
    pub next_reason: Option<String>,
    /// The clinician's name.
    pub recorded_by: Option<String>,
}

impl From<StoredFollowUp> for ContactOut {
    fn from(f: StoredFollowUp) -> Self {
        ContactOut {
            id: f.id,
            episode_id: f.episode_id,
            date: f.follow_up.date,
            kind: f.follow_up.kind,
            practices: f.contact.practices.into_iter().collect(),
            checklist_complete: f.contact.checklist_complete,
            feedback_given: f.follow_up.feedback_given,
            feels_supported: f.follow_up.patient_feels_supported,
            corrected: f.contact.corrected,
            progressed: f.contact.progressed,
            benefit: f.contact.benefit,
            notes: f.notes,
            corrections: f.corrections,
            plan_version: f.plan_version,
            next_contact_on: f.next_contact_on,
            next_reason: f.next_reason,
            recorded_by: f.recorded_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactList {
    pub episode_id: i64,
    /// Oldest first.
    pub contacts: Vec<ContactOut>,
}

/// The contacts of the patient's current episode. The patient reads their
/// own; clinicians those of their clinic.
#[utoipa::path(get, path = "/patients/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = ContactList),
        (status = 404, description = "No such patient in your clinic, or no episode of care", body = ErrorBody)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<ContactList>> {
    let m = state
        .store
        .monitoring(&user.actor, PatientId(id))
        .await?
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(axum::Json(ContactList {
        episode_id: m.episode_id,
        contacts: m.follow_ups.into_iter().map(ContactOut::from).collect(),
    }))
}

/// Records a contact in the patient's open episode (clinicians only). A
/// refused contact changes nothing, the plan included.
#[utoipa::path(post, path = "/patients/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path, description = "Patient id")), request_body = ContactCreate, security(("bearer" = [])),
    responses((status = 201, description = "The stored contact with its next contact", body = ContactOut),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "No open episode of care, or a step with no plan to change", body = ErrorBody),
        (status = 422, description = "A value breaks a rule, e.g. `benefit` out of range, or `corrected` for a contact that was not supervised", body = ErrorBody)))]
pub async fn record_contact(
    State(state): State<AppState>,
    user: ApiMay<Writes<ClinicalWork>>,
    Id(id): Id,
    ApiJson(body): ApiJson<ContactCreate>,
) -> ApiResult<Response> {
    let input = FollowUpInput {
        date: body.date.as_deref().map(date).transpose()?,
        kind: body.kind.as_deref().map(kind).transpose()?,
        feedback_given: body.feedback_given,
        feels_supported: body.feels_supported,
        notes: body.notes.unwrap_or_default(),
        corrections: body.corrections.unwrap_or_default(),
        contact: ContactPractice {
            practices: practices(body.practices.unwrap_or_default())?,
            checklist_complete: body.checklist_complete.unwrap_or(false),
            corrected: body.corrected,
            progressed: body.progressed,
            benefit: body.benefit,
        },
        ..FollowUpInput::default()
    };
    let step = body.step.map(step).transpose()?;
    let stored = state
        .care
        .record_contact(&user.actor, PatientId(id), input, step)
        .await?;
    Ok(created(ContactOut::from(stored)))
}

fn date(raw: &str) -> ApiResult<Date> {
    raw.trim()
        .parse()
        .map_err(|_| invalid("date", "date", "must be a date written YYYY-MM-DD"))
}

fn kind(raw: &str) -> ApiResult<FollowUpKind> {
    kind_parse(raw.trim())
        .ok_or_else(|| invalid("kind", "one_of", format!("must be {}", one_of(KINDS))))
}

fn practices(keys: Vec<String>) -> ApiResult<BTreeSet<Practice>> {
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            Practice::parse(key.trim()).ok_or_else(|| {
                invalid(
                    format!("practices[{i}]"),
                    "one_of",
                    format!(
                        "`{key}` is not a practice of the checklist; they are {}",
                        one_of(Practice::ALL.iter().map(|p| p.key()))
                    ),
                )
            })
        })
        .collect()
}

fn step(s: StepIn) -> ApiResult<PlanStep> {
    let index = s
        .index
        .ok_or_else(|| invalid("step.index", "required", "is required"))?;
    let direction = s
        .direction
        .ok_or_else(|| invalid("step.direction", "required", "is required"))?;
    let step = Step::parse(direction.trim()).ok_or_else(|| {
        invalid(
            "step.direction",
            "one_of",
            format!("must be {}", one_of(["easier", "harder"])),
        )
    })?;
    Ok(PlanStep {
        index,
        step,
        reason: s.reason.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_named_is_one_the_store_reads() {
        for k in KINDS {
            assert!(kind(k).is_ok(), "{k}");
        }
        assert!(kind("carrier_pigeon").is_err());
    }

    #[test]
    fn an_unknown_practice_is_named_by_its_place() {
        let e = practices(vec!["rapport_built".into(), "telepathy".into()])
            .err()
            .map(|e| e.0);
        assert!(
            matches!(&e, Some(AppError::Invalid(f)) if f.field == "practices[1]" && f.rule == "one_of"),
            "{e:?}"
        );
        assert_eq!(
            practices(vec!["rapport_built".into(), "rapport_built".into()])
                .ok()
                .map(|p| p.len()),
            Some(1)
        );
    }
}
