//! Deterministic synthetic episodes for benchmarks, property tests and demos.
//!
//! `episode(seed, as_of)` always builds the same episode for the same inputs
//! (SplitMix64; no external randomness). Episodes span one to four months
//! before `as_of`, mix present, absent and missing data, and include records
//! dated after `as_of` that the engine must ignore.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Span;
use jiff::civil::Date;

use super::episode::*;

/// SplitMix64: a tiny, good-quality deterministic generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next_u64() % span).unwrap_or(0)
    }

    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u64) -> bool {
        self.next_u64() % 100 < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.next_u64() % items.len() as u64).unwrap_or(0);
        &items[i]
    }

    fn opt_bool(&mut self, p_true: u64, p_none: u64) -> Option<bool> {
        if self.chance(p_none) {
            None
        } else {
            Some(self.chance(p_true))
        }
    }

    fn small(&mut self, lo: i64, hi: i64) -> u8 {
        u8::try_from(self.range(lo, hi)).unwrap_or(0)
    }
}

/// Belief keys used by synthetic episodes.
pub const BELIEFS: [&str; 6] = [
    "hurt_means_harm",
    "spine_fragile",
    "needs_scan",
    "rest_is_best",
    "bending_dangerous",
    "will_never_improve",
];

const PRACTICES: [Practice; 9] = [
    Practice::RapportBuilt,
    Practice::DisclosureInvited,
    Practice::SharedDecisions,
    Practice::ReassuranceIndividualised,
    Practice::ConditionExplained,
    Practice::GoalLinkExplained,
    Practice::DailyLifeFitPlanned,
    Practice::SafeEnvironmentConfirmed,
    Practice::BiopsychosocialFraming,
];

fn day(start: Date, offset: i64) -> Date {
    start.saturating_add(Span::new().days(offset))
}

fn score(instrument: &str, date: Date, total: f64) -> InstrumentScore {
    InstrumentScore {
        instrument: instrument.to_string(),
        version: "1".to_string(),
        date,
        total,
        subscales: BTreeMap::new(),
        band: None,
    }
}

/// A deterministic synthetic episode ending around `as_of`.
pub fn episode(seed: u64, as_of: Date) -> Episode {
    let mut r = Rng::new(seed);
    let length = r.range(20, 120);
    let start = day(as_of, -length);
    let mut ep = Episode::default();

    if r.chance(90) {
        ep.assessment = Some(Assessment {
            date: start,
            holistic_intake_done: r.opt_bool(75, 20),
            previous_experience: *r.pick(&[
                PreviousExperience::Positive,
                PreviousExperience::Negative,
                PreviousExperience::None,
                PreviousExperience::Unknown,
            ]),
            preferences: Vec::new(),
        });
    }

    // Baseline questionnaires.
    if r.chance(80) {
        let band = *r.pick(&["low", "medium", "high"]);
        let mut s = score("startback", start, f64::from(r.small(0, 9)));
        s.band = Some(band.to_string());
        ep.scores.push(s);
    }
    if r.chance(75) {
        ep.scores
            .push(score("pseq", start, f64::from(r.small(5, 60))));
    }
    if r.chance(75) {
        ep.scores
            .push(score("tsk11", start, f64::from(r.small(11, 44))));
    }
    let nprs0 = r.small(3, 9);
    ep.scores.push(score("nprs", start, f64::from(nprs0)));
    if r.chance(60) {
        ep.scores
            .push(score("rmdq", start, f64::from(r.small(4, 20))));
    }
    if r.chance(50) {
        let later = r.small(0, 10);
        ep.scores
            .push(score("nprs", day(start, length * 2 / 3), f64::from(later)));
    }
    if r.chance(60) {
        let bond = r.small(6, 20);
        let mut s = score(
            "waisr",
            day(start, r.range(14, 28)),
            f64::from(bond) + f64::from(r.small(16, 40)),
        );
        s.subscales.insert("bond".to_string(), f64::from(bond));
        ep.scores.push(s);
    }
    if r.chance(35) {
        ep.scores.push(score(
            "pgic",
            day(start, length * 3 / 4),
            f64::from(r.small(1, 7)),
        ));
    }

    // Beliefs and education.
    if r.chance(75) {
        let mut confirmed = Vec::new();
        for b in BELIEFS {
            if r.chance(25) {
                confirmed.push(b.to_string());
            }
        }
        let resolved: Vec<String> = confirmed.iter().filter(|_| r.chance(30)).cloned().collect();
        ep.beliefs.push(BeliefsRecord {
            date: start,
            explored: r.chance(80),
            confirmed_beliefs: confirmed,
            resolved_beliefs: Vec::new(),
            expectations: Vec::new(),
            expectation_mismatch: r.opt_bool(30, 50),
        });
        if !resolved.is_empty() {
            ep.beliefs.push(BeliefsRecord {
                date: day(start, length / 2),
                explored: true,
                confirmed_beliefs: Vec::new(),
                resolved_beliefs: resolved,
                expectations: Vec::new(),
                expectation_mismatch: None,
            });
        }
    }
    for _ in 0..r.range(0, 3) {
        ep.education.push(EducationGiven {
            item_id: format!("edu-{}", r.range(1, 40)),
            answers_beliefs: vec![r.pick(&BELIEFS).to_string()],
            date: day(start, r.range(0, length)),
            read: r.opt_bool(70, 30),
        });
    }

    // Consultations.
    for k in 0..r.range(1, 4) {
        let mut practices = BTreeSet::new();
        for p in PRACTICES {
            if r.chance(45) {
                practices.insert(p);
            }
        }
        ep.consultations.push(Consultation {
            date: day(start, k * 14),
            kind: if k == 0 {
                ConsultationKind::Initial
            } else {
                ConsultationKind::Review
            },
            practices,
            checklist_complete: r.chance(50),
        });
    }

    // Goals.
    for g in 0..r.range(0, 3) {
        ep.goals.push(Goal {
            id: format!("g{g}"),
            text: "Walk the dog for 30 minutes".to_string(),
            agreed_together: r.chance(70),
            agreed_on: day(start, r.range(0, 7)),
        });
    }

    // Prescriptions.
    let mut rx_start = None;
    if r.chance(88) {
        let first = day(start, r.range(0, 7));
        rx_start = Some(first);
        let n_rx = if r.chance(30) { 2 } else { 1 };
        for k in 0..n_rx {
            let mut items = Vec::new();
            for i in 0..r.range(1, 5) {
                items.push(PrescriptionItem {
                    exercise_id: format!("ex-{i}"),
                    setting: *r.pick(&[
                        Setting::Home,
                        Setting::Home,
                        Setting::Supervised,
                        Setting::Group,
                    ]),
                    individualised: r.chance(80),
                    tailored_to_preferences: Some(r.chance(65)),
                    goal_id: if r.chance(60) && !ep.goals.is_empty() {
                        Some(format!("g{}", r.range(0, ep.goals.len() as i64 - 1)))
                    } else {
                        None
                    },
                });
            }
            ep.prescriptions.push(Prescription {
                date: day(first, k * r.range(14, 35)),
                items,
                co_designed: r.opt_bool(70, 25),
                holistic_plan: r.opt_bool(60, 30),
            });
        }
    }

    // Logs, follow-ups, supervised sessions.
    if let Some(first) = rx_start {
        let active = as_of
            .since(first)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0)
            + 5;
        let logging = r.chance(85);
        let adherent = r.range(20, 90) as u64;
        let pain_prone = r.chance(20);
        let enjoys = r.range(1, 5);
        let hardness = r.range(1, 5);
        if logging {
            for d in 1..active {
                if !r.chance(adherent) {
                    continue;
                }
                let before = r.small(0, 8);
                let rise = if pain_prone {
                    r.range(0, 4)
                } else {
                    r.range(-2, 1)
                };
                let after = u8::try_from((i64::from(before) + rise).clamp(0, 10)).unwrap_or(0);
                ep.logs.push(ExerciseLog {
                    date: day(first, d),
                    exercise_id: None,
                    completion: *r.pick(&[
                        Completion::Completed,
                        Completion::Completed,
                        Completion::Partly,
                        Completion::Skipped,
                    ]),
                    pain_before: r.chance(80).then_some(before),
                    pain_after: r.chance(80).then_some(after),
                    difficulty: r.chance(70).then(|| {
                        u8::try_from((hardness + r.range(-1, 1)).clamp(1, 5)).unwrap_or(3)
                    }),
                    enjoyment: r
                        .chance(60)
                        .then(|| u8::try_from((enjoys + r.range(-1, 1)).clamp(1, 5)).unwrap_or(3)),
                });
            }
        }
        let cadence = r.range(5, 25);
        let mut d = cadence;
        while d < active {
            ep.follow_ups.push(FollowUp {
                date: day(first, d),
                kind: *r.pick(&[
                    FollowUpKind::Phone,
                    FollowUpKind::Video,
                    FollowUpKind::InPerson,
                    FollowUpKind::Supervised,
                ]),
                feedback_given: r.opt_bool(70, 30),
                patient_feels_supported: r.opt_bool(75, 50),
            });
            d += cadence + r.range(-3, 6);
        }
        for _ in 0..r.range(0, 3) {
            ep.supervised_sessions.push(SupervisedSession {
                date: day(first, r.range(0, active)),
                correction_given: r.opt_bool(70, 30),
                progression_given: r.opt_bool(50, 30),
                reassurance_given: r.opt_bool(70, 40),
            });
        }
    }

    if r.chance(20) {
        ep.groups.push(GroupMembership {
            group_id: format!("grp-{}", r.range(1, 9)),
            joined_on: day(start, r.range(7, 30)),
            left_on: r.chance(20).then(|| day(start, length)),
            shared_goals: r.opt_bool(60, 30),
        });
    }
    if r.chance(40) {
        ep.adherence.push(AdherenceMeasure {
            date: day(start, length / 2),
            method: AdherenceMethod::SelfRating,
            proportion: r.range(0, 100) as f64 / 100.0,
        });
    }
    if r.chance(10) {
        ep.discharged_on = Some(day(start, length - r.range(0, 10)));
    }
    ep
}
