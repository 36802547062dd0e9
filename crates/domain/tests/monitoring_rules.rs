//! The monitoring rules on hand-built histories: each rule fires at its
//! threshold and not just short of it; edge cases (no logs yet, a plan
//! changed mid-week, discharge); the order of the output; the CMOCs cited.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

mod monitoring_common;

use monitoring_common::*;
use rapport_domain::Error;
use rapport_domain::exercise::library::Library;
use rapport_domain::monitoring::rules::{ChainInfo, evaluate_with, no_lookup};
use rapport_domain::monitoring::triage::assess;
use rapport_domain::monitoring::{Flag, FlagKind, Severity, Thresholds, adherence, evaluate};
use rapport_domain::theory::KnowledgeBase;
use rapport_domain::theory::episode::Completion;

fn run(ep: &Ep, today: &str) -> Vec<Flag> {
    evaluate(&ep.data(), d(today), &Thresholds::default(), &chain)
}

fn run_with(ep: &Ep, today: &str, t: &Thresholds) -> Vec<Flag> {
    evaluate(&ep.data(), d(today), t, &chain)
}

fn has(flags: &[Flag], kind: FlagKind) -> bool {
    find(flags, kind).is_some()
}

#[test]
fn a_patient_doing_well_raises_nothing() {
    let ep = doing_well("2024-06-05");
    assert_eq!(run(&ep, "2024-06-05"), vec![]);
}

/// doing_well up to 05-29, then three sessions of ex-a with these pains.
fn pains(p: [(u8, u8); 3]) -> Ep {
    let mut ep = doing_well("2024-05-29");
    for (day, pain) in ["2024-05-31", "2024-06-03", "2024-06-05"].iter().zip(p) {
        ep.logs.push(rated("ex-a", day, pain, 3, 4));
    }
    ep
}

#[test]
fn pain_rising_on_two_of_the_last_three_sessions() {
    let flags = run(&pains([(2, 2), (2, 4), (3, 5)]), "2024-06-05");
    let f = find(&flags, FlagKind::PainRising).unwrap();
    assert_eq!(f.severity, Severity::Attention);
    assert_eq!(f.exercise_id.as_deref(), Some("ex-a"));
    assert_eq!(
        f.reason,
        "Pain rose by 2 or more points after 2 of the last 3 sessions of Bird dog (+2 on 2024-06-03, +2 on 2024-06-05)."
    );
    assert_eq!(f.cmoc, ["M2.17", "C3.5"]);
    assert_eq!(f.since, d("2024-06-05"));
    // The suggestion to regress names the easier variant.
    let s = find(&flags, FlagKind::SuggestRegression).unwrap();
    assert_eq!(s.suggested_exercise.as_deref(), Some("ex-easy"));
    assert_eq!(
        s.reason,
        "Make Bird dog easier (pain rising after it): go back to Four-point kneel."
    );
    assert_eq!(s.severity, Severity::Info);
    // On every one of the last three: urgent.
    let flags = run(&pains([(2, 4), (2, 4), (3, 6)]), "2024-06-05");
    assert_eq!(
        find(&flags, FlagKind::PainRising).unwrap().severity,
        Severity::Urgent
    );
    // A rise of 1 is not a rise; one rise is not a pattern.
    let flags = run(&pains([(2, 3), (2, 4), (3, 4)]), "2024-06-05");
    assert!(!has(&flags, FlagKind::PainRising));
    assert!(!has(&flags, FlagKind::SuggestRegression));
}

#[test]
fn pain_rising_looks_at_the_last_three_recent_sessions_only() {
    // Two early rises, then three calm sessions.
    let mut ep = pains([(2, 2), (2, 2), (2, 2)]);
    ep.logs.push(rated("ex-a", "2024-05-27", (2, 5), 3, 4));
    ep.logs.push(rated("ex-a", "2024-05-29", (2, 5), 3, 4));
    ep.logs
        .retain(|l| l.date != d("2024-05-29") || l.pain_after == Some(5));
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::PainRising));
    // Sessions older than 28 days do not count: rises on 05-06 and 05-08.
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item("ex-a", 3, 12)])],
    );
    ep.logs = vec![
        rated("ex-a", "2024-05-06", (2, 5), 3, 4),
        rated("ex-a", "2024-05-08", (2, 5), 3, 4),
    ];
    assert!(has(&run(&ep, "2024-06-02"), FlagKind::PainRising));
    assert!(
        !has(&run(&ep, "2024-06-03"), FlagKind::PainRising),
        "05-06 left the window"
    );
    // Skipped sessions have no pain after: they neither count nor break it.
    let mut ep = pains([(2, 4), (2, 2), (2, 4)]);
    ep.logs.push(skipped("ex-a", "2024-06-04"));
    assert!(has(&run(&ep, "2024-06-05"), FlagKind::PainRising));
    // Sessions of another exercise do not count.
    let mut ep = pains([(2, 2), (2, 2), (2, 2)]);
    ep.plans[0].plan.items.push(item("ex-b", 3, 12));
    ep.logs.push(rated("ex-b", "2024-06-03", (2, 5), 3, 4));
    ep.logs.push(rated("ex-b", "2024-06-04", (2, 5), 3, 4));
    let flags = run(&ep, "2024-06-05");
    let f = find(&flags, FlagKind::PainRising).unwrap();
    assert_eq!(f.exercise_id.as_deref(), Some("ex-b"));
    assert!(f.reason.contains("of Bridge"));
    // No easier variant: a smaller dose.
    let s = find(&flags, FlagKind::SuggestRegression).unwrap();
    assert_eq!(s.suggested_exercise, None);
    assert!(
        s.reason
            .ends_with("fewer repetitions, less load or a smaller range.")
    );
}

#[test]
fn a_regression_or_dose_change_starts_the_exercise_afresh() {
    let risen = pains([(2, 4), (2, 4), (3, 6)]);
    // Regressed on 06-04 to the easier variant: ex-a is no longer in the plan.
    let mut ep = risen.clone();
    ep.plans
        .push(version("2024-06-04", vec![item("ex-easy", 3, 12)]));
    let flags = run(&ep, "2024-06-05");
    assert!(!has(&flags, FlagKind::PainRising));
    // The same exercise at a smaller dose, changed on Saturday 06-01: only
    // the sessions since count (two rises of two → still a pattern, but not
    // all of the last three → attention).
    let mut ep = risen.clone();
    let mut smaller = item("ex-a", 3, 12);
    smaller.dose.reps = Some(6);
    ep.plans.push(version("2024-06-01", vec![smaller.clone()]));
    let f = run(&ep, "2024-06-05");
    let f = find(&f, FlagKind::PainRising).unwrap();
    assert_eq!(f.severity, Severity::Attention);
    // Changed on 06-04: one session since, no pattern.
    let mut ep = risen.clone();
    ep.plans.push(version("2024-06-04", vec![smaller]));
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::PainRising));
    // A new version that keeps ex-a's dose keeps its history.
    let mut ep = risen;
    ep.plans.push(version(
        "2024-06-04",
        vec![item("ex-a", 3, 12), item("ex-b", 2, 12)],
    ));
    assert!(has(&run(&ep, "2024-06-05"), FlagKind::PainRising));
}

/// doing_well up to 05-27, then sessions of ex-a rated (difficulty, enjoyment).
fn ratings(r: &[(Option<u8>, Option<u8>)]) -> Ep {
    let mut ep = doing_well("2024-05-27");
    let days = ["2024-05-29", "2024-05-31", "2024-06-03", "2024-06-05"];
    for (day, (difficulty, enjoyment)) in days[4 - r.len()..].iter().zip(r) {
        let mut l = rated("ex-a", day, (2, 2), 3, 3);
        l.difficulty = *difficulty;
        l.enjoyment = *enjoyment;
        ep.logs.push(l);
    }
    ep
}

#[test]
fn too_hard_at_a_mean_difficulty_of_four() {
    let s = |v: u8| (Some(v), Some(3));
    let flags = run(&ratings(&[s(4), s(4), s(4)]), "2024-06-05");
    let f = find(&flags, FlagKind::TooHard).unwrap();
    assert_eq!(f.severity, Severity::Attention);
    assert_eq!(
        f.reason,
        "Bird dog rated hard: mean difficulty 4 (1 very easy – 5 too hard) over the last 3 sessions, at or above 4."
    );
    assert!(has(&flags, FlagKind::SuggestRegression));
    // 4, 4, 3: 3.7.
    assert!(!has(
        &run(&ratings(&[s(4), s(4), s(3)]), "2024-06-05"),
        FlagKind::TooHard
    ));
    // The fourth-latest rating does not count: 1, then 4, 4, 4.
    assert!(has(
        &run(&ratings(&[s(1), s(4), s(4), s(4)]), "2024-06-05"),
        FlagKind::TooHard
    ));
    // One rating alone is not enough; two are.
    let one = ratings(&[(None, None), (None, None), s(5)]);
    let one = Ep {
        logs: one
            .logs
            .into_iter()
            .filter(|l| l.date >= d("2024-05-29"))
            .collect(),
        ..one
    };
    assert!(!has(&run(&one, "2024-06-05"), FlagKind::TooHard));
    let mut two = one.clone();
    two.logs[1].difficulty = Some(4);
    assert!(has(&run(&two, "2024-06-05"), FlagKind::TooHard));
}

#[test]
fn not_enjoyed_at_a_mean_of_two_and_a_half() {
    let e = |v: u8| (Some(3), Some(v));
    let flags = run(&ratings(&[e(3), e(2), e(2)]), "2024-06-05");
    let f = find(&flags, FlagKind::NotEnjoyed).unwrap();
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.cmoc, ["M2.15", "M2.16"]);
    assert!(f.reason.contains("mean enjoyment 2.3"), "{}", f.reason);
    assert!(!has(
        &run(&ratings(&[e(3), e(3), e(2)]), "2024-06-05"),
        FlagKind::NotEnjoyed
    ));
    // Exactly 2.5 over two rated sessions.
    let mut ep = ratings(&[(Some(3), None), e(2), e(3)]);
    ep.logs.retain(|l| l.date >= d("2024-05-29"));
    let flags = run(&ep, "2024-06-05");
    assert!(
        find(&flags, FlagKind::NotEnjoyed)
            .unwrap()
            .reason
            .contains("2.5 ")
    );
    // Not enjoying is not a reason to regress.
    assert!(!has(&flags, FlagKind::SuggestRegression));
}

#[test]
fn progression_when_mastered() {
    let mut ep = doing_well("2024-05-29");
    ep.logs.push(rated("ex-a", "2024-05-31", (3, 2), 2, 4));
    ep.logs.push(rated("ex-a", "2024-06-03", (2, 2), 2, 4));
    ep.logs.push(rated("ex-a", "2024-06-05", (2, 1), 1, 4));
    let flags = run(&ep, "2024-06-05");
    let f = find(&flags, FlagKind::SuggestProgression).unwrap();
    assert_eq!(f.suggested_exercise.as_deref(), Some("ex-hard"));
    assert_eq!(
        f.reason,
        "Bird dog mastered: done in full in each of the last 3 sessions, rated easy (difficulty 2 or less), no rise in pain: move on to Bird dog with a band."
    );
    assert_eq!(f.cmoc, ["C3.5"]);
    // Without a chain lookup: a larger dose, and the id in the reason.
    let flags = evaluate(
        &ep.data(),
        d("2024-06-05"),
        &Thresholds::default(),
        &no_lookup,
    );
    let f = find(&flags, FlagKind::SuggestProgression).unwrap();
    assert_eq!(f.suggested_exercise, None);
    assert!(f.reason.starts_with("ex-a mastered"));
    assert!(f.reason.ends_with("add a set or a little load."));

    let not_mastered = |edit: &dyn Fn(&mut Ep)| {
        let mut e = ep.clone();
        edit(&mut e);
        !has(&run(&e, "2024-06-05"), FlagKind::SuggestProgression)
    };
    // Rated 3 once.
    assert!(not_mastered(
        &|e| e.logs.last_mut().unwrap().difficulty = Some(3)
    ));
    // Partly done once.
    assert!(not_mastered(
        &|e| e.logs.last_mut().unwrap().completion = Completion::Partly
    ));
    // Pain up by one once.
    assert!(not_mastered(
        &|e| e.logs.last_mut().unwrap().pain_after = Some(3)
    ));
    // Pain before not rated: no evidence of no rise.
    assert!(not_mastered(
        &|e| e.logs.last_mut().unwrap().pain_before = None
    ));
    // A skipped session breaks the run.
    assert!(not_mastered(&|e| e
        .logs
        .push(skipped("ex-a", "2024-06-05"))));
    // Only two sessions since the dose changed.
    assert!(not_mastered(&|e| {
        let mut i = item("ex-a", 3, 12);
        i.dose.sets = 3;
        e.plans.push(version("2024-06-01", vec![i]));
    }));
}

/// doing_well to 05-26; week 22 with these logs; this week's sessions.
fn last_week(logs: Vec<rapport_domain::monitoring::SessionLog>) -> Ep {
    let mut ep = doing_well("2024-05-26");
    ep.logs.extend(logs);
    ep.logs.push(done("ex-a", "2024-06-03"));
    ep.logs.push(done("ex-a", "2024-06-05"));
    ep
}

#[test]
fn adherence_below_half_of_the_plan_last_week() {
    let flags = run(&last_week(vec![done("ex-a", "2024-05-27")]), "2024-06-05");
    let f = find(&flags, FlagKind::AdherenceBelowPlan).unwrap();
    assert_eq!(f.severity, Severity::Attention);
    assert_eq!(
        f.reason,
        "Last week (2024-W22) 1 of 3 prescribed sessions logged (33%), below 50%."
    );
    assert_eq!(f.since, d("2024-06-02"));
    assert_eq!(f.cmoc, ["M2.5", "M2.7"]);
    // One done and one partly: 1.5 of 3 is 50%, not below.
    let flags = run(
        &last_week(vec![
            done("ex-a", "2024-05-27"),
            partly("ex-a", "2024-05-29"),
        ]),
        "2024-06-05",
    );
    assert!(!has(&flags, FlagKind::AdherenceBelowPlan));
    // A clinic that wants 60% flags it.
    let t = Thresholds {
        adherence_low_percent: 60.0,
        ..Thresholds::default()
    };
    let flags = run_with(
        &last_week(vec![
            done("ex-a", "2024-05-27"),
            partly("ex-a", "2024-05-29"),
        ]),
        "2024-06-05",
        &t,
    );
    assert!(has(&flags, FlagKind::AdherenceBelowPlan));
}

#[test]
fn adherence_with_a_plan_changed_mid_week() {
    // 3 a week, raised to 5 a week on Thursday 05-30: week 22 prescribes
    // (3×3 + 5×4)/7 = 4.1; three sessions are 72%.
    let mut ep = last_week(vec![
        done("ex-a", "2024-05-27"),
        done("ex-a", "2024-05-29"),
        done("ex-a", "2024-05-31"),
    ]);
    ep.plans
        .push(version("2024-05-30", vec![item("ex-a", 5, 12)]));
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::AdherenceBelowPlan));
    // Two sessions are 48%: below half.
    ep.logs.retain(|l| l.date != d("2024-05-31"));
    let flags = run(&ep, "2024-06-05");
    let f = find(&flags, FlagKind::AdherenceBelowPlan).unwrap();
    assert!(
        f.reason
            .contains("2 of 4.1 prescribed sessions logged (48%)"),
        "{}",
        f.reason
    );
    // A plan started on Sunday of last week prescribes too little to judge.
    let mut ep = Ep::new(
        "2024-05-20",
        vec![version("2024-06-02", vec![item("ex-a", 3, 12)])],
    );
    ep.logs.push(done("ex-a", "2024-06-03"));
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::AdherenceBelowPlan));
}

#[test]
fn no_logs_yet() {
    // Prescribed on Monday 06-03, nothing logged.
    let ep = Ep::new(
        "2024-05-20",
        vec![version("2024-06-03", vec![item("ex-a", 3, 12)])],
    );
    assert!(run(&ep, "2024-06-07").is_empty(), "four days: not yet");
    let flags = run(&ep, "2024-06-08");
    assert_eq!(kinds(&flags), [FlagKind::NoRecentLog]);
    assert_eq!(
        flags[0].reason,
        "No session logged in the 5 days since the plan started on 2024-06-03; it asks for 3 a week."
    );
    // Once the week is over: none of 3.
    let flags = run(&ep, "2024-06-10");
    assert_eq!(
        find(&flags, FlagKind::AdherenceBelowPlan).unwrap().reason,
        "Last week (2024-W23) 0 of 3 prescribed sessions logged (0%), below 50%."
    );
    // Prescribed on Friday 05-31: Friday to Sunday prescribe 1.3 sessions,
    // enough to judge the week.
    let ep = Ep::new(
        "2024-05-20",
        vec![version("2024-05-31", vec![item("ex-a", 3, 12)])],
    );
    assert!(has(&run(&ep, "2024-06-03"), FlagKind::AdherenceBelowPlan));
    // No plan at all: nothing about logs.
    let ep = Ep::new("2024-05-20", vec![]);
    assert!(run(&ep, "2024-05-30").is_empty());
}

#[test]
fn no_log_for_five_days_while_a_plan_is_active() {
    let ep = doing_well("2024-05-31");
    assert!(!has(&run(&ep, "2024-06-04"), FlagKind::NoRecentLog));
    let flags = run(&ep, "2024-06-05");
    let f = find(&flags, FlagKind::NoRecentLog).unwrap();
    assert_eq!(
        f.reason,
        "No session logged for 5 days (the last on 2024-05-31); the plan asks for 3 a week."
    );
    assert_eq!(f.since, d("2024-06-05"));
    // A skipped log is still a log.
    let mut ep = doing_well("2024-05-31");
    ep.logs.push(skipped("ex-a", "2024-06-03"));
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::NoRecentLog));
    // A clinic may allow a week.
    let t = Thresholds {
        no_log_days: 7,
        ..Thresholds::default()
    };
    assert!(!has(
        &run_with(&doing_well("2024-05-31"), "2024-06-05", &t),
        FlagKind::NoRecentLog
    ));
    // Once the plan has ended there is nothing to log.
    let mut ep = doing_well("2024-05-17");
    ep.plans[0].plan.items[0].dose.weeks = 2;
    let flags = run(&ep, "2024-06-05");
    assert!(!has(&flags, FlagKind::NoRecentLog));
    let f = find(&flags, FlagKind::PlanEnded).unwrap();
    assert_eq!(
        f.reason,
        "Every exercise of the plan has run its prescribed weeks (the last ended on 2024-05-19): progress, renew or discharge."
    );
}

#[test]
fn adherence_falling_over_six_weeks() {
    // 5 a week from Monday 04-22; weeks 17–22 done 5, 5, 5, 5, 4, 4.
    let mut ep = Ep::new(
        "2024-04-15",
        vec![version("2024-04-22", vec![item("ex-a", 5, 20)])],
    );
    let mut monday = d("2024-04-22");
    for n in [5, 5, 5, 5, 4, 4] {
        for k in 0..n {
            let day = monday.checked_add(jiff::Span::new().days(k)).unwrap();
            ep.logs.push(rated("ex-a", &day.to_string(), (2, 2), 3, 4));
        }
        monday = monday.checked_add(jiff::Span::new().days(7)).unwrap();
    }
    ep.logs.push(rated("ex-a", "2024-06-03", (2, 2), 3, 4));
    ep.follow_ups.push(follow_up("2024-05-29"));
    let flags = run(&ep, "2024-06-05");
    assert_eq!(kinds(&flags), [FlagKind::AdherenceFalling]);
    assert_eq!(
        flags[0].reason,
        "Adherence falling: the last two weeks 80% and 80%, against 100% over the 4 weeks before (a fall of 20 points or more)."
    );
    // By slope: 5, 5, 5, 4.5, 4, 3.5 (a 10-point fall a week).
    let t = Thresholds::default();
    let mut ep2 = ep.clone();
    ep2.logs
        .retain(|l| l.date < d("2024-05-13") || l.date >= d("2024-06-03"));
    for (monday, n) in [
        ("2024-05-13", 4.5f64),
        ("2024-05-20", 4.0),
        ("2024-05-27", 3.5),
    ] {
        let start = d(monday);
        for k in 0..n as i64 {
            let day = start.checked_add(jiff::Span::new().days(k)).unwrap();
            ep2.logs.push(rated("ex-a", &day.to_string(), (2, 2), 3, 4));
        }
        if n.fract() > 0.0 {
            let day = start.checked_add(jiff::Span::new().days(n as i64)).unwrap();
            let mut l = rated("ex-a", &day.to_string(), (2, 2), 3, 4);
            l.completion = Completion::Partly;
            ep2.logs.push(l);
        }
    }
    let sum = adherence::summary(&ep2.plans, &ep2.logs, d("2024-06-05"), None, &t);
    let slope = sum.trend.slope_points_per_week.unwrap();
    assert!((slope + 10.0).abs() < 1e-9, "{slope}");
    let flags = evaluate_with(&ep2.data(), &sum, d("2024-06-05"), &t, &chain);
    let f = find(&flags, FlagKind::AdherenceFalling).unwrap();
    assert_eq!(
        f.reason,
        "Adherence falling by 10 points a week over the last 4 weeks (at or beyond 10)."
    );
}

#[test]
fn no_perceived_benefit_after_four_weeks() {
    // Plan from 05-06; 4 weeks on 06-03.
    let mut ep = doing_well("2024-06-05");
    ep.scores.push(score("pgic", "2024-06-01", 4.0));
    assert!(
        !has(&run(&ep, "2024-06-02"), FlagKind::NoBenefit),
        "3 weeks"
    );
    let flags = run(&ep, "2024-06-03");
    let f = find(&flags, FlagKind::NoBenefit).unwrap();
    assert_eq!(
        f.reason,
        "No perceived benefit 4 weeks into the plan: PGIC 4 (no change) on 2024-06-01."
    );
    assert_eq!(f.cmoc, ["M2.14"]);
    // PGIC 3 (minimally improved) is a benefit, whatever the scores say.
    let mut better = ep.clone();
    better.scores = vec![
        score("pgic", "2024-06-01", 3.0),
        score("nprs", "2024-05-01", 6.0),
        score("nprs", "2024-06-01", 6.0),
    ];
    assert!(!has(&run(&better, "2024-06-05"), FlagKind::NoBenefit));
    // A PGIC from before the plan does not count; nothing else to go on.
    let mut early = ep.clone();
    early.scores = vec![score("pgic", "2024-05-01", 6.0)];
    assert!(!has(&run(&early, "2024-06-05"), FlagKind::NoBenefit));

    // Without a PGIC: pain and function against their important change.
    let with = |scores: Vec<rapport_domain::theory::episode::InstrumentScore>| {
        let mut e = ep.clone();
        e.scores = scores;
        run(&e, "2024-06-05")
    };
    let flags = with(vec![
        score("nprs", "2024-05-01", 6.0),
        score("nprs", "2024-06-01", 5.0),
    ]);
    assert_eq!(
        find(&flags, FlagKind::NoBenefit).unwrap().reason,
        "No important improvement 4 weeks into the plan: NPRS 6 → 5 (2024-05-01 → 2024-06-01; important: 2 points or 30%)."
    );
    assert!(!has(
        &with(vec![
            score("nprs", "2024-05-01", 6.0),
            score("nprs", "2024-06-01", 4.0)
        ]),
        FlagKind::NoBenefit
    ));
    // RMDQ 12 → 8: 4 points is under 5, but 33% is over 30%.
    assert!(!has(
        &with(vec![
            score("rmdq", "2024-05-01", 12.0),
            score("rmdq", "2024-06-01", 8.0)
        ]),
        FlagKind::NoBenefit
    ));
    // One improved measure is enough.
    assert!(!has(
        &with(vec![
            score("nprs", "2024-05-01", 6.0),
            score("nprs", "2024-06-01", 6.0),
            score("rmdq", "2024-05-01", 12.0),
            score("rmdq", "2024-06-01", 7.0),
        ]),
        FlagKind::NoBenefit
    ));
    let flags = with(vec![
        score("nprs", "2024-05-01", 6.0),
        score("nprs", "2024-06-01", 5.0),
        score("rmdq", "2024-05-01", 12.0),
        score("rmdq", "2024-06-01", 10.0),
    ]);
    assert!(
        find(&flags, FlagKind::NoBenefit)
            .unwrap()
            .reason
            .contains("; RMDQ 12 → 10")
    );
    // Only scores from before the plan: nothing to judge.
    assert!(!has(
        &with(vec![
            score("nprs", "2024-04-01", 6.0),
            score("nprs", "2024-05-01", 6.0)
        ]),
        FlagKind::NoBenefit
    ));
}

#[test]
fn low_alliance_at_a_bond_of_eleven() {
    let mut ep = doing_well("2024-06-05");
    ep.scores.push(waisr_bond("2024-06-01", 11.0));
    let flags = run(&ep, "2024-06-05");
    let f = find(&flags, FlagKind::LowAlliance).unwrap();
    assert_eq!(
        f.reason,
        "Low alliance: WAI-SR bond 11 of 20 on 2024-06-01, at or below 11."
    );
    assert_eq!(f.cmoc, ["T1.2", "M2.1", "M2.10"]);
    ep.scores = vec![waisr_bond("2024-06-01", 12.0)];
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::LowAlliance));
    // The latest score counts.
    ep.scores = vec![
        waisr_bond("2024-05-20", 8.0),
        waisr_bond("2024-06-01", 15.0),
    ];
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::LowAlliance));
    // A score in the future is not yet known.
    ep.scores = vec![waisr_bond("2024-06-10", 8.0)];
    assert!(!has(&run(&ep, "2024-06-05"), FlagKind::LowAlliance));
}

#[test]
fn follow_up_overdue_by_the_routine_schedule() {
    // All well and 6 good weeks: every 28 days from the contact on 05-20.
    let ep = doing_well("2024-06-19");
    assert!(run(&ep, "2024-06-17").is_empty());
    let flags = run(&ep, "2024-06-18");
    assert_eq!(kinds(&flags), [FlagKind::FollowUpOverdue]);
    assert_eq!(flags[0].severity, Severity::Attention);
    assert_eq!(
        flags[0].reason,
        "Follow-up overdue by 1 day: due 2024-06-17, 28 days after the last contact on 2024-05-20 (all is well and adherence has been good 6 weeks running)."
    );
    // An open concern shortens the interval to 14 days: due 06-03.
    let mut ep = doing_well("2024-06-12");
    ep.scores.push(waisr_bond("2024-06-01", 9.0));
    assert!(!has(&run(&ep, "2024-06-03"), FlagKind::FollowUpOverdue));
    let flags = run(&ep, "2024-06-09");
    let f = find(&flags, FlagKind::FollowUpOverdue).unwrap();
    assert_eq!(f.severity, Severity::Attention);
    assert!(f.reason.contains("(a concern is open)"));
    let flags = run(&ep, "2024-06-10");
    assert_eq!(
        find(&flags, FlagKind::FollowUpOverdue).unwrap().severity,
        Severity::Urgent,
        "7 days over"
    );
    // STarT Back high risk: every 7 days.
    let mut ep = doing_well("2024-06-05");
    ep.scores.push(startback("2024-05-01", "high"));
    let flags = run(&ep, "2024-05-28");
    let f = find(&flags, FlagKind::FollowUpOverdue).unwrap();
    assert!(f.reason.contains("due 2024-05-27"), "{}", f.reason);
    assert!(f.reason.contains("(high STarT Back risk)"));
    // Low self-efficacy: 7 days; PSEQ 31 is not low.
    let mut ep = doing_well("2024-06-05");
    ep.scores.push(score("pseq", "2024-05-01", 30.0));
    assert!(has(&run(&ep, "2024-05-28"), FlagKind::FollowUpOverdue));
    ep.scores = vec![score("pseq", "2024-05-01", 31.0)];
    assert!(!has(&run(&ep, "2024-05-28"), FlagKind::FollowUpOverdue));
    // No contact and no plan yet: 14 days from the episode's start.
    let ep = Ep::new("2024-05-01", vec![]);
    assert!(run(&ep, "2024-05-15").is_empty());
    let flags = run(&ep, "2024-05-16");
    assert_eq!(
        flags[0].reason,
        "Follow-up overdue by 1 day: due 2024-05-15, 14 days after the start of the episode on 2024-05-01 (no exercise plan running)."
    );
}

#[test]
fn discharge_ends_monitoring() {
    let mut ep = pains([(2, 4), (2, 4), (3, 6)]);
    ep.scores.push(waisr_bond("2024-06-01", 5.0));
    assert!(!run(&ep, "2024-06-05").is_empty());
    ep.discharged_on = Some(d("2024-06-05"));
    assert!(run(&ep, "2024-06-05").is_empty());
    assert!(run(&ep, "2024-07-30").is_empty(), "no overdue follow-up");
    assert!(
        assess(
            1,
            &ep.data(),
            d("2024-06-05"),
            &Thresholds::default(),
            &chain
        )
        .is_none()
    );
    // Discharge tomorrow: still monitored today.
    ep.discharged_on = Some(d("2024-06-06"));
    assert!(!run(&ep, "2024-06-05").is_empty());
}

#[test]
fn output_is_ordered_by_severity_kind_and_exercise() {
    let mut ep = pains([(2, 4), (2, 4), (3, 6)]);
    ep.plans[0].plan.items.insert(0, item("ex-b", 3, 12));
    for day in ["2024-06-03", "2024-06-04", "2024-06-05"] {
        ep.logs.push(rated("ex-b", day, (2, 4), 5, 1));
    }
    ep.scores.push(waisr_bond("2024-06-01", 5.0));
    ep.scores.push(score("pgic", "2024-06-01", 6.0));
    ep.follow_ups.push(follow_up("2024-06-01"));
    let flags = run(&ep, "2024-06-05");
    let keys: Vec<(Severity, FlagKind, Option<&str>)> = flags
        .iter()
        .map(|f| (f.severity, f.kind, f.exercise_id.as_deref()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(
        keys,
        [
            (Severity::Urgent, FlagKind::PainRising, Some("ex-a")),
            (Severity::Urgent, FlagKind::PainRising, Some("ex-b")),
            (Severity::Attention, FlagKind::TooHard, Some("ex-b")),
            (Severity::Attention, FlagKind::NoBenefit, None),
            (Severity::Attention, FlagKind::LowAlliance, None),
            (Severity::Info, FlagKind::NotEnjoyed, Some("ex-b")),
            (Severity::Info, FlagKind::SuggestRegression, Some("ex-a")),
            (Severity::Info, FlagKind::SuggestRegression, Some("ex-b")),
        ]
    );
    let b = flags
        .iter()
        .find(|f| f.kind == FlagKind::SuggestRegression && f.exercise_id.as_deref() == Some("ex-b"))
        .unwrap();
    assert!(
        b.reason
            .contains("(pain rising after it and rated too hard)")
    );
    // Reasons are one plain line each; the JSON names kinds and severities.
    for f in &flags {
        assert!(
            !f.reason.contains('\n') && f.reason.ends_with('.'),
            "{}",
            f.reason
        );
    }
    let v = serde_json::to_value(&flags[0]).unwrap();
    assert_eq!(v["kind"], "pain_rising");
    assert_eq!(v["severity"], "urgent");
    assert_eq!(v["cmoc"][0], "M2.17");
}

#[test]
fn every_cited_cmoc_is_in_the_knowledge_base() {
    let kb = KnowledgeBase::builtin().unwrap();
    for kind in FlagKind::ALL {
        assert!(!kind.cmoc().is_empty(), "{kind:?}");
        for id in kind.cmoc() {
            assert!(kb.get(id).is_ok(), "{kind:?} cites unknown {id}");
        }
        assert!(!kind.label().is_empty());
    }
    // And the pairing is what the knowledge base says the CMOC is about.
    let summary = |id: &str| kb.get(id).unwrap().summary.to_lowercase();
    assert!(summary("M2.17").contains("pain"));
    assert!(summary("M2.16").contains("too hard"));
    assert!(summary("M2.15").contains("enjoyed"));
    assert!(summary("M2.14").contains("improvement"));
    assert!(summary("M2.5").contains("follow-up"));
    assert!(summary("C3.5").contains("progression"));
}

#[test]
fn suggestions_follow_the_real_library_chains() {
    let lib = Library::builtin().unwrap();
    let lookup = |id: &str| ChainInfo::from_library(&lib, id);
    let id = "mc-brace-heel-slide";
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item(id, 3, 12)])],
    );
    for day in ["2024-05-31", "2024-06-03", "2024-06-05"] {
        ep.logs.push(rated(id, day, (2, 2), 1, 4));
    }
    let flags = evaluate(&ep.data(), d("2024-06-05"), &Thresholds::default(), &lookup);
    let f = find(&flags, FlagKind::SuggestProgression).unwrap();
    assert_eq!(f.suggested_exercise.as_deref(), Some("mc-brace-leg-lift"));
    assert!(f.reason.starts_with("Heel slides mastered"));
    assert!(f.reason.ends_with("move on to Bent-knee leg lifts."));
    for l in &mut ep.logs {
        l.pain_after = Some(5);
    }
    let flags = evaluate(&ep.data(), d("2024-06-05"), &Thresholds::default(), &lookup);
    let f = find(&flags, FlagKind::SuggestRegression).unwrap();
    assert_eq!(f.suggested_exercise.as_deref(), Some("mc-abdominal-brace"));
}

#[test]
fn thresholds_are_checked_and_configurable() {
    let t = Thresholds::default();
    t.validate().unwrap();
    // A clinic's partial configuration takes the defaults for the rest.
    let t: Thresholds = serde_json::from_str(r#"{"no_log_days": 7, "all_well_days": 14}"#).unwrap();
    assert_eq!(
        (t.no_log_days, t.all_well_days, t.follow_up_days),
        (7, 14, 14)
    );
    t.validate().unwrap();
    assert!(serde_json::from_str::<Thresholds>(r#"{"no_log_dayz": 7}"#).is_err());
    let bad = |t: Thresholds, field: &str, rule: &str| match t.validate() {
        Err(Error::Invalid(f)) => assert_eq!((f.field.as_str(), f.rule.as_str()), (field, rule)),
        other => panic!("{field}: {other:?}"),
    };
    let def = Thresholds::default;
    bad(
        Thresholds {
            adherence_low_percent: 120.0,
            ..def()
        },
        "adherence_low_percent",
        "range",
    );
    bad(
        Thresholds {
            too_hard_mean: f64::NAN,
            ..def()
        },
        "too_hard_mean",
        "range",
    );
    bad(
        Thresholds {
            pain_rise_of_last: 21,
            ..def()
        },
        "pain_rise_of_last",
        "range",
    );
    bad(
        Thresholds {
            no_log_days: 0,
            ..def()
        },
        "no_log_days",
        "range",
    );
    bad(
        Thresholds {
            pain_rise_sessions: 4,
            ..def()
        },
        "pain_rise_sessions",
        "order",
    );
    bad(
        Thresholds {
            adherence_good_percent: 40.0,
            ..def()
        },
        "adherence_good_percent",
        "order",
    );
    bad(
        Thresholds {
            all_well_days: 10,
            ..def()
        },
        "all_well_days",
        "order",
    );
    bad(
        Thresholds {
            high_risk_days: 20,
            ..def()
        },
        "follow_up_days",
        "order",
    );
}

#[test]
fn the_defaults_agree_with_the_theory_signals() {
    use rapport_domain::theory::signals::*;
    let t = Thresholds::default();
    assert_eq!(t.pain_rise_points, PAIN_RISE_POINTS);
    assert_eq!(t.pain_rise_sessions, PAIN_RISE_MIN_SESSIONS);
    assert_eq!(t.too_hard_mean, TOO_HARD_MEAN_AT_OR_ABOVE);
    assert_eq!(t.disliked_mean, DISLIKED_MEAN_AT_OR_BELOW);
    assert_eq!(t.recent_days, RECENT_WINDOW_DAYS);
    assert_eq!(t.alliance_bond_low, WAISR_BOND_LOW_AT_OR_BELOW);
    assert_eq!(t.pseq_low, PSEQ_LOW_AT_OR_BELOW);
    assert_eq!(t.follow_up_days, FOLLOW_UP_TARGET_DAYS);
    assert_eq!(t.high_risk_days, FOLLOW_UP_TARGET_DAYS_HIGH_RISK);
}
