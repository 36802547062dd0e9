//! The next contact by rule: sooner for high risk, a new flag or low
//! self-efficacy; later when all is well; never in the past.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

mod monitoring_common;

use jiff::civil::Date;
use monitoring_common::*;
use rapport_domain::education::Stratum;
use rapport_domain::monitoring::follow_up::Basis;
use rapport_domain::monitoring::triage::assess;
use rapport_domain::monitoring::{
    ContactInput, Flag, FlagKind, NextContact, Severity, Thresholds, next_contact,
};

fn flag(kind: FlagKind, severity: Severity, since: &str) -> Flag {
    Flag {
        kind,
        severity,
        reason: "test".into(),
        cmoc: kind.cmoc(),
        exercise_id: None,
        suggested_exercise: None,
        since: d(since),
    }
}

fn input<'a>(last: Option<&str>, flags: &'a [Flag]) -> ContactInput<'a> {
    ContactInput {
        last_contact: last.map(d),
        episode_start: d("2024-05-01"),
        stratum: Some(Stratum::Low),
        pseq_total: Some(45.0),
        flags,
        plan_active: true,
        good_adherence_weeks: 0,
    }
}

fn next(i: &ContactInput, today: &str) -> NextContact {
    next_contact(i, d(today), &Thresholds::default())
}

fn on(n: &NextContact) -> Date {
    n.date
}

#[test]
fn all_well_is_three_weeks_then_four_with_good_adherence() {
    let i = input(Some("2024-06-03"), &[]);
    let n = next(&i, "2024-06-05");
    assert_eq!(on(&n), d("2024-06-24"));
    assert_eq!(n.reason.basis, Basis::AllWell);
    assert_eq!(n.overdue_days, 0);
    assert_eq!(
        n.reason.to_string(),
        "Last contact 2024-06-03. Every 21 days (all is well): 2024-06-24."
    );
    let i = ContactInput {
        good_adherence_weeks: 3,
        ..i
    };
    assert_eq!(on(&next(&i, "2024-06-05")), d("2024-06-24"));
    let i = ContactInput {
        good_adherence_weeks: 4,
        ..i
    };
    let n = next(&i, "2024-06-05");
    assert_eq!(on(&n), d("2024-07-01"));
    assert_eq!(
        n.reason.to_string(),
        "Last contact 2024-06-03. Every 28 days (all is well and adherence has been good 4 weeks running): 2024-07-01."
    );
}

#[test]
fn high_risk_or_low_self_efficacy_is_weekly() {
    let i = ContactInput {
        stratum: Some(Stratum::High),
        ..input(Some("2024-06-03"), &[])
    };
    let n = next(&i, "2024-06-05");
    assert_eq!((on(&n), n.reason.basis), (d("2024-06-10"), Basis::HighRisk));
    // Good adherence does not lengthen it.
    let i = ContactInput {
        good_adherence_weeks: 6,
        ..i
    };
    assert_eq!(on(&next(&i, "2024-06-05")), d("2024-06-10"));
    // Medium risk is not high.
    let i = ContactInput {
        stratum: Some(Stratum::Medium),
        ..i
    };
    assert_eq!(on(&next(&i, "2024-06-05")), d("2024-07-01"));
    // PSEQ 30 is low, 31 is not.
    let i = ContactInput {
        pseq_total: Some(30.0),
        ..input(Some("2024-06-03"), &[])
    };
    let n = next(&i, "2024-06-05");
    assert_eq!(
        (on(&n), n.reason.basis),
        (d("2024-06-10"), Basis::LowSelfEfficacy)
    );
    assert!(
        n.reason
            .to_string()
            .contains("(low self-efficacy, PSEQ 30)")
    );
    let i = ContactInput {
        pseq_total: Some(31.0),
        ..i
    };
    assert_eq!(on(&next(&i, "2024-06-05")), d("2024-06-24"));
    let i = ContactInput {
        pseq_total: Some(20.0),
        stratum: Some(Stratum::High),
        ..i
    };
    assert_eq!(
        next(&i, "2024-06-05").reason.basis,
        Basis::HighRiskAndLowSelfEfficacy
    );
}

#[test]
fn a_new_flag_brings_the_contact_within_two_days() {
    let flags = [flag(
        FlagKind::PainRising,
        Severity::Attention,
        "2024-06-05",
    )];
    let n = next(&input(Some("2024-06-03"), &flags), "2024-06-05");
    assert_eq!(on(&n), d("2024-06-07"));
    assert_eq!(n.reason.basis, Basis::Concern);
    assert_eq!(
        n.reason.to_string(),
        "Last contact 2024-06-03. Every 14 days (a concern is open): 2024-06-17. New flag \"Pain rising after exercise\" on 2024-06-05: within 2 days, 2024-06-07."
    );
    // The earliest new flag counts.
    let flags = [
        flag(FlagKind::PainRising, Severity::Urgent, "2024-06-05"),
        flag(FlagKind::LowAlliance, Severity::Attention, "2024-06-04"),
    ];
    assert_eq!(
        on(&next(&input(Some("2024-06-03"), &flags), "2024-06-05")),
        d("2024-06-06")
    );
    // A flag already there at the last contact is not new: the routine 14.
    let flags = [flag(
        FlagKind::PainRising,
        Severity::Attention,
        "2024-06-03",
    )];
    let n = next(&input(Some("2024-06-03"), &flags), "2024-06-05");
    assert_eq!(on(&n), d("2024-06-17"));
    assert_eq!(n.reason.new_flag, None);
    // Info flags (suggestions, not enjoyed) are not concerns.
    let flags = [
        flag(FlagKind::NotEnjoyed, Severity::Info, "2024-06-05"),
        flag(FlagKind::SuggestProgression, Severity::Info, "2024-06-05"),
    ];
    assert_eq!(
        on(&next(&input(Some("2024-06-03"), &flags), "2024-06-05")),
        d("2024-06-24")
    );
    // Nor is the overdue follow-up itself.
    let flags = [flag(
        FlagKind::FollowUpOverdue,
        Severity::Urgent,
        "2024-06-05",
    )];
    let n = next(&input(Some("2024-05-01"), &flags), "2024-06-05");
    assert_eq!(n.reason.basis, Basis::AllWell);
    assert_eq!(n.reason.new_flag, None);
    // A routine date sooner than the flag's stays.
    let flags = [flag(FlagKind::TooHard, Severity::Attention, "2024-06-09")];
    let i = ContactInput {
        stratum: Some(Stratum::High),
        ..input(Some("2024-06-03"), &flags)
    };
    let n = next(&i, "2024-06-09");
    assert_eq!(on(&n), d("2024-06-10"));
    assert_eq!(n.reason.new_flag, None);
}

#[test]
fn never_in_the_past() {
    let n = next(&input(Some("2024-05-01"), &[]), "2024-06-05");
    assert_eq!(on(&n), d("2024-06-05"));
    assert_eq!(n.overdue_days, 14);
    assert_eq!(n.reason.overdue_from, Some(d("2024-05-22")));
    assert_eq!(
        n.reason.to_string(),
        "Last contact 2024-05-01. Every 21 days (all is well): 2024-05-22. 2024-05-22 has passed: today."
    );
    // A flag raised a week ago and no contact since: today, 5 days over.
    let flags = [flag(
        FlagKind::NoRecentLog,
        Severity::Attention,
        "2024-05-29",
    )];
    let n = next(&input(Some("2024-05-27"), &flags), "2024-06-05");
    assert_eq!((on(&n), n.overdue_days), (d("2024-06-05"), 5));
    // Due today is not overdue.
    let n = next(&input(Some("2024-05-15"), &[]), "2024-06-05");
    assert_eq!((on(&n), n.overdue_days), (d("2024-06-05"), 0));
}

#[test]
fn before_any_contact_or_plan() {
    let i = ContactInput {
        plan_active: false,
        ..input(None, &[])
    };
    let n = next(&i, "2024-05-02");
    assert_eq!(on(&n), d("2024-05-15"));
    assert_eq!(n.reason.basis, Basis::NoActivePlan);
    assert_eq!(
        n.reason.to_string(),
        "No contact yet; episode started 2024-05-01. Every 14 days (no exercise plan running): 2024-05-15."
    );
    // Without a contact every flag is new.
    let flags = [flag(
        FlagKind::LowAlliance,
        Severity::Attention,
        "2024-05-02",
    )];
    let i = ContactInput { flags: &flags, ..i };
    assert_eq!(on(&next(&i, "2024-05-02")), d("2024-05-04"));
}

#[test]
fn the_schedule_and_the_overdue_flag_agree() {
    // For whole episodes, the overdue flag fires exactly when the routine
    // date computed by next_contact has passed.
    let t = Thresholds::default();
    let mut eps = vec![doing_well("2024-06-30")];
    let mut risky = doing_well("2024-06-30");
    risky.scores.push(startback("2024-05-01", "high"));
    eps.push(risky);
    let mut concern = doing_well("2024-06-30");
    concern.scores.push(waisr_bond("2024-05-10", 8.0));
    eps.push(concern);
    eps.push(doing_well("2024-05-24"));
    for ep in &eps {
        let mut day = d("2024-05-06");
        while day <= d("2024-06-30") {
            let (_, flags, n) = assess(0, &ep.data(), day, &t, &chain).unwrap();
            let overdue_flag = flags.iter().any(|f| f.kind == FlagKind::FollowUpOverdue);
            let routine_passed = n.reason.routine_date < day;
            assert_eq!(overdue_flag, routine_passed, "{day}: {}", n.reason);
            assert!(n.date >= day);
            day = day.tomorrow().unwrap();
        }
    }
}

#[test]
fn next_contact_serialises_with_its_reason() {
    let n = next(&input(Some("2024-06-03"), &[]), "2024-06-05");
    let v = serde_json::to_value(n).unwrap();
    assert_eq!(v["date"], "2024-06-24");
    assert_eq!(v["overdue_days"], 0);
    assert_eq!(
        v["reason"],
        "Last contact 2024-06-03. Every 21 days (all is well): 2024-06-24."
    );
}
