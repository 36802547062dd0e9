//! The monitoring rules: flags for the clinician, each with a plain-language
//! reason holding the numbers that triggered it, its severity, the CMOCs of
//! the programme theory behind it, and the day it became true (`since`).
//!
//! Nothing is flagged once the episode is discharged. Otherwise, on `today`
//! (defaults from [`Thresholds`] in brackets):
//!
//! | kind | fires when | severity |
//! |---|---|---|
//! | `pain_rising` | for an exercise of the current plan, pain after − before ≥ 2 on ≥ 2 of its last 3 sessions with both rated (sessions of the last 28 days, since its dose last changed) | urgent if all of the last 3, else attention |
//! | `follow_up_overdue` | the routine next-contact date ([`super::follow_up`]) has passed | urgent from 7 days over, else attention |
//! | `adherence_below_plan` | last complete week: logged < 50 % of prescribed (≥ 1 session prescribed) | attention |
//! | `adherence_falling` | the adherence trend is falling ([`super::adherence`]) | attention |
//! | `no_recent_log` | a plan is active and nothing was logged for ≥ 5 days (since the last log, or since the plan started) | attention |
//! | `too_hard` | mean difficulty ≥ 4 over an exercise's last 3 rated sessions (at least 2) | attention |
//! | `no_benefit` | ≥ 4 weeks since the first plan, and the latest PGIC since it is 4 (no change) or worse; without a PGIC, no pain or function score (NPRS, RMDQ, ODI) improved by its minimal important change or 30 % | attention |
//! | `low_alliance` | latest WAI-SR bond ≤ 11 (of 4–20) | attention |
//! | `plan_ended` | every item of the plan in force has run its prescribed weeks | attention |
//! | `not_enjoyed` | mean enjoyment ≤ 2.5 over an exercise's last 3 rated sessions (at least 2) | info |
//! | `suggest_regression` | `pain_rising` or `too_hard` for the exercise: its easier variant, or a smaller dose | info |
//! | `suggest_progression` | the exercise is mastered: its last 3 logs all done in full, each rated difficulty ≤ 2, with no rise in pain (both rated): its harder variant, or a larger dose | info |
//!
//! "Sessions" are logs done or partly done; skipped logs only count for
//! mastery (a skipped session breaks a run) and for `no_recent_log` (the
//! patient did log). The order of the output is deterministic: severity,
//! then kind, then exercise id.

use std::fmt::Write as _;

use jiff::civil::Date;
use serde::Serialize;

use super::adherence::{self, AdherenceSummary, PlanStatus, Schedule, TrendDirection};
use super::follow_up::{AnchorKind, routine_interval};
use super::log::SessionLog;
use super::thresholds::{MAX_SESSIONS, Thresholds};
use super::{EpisodeData, date_of, day_number, earliest_score, latest_score, num, pct};
use crate::exercise::library::Library;
use crate::outcomes::pgic_label;
use crate::theory::episode::Completion;
use crate::theory::signals::{OUTCOME_INSTRUMENTS, PGIC_IMPROVED_AT_OR_BELOW};

/// How soon a flag needs the clinician. Sorts most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Urgent,
    Attention,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Urgent, Severity::Attention, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Urgent => "urgent",
            Severity::Attention => "attention",
            Severity::Info => "info",
        }
    }
}

/// What a flag is about. The declaration order is the order of flags of the
/// same severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    PainRising,
    FollowUpOverdue,
    AdherenceBelowPlan,
    AdherenceFalling,
    NoRecentLog,
    TooHard,
    NoBenefit,
    LowAlliance,
    PlanEnded,
    NotEnjoyed,
    SuggestRegression,
    SuggestProgression,
}

impl FlagKind {
    pub const ALL: [FlagKind; 12] = [
        FlagKind::PainRising,
        FlagKind::FollowUpOverdue,
        FlagKind::AdherenceBelowPlan,
        FlagKind::AdherenceFalling,
        FlagKind::NoRecentLog,
        FlagKind::TooHard,
        FlagKind::NoBenefit,
        FlagKind::LowAlliance,
        FlagKind::PlanEnded,
        FlagKind::NotEnjoyed,
        FlagKind::SuggestRegression,
        FlagKind::SuggestProgression,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::PainRising => "pain_rising",
            FlagKind::FollowUpOverdue => "follow_up_overdue",
            FlagKind::AdherenceBelowPlan => "adherence_below_plan",
            FlagKind::AdherenceFalling => "adherence_falling",
            FlagKind::NoRecentLog => "no_recent_log",
            FlagKind::TooHard => "too_hard",
            FlagKind::NoBenefit => "no_benefit",
            FlagKind::LowAlliance => "low_alliance",
            FlagKind::PlanEnded => "plan_ended",
            FlagKind::NotEnjoyed => "not_enjoyed",
            FlagKind::SuggestRegression => "suggest_regression",
            FlagKind::SuggestProgression => "suggest_progression",
        }
    }

    /// A short heading for the dashboard.
    pub fn label(self) -> &'static str {
        match self {
            FlagKind::PainRising => "Pain rising after exercise",
            FlagKind::FollowUpOverdue => "Follow-up overdue",
            FlagKind::AdherenceBelowPlan => "Adherence below plan",
            FlagKind::AdherenceFalling => "Adherence falling",
            FlagKind::NoRecentLog => "No recent log",
            FlagKind::TooHard => "Exercise too hard",
            FlagKind::NoBenefit => "No perceived benefit",
            FlagKind::LowAlliance => "Low alliance",
            FlagKind::PlanEnded => "Plan ended",
            FlagKind::NotEnjoyed => "Exercise not enjoyed",
            FlagKind::SuggestRegression => "Make it easier",
            FlagKind::SuggestProgression => "Make it harder",
        }
    }

    /// The CMOCs (ids of the built-in knowledge base) behind the flag.
    pub fn cmoc(self) -> &'static [&'static str] {
        match self {
            // Pain rises with exercise (barrier); supervision with correction.
            FlagKind::PainRising => &["M2.17", "C3.5"],
            // Timely follow-up keeps motivation up; regular feedback.
            FlagKind::FollowUpOverdue => &["M2.5", "M2.6", "T1.10"],
            // Timely follow-up; support to fit exercise into daily life.
            FlagKind::AdherenceBelowPlan => &["M2.5", "M2.7"],
            FlagKind::AdherenceFalling => &["M2.5", "M2.6", "M2.7"],
            FlagKind::NoRecentLog => &["M2.5", "M2.6"],
            // Too hard (barrier); supervision with correction and progression.
            FlagKind::TooHard => &["M2.16", "C3.5"],
            // Improvement noticed.
            FlagKind::NoBenefit => &["M2.14"],
            // Rapport; a positive, trusting relationship.
            FlagKind::LowAlliance => &["T1.2", "M2.1", "M2.10"],
            // Follow-up at the right time; supervision moves exercise on.
            FlagKind::PlanEnded => &["M2.5", "C3.5"],
            // Exercise enjoyed; not enjoyed (barrier).
            FlagKind::NotEnjoyed => &["M2.15", "M2.16"],
            FlagKind::SuggestRegression => &["M2.16", "M2.17"],
            FlagKind::SuggestProgression => &["C3.5"],
        }
    }
}

/// One flag raised for the clinician.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub severity: Severity,
    /// One plain-language line with the numbers that triggered it.
    pub reason: String,
    /// CMOC ids behind it.
    pub cmoc: &'static [&'static str],
    /// The exercise concerned, for per-exercise rules.
    pub exercise_id: Option<String>,
    /// For a suggestion: the exercise to move to, when the chain has one.
    pub suggested_exercise: Option<String>,
    /// The day the condition became true, as far as the data shows (the
    /// latest session, score or day that decided it). A flag is *new* when
    /// this is after the last contact.
    pub since: Date,
}

impl Flag {
    fn new(kind: FlagKind, severity: Severity, reason: String, since: Date) -> Flag {
        Flag {
            kind,
            severity,
            reason,
            cmoc: kind.cmoc(),
            exercise_id: None,
            suggested_exercise: None,
            since,
        }
    }

    fn on(mut self, exercise_id: &str) -> Flag {
        self.exercise_id = Some(exercise_id.to_string());
        self
    }

    /// Urgent or attention.
    pub fn is_concern(&self) -> bool {
        self.severity <= Severity::Attention
    }
}

/// An exercise one step along a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Variant<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// What the rules may look up about an exercise: its name, for reasons, and
/// its easier and harder variants, for suggestions. Borrowed from the
/// caller's library, so a lookup costs no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChainInfo<'a> {
    pub name: &'a str,
    pub easier: Option<Variant<'a>>,
    pub harder: Option<Variant<'a>>,
}

impl<'a> ChainInfo<'a> {
    /// From an exercise library (the clinic's, with the built-in one).
    pub fn from_library(library: &'a Library, id: &str) -> Option<ChainInfo<'a>> {
        let e = library.get(id)?;
        let variant = |x: Option<&'a crate::exercise::Exercise>| {
            x.map(|x| Variant {
                id: &x.id,
                name: &x.name,
            })
        };
        Some(ChainInfo {
            name: &e.name,
            easier: variant(library.easier(id)),
            harder: variant(library.harder(id)),
        })
    }
}

/// A lookup that knows nothing: reasons then use exercise ids.
pub fn no_lookup(_: &str) -> Option<ChainInfo<'static>> {
    None
}

/// Evaluates every rule for one episode on `today` (the patient's local
/// date). `lookup` names exercises and their chain neighbours.
pub fn evaluate<'a>(
    ep: &EpisodeData,
    today: Date,
    t: &Thresholds,
    lookup: &dyn Fn(&str) -> Option<ChainInfo<'a>>,
) -> Vec<Flag> {
    let sum = adherence::summary(ep.plans, ep.logs, today, ep.discharged_on, t);
    evaluate_with(ep, &sum, today, t, lookup)
}

/// [`evaluate`] with an adherence summary already computed for the same day.
pub fn evaluate_with<'a>(
    ep: &EpisodeData,
    sum: &AdherenceSummary,
    today: Date,
    t: &Thresholds,
    lookup: &dyn Fn(&str) -> Option<ChainInfo<'a>>,
) -> Vec<Flag> {
    if ep.is_discharged(today) {
        return Vec::new();
    }
    let mut flags = Vec::with_capacity(4);
    let s = Schedule::new(ep.plans, today, ep.discharged_on);
    exercises(ep, &s, today, t, lookup, &mut flags);
    adherence_rules(sum, t, &mut flags);
    no_recent_log(sum, today, t, &mut flags);
    no_benefit(ep, sum, today, t, &mut flags);
    low_alliance(ep, today, t, &mut flags);
    plan_ended(&s, sum, &mut flags);
    follow_up_overdue(ep, sum, today, t, &mut flags);
    flags.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.exercise_id.cmp(&b.exercise_id))
    });
    flags
}

fn add_days(d: Date, n: i32) -> Date {
    date_of(day_number(d) + n)
}

fn days_between(from: Date, to: Date) -> i32 {
    day_number(to) - day_number(from)
}

// ---------------------------------------------------------------------------
// Per exercise

/// The `k` latest of some logs (newest first), on the stack.
struct Latest<'a> {
    buf: [Option<&'a SessionLog>; MAX_SESSIONS as usize],
    len: usize,
    k: usize,
}

impl<'a> Latest<'a> {
    fn new(k: u32) -> Self {
        Latest {
            buf: [None; MAX_SESSIONS as usize],
            len: 0,
            k: usize::try_from(k.min(MAX_SESSIONS)).unwrap_or(0),
        }
    }

    fn offer(&mut self, l: &'a SessionLog) {
        if self.k == 0 {
            return;
        }
        // Position: before the first entry older than `l`.
        let mut pos = self.len;
        for (i, slot) in self.buf[..self.len].iter().enumerate() {
            if slot.is_some_and(|x| l.chronological(x).is_gt()) {
                pos = i;
                break;
            }
        }
        if pos >= self.k {
            return;
        }
        let last = self.len.min(self.k - 1);
        for i in (pos..last).rev() {
            self.buf[i + 1] = self.buf[i];
        }
        self.buf[pos] = Some(l);
        self.len = (self.len + 1).min(self.k);
    }

    fn iter(&self) -> impl Iterator<Item = &'a SessionLog> + '_ {
        self.buf[..self.len].iter().flatten().copied()
    }

    fn oldest_first(&self) -> impl Iterator<Item = &'a SessionLog> + '_ {
        self.buf[..self.len].iter().rev().flatten().copied()
    }

    fn newest(&self) -> Option<&'a SessionLog> {
        self.buf[0]
    }
}

/// The first day of the run of versions, ending with the one in force
/// today, in which the exercise kept the same dose.
fn item_since(s: &Schedule, plans: &[super::PlanVersion], version: usize, id: &str) -> i32 {
    let dose = plans[version]
        .plan
        .items
        .iter()
        .find(|i| i.exercise_id == id)
        .map(|i| &i.dose);
    let mut since = day_number(plans[version].starts_on);
    // Versions are few; a guard keeps a malformed history from looping.
    for _ in 0..plans.len() {
        let Some(prev) = s.version_on(since - 1) else {
            break;
        };
        let same = plans[prev]
            .plan
            .items
            .iter()
            .any(|i| i.exercise_id == id && Some(&i.dose) == dose);
        if !same {
            break;
        }
        since = day_number(plans[prev].starts_on);
    }
    since
}

fn exercises<'a>(
    ep: &EpisodeData,
    s: &Schedule,
    today: Date,
    t: &Thresholds,
    lookup: &dyn Fn(&str) -> Option<ChainInfo<'a>>,
    flags: &mut Vec<Flag>,
) {
    let Some(v) = s.version_on(s.today) else {
        return;
    };
    let items = &ep.plans[v].plan.items;
    let window_start = s.today - (t.recent_days - 1);
    for (n, item) in items.iter().enumerate() {
        let id = item.exercise_id.as_str();
        if items[..n].iter().any(|i| i.exercise_id == id) {
            continue;
        }
        let from = item_since(s, ep.plans, v, id).max(window_start);
        let mut paired = Latest::new(t.pain_rise_of_last);
        let mut hard = Latest::new(t.rating_sessions);
        let mut liked = Latest::new(t.rating_sessions);
        let mut all = Latest::new(t.mastered_sessions);
        let (from, to) = (date_of(from), today);
        for l in ep.logs {
            // Dates first: cheaper than comparing ids.
            if l.date < from || l.date > to || !same_id(&l.exercise_id, id) {
                continue;
            }
            all.offer(l);
            if !l.is_session() {
                continue;
            }
            if l.pain_change().is_some() {
                paired.offer(l);
            }
            if l.difficulty.is_some() {
                hard.offer(l);
            }
            if l.enjoyment.is_some() {
                liked.offer(l);
            }
        }
        let mut info: Option<Option<ChainInfo>> = None;
        let mut get_info = || *info.get_or_insert_with(|| lookup(id));
        let mut regress: Option<(Date, &'static str)> = None;

        // Pain rising.
        let n_paired = paired.len;
        let rising = paired
            .iter()
            .filter(|l| l.pain_change().is_some_and(|c| c >= t.pain_rise_points))
            .count();
        if u32::try_from(rising).unwrap_or(0) >= t.pain_rise_sessions {
            let urgent = rising == n_paired
                && u32::try_from(n_paired).unwrap_or(0) == t.pain_rise_of_last
                && t.pain_rise_of_last > t.pain_rise_sessions;
            let name = display_name(get_info(), id);
            let mut detail = String::new();
            let mut newest: Option<Date> = None;
            for l in paired.oldest_first() {
                if let Some(c) = l.pain_change().filter(|c| *c >= t.pain_rise_points) {
                    if !detail.is_empty() {
                        detail.push_str(", ");
                    }
                    let _ = write!(detail, "+{c} on {}", l.date);
                    newest = Some(newest.map_or(l.date, |d| d.max(l.date)));
                }
            }
            let since = newest.unwrap_or(today);
            flags.push(
                Flag::new(
                    FlagKind::PainRising,
                    if urgent {
                        Severity::Urgent
                    } else {
                        Severity::Attention
                    },
                    format!(
                        "Pain rose by {} or more points after {rising} of the last {n_paired} sessions of {name} ({detail}).",
                        t.pain_rise_points
                    ),
                    since,
                )
                .on(id),
            );
            regress = Some((since, "pain rising after it"));
        }

        // Too hard / not enjoyed.
        let mean = |l: &Latest, f: fn(&SessionLog) -> Option<u8>| -> Option<(f64, u32)> {
            let (mut sum, mut n) = (0u32, 0u32);
            for x in l.iter() {
                if let Some(v) = f(x) {
                    sum += u32::from(v);
                    n += 1;
                }
            }
            (n > 0 && n >= t.rating_min_sessions).then(|| (f64::from(sum) / f64::from(n), n))
        };
        if let Some((m, n)) = mean(&hard, |l| l.difficulty)
            && m >= t.too_hard_mean
        {
            let since = hard.newest().map_or(today, |l| l.date);
            let name = display_name(get_info(), id);
            flags.push(
                Flag::new(
                    FlagKind::TooHard,
                    Severity::Attention,
                    format!(
                        "{name} rated hard: mean difficulty {} (1 very easy – 5 too hard) over the last {n} sessions, at or above {}.",
                        num(m),
                        num(t.too_hard_mean)
                    ),
                    since,
                )
                .on(id),
            );
            regress = Some(match regress {
                Some((d, _)) => (d.max(since), "pain rising after it and rated too hard"),
                None => (since, "rated too hard"),
            });
        }
        if let Some((m, n)) = mean(&liked, |l| l.enjoyment)
            && m <= t.disliked_mean
        {
            let name = display_name(get_info(), id);
            flags.push(
                Flag::new(
                    FlagKind::NotEnjoyed,
                    Severity::Info,
                    format!(
                        "{name} not enjoyed: mean enjoyment {} (1 not at all – 5 very much) over the last {n} sessions, at or below {}.",
                        num(m),
                        num(t.disliked_mean)
                    ),
                    liked.newest().map_or(today, |l| l.date),
                )
                .on(id),
            );
        }

        // Suggestions.
        if let Some((since, why)) = regress {
            let ci = get_info();
            let name = display_name(ci, id);
            let easier = ci.and_then(|c| c.easier);
            let reason = match &easier {
                Some(e) => format!("Make {name} easier ({why}): go back to {}.", e.name),
                None => format!(
                    "Make {name} easier ({why}): fewer repetitions, less load or a smaller range."
                ),
            };
            let mut f =
                Flag::new(FlagKind::SuggestRegression, Severity::Info, reason, since).on(id);
            f.suggested_exercise = easier.map(|e| e.id.to_string());
            flags.push(f);
        } else if all.len == all.k
            && all.k > 0
            && all.iter().all(|l| {
                l.completion == Completion::Completed
                    && l.difficulty.is_some_and(|d| d <= t.mastered_difficulty)
                    && l.pain_change().is_some_and(|c| c <= 0)
            })
        {
            let ci = get_info();
            let name = display_name(ci, id);
            let harder = ci.and_then(|c| c.harder);
            let reason = match &harder {
                Some(h) => format!(
                    "{name} mastered: done in full in each of the last {} sessions, rated easy (difficulty {} or less), no rise in pain: move on to {}.",
                    all.k, t.mastered_difficulty, h.name
                ),
                None => format!(
                    "{name} mastered: done in full in each of the last {} sessions, rated easy (difficulty {} or less), no rise in pain: add a set or a little load.",
                    all.k, t.mastered_difficulty
                ),
            };
            let since = all.newest().map_or(today, |l| l.date);
            let mut f =
                Flag::new(FlagKind::SuggestProgression, Severity::Info, reason, since).on(id);
            f.suggested_exercise = harder.map(|h| h.id.to_string());
            flags.push(f);
        }
    }
}

/// String equality with a cheap first look at the length and last byte: ids
/// of one library often share a prefix, rarely a length and an ending.
fn same_id(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().last() == b.as_bytes().last() && a == b
}

fn display_name<'a>(info: Option<ChainInfo<'a>>, id: &'a str) -> &'a str {
    info.map_or(id, |i| i.name)
}

// ---------------------------------------------------------------------------
// Episode-wide rules

fn adherence_rules(sum: &AdherenceSummary, t: &Thresholds, flags: &mut Vec<Flag>) {
    let Some(w) = sum.last_week.filter(|w| w.complete) else {
        return;
    };
    let sunday = add_days(w.starts_on, 6);
    if let Some(p) = w.proportion
        && p * 100.0 < t.adherence_low_percent
    {
        flags.push(Flag::new(
            FlagKind::AdherenceBelowPlan,
            Severity::Attention,
            format!(
                "Last week ({}) {} of {} prescribed sessions logged ({}), below {}%.",
                w.week,
                num(w.logged),
                num(w.prescribed),
                pct(p),
                num(t.adherence_low_percent)
            ),
            sunday,
        ));
    }
    if sum.trend.direction == TrendDirection::Falling {
        let tr = &sum.trend;
        let reason = match (tr.dropped, tr.last_two_points, tr.before_points) {
            (true, Some([a, b]), Some(before)) => format!(
                "Adherence falling: the last two weeks {}% and {}%, against {}% over the 4 weeks before (a fall of {} points or more).",
                num(a),
                num(b),
                num(before),
                num(t.falling_drop_points)
            ),
            _ => format!(
                "Adherence falling by {} points a week over the last 4 weeks (at or beyond {}).",
                num(-tr.slope_points_per_week.unwrap_or(0.0)),
                num(t.falling_slope_points_per_week)
            ),
        };
        flags.push(Flag::new(
            FlagKind::AdherenceFalling,
            Severity::Attention,
            reason,
            sunday,
        ));
    }
}

fn no_recent_log(sum: &AdherenceSummary, today: Date, t: &Thresholds, flags: &mut Vec<Flag>) {
    if sum.status != PlanStatus::Active {
        return;
    }
    let Some(started) = sum.plan_started_on else {
        return;
    };
    let (reference, logged) = match sum.last_log_on {
        Some(l) if l >= started => (l, true),
        _ => (started, false),
    };
    let days = days_between(reference, today);
    if days < t.no_log_days {
        return;
    }
    let reason = if logged {
        format!(
            "No session logged for {days} days (the last on {reference}); the plan asks for {} a week.",
            sum.sessions_per_week
        )
    } else {
        format!(
            "No session logged in the {days} days since the plan started on {reference}; it asks for {} a week.",
            sum.sessions_per_week
        )
    };
    flags.push(Flag::new(
        FlagKind::NoRecentLog,
        Severity::Attention,
        reason,
        add_days(reference, t.no_log_days),
    ));
}

fn no_benefit(
    ep: &EpisodeData,
    sum: &AdherenceSummary,
    today: Date,
    t: &Thresholds,
    flags: &mut Vec<Flag>,
) {
    let Some(started) = sum.plan_started_on else {
        return;
    };
    let weeks = days_between(started, today) / 7;
    if weeks < t.no_benefit_after_weeks {
        return;
    }
    let pgic = ep
        .scores
        .iter()
        .filter(|s| {
            s.instrument.eq_ignore_ascii_case("pgic")
                && s.date >= started
                && s.date <= today
                && (1.0..=7.0).contains(&s.total)
        })
        .max_by(|a, b| a.date.cmp(&b.date).then(a.total.total_cmp(&b.total)));
    if let Some(p) = pgic {
        if p.total > PGIC_IMPROVED_AT_OR_BELOW {
            flags.push(Flag::new(
                FlagKind::NoBenefit,
                Severity::Attention,
                format!(
                    "No perceived benefit {weeks} weeks into the plan: PGIC {} ({}) on {}.",
                    num(p.total),
                    pgic_label(p.total),
                    p.date
                ),
                p.date,
            ));
        }
        return;
    }
    let mut judged = String::new();
    let mut latest: Option<Date> = None;
    for code in OUTCOME_INSTRUMENTS {
        let Ok(info) = crate::instruments::find(code) else {
            continue;
        };
        let Some(mic) = info.mic.as_ref() else {
            continue;
        };
        let (Some(first), Some(last)) = (
            earliest_score(ep.scores, code, today),
            latest_score(ep.scores, code, today),
        ) else {
            continue;
        };
        if last.date <= first.date || last.date <= started {
            continue;
        }
        if crate::outcomes::reaches_mic(info, first.total, last.total) == Some(true) {
            return;
        }
        if !judged.is_empty() {
            judged.push_str("; ");
        }
        let _ = write!(
            judged,
            "{} {} → {} ({} → {}; important: {} points or {}%)",
            code.to_ascii_uppercase(),
            num(first.total),
            num(last.total),
            first.date,
            last.date,
            num(mic.points),
            num(mic.percent.unwrap_or(0.0))
        );
        latest = Some(latest.map_or(last.date, |d| d.max(last.date)));
    }
    if let Some(since) = latest {
        flags.push(Flag::new(
            FlagKind::NoBenefit,
            Severity::Attention,
            format!("No important improvement {weeks} weeks into the plan: {judged}."),
            since,
        ));
    }
}

fn low_alliance(ep: &EpisodeData, today: Date, t: &Thresholds, flags: &mut Vec<Flag>) {
    let Some(w) = latest_score(ep.scores, "waisr", today) else {
        return;
    };
    let Some(bond) = w
        .subscales
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("bond"))
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
    else {
        return;
    };
    if bond <= t.alliance_bond_low {
        flags.push(Flag::new(
            FlagKind::LowAlliance,
            Severity::Attention,
            format!(
                "Low alliance: WAI-SR bond {} of 20 on {}, at or below {}.",
                num(bond),
                w.date,
                num(t.alliance_bond_low)
            ),
            w.date,
        ));
    }
}

fn plan_ended(s: &Schedule, sum: &AdherenceSummary, flags: &mut Vec<Flag>) {
    if sum.status != PlanStatus::Ended {
        return;
    }
    let Some(end) = s.ends_on(s.today) else {
        return;
    };
    let ended = date_of(end);
    flags.push(Flag::new(
        FlagKind::PlanEnded,
        Severity::Attention,
        format!(
            "Every exercise of the plan has run its prescribed weeks (the last ended on {ended}): progress, renew or discharge."
        ),
        date_of(end + 1),
    ));
}

fn follow_up_overdue(
    ep: &EpisodeData,
    sum: &AdherenceSummary,
    today: Date,
    t: &Thresholds,
    flags: &mut Vec<Flag>,
) {
    let concerns = flags.iter().any(Flag::is_concern);
    let pseq = ep.pseq(today);
    let (interval, basis) = routine_interval(
        ep.stratum(today),
        pseq,
        concerns,
        sum.status == PlanStatus::Active,
        sum.good_weeks_in_a_row,
        t,
    );
    let (anchor, kind) = match ep.last_contact(today) {
        Some(c) => (c, AnchorKind::LastContact),
        None => (ep.start, AnchorKind::EpisodeStart),
    };
    let due = add_days(anchor, interval);
    let over = days_between(due, today);
    if over <= 0 {
        return;
    }
    flags.push(Flag::new(
        FlagKind::FollowUpOverdue,
        if over >= t.overdue_urgent_days {
            Severity::Urgent
        } else {
            Severity::Attention
        },
        format!(
            "Follow-up overdue by {over} day{}: due {due}, {interval} days after {} on {anchor} ({}).",
            if over == 1 { "" } else { "s" },
            kind.describe(),
            basis.describe(pseq, sum.good_weeks_in_a_row)
        ),
        add_days(due, 1),
    ));
}
