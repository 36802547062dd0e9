//! Support and monitoring (journey steps 4–5): the patient's session logs,
//! adherence against the plan, the monitoring rules that raise flags for the
//! clinician, the rule that dates the next contact, and the caseload triage.
//!
//! - [`log`]: a session as typed on a phone or sent to the API → a validated
//!   [`SessionLog`], dated on the patient's own calendar (IANA time zone).
//! - [`adherence`]: prescribed against logged sessions per ISO week, overall
//!   and the trend ([`AdherenceReport`], what `GET …/adherence` returns).
//! - [`thresholds`]: every number the rules use, with its reason; a clinic
//!   may change them ([`Thresholds`]).
//! - [`rules`]: [`evaluate`] → [`Flag`]s, each with a plain-language reason
//!   holding the numbers that triggered it and the CMOCs behind it; and the
//!   suggestions to progress or regress an exercise.
//! - [`follow_up`]: [`next_contact`], the date of the next contact by rule.
//! - [`triage`]: [`need_score`] and [`rank`], the caseload ranked by need.
//!
//! Everything here is pure: no I/O and no clock (`today` and `now` are
//! arguments), so the web pages, the API, the nightly `rapport triage` and
//! the tests all get the same answers.
//!
//! Dates: a log carries the calendar date on which the patient did the
//! session, in the patient's time zone (computed once, when it is logged);
//! `today` passed to the rules should likewise be the patient's local date
//! ([`local_today`]). Weeks are ISO weeks, Monday to Sunday.

pub mod adherence;
pub mod follow_up;
pub mod log;
pub mod rules;
pub mod thresholds;
pub mod triage;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::education::Stratum;
use crate::prescription::Plan;
use crate::theory::episode::{FollowUp, InstrumentScore};

pub use adherence::{AdherenceReport, AdherenceSummary, PlanStatus, Trend, TrendDirection};
pub use follow_up::{ContactInput, NextContact, next_contact};
pub use log::{LogInput, SessionLog, SkipReason, local_today, patient_zone};
pub use rules::{ChainInfo, Flag, FlagKind, Severity, Variant, evaluate};
pub use thresholds::Thresholds;
pub use triage::{NeedLevel, Ranked, need_level, need_score, rank};

/// One version of a patient's plan and the day it came into force. A plan
/// history is a list of these in the order they were made; the version in
/// force on a day is the latest one starting on or before it (of several
/// starting the same day, the last in the list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersion {
    pub starts_on: Date,
    pub plan: Plan,
}

/// The plan in force on `date`: the latest version starting on or before it
/// (of several starting the same day, the last in the list).
pub fn plan_on(plans: &[PlanVersion], date: Date) -> Option<&Plan> {
    let mut best: Option<&PlanVersion> = None;
    for p in plans {
        if p.starts_on <= date && best.is_none_or(|b| p.starts_on >= b.starts_on) {
            best = Some(p);
        }
    }
    best.map(|p| &p.plan)
}

/// Everything the monitoring rules read about one episode, borrowed from
/// wherever it is kept. No list needs to be sorted.
#[derive(Debug, Clone, Copy)]
pub struct EpisodeData<'a> {
    /// The day the episode was opened.
    pub start: Date,
    /// The plan's versions, in the order they were made.
    pub plans: &'a [PlanVersion],
    pub logs: &'a [SessionLog],
    /// Every contact with the clinician (phone, video, in person, supervised).
    pub follow_ups: &'a [FollowUp],
    /// Questionnaire scores (STarT Back, PSEQ, WAI-SR, PGIC, NPRS, RMDQ, ODI…).
    pub scores: &'a [InstrumentScore],
    pub discharged_on: Option<Date>,
}

impl EpisodeData<'_> {
    /// Whether the episode has ended by `today`: then nothing is counted or
    /// flagged any more.
    pub fn is_discharged(&self, today: Date) -> bool {
        self.discharged_on.is_some_and(|d| d <= today)
    }

    /// The latest contact with the clinician on or before `today`: the
    /// latest follow-up, or else the consultation at which the first plan
    /// was prescribed (its start date). `None` before either.
    pub fn last_contact(&self, today: Date) -> Option<Date> {
        let follow_up = self
            .follow_ups
            .iter()
            .map(|f| f.date)
            .filter(|d| *d <= today)
            .max();
        let prescribed = self
            .plans
            .iter()
            .map(|p| p.starts_on)
            .filter(|d| *d <= today)
            .min();
        follow_up.max(prescribed)
    }

    /// The latest score of an instrument (code matched case-insensitively)
    /// dated on or before `today` with a finite total; of several on the
    /// latest date, the highest total, so the choice never depends on order.
    pub fn latest_score(&self, code: &str, today: Date) -> Option<&InstrumentScore> {
        latest_score(self.scores, code, today)
    }

    /// The latest STarT Back stratum.
    pub fn stratum(&self, today: Date) -> Option<Stratum> {
        self.latest_score("startback", today)
            .and_then(|s| s.band.as_deref())
            .and_then(Stratum::parse)
    }

    /// The latest PSEQ total.
    pub fn pseq(&self, today: Date) -> Option<f64> {
        self.latest_score("pseq", today).map(|s| s.total)
    }
}

pub(crate) fn latest_score<'a>(
    scores: &'a [InstrumentScore],
    code: &str,
    today: Date,
) -> Option<&'a InstrumentScore> {
    scores
        .iter()
        .filter(|s| {
            s.date <= today && s.total.is_finite() && s.instrument.eq_ignore_ascii_case(code)
        })
        .max_by(|a, b| a.date.cmp(&b.date).then(a.total.total_cmp(&b.total)))
}

pub(crate) fn earliest_score<'a>(
    scores: &'a [InstrumentScore],
    code: &str,
    today: Date,
) -> Option<&'a InstrumentScore> {
    scores
        .iter()
        .filter(|s| {
            s.date <= today && s.total.is_finite() && s.instrument.eq_ignore_ascii_case(code)
        })
        .min_by(|a, b| a.date.cmp(&b.date).then(a.total.total_cmp(&b.total)))
}

// ---------------------------------------------------------------------------
// Day arithmetic: day numbers since 1970-01-01 make the per-day loops cheap.

/// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's
/// days_from_civil).
pub(crate) fn day_number(d: Date) -> i32 {
    days_from_civil(
        i32::from(d.year()),
        i32::from(d.month()),
        i32::from(d.day()),
    )
}

pub(crate) fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (civil_from_days), saturating at jiff's range.
pub(crate) fn date_of(n: i32) -> Date {
    let z = i64::from(n) + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (Ok(y), Ok(m), Ok(d)) = (i16::try_from(y), i8::try_from(m), i8::try_from(d)) else {
        return if n < 0 { Date::MIN } else { Date::MAX };
    };
    Date::new(y, m, d).unwrap_or(if n < 0 { Date::MIN } else { Date::MAX })
}

/// The day number of the Monday of the ISO week holding day `n`
/// (1970-01-01 was a Thursday).
pub(crate) fn monday_of(n: i32) -> i32 {
    n - (n + 3).rem_euclid(7)
}

/// A number for a reason: whole numbers without decimals, others to one.
/// (Integer formatting: cheaper than float formatting with a precision.)
pub fn num(x: f64) -> String {
    let r = (x * 10.0).round();
    if !r.is_finite() || r.abs() > 1e15 {
        return format!("{x}");
    }
    let r = r as i64;
    let (sign, a) = if r < 0 { ("-", -r) } else { ("", r) };
    if a % 10 == 0 {
        format!("{sign}{}", a / 10)
    } else {
        format!("{sign}{}.{}", a / 10, a % 10)
    }
}

/// A proportion as a whole percentage.
pub(crate) fn pct(p: f64) -> String {
    let r = (p * 100.0).round();
    if r.is_finite() && r.abs() < 1e15 {
        format!("{}%", r as i64)
    } else {
        format!("{r}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn plan_on_takes_the_latest_version_started_by_the_day() {
        let plan = |n: usize| Plan {
            items: Vec::new(),
            co_designed: n.is_multiple_of(2),
            whole_person: None,
        };
        let plans = [
            PlanVersion {
                starts_on: date(2024, 6, 3),
                plan: plan(1),
            },
            PlanVersion {
                starts_on: date(2024, 6, 10),
                plan: plan(2),
            },
            PlanVersion {
                starts_on: date(2024, 6, 10),
                plan: plan(3),
            },
        ];
        assert_eq!(plan_on(&plans, date(2024, 6, 2)), None);
        assert_eq!(plan_on(&plans, date(2024, 6, 9)), Some(&plans[0].plan));
        // Two versions the same day: the later one made is in force.
        assert_eq!(plan_on(&plans, date(2024, 6, 10)), Some(&plans[2].plan));
        assert_eq!(plan_on(&[], date(2024, 6, 10)), None);
    }

    #[test]
    fn day_numbers_round_trip() {
        for d in [
            date(1970, 1, 1),
            date(2000, 2, 29),
            date(2024, 3, 31),
            date(2024, 12, 30),
            date(1969, 12, 31),
            date(1, 1, 1),
        ] {
            assert_eq!(date_of(day_number(d)), d);
        }
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        // 2024-06-03 is a Monday; the Sunday before belongs to the week before.
        let mon = day_number(date(2024, 6, 3));
        assert_eq!(monday_of(mon), mon);
        assert_eq!(monday_of(mon + 6), mon);
        assert_eq!(monday_of(mon - 1), mon - 7);
        assert_eq!(monday_of(-4), -10);
    }

    #[test]
    fn numbers_read_plainly() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(3.571), "3.6");
        assert_eq!(num(-0.46), "-0.5");
        assert_eq!(num(-10.0), "-10");
        assert_eq!(num(2.25), "2.3");
        assert_eq!(pct(0.5), "50%");
        assert_eq!(pct(1.0 / 3.0), "33%");
    }
}
