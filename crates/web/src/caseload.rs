//! The caseload triage shared by the dashboard (`GET /caseload`), the API
//! (`GET /api/v1/caseload`) and the nightly `rapport triage`: each active
//! episode through the domain's [`triage::assess`] on the patient's own
//! date, ranked by need, each flag with its CMOCs and their evidence grade,
//! and (on request) the theory engine's top suggestions.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_domain::exercise::Library;
use rapport_domain::monitoring::{ChainInfo, Flag, NextContact, Thresholds, local_today, triage};
use rapport_domain::prescription::Delivery;
use rapport_domain::theory::episode::ScheduledContact;
use rapport_domain::theory::{self, KnowledgeBase};
use rapport_store::CaseloadEpisode;
use rayon::prelude::*;
use serde::Serialize;

/// A CMOC named on a row, with its CERQual grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CmocRef {
    pub id: &'static str,
    /// `high`, `moderate`, `low`; `unknown` if the knowledge base in use
    /// does not hold the id.
    pub grade: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub severity: &'static str,
    pub reason: String,
    pub cmoc: Vec<CmocRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_exercise: Option<String>,
    pub since: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextContactRow {
    pub date: Date,
    pub overdue_days: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestionRow {
    pub action: String,
    pub text: String,
    pub grade: &'static str,
    pub cmoc: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientRef {
    pub id: i64,
    pub name: String,
}

/// One patient's row of the caseload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseloadRow {
    pub patient: PatientRef,
    pub clinic: i64,
    pub episode: i64,
    /// Higher is more urgent ([`triage::need_score`]).
    pub need: u32,
    /// The patient's local date the triage ran for.
    pub today: Date,
    pub flags: Vec<FlagRow>,
    pub next_contact: NextContactRow,
    /// The theory engine's best suggestions (empty unless asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<SuggestionRow>,
    /// The routine next contact of the schedule ([`NextContact::scheduled`]),
    /// which the theory engine judges follow-up against.
    #[serde(skip)]
    pub scheduled_contact: Option<ScheduledContact>,
}

/// The grade of a CMOC id in `kb`.
pub fn grade_of(kb: &KnowledgeBase, id: &str) -> &'static str {
    kb.get(id).map_or("unknown", |c| c.grade.as_str())
}

/// The patient's own date at `now` (in their zone, else the clinic's).
pub fn local_date(e: &CaseloadEpisode, now: Timestamp) -> Date {
    local_today(now, &e.zone())
}

/// Flags and next contact of one episode on `today`; `None` once discharged.
pub fn assess(
    e: &CaseloadEpisode,
    today: Date,
    t: &Thresholds,
    library: &Library,
) -> Option<(Vec<Flag>, NextContact)> {
    let lookup = |id: &str| ChainInfo::from_library(library, id);
    let (_, flags, next) = triage::assess((), &e.data(), today, t, &lookup)?;
    Some((flags, next))
}

/// Episodes assessed per parallel task by [`rank`].
const RANK_PIECE: usize = 128;

/// Triages `episodes` (all of one clinic, or a chunk) and ranks them: need
/// highest first, ties in the order given. Each episode is judged on
/// `today(e)` (the patient's local date, or a date chosen for a report) with
/// its clinic's thresholds and exercise library. Pieces are assessed on
/// every core; call it off the async workers (it blocks until done).
pub fn rank<'t, 'l>(
    episodes: &[CaseloadEpisode],
    today: &(dyn Fn(&CaseloadEpisode) -> Date + Sync),
    thresholds: &(dyn Fn(&CaseloadEpisode) -> &'t Thresholds + Sync),
    library: &(dyn Fn(&CaseloadEpisode) -> &'l Library + Sync),
    kb: &KnowledgeBase,
) -> Vec<CaseloadRow> {
    let pieces: Vec<Vec<CaseloadRow>> = episodes
        .par_chunks(RANK_PIECE)
        .map(|piece| {
            let assessed: Vec<_> = piece
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    let today = today(e);
                    let (flags, next) = assess(e, today, thresholds(e), library(e))?;
                    Some(((i, today), flags, next))
                })
                .collect();
            triage::rank(assessed)
                .into_iter()
                .map(|r| {
                    let (i, today) = r.key;
                    row(&piece[i], today, r.need, &r.flags, &r.next_contact, kb)
                })
                .collect()
        })
        .collect();
    let mut rows: Vec<CaseloadRow> = pieces.into_iter().flatten().collect();
    // Stable: equal needs keep the order given, as within a piece.
    rows.sort_by_key(|r| std::cmp::Reverse(r.need));
    rows
}

/// One row from an assessed episode.
pub fn row(
    e: &CaseloadEpisode,
    today: Date,
    need: u32,
    flags: &[Flag],
    next: &NextContact,
    kb: &KnowledgeBase,
) -> CaseloadRow {
    CaseloadRow {
        patient: PatientRef {
            id: e.patient_id.0,
            name: e.display_name(),
        },
        clinic: e.clinic_id.0,
        episode: e.episode_id,
        need,
        today,
        flags: flags
            .iter()
            .map(|f| FlagRow {
                kind: f.kind.as_str(),
                label: f.kind.label(),
                severity: f.severity.as_str(),
                reason: f.reason.clone(),
                cmoc: f
                    .cmoc
                    .iter()
                    .map(|id| CmocRef {
                        id,
                        grade: grade_of(kb, id),
                    })
                    .collect(),
                exercise_id: f.exercise_id.clone(),
                suggested_exercise: f.suggested_exercise.clone(),
                since: f.since,
            })
            .collect(),
        next_contact: NextContactRow {
            date: next.date,
            overdue_days: next.overdue_days,
            reason: next.reason.to_string(),
        },
        suggestions: Vec::new(),
        scheduled_contact: Some(next.scheduled()),
    }
}

/// The theory engine's view of what the caseload loads: scores, plans,
/// logs, contacts and the monitoring schedule's routine next contact (the
/// row's `scheduled_contact`, so `follow_up_within_target` agrees with the
/// row's next contact); not the intake, beliefs, goals or reading, which the
/// patient's own page adds.
pub fn theory_episode(
    e: &CaseloadEpisode,
    scheduled_contact: Option<ScheduledContact>,
) -> theory::Episode {
    let prescriptions = e
        .plans
        .iter()
        .map(|v| theory::episode::Prescription {
            date: v.starts_on,
            items: v
                .plan
                .items
                .iter()
                .map(|i| theory::episode::PrescriptionItem {
                    exercise_id: i.exercise_id.clone(),
                    setting: match i.delivery {
                        Delivery::Home => theory::episode::Setting::Home,
                        Delivery::Supervised => theory::episode::Setting::Supervised,
                        Delivery::Group => theory::episode::Setting::Group,
                    },
                    individualised: i.goal.is_some() || !i.why.is_empty(),
                    tailored_to_preferences: false,
                    goal_id: None,
                })
                .collect(),
            co_designed: Some(v.plan.co_designed),
            holistic_plan: None,
        })
        .collect();
    theory::Episode {
        scores: e.scores.to_vec(),
        prescriptions,
        logs: e.logs.iter().map(|l| l.to_exercise_log()).collect(),
        follow_ups: e.follow_ups.to_vec(),
        discharged_on: e.discharged_on,
        scheduled_contact,
        ..Default::default()
    }
}

/// The engine's `n` best suggestions for a ranked row's episode.
pub fn suggestions(
    kb: &KnowledgeBase,
    e: &CaseloadEpisode,
    row: &CaseloadRow,
    n: usize,
) -> Vec<SuggestionRow> {
    let evaluation = theory::evaluate(kb, &theory_episode(e, row.scheduled_contact), row.today);
    evaluation
        .suggestions
        .iter()
        .take(n)
        .map(|s| SuggestionRow {
            action: s.action.to_string(),
            text: s.action_text.to_string(),
            grade: s.grade.as_str(),
            cmoc: s.cmoc_ids().map(str::to_string).collect(),
        })
        .collect()
}
