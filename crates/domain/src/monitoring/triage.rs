//! Caseload triage: patients ranked by need.
//!
//! Need, most important first: the number of urgent flags; then the other
//! flags weighted by severity (attention 10, info 1); then the days the next
//! contact is overdue. [`need_score`] packs the three into one `u32` that
//! orders the same way (each part saturates at its bound: 4,000 urgent
//! flags, 999 weighted points, 999 days). [`rank`] sorts by need, highest
//! first, and breaks ties by key, ascending, so the order is deterministic.
//!
//! Both are cheap: no allocation beyond the output vector (the flags are
//! moved, not copied).

use jiff::civil::Date;
use serde::Serialize;

use super::EpisodeData;
use super::adherence::{self, PlanStatus};
use super::follow_up::{ContactInput, NextContact, next_contact};
use super::rules::{ChainInfo, Flag, Severity, evaluate_with};
use super::thresholds::Thresholds;

/// Weight of an attention flag among the non-urgent ones.
pub const ATTENTION_WEIGHT: u32 = 10;
/// Weight of an info flag (suggestions, exercise not enjoyed).
pub const INFO_WEIGHT: u32 = 1;

/// The need of one patient: higher is more urgent.
pub fn need_score(flags: &[Flag], next: &NextContact) -> u32 {
    let (mut urgent, mut weighted) = (0u32, 0u32);
    for f in flags {
        match f.severity {
            Severity::Urgent => urgent = urgent.saturating_add(1),
            Severity::Attention => weighted = weighted.saturating_add(ATTENTION_WEIGHT),
            Severity::Info => weighted = weighted.saturating_add(INFO_WEIGHT),
        }
    }
    urgent.min(4_000) * 1_000_000 + weighted.min(999) * 1_000 + next.overdue_days.min(999)
}

/// How much a patient needs the clinician now, in words: the same order as
/// [`need_score`], for people rather than sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedLevel {
    /// Nothing needs attention.
    Settled,
    /// Something to look at when next in touch (suggestions, dislikes).
    Watch,
    /// Act soon: an attention flag, or the next contact is overdue.
    Soon,
    /// Act today: an urgent flag.
    Urgent,
}

impl NeedLevel {
    pub fn label(self) -> &'static str {
        match self {
            NeedLevel::Settled => "All well",
            NeedLevel::Watch => "Keep an eye",
            NeedLevel::Soon => "Needs you soon",
            NeedLevel::Urgent => "Needs you today",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NeedLevel::Settled => "settled",
            NeedLevel::Watch => "watch",
            NeedLevel::Soon => "soon",
            NeedLevel::Urgent => "urgent",
        }
    }
}

/// The need of one patient in words, and why: the most severe flag's label,
/// or the overdue contact.
pub fn need_level(flags: &[Flag], next: &NextContact) -> (NeedLevel, String) {
    let top = flags.iter().max_by_key(|f| match f.severity {
        Severity::Urgent => 3,
        Severity::Attention => 2,
        Severity::Info => 1,
    });
    let overdue = (next.overdue_days > 0).then(|| {
        format!(
            "next contact overdue by {} day{}",
            next.overdue_days,
            if next.overdue_days == 1 { "" } else { "s" }
        )
    });
    match (top.map(|f| f.severity), overdue) {
        (Some(Severity::Urgent), _) => (NeedLevel::Urgent, top_label(top)),
        (Some(Severity::Attention), _) => (NeedLevel::Soon, top_label(top)),
        (_, Some(o)) => (NeedLevel::Soon, o),
        (Some(Severity::Info), None) => (NeedLevel::Watch, top_label(top)),
        (None, None) => (NeedLevel::Settled, "nothing needs attention".into()),
    }
}

fn top_label(f: Option<&Flag>) -> String {
    f.map(|f| f.kind.label().to_string()).unwrap_or_default()
}

/// One row of the ranked caseload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked<K> {
    pub key: K,
    pub need: u32,
    pub flags: Vec<Flag>,
    pub next_contact: NextContact,
}

/// Ranks patients by need (highest first), ties by key (ascending).
pub fn rank<K: Ord>(patients: Vec<(K, Vec<Flag>, NextContact)>) -> Vec<Ranked<K>> {
    let mut rows: Vec<Ranked<K>> = patients
        .into_iter()
        .map(|(key, flags, next_contact)| Ranked {
            need: need_score(&flags, &next_contact),
            key,
            flags,
            next_contact,
        })
        .collect();
    rows.sort_by(|a, b| b.need.cmp(&a.need).then_with(|| a.key.cmp(&b.key)));
    rows
}

/// Everything for one episode's row: its flags and next contact on `today`;
/// `None` once discharged (a discharged episode is not in the caseload).
pub fn assess<'a, K>(
    key: K,
    ep: &EpisodeData,
    today: Date,
    t: &Thresholds,
    lookup: &dyn Fn(&str) -> Option<ChainInfo<'a>>,
) -> Option<(K, Vec<Flag>, NextContact)> {
    if ep.is_discharged(today) {
        return None;
    }
    let sum = adherence::summary(ep.plans, ep.logs, today, ep.discharged_on, t);
    let flags = evaluate_with(ep, &sum, today, t, lookup);
    let next = next_contact(
        &ContactInput {
            last_contact: ep.last_contact(today),
            episode_start: ep.start,
            stratum: ep.stratum(today),
            pseq_total: ep.pseq(today),
            flags: &flags,
            plan_active: sum.status == PlanStatus::Active,
            good_adherence_weeks: sum.good_weeks_in_a_row,
        },
        today,
        t,
    );
    Some((key, flags, next))
}
