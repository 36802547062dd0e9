//! One episode's whole record, as every rule reads it.
//!
//! Everything a clinic records about a course of care that a clinical rule or
//! the programme theory reads, in the domain's own terms, each item with the
//! id of the stored record it came from. The store builds it (from the
//! tables, or from the episode's digest); the patient's page, the API, the
//! caseload, the nightly triage and the follow-up notices hand the same record
//! to the same mapping, [`EpisodeRecord::theory_episode`], so they all judge
//! the same patient. Nothing in the mapping is assumed: a fact the clinic has
//! not recorded reaches the engine as not known.
//!
//! Lists that the monitoring rules also read (plans, logs, contacts, scores)
//! are kept in their rule types, with their record ids in lists of the same
//! length and order beside them.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::assessment::intake::ExerciseKind;
use crate::assessment::{Intake, expectation_mismatches};
use crate::education::Stratum;
use crate::exercise::Library;
use crate::monitoring::{EpisodeData, PlanVersion, SessionLog};
use crate::prescription::{Delivery, fits_preferences};
use crate::theory::episode::{
    self as te, Assessment, BeliefsRecord, Consultation, ConsultationKind, EducationGiven,
    FollowUp, FollowUpKind, Goal, InstrumentScore, Practice, Prescription, PrescriptionItem,
    PreviousExperience, ScheduledContact, Setting, SupervisedSession,
};
use crate::theory::{
    ContextStatus, Evaluation, Item, KnowledgeBase, Mechanism, MechanismStatus, Signal, evaluate,
    recent_window, sources,
};

/// A kind of stored record, as a judgement names its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// The holistic intake (a form).
    Intake,
    /// A scored questionnaire (a form).
    Form,
    BeliefReview,
    Goal,
    PlanVersion,
    SessionLog,
    /// A contact with the clinician (in person, phone, video, supervised).
    Contact,
    /// The clinician's feedback on a logged session.
    LogFeedback,
    Education,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Intake => "intake",
            RecordKind::Form => "form",
            RecordKind::BeliefReview => "belief_review",
            RecordKind::Goal => "goal",
            RecordKind::PlanVersion => "plan_version",
            RecordKind::SessionLog => "session_log",
            RecordKind::Contact => "contact",
            RecordKind::LogFeedback => "log_feedback",
            RecordKind::Education => "education",
        }
    }

    /// In plain words, as a page names it.
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Intake => "intake",
            RecordKind::Form => "questionnaire",
            RecordKind::BeliefReview => "beliefs checklist",
            RecordKind::Goal => "goal",
            RecordKind::PlanVersion => "plan version",
            RecordKind::SessionLog => "logged session",
            RecordKind::Contact => "contact",
            RecordKind::LogFeedback => "feedback on a session",
            RecordKind::Education => "reading",
        }
    }
}

/// One stored record: what it is, its id, and the day it counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: RecordKind,
    pub id: i64,
    pub date: Date,
}

/// What the intake says that a rule reads, derived once from the stored
/// intake by [`IntakeFacts::of`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeFacts {
    /// The stored form.
    pub form_id: i64,
    /// The day it was completed, or last saved.
    pub date: Date,
    /// It covers the whole person ([`Intake::is_holistic`]).
    pub holistic: bool,
    pub previous_experience: PreviousExperience,
    pub likes: BTreeSet<ExerciseKind>,
    pub dislikes: BTreeSet<ExerciseKind>,
    /// Keys of the expectations ticked.
    pub expectations: Vec<String>,
    /// Some expectation care will not meet ([`expectation_mismatches`]).
    pub expectation_mismatch: bool,
}

impl IntakeFacts {
    pub fn of(form_id: i64, date: Date, intake: &Intake) -> IntakeFacts {
        IntakeFacts {
            form_id,
            date,
            holistic: intake.is_holistic(),
            previous_experience: intake.previous_experience(),
            likes: intake.preferences.clone(),
            dislikes: intake.dislikes.clone(),
            expectations: intake
                .expectations
                .iter()
                .map(|e| e.as_str().to_string())
                .collect(),
            expectation_mismatch: !expectation_mismatches(intake).is_empty(),
        }
    }
}

/// The beliefs-and-fears checklist gone through with the patient once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeliefReviewFacts {
    pub id: i64,
    pub date: Date,
    /// Keys of the unhelpful beliefs the patient confirmed.
    pub confirmed: Vec<String>,
    /// Keys of beliefs the patient no longer holds.
    pub reconciled: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalFacts {
    pub id: i64,
    pub agreed_together: bool,
    /// The day it was agreed, when recorded.
    pub agreed_on: Option<Date>,
    /// The day it was set.
    pub set_on: Date,
}

impl GoalFacts {
    /// The day it counts from: agreed, else set.
    pub fn on(&self) -> Date {
        self.agreed_on.unwrap_or(self.set_on)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EducationFacts {
    pub id: i64,
    pub item_id: String,
    pub date: Date,
    pub read: bool,
}

/// The clinician's feedback on one logged session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackFacts {
    pub id: i64,
    pub log_id: i64,
    pub date: Date,
}

/// What a contact recorded besides what the monitoring rules read
/// ([`FollowUp`]): the consultation practices, supervision and the patient's
/// rating of change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFacts {
    pub id: i64,
    /// Practices the clinician ticked.
    pub practices: BTreeSet<Practice>,
    /// The checklist was gone through: a practice not ticked was not done.
    pub checklist_complete: bool,
    /// Supervised: technique corrected; `None` when not said.
    pub corrected: Option<bool>,
    /// Supervised: the dose progressed.
    pub progressed: Option<bool>,
    /// The patient's global impression of change asked at the contact, on the
    /// PGIC's 1 (very much improved) to 7 (very much worse) scale.
    pub benefit: Option<u8>,
}

/// The instrument code a rating of change at a contact is read as: the PGIC
/// is one 7-point question, the same one whether asked on a form or at a
/// contact.
pub const BENEFIT_INSTRUMENT: &str = "pgic";
/// The version a rating at a contact is recorded under.
pub const BENEFIT_VERSION: &str = "asked at a contact";

/// Everything recorded in one episode that a rule reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRecord {
    pub episode_id: i64,
    pub opened_on: Date,
    pub discharged_on: Option<Date>,
    /// Plan versions in the order made; `plan_ids` holds their ids.
    pub plans: Vec<PlanVersion>,
    pub plan_ids: Vec<i64>,
    /// Session logs, in no particular order; `log_ids` holds their ids.
    pub logs: Vec<SessionLog>,
    pub log_ids: Vec<i64>,
    /// Contacts as the monitoring rules read them; `contacts` holds the rest
    /// of each, in the same order.
    pub follow_ups: Vec<FollowUp>,
    pub contacts: Vec<ContactFacts>,
    /// Completed questionnaires other than the intake and the red-flag
    /// screen; `score_ids` holds their form ids.
    pub scores: Vec<InstrumentScore>,
    pub score_ids: Vec<i64>,
    pub intake: Option<IntakeFacts>,
    pub belief_reviews: Vec<BeliefReviewFacts>,
    /// In the order set: a plan item's goal is an index into this list.
    pub goals: Vec<GoalFacts>,
    pub education: Vec<EducationFacts>,
    pub feedback: Vec<FeedbackFacts>,
}

/// What the mapping needs besides the record.
#[derive(Clone, Copy)]
pub struct Judging<'a> {
    /// The clinic's exercise library (preferences are matched against it).
    pub exercises: &'a Library,
    /// The education library (which beliefs each item answers).
    pub education: &'a crate::education::Library,
    /// The routine next contact of the monitoring schedule on the day judged,
    /// when the caller has worked it out.
    pub scheduled_contact: Option<ScheduledContact>,
}

/// Where each item of a mapped [`te::Episode`] came from: a list per list of
/// the episode, of the same length, in the same order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    pub assessment: Option<RecordRef>,
    pub scores: Vec<RecordRef>,
    pub beliefs: Vec<RecordRef>,
    pub consultations: Vec<RecordRef>,
    pub goals: Vec<RecordRef>,
    pub prescriptions: Vec<RecordRef>,
    pub logs: Vec<RecordRef>,
    pub follow_ups: Vec<RecordRef>,
    pub supervised_sessions: Vec<RecordRef>,
    pub education: Vec<RecordRef>,
    pub log_feedback: Vec<RecordRef>,
}

fn setting(d: Delivery) -> Setting {
    match d {
        Delivery::Home => Setting::Home,
        Delivery::Supervised => Setting::Supervised,
        Delivery::Group => Setting::Group,
    }
}

fn id_at(ids: &[i64], i: usize) -> i64 {
    ids.get(i).copied().unwrap_or(0)
}

impl EpisodeRecord {
    /// The monitoring rules' view of the record.
    pub fn monitoring_data(&self) -> EpisodeData<'_> {
        EpisodeData {
            start: self.opened_on,
            plans: &self.plans,
            logs: &self.logs,
            follow_ups: &self.follow_ups,
            scores: &self.scores,
            discharged_on: self.discharged_on,
        }
    }

    /// The latest STarT Back stratum on `today`.
    pub fn stratum(&self, today: Date) -> Option<Stratum> {
        self.monitoring_data().stratum(today)
    }

    /// The day of the episode's second contact with the clinician, from
    /// which the alliance is asked during care.
    pub fn second_contact(&self) -> Option<Date> {
        let mut days: Vec<Date> = self.follow_ups.iter().map(|f| f.date).collect();
        days.sort_unstable();
        days.get(1).copied()
    }

    /// Whether the patient had been assessed by `date`: the intake or a
    /// baseline questionnaire on record on or before it.
    pub fn assessed_by(&self, date: Date) -> bool {
        self.intake.as_ref().is_some_and(|i| i.date <= date)
            || self.scores.iter().any(|s| s.date <= date)
    }

    /// The episode as the theory engine reads it: the one mapping every view uses.
    pub fn theory_episode(&self, with: &Judging) -> te::Episode {
        self.mapped(with, None).0
    }

    /// [`EpisodeRecord::theory_episode`], with where each item came from.
    pub fn theory_episode_traced(&self, with: &Judging) -> (te::Episode, Provenance) {
        self.mapped(with, None)
    }

    /// The mapping; with `logs_within`, only the session logs dated in that
    /// span (first, last) are mapped: judging on a day reads no others.
    fn mapped(
        &self,
        with: &Judging,
        logs_within: Option<(Date, Date)>,
    ) -> (te::Episode, Provenance) {
        let mut ep = te::Episode {
            discharged_on: self.discharged_on,
            scheduled_contact: with.scheduled_contact,
            ..Default::default()
        };
        let mut from = Provenance::default();

        if let Some(i) = &self.intake {
            ep.assessment = Some(Assessment {
                date: i.date,
                holistic_intake_done: Some(i.holistic),
                previous_experience: i.previous_experience,
                preferences: i.likes.iter().map(|k| k.to_string()).collect(),
            });
            from.assessment = Some(RecordRef {
                kind: RecordKind::Intake,
                id: i.form_id,
                date: i.date,
            });
        }

        for (i, s) in self.scores.iter().enumerate() {
            ep.scores.push(s.clone());
            from.scores.push(RecordRef {
                kind: RecordKind::Form,
                id: id_at(&self.score_ids, i),
                date: s.date,
            });
        }

        for b in &self.belief_reviews {
            ep.beliefs.push(BeliefsRecord {
                date: b.date,
                explored: true,
                confirmed_beliefs: b.confirmed.clone(),
                resolved_beliefs: b.reconciled.clone(),
                expectations: self
                    .intake
                    .as_ref()
                    .map(|i| i.expectations.clone())
                    .unwrap_or_default(),
                expectation_mismatch: self.intake.as_ref().map(|i| i.expectation_mismatch),
            });
            from.beliefs.push(RecordRef {
                kind: RecordKind::BeliefReview,
                id: b.id,
                date: b.date,
            });
        }

        for g in &self.goals {
            ep.goals.push(Goal {
                id: g.id.to_string(),
                text: String::new(),
                agreed_together: g.agreed_together,
                agreed_on: g.on(),
            });
            from.goals.push(RecordRef {
                kind: RecordKind::Goal,
                id: g.id,
                date: g.on(),
            });
        }

        let (likes, dislikes) = match &self.intake {
            Some(i) => (i.likes.clone(), i.dislikes.clone()),
            None => Default::default(),
        };
        for (n, v) in self.plans.iter().enumerate() {
            let assessed = self.assessed_by(v.starts_on);
            ep.prescriptions.push(Prescription {
                date: v.starts_on,
                items: v
                    .plan
                    .items
                    .iter()
                    .map(|item| PrescriptionItem {
                        exercise_id: item.exercise_id.clone(),
                        setting: setting(item.delivery),
                        individualised: item.individualised(assessed),
                        tailored_to_preferences: with
                            .exercises
                            .get(&item.exercise_id)
                            .and_then(|e| fits_preferences(e, &likes, &dislikes)),
                        goal_id: item
                            .goal
                            .and_then(|g| self.goals.get(g))
                            .map(|g| g.id.to_string()),
                    })
                    .collect(),
                co_designed: Some(v.plan.co_designed),
                holistic_plan: v.plan.whole_person.as_ref().map(|a| !a.is_empty()),
            });
            from.prescriptions.push(RecordRef {
                kind: RecordKind::PlanVersion,
                id: id_at(&self.plan_ids, n),
                date: v.starts_on,
            });
        }

        for (i, l) in self.logs.iter().enumerate() {
            if logs_within.is_some_and(|(first, last)| l.date < first || l.date > last) {
                continue;
            }
            ep.logs.push(l.to_exercise_log());
            from.logs.push(RecordRef {
                kind: RecordKind::SessionLog,
                id: id_at(&self.log_ids, i),
                date: l.date,
            });
        }

        // Contacts: each is a follow-up; with its checklist, a consultation;
        // supervised, a supervised session; with a rating, a PGIC score.
        let first_contact = self.follow_ups.iter().map(|f| f.date).min();
        for (i, f) in self.follow_ups.iter().enumerate() {
            let facts = self.contacts.get(i).cloned().unwrap_or_default();
            let source = RecordRef {
                kind: RecordKind::Contact,
                id: facts.id,
                date: f.date,
            };
            ep.follow_ups.push(f.clone());
            from.follow_ups.push(source);
            if facts.checklist_complete || !facts.practices.is_empty() {
                ep.consultations.push(Consultation {
                    date: f.date,
                    kind: if Some(f.date) == first_contact {
                        ConsultationKind::Initial
                    } else {
                        ConsultationKind::Review
                    },
                    practices: facts.practices.clone(),
                    checklist_complete: facts.checklist_complete,
                });
                from.consultations.push(source);
            }
            if f.kind == FollowUpKind::Supervised {
                ep.supervised_sessions.push(SupervisedSession {
                    date: f.date,
                    correction_given: facts.corrected,
                    progression_given: facts.progressed,
                    reassurance_given: (facts.checklist_complete
                        || facts
                            .practices
                            .contains(&Practice::ReassuranceIndividualised))
                    .then(|| {
                        facts
                            .practices
                            .contains(&Practice::ReassuranceIndividualised)
                    }),
                });
                from.supervised_sessions.push(source);
            }
            if let Some(b) = facts.benefit.filter(|b| (1..=7).contains(b)) {
                ep.scores.push(InstrumentScore {
                    instrument: BENEFIT_INSTRUMENT.into(),
                    version: BENEFIT_VERSION.into(),
                    date: f.date,
                    total: f64::from(b),
                    subscales: Default::default(),
                    band: None,
                });
                from.scores.push(source);
            }
        }

        for e in &self.education {
            ep.education.push(EducationGiven {
                item_id: e.item_id.clone(),
                answers_beliefs: with
                    .education
                    .get(&e.item_id)
                    .map(|i| i.beliefs.clone())
                    .unwrap_or_default(),
                date: e.date,
                read: Some(e.read),
            });
            from.education.push(RecordRef {
                kind: RecordKind::Education,
                id: e.id,
                date: e.date,
            });
        }

        for f in &self.feedback {
            ep.log_feedback.push(f.date);
            from.log_feedback.push(RecordRef {
                kind: RecordKind::LogFeedback,
                id: f.id,
                date: f.date,
            });
        }

        (ep, from)
    }
}

impl Provenance {
    /// The stored record behind one item of the mapped episode.
    pub fn of(&self, item: Item) -> Option<RecordRef> {
        let at = |list: &[RecordRef], i: usize| list.get(i).copied();
        match item {
            Item::Assessment => self.assessment,
            Item::Score(i) => at(&self.scores, i),
            Item::Beliefs(i) => at(&self.beliefs, i),
            Item::Consultation(i) => at(&self.consultations, i),
            Item::Goal(i) => at(&self.goals, i),
            Item::Prescription(i) => at(&self.prescriptions, i),
            Item::Log(i) => at(&self.logs, i),
            Item::FollowUp(i) => at(&self.follow_ups, i),
            Item::SupervisedSession(i) => at(&self.supervised_sessions, i),
            Item::Education(i) => at(&self.education, i),
            Item::LogFeedback(i) => at(&self.log_feedback, i),
            // Groups are not recorded yet.
            Item::Group(_) => None,
        }
    }
}

/// The programme theory applied to one episode on one day: the answer
/// every view shows, and (when traced) what each judgement was made from.
#[derive(Debug, Clone)]
pub struct Judgement<'kb> {
    pub evaluation: Evaluation<'kb>,
    /// The episode as the engine read it.
    pub episode: te::Episode,
    /// Where each item came from; `None` when judged without tracing (the
    /// caseload and the nightly triage, which show no sources).
    pub provenance: Option<Provenance>,
}

impl<'kb> Judgement<'kb> {
    /// The stored records `signal` was judged from, oldest first, each once
    /// (none when judged without tracing).
    pub fn records_of(&self, signal: Signal) -> Vec<RecordRef> {
        let Some(provenance) = &self.provenance else {
            return Vec::new();
        };
        let mut out: Vec<RecordRef> = sources(signal, &self.episode, self.evaluation.as_of)
            .into_iter()
            .filter_map(|i| provenance.of(i))
            .collect();
        out.sort_by_key(|r| (r.date, r.kind, r.id));
        out.dedup();
        out
    }

    /// The status of each mechanism, in [`Mechanism::ALL`] order.
    pub fn mechanisms(&self) -> impl Iterator<Item = (Mechanism, MechanismStatus)> + '_ {
        self.evaluation
            .mechanisms
            .iter()
            .map(|m| (m.mechanism, m.status))
    }

    /// How many contexts are judged present or absent (not unknown, and
    /// applicable).
    pub fn judged(&self) -> usize {
        self.evaluation
            .cmocs
            .iter()
            .filter(|c| matches!(c.context, ContextStatus::Present | ContextStatus::Absent))
            .count()
    }
}

impl EpisodeRecord {
    /// The theory applied to this record on `as_of`, with the record behind
    /// every signal (a patient's page, the API).
    pub fn judge<'kb>(
        &self,
        kb: &'kb KnowledgeBase,
        with: &Judging,
        as_of: Date,
    ) -> Judgement<'kb> {
        let (episode, provenance) = self.mapped(with, None);
        Judgement {
            evaluation: evaluate(kb, &episode, as_of),
            episode,
            provenance: Some(provenance),
        }
    }

    /// The same judgement without the sources, mapping only the logs the
    /// day's signals read: for runs over many episodes. Its evaluation equals
    /// [`EpisodeRecord::judge`]'s.
    pub fn judge_quickly<'kb>(
        &self,
        kb: &'kb KnowledgeBase,
        with: &Judging,
        as_of: Date,
    ) -> Judgement<'kb> {
        let window = recent_window(as_of, self.discharged_on);
        let (episode, _) = self.mapped(with, Some(window));
        Judgement {
            evaluation: evaluate(kb, &episode, as_of),
            episode,
            provenance: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn judging<'a>(
        exercises: &'a Library,
        education: &'a crate::education::Library,
    ) -> Judging<'a> {
        Judging {
            exercises,
            education,
            scheduled_contact: None,
        }
    }

    fn context(ep: &te::Episode, id: &str, on: Date) -> ContextStatus {
        let kb = KnowledgeBase::builtin().unwrap();
        evaluate(&kb, ep, on)
            .cmocs
            .into_iter()
            .find(|c| c.cmoc.id == id)
            .unwrap()
            .context
    }

    #[test]
    fn an_empty_record_is_unknown_everywhere_it_could_be_recorded() {
        let lib = Library::builtin().unwrap();
        let edu = crate::education::Library::builtin().unwrap();
        let record = EpisodeRecord {
            opened_on: date(2026, 3, 2),
            ..Default::default()
        };
        let (ep, from) = record.theory_episode_traced(&judging(&lib, &edu));
        assert_eq!(ep, te::Episode::default());
        assert_eq!(from, Provenance::default());
        for id in ["T1.1", "T1.3", "C3.4", "M2.13"] {
            assert_eq!(
                context(&ep, id, date(2026, 3, 3)),
                ContextStatus::Unknown,
                "{id}"
            );
        }
    }

    #[test]
    fn a_supervised_contact_with_its_checklist_reaches_the_engine() {
        let lib = Library::builtin().unwrap();
        let edu = crate::education::Library::builtin().unwrap();
        let on = date(2026, 3, 10);
        let record = EpisodeRecord {
            opened_on: date(2026, 3, 2),
            follow_ups: vec![FollowUp {
                date: on,
                kind: FollowUpKind::Supervised,
                feedback_given: Some(true),
                patient_feels_supported: None,
            }],
            contacts: vec![ContactFacts {
                id: 7,
                practices: [Practice::RapportBuilt, Practice::BiopsychosocialFraming].into(),
                checklist_complete: true,
                corrected: Some(true),
                progressed: Some(true),
                benefit: Some(2),
            }],
            ..Default::default()
        };
        let (ep, from) = record.theory_episode_traced(&judging(&lib, &edu));
        assert_eq!(ep.consultations.len(), 1);
        assert_eq!(ep.consultations[0].kind, ConsultationKind::Initial);
        assert_eq!(ep.supervised_sessions.len(), 1);
        assert_eq!(ep.supervised_sessions[0].reassurance_given, Some(false));
        assert_eq!(ep.scores[0].instrument, "pgic");
        assert_eq!(from.scores[0].kind, RecordKind::Contact);
        assert_eq!(from.consultations[0].id, 7);
        assert_eq!(context(&ep, "T1.1", on), ContextStatus::Present);
        assert_eq!(
            context(&ep, "T1.7", on),
            ContextStatus::Absent,
            "not ticked in a full checklist"
        );
        assert_eq!(context(&ep, "C3.5", on), ContextStatus::Present);
        assert_eq!(context(&ep, "C3.6", on), ContextStatus::Present);
        assert_eq!(
            context(&ep, "M2.14", on),
            ContextStatus::Present,
            "rated improved"
        );

        let kb = KnowledgeBase::builtin().unwrap();
        let j = record.judge(&kb, &judging(&lib, &edu), on);
        let why = j.records_of(Signal::RapportBuilt);
        assert_eq!(
            why,
            [RecordRef {
                kind: RecordKind::Contact,
                id: 7,
                date: on
            }]
        );
        assert_eq!(j.records_of(Signal::PerceivedBenefit)[0].id, 7);
        assert!(j.records_of(Signal::FearfulOfMovement).is_empty());
    }

    #[test]
    fn the_quick_judgement_is_the_traced_one_without_sources() {
        use crate::theory::episode::Completion;
        let lib = Library::builtin().unwrap();
        let edu = crate::education::Library::builtin().unwrap();
        let kb = KnowledgeBase::builtin().unwrap();
        let start = date(2026, 1, 1);
        let logs: Vec<SessionLog> = (0..90)
            .map(|d| SessionLog {
                exercise_id: "ge-bend-sitting".into(),
                date: start.checked_add(jiff::Span::new().days(d)).unwrap(),
                at: None,
                completion: if d % 3 == 0 {
                    Completion::Skipped
                } else {
                    Completion::Completed
                },
                skip_reason: (d % 3 == 0).then_some(crate::monitoring::SkipReason::NoTime),
                sets: None,
                reps: None,
                minutes: None,
                pain_before: Some(2),
                pain_after: Some(if d > 70 { 5 } else { 2 }),
                difficulty: Some(if d > 60 { 5 } else { 3 }),
                enjoyment: Some(if d > 50 { 1 } else { 4 }),
                note: None,
            })
            .collect();
        let record = EpisodeRecord {
            opened_on: start,
            log_ids: (0..90).collect(),
            logs,
            ..Default::default()
        };
        for (as_of, discharged) in [
            (date(2026, 3, 20), None),
            (date(2026, 2, 10), None),
            (date(2026, 6, 1), Some(date(2026, 3, 1))),
        ] {
            let record = EpisodeRecord {
                discharged_on: discharged,
                ..record.clone()
            };
            let with = judging(&lib, &edu);
            let full = record.judge(&kb, &with, as_of);
            let quick = record.judge_quickly(&kb, &with, as_of);
            assert_eq!(full.evaluation, quick.evaluation, "{as_of}");
            assert!(quick.episode.logs.len() <= 28);
            assert!(quick.records_of(Signal::ExerciseEnjoyed).is_empty());
            assert!(!full.records_of(Signal::ExerciseEnjoyed).is_empty() || as_of < start);
        }
    }

    #[test]
    fn preferences_count_only_when_the_patient_stated_some() {
        let lib = Library::builtin().unwrap();
        let edu = crate::education::Library::builtin().unwrap();
        let walking = lib
            .all()
            .iter()
            .find(|e| e.kinds.contains(&ExerciseKind::Walking))
            .unwrap();
        let plan = crate::prescription::Plan {
            items: vec![crate::prescription::PlanItem {
                exercise_id: walking.id.clone(),
                dose: walking.dose.clone(),
                progression_rule: "up".into(),
                regression_rule: "down".into(),
                delivery: Delivery::Home,
                goal: None,
                why: "to walk the dog".into(),
            }],
            co_designed: false,
            whole_person: None,
        };
        let mut record = EpisodeRecord {
            opened_on: date(2026, 3, 2),
            plans: vec![PlanVersion {
                starts_on: date(2026, 3, 4),
                plan,
            }],
            plan_ids: vec![3],
            ..Default::default()
        };
        let item = |r: &EpisodeRecord| {
            r.theory_episode(&judging(&lib, &edu)).prescriptions[0].items[0].clone()
        };
        assert_eq!(item(&record).tailored_to_preferences, None);
        assert!(
            !item(&record).individualised,
            "prescribed before any assessment"
        );
        let intake = Intake {
            preferences: [ExerciseKind::Walking].into(),
            ..Default::default()
        };
        record.intake = Some(IntakeFacts::of(1, date(2026, 3, 3), &intake));
        assert_eq!(item(&record).tailored_to_preferences, Some(true));
        assert!(item(&record).individualised);
        let intake = Intake {
            dislikes: [ExerciseKind::Walking].into(),
            ..Default::default()
        };
        record.intake = Some(IntakeFacts::of(1, date(2026, 3, 3), &intake));
        assert_eq!(item(&record).tailored_to_preferences, Some(false));
    }
}
