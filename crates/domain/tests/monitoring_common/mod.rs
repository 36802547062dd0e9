//! Hand-built plans, logs and scores for the monitoring tests.
//!
//! The calendar: 2024-05-06 and 2024-06-03 are Mondays.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test
#![allow(dead_code)] // each test binary uses some of these

use std::collections::BTreeMap;

use jiff::civil::Date;
use rapport_domain::exercise::Dose;
use rapport_domain::monitoring::rules::{ChainInfo, Variant};
use rapport_domain::monitoring::{EpisodeData, Flag, FlagKind, PlanVersion, SessionLog};
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_domain::theory::episode::{Completion, FollowUp, FollowUpKind, InstrumentScore};

pub fn d(s: &str) -> Date {
    s.parse().unwrap()
}

pub fn item(id: &str, per_week: u8, weeks: u8) -> PlanItem {
    PlanItem {
        exercise_id: id.into(),
        dose: Dose {
            sets: 2,
            reps: Some(10),
            hold_seconds: None,
            duration_minutes: None,
            rest_seconds: 30,
            per_week,
            weeks,
            load: None,
            intensity: None,
        },
        progression_rule: "up".into(),
        regression_rule: "down".into(),
        delivery: Delivery::Home,
        goal: None,
        why: String::new(),
    }
}

pub fn version(starts_on: &str, items: Vec<PlanItem>) -> PlanVersion {
    PlanVersion {
        starts_on: d(starts_on),
        plan: Plan {
            items,
            co_designed: true,
            whole_person: None,
        },
    }
}

/// A log of `id` on `date`.
pub fn log(id: &str, date: &str, completion: Completion) -> SessionLog {
    SessionLog {
        exercise_id: id.into(),
        date: d(date),
        at: None,
        completion,
        skip_reason: None,
        sets: None,
        reps: None,
        minutes: None,
        pain_before: None,
        pain_after: if completion == Completion::Skipped {
            None
        } else {
            Some(2)
        },
        difficulty: None,
        enjoyment: None,
        note: None,
    }
}

pub fn done(id: &str, date: &str) -> SessionLog {
    log(id, date, Completion::Completed)
}

pub fn partly(id: &str, date: &str) -> SessionLog {
    log(id, date, Completion::Partly)
}

pub fn skipped(id: &str, date: &str) -> SessionLog {
    let mut l = log(id, date, Completion::Skipped);
    l.skip_reason = Some(rapport_domain::monitoring::SkipReason::NoTime);
    l
}

/// A done session with pain before/after, difficulty and enjoyment.
pub fn rated(id: &str, date: &str, pain: (u8, u8), difficulty: u8, enjoyment: u8) -> SessionLog {
    let mut l = done(id, date);
    l.pain_before = Some(pain.0);
    l.pain_after = Some(pain.1);
    l.difficulty = Some(difficulty);
    l.enjoyment = Some(enjoyment);
    l
}

pub fn score(instrument: &str, date: &str, total: f64) -> InstrumentScore {
    InstrumentScore {
        instrument: instrument.into(),
        version: String::new(),
        date: d(date),
        total,
        subscales: BTreeMap::new(),
        band: None,
    }
}

pub fn startback(date: &str, band: &str) -> InstrumentScore {
    let mut s = score("startback", date, 5.0);
    s.band = Some(band.into());
    s
}

pub fn waisr_bond(date: &str, bond: f64) -> InstrumentScore {
    let mut s = score("waisr", date, 40.0);
    s.subscales.insert("bond".into(), bond);
    s
}

pub fn follow_up(date: &str) -> FollowUp {
    FollowUp {
        date: d(date),
        kind: FollowUpKind::Phone,
        feedback_given: Some(true),
        patient_feels_supported: Some(true),
    }
}

/// An owned episode to borrow an [`EpisodeData`] from.
#[derive(Debug, Clone)]
pub struct Ep {
    pub start: Date,
    pub plans: Vec<PlanVersion>,
    pub logs: Vec<SessionLog>,
    pub follow_ups: Vec<FollowUp>,
    pub scores: Vec<InstrumentScore>,
    pub discharged_on: Option<Date>,
}

impl Ep {
    pub fn new(start: &str, plans: Vec<PlanVersion>) -> Ep {
        Ep {
            start: d(start),
            plans,
            logs: vec![],
            follow_ups: vec![],
            scores: vec![],
            discharged_on: None,
        }
    }

    pub fn data(&self) -> EpisodeData<'_> {
        EpisodeData {
            start: self.start,
            plans: &self.plans,
            logs: &self.logs,
            follow_ups: &self.follow_ups,
            scores: &self.scores,
            discharged_on: self.discharged_on,
        }
    }
}

/// Dates from `from` to `to` (inclusive) falling on the given weekdays
/// (1 Monday … 7 Sunday).
pub fn days_on(from: &str, to: &str, weekdays: &[i8]) -> Vec<String> {
    let (mut day, end) = (d(from), d(to));
    let mut out = vec![];
    while day <= end {
        if weekdays.contains(&day.weekday().to_monday_one_offset()) {
            out.push(day.to_string());
        }
        day = day.tomorrow().unwrap();
    }
    out
}

/// A patient doing well: a 3-a-week plan from Monday 2024-05-06 for 12
/// weeks, sessions Monday, Wednesday and Friday up to `to`, pain steady,
/// about right, enjoyed; a follow-up on 2024-05-20.
pub fn doing_well(to: &str) -> Ep {
    let mut ep = Ep::new(
        "2024-05-01",
        vec![version("2024-05-06", vec![item("ex-a", 3, 12)])],
    );
    for day in days_on("2024-05-06", to, &[1, 3, 5]) {
        ep.logs.push(rated("ex-a", &day, (2, 2), 3, 4));
    }
    ep.follow_ups.push(follow_up("2024-05-20"));
    ep
}

pub fn kinds(flags: &[Flag]) -> Vec<FlagKind> {
    flags.iter().map(|f| f.kind).collect()
}

pub fn find(flags: &[Flag], kind: FlagKind) -> Option<&Flag> {
    flags.iter().find(|f| f.kind == kind)
}

/// A chain: ex-easy < ex-a < ex-hard.
pub fn chain(id: &str) -> Option<ChainInfo<'static>> {
    let v = |id: &'static str, name: &'static str| Some(Variant { id, name });
    match id {
        "ex-a" => Some(ChainInfo {
            name: "Bird dog",
            easier: v("ex-easy", "Four-point kneel"),
            harder: v("ex-hard", "Bird dog with a band"),
        }),
        "ex-b" => Some(ChainInfo {
            name: "Bridge",
            easier: None,
            harder: None,
        }),
        _ => None,
    }
}
