//! Every signal with hand-built episodes: true, false and unknown cases, and
//! the thresholds and date rules they document.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

use std::collections::BTreeMap;

use jiff::Span;
use jiff::civil::{Date, date};
use rapport_domain::theory::episode::*;
use rapport_domain::theory::{Signal, Truth, compute_all};

const AS_OF: Date = date(2024, 4, 1);

/// `n` days before the evaluation date (negative `n`: after it).
fn ago(n: i64) -> Date {
    AS_OF.saturating_sub(Span::new().days(n))
}

fn with(f: impl FnOnce(&mut Episode)) -> Episode {
    let mut e = Episode::default();
    f(&mut e);
    e
}

fn score(code: &str, days_ago: i64, total: f64) -> InstrumentScore {
    InstrumentScore {
        instrument: code.into(),
        version: "1".into(),
        date: ago(days_ago),
        total,
        subscales: BTreeMap::new(),
        band: None,
    }
}

fn waisr(days_ago: i64, total: f64, bond: f64) -> InstrumentScore {
    let mut s = score("waisr", days_ago, total);
    s.subscales.insert("bond".into(), bond);
    s
}

fn assessment(days_ago: i64, holistic: Option<bool>, prev: PreviousExperience) -> Assessment {
    Assessment {
        date: ago(days_ago),
        holistic_intake_done: holistic,
        previous_experience: prev,
        preferences: vec![],
    }
}

fn beliefs(days_ago: i64, explored: bool, confirmed: &[&str], resolved: &[&str]) -> BeliefsRecord {
    BeliefsRecord {
        date: ago(days_ago),
        explored,
        confirmed_beliefs: confirmed.iter().map(|s| s.to_string()).collect(),
        resolved_beliefs: resolved.iter().map(|s| s.to_string()).collect(),
        expectations: vec![],
        expectation_mismatch: None,
    }
}

fn education(days_ago: i64, answers: &[&str]) -> EducationGiven {
    EducationGiven {
        item_id: "edu".into(),
        answers_beliefs: answers.iter().map(|s| s.to_string()).collect(),
        date: ago(days_ago),
        read: Some(true),
    }
}

fn consult(days_ago: i64, practices: &[Practice], complete: bool) -> Consultation {
    Consultation {
        date: ago(days_ago),
        kind: ConsultationKind::Initial,
        practices: practices.iter().copied().collect(),
        checklist_complete: complete,
    }
}

fn goal(id: &str, days_ago: i64, together: bool) -> Goal {
    Goal {
        id: id.into(),
        text: "walk 2 km".into(),
        agreed_together: together,
        agreed_on: ago(days_ago),
    }
}

fn item(individualised: bool, preferences: bool, goal: Option<&str>) -> PrescriptionItem {
    PrescriptionItem {
        exercise_id: "ex".into(),
        setting: Setting::Home,
        individualised,
        tailored_to_preferences: Some(preferences),
        goal_id: goal.map(str::to_string),
    }
}

fn rx(days_ago: i64, items: Vec<PrescriptionItem>) -> Prescription {
    Prescription {
        date: ago(days_ago),
        items,
        co_designed: None,
        holistic_plan: None,
    }
}

fn log(days_ago: i64, completion: Completion) -> ExerciseLog {
    ExerciseLog {
        date: ago(days_ago),
        exercise_id: None,
        completion,
        pain_before: None,
        pain_after: None,
        difficulty: None,
        enjoyment: None,
    }
}

fn rated(days_ago: i64, difficulty: Option<u8>, enjoyment: Option<u8>) -> ExerciseLog {
    ExerciseLog {
        difficulty,
        enjoyment,
        ..log(days_ago, Completion::Completed)
    }
}

fn pained(days_ago: i64, before: u8, after: u8) -> ExerciseLog {
    ExerciseLog {
        pain_before: Some(before),
        pain_after: Some(after),
        ..log(days_ago, Completion::Completed)
    }
}

fn fu(days_ago: i64, feedback: Option<bool>, supported: Option<bool>) -> FollowUp {
    FollowUp {
        date: ago(days_ago),
        kind: FollowUpKind::Phone,
        feedback_given: feedback,
        patient_feels_supported: supported,
    }
}

fn session(
    days_ago: i64,
    correction: Option<bool>,
    progression: Option<bool>,
) -> SupervisedSession {
    SupervisedSession {
        date: ago(days_ago),
        correction_given: correction,
        progression_given: progression,
        reassurance_given: None,
    }
}

fn group(days_ago: i64, shared: Option<bool>) -> GroupMembership {
    GroupMembership {
        group_id: "g".into(),
        joined_on: ago(days_ago),
        left_on: None,
        shared_goals: shared,
    }
}

struct Case {
    signal: Signal,
    label: &'static str,
    episode: Episode,
    want: Truth,
}

fn case(signal: Signal, label: &'static str, want: Truth, episode: Episode) -> Case {
    Case {
        signal,
        label,
        episode,
        want,
    }
}

use Signal as S;
use Truth::{False as F, True as T, Unknown as U};

fn practice_cases(s: Signal, p: Practice) -> Vec<Case> {
    vec![
        case(
            s,
            "practice ticked",
            T,
            with(|e| e.consultations.push(consult(5, &[p], false))),
        ),
        case(
            s,
            "complete checklist without it",
            F,
            with(|e| e.consultations.push(consult(5, &[], true))),
        ),
        case(
            s,
            "incomplete checklist without it",
            U,
            with(|e| e.consultations.push(consult(5, &[], false))),
        ),
        case(s, "no consultation", U, Episode::default()),
        case(
            s,
            "ticked only after the date",
            F,
            with(|e| {
                e.consultations.push(consult(5, &[], true));
                e.consultations.push(consult(-3, &[p], true));
            }),
        ),
    ]
}

fn cases() -> Vec<Case> {
    use PreviousExperience as PE;
    let mut c = vec![
        // holistic_assessment_done
        case(
            S::HolisticAssessmentDone,
            "intake done",
            T,
            with(|e| e.assessment = Some(assessment(10, Some(true), PE::Unknown))),
        ),
        case(
            S::HolisticAssessmentDone,
            "intake not done",
            F,
            with(|e| e.assessment = Some(assessment(10, Some(false), PE::Unknown))),
        ),
        case(
            S::HolisticAssessmentDone,
            "not stated",
            U,
            with(|e| e.assessment = Some(assessment(10, None, PE::Unknown))),
        ),
        case(
            S::HolisticAssessmentDone,
            "no assessment",
            U,
            Episode::default(),
        ),
        case(
            S::HolisticAssessmentDone,
            "assessment after the date",
            U,
            with(|e| e.assessment = Some(assessment(-1, Some(true), PE::Unknown))),
        ),
        // beliefs_explored
        case(
            S::BeliefsExplored,
            "explored",
            T,
            with(|e| e.beliefs.push(beliefs(10, true, &[], &[]))),
        ),
        case(
            S::BeliefsExplored,
            "record says not explored",
            F,
            with(|e| e.beliefs.push(beliefs(10, false, &[], &[]))),
        ),
        case(S::BeliefsExplored, "no record", U, Episode::default()),
        // explanation_tailored_to_beliefs
        case(
            S::ExplanationTailoredToBeliefs,
            "every belief answered",
            T,
            with(|e| {
                e.beliefs.push(beliefs(10, true, &["a", "b"], &[]));
                e.education.push(education(9, &["a"]));
                e.education.push(education(8, &["b", "z"]));
            }),
        ),
        case(
            S::ExplanationTailoredToBeliefs,
            "explored, none confirmed",
            T,
            with(|e| e.beliefs.push(beliefs(10, true, &[], &[]))),
        ),
        case(
            S::ExplanationTailoredToBeliefs,
            "one belief unanswered",
            F,
            with(|e| {
                e.beliefs.push(beliefs(10, true, &["a", "b"], &[]));
                e.education.push(education(9, &["a"]));
            }),
        ),
        case(
            S::ExplanationTailoredToBeliefs,
            "education after the date",
            F,
            with(|e| {
                e.beliefs.push(beliefs(10, true, &["a"], &[]));
                e.education.push(education(-2, &["a"]));
            }),
        ),
        case(
            S::ExplanationTailoredToBeliefs,
            "not explored",
            F,
            with(|e| e.beliefs.push(beliefs(10, false, &[], &[]))),
        ),
        case(
            S::ExplanationTailoredToBeliefs,
            "no record",
            U,
            Episode::default(),
        ),
        // unhelpful_beliefs_reconciled
        case(
            S::UnhelpfulBeliefsReconciled,
            "all resolved",
            T,
            with(|e| {
                e.beliefs.push(beliefs(20, true, &["a"], &[]));
                e.beliefs.push(beliefs(5, true, &[], &["a"]));
            }),
        ),
        case(
            S::UnhelpfulBeliefsReconciled,
            "explored, none confirmed",
            T,
            with(|e| e.beliefs.push(beliefs(10, true, &[], &[]))),
        ),
        case(
            S::UnhelpfulBeliefsReconciled,
            "unresolved and unaddressed",
            F,
            with(|e| e.beliefs.push(beliefs(10, true, &["a"], &[]))),
        ),
        case(
            S::UnhelpfulBeliefsReconciled,
            "addressed, not yet resolved",
            U,
            with(|e| {
                e.beliefs.push(beliefs(10, true, &["a"], &[]));
                e.education.push(education(9, &["a"]));
            }),
        ),
        case(
            S::UnhelpfulBeliefsReconciled,
            "no record",
            U,
            Episode::default(),
        ),
        // previous_positive_experience
        case(
            S::PreviousPositiveExperience,
            "positive",
            T,
            with(|e| e.assessment = Some(assessment(10, None, PE::Positive))),
        ),
        case(
            S::PreviousPositiveExperience,
            "negative",
            F,
            with(|e| e.assessment = Some(assessment(10, None, PE::Negative))),
        ),
        case(
            S::PreviousPositiveExperience,
            "none",
            F,
            with(|e| e.assessment = Some(assessment(10, None, PE::None))),
        ),
        case(
            S::PreviousPositiveExperience,
            "not asked",
            U,
            with(|e| e.assessment = Some(assessment(10, None, PE::Unknown))),
        ),
        case(
            S::PreviousPositiveExperience,
            "no assessment",
            U,
            Episode::default(),
        ),
        // fearful_of_movement: TSK-11 >= 25
        case(
            S::FearfulOfMovement,
            "TSK-11 25",
            T,
            with(|e| e.scores.push(score("tsk11", 5, 25.0))),
        ),
        case(
            S::FearfulOfMovement,
            "TSK-11 24",
            F,
            with(|e| e.scores.push(score("tsk11", 5, 24.0))),
        ),
        case(
            S::FearfulOfMovement,
            "latest score wins",
            F,
            with(|e| {
                e.scores.push(score("tsk11", 50, 40.0));
                e.scores.push(score("TSK11", 5, 18.0));
            }),
        ),
        case(
            S::FearfulOfMovement,
            "score after the date ignored",
            T,
            with(|e| {
                e.scores.push(score("tsk11", 50, 40.0));
                e.scores.push(score("tsk11", -5, 18.0));
            }),
        ),
        case(
            S::FearfulOfMovement,
            "out of range",
            U,
            with(|e| e.scores.push(score("tsk11", 5, 60.0))),
        ),
        case(
            S::FearfulOfMovement,
            "no TSK-11",
            U,
            with(|e| e.scores.push(score("pseq", 5, 20.0))),
        ),
        // self_efficacy_low: PSEQ <= 30
        case(
            S::SelfEfficacyLow,
            "PSEQ 30",
            T,
            with(|e| e.scores.push(score("pseq", 5, 30.0))),
        ),
        case(
            S::SelfEfficacyLow,
            "PSEQ 31",
            F,
            with(|e| e.scores.push(score("pseq", 5, 31.0))),
        ),
        case(S::SelfEfficacyLow, "no PSEQ", U, Episode::default()),
        // collaboration_in_care
        case(
            S::CollaborationInCare,
            "shared decisions ticked",
            T,
            with(|e| {
                e.consultations
                    .push(consult(5, &[Practice::SharedDecisions], false))
            }),
        ),
        case(
            S::CollaborationInCare,
            "co-designed prescription",
            T,
            with(|e| {
                e.consultations.push(consult(5, &[], true));
                e.prescriptions.push(Prescription {
                    co_designed: Some(true),
                    ..rx(5, vec![item(true, true, None)])
                });
            }),
        ),
        case(
            S::CollaborationInCare,
            "neither",
            F,
            with(|e| {
                e.consultations.push(consult(5, &[], true));
                e.prescriptions.push(Prescription {
                    co_designed: Some(false),
                    ..rx(5, vec![item(true, true, None)])
                });
            }),
        ),
        case(
            S::CollaborationInCare,
            "checklist says no, prescription silent",
            U,
            with(|e| {
                e.consultations.push(consult(5, &[], true));
                e.prescriptions.push(rx(5, vec![item(true, true, None)]));
            }),
        ),
        case(
            S::CollaborationInCare,
            "nothing recorded",
            U,
            Episode::default(),
        ),
        // goals_agreed
        case(
            S::GoalsAgreed,
            "agreed together",
            T,
            with(|e| {
                e.goals.push(goal("g1", 5, false));
                e.goals.push(goal("g2", 4, true));
            }),
        ),
        case(
            S::GoalsAgreed,
            "set by clinician only",
            F,
            with(|e| e.goals.push(goal("g1", 5, false))),
        ),
        case(
            S::GoalsAgreed,
            "agreed only after the date",
            F,
            with(|e| {
                e.goals.push(goal("g1", 5, false));
                e.goals.push(goal("g2", -4, true));
            }),
        ),
        case(S::GoalsAgreed, "no goals", U, Episode::default()),
        // prescription_individualised (current = latest date)
        case(
            S::PrescriptionIndividualised,
            "all items",
            T,
            with(|e| {
                e.prescriptions.push(rx(
                    5,
                    vec![item(true, false, None), item(true, false, None)],
                ))
            }),
        ),
        case(
            S::PrescriptionIndividualised,
            "one generic item",
            F,
            with(|e| {
                e.prescriptions.push(rx(
                    5,
                    vec![item(true, false, None), item(false, false, None)],
                ))
            }),
        ),
        case(
            S::PrescriptionIndividualised,
            "latest replaces earlier",
            T,
            with(|e| {
                e.prescriptions.push(rx(30, vec![item(false, false, None)]));
                e.prescriptions.push(rx(5, vec![item(true, false, None)]));
            }),
        ),
        case(
            S::PrescriptionIndividualised,
            "same-date prescriptions read together",
            F,
            with(|e| {
                e.prescriptions.push(rx(5, vec![item(true, false, None)]));
                e.prescriptions.push(rx(5, vec![item(false, false, None)]));
            }),
        ),
        case(
            S::PrescriptionIndividualised,
            "no items",
            U,
            with(|e| e.prescriptions.push(rx(5, vec![]))),
        ),
        case(
            S::PrescriptionIndividualised,
            "no prescription",
            U,
            Episode::default(),
        ),
        // exercise_matches_preferences
        case(
            S::ExerciseMatchesPreferences,
            "all match",
            T,
            with(|e| e.prescriptions.push(rx(5, vec![item(false, true, None)]))),
        ),
        case(
            S::ExerciseMatchesPreferences,
            "one does not",
            F,
            with(|e| {
                e.prescriptions.push(rx(
                    5,
                    vec![item(false, true, None), item(false, false, None)],
                ))
            }),
        ),
        case(
            S::ExerciseMatchesPreferences,
            "no prescription",
            U,
            Episode::default(),
        ),
        // exercises_linked_to_goals
        case(
            S::ExercisesLinkedToGoals,
            "all linked",
            T,
            with(|e| {
                e.goals.push(goal("g1", 6, true));
                e.prescriptions
                    .push(rx(5, vec![item(true, true, Some("g1"))]));
            }),
        ),
        case(
            S::ExercisesLinkedToGoals,
            "link to a missing goal",
            F,
            with(|e| {
                e.goals.push(goal("g1", 6, true));
                e.prescriptions.push(rx(
                    5,
                    vec![item(true, true, Some("g1")), item(true, true, Some("g9"))],
                ));
            }),
        ),
        case(
            S::ExercisesLinkedToGoals,
            "an item without a goal",
            F,
            with(|e| e.prescriptions.push(rx(5, vec![item(true, true, None)]))),
        ),
        case(
            S::ExercisesLinkedToGoals,
            "no prescription",
            U,
            Episode::default(),
        ),
        // collaborative_plan
        case(
            S::CollaborativePlan,
            "co-designed",
            T,
            with(|e| {
                e.prescriptions.push(Prescription {
                    co_designed: Some(true),
                    ..rx(5, vec![])
                })
            }),
        ),
        case(
            S::CollaborativePlan,
            "not co-designed",
            F,
            with(|e| {
                e.prescriptions.push(Prescription {
                    co_designed: Some(false),
                    ..rx(5, vec![])
                })
            }),
        ),
        case(
            S::CollaborativePlan,
            "not stated",
            U,
            with(|e| e.prescriptions.push(rx(5, vec![]))),
        ),
        case(
            S::CollaborativePlan,
            "earlier co-design does not carry over",
            F,
            with(|e| {
                e.prescriptions.push(Prescription {
                    co_designed: Some(true),
                    ..rx(30, vec![])
                });
                e.prescriptions.push(Prescription {
                    co_designed: Some(false),
                    ..rx(5, vec![])
                });
            }),
        ),
        // treatment_plan_holistic
        case(
            S::TreatmentPlanHolistic,
            "holistic",
            T,
            with(|e| {
                e.prescriptions.push(Prescription {
                    holistic_plan: Some(true),
                    ..rx(5, vec![])
                })
            }),
        ),
        case(
            S::TreatmentPlanHolistic,
            "exercise only",
            F,
            with(|e| {
                e.prescriptions.push(Prescription {
                    holistic_plan: Some(false),
                    ..rx(5, vec![])
                })
            }),
        ),
        case(
            S::TreatmentPlanHolistic,
            "no prescription",
            U,
            Episode::default(),
        ),
        // follow_up_within_target: 14 days (7 if high risk)
        case(
            S::FollowUpWithinTarget,
            "contacts every 14 days",
            T,
            with(|e| {
                e.prescriptions.push(rx(40, vec![]));
                e.follow_ups.push(fu(26, None, None));
                e.follow_ups.push(fu(12, None, None));
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "15-day gap",
            F,
            with(|e| {
                e.prescriptions.push(rx(40, vec![]));
                e.follow_ups.push(fu(25, None, None));
                e.follow_ups.push(fu(12, None, None));
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "overdue now",
            F,
            with(|e| {
                e.prescriptions.push(rx(40, vec![]));
                e.follow_ups.push(fu(30, None, None));
                e.follow_ups.push(fu(20, None, None));
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "supervised sessions count as contacts",
            T,
            with(|e| {
                e.prescriptions.push(rx(20, vec![]));
                e.supervised_sessions.push(session(8, None, None));
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "high risk: 7-day target",
            F,
            with(|e| {
                let mut sb = score("startback", 30, 7.0);
                sb.band = Some("High".into());
                e.scores.push(sb);
                e.prescriptions.push(rx(20, vec![]));
                e.follow_ups.push(fu(10, None, None));
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "low self-efficacy: 7-day target met",
            T,
            with(|e| {
                e.scores.push(score("pseq", 30, 12.0));
                e.prescriptions.push(rx(20, vec![]));
                e.follow_ups.push(fu(13, None, None));
                e.follow_ups.push(fu(6, None, None));
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "discharge stops the clock",
            T,
            with(|e| {
                e.prescriptions.push(rx(60, vec![]));
                e.follow_ups.push(fu(50, None, None));
                e.follow_ups.push(fu(40, None, None));
                e.discharged_on = Some(ago(40));
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "an old missed interval is forgiven",
            T,
            with(|e| {
                e.prescriptions.push(rx(90, vec![]));
                e.follow_ups.push(fu(60, None, None));
                for d in [48, 36, 24, 12, 0] {
                    e.follow_ups.push(fu(d, None, None));
                }
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "a missed interval ending in the window counts",
            F,
            with(|e| {
                e.prescriptions.push(rx(90, vec![]));
                e.follow_ups.push(fu(50, None, None));
                for d in [26, 12, 0] {
                    e.follow_ups.push(fu(d, None, None));
                }
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "first contact not yet due",
            U,
            with(|e| e.prescriptions.push(rx(10, vec![]))),
        ),
        case(
            S::FollowUpWithinTarget,
            "no prescription",
            U,
            Episode::default(),
        ),
        // ... and with the monitoring schedule's routine date (see also
        // theory_follow_up_schedule.rs, where the schedule comes from the rule)
        case(
            S::FollowUpWithinTarget,
            "20 days on a 21-day schedule",
            T,
            with(|e| {
                e.prescriptions.push(rx(20, vec![]));
                e.scheduled_contact = Some(ScheduledContact {
                    anchor: ago(20),
                    due: ago(-1),
                });
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "the scheduled day passed",
            F,
            with(|e| {
                e.prescriptions.push(rx(40, vec![]));
                e.follow_ups.push(fu(22, None, None));
                e.scheduled_contact = Some(ScheduledContact {
                    anchor: ago(22),
                    due: ago(1),
                });
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "a schedule without a prescription",
            U,
            with(|e| {
                e.scheduled_contact = Some(ScheduledContact {
                    anchor: ago(20),
                    due: ago(6),
                });
            }),
        ),
        case(
            S::FollowUpWithinTarget,
            "a schedule counted from a later contact is not this date's",
            F,
            with(|e| {
                e.prescriptions.push(rx(40, vec![]));
                e.scheduled_contact = Some(ScheduledContact {
                    anchor: ago(-2),
                    due: ago(-23),
                });
            }),
        ),
        // feedback_given
        case(
            S::FeedbackGiven,
            "feedback in the window",
            T,
            with(|e| {
                e.prescriptions.push(rx(60, vec![]));
                e.follow_ups.push(fu(20, Some(true), None));
            }),
        ),
        case(
            S::FeedbackGiven,
            "follow-up without feedback",
            F,
            with(|e| {
                e.prescriptions.push(rx(10, vec![]));
                e.follow_ups.push(fu(5, Some(false), None));
            }),
        ),
        case(
            S::FeedbackGiven,
            "last feedback too long ago",
            F,
            with(|e| {
                e.prescriptions.push(rx(60, vec![]));
                e.follow_ups.push(fu(40, Some(true), None));
            }),
        ),
        case(
            S::FeedbackGiven,
            "programme too young to judge",
            U,
            with(|e| e.prescriptions.push(rx(10, vec![]))),
        ),
        case(S::FeedbackGiven, "no prescription", U, Episode::default()),
        // patient_feels_supported
        case(
            S::PatientFeelsSupported,
            "says yes",
            T,
            with(|e| e.follow_ups.push(fu(5, None, Some(true)))),
        ),
        case(
            S::PatientFeelsSupported,
            "latest says no",
            F,
            with(|e| {
                e.follow_ups.push(fu(20, None, Some(true)));
                e.follow_ups.push(fu(5, None, Some(false)));
            }),
        ),
        case(
            S::PatientFeelsSupported,
            "same-day answers: a no wins",
            F,
            with(|e| {
                e.follow_ups.push(fu(5, None, Some(false)));
                e.follow_ups.push(fu(5, None, Some(true)));
            }),
        ),
        case(
            S::PatientFeelsSupported,
            "never asked",
            U,
            with(|e| e.follow_ups.push(fu(5, None, None))),
        ),
        // supervised_session_held
        case(
            S::SupervisedSessionHeld,
            "session held",
            T,
            with(|e| e.supervised_sessions.push(session(5, None, None))),
        ),
        case(
            S::SupervisedSessionHeld,
            "supervised follow-up",
            T,
            with(|e| {
                e.follow_ups.push(FollowUp {
                    kind: FollowUpKind::Supervised,
                    ..fu(5, None, None)
                })
            }),
        ),
        case(
            S::SupervisedSessionHeld,
            "prescribed, none held",
            F,
            with(|e| e.prescriptions.push(rx(10, vec![]))),
        ),
        case(
            S::SupervisedSessionHeld,
            "nothing yet",
            U,
            Episode::default(),
        ),
        // correction_given / progression_given
        case(
            S::CorrectionGiven,
            "corrected",
            T,
            with(|e| {
                e.supervised_sessions.push(session(10, Some(false), None));
                e.supervised_sessions.push(session(5, Some(true), None));
            }),
        ),
        case(
            S::CorrectionGiven,
            "not corrected",
            F,
            with(|e| e.supervised_sessions.push(session(5, Some(false), None))),
        ),
        case(
            S::CorrectionGiven,
            "not stated",
            U,
            with(|e| e.supervised_sessions.push(session(5, None, None))),
        ),
        case(S::CorrectionGiven, "no session", U, Episode::default()),
        case(
            S::ProgressionGiven,
            "progressed",
            T,
            with(|e| e.supervised_sessions.push(session(5, None, Some(true)))),
        ),
        case(
            S::ProgressionGiven,
            "not progressed",
            F,
            with(|e| e.supervised_sessions.push(session(5, None, Some(false)))),
        ),
        case(S::ProgressionGiven, "no session", U, Episode::default()),
        // in_group (never unknown: no membership recorded means not in a group)
        case(
            S::InGroup,
            "member",
            T,
            with(|e| e.groups.push(group(10, None))),
        ),
        case(
            S::InGroup,
            "left before the date",
            F,
            with(|e| {
                e.groups.push(GroupMembership {
                    left_on: Some(ago(2)),
                    ..group(10, None)
                })
            }),
        ),
        case(
            S::InGroup,
            "joins after the date",
            F,
            with(|e| e.groups.push(group(-2, None))),
        ),
        case(S::InGroup, "no group", F, Episode::default()),
        // in_group_with_shared_goals
        case(
            S::InGroupWithSharedGoals,
            "shared goals",
            T,
            with(|e| {
                e.groups.push(group(20, Some(false)));
                e.groups.push(group(10, Some(true)));
            }),
        ),
        case(
            S::InGroupWithSharedGoals,
            "group without shared goals",
            F,
            with(|e| e.groups.push(group(10, Some(false)))),
        ),
        case(
            S::InGroupWithSharedGoals,
            "not in a group",
            F,
            Episode::default(),
        ),
        case(
            S::InGroupWithSharedGoals,
            "not stated",
            U,
            with(|e| e.groups.push(group(10, None))),
        ),
        // exercise_practised
        case(
            S::ExercisePractised,
            "a session done",
            T,
            with(|e| {
                e.logs.push(log(3, Completion::Skipped));
                e.logs.push(log(2, Completion::Partly));
            }),
        ),
        case(
            S::ExercisePractised,
            "all skipped",
            F,
            with(|e| e.logs.push(log(3, Completion::Skipped))),
        ),
        case(
            S::ExercisePractised,
            "only old logs",
            U,
            with(|e| e.logs.push(log(40, Completion::Completed))),
        ),
        // exercise_enjoyed (mean >= 3.5) / exercise_disliked (mean <= 2.5)
        case(
            S::ExerciseEnjoyed,
            "mean 3.5",
            T,
            with(|e| {
                e.logs.push(rated(3, None, Some(3)));
                e.logs.push(rated(2, None, Some(4)));
            }),
        ),
        case(
            S::ExerciseEnjoyed,
            "mean 3",
            F,
            with(|e| e.logs.push(rated(3, None, Some(3)))),
        ),
        case(
            S::ExerciseEnjoyed,
            "skipped sessions do not count",
            U,
            with(|e| {
                e.logs.push(ExerciseLog {
                    enjoyment: Some(5),
                    ..log(3, Completion::Skipped)
                })
            }),
        ),
        case(
            S::ExerciseEnjoyed,
            "out-of-range rating ignored",
            U,
            with(|e| e.logs.push(rated(3, None, Some(9)))),
        ),
        case(
            S::ExerciseDisliked,
            "mean 2.5",
            T,
            with(|e| {
                e.logs.push(rated(3, None, Some(2)));
                e.logs.push(rated(2, None, Some(3)));
            }),
        ),
        case(
            S::ExerciseDisliked,
            "mean 3",
            F,
            with(|e| e.logs.push(rated(3, None, Some(3)))),
        ),
        case(
            S::ExerciseDisliked,
            "no ratings",
            U,
            with(|e| e.logs.push(rated(3, Some(3), None))),
        ),
        // exercise_too_hard (mean difficulty >= 4)
        case(
            S::ExerciseTooHard,
            "mean 4",
            T,
            with(|e| {
                e.logs.push(rated(3, Some(5), None));
                e.logs.push(rated(2, Some(3), None));
            }),
        ),
        case(
            S::ExerciseTooHard,
            "mean 3.5",
            F,
            with(|e| {
                e.logs.push(rated(3, Some(4), None));
                e.logs.push(rated(2, Some(3), None));
            }),
        ),
        case(
            S::ExerciseTooHard,
            "hard only outside the window",
            F,
            with(|e| {
                e.logs.push(rated(35, Some(5), None));
                e.logs.push(rated(2, Some(3), None));
            }),
        ),
        case(S::ExerciseTooHard, "no ratings", U, Episode::default()),
        // pain_up_after_exercise: >= 2 points on >= 2 sessions and >= 1/3 of paired sessions
        case(
            S::PainUpAfterExercise,
            "2 of 6 sessions",
            T,
            with(|e| {
                e.logs.push(pained(1, 2, 4));
                e.logs.push(pained(2, 3, 6));
                for d in 3..7 {
                    e.logs.push(pained(d, 3, 3));
                }
            }),
        ),
        case(
            S::PainUpAfterExercise,
            "2 of 7 sessions",
            F,
            with(|e| {
                e.logs.push(pained(1, 2, 4));
                e.logs.push(pained(2, 3, 6));
                for d in 3..8 {
                    e.logs.push(pained(d, 3, 3));
                }
            }),
        ),
        case(
            S::PainUpAfterExercise,
            "a single rise is not repeated",
            F,
            with(|e| e.logs.push(pained(1, 2, 7))),
        ),
        case(
            S::PainUpAfterExercise,
            "rise of 1 is not a rise",
            F,
            with(|e| {
                e.logs.push(pained(1, 2, 3));
                e.logs.push(pained(2, 2, 3));
            }),
        ),
        case(
            S::PainUpAfterExercise,
            "no paired ratings",
            U,
            with(|e| {
                e.logs.push(ExerciseLog {
                    pain_after: Some(5),
                    ..log(1, Completion::Completed)
                })
            }),
        ),
        // perceived_benefit
        case(
            S::PerceivedBenefit,
            "PGIC 3",
            T,
            with(|e| e.scores.push(score("pgic", 5, 3.0))),
        ),
        case(
            S::PerceivedBenefit,
            "PGIC 4 (no change)",
            F,
            with(|e| e.scores.push(score("pgic", 5, 4.0))),
        ),
        case(
            S::PerceivedBenefit,
            "PGIC beats outcome change",
            F,
            with(|e| {
                e.scores.push(score("pgic", 5, 5.0));
                e.scores.push(score("nprs", 40, 8.0));
                e.scores.push(score("nprs", 5, 2.0));
            }),
        ),
        case(
            S::PerceivedBenefit,
            "NPRS improved by 2",
            T,
            with(|e| {
                e.scores.push(score("nprs", 40, 5.0));
                e.scores.push(score("nprs", 5, 3.0));
            }),
        ),
        case(
            S::PerceivedBenefit,
            "RMDQ improved by 30 %",
            T,
            with(|e| {
                e.scores.push(score("rmdq", 40, 10.0));
                e.scores.push(score("rmdq", 5, 7.0));
            }),
        ),
        case(
            S::PerceivedBenefit,
            "NPRS worse",
            F,
            with(|e| {
                e.scores.push(score("nprs", 40, 5.0));
                e.scores.push(score("nprs", 5, 6.0));
            }),
        ),
        case(
            S::PerceivedBenefit,
            "small improvement",
            U,
            with(|e| {
                e.scores.push(score("nprs", 40, 7.0));
                e.scores.push(score("nprs", 5, 6.0));
            }),
        ),
        case(
            S::PerceivedBenefit,
            "one score only",
            U,
            with(|e| e.scores.push(score("nprs", 40, 7.0))),
        ),
        // alliance_positive: WAI-SR total >= 48
        case(
            S::AlliancePositive,
            "48",
            T,
            with(|e| e.scores.push(waisr(5, 48.0, 16.0))),
        ),
        case(
            S::AlliancePositive,
            "47",
            F,
            with(|e| e.scores.push(waisr(5, 47.0, 16.0))),
        ),
        case(S::AlliancePositive, "no WAI-SR", U, Episode::default()),
        // alliance_bond_low: bond <= 11
        case(
            S::AllianceBondLow,
            "bond 11",
            T,
            with(|e| e.scores.push(waisr(5, 40.0, 11.0))),
        ),
        case(
            S::AllianceBondLow,
            "bond 12",
            F,
            with(|e| e.scores.push(waisr(5, 40.0, 12.0))),
        ),
        case(
            S::AllianceBondLow,
            "no bond subscale",
            U,
            with(|e| e.scores.push(score("waisr", 5, 40.0))),
        ),
        case(
            S::AllianceBondLow,
            "bond out of range",
            U,
            with(|e| e.scores.push(waisr(5, 40.0, 3.5))),
        ),
    ];
    c.extend(practice_cases(S::RapportBuilt, Practice::RapportBuilt));
    c.extend(practice_cases(
        S::DisclosureFacilitated,
        Practice::DisclosureInvited,
    ));
    c.extend(practice_cases(
        S::ReassuranceIndividualised,
        Practice::ReassuranceIndividualised,
    ));
    c.extend(practice_cases(
        S::ConditionExplained,
        Practice::ConditionExplained,
    ));
    c.extend(practice_cases(
        S::GoalLinkExplained,
        Practice::GoalLinkExplained,
    ));
    c.extend(practice_cases(
        S::DailyLifeFitPlanned,
        Practice::DailyLifeFitPlanned,
    ));
    c.extend(practice_cases(
        S::SafeExerciseEnvironment,
        Practice::SafeEnvironmentConfirmed,
    ));
    c.extend(practice_cases(
        S::BiopsychosocialFraming,
        Practice::BiopsychosocialFraming,
    ));
    c
}

#[test]
fn every_case_gives_the_expected_value_with_evidence() {
    let mut failures = Vec::new();
    for c in cases() {
        let v = c.signal.compute(&c.episode, AS_OF);
        // compute_all gives the same as computing the one signal.
        assert_eq!(compute_all(&c.episode, AS_OF).get(c.signal), v);
        let text = v.evidence.to_string();
        assert!(!text.is_empty(), "{} {}: evidence", c.signal, c.label);
        if v.value != c.want {
            failures.push(format!(
                "{} / {}: got {} want {} ({text})",
                c.signal, c.label, v.value, c.want
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_signal_has_true_false_and_unknown_cases() {
    let cases = cases();
    for s in Signal::ALL {
        for want in [T, F, U] {
            // Group membership is always known: no record means no group.
            if *s == S::InGroup && want == U {
                continue;
            }
            assert!(
                cases.iter().any(|c| c.signal == *s && c.want == want),
                "{s}: no {want} case"
            );
        }
    }
}

#[test]
fn evidence_names_the_deciding_data() {
    let e = with(|e| e.scores.push(score("tsk11", 5, 30.0)));
    let v = S::FearfulOfMovement.compute(&e, AS_OF);
    assert_eq!(
        v.evidence.to_string(),
        "TSK-11 total 30 on 2024-03-27 (25 or more counts as fearful)"
    );
    let e = with(|e| {
        e.prescriptions.push(rx(40, vec![]));
        e.follow_ups.push(fu(30, None, None));
    });
    assert_eq!(
        S::FollowUpWithinTarget
            .compute(&e, AS_OF)
            .evidence
            .to_string(),
        "no contact for 30 days since 2024-03-02 (target 14)"
    );
    let e = with(|e| {
        e.prescriptions.push(rx(40, vec![]));
        e.follow_ups.push(fu(25, None, None));
        e.scheduled_contact = Some(ScheduledContact {
            anchor: ago(25),
            due: ago(4),
        });
    });
    assert_eq!(
        S::FollowUpWithinTarget
            .compute(&e, AS_OF)
            .evidence
            .to_string(),
        "next contact was scheduled for 2024-03-28 (21 days after 2024-03-07); 4 days overdue"
    );
    let e = with(|e| e.goals.push(goal("g1", 5, false)));
    assert_eq!(
        S::GoalsAgreed.compute(&e, AS_OF).evidence.to_string(),
        "0 of 1 goals agreed together with the patient"
    );
    assert_eq!(
        S::GoalsAgreed
            .compute(&Episode::default(), AS_OF)
            .evidence
            .to_string(),
        "no goal recorded yet"
    );
    // Evidence serialises as its sentence.
    let json = serde_json::to_value(S::GoalsAgreed.compute(&e, AS_OF)).unwrap();
    assert_eq!(json["value"], "false");
    assert_eq!(
        json["evidence"],
        "0 of 1 goals agreed together with the patient"
    );
}

#[test]
fn registry_documents_every_signal() {
    let reg = rapport_domain::theory::signals::registry();
    assert_eq!(reg.len(), Signal::COUNT);
    for info in reg {
        assert!(info.description.len() > 20, "{}", info.name);
    }
}

#[test]
fn episode_validation_names_bad_fields() {
    let e = with(|e| {
        e.logs.push(ExerciseLog {
            pain_after: Some(11),
            ..log(1, Completion::Completed)
        })
    });
    match e.validate() {
        Err(rapport_domain::Error::Invalid(f)) => assert_eq!(f.field, "logs[0].pain_after"),
        other => panic!("{other:?}"),
    }
    assert!(Episode::default().validate().is_ok());
    let e = with(|e| {
        e.scheduled_contact = Some(ScheduledContact {
            anchor: ago(1),
            due: ago(3),
        })
    });
    match e.validate() {
        Err(rapport_domain::Error::Invalid(f)) => assert_eq!(f.field, "scheduled_contact.due"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn episode_round_trips_through_json() {
    let e = rapport_domain::theory::synthetic::episode(7, AS_OF);
    let text = serde_json::to_string(&e).unwrap();
    let back: Episode = serde_json::from_str(&text).unwrap();
    assert_eq!(back, e);
    // A sparse document fills the rest with defaults.
    let sparse: Episode = serde_json::from_str(
        r#"{"goals":[{"id":"g","text":"t","agreed_together":true,"agreed_on":"2024-01-02"}]}"#,
    )
    .unwrap();
    assert_eq!(sparse.goals.len(), 1);
}
