//! Scoring throughput: 100,000 questionnaires across every instrument.

use rapport_domain::instruments::{self, AnswerCount, Instrument};

fn main() {
    divan::main();
}

const FORMS: usize = 100_000;

/// Deterministic, varied, valid forms: form `f` answers item `k` with a value
/// walking through the item's range; every seventh ODI / RMDQ / PSFS form
/// leaves one item unanswered to exercise the missing-data paths.
fn forms() -> Vec<(&'static Instrument, Vec<Option<i32>>)> {
    let registry = instruments::registry();
    (0..FORMS)
        .map(|f| {
            let i = &registry[f % registry.len()];
            let n = match i.answers {
                AnswerCount::Fixed { count } => count,
                AnswerCount::Variable { min, max } => min + f % (max - min + 1),
            };
            let mut answers: Vec<Option<i32>> = i.items[..n]
                .iter()
                .enumerate()
                .map(|(k, item)| {
                    let span = usize::try_from(item.max - item.min + 1).unwrap_or(1);
                    let step = i32::try_from((f / registry.len() + k * 3) % span).unwrap_or(0);
                    Some(item.min + step)
                })
                .collect();
            if f % 7 == 0 && matches!(i.code, "odi" | "rmdq" | "psfs") && n > 1 {
                answers[n - 1] = None;
            }
            (i, answers)
        })
        .collect()
}

#[divan::bench(sample_count = 20)]
fn score_100k_questionnaires(bencher: divan::Bencher) {
    let forms = forms();
    bencher
        .counter(divan::counter::ItemsCount::new(FORMS))
        .bench_local(|| {
            let mut scored = 0usize;
            for (i, answers) in &forms {
                if let Ok(score) = i.score(divan::black_box(answers)) {
                    scored += usize::from(score.total.is_some());
                }
            }
            divan::black_box(scored)
        });
}

#[divan::bench(sample_count = 20)]
fn parse_and_score_100k_questionnaires(bencher: divan::Bencher) {
    let texts: Vec<(&'static Instrument, String)> = forms()
        .into_iter()
        .map(|(i, a)| {
            let text: Vec<String> = a
                .iter()
                .map(|v| v.map_or("-".into(), |v| v.to_string()))
                .collect();
            (i, text.join(","))
        })
        .collect();
    bencher
        .counter(divan::counter::ItemsCount::new(FORMS))
        .bench_local(|| {
            let mut scored = 0usize;
            for (i, text) in &texts {
                if let Ok(answers) = instruments::parse_answers(divan::black_box(text))
                    && i.score(&answers).is_ok()
                {
                    scored += 1;
                }
            }
            divan::black_box(scored)
        });
}
