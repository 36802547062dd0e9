//! One stored episode judged on one day: its monitoring flags and next
//! contact by rule, and the programme theory applied to its whole record.
//! Every view (the patient's page, the API, the caseload, the nightly triage,
//! the follow-up notices) judges an episode through [`assess`], so they all
//! say the same about the same patient.

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_domain::education::Library as EducationLibrary;
use rapport_domain::exercise::Library;
use rapport_domain::monitoring::{ChainInfo, Flag, NextContact, Thresholds, local_today, triage};
use rapport_domain::record::{EpisodeRecord, Judgement, Judging, RecordRef};
use rapport_domain::theory::{
    ContextStatus, KnowledgeBase, Mechanism, MechanismStatus, Signal, SignalSet, Truth,
};
use rapport_store::StoredEpisode;
use serde::Serialize;

/// The patient's own date at `now` (in their zone, else the clinic's).
pub fn local_date(e: &StoredEpisode, now: Timestamp) -> Date {
    local_today(now, &e.zone())
}

/// The monitoring rules' answer for an open episode: flags and next contact.
pub fn monitor(
    record: &EpisodeRecord,
    today: Date,
    t: &Thresholds,
    library: &Library,
) -> Option<(Vec<Flag>, NextContact)> {
    let lookup = |id: &str| ChainInfo::from_library(library, id);
    let (_, flags, next) = triage::assess((), &record.monitoring_data(), today, t, &lookup)?;
    Some((flags, next))
}

/// What the clinic knows to judge with: the theory and the libraries.
#[derive(Clone, Copy)]
pub struct Ground<'k, 'a> {
    pub kb: &'k KnowledgeBase,
    pub exercises: &'a Library,
    pub education: &'a EducationLibrary,
    pub thresholds: &'a Thresholds,
}

/// An episode judged on a day.
#[derive(Debug, Clone)]
pub struct Assessed<'kb> {
    pub today: Date,
    /// Flags and next contact; `None` once the episode has ended.
    pub monitoring: Option<(Vec<Flag>, NextContact)>,
    pub judgement: Judgement<'kb>,
}

/// Whether a judgement keeps the records behind each signal (a patient's
/// page and the API show them; runs over a whole caseload do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    Kept,
    Left,
}

/// Judges `e` on `today`: the monitoring rules first, so that the theory's
/// `follow_up_within_target` is judged against the same next contact. Both
/// kinds of [`Sources`] give the same evaluation.
pub fn assess<'kb>(
    e: &StoredEpisode,
    today: Date,
    with: &Ground<'kb, '_>,
    sources: Sources,
) -> Assessed<'kb> {
    let monitoring = monitor(&e.record, today, with.thresholds, with.exercises);
    let judging = Judging {
        exercises: with.exercises,
        education: with.education,
        scheduled_contact: monitoring.as_ref().map(|(_, next)| next.scheduled()),
    };
    let judgement = match sources {
        Sources::Kept => e.record.judge(with.kb, &judging, today),
        Sources::Left => e.record.judge_quickly(with.kb, &judging, today),
    };
    Assessed {
        today,
        judgement,
        monitoring,
    }
}

/// A mechanism and its status, as every view reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MechanismState {
    pub mechanism: Mechanism,
    pub status: MechanismStatus,
}

pub fn mechanisms(j: &Judgement) -> Vec<MechanismState> {
    j.mechanisms()
        .map(|(mechanism, status)| MechanismState { mechanism, status })
        .collect()
}

/// One signal a context was judged from, with what decided it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalView {
    pub name: &'static str,
    /// `true`, `false` or `unknown`.
    pub value: &'static str,
    /// One sentence: the data that decided it.
    pub evidence: String,
    /// The stored records it was judged from.
    pub records: Vec<RecordRef>,
}

/// One CMOC's context for the patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmocView {
    pub id: String,
    pub mechanism: Mechanism,
    /// `present`, `absent`, `unknown` or `not_applicable`.
    pub context: ContextStatus,
    pub grade: &'static str,
    /// What the context is, in Rapport's words.
    pub summary: String,
    pub signals: Vec<SignalView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MechanismView {
    pub mechanism: Mechanism,
    pub status: MechanismStatus,
    /// Why, in one line.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestionView {
    pub action: String,
    pub text: String,
    pub grade: &'static str,
    pub cmoc: Vec<String>,
    /// Why, in one line (the first CMOC's standing and its evidence).
    pub reason: String,
}

/// The theory applied to one patient, with what each judgement was made
/// from: `GET /api/v1/patients/{id}/theory` and the patient's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TheoryView {
    pub as_of: Date,
    pub mechanisms: Vec<MechanismView>,
    pub cmocs: Vec<CmocView>,
    pub suggestions: Vec<SuggestionView>,
    /// Contexts judged present or absent, of `cmocs.len()`.
    pub judged: usize,
}

fn truth(t: Truth) -> &'static str {
    match t {
        Truth::True => "true",
        Truth::False => "false",
        Truth::Unknown => "unknown",
    }
}

impl TheoryView {
    pub fn of(j: &Judgement) -> TheoryView {
        let e = &j.evaluation;
        let signal = |s: Signal| {
            let v = e.signals.get(s);
            SignalView {
                name: s.name(),
                value: truth(v.value),
                evidence: v.evidence.to_string(),
                records: j.records_of(s),
            }
        };
        TheoryView {
            as_of: e.as_of,
            mechanisms: e
                .mechanisms
                .iter()
                .map(|m| MechanismView {
                    mechanism: m.mechanism,
                    status: m.status,
                    reason: m.reason(),
                })
                .collect(),
            cmocs: e
                .cmocs
                .iter()
                .map(|c| CmocView {
                    id: c.cmoc.id.clone(),
                    mechanism: c.cmoc.mechanism,
                    context: c.context,
                    grade: c.cmoc.grade.as_str(),
                    summary: c.cmoc.summary.clone(),
                    signals: c
                        .cmoc
                        .applies_when
                        .as_ref()
                        .map_or(SignalSet::EMPTY, |w| w.signals())
                        .union(c.cmoc.context_expr.signals())
                        .iter()
                        .map(signal)
                        .collect(),
                })
                .collect(),
            suggestions: e
                .suggestions
                .iter()
                .map(|s| SuggestionView {
                    action: s.action.to_string(),
                    text: s.action_text.to_string(),
                    grade: s.grade.as_str(),
                    cmoc: s.cmoc_ids().map(str::to_string).collect(),
                    reason: s.reason.to_string(),
                })
                .collect(),
            judged: j.judged(),
        }
    }
}
