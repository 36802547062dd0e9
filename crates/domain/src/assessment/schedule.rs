//! The three time points of an episode (Unsgaard-Tøndel & Söderström 2021:
//! before treatment, right after it, and six months later), one check of the
//! alliance during care, and the forms due at each.
//!
//! The alliance (WAI-SR) is asked once during care as well as at discharge:
//! low alliance or a missing bond is something to act on while there is still
//! care to change, not only to learn at the end.

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePoint {
    Baseline,
    /// After the second contact of the episode: the alliance so far.
    DuringCare,
    Discharge,
    SixMonths,
}

impl TimePoint {
    pub const ALL: [TimePoint; 4] = [
        TimePoint::Baseline,
        TimePoint::DuringCare,
        TimePoint::Discharge,
        TimePoint::SixMonths,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimePoint::Baseline => "baseline",
            TimePoint::DuringCare => "during_care",
            TimePoint::Discharge => "discharge",
            TimePoint::SixMonths => "six_months",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimePoint::Baseline => "Before treatment",
            TimePoint::DuringCare => "During treatment",
            TimePoint::Discharge => "At the end of treatment",
            TimePoint::SixMonths => "Six months after treatment",
        }
    }

    pub fn parse(s: &str) -> Option<TimePoint> {
        TimePoint::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The forms of this time point, in the order the patient fills them in.
    /// Baseline screens red flags first and then describes the person; the
    /// later points measure change, the alliance and adherence.
    pub fn forms(self) -> &'static [Form] {
        use Form::*;
        match self {
            TimePoint::Baseline => &[
                RedFlags,
                Intake,
                Instrument("startback"),
                Instrument("nprs"),
                Instrument("rmdq"),
                Instrument("pseq"),
                Instrument("tsk11"),
            ],
            TimePoint::DuringCare => &[Instrument("waisr")],
            TimePoint::Discharge => &[
                Instrument("nprs"),
                Instrument("rmdq"),
                Instrument("pseq"),
                Instrument("tsk11"),
                Instrument("pgic"),
                Instrument("waisr"),
                Instrument("ears"),
                Instrument("endofcare"),
            ],
            TimePoint::SixMonths => &[
                Instrument("nprs"),
                Instrument("rmdq"),
                Instrument("pseq"),
                Instrument("tsk11"),
                Instrument("pgic"),
                Instrument("ears"),
                Instrument("endofcare"),
            ],
        }
    }
}

/// One form of a time point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Form {
    RedFlags,
    Intake,
    /// A questionnaire of the instrument registry, by code.
    Instrument(&'static str),
}

impl Form {
    /// A stable key: `red_flags`, `intake`, or the instrument code.
    pub fn key(self) -> &'static str {
        match self {
            Form::RedFlags => "red_flags",
            Form::Intake => "intake",
            Form::Instrument(code) => code,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    /// Not yet open (e.g. the six-month forms before their window).
    Upcoming,
    Due,
    Overdue,
    Done,
}

impl DueStatus {
    /// The key, as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            DueStatus::Upcoming => "upcoming",
            DueStatus::Due => "due",
            DueStatus::Overdue => "overdue",
            DueStatus::Done => "done",
        }
    }
}

/// A time point of one episode, with when it falls and which forms are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueItem {
    pub time_point: TimePoint,
    /// When the forms open.
    pub opens_on: Date,
    pub due_on: Date,
    /// After this day the time point is overdue.
    pub overdue_after: Date,
    pub status: DueStatus,
    pub forms_done: Vec<&'static str>,
    pub forms_missing: Vec<&'static str>,
}

/// Days the baseline forms may wait after the episode opens.
pub const BASELINE_GRACE_DAYS: i32 = 7;
/// Days the discharge forms may wait after discharge.
pub const DISCHARGE_GRACE_DAYS: i32 = 14;
/// The six-month forms open this many days before the date and are overdue this many after.
pub const SIX_MONTH_WINDOW_DAYS: i32 = 14;
pub const SIX_MONTH_GRACE_DAYS: i32 = 28;
/// The during-care alliance check opens at the episode's second contact
/// (the patient has met the clinician more than once, so there is a working
/// relationship to rate) and is overdue this many days later, around the
/// third contact.
pub const DURING_CARE_GRACE_DAYS: i32 = 14;

fn add(d: Date, span: Span) -> Date {
    d.checked_add(span).unwrap_or(d)
}

/// The time points of an episode opened on `opened_on` (and discharged on
/// `discharged_on`, if it has been), given the form keys completed at each
/// point, as they stand on `today`. The during-care check appears from
/// `second_contact` (the day of the episode's second contact with the
/// clinician), unless the episode ended first without it; discharge and six
/// months appear once the episode has been discharged.
pub fn schedule(
    opened_on: Date,
    discharged_on: Option<Date>,
    second_contact: Option<Date>,
    done: &dyn Fn(TimePoint, &str) -> bool,
    today: Date,
) -> Vec<DueItem> {
    let mut items = vec![(
        TimePoint::Baseline,
        opened_on,
        opened_on,
        add(opened_on, BASELINE_GRACE_DAYS.days()),
    )];
    let during_done = TimePoint::DuringCare
        .forms()
        .iter()
        .all(|f| done(TimePoint::DuringCare, f.key()));
    // Discharge asks the alliance again: a check not done by then is dropped.
    if let Some(c) = second_contact.filter(|c| during_done || discharged_on.is_none_or(|d| d > *c))
    {
        items.push((
            TimePoint::DuringCare,
            c,
            c,
            add(c, DURING_CARE_GRACE_DAYS.days()),
        ));
    }
    if let Some(d) = discharged_on {
        items.push((
            TimePoint::Discharge,
            d,
            d,
            add(d, DISCHARGE_GRACE_DAYS.days()),
        ));
        let six = add(d, 6.months());
        items.push((
            TimePoint::SixMonths,
            add(six, (-SIX_MONTH_WINDOW_DAYS).days()),
            six,
            add(six, SIX_MONTH_GRACE_DAYS.days()),
        ));
    }
    items
        .into_iter()
        .map(|(tp, opens_on, due_on, overdue_after)| {
            let (forms_done, forms_missing): (Vec<_>, Vec<_>) = tp
                .forms()
                .iter()
                .map(|f| f.key())
                .partition(|k| done(tp, k));
            let status = if forms_missing.is_empty() {
                DueStatus::Done
            } else if today < opens_on {
                DueStatus::Upcoming
            } else if today > overdue_after {
                DueStatus::Overdue
            } else {
                DueStatus::Due
            };
            DueItem {
                time_point: tp,
                opens_on,
                due_on,
                overdue_after,
                status,
                forms_done,
                forms_missing,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn baseline_is_due_at_once_and_overdue_after_a_week() {
        let none = |_: TimePoint, _: &str| false;
        let opened = date(2026, 3, 2);
        let s = schedule(opened, None, None, &none, date(2026, 3, 2));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].status, DueStatus::Due);
        assert_eq!(s[0].forms_missing[..2], ["red_flags", "intake"]);
        assert_eq!(
            schedule(opened, None, None, &none, date(2026, 3, 9))[0].status,
            DueStatus::Due
        );
        assert_eq!(
            schedule(opened, None, None, &none, date(2026, 3, 10))[0].status,
            DueStatus::Overdue
        );
    }

    #[test]
    fn discharge_and_six_months_follow_discharge() {
        let baseline_done = |tp: TimePoint, _: &str| tp == TimePoint::Baseline;
        let s = schedule(
            date(2026, 1, 5),
            Some(date(2026, 3, 2)),
            None,
            &baseline_done,
            date(2026, 3, 2),
        );
        assert_eq!(
            s.iter().map(|i| i.status).collect::<Vec<_>>(),
            [DueStatus::Done, DueStatus::Due, DueStatus::Upcoming]
        );
        let six = &s[2];
        assert_eq!(six.due_on, date(2026, 9, 2));
        assert_eq!(six.opens_on, date(2026, 8, 19));
        assert_eq!(six.overdue_after, date(2026, 9, 30));
        let later = schedule(
            date(2026, 1, 5),
            Some(date(2026, 3, 2)),
            None,
            &baseline_done,
            date(2026, 8, 19),
        );
        assert_eq!(later[1].status, DueStatus::Overdue);
        assert_eq!(later[2].status, DueStatus::Due);
        assert_eq!(
            schedule(
                date(2026, 1, 5),
                Some(date(2026, 3, 2)),
                None,
                &baseline_done,
                date(2026, 10, 1)
            )[2]
            .status,
            DueStatus::Overdue
        );
    }

    #[test]
    fn the_alliance_is_asked_during_care_from_the_second_contact() {
        let baseline_done = |tp: TimePoint, _: &str| tp == TimePoint::Baseline;
        let opened = date(2026, 3, 2);
        let second = date(2026, 3, 16);
        assert_eq!(
            schedule(opened, None, None, &baseline_done, date(2026, 3, 20)).len(),
            1,
            "not before a second contact"
        );
        let s = schedule(
            opened,
            None,
            Some(second),
            &baseline_done,
            date(2026, 3, 20),
        );
        assert_eq!(s[1].time_point, TimePoint::DuringCare);
        assert_eq!(s[1].status, DueStatus::Due);
        assert_eq!(s[1].forms_missing, ["waisr"]);
        let late = schedule(
            opened,
            None,
            Some(second),
            &baseline_done,
            date(2026, 3, 31),
        );
        assert_eq!(late[1].status, DueStatus::Overdue);
        let all_done = |_: TimePoint, _: &str| true;
        assert_eq!(
            schedule(opened, None, Some(second), &all_done, date(2026, 4, 30))[1].status,
            DueStatus::Done
        );
        // Discharged on the day of the second contact: discharge asks instead.
        let s = schedule(
            opened,
            Some(second),
            Some(second),
            &baseline_done,
            date(2026, 3, 20),
        );
        assert!(s.iter().all(|i| i.time_point != TimePoint::DuringCare));
    }

    #[test]
    fn every_instrument_of_every_time_point_exists() {
        for tp in TimePoint::ALL {
            for f in tp.forms() {
                if let Form::Instrument(code) = f {
                    assert!(crate::instruments::find(code).is_ok(), "{code}");
                }
            }
        }
    }
}
