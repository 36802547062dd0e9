//! The engine: every CMOC present / absent / unknown on hand-built episodes,
//! mechanism aggregation, and ranked, grouped suggestions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

use std::collections::BTreeMap;

use jiff::Span;
use jiff::civil::{Date, date};
use rapport_domain::theory::episode::*;
use rapport_domain::theory::{
    ContextStatus, Evaluation, Grade, KnowledgeBase, Mechanism, MechanismStatus, Signal, Standing,
    Tally, Truth, evaluate,
};

const AS_OF: Date = date(2024, 4, 1);

fn ago(n: i64) -> Date {
    AS_OF.saturating_sub(Span::new().days(n))
}

fn kb() -> KnowledgeBase {
    KnowledgeBase::builtin().unwrap()
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

const ALL_PRACTICES: [Practice; 9] = [
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

fn log(days_ago: i64, pain: (u8, u8), difficulty: u8, enjoyment: u8) -> ExerciseLog {
    ExerciseLog {
        date: ago(days_ago),
        exercise_id: None,
        completion: Completion::Completed,
        pain_before: Some(pain.0),
        pain_after: Some(pain.1),
        difficulty: Some(difficulty),
        enjoyment: Some(enjoyment),
    }
}

fn follow_up(days_ago: i64, feedback: bool, supported: bool) -> FollowUp {
    FollowUp {
        date: ago(days_ago),
        kind: FollowUpKind::Phone,
        feedback_given: Some(feedback),
        patient_feels_supported: Some(supported),
    }
}

/// Every context in place and no barrier.
fn good() -> Episode {
    let mut e = Episode {
        assessment: Some(Assessment {
            date: ago(60),
            holistic_intake_done: Some(true),
            previous_experience: PreviousExperience::Positive,
            preferences: vec!["walking".into()],
        }),
        ..Episode::default()
    };
    e.scores.push(score("tsk11", 60, 30.0)); // fearful, so C3.2 applies
    e.scores.push(score("pseq", 60, 45.0));
    e.scores.push(waisr(20, 55.0, 19.0));
    e.scores.push(score("pgic", 5, 2.0));
    e.beliefs.push(BeliefsRecord {
        date: ago(60),
        explored: true,
        confirmed_beliefs: vec!["hurt_means_harm".into()],
        resolved_beliefs: vec![],
        expectations: vec!["a diagnosis".into()],
        expectation_mismatch: Some(true),
    });
    e.beliefs.push(BeliefsRecord {
        date: ago(10),
        explored: true,
        confirmed_beliefs: vec![],
        resolved_beliefs: vec!["hurt_means_harm".into()],
        expectations: vec![],
        expectation_mismatch: Some(false),
    });
    e.education.push(EducationGiven {
        item_id: "pain-science-1".into(),
        answers_beliefs: vec!["hurt_means_harm".into()],
        date: ago(55),
        read: Some(true),
    });
    e.consultations.push(Consultation {
        date: ago(60),
        kind: ConsultationKind::Initial,
        practices: ALL_PRACTICES.into_iter().collect(),
        checklist_complete: true,
    });
    e.goals.push(Goal {
        id: "g1".into(),
        text: "Garden for an hour".into(),
        agreed_together: true,
        agreed_on: ago(58),
    });
    e.prescriptions.push(Prescription {
        date: ago(55),
        items: vec![PrescriptionItem {
            exercise_id: "bridge".into(),
            setting: Setting::Home,
            individualised: true,
            tailored_to_preferences: Some(true),
            goal_id: Some("g1".into()),
        }],
        co_designed: Some(true),
        holistic_plan: Some(true),
    });
    for d in [45, 35, 25, 15, 5] {
        e.follow_ups.push(follow_up(d, true, true));
    }
    e.supervised_sessions.push(SupervisedSession {
        date: ago(20),
        correction_given: Some(true),
        progression_given: Some(true),
        reassurance_given: Some(true),
    });
    e.groups.push(GroupMembership {
        group_id: "pilates-tue".into(),
        joined_on: ago(40),
        left_on: None,
        shared_goals: Some(true),
    });
    for d in (1..20).step_by(2) {
        e.logs.push(log(d, (3, 3), 3, 5));
    }
    e
}

/// Every context recorded as absent and both barriers present.
fn bad() -> Episode {
    let mut e = Episode {
        assessment: Some(Assessment {
            date: ago(60),
            holistic_intake_done: Some(false),
            previous_experience: PreviousExperience::Negative,
            preferences: vec![],
        }),
        ..Episode::default()
    };
    e.scores.push(score("tsk11", 60, 35.0));
    e.scores.push(score("pseq", 60, 15.0));
    e.scores.push(waisr(20, 30.0, 8.0));
    e.scores.push(score("pgic", 5, 6.0));
    e.beliefs.push(BeliefsRecord {
        date: ago(60),
        explored: true,
        confirmed_beliefs: vec!["spine_fragile".into(), "rest_is_best".into()],
        resolved_beliefs: vec![],
        expectations: vec![],
        expectation_mismatch: Some(true),
    });
    e.consultations.push(Consultation {
        date: ago(60),
        kind: ConsultationKind::Initial,
        practices: Default::default(),
        checklist_complete: true,
    });
    e.goals.push(Goal {
        id: "g1".into(),
        text: "Less pain".into(),
        agreed_together: false,
        agreed_on: ago(58),
    });
    e.prescriptions.push(Prescription {
        date: ago(55),
        items: vec![PrescriptionItem {
            exercise_id: "plank".into(),
            setting: Setting::Home,
            individualised: false,
            tailored_to_preferences: Some(false),
            goal_id: None,
        }],
        co_designed: Some(false),
        holistic_plan: Some(false),
    });
    e.follow_ups.push(follow_up(45, false, false));
    e.groups.push(GroupMembership {
        group_id: "circuit".into(),
        joined_on: ago(40),
        left_on: None,
        shared_goals: Some(false),
    });
    for d in (1..12).step_by(2) {
        e.logs.push(log(d, (2, 6), 5, 1));
    }
    e
}

/// Nothing known, except that the patient is in a group of unknown make-up.
fn unknown() -> Episode {
    let mut e = Episode::default();
    e.groups.push(GroupMembership {
        group_id: "g".into(),
        joined_on: ago(10),
        left_on: None,
        shared_goals: None,
    });
    e
}

use ContextStatus::{Absent as A, NotApplicable as NA, Present as P, Unknown as U};

/// Expected context of every CMOC on the three archetypes: (id, good, bad, unknown).
const TABLE: [(&str, ContextStatus, ContextStatus, ContextStatus); 34] = [
    ("T1.1", P, A, U),
    ("T1.2", P, A, U),
    ("T1.3", P, A, U),
    ("T1.4", P, A, U),
    ("T1.5", P, A, U),
    ("T1.6", P, A, U),
    ("T1.7", P, A, U),
    ("T1.8", P, A, U),
    ("T1.9", P, A, U),
    ("T1.10", P, A, U),
    ("M2.1", P, A, U),
    ("M2.2", P, A, U),
    ("M2.3", P, A, U),
    ("M2.4", P, A, U),
    ("M2.5", P, A, U),
    ("M2.6", P, A, U),
    ("M2.7", P, A, U),
    ("M2.8", P, A, U),
    ("M2.9", P, A, U),
    ("M2.10", P, A, U),
    ("M2.11", P, A, U),
    ("M2.12", P, A, U),
    ("M2.13", P, A, U),
    ("M2.14", P, A, U),
    ("M2.15", P, A, U),
    // Barriers: absent on the good episode, present on the bad one.
    ("M2.16", A, P, U),
    ("M2.17", A, P, U),
    ("M2.18", P, A, U),
    ("C3.1", P, A, U),
    // The bad episode's patient practises at home (logs), so C3.2 is present;
    // its absent case is `c3_2_absent_and_not_applicable`.
    ("C3.2", P, P, U),
    ("C3.3", P, A, U),
    ("C3.4", P, A, U),
    ("C3.5", P, A, U),
    ("C3.6", P, A, U),
];

fn status<'a>(ev: &'a Evaluation<'_>, id: &str) -> &'a rapport_domain::theory::CmocResult<'a> {
    ev.cmoc(id).unwrap_or_else(|| panic!("{id} evaluated"))
}

#[test]
fn every_cmoc_present_absent_unknown() {
    let kb = kb();
    assert_eq!(TABLE.len(), kb.cmocs().len());
    let episodes = [("good", good()), ("bad", bad()), ("unknown", unknown())];
    let evals: Vec<_> = episodes
        .iter()
        .map(|(_, e)| evaluate(&kb, e, AS_OF))
        .collect();
    let mut failures = Vec::new();
    for (id, want_good, want_bad, want_unknown) in TABLE {
        for ((name, _), (ev, want)) in
            episodes
                .iter()
                .zip(evals.iter().zip([want_good, want_bad, want_unknown]))
        {
            let r = status(ev, id);
            if r.context != want {
                failures.push(format!(
                    "{id} on {name}: {:?}, want {want:?} (decided by {:?})",
                    r.context,
                    r.decided_by.iter().map(Signal::name).collect::<Vec<_>>()
                ));
            }
            if r.context != U {
                assert!(
                    !r.decided_by.is_empty(),
                    "{id} on {name}: decided by something"
                );
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn standings_follow_effect() {
    let kb = kb();
    let ev = evaluate(&kb, &good(), AS_OF);
    assert!(ev.cmocs.iter().all(|r| r.standing == Standing::Favourable));
    let ev = evaluate(&kb, &bad(), AS_OF);
    for r in &ev.cmocs {
        let want = if r.cmoc.id == "C3.2" {
            Standing::Favourable
        } else {
            Standing::Unfavourable
        };
        assert_eq!(r.standing, want, "{}", r.cmoc.id);
    }
    let ev = evaluate(&kb, &unknown(), AS_OF);
    assert!(ev.cmocs.iter().all(|r| r.standing == Standing::Unknown));
}

#[test]
fn c3_2_absent_and_not_applicable() {
    let kb = kb();
    // Fearful, prescribed, never supervised, every logged session skipped.
    let mut e = Episode::default();
    e.scores.push(score("tsk11", 30, 33.0));
    e.prescriptions.push(Prescription {
        date: ago(30),
        items: vec![],
        co_designed: None,
        holistic_plan: None,
    });
    e.logs.push(ExerciseLog {
        completion: Completion::Skipped,
        ..log(3, (3, 3), 3, 3)
    });
    let ev = evaluate(&kb, &e, AS_OF);
    let r = status(&ev, "C3.2");
    assert_eq!(
        (r.applicable, r.context, r.standing),
        (Truth::True, A, Standing::Unfavourable)
    );
    // Not fearful: does not apply, whatever the practice.
    e.scores[0].total = 15.0;
    let ev = evaluate(&kb, &e, AS_OF);
    let r = status(&ev, "C3.2");
    assert_eq!(
        (r.applicable, r.context, r.standing),
        (Truth::False, NA, Standing::NotApplicable)
    );
    assert_eq!(
        r.decided_by.iter().collect::<Vec<_>>(),
        [Signal::FearfulOfMovement]
    );
    // Fear unknown but practice present: applicability unknown, so standing unknown.
    e.scores.clear();
    e.supervised_sessions.push(SupervisedSession {
        date: ago(5),
        correction_given: None,
        progression_given: None,
        reassurance_given: None,
    });
    let ev = evaluate(&kb, &e, AS_OF);
    let r = status(&ev, "C3.2");
    assert_eq!(
        (r.applicable, r.context, r.standing),
        (Truth::Unknown, P, Standing::Unknown)
    );
}

#[test]
fn m2_9_does_not_apply_outside_a_group() {
    let kb = kb();
    let ev = evaluate(&kb, &Episode::default(), AS_OF);
    let r = status(&ev, "M2.9");
    assert_eq!(r.context, NA);
    let tally = ev.mechanism(Mechanism::Motivation).tally;
    assert_eq!(tally.not_applicable, 1);
    assert_eq!(tally.unknown, 17);
}

#[test]
fn deciding_signals_are_the_ones_that_forced_the_value() {
    let kb = kb();
    let ev = evaluate(&kb, &bad(), AS_OF);
    // all(beliefs_explored, explanation_tailored_to_beliefs): explored is true,
    // tailoring false, so only tailoring decided it.
    assert_eq!(
        status(&ev, "T1.4").decided_by.iter().collect::<Vec<_>>(),
        [Signal::ExplanationTailoredToBeliefs]
    );
    // any(exercise_too_hard, exercise_disliked): both true, both decide.
    assert_eq!(status(&ev, "M2.16").decided_by.len(), 2);
    let ev = evaluate(&kb, &good(), AS_OF);
    assert_eq!(
        status(&ev, "C3.5").decided_by.iter().collect::<Vec<_>>(),
        [
            Signal::SupervisedSessionHeld,
            Signal::CorrectionGiven,
            Signal::ProgressionGiven
        ]
    );
}

#[test]
fn mechanisms_on_the_archetypes() {
    let kb = kb();
    for (episode, want) in [
        (good(), MechanismStatus::Supported),
        (bad(), MechanismStatus::AtRisk),
        (unknown(), MechanismStatus::Unknown),
        (Episode::default(), MechanismStatus::Unknown),
    ] {
        let ev = evaluate(&kb, &episode, AS_OF);
        assert_eq!(ev.mechanisms.len(), 3);
        for m in Mechanism::ALL {
            let r = ev.mechanism(*m);
            assert_eq!(r.mechanism, *m);
            assert_eq!(r.status, want, "{m}: {}", r.reason());
            assert!(r.reason().starts_with(m.as_str()), "{}", r.reason());
        }
    }
    let ev = evaluate(&kb, &bad(), AS_OF);
    let trust = ev.mechanism(Mechanism::Trust);
    assert_eq!(
        trust.decided_by.len(),
        10,
        "every trust CMOC is unfavourable"
    );
    assert!(trust.reason().contains("T1.1"));
}

#[test]
fn only_data_up_to_the_date_counts() {
    let kb = kb();
    // Before any record of the good episode existed, nothing is known.
    let early = ago(100);
    let ev = evaluate(&kb, &good(), early);
    assert!(
        ev.cmocs.iter().all(|r| matches!(r.context, U | NA)),
        "{:?}",
        ev.cmocs
            .iter()
            .map(|r| (r.cmoc.id.as_str(), r.context))
            .collect::<Vec<_>>()
    );
    for m in &ev.mechanisms {
        assert_eq!(m.status, MechanismStatus::Unknown);
    }
    // Records dated after the evaluation date change nothing.
    let mut later = good();
    let base = evaluate(&kb, &later, AS_OF);
    later.logs.push(ExerciseLog {
        date: ago(-3),
        ..log(0, (1, 9), 5, 1)
    });
    later.scores.push(score("pgic", -2, 7.0));
    later.goals.push(Goal {
        id: "g9".into(),
        text: "x".into(),
        agreed_together: false,
        agreed_on: ago(-1),
    });
    assert_eq!(evaluate(&kb, &later, AS_OF), base);
}

#[test]
fn aggregation_rule() {
    let t = |fav: &[Grade], unfav: &[Grade], unknown: &[Grade]| {
        let mut t = Tally::default();
        for g in fav {
            t.favourable += 1;
            t.weight_favourable += g.weight();
            t.weight_applicable += g.weight();
        }
        for g in unfav {
            t.unfavourable += 1;
            t.weight_unfavourable += g.weight();
            t.weight_applicable += g.weight();
            t.unfavourable_high_or_moderate |= *g != Grade::Low;
        }
        for g in unknown {
            t.unknown += 1;
            t.weight_applicable += g.weight();
        }
        t.status()
    };
    use Grade::{High as H, Low as L, Moderate as M};
    use MechanismStatus::{AtRisk, Supported, Unknown};
    // Any high or moderate unfavourable → at risk, however much is favourable.
    assert_eq!(t(&[H, H, H, H], &[M], &[]), AtRisk);
    // A low-grade barrier alone tips it only when it outweighs what is favourable.
    assert_eq!(t(&[], &[L], &[H, H]), AtRisk);
    assert_eq!(t(&[H], &[L], &[H]), Unknown);
    assert_eq!(t(&[H, H], &[L], &[H]), Supported);
    // Half the weight favourable → supported; less → unknown.
    assert_eq!(t(&[H], &[], &[H]), Supported);
    assert_eq!(t(&[H], &[], &[H, L]), Unknown);
    assert_eq!(t(&[], &[], &[]), Unknown);
}

#[test]
fn low_grade_barrier_alone_puts_motivation_at_risk() {
    let kb = kb();
    let mut e = Episode::default();
    for d in 1..4 {
        e.logs.push(ExerciseLog {
            difficulty: None,
            enjoyment: None,
            ..log(d, (2, 6), 3, 3)
        });
    }
    let ev = evaluate(&kb, &e, AS_OF);
    assert_eq!(status(&ev, "M2.17").standing, Standing::Unfavourable);
    let m = ev.mechanism(Mechanism::Motivation);
    assert_eq!(m.status, MechanismStatus::AtRisk, "{}", m.reason());
    assert_eq!(m.decided_by, ["M2.17"]);
}

// ---------------------------------------------------------------------------
// Suggestions

#[test]
fn good_episode_needs_no_suggestion() {
    let kb = kb();
    assert!(evaluate(&kb, &good(), AS_OF).suggestions.is_empty());
}

#[test]
fn suggestions_group_cmocs_by_action_and_rank_by_score() {
    let kb = kb();
    let ev = evaluate(&kb, &bad(), AS_OF);
    let by_action: BTreeMap<&str, Vec<&str>> = ev
        .suggestions
        .iter()
        .map(|s| (s.action, s.cmoc_ids().collect()))
        .collect();
    assert_eq!(by_action["timely_follow_up"], ["M2.5", "M2.6"]);
    assert_eq!(by_action["strengthen_alliance"], ["M2.1", "M2.2", "M2.10"]);
    // Inside a suggestion, the CMOC with more at stake first: C3.5 (adherence
    // and clinical outcomes) before C3.4 (adherence).
    assert_eq!(by_action["supervise"], ["C3.5", "C3.4"]);
    assert_eq!(by_action["adjust_exercise"], ["M2.16", "M2.17"]);
    // Every unfavourable CMOC is in exactly one suggestion.
    let mut all: Vec<&str> = by_action.values().flatten().copied().collect();
    all.sort();
    assert_eq!(all.len(), 33, "all but C3.2");

    // Scores: grade weight × 2 (unfavourable) × outcome weight, summed.
    let s = ev
        .suggestions
        .iter()
        .find(|s| s.action == "timely_follow_up")
        .unwrap();
    assert_eq!(s.score, 3 * 2 * 2 + 3 * 2 * 2);
    assert_eq!(s.grade, Grade::High);
    let s = ev
        .suggestions
        .iter()
        .find(|s| s.action == "supervise")
        .unwrap();
    assert_eq!(s.score, 3 * 2 * (2 + 3) + 3 * 2 * 2);
    assert_eq!(ev.suggestions[0].action, "supervise", "highest score first");

    // Ranked: score descending; ties broken deterministically.
    for w in ev.suggestions.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
    for s in &ev.suggestions {
        assert_eq!(s.grade, s.cmocs.iter().map(|c| c.grade).min().unwrap());
        assert_eq!(s.reason, s.cmocs[0].reason);
        let text = s.reason.to_string();
        assert!(
            text.starts_with("Not in place: ") || text.starts_with("Barrier present: "),
            "{text}"
        );
        assert!(text.contains(" — "), "reason carries evidence: {text}");
        assert!(!s.action_text.is_empty());
    }
}

#[test]
fn an_action_serving_several_cmocs_ranks_higher() {
    let kb = kb();
    let ev = evaluate(&kb, &unknown(), AS_OF);
    let rank = |a: &str| ev.suggestions.iter().position(|s| s.action == a).unwrap();
    // strengthen_alliance serves three engagement CMOCs (3+3+2); give_feedback one (3).
    assert!(rank("strengthen_alliance") < rank("give_feedback"));
    // On the unknown episode every action appears, as "not known yet".
    assert_eq!(ev.suggestions.len(), kb.actions().len());
    assert!(
        ev.suggestions[0]
            .reason
            .to_string()
            .starts_with("Not known yet: ")
    );
}

#[test]
fn unfavourable_outranks_unknown() {
    let kb = kb();
    // Goals set but not agreed (M2.13 unfavourable) vs nothing known otherwise.
    let mut e = Episode::default();
    e.goals.push(Goal {
        id: "g".into(),
        text: "t".into(),
        agreed_together: false,
        agreed_on: ago(3),
    });
    let ev = evaluate(&kb, &e, AS_OF);
    let top = &ev.suggestions[0];
    assert_eq!(top.action, "agree_goals");
    assert_eq!(top.score, 3 * 2 * (1 + 2 + 3));
    assert_eq!(top.cmocs[0].standing, Standing::Unfavourable);
    assert_eq!(
        top.reason.to_string(),
        "Not in place: Individual goals set with clinician guidance — 0 of 1 goals agreed together with the patient"
    );
}

#[test]
fn evaluation_serialises_every_part() {
    let kb = kb();
    let ev = evaluate(&kb, &bad(), AS_OF);
    let v = serde_json::to_value(&ev).unwrap();
    assert_eq!(v["as_of"], "2024-04-01");
    assert_eq!(v["knowledge_base"], "1.0.0");
    assert_eq!(v["signals"].as_object().unwrap().len(), Signal::COUNT);
    assert_eq!(v["signals"]["goals_agreed"]["value"], "false");
    let c = &v["cmocs"][3];
    assert_eq!(c["id"], "T1.4");
    assert_eq!(c["context"], "absent");
    assert_eq!(c["standing"], "unfavourable");
    assert_eq!(
        c["decided_by"],
        serde_json::json!(["explanation_tailored_to_beliefs"])
    );
    assert_eq!(v["mechanisms"][0]["mechanism"], "trust");
    assert_eq!(v["mechanisms"][0]["status"], "at_risk");
    let s = &v["suggestions"][0];
    for k in ["action", "action_text", "score", "grade", "cmocs", "reason"] {
        assert!(s.get(k).is_some(), "{k}");
    }
    assert!(s["reason"].as_str().unwrap().starts_with("Not in place"));
    assert_eq!(s["cmocs"][0]["id"], "C3.5");
    assert_eq!(s["cmocs"][0]["grade"], "high");
}

#[test]
fn deterministic() {
    let kb = kb();
    for seed in 0..200 {
        let e = rapport_domain::theory::synthetic::episode(seed, AS_OF);
        let a = evaluate(&kb, &e, AS_OF);
        let b = evaluate(&kb, &e.clone(), AS_OF);
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }
}
