//! The numbers behind the monitoring rules and the follow-up schedule.
//!
//! Each default has its reason. Where the theory engine's signals
//! ([`crate::theory::signals`]) already fix a number for the same fact — a pain
//! rise, a too-hard or disliked mean, low self-efficacy, a low alliance bond,
//! the follow-up target, the recent window — the default *is* that constant,
//! so the engine and the monitoring agree unless a clinic chooses otherwise.
//!
//! A clinic may override any of them (serde: missing fields take the default,
//! unknown fields are refused); [`Thresholds::validate`] names the field and
//! the rule broken.

use serde::{Deserialize, Serialize};

use crate::theory::signals::{
    DISLIKED_MEAN_AT_OR_BELOW, FOLLOW_UP_TARGET_DAYS, FOLLOW_UP_TARGET_DAYS_HIGH_RISK,
    PAIN_RISE_MIN_SESSIONS, PAIN_RISE_POINTS, PSEQ_LOW_AT_OR_BELOW, RECENT_WINDOW_DAYS,
    TOO_HARD_MEAN_AT_OR_ABOVE, WAISR_BOND_LOW_AT_OR_BELOW,
};
use crate::{Error, Result};

/// The most sessions any "last N sessions" rule may look at.
pub const MAX_SESSIONS: u32 = 20;

/// Thresholds of the monitoring rules and the follow-up schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    // --- Adherence -------------------------------------------------------
    /// A week counts as below plan when under this percentage of the
    /// prescribed sessions was logged. Default 50: fewer than half the
    /// sessions, the lowest cut-off used for "adherent" in home-exercise
    /// studies; a flag should mean something is wrong, not merely imperfect.
    pub adherence_low_percent: f64,
    /// A week counts as good at or above this percentage. Default 80: the
    /// usual cut-off for good adherence to medication and exercise.
    pub adherence_good_percent: f64,
    /// Adherence is falling when each of the last 2 complete weeks is at
    /// least this many percentage points below the mean of the 4 weeks
    /// before them. Default 20.
    pub falling_drop_points: f64,
    /// …or when the least-squares slope over the last 4 complete weeks is
    /// at or below minus this many points a week. Default 10 (a 30-point
    /// fall over the four weeks).
    pub falling_slope_points_per_week: f64,

    // --- Sessions of one exercise -----------------------------------------
    /// Pain after minus pain before (0–10) that counts as a rise. Default
    /// [`PAIN_RISE_POINTS`] (2, the NPRS minimal important change).
    pub pain_rise_points: i32,
    /// Rises needed… Default [`PAIN_RISE_MIN_SESSIONS`] (2, "repeated").
    pub pain_rise_sessions: u32,
    /// …among this many latest sessions with pain rated before and after.
    /// Default 3.
    pub pain_rise_of_last: u32,
    /// Difficulty and enjoyment are averaged over this many latest rated
    /// sessions of an exercise. Default 3.
    pub rating_sessions: u32,
    /// Rated sessions needed before a mean is judged. Default 2: one rating
    /// alone is not a pattern.
    pub rating_min_sessions: u32,
    /// Mean difficulty (1–5) at or above which an exercise is too hard.
    /// Default [`TOO_HARD_MEAN_AT_OR_ABOVE`] (4, "hard").
    pub too_hard_mean: f64,
    /// Mean enjoyment (1–5) at or below which an exercise is not enjoyed.
    /// Default [`DISLIKED_MEAN_AT_OR_BELOW`] (2.5).
    pub disliked_mean: f64,
    /// Only sessions of the last this many days count for an exercise's
    /// pattern. Default [`RECENT_WINDOW_DAYS`] (28).
    pub recent_days: i32,
    /// An exercise is mastered when each of its last this many logs was done
    /// in full… Default 3 ("three sessions in a row", as the plan's default
    /// progression rule says).
    pub mastered_sessions: u32,
    /// …rated at most this difficulty (1–5), with no rise in pain. Default 2
    /// ("easy").
    pub mastered_difficulty: u8,

    // --- Episode ------------------------------------------------------------
    /// Perceived benefit is judged once the first plan has run this many
    /// weeks. Default 4: the earliest review point at which exercise usually
    /// shows an effect on pain or function.
    pub no_benefit_after_weeks: i32,
    /// No log for this many days while a plan is active raises a flag.
    /// Default 5: most plans ask for 2–5 sessions a week, so five silent
    /// days means at least one missed session and no word.
    pub no_log_days: i32,
    /// A follow-up this many days overdue is urgent. Default 7.
    pub overdue_urgent_days: i32,
    /// WAI-SR bond subscale (4–20) at or below which the alliance is low.
    /// Default [`WAISR_BOND_LOW_AT_OR_BELOW`] (11).
    pub alliance_bond_low: f64,

    // --- Follow-up schedule -------------------------------------------------
    /// Days between contacts while a concern is open (an urgent or attention
    /// flag). Default [`FOLLOW_UP_TARGET_DAYS`] (14).
    pub follow_up_days: i32,
    /// Days between contacts for STarT Back high risk. Default
    /// [`FOLLOW_UP_TARGET_DAYS_HIGH_RISK`] (7).
    pub high_risk_days: i32,
    /// Days between contacts for low self-efficacy. Default 7, as for high
    /// risk (the signals use one target for both).
    pub low_self_efficacy_days: i32,
    /// PSEQ total (0–60) at or below which self-efficacy is low. Default
    /// [`PSEQ_LOW_AT_OR_BELOW`] (30).
    pub pseq_low: f64,
    /// A new urgent or attention flag brings the next contact to within this
    /// many days of the flag. Default 2.
    pub new_flag_days: i32,
    /// Days between contacts when all is well. Default 21.
    pub all_well_days: i32,
    /// …once adherence has been good for `good_adherence_weeks` weeks in a
    /// row. Default 28.
    pub all_well_extended_days: i32,
    /// Default 4.
    pub good_adherence_weeks: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            adherence_low_percent: 50.0,
            adherence_good_percent: 80.0,
            falling_drop_points: 20.0,
            falling_slope_points_per_week: 10.0,
            pain_rise_points: PAIN_RISE_POINTS,
            pain_rise_sessions: PAIN_RISE_MIN_SESSIONS,
            pain_rise_of_last: 3,
            rating_sessions: 3,
            rating_min_sessions: 2,
            too_hard_mean: TOO_HARD_MEAN_AT_OR_ABOVE,
            disliked_mean: DISLIKED_MEAN_AT_OR_BELOW,
            recent_days: RECENT_WINDOW_DAYS,
            mastered_sessions: 3,
            mastered_difficulty: 2,
            no_benefit_after_weeks: 4,
            no_log_days: 5,
            overdue_urgent_days: 7,
            alliance_bond_low: WAISR_BOND_LOW_AT_OR_BELOW,
            follow_up_days: FOLLOW_UP_TARGET_DAYS,
            high_risk_days: FOLLOW_UP_TARGET_DAYS_HIGH_RISK,
            low_self_efficacy_days: FOLLOW_UP_TARGET_DAYS_HIGH_RISK,
            pseq_low: PSEQ_LOW_AT_OR_BELOW,
            new_flag_days: 2,
            all_well_days: 21,
            all_well_extended_days: 28,
            good_adherence_weeks: 4,
        }
    }
}

fn real(field: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "range",
            format!("must be a number from {lo} to {hi}"),
        ))
    }
}

fn whole<T: Into<i64> + Copy>(field: &str, v: T, lo: i64, hi: i64) -> Result<()> {
    if (lo..=hi).contains(&v.into()) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "range",
            format!("must be a whole number from {lo} to {hi}"),
        ))
    }
}

fn order(field: &str, ok: bool, message: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(field, "order", message))
    }
}

impl Thresholds {
    /// Checks every range, then the orderings between fields; the first
    /// problem is reported with its field.
    pub fn validate(&self) -> Result<()> {
        let t = self;
        let max = i64::from(MAX_SESSIONS);
        real("adherence_low_percent", t.adherence_low_percent, 0.0, 100.0)?;
        real(
            "adherence_good_percent",
            t.adherence_good_percent,
            0.0,
            100.0,
        )?;
        real("falling_drop_points", t.falling_drop_points, 1.0, 100.0)?;
        real(
            "falling_slope_points_per_week",
            t.falling_slope_points_per_week,
            1.0,
            100.0,
        )?;
        whole("pain_rise_points", t.pain_rise_points, 1, 10)?;
        whole("pain_rise_sessions", t.pain_rise_sessions, 1, max)?;
        whole("pain_rise_of_last", t.pain_rise_of_last, 1, max)?;
        whole("rating_sessions", t.rating_sessions, 1, max)?;
        whole("rating_min_sessions", t.rating_min_sessions, 1, max)?;
        real("too_hard_mean", t.too_hard_mean, 3.0, 5.0)?;
        real("disliked_mean", t.disliked_mean, 1.0, 3.0)?;
        whole("recent_days", t.recent_days, 7, 365)?;
        whole("mastered_sessions", t.mastered_sessions, 1, max)?;
        whole("mastered_difficulty", t.mastered_difficulty, 1, 5)?;
        whole("no_benefit_after_weeks", t.no_benefit_after_weeks, 1, 52)?;
        whole("no_log_days", t.no_log_days, 1, 90)?;
        whole("overdue_urgent_days", t.overdue_urgent_days, 1, 90)?;
        real("alliance_bond_low", t.alliance_bond_low, 4.0, 20.0)?;
        whole("follow_up_days", t.follow_up_days, 1, 180)?;
        whole("high_risk_days", t.high_risk_days, 1, 180)?;
        whole("low_self_efficacy_days", t.low_self_efficacy_days, 1, 180)?;
        real("pseq_low", t.pseq_low, 0.0, 60.0)?;
        whole("new_flag_days", t.new_flag_days, 0, 30)?;
        whole("all_well_days", t.all_well_days, 1, 180)?;
        whole("all_well_extended_days", t.all_well_extended_days, 1, 180)?;
        whole("good_adherence_weeks", t.good_adherence_weeks, 1, 8)?;
        order(
            "adherence_good_percent",
            t.adherence_good_percent >= t.adherence_low_percent,
            "must be at least adherence_low_percent",
        )?;
        order(
            "pain_rise_sessions",
            t.pain_rise_sessions <= t.pain_rise_of_last,
            "must be at most pain_rise_of_last",
        )?;
        order(
            "rating_min_sessions",
            t.rating_min_sessions <= t.rating_sessions,
            "must be at most rating_sessions",
        )?;
        order(
            "follow_up_days",
            t.follow_up_days >= t.high_risk_days.max(t.low_self_efficacy_days),
            "must be at least high_risk_days and low_self_efficacy_days",
        )?;
        order(
            "all_well_days",
            t.all_well_days >= t.follow_up_days,
            "must be at least follow_up_days",
        )?;
        order(
            "all_well_extended_days",
            t.all_well_extended_days >= t.all_well_days,
            "must be at least all_well_days",
        )?;
        Ok(())
    }
}
