//! Triage: need scores order urgent flags first, then the weight of the
//! other flags, then overdue days; ranking is deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

mod monitoring_common;

use monitoring_common::*;
use rapport_domain::monitoring::follow_up::{AnchorKind, Basis, ContactReason};
use rapport_domain::monitoring::triage::assess;
use rapport_domain::monitoring::{
    Flag, FlagKind, NextContact, Severity, Thresholds, need_score, rank,
};

fn flag(severity: Severity) -> Flag {
    Flag {
        kind: FlagKind::PainRising,
        severity,
        reason: "test".into(),
        cmoc: FlagKind::PainRising.cmoc(),
        exercise_id: None,
        suggested_exercise: None,
        since: d("2024-06-01"),
    }
}

fn contact(overdue_days: u32) -> NextContact {
    NextContact {
        date: d("2024-06-05"),
        overdue_days,
        reason: ContactReason {
            anchor: d("2024-05-01"),
            anchor_kind: AnchorKind::LastContact,
            basis: Basis::Concern,
            interval_days: 14,
            pseq: None,
            good_weeks: 0,
            routine_date: d("2024-05-15"),
            new_flag: None,
            overdue_from: None,
        },
    }
}

fn flags(urgent: usize, attention: usize, info: usize) -> Vec<Flag> {
    let mut v = vec![flag(Severity::Urgent); urgent];
    v.extend(vec![flag(Severity::Attention); attention]);
    v.extend(vec![flag(Severity::Info); info]);
    v
}

#[test]
fn urgent_first_then_weight_then_overdue_days() {
    let score = |u, a, i, o| need_score(&flags(u, a, i), &contact(o));
    assert_eq!(score(0, 0, 0, 0), 0);
    assert!(score(1, 0, 0, 0) > score(0, 50, 50, 900));
    assert!(score(2, 0, 0, 0) > score(1, 9, 9, 99));
    assert!(score(0, 1, 0, 0) > score(0, 0, 9, 900));
    assert!(score(0, 2, 0, 0) > score(0, 1, 5, 300));
    assert!(score(0, 1, 1, 0) > score(0, 1, 0, 30));
    assert!(score(0, 1, 0, 3) > score(0, 1, 0, 2));
    // Parts saturate rather than spill into the next.
    assert!(score(1, 0, 0, 0) > score(0, 500, 0, 5000));
    assert_eq!(score(0, 0, 0, 5000), 999);
}

fn keys(r: Vec<rapport_domain::monitoring::Ranked<&'static str>>) -> Vec<&'static str> {
    r.into_iter().map(|r| r.key).collect()
}

#[test]
fn ranking_is_by_need_then_key() {
    let rows = vec![
        ("p3", flags(0, 1, 0), contact(0)),
        ("p1", flags(0, 1, 0), contact(0)),
        ("p2", flags(1, 0, 0), contact(0)),
        ("p4", flags(0, 0, 0), contact(4)),
        ("p5", flags(0, 0, 0), contact(0)),
    ];
    let mut reversed = rows.clone();
    reversed.reverse();
    assert_eq!(keys(rank(rows.clone())), ["p2", "p1", "p3", "p4", "p5"]);
    assert_eq!(keys(rank(reversed)), ["p2", "p1", "p3", "p4", "p5"]);
    let ranked = rank(rows);
    assert_eq!(ranked[0].need, 1_000_000);
    assert_eq!(ranked[0].flags.len(), 1);
    let v = serde_json::to_value(&ranked[0]).unwrap();
    assert_eq!(v["key"], "p2");
    assert_eq!(v["flags"][0]["severity"], "urgent");
    assert!(rank::<u32>(vec![]).is_empty());
}

#[test]
fn a_caseload_ranked_from_episodes() {
    let t = Thresholds::default();
    let today = d("2024-06-05");
    // Doing well; pain rising on every session; no logs for a week.
    let well = doing_well("2024-06-05");
    let mut pain = doing_well("2024-05-29");
    for day in ["2024-05-31", "2024-06-03", "2024-06-05"] {
        pain.logs.push(rated("ex-a", day, (2, 5), 3, 4));
    }
    let quiet = doing_well("2024-05-29");
    let gone = Ep {
        discharged_on: Some(d("2024-06-01")),
        ..doing_well("2024-06-05")
    };
    let eps = [(1u32, &well), (2, &pain), (3, &quiet), (4, &gone)];
    let rows: Vec<_> = eps
        .iter()
        .filter_map(|(k, ep)| assess(*k, &ep.data(), today, &t, &chain))
        .collect();
    assert_eq!(
        rows.len(),
        3,
        "the discharged episode is not in the caseload"
    );
    let ranked = rank(rows);
    let order: Vec<u32> = ranked.iter().map(|r| r.key).collect();
    assert_eq!(order, [2, 3, 1]);
    assert_eq!(ranked[0].flags[0].kind, FlagKind::PainRising);
    assert_eq!(ranked[0].flags[0].severity, Severity::Urgent);
    // With a concern open the routine interval is 14 days from the contact
    // on 05-20: 06-03 has passed, so today.
    assert_eq!(ranked[0].next_contact.date, today);
    assert_eq!(ranked[0].next_contact.overdue_days, 2);
    assert_eq!(ranked[0].need, 1_000_000 + 11_000 + 2);
    assert_eq!(ranked[2].need, 0);
    assert_eq!(ranked[2].next_contact.date, d("2024-06-17"));
}
