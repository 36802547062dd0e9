//! Properties of the engine over synthetic episodes: supportive facts never
//! lower a mechanism's status; the result does not depend on the order of
//! logs (or of any list); future-dated data is ignored; evaluation is
//! deterministic; suggestions cover exactly the CMOCs at stake.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

use std::collections::BTreeMap;
use std::sync::LazyLock;

use jiff::Span;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use rapport_domain::theory::episode::*;
use rapport_domain::theory::synthetic::{BELIEFS, Rng, episode};
use rapport_domain::theory::{Evaluation, KnowledgeBase, Mechanism, Standing, evaluate};

static KB: LazyLock<KnowledgeBase> = LazyLock::new(|| KnowledgeBase::builtin().unwrap());

const GENERATED_AT: Date = date(2024, 6, 1);

fn shift(d: Date, days: i64) -> Date {
    d.saturating_add(Span::new().days(days))
}

/// The supportive facts: each, on its own, only adds to what is in place.
const FACTS: usize = 12;

fn add_fact(e: &mut Episode, fact: usize, on: Date) {
    match fact {
        // The holistic intake is recorded as done.
        0 => match &mut e.assessment {
            Some(a) => a.holistic_intake_done = Some(true),
            None => {
                e.assessment = Some(Assessment {
                    date: on,
                    holistic_intake_done: Some(true),
                    previous_experience: PreviousExperience::Unknown,
                    preferences: vec![],
                })
            }
        },
        // A consultation in which every practice was carried out.
        1 => e.consultations.push(Consultation {
            date: on,
            kind: ConsultationKind::Review,
            practices: [
                Practice::RapportBuilt,
                Practice::DisclosureInvited,
                Practice::SharedDecisions,
                Practice::ReassuranceIndividualised,
                Practice::ConditionExplained,
                Practice::GoalLinkExplained,
                Practice::DailyLifeFitPlanned,
                Practice::SafeEnvironmentConfirmed,
                Practice::BiopsychosocialFraming,
            ]
            .into_iter()
            .collect(),
            checklist_complete: true,
        }),
        // A goal agreed together.
        2 => e.goals.push(Goal {
            id: "supportive-goal".into(),
            text: "Play with the grandchildren".into(),
            agreed_together: true,
            agreed_on: on,
        }),
        // Education answering every belief.
        3 => e.education.push(EducationGiven {
            item_id: "all-beliefs".into(),
            answers_beliefs: BELIEFS.iter().map(|b| b.to_string()).collect(),
            date: on,
            read: Some(true),
        }),
        // Beliefs explored again and every one now resolved.
        4 => e.beliefs.push(BeliefsRecord {
            date: on,
            explored: true,
            confirmed_beliefs: vec![],
            resolved_beliefs: BELIEFS.iter().map(|b| b.to_string()).collect(),
            expectations: vec![],
            expectation_mismatch: Some(false),
        }),
        // A follow-up with feedback, at which the patient feels supported.
        5 => e.follow_ups.push(FollowUp {
            date: on,
            kind: FollowUpKind::Phone,
            feedback_given: Some(true),
            patient_feels_supported: Some(true),
        }),
        // A supervised session with correction, progression and reassurance.
        6 => e.supervised_sessions.push(SupervisedSession {
            date: on,
            correction_given: Some(true),
            progression_given: Some(true),
            reassurance_given: Some(true),
        }),
        // Joining a group whose members share the patient's goals.
        7 => e.groups.push(GroupMembership {
            group_id: "shared".into(),
            joined_on: on,
            left_on: None,
            shared_goals: Some(true),
        }),
        // The patient reports being much improved.
        8 => e.scores.push(InstrumentScore {
            instrument: "pgic".into(),
            version: "1".into(),
            date: on,
            total: 1.0,
            subscales: BTreeMap::new(),
            band: None,
        }),
        // A session done, easy, enjoyed, without pain rising.
        9 => e.logs.push(ExerciseLog {
            date: on,
            exercise_id: None,
            completion: Completion::Completed,
            pain_before: Some(3),
            pain_after: Some(3),
            difficulty: Some(1),
            enjoyment: Some(5),
        }),
        // A strong alliance measured.
        10 => {
            let mut subscales = BTreeMap::new();
            subscales.insert("bond".to_string(), 20.0);
            e.scores.push(InstrumentScore {
                instrument: "waisr".into(),
                version: "1".into(),
                date: on,
                total: 60.0,
                subscales,
                band: None,
            });
        }
        // The current prescription made individual, co-designed, holistic and
        // linked to an agreed goal.
        _ => {
            let latest = e
                .prescriptions
                .iter()
                .map(|p| p.date)
                .filter(|d| *d <= on)
                .max();
            if let Some(latest) = latest {
                let goal = "supportive-goal-rx";
                e.goals.push(Goal {
                    id: goal.into(),
                    text: "Return to work".into(),
                    agreed_together: true,
                    agreed_on: latest.min(on),
                });
                for p in e.prescriptions.iter_mut().filter(|p| p.date == latest) {
                    p.co_designed = Some(true);
                    p.holistic_plan = Some(true);
                    for i in &mut p.items {
                        i.individualised = true;
                        i.tailored_to_preferences = Some(true);
                        i.goal_id = Some(goal.into());
                    }
                }
            }
        }
    }
}

fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = usize::try_from(rng.next_u64() % (i as u64 + 1)).unwrap();
        v.swap(i, j);
    }
}

/// Equal evaluations; on failure, the first differing line of their JSON.
fn same(a: &Evaluation<'_>, b: &Evaluation<'_>) -> Result<(), TestCaseError> {
    if a == b {
        return Ok(());
    }
    let ja = serde_json::to_string_pretty(a).unwrap();
    let jb = serde_json::to_string_pretty(b).unwrap();
    let diff = ja
        .lines()
        .zip(jb.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {i}: {x} != {y}"))
        .unwrap_or_else(|| "equal JSON, different values".into());
    Err(TestCaseError::fail(diff))
}

fn statuses(e: &Episode, as_of: Date) -> Vec<rapport_domain::theory::MechanismStatus> {
    let ev = evaluate(&KB, e, as_of);
    Mechanism::ALL
        .iter()
        .map(|m| ev.mechanism(*m).status)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_supportive_fact_never_lowers_a_mechanism(
        seed in any::<u64>(),
        offset in -20i64..40,
        facts in proptest::collection::vec(0..FACTS, 1..5),
    ) {
        let as_of = shift(GENERATED_AT, -offset);
        let before_ep = episode(seed, GENERATED_AT);
        let mut after_ep = before_ep.clone();
        for f in &facts {
            add_fact(&mut after_ep, *f, as_of);
        }
        let before = statuses(&before_ep, as_of);
        let after = statuses(&after_ep, as_of);
        for (m, (b, a)) in Mechanism::ALL.iter().zip(before.iter().zip(&after)) {
            prop_assert!(a >= b, "{m}: {b:?} -> {a:?} after facts {facts:?}");
        }
        // And no CMOC's standing moves from favourable to unfavourable.
        let eb = evaluate(&KB, &before_ep, as_of);
        let ea = evaluate(&KB, &after_ep, as_of);
        for (rb, ra) in eb.cmocs.iter().zip(&ea.cmocs) {
            prop_assert!(
                !(matches!(rb.standing, Standing::Favourable | Standing::Unknown)
                    && ra.standing == Standing::Unfavourable),
                "{}: {:?} -> {:?} after facts {facts:?}", rb.cmoc.id, rb.standing, ra.standing
            );
        }
    }

    #[test]
    fn the_order_of_logs_does_not_matter(seed in any::<u64>(), shuffle_seed in any::<u64>(), offset in -20i64..40) {
        let as_of = shift(GENERATED_AT, -offset);
        let e = episode(seed, GENERATED_AT);
        let mut shuffled = e.clone();
        shuffle(&mut shuffled.logs, &mut Rng::new(shuffle_seed));
        same(&evaluate(&KB, &e, as_of), &evaluate(&KB, &shuffled, as_of))?;
    }

    #[test]
    fn the_order_of_any_list_does_not_matter(seed in any::<u64>(), shuffle_seed in any::<u64>()) {
        let e = episode(seed, GENERATED_AT);
        let mut s = e.clone();
        let mut r = Rng::new(shuffle_seed);
        shuffle(&mut s.logs, &mut r);
        shuffle(&mut s.scores, &mut r);
        shuffle(&mut s.beliefs, &mut r);
        shuffle(&mut s.consultations, &mut r);
        shuffle(&mut s.goals, &mut r);
        shuffle(&mut s.prescriptions, &mut r);
        shuffle(&mut s.follow_ups, &mut r);
        shuffle(&mut s.supervised_sessions, &mut r);
        shuffle(&mut s.groups, &mut r);
        shuffle(&mut s.education, &mut r);
        same(&evaluate(&KB, &e, GENERATED_AT), &evaluate(&KB, &s, GENERATED_AT))?;
    }

    #[test]
    fn data_after_the_date_is_ignored(seed in any::<u64>(), later in 1i64..60, offset in 0i64..40) {
        let as_of = shift(GENERATED_AT, -offset);
        let e = episode(seed, GENERATED_AT);
        let mut f = e.clone();
        // Drop everything dated after as_of: the same answer.
        f.logs.retain(|l| l.date <= as_of);
        f.scores.retain(|s| s.date <= as_of);
        f.follow_ups.retain(|x| x.date <= as_of);
        f.supervised_sessions.retain(|x| x.date <= as_of);
        f.education.retain(|x| x.date <= as_of);
        f.consultations.retain(|x| x.date <= as_of);
        f.beliefs.retain(|x| x.date <= as_of);
        f.goals.retain(|x| x.agreed_on <= as_of);
        f.prescriptions.retain(|x| x.date <= as_of);
        f.groups.retain(|x| x.joined_on <= as_of);
        same(&evaluate(&KB, &e, as_of), &evaluate(&KB, &f, as_of))?;
        // Add unhelpful facts after as_of: the same answer.
        let future = shift(as_of, later);
        let mut g = e.clone();
        // Facts 1..=10 add new dated records (0 and 11 edit existing ones).
        for fact in 1..FACTS - 1 {
            add_fact(&mut g, fact, future);
        }
        g.logs.push(ExerciseLog {
            date: future,
            exercise_id: None,
            completion: Completion::Completed,
            pain_before: Some(0),
            pain_after: Some(10),
            difficulty: Some(5),
            enjoyment: Some(1),
        });
        same(&evaluate(&KB, &e, as_of), &evaluate(&KB, &g, as_of))?;
    }

    #[test]
    fn deterministic_and_suggestions_cover_exactly_the_cmocs_at_stake(seed in any::<u64>(), offset in -20i64..40) {
        let as_of = shift(GENERATED_AT, -offset);
        let e = episode(seed, GENERATED_AT);
        let a = evaluate(&KB, &e, as_of);
        let b = evaluate(&KB, &e, as_of);
        same(&a, &b)?;

        let mut at_stake: Vec<&str> = a
            .cmocs
            .iter()
            .filter(|r| matches!(r.standing, Standing::Unfavourable | Standing::Unknown))
            .map(|r| r.cmoc.id.as_str())
            .collect();
        let mut suggested: Vec<&str> = a.suggestions.iter().flat_map(|s| s.cmoc_ids()).collect();
        at_stake.sort_unstable();
        suggested.sort_unstable();
        prop_assert_eq!(at_stake, suggested);
        for w in a.suggestions.windows(2) {
            prop_assert!(w[0].score >= w[1].score);
        }
        for s in &a.suggestions {
            prop_assert_eq!(s.score, s.cmocs.iter().map(|c| c.score).sum::<u32>());
            for w in s.cmocs.windows(2) {
                prop_assert!(w[0].score >= w[1].score);
            }
        }
    }
}
