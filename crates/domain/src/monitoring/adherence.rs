//! Adherence: sessions prescribed against sessions logged, per ISO week (on
//! the patient's calendar), overall, and the trend.
//!
//! Definitions:
//! - **Prescribed** sessions a week: the plan's sessions per week (the most
//!   frequent exercise sets the rhythm: max `per_week` over the items) times
//!   the share of the week the plan covered (days covered / 7), added up day
//!   by day, so a plan that starts or changes mid-week is prorated. An item
//!   counts for the `weeks` of its dose from the day its version started; a
//!   plan whose items have all run their weeks has ended. A session is a day
//!   (below), so a plan asking for more than 7 a week (twice a day) counts
//!   as 7.
//! - **Logged** sessions: a *session* is a day with at least one log done
//!   (1) or, failing that, partly done (½); skipped logs are not sessions.
//!   Days before the first plan, after today or after discharge are not
//!   counted.
//! - **Proportion** = logged / prescribed, capped at 1 (more sessions than
//!   prescribed is still 100 %; the raw counts are reported alongside).
//!   A week with less than one session prescribed has no proportion: too
//!   little to judge.
//! - **Overall** = Σ min(logged, prescribed) / Σ prescribed over the weeks
//!   counted, so extra sessions one week do not make up for missed ones in
//!   another.
//! - The current week counts the days up to and including today and is not
//!   *complete*; rules and the trend use complete weeks only.
//! - **Trend**: over the last 6 complete weeks. The least-squares slope of
//!   the last 4 (percentage points a week, when all 4 have a proportion);
//!   *falling* when each of the last 2 is at least
//!   [`Thresholds::falling_drop_points`] below the mean of the 4 before them
//!   (all 6 with a proportion), or when the slope is at or below minus
//!   [`Thresholds::falling_slope_points_per_week`]; *rising* when the slope
//!   is at or above plus that; else *steady*; *unknown* without the weeks.
//! - **Good weeks in a row**: complete weeks, counting back from last week,
//!   at or above [`Thresholds::adherence_good_percent`] (at most
//!   [`SUMMARY_WEEKS`]).
//! - Discharge ends counting: the discharge day is the last day counted.
//!
//! [`report`] builds the whole history (the API's answer); [`summary`] the
//! part the rules need, without touching the heap.

use std::fmt;

use jiff::civil::Date;
use serde::{Serialize, Serializer};

use super::log::SessionLog;
use super::thresholds::Thresholds;
use super::{PlanVersion, date_of, day_number, days_from_civil, monday_of};
use crate::theory::episode::Completion;

/// Complete weeks the summary looks back over (the trend needs 6).
pub const SUMMARY_WEEKS: usize = 8;

/// Sessions a week counted at most: one a day.
pub const MAX_SESSIONS_PER_WEEK: u8 = 7;

/// Weeks with fewer sessions prescribed than this have no proportion.
pub const MIN_PRESCRIBED_TO_JUDGE: f64 = 1.0;

/// Where the plan stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// No plan version has started yet.
    NoPlan,
    /// A plan is in force today.
    Active,
    /// Every item of the latest plan has run its weeks.
    Ended,
    /// The episode has ended.
    Discharged,
}

/// An ISO week; serialises as `2024-W09`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IsoWeek {
    pub year: i16,
    pub week: i8,
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

impl Serialize for IsoWeek {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn round2<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((v * 100.0).round() / 100.0)
}

fn round3_opt<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&((v * 1000.0).round() / 1000.0)),
        None => s.serialize_none(),
    }
}

fn round1_opt<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&((v * 10.0).round() / 10.0)),
        None => s.serialize_none(),
    }
}

/// One ISO week's figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeekAdherence {
    pub week: IsoWeek,
    /// Its Monday.
    pub starts_on: Date,
    /// Whether the week is over (its Sunday is before today).
    pub complete: bool,
    /// Days of the week with a plan in force (and counted: not in the
    /// future, not after discharge).
    pub days_covered: u8,
    #[serde(serialize_with = "round2")]
    pub prescribed: f64,
    /// Days with a session done.
    pub days_done: u8,
    /// Days with a session only partly done.
    pub days_partly: u8,
    /// Sessions: days done + ½ × days partly.
    pub logged: f64,
    /// logged / prescribed, capped at 1; none under one prescribed session.
    #[serde(serialize_with = "round3_opt")]
    pub proportion: Option<f64>,
}

impl WeekAdherence {
    /// The proportion as percentage points, for the trend.
    fn points(&self) -> Option<f64> {
        self.proportion.map(|p| p * 100.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Overall {
    #[serde(serialize_with = "round2")]
    pub prescribed: f64,
    pub logged: f64,
    /// Σ min(logged, prescribed) / Σ prescribed; none before a session is due.
    #[serde(serialize_with = "round3_opt")]
    pub proportion: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    Rising,
    Steady,
    Falling,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Trend {
    pub direction: TrendDirection,
    /// Least-squares slope over the last 4 complete weeks, in percentage
    /// points a week.
    #[serde(serialize_with = "round1_opt")]
    pub slope_points_per_week: Option<f64>,
    /// The last 2 complete weeks' proportions, as points (older first).
    pub last_two_points: Option<[f64; 2]>,
    /// The mean of the 4 complete weeks before those, as points.
    #[serde(serialize_with = "round1_opt")]
    pub before_points: Option<f64>,
    /// Whether the fall is the drop of the last 2 weeks (else the slope).
    pub dropped: bool,
}

impl Trend {
    const UNKNOWN: Trend = Trend {
        direction: TrendDirection::Unknown,
        slope_points_per_week: None,
        last_two_points: None,
        before_points: None,
        dropped: false,
    };
}

/// The whole adherence history of an episode: what
/// `GET /api/v1/patients/{id}/adherence` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdherenceReport {
    pub as_of: Date,
    pub status: PlanStatus,
    /// The first plan's start.
    pub plan_started_on: Option<Date>,
    pub discharged_on: Option<Date>,
    /// Sessions a week of the plan in force today (0 when none is).
    pub sessions_per_week: u8,
    /// Oldest first, from the week the first plan started to this week (or
    /// the discharge week).
    pub weeks: Vec<WeekAdherence>,
    pub overall: Overall,
    pub trend: Trend,
    pub good_weeks_in_a_row: u32,
    /// The latest log (any completion) on or before today.
    pub last_log_on: Option<Date>,
}

/// What the rules need, built without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdherenceSummary {
    pub as_of: Date,
    pub status: PlanStatus,
    pub plan_started_on: Option<Date>,
    pub sessions_per_week: u8,
    /// The last complete week, if a plan covered any of it.
    pub last_week: Option<WeekAdherence>,
    pub trend: Trend,
    pub good_weeks_in_a_row: u32,
    pub last_log_on: Option<Date>,
}

// ---------------------------------------------------------------------------

/// The plan history as day numbers.
pub(crate) struct Schedule<'a> {
    pub plans: &'a [PlanVersion],
    /// First plan start (day number), if any plan started by the end.
    pub first: Option<i32>,
    /// Last day counted: today, or discharge if earlier.
    pub end: i32,
    pub today: i32,
}

impl<'a> Schedule<'a> {
    pub fn new(plans: &'a [PlanVersion], today: Date, discharged_on: Option<Date>) -> Self {
        let today_n = day_number(today);
        let end = match discharged_on {
            Some(d) => day_number(d).min(today_n),
            None => today_n,
        };
        let first = plans
            .iter()
            .map(|p| day_number(p.starts_on))
            .filter(|d| *d <= end)
            .min();
        Schedule {
            plans,
            first,
            end,
            today: today_n,
        }
    }

    /// The index of the version in force on day `n`.
    pub fn version_on(&self, n: i32) -> Option<usize> {
        let mut best: Option<(i32, usize)> = None;
        for (i, p) in self.plans.iter().enumerate() {
            let s = day_number(p.starts_on);
            if s <= n && best.is_none_or(|(bs, _)| s >= bs) {
                best = Some((s, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// Sessions a week prescribed on day `n` (0 when no item is in force; at
    /// most [`MAX_SESSIONS_PER_WEEK`]).
    pub fn rate_on(&self, n: i32) -> u8 {
        let Some(i) = self.version_on(n) else {
            return 0;
        };
        let v = &self.plans[i];
        let start = day_number(v.starts_on);
        v.plan
            .items
            .iter()
            .filter(|it| n < start + 7 * i32::from(it.dose.weeks))
            .map(|it| it.dose.per_week)
            .max()
            .unwrap_or(0)
            .min(MAX_SESSIONS_PER_WEEK)
    }

    /// The last day any item of the version in force on day `n` runs.
    pub fn ends_on(&self, n: i32) -> Option<i32> {
        let v = &self.plans[self.version_on(n)?];
        let start = day_number(v.starts_on);
        v.plan
            .items
            .iter()
            .map(|it| start + 7 * i32::from(it.dose.weeks) - 1)
            .max()
    }

    pub fn status(&self, discharged: bool) -> PlanStatus {
        if discharged {
            PlanStatus::Discharged
        } else if self.first.is_none() {
            PlanStatus::NoPlan
        } else if self.rate_on(self.today) > 0 {
            PlanStatus::Active
        } else {
            PlanStatus::Ended
        }
    }
}

/// Per-day figures over a range of days from `base`: sessions a week
/// prescribed (`rate`) and what was logged (`mark`: 2 done, 1 partly, 0
/// nothing). Filled in one pass over the plan versions and one over the logs;
/// days outside [first plan, end] stay 0.
struct Days<'m> {
    base: i32,
    rate: &'m mut [u8],
    mark: &'m mut [u8],
}

impl Days<'_> {
    fn fill(&mut self, s: &Schedule, logs: &[SessionLog]) {
        let Some(first) = s.first else {
            return;
        };
        let len = i32::try_from(self.rate.len()).unwrap_or(i32::MAX);
        let (lo, hi) = (first.max(self.base), s.end.min(self.base + len - 1));
        if lo > hi {
            return;
        }
        for (i, v) in s.plans.iter().enumerate() {
            let start = day_number(v.starts_on);
            // In force until the next version starts (a later one made the
            // same day replaces it at once).
            let mut until = i32::MAX;
            for (j, w) in s.plans.iter().enumerate() {
                let ws = day_number(w.starts_on);
                if ws > start || (ws == start && j > i) {
                    until = until.min(ws);
                }
            }
            for it in &v.plan.items {
                let rate = it.dose.per_week.min(MAX_SESSIONS_PER_WEEK);
                let item_end = start.saturating_add(7 * i32::from(it.dose.weeks));
                let (a, b) = (start.max(lo), until.min(item_end).min(hi + 1));
                for n in a..b {
                    let k = usize::try_from(n - self.base).unwrap_or(0);
                    self.rate[k] = self.rate[k].max(rate);
                }
            }
        }
        for l in logs {
            let n = day_number(l.date);
            if n < lo || n > hi {
                continue;
            }
            let k = usize::try_from(n - self.base).unwrap_or(0);
            let m = match l.completion {
                Completion::Completed => 2,
                Completion::Partly => 1,
                Completion::Skipped => 0,
            };
            self.mark[k] = self.mark[k].max(m);
        }
    }

    fn week(&self, s: &Schedule, monday: i32) -> WeekAdherence {
        let (mut covered, mut rate_sum, mut done, mut partly) = (0u8, 0u32, 0u8, 0u8);
        for n in monday..monday + 7 {
            let Ok(k) = usize::try_from(n - self.base) else {
                continue;
            };
            let (Some(&rate), Some(&mark)) = (self.rate.get(k), self.mark.get(k)) else {
                continue;
            };
            if rate > 0 {
                covered += 1;
                rate_sum += u32::from(rate);
            }
            match mark {
                2 => done += 1,
                1 => partly += 1,
                _ => {}
            }
        }
        let prescribed = f64::from(rate_sum) / 7.0;
        let logged = f64::from(done) + 0.5 * f64::from(partly);
        WeekAdherence {
            week: iso_week(monday),
            starts_on: date_of(monday),
            complete: monday + 6 < s.today,
            days_covered: covered,
            prescribed,
            days_done: done,
            days_partly: partly,
            logged,
            proportion: (prescribed >= MIN_PRESCRIBED_TO_JUDGE)
                .then(|| (logged / prescribed).min(1.0)),
        }
    }
}

/// The ISO week of the week starting on day `monday`: the year of its
/// Thursday, and which Thursday of that year it is.
fn iso_week(monday: i32) -> IsoWeek {
    let thursday = monday + 3;
    let year = date_of(thursday).year();
    let jan1 = days_from_civil(i32::from(year), 1, 1);
    IsoWeek {
        year,
        week: i8::try_from((thursday - jan1) / 7 + 1).unwrap_or(0),
    }
}

/// Trend and good-week streak from the last complete weeks (oldest first;
/// `None` for a week before the first plan).
fn trend_of(recent: &[Option<WeekAdherence>], t: &Thresholds) -> (Trend, u32) {
    let points = |w: &Option<WeekAdherence>| w.as_ref().and_then(WeekAdherence::points);
    let good = recent
        .iter()
        .rev()
        .take_while(|w| points(w).is_some_and(|p| p >= t.adherence_good_percent))
        .count();
    let mut trend = Trend::UNKNOWN;
    let n = recent.len();
    if n >= 4 {
        let mut ys = [0.0f64; 4];
        let mut all = true;
        for (i, w) in recent[n - 4..].iter().enumerate() {
            match points(w) {
                Some(p) => ys[i] = p,
                None => all = false,
            }
        }
        if all {
            // x = 0, 1, 2, 3: deviations from their mean 1.5, Σ(x - x̄)² = 5.
            const DX: [f64; 4] = [-1.5, -0.5, 0.5, 1.5];
            let mean = ys.iter().sum::<f64>() / 4.0;
            let slope = DX
                .iter()
                .zip(ys)
                .map(|(dx, y)| dx * (y - mean))
                .sum::<f64>()
                / 5.0;
            trend.slope_points_per_week = Some(slope);
            trend.direction = if slope <= -t.falling_slope_points_per_week {
                TrendDirection::Falling
            } else if slope >= t.falling_slope_points_per_week {
                TrendDirection::Rising
            } else {
                TrendDirection::Steady
            };
        }
    }
    if n >= 6 {
        let mut ps = [0.0f64; 6];
        let mut all = true;
        for (i, w) in recent[n - 6..].iter().enumerate() {
            match points(w) {
                Some(p) => ps[i] = p,
                None => all = false,
            }
        }
        if all {
            let before = (ps[0] + ps[1] + ps[2] + ps[3]) / 4.0;
            trend.last_two_points = Some([ps[4], ps[5]]);
            trend.before_points = Some(before);
            if ps[4] <= before - t.falling_drop_points && ps[5] <= before - t.falling_drop_points {
                trend.direction = TrendDirection::Falling;
                trend.dropped = true;
            }
        }
    }
    (trend, u32::try_from(good).unwrap_or(u32::MAX))
}

fn last_log(logs: &[SessionLog], end: i32) -> Option<Date> {
    let end = date_of(end);
    logs.iter().map(|l| l.date).filter(|d| *d <= end).max()
}

/// The summary the rules read: the last [`SUMMARY_WEEKS`] complete weeks and
/// this one, on the stack.
pub fn summary(
    plans: &[PlanVersion],
    logs: &[SessionLog],
    today: Date,
    discharged_on: Option<Date>,
    t: &Thresholds,
) -> AdherenceSummary {
    let s = Schedule::new(plans, today, discharged_on);
    let discharged = discharged_on.is_some_and(|d| d <= today);
    let status = s.status(discharged);
    let plan_started_on = s.first.map(date_of);
    let sessions_per_week = if discharged { 0 } else { s.rate_on(s.today) };
    let last_log_on = last_log(logs, s.end);
    let Some(first) = s.first else {
        return AdherenceSummary {
            as_of: today,
            status,
            plan_started_on,
            sessions_per_week,
            last_week: None,
            trend: Trend::UNKNOWN,
            good_weeks_in_a_row: 0,
            last_log_on,
        };
    };
    // Complete weeks end before this week's Monday.
    let this_monday = monday_of(s.today);
    const WINDOW: usize = 7 * SUMMARY_WEEKS;
    let base = this_monday - 7 * i32::try_from(SUMMARY_WEEKS).unwrap_or(8);
    let (mut rate, mut mark) = ([0u8; WINDOW], [0u8; WINDOW]);
    let mut days = Days {
        base,
        rate: &mut rate,
        mark: &mut mark,
    };
    days.fill(&s, logs);
    let mut recent = [None::<WeekAdherence>; SUMMARY_WEEKS];
    let first_monday = monday_of(first);
    for (i, slot) in recent.iter_mut().enumerate() {
        let monday = base + 7 * i32::try_from(i).unwrap_or(0);
        if monday >= first_monday && monday <= s.end {
            *slot = Some(days.week(&s, monday));
        }
    }
    let (trend, good) = trend_of(&recent, t);
    AdherenceSummary {
        as_of: today,
        status,
        plan_started_on,
        sessions_per_week,
        last_week: recent[SUMMARY_WEEKS - 1],
        trend,
        good_weeks_in_a_row: good,
        last_log_on,
    }
}

/// The whole report.
pub fn report(
    plans: &[PlanVersion],
    logs: &[SessionLog],
    today: Date,
    discharged_on: Option<Date>,
    t: &Thresholds,
) -> AdherenceReport {
    let sum = summary(plans, logs, today, discharged_on, t);
    let s = Schedule::new(plans, today, discharged_on);
    let mut weeks = Vec::new();
    if let Some(first) = s.first {
        let first_monday = monday_of(first);
        let last_monday = monday_of(s.end);
        let n = usize::try_from(last_monday + 7 - first_monday).unwrap_or(0);
        let (mut rate, mut mark) = (vec![0u8; n], vec![0u8; n]);
        let mut days = Days {
            base: first_monday,
            rate: &mut rate,
            mark: &mut mark,
        };
        days.fill(&s, logs);
        let mut monday = first_monday;
        while monday <= last_monday {
            weeks.push(days.week(&s, monday));
            monday += 7;
        }
    }
    let (mut prescribed, mut logged, mut counted) = (0.0, 0.0, 0.0);
    for w in &weeks {
        prescribed += w.prescribed;
        logged += w.logged;
        counted += w.logged.min(w.prescribed);
    }
    AdherenceReport {
        as_of: today,
        status: sum.status,
        plan_started_on: sum.plan_started_on,
        discharged_on,
        sessions_per_week: sum.sessions_per_week,
        weeks,
        overall: Overall {
            prescribed,
            logged,
            proportion: (prescribed > 0.0).then(|| (counted / prescribed).min(1.0)),
        },
        trend: sum.trend,
        good_weeks_in_a_row: sum.good_weeks_in_a_row,
        last_log_on: sum.last_log_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn iso_weeks_match_jiff() {
        let mut monday = monday_of(day_number(date(1990, 1, 1)));
        while monday < day_number(date(2045, 1, 1)) {
            let iso = date_of(monday).iso_week_date();
            assert_eq!(
                iso_week(monday),
                IsoWeek {
                    year: iso.year(),
                    week: iso.week()
                },
                "{}",
                date_of(monday)
            );
            monday += 7;
        }
    }
}
