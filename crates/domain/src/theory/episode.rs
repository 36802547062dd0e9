//! One patient's course of care, as the theory engine sees it.
//!
//! A plain, serialisable record with `Default`: later layers fill it from
//! storage. Everything is dated with [`jiff::civil::Date`]; the engine only
//! counts what is dated on or before the evaluation date. Anything that may not
//! have been recorded is an `Option` (or an empty list) so that a signal can
//! say "unknown" rather than guess.
//!
//! Scales used by the engine (values out of range are ignored by the engine,
//! and reported by [`Episode::validate`]):
//! - pain before/after a session: 0–10 numeric rating;
//! - difficulty of a session: 1 very easy, 2 easy, 3 about right, 4 hard, 5 too hard;
//! - enjoyment of a session: 1 not at all, 2 a little, 3 moderately, 4 a lot, 5 very much.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One patient's episode of care.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Episode {
    /// The initial (holistic) assessment, if it has taken place.
    pub assessment: Option<Assessment>,
    /// Every questionnaire score of the episode (baseline, alliance, outcomes…).
    pub scores: Vec<InstrumentScore>,
    /// Each time beliefs, fears and expectations were explored with the patient.
    pub beliefs: Vec<BeliefsRecord>,
    /// Consultations with the clinician's checklist of what was done.
    pub consultations: Vec<Consultation>,
    pub goals: Vec<Goal>,
    /// Prescriptions in force over time; the latest one dated on or before the
    /// evaluation date is current (several on the same date are read together).
    pub prescriptions: Vec<Prescription>,
    /// The patient's exercise logs.
    pub logs: Vec<ExerciseLog>,
    pub follow_ups: Vec<FollowUp>,
    pub supervised_sessions: Vec<SupervisedSession>,
    pub groups: Vec<GroupMembership>,
    pub education: Vec<EducationGiven>,
    /// Days the clinician wrote feedback on the patient's logged sessions
    /// (between contacts, in the record the patient reads).
    pub log_feedback: Vec<Date>,
    /// Adherence measures other than questionnaire scores (self-ratings,
    /// attendance, log completion).
    pub adherence: Vec<AdherenceMeasure>,
    /// When the episode ended; follow-up and log windows stop here.
    pub discharged_on: Option<Date>,
    /// The routine next contact the monitoring schedule
    /// (`monitoring::follow_up::next_contact`) gives on the evaluation date,
    /// when the caller has the monitoring data to compute it; then
    /// `follow_up_within_target` judges against it. `None` (e.g. an episode
    /// imported for research) falls back to the fixed targets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_contact: Option<ScheduledContact>,
}

/// The routine next contact by the monitoring schedule: counted from the
/// last contact (or the start of the episode) at the interval the rule chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScheduledContact {
    /// What the interval counts from: the last contact, else the episode's start.
    pub anchor: Date,
    /// The routine date: anchor + interval. Follow-up is late once it has passed.
    pub due: Date,
}

/// The holistic assessment at the start of care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub date: Date,
    /// Whether the holistic intake (everyday life, valued activities, beliefs,
    /// expectations, previous experience, preferences) was completed; `None`
    /// when not recorded.
    #[serde(default)]
    pub holistic_intake_done: Option<bool>,
    #[serde(default)]
    pub previous_experience: PreviousExperience,
    /// Exercise preferences the patient stated (types, setting, time of day…).
    #[serde(default)]
    pub preferences: Vec<String>,
}

/// The patient's previous experience of exercise or physiotherapy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreviousExperience {
    Positive,
    Negative,
    /// No previous experience.
    None,
    #[default]
    Unknown,
}

impl PreviousExperience {
    pub fn as_str(self) -> &'static str {
        match self {
            PreviousExperience::Positive => "positive",
            PreviousExperience::Negative => "negative",
            PreviousExperience::None => "none",
            PreviousExperience::Unknown => "unknown",
        }
    }
}

/// One scored questionnaire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstrumentScore {
    /// Instrument code: `startback`, `pseq`, `tsk11`, `waisr`, `ears`, `pgic`,
    /// `rmdq`, `odi`, `nprs`, `psfs`… (matched case-insensitively).
    pub instrument: String,
    #[serde(default)]
    pub version: String,
    pub date: Date,
    pub total: f64,
    /// Subscale scores by name (e.g. WAI-SR `bond`, `task`, `goal`).
    #[serde(default)]
    pub subscales: BTreeMap<String, f64>,
    /// Band or stratum (e.g. STarT Back `low`, `medium`, `high`).
    #[serde(default)]
    pub band: Option<String>,
}

/// Beliefs, fears and expectations explored with the patient on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeliefsRecord {
    pub date: Date,
    /// Whether beliefs and fears were explored with the patient.
    pub explored: bool,
    /// Keys of unhelpful beliefs the patient confirmed (e.g. `hurt_means_harm`).
    #[serde(default)]
    pub confirmed_beliefs: Vec<String>,
    /// Keys of beliefs the patient no longer holds (reconciled).
    #[serde(default)]
    pub resolved_beliefs: Vec<String>,
    /// What the patient expects from care, in their words or as keys.
    #[serde(default)]
    pub expectations: Vec<String>,
    /// Whether expectations and the planned care do not match; `None` if not judged.
    #[serde(default)]
    pub expectation_mismatch: Option<bool>,
}

/// A consultation and the clinician's checklist of practices carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    pub date: Date,
    pub kind: ConsultationKind,
    /// Practices the clinician recorded as done.
    #[serde(default)]
    pub practices: BTreeSet<Practice>,
    /// Whether the checklist was completed: then a practice not listed was not
    /// done. Otherwise a missing practice is simply not recorded.
    #[serde(default)]
    pub checklist_complete: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationKind {
    Initial,
    Review,
}

/// What a clinician can record as done in a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Practice {
    /// Built rapport (open, empathic communication at the first meetings).
    RapportBuilt,
    /// Invited and made room for the patient to disclose worries and context.
    DisclosureInvited,
    /// Made decisions about care together with the patient.
    SharedDecisions,
    /// Gave reassurance specific to this patient's concerns.
    ReassuranceIndividualised,
    /// Explained the condition and the reasonable treatment options understandably.
    ConditionExplained,
    /// Explained how each exercise connects to the patient's goals.
    GoalLinkExplained,
    /// Planned with the patient how the exercise fits into their daily life.
    DailyLifeFitPlanned,
    /// Confirmed the patient feels safe exercising in the chosen setting.
    SafeEnvironmentConfirmed,
    /// Framed the exercise prescription within a biopsychosocial explanation.
    BiopsychosocialFraming,
}

impl Practice {
    /// Every practice, in declaration order (`ALL[p.index()] == p`).
    pub const ALL: [Practice; 9] = [
        Practice::RapportBuilt,
        Practice::DisclosureInvited,
        Practice::SharedDecisions,
        Practice::ReassuranceIndividualised,
        Practice::ConditionExplained,
        Practice::GoalLinkExplained,
        Practice::DailyLifeFitPlanned,
        Practice::SafeEnvironmentConfirmed,
        Practice::BiopsychosocialFraming,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The stable key, as stored and sent (the serde name).
    pub fn key(self) -> &'static str {
        match self {
            Practice::RapportBuilt => "rapport_built",
            Practice::DisclosureInvited => "disclosure_invited",
            Practice::SharedDecisions => "shared_decisions",
            Practice::ReassuranceIndividualised => "reassurance_individualised",
            Practice::ConditionExplained => "condition_explained",
            Practice::GoalLinkExplained => "goal_link_explained",
            Practice::DailyLifeFitPlanned => "daily_life_fit_planned",
            Practice::SafeEnvironmentConfirmed => "safe_environment_confirmed",
            Practice::BiopsychosocialFraming => "biopsychosocial_framing",
        }
    }

    pub fn parse(key: &str) -> Option<Practice> {
        Practice::ALL.into_iter().find(|p| p.key() == key)
    }

    /// What the clinician ticks, in their words.
    pub fn checklist_label(self) -> &'static str {
        match self {
            Practice::RapportBuilt => "Built rapport and listened actively",
            Practice::DisclosureInvited => "Invited their worries and circumstances",
            Practice::SharedDecisions => "Made decisions about care together",
            Practice::ReassuranceIndividualised => "Reassured them about their own fears",
            Practice::ConditionExplained => "Explained the condition and the options",
            Practice::GoalLinkExplained => "Explained how the exercises serve their goals",
            Practice::DailyLifeFitPlanned => "Planned how exercise fits into their day",
            Practice::SafeEnvironmentConfirmed => "Checked they feel safe where they exercise",
            Practice::BiopsychosocialFraming => "Framed the plan in body, mind and life terms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Practice::RapportBuilt => "rapport building",
            Practice::DisclosureInvited => "inviting disclosure",
            Practice::SharedDecisions => "shared decisions",
            Practice::ReassuranceIndividualised => "individualised reassurance",
            Practice::ConditionExplained => "explaining the condition and options",
            Practice::GoalLinkExplained => "explaining how exercises serve the goals",
            Practice::DailyLifeFitPlanned => "planning exercise into daily life",
            Practice::SafeEnvironmentConfirmed => "confirming a setting that feels safe",
            Practice::BiopsychosocialFraming => "biopsychosocial framing",
        }
    }
}

/// A goal of care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// Key that prescription items link to.
    pub id: String,
    pub text: String,
    /// Whether the patient and clinician agreed it together.
    pub agreed_together: bool,
    /// When it was set (and, if agreed together, agreed).
    pub agreed_on: Date,
}

/// An exercise prescription issued on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescription {
    pub date: Date,
    #[serde(default)]
    pub items: Vec<PrescriptionItem>,
    /// Whether the plan was designed together with the patient.
    #[serde(default)]
    pub co_designed: Option<bool>,
    /// Whether the plan addresses the whole person (activity, sleep, work,
    /// worries…) and not only exercises.
    #[serde(default)]
    pub holistic_plan: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionItem {
    pub exercise_id: String,
    pub setting: Setting,
    /// Chosen and dosed for this patient's assessment findings.
    pub individualised: bool,
    /// Matches the patient's stated preferences (type, setting, time);
    /// `None` when the patient stated none, or the exercise is not known.
    pub tailored_to_preferences: Option<bool>,
    /// The goal this exercise serves.
    #[serde(default)]
    pub goal_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    Home,
    Supervised,
    Group,
}

/// One exercise session the patient logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseLog {
    pub date: Date,
    #[serde(default)]
    pub exercise_id: Option<String>,
    pub completion: Completion,
    /// Pain 0–10 before the session.
    #[serde(default)]
    pub pain_before: Option<u8>,
    /// Pain 0–10 after the session.
    #[serde(default)]
    pub pain_after: Option<u8>,
    /// 1 very easy … 3 about right … 5 too hard.
    #[serde(default)]
    pub difficulty: Option<u8>,
    /// 1 not at all … 5 very much.
    #[serde(default)]
    pub enjoyment: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    Completed,
    Partly,
    Skipped,
}

/// A follow-up contact with the clinician.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub date: Date,
    pub kind: FollowUpKind,
    /// Whether the clinician gave feedback on the patient's exercise.
    #[serde(default)]
    pub feedback_given: Option<bool>,
    /// Whether the patient said they feel supported.
    #[serde(default)]
    pub patient_feels_supported: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    Phone,
    Video,
    InPerson,
    /// A follow-up in which the patient exercised with the clinician present;
    /// counts as a supervised session too.
    Supervised,
}

impl FollowUpKind {
    /// The kind in plain words, as the pages show it.
    pub fn label(self) -> &'static str {
        match self {
            FollowUpKind::Phone => "phone",
            FollowUpKind::Video => "video",
            FollowUpKind::InPerson => "in person",
            FollowUpKind::Supervised => "supervised session",
        }
    }
}

/// A session in which the patient exercised with the clinician present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisedSession {
    pub date: Date,
    #[serde(default)]
    pub correction_given: Option<bool>,
    #[serde(default)]
    pub progression_given: Option<bool>,
    #[serde(default)]
    pub reassurance_given: Option<bool>,
}

/// Membership of an exercise group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMembership {
    pub group_id: String,
    pub joined_on: Date,
    #[serde(default)]
    pub left_on: Option<Date>,
    /// Whether the group's members share interests or goals with the patient.
    #[serde(default)]
    pub shared_goals: Option<bool>,
}

/// An education item given to the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EducationGiven {
    pub item_id: String,
    /// Keys of the beliefs this item answers.
    #[serde(default)]
    pub answers_beliefs: Vec<String>,
    pub date: Date,
    #[serde(default)]
    pub read: Option<bool>,
}

/// An adherence measure that is not a questionnaire score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdherenceMeasure {
    pub date: Date,
    pub method: AdherenceMethod,
    /// Share of the prescribed dose done, 0–1.
    pub proportion: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdherenceMethod {
    SelfRating,
    Attendance,
    LogCompletion,
}

fn check_range(errors: &mut Vec<String>, field: String, value: Option<u8>, lo: u8, hi: u8) {
    if let Some(v) = value
        && !(lo..=hi).contains(&v)
    {
        errors.push(format!("{field}: {v} is outside {lo}–{hi}"));
    }
}

impl Episode {
    /// Check ranges that the engine relies on. The engine itself ignores
    /// out-of-range values; this names them so an import can refuse them.
    pub fn validate(&self) -> Result<()> {
        let mut errors = Vec::new();
        for (i, l) in self.logs.iter().enumerate() {
            check_range(
                &mut errors,
                format!("logs[{i}].pain_before"),
                l.pain_before,
                0,
                10,
            );
            check_range(
                &mut errors,
                format!("logs[{i}].pain_after"),
                l.pain_after,
                0,
                10,
            );
            check_range(
                &mut errors,
                format!("logs[{i}].difficulty"),
                l.difficulty,
                1,
                5,
            );
            check_range(
                &mut errors,
                format!("logs[{i}].enjoyment"),
                l.enjoyment,
                1,
                5,
            );
        }
        for (i, a) in self.adherence.iter().enumerate() {
            if !(0.0..=1.0).contains(&a.proportion) {
                errors.push(format!(
                    "adherence[{i}].proportion: {} is outside 0–1",
                    a.proportion
                ));
            }
        }
        for (i, s) in self.scores.iter().enumerate() {
            if !s.total.is_finite() {
                errors.push(format!("scores[{i}].total: not a finite number"));
            }
        }
        if let Some(s) = self.scheduled_contact
            && s.due < s.anchor
        {
            errors.push("scheduled_contact.due: before its anchor".to_string());
        }
        for (i, g) in self.groups.iter().enumerate() {
            if let Some(left) = g.left_on
                && left < g.joined_on
            {
                errors.push(format!("groups[{i}].left_on: before joined_on"));
            }
        }
        match errors.first() {
            None => Ok(()),
            Some(first) => {
                let (field, _) = first.split_once(':').unwrap_or((first.as_str(), ""));
                Err(Error::invalid(field, "range", errors.join("; ")))
            }
        }
    }
}
