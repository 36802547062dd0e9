//! The generating model of the synthetic clinic: the planted truth.
//!
//! Every number an analysis could be checked against is a constant here, and
//! `docs/synthetic-clinic.md` explains them. Latent scores are standard
//! normal unless said otherwise.
//!
//! **Contexts** (per patient, mutually independent):
//! - `self_efficacy` (s) — drives the PSEQ items;
//! - `fear` — drives the TSK-11 items and part of the STarT Back
//!   psychosocial items;
//! - `risk` — drives the STarT Back items;
//! - `bond` — the alliance bond: 0.8 × a patient part + 0.6 × the
//!   clinician's own effect (one draw per clinician), drives the WAI-SR;
//! - `goals_agreed` — goals agreed together (Bernoulli, [`P_GOALS_AGREED`]);
//! - `enjoy` — how much the person likes exercising, drives the enjoyment
//!   ratings of the logs;
//! - `severity`, `pain` — baseline disability and pain (RMDQ, NPRS).
//!
//! **Mechanisms** (latent scores, no noise of their own):
//! - trust = [`TRUST_FROM_BOND`] × bond + [`TRUST_FROM_GOALS`] × goals_agreed
//! - motivation = [`MOTIVATION_FROM_ENJOY`] × enjoy + [`MOTIVATION_FROM_GOALS`]
//!   × goals_agreed + [`MOTIVATION_FROM_FEAR`] × fear
//! - confidence = s + [`CONFIDENCE_FROM_FEAR`] × fear
//!
//! **Adherence**: the patient's target probability of doing a prescribed
//! session is
//! `ADHERENCE_BASE + ADHERENCE_FROM_TRUST × trust + ADHERENCE_FROM_MOTIVATION
//! × motivation + ADHERENCE_FROM_CONFIDENCE × confidence + ADHERENCE_HIGH_RISK
//! × [STarT Back high] + N(0, ADHERENCE_NOISE_SD)`, clamped to
//! [`ADHERENCE_MIN`, `ADHERENCE_MAX`]. Each week adds N(0, [`WEEKLY_NOISE_SD`]);
//! a [`P_DECLINING`] share of patients (chosen independently of everything
//! else) lose [`DECLINE_PER_WEEK`] a week from week [`DECLINE_FROM_WEEK`].
//! The *realised* adherence A is the sessions done (a partly done session
//! counts ½) over the sessions prescribed, over the whole episode.
//!
//! **Outcomes** at discharge (improvement = baseline − discharge):
//! - RMDQ: `RMDQ_BASE + B × A + C_PRIME × s + N(0, RMDQ_NOISE_SD)`;
//! - NPRS: `NPRS_BASE + NPRS_B × A + NPRS_C_PRIME × s + N(0, NPRS_NOISE_SD)`;
//! - six months: [`SIX_MONTH_KEEP`] × the discharge improvement + noise.
//!
//! So the effect of self-efficacy on the outcome is partly mediated by
//! adherence: a = [`A`] (adherence per SD of s, through confidence), b = [`B`]
//! (RMDQ points per unit of adherence), c′ = [`C_PRIME`] (RMDQ points per SD
//! of s); the indirect effect is a × b and the total c = c′ + a × b. No other
//! context reaches the outcome except through adherence.

/// Self-efficacy → adherence (per SD of latent self-efficacy): path a.
pub const A: f64 = 0.08;
/// Adherence (0–1) → RMDQ improvement in points: path b.
pub const B: f64 = 8.0;
/// Self-efficacy (per SD) → RMDQ improvement, not through adherence: path c′.
pub const C_PRIME: f64 = 1.0;

pub const P_GOALS_AGREED: f64 = 0.7;
pub const CLINICIAN_SHARE: f64 = 0.6;
pub const PATIENT_SHARE: f64 = 0.8;

pub const TRUST_FROM_BOND: f64 = 0.8;
pub const TRUST_FROM_GOALS: f64 = 0.6;
pub const MOTIVATION_FROM_ENJOY: f64 = 0.7;
pub const MOTIVATION_FROM_GOALS: f64 = 0.6;
pub const MOTIVATION_FROM_FEAR: f64 = -0.4;
pub const CONFIDENCE_FROM_FEAR: f64 = -0.3;

pub const ADHERENCE_BASE: f64 = 0.52;
pub const ADHERENCE_FROM_TRUST: f64 = 0.04;
pub const ADHERENCE_FROM_MOTIVATION: f64 = 0.05;
/// Confidence → adherence; self-efficacy enters confidence with weight 1, so
/// this is path a.
pub const ADHERENCE_FROM_CONFIDENCE: f64 = A;
pub const ADHERENCE_HIGH_RISK: f64 = -0.05;
pub const ADHERENCE_NOISE_SD: f64 = 0.06;
pub const ADHERENCE_MIN: f64 = 0.03;
pub const ADHERENCE_MAX: f64 = 0.97;
pub const WEEKLY_NOISE_SD: f64 = 0.05;
pub const P_DECLINING: f64 = 0.15;
pub const DECLINE_PER_WEEK: f64 = 0.06;
pub const DECLINE_FROM_WEEK: i32 = 3;

pub const RMDQ_BASE: f64 = 1.0;
pub const RMDQ_NOISE_SD: f64 = 2.0;
pub const NPRS_BASE: f64 = 0.3;
pub const NPRS_B: f64 = 3.0;
pub const NPRS_C_PRIME: f64 = 0.4;
pub const NPRS_NOISE_SD: f64 = 1.0;
pub const SIX_MONTH_KEEP: f64 = 0.85;

/// Share of patients with one exercise they find too hard (difficulty 4–5)
/// until it is made easier at the next plan review.
pub const P_TOO_HARD: f64 = 0.12;
/// Share with one exercise after which pain rises by 2 or more on most
/// sessions, until it is made easier; higher when fearful (TSK-11 ≥ 25).
pub const P_PAIN_RISE: f64 = 0.06;
pub const P_PAIN_RISE_FEARFUL: f64 = 0.14;
/// Share whose clinician runs late with follow-ups (10–25 days late).
pub const P_LATE_FOLLOW_UP: f64 = 0.15;
/// Share of missed sessions the patient still logs, as skipped.
pub const P_LOG_SKIPPED: f64 = 0.25;
/// Share of episodes still open on `--today` (the rest were discharged
/// earlier; of those, the ones discharged six months or more before also
/// have the six-month outcome).
pub const ACTIVE_SHARE: f64 = 0.85;
/// Episodes last this many weeks (uniform).
pub const WEEKS_MIN: i32 = 8;
pub const WEEKS_MAX: i32 = 14;

/// The truth as JSON, for `--truth FILE` and the summary.
pub fn truth_json() -> serde_json::Value {
    serde_json::json!({
        "model": "rapport-synthetic-clinic/1",
        "units": {
            "self_efficacy": "latent, SD units (PSEQ total ≈ 30 + 13 × s before rounding and floor/ceiling)",
            "adherence": "realised proportion of prescribed sessions done (partly = 1/2), 0-1",
            "rmdq_change": "RMDQ baseline minus discharge, points",
            "nprs_change": "NPRS baseline minus discharge, points",
        },
        "mediation": {
            "x": "self_efficacy", "m": "adherence", "y": "rmdq_change",
            "a": A, "b": B, "c_prime": C_PRIME,
            "indirect": A * B, "total": C_PRIME + A * B,
            "proportion_mediated": A * B / (C_PRIME + A * B),
        },
        "nprs": { "b": NPRS_B, "c_prime": NPRS_C_PRIME, "base": NPRS_BASE, "noise_sd": NPRS_NOISE_SD },
        "rmdq": { "base": RMDQ_BASE, "noise_sd": RMDQ_NOISE_SD, "six_month_keep": SIX_MONTH_KEEP },
        "mechanisms": {
            "trust": { "bond": TRUST_FROM_BOND, "goals_agreed": TRUST_FROM_GOALS },
            "motivation": { "enjoy": MOTIVATION_FROM_ENJOY, "goals_agreed": MOTIVATION_FROM_GOALS, "fear": MOTIVATION_FROM_FEAR },
            "confidence": { "self_efficacy": 1.0, "fear": CONFIDENCE_FROM_FEAR },
        },
        "adherence": {
            "base": ADHERENCE_BASE,
            "trust": ADHERENCE_FROM_TRUST,
            "motivation": ADHERENCE_FROM_MOTIVATION,
            "confidence": ADHERENCE_FROM_CONFIDENCE,
            "startback_high": ADHERENCE_HIGH_RISK,
            "noise_sd": ADHERENCE_NOISE_SD,
            "clamp": [ADHERENCE_MIN, ADHERENCE_MAX],
            "weekly_noise_sd": WEEKLY_NOISE_SD,
            "declining_share": P_DECLINING,
            "decline_per_week": DECLINE_PER_WEEK,
            "decline_from_week": DECLINE_FROM_WEEK,
        },
        "contexts": {
            "independent": ["self_efficacy", "fear", "risk", "bond", "goals_agreed", "enjoy", "severity", "pain"],
            "goals_agreed_probability": P_GOALS_AGREED,
            "bond": { "patient_share": PATIENT_SHARE, "clinician_share": CLINICIAN_SHARE },
        },
        "monitoring": {
            "too_hard_share": P_TOO_HARD,
            "pain_rise_share": P_PAIN_RISE,
            "pain_rise_share_fearful": P_PAIN_RISE_FEARFUL,
            "late_follow_up_share": P_LATE_FOLLOW_UP,
            "skipped_logged_share": P_LOG_SKIPPED,
        },
        "episodes": { "active_share": ACTIVE_SHARE, "weeks": [WEEKS_MIN, WEEKS_MAX] },
    })
}
