//! Properties over random plan histories and logs: proportions stay in
//! [0, 1] (they are capped; the raw counts may exceed the prescription);
//! results do not depend on the order of the logs; the summary agrees with
//! the report; flags are ordered and dated no later than today; the next
//! contact is never in the past; ranking is a sorted permutation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

mod monitoring_common;

use jiff::Span;
use jiff::civil::{Date, date};
use monitoring_common::{chain, item};
use proptest::prelude::*;
use rapport_domain::monitoring::adherence::{report, summary};
use rapport_domain::monitoring::triage::assess;
use rapport_domain::monitoring::{
    EpisodeData, PlanVersion, SessionLog, SkipReason, Thresholds, rank,
};
use rapport_domain::prescription::Plan;
use rapport_domain::theory::episode::{Completion, FollowUp, FollowUpKind, InstrumentScore};
use rapport_domain::theory::synthetic::Rng;

const ORIGIN: Date = date(2024, 4, 1);
const IDS: [&str; 3] = ["ex-a", "ex-b", "ex-c"];

fn day(offset: i64) -> Date {
    ORIGIN.checked_add(Span::new().days(offset)).unwrap()
}

fn plan_version() -> impl Strategy<Value = PlanVersion> {
    (
        0i64..70,
        prop::collection::vec((0usize..3, 1u8..=14, 1u8..=12), 1..4),
    )
        .prop_map(|(start, items)| PlanVersion {
            starts_on: day(start),
            plan: Plan {
                items: items
                    .into_iter()
                    .map(|(i, per_week, weeks)| item(IDS[i], per_week, weeks))
                    .collect(),
                co_designed: false,
                whole_person: None,
            },
        })
}

fn session_log() -> impl Strategy<Value = SessionLog> {
    (
        0i64..100,
        0usize..3,
        0u8..3,
        prop::option::of(0u8..=10),
        0u8..=10,
        prop::option::of(1u8..=5),
        prop::option::of(1u8..=5),
    )
        .prop_map(|(offset, i, c, before, after, difficulty, enjoyment)| {
            let completion = [
                Completion::Completed,
                Completion::Partly,
                Completion::Skipped,
            ][usize::from(c)];
            let skipped = completion == Completion::Skipped;
            SessionLog {
                exercise_id: IDS[i].into(),
                date: day(offset),
                at: None,
                completion,
                skip_reason: skipped.then_some(SkipReason::Forgot),
                sets: None,
                reps: None,
                minutes: None,
                pain_before: before,
                pain_after: (!skipped).then_some(after),
                difficulty: difficulty.filter(|_| !skipped),
                enjoyment: enjoyment.filter(|_| !skipped),
                note: None,
            }
        })
}

fn scores() -> impl Strategy<Value = Vec<InstrumentScore>> {
    let instruments = ["pgic", "nprs", "waisr", "pseq", "startback"];
    prop::collection::vec((0usize..5, 0i64..100, 0.0f64..60.0), 0..6).prop_map(move |v| {
        v.into_iter()
            .map(|(i, offset, total)| {
                let mut s = InstrumentScore {
                    instrument: instruments[i].into(),
                    version: String::new(),
                    date: day(offset),
                    total: if i == 0 {
                        (total / 8.6).floor() + 1.0
                    } else {
                        total
                    },
                    ..Default::default()
                };
                if i == 2 {
                    s.subscales.insert("bond".into(), (total / 3.0).max(4.0));
                }
                if i == 4 {
                    s.band = Some(["low", "medium", "high"][offset as usize % 3].into());
                }
                s
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Case {
    plans: Vec<PlanVersion>,
    logs: Vec<SessionLog>,
    follow_ups: Vec<FollowUp>,
    scores: Vec<InstrumentScore>,
    today: Date,
    discharged_on: Option<Date>,
    shuffle_seed: u64,
}

impl Case {
    fn data(&self) -> EpisodeData<'_> {
        EpisodeData {
            start: ORIGIN,
            plans: &self.plans,
            logs: &self.logs,
            follow_ups: &self.follow_ups,
            scores: &self.scores,
            discharged_on: self.discharged_on,
        }
    }

    fn shuffled(&self) -> Case {
        let mut c = self.clone();
        let mut rng = Rng::new(self.shuffle_seed);
        // Fisher-Yates.
        for i in (1..c.logs.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            c.logs.swap(i, j);
        }
        c.follow_ups.reverse();
        c
    }
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(plan_version(), 0..4),
        prop::collection::vec(session_log(), 0..80),
        prop::collection::vec(0i64..100, 0..4),
        scores(),
        0i64..110,
        prop::option::of(0i64..110),
        any::<u64>(),
    )
        .prop_map(
            |(plans, logs, fu, scores, today, discharged, shuffle_seed)| Case {
                plans,
                logs,
                follow_ups: fu
                    .into_iter()
                    .map(|o| FollowUp {
                        date: day(o),
                        kind: FollowUpKind::Video,
                        feedback_given: None,
                        patient_feels_supported: None,
                    })
                    .collect(),
                scores,
                today: day(today),
                discharged_on: discharged.map(day),
                shuffle_seed,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn proportions_stay_between_zero_and_one(c in case()) {
        let t = Thresholds::default();
        let r = report(&c.plans, &c.logs, c.today, c.discharged_on, &t);
        let mut prescribed = 0.0;
        for (i, w) in r.weeks.iter().enumerate() {
            prop_assert!(w.prescribed >= 0.0 && w.prescribed <= 7.0 + 1e-9, "{w:?}");
            if let Some(p) = w.proportion {
                prop_assert!((0.0..=1.0).contains(&p), "{w:?}");
                prop_assert!(w.prescribed >= 1.0);
            }
            prop_assert!(u32::from(w.days_done) + u32::from(w.days_partly) <= 7);
            prop_assert!(w.days_covered <= 7);
            prop_assert!(w.logged <= 7.0);
            prop_assert_eq!(w.starts_on.weekday().to_monday_one_offset(), 1);
            if i > 0 {
                prop_assert_eq!(
                    r.weeks[i - 1].starts_on.checked_add(Span::new().days(7)).unwrap(),
                    w.starts_on
                );
            }
            prescribed += w.prescribed;
        }
        prop_assert!((prescribed - r.overall.prescribed).abs() < 1e-9);
        if let Some(p) = r.overall.proportion {
            prop_assert!((0.0..=1.0).contains(&p));
        }
    }

    #[test]
    fn results_do_not_depend_on_log_order(c in case()) {
        let t = Thresholds::default();
        let s = c.shuffled();
        prop_assert_eq!(
            report(&c.plans, &c.logs, c.today, c.discharged_on, &t),
            report(&s.plans, &s.logs, s.today, s.discharged_on, &t)
        );
        let a = assess(0u8, &c.data(), c.today, &t, &chain);
        let b = assess(0u8, &s.data(), s.today, &t, &chain);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn the_summary_agrees_with_the_report(c in case()) {
        let t = Thresholds::default();
        let r = report(&c.plans, &c.logs, c.today, c.discharged_on, &t);
        let s = summary(&c.plans, &c.logs, c.today, c.discharged_on, &t);
        prop_assert_eq!(s.trend, r.trend);
        prop_assert_eq!(s.status, r.status);
        prop_assert_eq!(s.last_log_on, r.last_log_on);
        if let Some(w) = s.last_week {
            prop_assert!(w.complete);
            prop_assert_eq!(Some(&w), r.weeks.iter().find(|x| x.starts_on == w.starts_on));
        }
    }

    #[test]
    fn flags_are_ordered_dated_and_the_next_contact_is_not_past(c in case()) {
        let t = Thresholds::default();
        match assess(0u8, &c.data(), c.today, &t, &chain) {
            None => prop_assert!(c.discharged_on.is_some_and(|d| d <= c.today)),
            Some((_, flags, next)) => {
                prop_assert!(next.date >= c.today);
                let keys: Vec<_> = flags
                    .iter()
                    .map(|f| (f.severity, f.kind, f.exercise_id.clone()))
                    .collect();
                let mut sorted = keys.clone();
                sorted.sort();
                prop_assert_eq!(keys, sorted);
                for f in &flags {
                    prop_assert!(f.since <= c.today, "{f:?}");
                    prop_assert!(!f.reason.is_empty() && !f.reason.contains('\n'));
                    prop_assert!(!f.cmoc.is_empty());
                }
            }
        }
    }

    #[test]
    fn ranking_is_a_sorted_permutation(cases in prop::collection::vec(case(), 1..12)) {
        let t = Thresholds::default();
        let rows: Vec<_> = cases
            .iter()
            .enumerate()
            .filter_map(|(k, c)| assess(k, &c.data(), c.today, &t, &chain))
            .collect();
        let n = rows.len();
        let mut reversed = rows.clone();
        reversed.reverse();
        let ranked = rank(rows);
        prop_assert_eq!(ranked.len(), n);
        for w in ranked.windows(2) {
            prop_assert!(w[0].need > w[1].need || (w[0].need == w[1].need && w[0].key < w[1].key));
        }
        prop_assert_eq!(ranked, rank(reversed));
    }
}
