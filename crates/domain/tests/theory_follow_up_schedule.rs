//! `follow_up_within_target` judged against the monitoring schedule: the
//! theory engine and the caseload agree on whether follow-up is late. The
//! schedule here comes from the monitoring rule itself (`triage::assess`,
//! as the caseload computes it), not from hand-picked dates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

mod monitoring_common;

use jiff::civil::Date;
use monitoring_common::*;
use rapport_domain::monitoring::{FlagKind, NextContact, Thresholds, triage};
use rapport_domain::theory::episode::{Prescription, ScheduledContact};
use rapport_domain::theory::{Episode, Signal, SignalValue, Truth};

/// The caseload's view on `today`: its flags and the next contact.
fn caseload(ep: &Ep, today: Date) -> (Vec<FlagKind>, NextContact) {
    let (_, flags, next) =
        triage::assess((), &ep.data(), today, &Thresholds::default(), &|_| None).unwrap();
    (kinds(&flags), next)
}

/// The theory engine's view of the same episode, with or without the
/// schedule the caseload computed on `today`.
fn theory(ep: &Ep, schedule: Option<ScheduledContact>) -> Episode {
    Episode {
        scores: ep.scores.clone(),
        prescriptions: ep
            .plans
            .iter()
            .map(|v| Prescription {
                date: v.starts_on,
                items: vec![],
                co_designed: Some(true),
                holistic_plan: None,
            })
            .collect(),
        logs: ep.logs.iter().map(|l| l.to_exercise_log()).collect(),
        follow_ups: ep.follow_ups.clone(),
        discharged_on: ep.discharged_on,
        scheduled_contact: schedule,
        ..Default::default()
    }
}

/// Doing well on a 3-a-week plan from Monday 2024-05-20, whose consultation
/// is the last contact: sessions Monday, Wednesday and Friday up to `to`,
/// pain steady, about right, enjoyed. Fewer than 4 good weeks by mid-June,
/// so the schedule's interval is 21 days: due 2024-06-10.
fn doing_well_since_may_20(to: &str) -> Ep {
    let mut ep = Ep::new(
        "2024-05-15",
        vec![version("2024-05-20", vec![item("ex-a", 3, 12)])],
    );
    for day in days_on("2024-05-20", to, &[1, 3, 5]) {
        ep.logs.push(rated("ex-a", &day, (2, 2), 3, 4));
    }
    ep
}

/// The signal on `today`, with the schedule the caseload shows that day.
fn on_schedule(ep: &Ep, today: &str) -> SignalValue {
    let (_, next) = caseload(ep, d(today));
    Signal::FollowUpWithinTarget.compute(&theory(ep, Some(next.scheduled())), d(today))
}

#[test]
fn a_patient_doing_well_is_not_late_before_the_three_week_contact() {
    // Last contact 2024-05-20; all is well, so the next is due in 21 days.
    let ep = doing_well_since_may_20("2024-06-30");
    let (flags, next) = caseload(&ep, d("2024-06-09"));
    assert_eq!(next.date, d("2024-06-10"));
    assert!(!flags.contains(&FlagKind::FollowUpOverdue));
    // Day 20: on time, and the evidence names the scheduled day.
    let v = on_schedule(&ep, "2024-06-09");
    assert_eq!(v.value, Truth::True);
    assert_eq!(
        v.evidence.to_string(),
        "next contact scheduled for 2024-06-10 (21 days after 2024-05-20); not yet due"
    );
    // From day 15 to the due day itself, never reported late.
    for day in days_on("2024-06-04", "2024-06-10", &[1, 2, 3, 4, 5, 6, 7]) {
        assert_eq!(on_schedule(&ep, &day).value, Truth::True, "{day}");
    }
    // Without the schedule (an episode built without monitoring data) the
    // documented fallback still applies: a gap over 14 days is late.
    let v = Signal::FollowUpWithinTarget.compute(&theory(&ep, None), d("2024-06-09"));
    assert_eq!(v.value, Truth::False);
    assert_eq!(
        v.evidence.to_string(),
        "no contact for 20 days since 2024-05-20 (target 14)"
    );
}

#[test]
fn past_the_scheduled_day_follow_up_is_late_by_the_days_overdue() {
    let ep = doing_well_since_may_20("2024-06-30");
    let v = on_schedule(&ep, "2024-06-13");
    assert_eq!(v.value, Truth::False);
    assert_eq!(
        v.evidence.to_string(),
        "next contact was scheduled for 2024-06-10 (21 days after 2024-05-20); 3 days overdue"
    );
    let v = on_schedule(&ep, "2024-06-11");
    assert!(v.evidence.to_string().ends_with("; 1 day overdue"), "{v:?}");
    // The dashboard's follow_up_overdue flag and the signal agree every day.
    for day in days_on("2024-05-21", "2024-06-30", &[1, 2, 3, 4, 5, 6, 7]) {
        let (flags, _) = caseload(&ep, d(&day));
        let overdue = flags.contains(&FlagKind::FollowUpOverdue);
        let signal = on_schedule(&ep, &day).value;
        assert_eq!(signal == Truth::False, overdue, "{day}: {signal} {flags:?}");
    }
    // A contact on the scheduled day resets the schedule: on time again.
    let mut seen = ep.clone();
    seen.follow_ups.push(follow_up("2024-06-10"));
    let v = on_schedule(&seen, "2024-06-13");
    assert_eq!(v.value, Truth::True);
    assert!(v.evidence.to_string().contains("after 2024-06-10"), "{v:?}");
}

#[test]
fn at_high_risk_the_schedule_is_weekly_and_so_is_the_signal() {
    let mut ep = doing_well_since_may_20("2024-06-30");
    ep.scores.push(startback("2024-05-15", "high"));
    let (_, next) = caseload(&ep, d("2024-05-27"));
    assert_eq!(next.scheduled().due, d("2024-05-27"));
    assert_eq!(on_schedule(&ep, "2024-05-27").value, Truth::True);
    let v = on_schedule(&ep, "2024-05-28");
    assert_eq!(v.value, Truth::False);
    assert_eq!(
        v.evidence.to_string(),
        "next contact was scheduled for 2024-05-27 (7 days after 2024-05-20); 1 day overdue"
    );
    // The fallback's high-risk target is the same week.
    let v = Signal::FollowUpWithinTarget.compute(&theory(&ep, None), d("2024-05-28"));
    assert_eq!(v.value, Truth::False);
    assert_eq!(
        v.evidence.to_string(),
        "no contact for 8 days since 2024-05-20 (target 7)"
    );
}

#[test]
fn a_new_flag_brings_the_contact_forward_but_late_means_the_routine_date() {
    // A follow-up on 2024-06-03, then pain rose after two sessions: the
    // caseload asks for a contact within 2 days of the flag (2024-06-09);
    // the routine date, with a concern open, is 14 days on (2024-06-17).
    let mut ep = doing_well("2024-06-03");
    ep.follow_ups.push(follow_up("2024-06-03"));
    ep.logs.push(rated("ex-a", "2024-06-05", (2, 5), 3, 4));
    ep.logs.push(rated("ex-a", "2024-06-07", (2, 6), 3, 4));
    let (flags, next) = caseload(&ep, d("2024-06-10"));
    assert!(flags.contains(&FlagKind::PainRising), "{flags:?}");
    assert_eq!(next.rule_date(), d("2024-06-09"));
    assert_eq!(next.overdue_days, 1);
    assert_eq!(next.scheduled().due, d("2024-06-17"));
    // The flag is the prompt; neither the dashboard nor the engine calls
    // follow-up late until the routine date passes.
    assert!(!flags.contains(&FlagKind::FollowUpOverdue));
    assert_eq!(on_schedule(&ep, "2024-06-10").value, Truth::True);
    let (flags, _) = caseload(&ep, d("2024-06-18"));
    assert!(flags.contains(&FlagKind::FollowUpOverdue));
    assert_eq!(on_schedule(&ep, "2024-06-18").value, Truth::False);
}

#[test]
fn the_schedule_travels_with_the_episode() {
    let ep = doing_well_since_may_20("2024-06-30");
    let (_, next) = caseload(&ep, d("2024-06-09"));
    let e = theory(&ep, Some(next.scheduled()));
    let text = serde_json::to_string(&e).unwrap();
    assert!(text.contains(r#""scheduled_contact":{"anchor":"2024-05-20","due":"2024-06-10"}"#));
    let back: Episode = serde_json::from_str(&text).unwrap();
    assert_eq!(back, e);
    // Without one, nothing is written (exports stay as they were).
    let text = serde_json::to_string(&theory(&ep, None)).unwrap();
    assert!(!text.contains("scheduled_contact"));
}
