//! Timely follow-up: the date of the next contact, by rule rather than a
//! fixed calendar (CMOCs M2.5 and M2.6: monitoring and follow-up at the right
//! time keep the patient motivated).
//!
//! The rule, in order (defaults from [`Thresholds`] in brackets):
//! 1. **Anchor**: the last contact (the latest follow-up of any kind, or the
//!    consultation that started the first plan), else the episode's start.
//! 2. **Routine interval**, the first that applies:
//!    - STarT Back high risk and/or low self-efficacy (PSEQ ≤ 30): 7 days
//!      (the shorter of the two settings when both apply);
//!    - a concern is open (any urgent or attention flag) or no exercise plan
//!      is running: 14 days, the follow-up target of the theory's signals;
//!    - all is well: 21 days, or 28 once adherence has been good for 4
//!      complete weeks in a row.
//!      Routine date = anchor + interval.
//! 3. **New flag**: an urgent or attention flag raised after the last contact
//!    (its `since` is later) brings the date forward to within 2 days of the
//!    earliest such flag, if that is sooner. (`follow_up_overdue` itself is
//!    left out here: it is the routine date passing, not a new concern.)
//! 4. **Never in the past**: a date before today becomes today, and the
//!    days it had passed are kept as `overdue_days`.
//!
//! [`NextContact::reason`] spells these steps out with their dates.
//!
//! The monitoring flag `follow_up_overdue` fires exactly when the routine
//! date of step 2 has passed, so the dashboard and the schedule agree. So
//! does the theory engine's signal `follow_up_within_target` when its caller
//! passes the schedule ([`NextContact::scheduled`] into
//! [`Episode::scheduled_contact`](crate::theory::Episode::scheduled_contact),
//! as the caseload and the patient's page do): true while the routine date has
//! not passed, false once it has, so a patient doing well on a 21- or 28-day
//! interval is not reported late at day 15. A new flag's earlier date (step
//! 3) is a prompt raised by that flag, not a missed follow-up. Only an episode
//! built without monitoring data (e.g. for research) falls back to the
//! signal's fixed targets: every recent gap within 14 days (7 at high risk or
//! low self-efficacy).

use std::fmt;

use jiff::civil::Date;
use serde::{Serialize, Serializer};

use super::rules::{Flag, FlagKind};
use super::thresholds::Thresholds;
use super::{date_of, day_number, num};
use crate::education::Stratum;
use crate::theory::episode::ScheduledContact;

/// What the schedule reads.
#[derive(Debug, Clone, Copy)]
pub struct ContactInput<'a> {
    /// The last contact ([`super::EpisodeData::last_contact`]).
    pub last_contact: Option<Date>,
    pub episode_start: Date,
    /// The latest STarT Back stratum.
    pub stratum: Option<Stratum>,
    /// The latest PSEQ total.
    pub pseq_total: Option<f64>,
    /// The flags raised today ([`super::evaluate`]).
    pub flags: &'a [Flag],
    /// Whether an exercise plan is in force today.
    pub plan_active: bool,
    /// Complete weeks in a row with good adherence
    /// ([`super::AdherenceSummary::good_weeks_in_a_row`]).
    pub good_adherence_weeks: u32,
}

/// What the anchor of the schedule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorKind {
    LastContact,
    EpisodeStart,
}

impl AnchorKind {
    pub fn describe(self) -> &'static str {
        match self {
            AnchorKind::LastContact => "the last contact",
            AnchorKind::EpisodeStart => "the start of the episode",
        }
    }
}

/// Why the routine interval is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    HighRiskAndLowSelfEfficacy,
    HighRisk,
    LowSelfEfficacy,
    Concern,
    NoActivePlan,
    AllWell,
    AllWellGoodAdherence,
}

impl Basis {
    /// Plain words, with the PSEQ total and good weeks where they matter.
    pub fn describe(self, pseq: Option<f64>, good_weeks: u32) -> String {
        let pseq = pseq.map(num).unwrap_or_default();
        match self {
            Basis::HighRiskAndLowSelfEfficacy => {
                format!("high STarT Back risk and low self-efficacy, PSEQ {pseq}")
            }
            Basis::HighRisk => "high STarT Back risk".into(),
            Basis::LowSelfEfficacy => format!("low self-efficacy, PSEQ {pseq}"),
            Basis::Concern => "a concern is open".into(),
            Basis::NoActivePlan => "no exercise plan running".into(),
            Basis::AllWell => "all is well".into(),
            Basis::AllWellGoodAdherence => {
                format!("all is well and adherence has been good {good_weeks} weeks running")
            }
        }
    }
}

/// The routine interval in days and why (step 2 of the rule).
pub fn routine_interval(
    stratum: Option<Stratum>,
    pseq: Option<f64>,
    concerns: bool,
    plan_active: bool,
    good_weeks: u32,
    t: &Thresholds,
) -> (i32, Basis) {
    let high = stratum == Some(Stratum::High);
    let low_se = pseq.is_some_and(|p| p.is_finite() && p <= t.pseq_low);
    match (high, low_se) {
        (true, true) => (
            t.high_risk_days.min(t.low_self_efficacy_days),
            Basis::HighRiskAndLowSelfEfficacy,
        ),
        (true, false) => (t.high_risk_days, Basis::HighRisk),
        (false, true) => (t.low_self_efficacy_days, Basis::LowSelfEfficacy),
        (false, false) if concerns => (t.follow_up_days, Basis::Concern),
        (false, false) if !plan_active => (t.follow_up_days, Basis::NoActivePlan),
        (false, false) if good_weeks >= t.good_adherence_weeks => {
            (t.all_well_extended_days, Basis::AllWellGoodAdherence)
        }
        (false, false) => (t.all_well_days, Basis::AllWell),
    }
}

/// The earliest new concern (step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NewFlag {
    pub kind: FlagKind,
    pub since: Date,
    /// since + `new_flag_days`.
    pub by: Date,
}

/// Each step of the rule with its dates; renders (and serialises) as one
/// plain-language paragraph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactReason {
    pub anchor: Date,
    pub anchor_kind: AnchorKind,
    pub basis: Basis,
    pub interval_days: i32,
    pub pseq: Option<f64>,
    pub good_weeks: u32,
    pub routine_date: Date,
    pub new_flag: Option<NewFlag>,
    /// The date the rule gave, when it had passed (then the contact is today).
    pub overdue_from: Option<Date>,
}

impl fmt::Display for ContactReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let anchor = match self.anchor_kind {
            AnchorKind::LastContact => "Last contact",
            AnchorKind::EpisodeStart => "No contact yet; episode started",
        };
        write!(
            f,
            "{anchor} {}. Every {} days ({}): {}.",
            self.anchor,
            self.interval_days,
            self.basis.describe(self.pseq, self.good_weeks),
            self.routine_date
        )?;
        if let Some(n) = self.new_flag {
            write!(
                f,
                " New flag \"{}\" on {}: within {} days, {}.",
                n.kind.label(),
                n.since,
                day_number(n.by) - day_number(n.since),
                n.by
            )?;
        }
        if let Some(d) = self.overdue_from {
            write!(f, " {d} has passed: today.")?;
        }
        Ok(())
    }
}

impl Serialize for ContactReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The next contact: when, and why.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NextContact {
    pub date: Date,
    /// Days the rule's date had passed (0 when it had not).
    pub overdue_days: u32,
    pub reason: ContactReason,
}

impl NextContact {
    /// The date the rule gave before step 4: the date it had passed, when
    /// overdue, else [`NextContact::date`]. It stays put while overdue, so it
    /// names one due contact (e.g. for a notice sent once).
    pub fn rule_date(&self) -> Date {
        self.reason.overdue_from.unwrap_or(self.date)
    }

    /// The routine contact (step 2) for the theory engine's
    /// `follow_up_within_target`, so that signal agrees with this schedule.
    pub fn scheduled(&self) -> ScheduledContact {
        ScheduledContact {
            anchor: self.reason.anchor,
            due: self.reason.routine_date,
        }
    }
}

/// The next contact by rule (see the module documentation).
pub fn next_contact(input: &ContactInput, today: Date, t: &Thresholds) -> NextContact {
    let concerns = input
        .flags
        .iter()
        .any(|f| f.is_concern() && f.kind != FlagKind::FollowUpOverdue);
    let (interval, basis) = routine_interval(
        input.stratum,
        input.pseq_total,
        concerns,
        input.plan_active,
        input.good_adherence_weeks,
        t,
    );
    let (anchor, anchor_kind) = match input.last_contact {
        Some(c) => (c, AnchorKind::LastContact),
        None => (input.episode_start, AnchorKind::EpisodeStart),
    };
    let routine = day_number(anchor) + interval;
    let new_flag = input
        .flags
        .iter()
        .filter(|f| {
            f.is_concern()
                && f.kind != FlagKind::FollowUpOverdue
                && input.last_contact.is_none_or(|c| f.since > c)
        })
        .min_by(|a, b| a.since.cmp(&b.since).then(a.kind.cmp(&b.kind)))
        .map(|f| NewFlag {
            kind: f.kind,
            since: f.since,
            by: date_of(day_number(f.since) + t.new_flag_days),
        });
    let mut date = routine;
    if let Some(n) = new_flag {
        date = date.min(day_number(n.by));
    }
    let today_n = day_number(today);
    let overdue = (today_n - date).max(0);
    let reason = ContactReason {
        anchor,
        anchor_kind,
        basis,
        interval_days: interval,
        pseq: input.pseq_total,
        good_weeks: input.good_adherence_weeks,
        routine_date: date_of(routine),
        new_flag: new_flag.filter(|n| day_number(n.by) < routine),
        overdue_from: (overdue > 0).then(|| date_of(date)),
    };
    NextContact {
        date: date_of(date.max(today_n)),
        overdue_days: u32::try_from(overdue).unwrap_or(0),
        reason,
    }
}
