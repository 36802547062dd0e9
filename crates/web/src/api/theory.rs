//! The programme theory applied to one patient: each mechanism's status,
//! each CMOC's context with the signals that decided it and the stored
//! records behind them, and the suggestions, ranked. The same
//! judgement the patient's page and the caseload show
//! ([`rapport_care::Care::theory`]).

use axum::extract::State;
use jiff::civil::Date;
use rapport_care::judgement::{CmocView, MechanismView, SignalView, SuggestionView, TheoryView};
use rapport_domain::identity::PatientId;
use rapport_domain::record::{RecordKind, RecordRef};
use rapport_domain::theory::{ContextStatus, Mechanism, MechanismStatus};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Id;
use crate::AppState;
use crate::auth::{ApiMay, ClinicalWork, Reads};
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(theory))
}

#[derive(Serialize, ToSchema)]
pub struct TheoryOut {
    /// The patient's own day the theory was applied on.
    #[schema(value_type = String, format = Date)]
    pub as_of: Date,
    /// Trust, motivation and confidence, in that order.
    pub mechanisms: Vec<MechanismOut>,
    pub cmocs: Vec<CmocOut>,
    /// Ranked, best first.
    pub suggestions: Vec<SuggestionOut>,
    /// How many contexts are judged present or absent, of `cmocs`.
    pub judged: usize,
}

#[derive(Serialize, ToSchema)]
pub struct MechanismOut {
    /// `trust`, `motivation` or `confidence`.
    #[schema(value_type = String)]
    pub mechanism: Mechanism,
    /// `at_risk`, `unknown` or `supported`.
    #[schema(value_type = String)]
    pub status: MechanismStatus,
    /// Why, in one line.
    pub reason: String,
}

/// One context–mechanism–outcome configuration as it stands for the patient.
#[derive(Serialize, ToSchema)]
pub struct CmocOut {
    /// E.g. `T1.1`.
    pub id: String,
    #[schema(value_type = String)]
    pub mechanism: Mechanism,
    /// `present`, `absent`, `unknown` or `not_applicable`.
    #[schema(value_type = String)]
    pub context: ContextStatus,
    /// The evidence's grade, e.g. `high`.
    pub grade: &'static str,
    /// What the context is, in Rapport's words.
    pub summary: String,
    /// The signals the context is judged from.
    pub signals: Vec<SignalOut>,
}

#[derive(Serialize, ToSchema)]
pub struct SignalOut {
    /// E.g. `fearful_of_movement`.
    pub name: &'static str,
    /// `true`, `false` or `unknown`.
    pub value: &'static str,
    /// One sentence: the data that decided it.
    pub evidence: String,
    /// The stored records it was judged from.
    pub records: Vec<RecordOut>,
}

/// A stored record a judgement was made from.
#[derive(Serialize, ToSchema)]
pub struct RecordOut {
    /// `intake`, `form`, `belief_review`, `goal`, `plan_version`,
    /// `session_log`, `contact`, `log_feedback` or `education`.
    #[schema(value_type = String)]
    pub kind: RecordKind,
    /// Its id among records of its kind (e.g. a contact's id).
    pub id: i64,
    /// The day it counts from.
    #[schema(value_type = String, format = Date)]
    pub date: Date,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    /// The action's key, e.g. `build_rapport`.
    pub action: String,
    /// What to do, in words.
    pub text: String,
    /// The grade of the best evidence behind it.
    pub grade: &'static str,
    /// The CMOCs it comes from.
    pub cmoc: Vec<String>,
    /// Why, in one line.
    pub reason: String,
}

impl From<TheoryView> for TheoryOut {
    fn from(v: TheoryView) -> Self {
        TheoryOut {
            as_of: v.as_of,
            mechanisms: v.mechanisms.into_iter().map(MechanismOut::from).collect(),
            cmocs: v.cmocs.into_iter().map(CmocOut::from).collect(),
            suggestions: v.suggestions.into_iter().map(SuggestionOut::from).collect(),
            judged: v.judged,
        }
    }
}

impl From<MechanismView> for MechanismOut {
    fn from(m: MechanismView) -> Self {
        MechanismOut {
            mechanism: m.mechanism,
            status: m.status,
            reason: m.reason,
        }
    }
}

impl From<CmocView> for CmocOut {
    fn from(c: CmocView) -> Self {
        CmocOut {
            id: c.id,
            mechanism: c.mechanism,
            context: c.context,
            grade: c.grade,
            summary: c.summary,
            signals: c.signals.into_iter().map(SignalOut::from).collect(),
        }
    }
}

impl From<SignalView> for SignalOut {
    fn from(s: SignalView) -> Self {
        SignalOut {
            name: s.name,
            value: s.value,
            evidence: s.evidence,
            records: s.records.into_iter().map(RecordOut::from).collect(),
        }
    }
}

impl From<RecordRef> for RecordOut {
    fn from(r: RecordRef) -> Self {
        RecordOut {
            kind: r.kind,
            id: r.id,
            date: r.date,
        }
    }
}

impl From<SuggestionView> for SuggestionOut {
    fn from(s: SuggestionView) -> Self {
        SuggestionOut {
            action: s.action,
            text: s.text,
            grade: s.grade,
            cmoc: s.cmoc,
            reason: s.reason,
        }
    }
}

/// The theory applied to the patient's current episode today, with the
/// records behind each judgement.
#[utoipa::path(get, path = "/patients/{id}/theory", tag = "theory",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = TheoryOut),
        (status = 404, description = "No such patient in your clinic, or no episode of care", body = ErrorBody)))]
pub async fn theory(
    State(state): State<AppState>,
    user: ApiMay<Reads<ClinicalWork>>,
    Id(id): Id,
) -> ApiResult<axum::Json<TheoryOut>> {
    let view = state
        .care
        .theory(&user.actor, PatientId(id), state.care.now())
        .await?
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(axum::Json(view.into()))
}
