//! Benchmark of the theory engine over 100,000 deterministic synthetic episodes.
//!
//! Run: `cargo bench -p rapport-domain --bench theory_engine`
//!
//! The episodes are generated once (SplitMix64, seeds 0..100,000) before timing;
//! each sample evaluates all of them: signals, 34 CMOC contexts, three
//! mechanisms and ranked suggestions, with the built-in knowledge base.

use std::hint::black_box;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::ItemsCount;
use jiff::civil::{Date, date};
use rapport_domain::theory::{Episode, KnowledgeBase, evaluate, synthetic};

const N: usize = 100_000;
const AS_OF: Date = date(2024, 6, 1);

static EPISODES: LazyLock<Vec<Episode>> = LazyLock::new(|| {
    (0..N as u64)
        .map(|seed| synthetic::episode(seed, AS_OF))
        .collect()
});

#[allow(clippy::expect_used)]
static KB: LazyLock<KnowledgeBase> =
    LazyLock::new(|| KnowledgeBase::builtin().expect("the built-in knowledge base loads"));

fn main() {
    LazyLock::force(&EPISODES);
    LazyLock::force(&KB);
    divan::main();
}

/// Evaluate a slice of episodes; returns a checksum so nothing is optimised away.
fn run(kb: &KnowledgeBase, episodes: &[Episode]) -> usize {
    episodes
        .iter()
        .map(|e| {
            let ev = evaluate(kb, e, AS_OF);
            ev.suggestions.len() + ev.mechanisms[0].status as usize
        })
        .sum()
}

/// 100,000 episodes on one thread.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn evaluate_100k_1_thread(bencher: Bencher) {
    let (kb, eps) = (&*KB, &*EPISODES);
    bencher
        .counter(ItemsCount::new(N))
        .bench(|| black_box(run(kb, black_box(eps))));
}

/// 100,000 episodes split over two threads (the target machine has 2 cores).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn evaluate_100k_2_threads(bencher: Bencher) {
    let (kb, eps) = (&*KB, &*EPISODES);
    bencher.counter(ItemsCount::new(N)).bench(|| {
        let (a, b) = eps.split_at(N / 2);
        std::thread::scope(|s| {
            let h = s.spawn(|| run(kb, a));
            let here = run(kb, b);
            black_box(here + h.join().unwrap_or(0))
        })
    });
}

/// One episode, to see the per-episode cost.
#[divan::bench]
fn evaluate_one(bencher: Bencher) {
    let (kb, eps) = (&*KB, &*EPISODES);
    let mut i = 0usize;
    bencher.bench_local(|| {
        i = (i + 1) % N;
        black_box(evaluate(kb, black_box(&eps[i]), AS_OF))
    });
}
