//! The three time points of an episode (Unsgaard-Tøndel & Söderström 2021:
//! before treatment, right after it, and six months later) and the forms due
//! at each.

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePoint {
    Baseline,
    Discharge,
    SixMonths,
}

impl TimePoint {
    pub const ALL: [TimePoint; 3] = [
        TimePoint::Baseline,
        TimePoint::Discharge,
        TimePoint::SixMonths,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimePoint::Baseline => "baseline",
            TimePoint::Discharge => "discharge",
            TimePoint::SixMonths => "six_months",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimePoint::Baseline => "Before treatment",
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
            TimePoint::Discharge => &[
                Instrument("nprs"),
                Instrument("rmdq"),
                Instrument("pseq"),
                Instrument("tsk11"),
                Instrument("pgic"),
                Instrument("waisr"),
                Instrument("ears"),
            ],
            TimePoint::SixMonths => &[
                Instrument("nprs"),
                Instrument("rmdq"),
                Instrument("pseq"),
                Instrument("tsk11"),
                Instrument("pgic"),
                Instrument("ears"),
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

fn add(d: Date, span: Span) -> Date {
    d.checked_add(span).unwrap_or(d)
}

/// The time points of an episode opened on `opened_on` (and discharged on
/// `discharged_on`, if it has been), given the form keys completed at each
/// point, as they stand on `today`. Discharge and six months appear only once
/// the episode has been discharged.
pub fn schedule(
    opened_on: Date,
    discharged_on: Option<Date>,
    done: &dyn Fn(TimePoint, &str) -> bool,
    today: Date,
) -> Vec<DueItem> {
    let mut items = vec![(
        TimePoint::Baseline,
        opened_on,
        opened_on,
        add(opened_on, BASELINE_GRACE_DAYS.days()),
    )];
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
        let s = schedule(opened, None, &none, date(2026, 3, 2));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].status, DueStatus::Due);
        assert_eq!(s[0].forms_missing[..2], ["red_flags", "intake"]);
        assert_eq!(
            schedule(opened, None, &none, date(2026, 3, 9))[0].status,
            DueStatus::Due
        );
        assert_eq!(
            schedule(opened, None, &none, date(2026, 3, 10))[0].status,
            DueStatus::Overdue
        );
    }

    #[test]
    fn discharge_and_six_months_follow_discharge() {
        let baseline_done = |tp: TimePoint, _: &str| tp == TimePoint::Baseline;
        let s = schedule(
            date(2026, 1, 5),
            Some(date(2026, 3, 2)),
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
            &baseline_done,
            date(2026, 8, 19),
        );
        assert_eq!(later[1].status, DueStatus::Overdue);
        assert_eq!(later[2].status, DueStatus::Due);
        assert_eq!(
            schedule(
                date(2026, 1, 5),
                Some(date(2026, 3, 2)),
                &baseline_done,
                date(2026, 10, 1)
            )[2]
            .status,
            DueStatus::Overdue
        );
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
