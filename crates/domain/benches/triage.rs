//! Benchmark of the nightly triage over 100,000 active episodes: for each,
//! the adherence summary, every monitoring rule (with exercise names and
//! chain suggestions from the built-in library) and the next contact; then
//! the whole caseload ranked by need.
//!
//! Run: `cargo bench -p rapport-domain --bench triage`
//!
//! The episodes are generated once before timing, deterministically
//! (SplitMix64, seed = episode number): a plan of 2–4 library exercises at
//! 2–5 sessions a week, changed mid-week in a third of episodes; 8 weeks of
//! logs whose adherence starts between 30 % and 100 % and falls in a third
//! of episodes; pain, difficulty and enjoyment that differ by exercise (some
//! raise pain, some are too hard or disliked, some are mastered);
//! STarT Back, PSEQ, WAI-SR, PGIC and NPRS scores; follow-ups every 9–19
//! days, a few missed. Before
//! the benchmarks run, `main` prints how many flags of each kind the 100,000
//! episodes raise, so the figures are for a caseload that exercises the rules.
//!
//! Measured on the 2-core development machine (AMD EPYC, shared with other
//! work): 100,000 episodes (7.4 million logs) assessed and ranked in 0.46 s
//! median on two threads, 0.78 s on one; about 5.5 µs an episode; ranking
//! alone 17 ms.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::ItemsCount;
use jiff::Span;
use jiff::civil::{Date, date};
use rapport_domain::exercise::Dose;
use rapport_domain::exercise::library::Library;
use rapport_domain::monitoring::adherence;
use rapport_domain::monitoring::rules::ChainInfo;
use rapport_domain::monitoring::triage::assess;
use rapport_domain::monitoring::{
    EpisodeData, Flag, NextContact, PlanVersion, SessionLog, SkipReason, Thresholds, rank,
};
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_domain::theory::episode::{Completion, FollowUp, FollowUpKind, InstrumentScore};
use rapport_domain::theory::synthetic::Rng;

const N: usize = 100_000;
/// A Wednesday.
const TODAY: Date = date(2024, 6, 5);

struct Episode {
    start: Date,
    plans: Vec<PlanVersion>,
    logs: Vec<SessionLog>,
    follow_ups: Vec<FollowUp>,
    scores: Vec<InstrumentScore>,
}

impl Episode {
    fn data(&self) -> EpisodeData<'_> {
        EpisodeData {
            start: self.start,
            plans: &self.plans,
            logs: &self.logs,
            follow_ups: &self.follow_ups,
            scores: &self.scores,
            discharged_on: None,
        }
    }
}

#[allow(clippy::expect_used)]
static LIBRARY: LazyLock<Library> =
    LazyLock::new(|| Library::builtin().expect("the built-in library loads"));

static EPISODES: LazyLock<Vec<Episode>> = LazyLock::new(|| {
    let ids: Vec<String> = LIBRARY.all().iter().map(|e| e.id.clone()).collect();
    (0..N as u64).map(|seed| episode(seed, &ids)).collect()
});

fn shift(d: Date, days: i64) -> Date {
    d.saturating_add(Span::new().days(days))
}

fn item(id: &str, per_week: u8, weeks: u8) -> PlanItem {
    PlanItem {
        exercise_id: id.to_string(),
        dose: Dose {
            sets: 2,
            reps: Some(10),
            hold_seconds: None,
            duration_minutes: None,
            rest_seconds: 30,
            per_week,
            weeks,
            load: None,
            intensity: None,
        },
        progression_rule: "When easy for three sessions, move on.".into(),
        regression_rule: "If pain rises by 2 or more, go back.".into(),
        delivery: Delivery::Home,
        goal: None,
        why: String::new(),
    }
}

fn score(instrument: &str, date: Date, total: f64) -> InstrumentScore {
    InstrumentScore {
        instrument: instrument.into(),
        version: "1".into(),
        date,
        total,
        subscales: BTreeMap::new(),
        band: None,
    }
}

/// How one exercise goes for this patient.
#[derive(Clone, Copy)]
struct Feel {
    pain_rise: i64,
    difficulty: i64,
    enjoyment: i64,
}

fn episode(seed: u64, ids: &[String]) -> Episode {
    let mut rng = Rng::new(seed);
    let start = shift(TODAY, -(56 + rng.range(0, 14)));
    let rx = shift(start, rng.range(0, 6));
    let n_items = usize::try_from(rng.range(2, 4)).unwrap_or(2);
    let mut items: Vec<PlanItem> = (0..n_items)
        .map(|_| {
            let id = rng.pick(ids);
            item(
                id,
                u8::try_from(rng.range(2, 5)).unwrap_or(3),
                u8::try_from(rng.range(6, 12)).unwrap_or(8),
            )
        })
        .collect();
    items.dedup_by(|a, b| a.exercise_id == b.exercise_id);
    let mut plans = vec![PlanVersion {
        starts_on: rx,
        plan: Plan {
            items: items.clone(),
            co_designed: rng.chance(50),
            whole_person: None,
        },
    }];
    if rng.chance(33) {
        // A change a few weeks in, on any weekday: one exercise swapped, the
        // rhythm changed.
        let mut next = items.clone();
        next[0] = item(
            rng.pick(ids).as_str(),
            u8::try_from(rng.range(2, 5)).unwrap_or(3),
            8,
        );
        plans.push(PlanVersion {
            starts_on: shift(rx, rng.range(21, 38)),
            plan: Plan {
                items: next,
                co_designed: true,
                whole_person: None,
            },
        });
    }
    // Most exercises go fine; a few raise pain, are too hard or disliked,
    // some are easy (candidates for progression).
    let feels: Vec<Feel> = (0..6)
        .map(|_| Feel {
            pain_rise: if rng.chance(8) {
                rng.range(2, 3)
            } else {
                rng.range(-1, 0)
            },
            difficulty: match rng.range(0, 99) {
                0..=7 => rng.range(4, 5),
                8..=29 => rng.range(1, 2),
                _ => 3,
            },
            enjoyment: if rng.chance(8) {
                rng.range(1, 2)
            } else {
                rng.range(3, 5)
            },
        })
        .collect();
    // Adherence: a starting level, falling by some points a week in a third.
    let mut level = rng.range(40, 100);
    let fall = if rng.chance(20) { rng.range(5, 12) } else { 0 };
    let pain = rng.range(1, 7);
    let mut logs = Vec::new();
    let mut day = rx;
    while day <= TODAY {
        let version = plans
            .iter()
            .rev()
            .find(|p| p.starts_on <= day)
            .unwrap_or(&plans[0]);
        let per_week = version
            .plan
            .items
            .iter()
            .map(|i| i.dose.per_week)
            .max()
            .unwrap_or(3);
        if day.weekday().to_monday_one_offset() == 1 {
            level = (level - fall).max(0);
        }
        let wants = rng.chance(u64::from(per_week) * 100 / 7);
        if wants && rng.chance(u64::try_from(level).unwrap_or(0)) {
            for (k, it) in version.plan.items.iter().enumerate() {
                let f = feels[k % feels.len()];
                let completion = match rng.range(0, 99) {
                    0..=2 => Completion::Skipped,
                    3..=9 => Completion::Partly,
                    _ => Completion::Completed,
                };
                let noise = |rng: &mut Rng| if rng.chance(30) { rng.range(-1, 1) } else { 0 };
                let skipped = completion == Completion::Skipped;
                let before = (pain + noise(&mut rng)).clamp(0, 10);
                let after = (before + f.pain_rise + noise(&mut rng)).clamp(0, 10);
                let small = |v: i64| u8::try_from(v.clamp(0, 10)).ok();
                logs.push(SessionLog {
                    exercise_id: it.exercise_id.clone(),
                    date: day,
                    at: None,
                    completion,
                    skip_reason: skipped.then_some(SkipReason::NoTime),
                    sets: Some(2),
                    reps: Some(10),
                    minutes: None,
                    pain_before: if rng.chance(85) { small(before) } else { None },
                    pain_after: if skipped { None } else { small(after) },
                    difficulty: if skipped {
                        None
                    } else {
                        small((f.difficulty + noise(&mut rng)).clamp(1, 5))
                    },
                    enjoyment: if skipped {
                        None
                    } else {
                        small((f.enjoyment + noise(&mut rng)).clamp(1, 5))
                    },
                    note: None,
                });
            }
        } else if wants && rng.chance(15) {
            let it = &version.plan.items[0];
            logs.push(SessionLog {
                exercise_id: it.exercise_id.clone(),
                date: day,
                at: None,
                completion: Completion::Skipped,
                skip_reason: Some(*rng.pick(&SkipReason::ALL)),
                sets: None,
                reps: None,
                minutes: None,
                pain_before: None,
                pain_after: None,
                difficulty: None,
                enjoyment: None,
                note: None,
            });
        }
        day = shift(day, 1);
    }
    // A patient who stopped logging a while ago.
    if rng.chance(8) {
        let cut = shift(TODAY, -rng.range(3, 12));
        logs.retain(|l| l.date <= cut);
    }
    let mut scores = vec![
        {
            let mut s = score("startback", start, 4.0);
            s.band =
                Some(["low", "low", "medium", "medium", "high"][rng.range(0, 4) as usize].into());
            s
        },
        score("pseq", start, rng.range(12, 60) as f64),
        score("nprs", start, pain as f64 + 1.0),
    ];
    if rng.chance(60) {
        let mut s = score("waisr", shift(rx, 21), rng.range(30, 60) as f64);
        s.subscales.insert("bond".into(), rng.range(8, 20) as f64);
        scores.push(s);
    }
    if rng.chance(40) {
        scores.push(score("pgic", shift(rx, 35), rng.range(1, 5) as f64));
    } else if rng.chance(50) {
        scores.push(score(
            "nprs",
            shift(rx, 30),
            (pain + rng.range(-3, 1)).max(0) as f64,
        ));
    }
    // Follow-ups every 9–19 days from the prescription, 85 % of them kept.
    let mut follow_ups = Vec::new();
    let mut next = shift(rx, rng.range(9, 19));
    while next <= TODAY {
        if rng.chance(85) {
            follow_ups.push(FollowUp {
                date: next,
                kind: *rng.pick(&[
                    FollowUpKind::Phone,
                    FollowUpKind::Video,
                    FollowUpKind::InPerson,
                    FollowUpKind::Supervised,
                ]),
                feedback_given: Some(rng.chance(70)),
                patient_feels_supported: None,
            });
        }
        next = shift(next, rng.range(9, 19));
    }
    Episode {
        start,
        plans,
        logs,
        follow_ups,
        scores,
    }
}

fn lookup(id: &str) -> Option<ChainInfo<'static>> {
    ChainInfo::from_library(&LIBRARY, id)
}

type Row = (u64, Vec<Flag>, NextContact);

fn assess_all(t: &Thresholds, eps: &[Episode], first_key: u64) -> Vec<Row> {
    let mut rows = Vec::with_capacity(eps.len());
    rows.extend(
        eps.iter()
            .zip(first_key..)
            .filter_map(|(e, k)| assess(k, &e.data(), TODAY, t, &lookup)),
    );
    rows
}

fn main() {
    let started = std::time::Instant::now();
    LazyLock::force(&EPISODES);
    let eps = &*EPISODES;
    let logs: usize = eps.iter().map(|e| e.logs.len()).sum();
    eprintln!(
        "generated {N} episodes with {logs} logs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let t = Thresholds::default();
    let rows = assess_all(&t, eps, 0);
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut flagged = 0;
    for (_, flags, _) in &rows {
        flagged += usize::from(flags.iter().any(Flag::is_concern));
        for f in flags {
            let e = by_kind.entry(f.kind.as_str()).or_default();
            e.0 += 1;
            e.1 += usize::from(f.severity == rapport_domain::monitoring::Severity::Urgent);
        }
    }
    eprintln!(
        "episodes with an urgent or attention flag: {flagged} of {}",
        rows.len()
    );
    for (k, (n, urgent)) in by_kind {
        eprintln!("  {k:<22} {n:>7} ({urgent} urgent)");
    }
    divan::main();
}

/// Assess 100,000 episodes and rank them, on one thread.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn triage_100k_1_thread(bencher: Bencher) {
    let (t, eps) = (Thresholds::default(), &*EPISODES);
    bencher.counter(ItemsCount::new(N)).bench(|| {
        let ranked = rank(assess_all(&t, black_box(eps), 0));
        black_box(ranked.len() + ranked.first().map_or(0, |r| r.need as usize))
    });
}

/// Assess 100,000 episodes on two threads (the target machine has 2 cores),
/// then rank the whole caseload.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn triage_100k_2_threads(bencher: Bencher) {
    let (t, eps) = (Thresholds::default(), &*EPISODES);
    bencher.counter(ItemsCount::new(N)).bench(|| {
        let (a, b) = eps.split_at(N / 2);
        let rows = std::thread::scope(|s| {
            let h = s.spawn(|| assess_all(&t, a, 0));
            let mut here = assess_all(&t, b, (N / 2) as u64);
            let mut rows = h.join().unwrap_or_default();
            rows.append(&mut here);
            rows
        });
        let ranked = rank(black_box(rows));
        black_box(ranked.len() + ranked.first().map_or(0, |r| r.need as usize))
    });
}

/// Ranking alone: 100,000 assessed rows (the two benchmarks above include
/// dropping their output, as a real run would).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn rank_100k(bencher: Bencher) {
    let t = Thresholds::default();
    let rows = assess_all(&t, &EPISODES, 0);
    bencher
        .counter(ItemsCount::new(N))
        .with_inputs(|| rows.clone())
        // The ranked rows are returned, so divan drops them outside the timing.
        .bench_values(rank);
}

/// One episode: adherence summary, rules, next contact.
#[divan::bench]
fn assess_one(bencher: Bencher) {
    let (t, eps) = (Thresholds::default(), &*EPISODES);
    let mut i = 0usize;
    bencher.bench_local(|| {
        i = (i + 1) % N;
        black_box(assess(i, &black_box(&eps[i]).data(), TODAY, &t, &lookup))
    });
}

/// One episode's full adherence report (what the API returns).
#[divan::bench]
fn adherence_report_one(bencher: Bencher) {
    let (t, eps) = (Thresholds::default(), &*EPISODES);
    let mut i = 0usize;
    bencher.bench_local(|| {
        i = (i + 1) % N;
        let e = black_box(&eps[i]);
        black_box(adherence::report(&e.plans, &e.logs, TODAY, None, &t))
    });
}
