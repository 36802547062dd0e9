//! Adherence per ISO week: prorated prescriptions, sessions counted by day,
//! partly done as half, capping, overall, trend, discharge, time zones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

mod monitoring_common;

use jiff::Timestamp;
use jiff::civil::Date;
use monitoring_common::*;
use rapport_domain::monitoring::adherence::{report, summary};
use rapport_domain::monitoring::{
    LogInput, PlanStatus, SessionLog, Thresholds, TrendDirection, patient_zone,
};

fn t() -> Thresholds {
    Thresholds::default()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Logs making `n` sessions (halves as a partly-done day) in the week from
/// `monday`.
fn week_of_sessions(id: &str, monday: &str, n: f64) -> Vec<SessionLog> {
    let mut day = d(monday);
    let mut out = vec![];
    let whole = n.floor() as usize;
    for _ in 0..whole {
        out.push(done(id, &day.to_string()));
        day = day.tomorrow().unwrap();
    }
    if n.fract() > 0.0 {
        out.push(partly(id, &day.to_string()));
    }
    out
}

fn weekly(id: &str, first_monday: &str, counts: &[f64]) -> Vec<SessionLog> {
    let mut monday = d(first_monday);
    let mut out = vec![];
    for n in counts {
        out.extend(week_of_sessions(id, &monday.to_string(), *n));
        monday = monday.checked_add(jiff::Span::new().days(7)).unwrap();
    }
    out
}

#[test]
fn no_plan_yet() {
    let ep = Ep::new("2024-05-01", vec![]);
    let r = report(&ep.plans, &ep.logs, d("2024-06-05"), None, &t());
    assert_eq!(r.status, PlanStatus::NoPlan);
    assert!(r.weeks.is_empty());
    assert_eq!(r.overall.proportion, None);
    assert_eq!(r.trend.direction, TrendDirection::Unknown);
    assert_eq!(r.plan_started_on, None);
    // A plan that starts tomorrow is not yet a plan.
    let ep = Ep::new(
        "2024-05-01",
        vec![version("2024-06-06", vec![item("ex-a", 3, 6)])],
    );
    let r = report(&ep.plans, &ep.logs, d("2024-06-05"), None, &t());
    assert_eq!(r.status, PlanStatus::NoPlan);
    assert!(r.weeks.is_empty());
}

#[test]
fn no_logs_yet() {
    let ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item("ex-a", 3, 12)])],
    );
    let today = d("2024-06-05"); // a Wednesday
    let r = report(&ep.plans, &ep.logs, today, None, &t());
    assert_eq!(r.status, PlanStatus::Active);
    assert_eq!(r.sessions_per_week, 3);
    let names: Vec<String> = r.weeks.iter().map(|w| w.week.to_string()).collect();
    assert_eq!(
        names,
        ["2024-W19", "2024-W20", "2024-W21", "2024-W22", "2024-W23"]
    );
    for w in &r.weeks[..4] {
        assert!(w.complete);
        assert_eq!(w.days_covered, 7);
        assert!(close(w.prescribed, 3.0));
        assert_eq!((w.logged, w.proportion), (0.0, Some(0.0)));
    }
    // This week so far: Monday to Wednesday.
    let this = r.weeks[4];
    assert!(!this.complete);
    assert_eq!(this.days_covered, 3);
    assert!(close(this.prescribed, 9.0 / 7.0));
    assert_eq!(r.overall.proportion, Some(0.0));
    assert_eq!(r.last_log_on, None);
    let s = summary(&ep.plans, &ep.logs, today, None, &t());
    assert_eq!(s.last_week.unwrap().week.to_string(), "2024-W22");
}

#[test]
fn a_plan_starting_mid_week_is_prorated() {
    // Starts Thursday 2024-05-09: Thursday to Sunday is 4/7 of week 19.
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-09", vec![item("ex-a", 3, 12)])],
    );
    ep.logs = vec![done("ex-a", "2024-05-09"), done("ex-a", "2024-05-11")];
    // A log before the plan started is not counted.
    ep.logs.push(done("ex-a", "2024-05-07"));
    let r = report(&ep.plans, &ep.logs, d("2024-05-20"), None, &t());
    let w = r.weeks[0];
    assert_eq!(w.days_covered, 4);
    assert!(close(w.prescribed, 12.0 / 7.0));
    assert_eq!(w.logged, 2.0);
    // Two sessions against 1.7 prescribed: capped at 1, raw counts kept.
    assert_eq!(w.proportion, Some(1.0));
    // A plan starting on a Sunday prescribes 3/7 of a session that week:
    // too little to judge.
    let ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-12", vec![item("ex-a", 3, 12)])],
    );
    let r = report(&ep.plans, &ep.logs, d("2024-05-20"), None, &t());
    assert!(close(r.weeks[0].prescribed, 3.0 / 7.0));
    assert_eq!(r.weeks[0].proportion, None);
    assert_eq!(r.weeks[1].proportion, Some(0.0));
}

#[test]
fn a_plan_changed_mid_week() {
    // 3 a week from Monday 05-06, 5 a week from Thursday 05-16 (week 20).
    let mut ep = Ep::new(
        "2024-05-01",
        vec![
            version("2024-05-06", vec![item("ex-a", 3, 12)]),
            version("2024-05-16", vec![item("ex-a", 2, 12), item("ex-b", 5, 12)]),
        ],
    );
    ep.logs = weekly("ex-a", "2024-05-13", &[3.0]);
    let r = report(&ep.plans, &ep.logs, d("2024-05-27"), None, &t());
    let w20 = r.weeks[1];
    assert_eq!(w20.week.to_string(), "2024-W20");
    assert!(close(w20.prescribed, (3.0 * 3.0 + 5.0 * 4.0) / 7.0));
    assert!(close(w20.proportion.unwrap(), 3.0 / (29.0 / 7.0)));
    assert!(close(r.weeks[2].prescribed, 5.0));
    assert_eq!(r.sessions_per_week, 5);
    // Two versions on the same day: the later one made is in force.
    let ep = Ep::new(
        "2024-05-01",
        vec![
            version("2024-05-06", vec![item("ex-a", 3, 12)]),
            version("2024-05-06", vec![item("ex-a", 4, 12)]),
        ],
    );
    let r = report(&ep.plans, &ep.logs, d("2024-05-13"), None, &t());
    assert!(close(r.weeks[0].prescribed, 4.0));
}

#[test]
fn sessions_are_days_and_partly_counts_half() {
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version(
            "2024-05-06",
            vec![item("ex-a", 4, 12), item("ex-b", 4, 12)],
        )],
    );
    ep.logs = vec![
        // Monday: two exercises done → one session.
        done("ex-a", "2024-05-06"),
        done("ex-b", "2024-05-06"),
        // Tuesday: one done, one partly → one session.
        done("ex-a", "2024-05-07"),
        partly("ex-b", "2024-05-07"),
        // Wednesday: partly only → half.
        partly("ex-a", "2024-05-08"),
        // Thursday: skipped → nothing.
        skipped("ex-a", "2024-05-09"),
    ];
    let r = report(&ep.plans, &ep.logs, d("2024-05-13"), None, &t());
    let w = r.weeks[0];
    assert_eq!((w.days_done, w.days_partly, w.logged), (2, 1, 2.5));
    assert_eq!(w.proportion, Some(2.5 / 4.0));
    assert_eq!(r.last_log_on, Some(d("2024-05-09")));
}

#[test]
fn more_than_daily_counts_as_daily() {
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item("ex-a", 14, 12)])],
    );
    ep.logs = weekly("ex-a", "2024-05-06", &[7.0]);
    let r = report(&ep.plans, &ep.logs, d("2024-05-13"), None, &t());
    assert!(close(r.weeks[0].prescribed, 7.0));
    assert_eq!(r.weeks[0].proportion, Some(1.0));
}

#[test]
fn overall_does_not_let_one_week_make_up_for_another() {
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item("ex-a", 3, 12)])],
    );
    ep.logs = weekly("ex-a", "2024-05-06", &[6.0, 0.0]);
    let r = report(&ep.plans, &ep.logs, d("2024-05-19"), None, &t());
    assert_eq!(r.overall.logged, 6.0);
    assert!(close(r.overall.prescribed, 6.0));
    assert!(close(r.overall.proportion.unwrap(), 0.5));
}

#[test]
fn discharge_ends_counting() {
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item("ex-a", 3, 12)])],
    );
    ep.logs = weekly("ex-a", "2024-05-06", &[3.0, 3.0, 3.0, 3.0]);
    // Discharged on Wednesday of week 21; the logs after it do not count.
    let discharged = Some(d("2024-05-22"));
    let r = report(&ep.plans, &ep.logs, d("2024-06-05"), discharged, &t());
    assert_eq!(r.status, PlanStatus::Discharged);
    assert_eq!(r.sessions_per_week, 0);
    assert_eq!(r.weeks.len(), 3);
    let last = r.weeks[2];
    assert_eq!(last.days_covered, 3);
    assert!(close(last.prescribed, 9.0 / 7.0));
    assert_eq!(last.logged, 3.0, "Monday to Wednesday");
    assert_eq!(r.last_log_on, Some(d("2024-05-22")));
    let s = summary(&ep.plans, &ep.logs, d("2024-06-05"), discharged, &t());
    assert_eq!(s.status, PlanStatus::Discharged);
    assert_eq!(s.last_week, None, "last week is after discharge");
}

#[test]
fn a_plan_ends_when_its_weeks_have_run() {
    let ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item("ex-a", 3, 2)])],
    );
    let r = report(&ep.plans, &ep.logs, d("2024-05-29"), None, &t());
    assert_eq!(r.status, PlanStatus::Ended);
    assert!(close(r.weeks[1].prescribed, 3.0));
    assert_eq!(r.weeks[2].prescribed, 0.0);
    assert_eq!(r.weeks[2].proportion, None);
    assert_eq!(r.sessions_per_week, 0);
}

fn trend_of(counts: &[f64]) -> rapport_domain::monitoring::Trend {
    // 5 a week from Monday 2024-04-22 (week 17); today is in week 23.
    let mut ep = Ep::new(
        "2024-04-15",
        vec![version("2024-04-22", vec![item("ex-a", 5, 20)])],
    );
    let first = 6 - counts.len(); // the counts end with last week (22)
    let monday = d("2024-04-22")
        .checked_add(jiff::Span::new().days(7 * first as i64))
        .unwrap();
    ep.logs = weekly("ex-a", &monday.to_string(), counts);
    if first > 0 {
        ep.logs
            .extend(weekly("ex-a", "2024-04-22", &vec![5.0; first]));
    }
    let r = report(&ep.plans, &ep.logs, d("2024-06-05"), None, &t());
    let s = summary(&ep.plans, &ep.logs, d("2024-06-05"), None, &t());
    assert_eq!(r.trend, s.trend, "the report and the summary agree");
    r.trend
}

#[test]
fn falling_when_the_last_two_weeks_drop_20_points() {
    let tr = trend_of(&[5.0, 5.0, 5.0, 5.0, 4.0, 4.0]);
    assert_eq!(tr.direction, TrendDirection::Falling);
    assert!(tr.dropped);
    assert_eq!(tr.last_two_points, Some([80.0, 80.0]));
    assert_eq!(tr.before_points, Some(100.0));
    assert!(close(tr.slope_points_per_week.unwrap(), -8.0));
    // Only one of the two weeks dropped 20: steady.
    let tr = trend_of(&[5.0, 5.0, 5.0, 5.0, 4.0, 5.0]);
    assert_eq!(tr.direction, TrendDirection::Steady);
    // 90 and 80: the first is only 10 below.
    let tr = trend_of(&[5.0, 5.0, 5.0, 5.0, 4.5, 4.0]);
    assert_eq!(tr.direction, TrendDirection::Steady);
    assert!(!tr.dropped);
}

#[test]
fn falling_rising_or_steady_by_slope() {
    let tr = trend_of(&[5.0, 4.5, 4.0, 3.5]);
    assert!(close(tr.slope_points_per_week.unwrap(), -10.0));
    assert_eq!(tr.direction, TrendDirection::Falling);
    assert!(!tr.dropped);
    let tr = trend_of(&[5.0, 4.5, 4.0, 4.0]);
    assert!(close(tr.slope_points_per_week.unwrap(), -7.0));
    assert_eq!(tr.direction, TrendDirection::Steady);
    let tr = trend_of(&[3.5, 4.0, 4.5, 5.0]);
    assert_eq!(tr.direction, TrendDirection::Rising);
}

#[test]
fn trend_needs_four_complete_weeks() {
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-13", vec![item("ex-a", 5, 20)])],
    );
    ep.logs = weekly("ex-a", "2024-05-13", &[5.0, 3.0, 1.0]);
    let r = report(&ep.plans, &ep.logs, d("2024-06-05"), None, &t());
    assert_eq!(r.trend.direction, TrendDirection::Unknown);
    assert_eq!(r.trend.slope_points_per_week, None);
}

#[test]
fn good_weeks_in_a_row() {
    let mut ep = Ep::new(
        "2024-04-15",
        vec![version("2024-04-22", vec![item("ex-a", 5, 20)])],
    );
    ep.logs = weekly("ex-a", "2024-04-22", &[2.0, 5.0, 4.0, 4.0, 4.5, 5.0]);
    let r = report(&ep.plans, &ep.logs, d("2024-06-05"), None, &t());
    assert_eq!(r.good_weeks_in_a_row, 5);
    ep.logs = weekly("ex-a", "2024-04-22", &[5.0, 5.0, 5.0, 5.0, 5.0, 3.5]);
    let r = report(&ep.plans, &ep.logs, d("2024-06-05"), None, &t());
    assert_eq!(r.good_weeks_in_a_row, 0, "last week was 70%");
}

#[test]
fn weeks_follow_the_patients_calendar() {
    // Weekly plan from Monday 2024-03-04; the patient in New York logs at
    // 23:30 on Sunday 2024-03-10 (Monday 03:30 UTC).
    let ny = patient_zone("America/New_York").unwrap();
    let now: Timestamp = "2024-03-20T12:00:00Z".parse().unwrap();
    let input = LogInput {
        exercise_id: "ex-a".into(),
        completion: "done".into(),
        pain_after: "2".into(),
        date: "2024-03-10".into(),
        time: "23:30".into(),
        ..Default::default()
    };
    let l = input.validate(&ny, now, &|_: &str, _: Date| true).unwrap();
    let ep = Ep::new(
        "2024-03-01",
        vec![version("2024-03-04", vec![item("ex-a", 1, 6)])],
    );
    let r = report(&ep.plans, &[l], d("2024-03-20"), None, &t());
    assert_eq!(r.weeks[0].week.to_string(), "2024-W10");
    assert_eq!(r.weeks[0].proportion, Some(1.0));
    assert_eq!(r.weeks[1].proportion, Some(0.0));
}

#[test]
fn the_report_serialises_for_the_api() {
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-09", vec![item("ex-a", 3, 12)])],
    );
    ep.logs = vec![done("ex-a", "2024-05-09")];
    let r = report(&ep.plans, &ep.logs, d("2024-05-14"), None, &t());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["status"], "active");
    assert_eq!(v["weeks"][0]["week"], "2024-W19");
    assert_eq!(v["weeks"][0]["prescribed"], 1.71);
    assert_eq!(v["weeks"][0]["proportion"], 0.583);
    assert_eq!(v["weeks"][1]["complete"], false);
    assert_eq!(v["trend"]["direction"], "unknown");
    assert_eq!(v["plan_started_on"], "2024-05-09");
}
