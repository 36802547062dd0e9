//! Properties that hold for every instrument: any valid form scores within the
//! published range; any invalid answer is refused with an error naming it.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rapport_domain::Error;
use rapport_domain::instruments::{self, AnswerCount, Instrument, MissingHandling};

fn instrument() -> impl Strategy<Value = &'static Instrument> {
    proptest::sample::select(
        instruments::registry()
            .iter()
            .collect::<Vec<&'static Instrument>>(),
    )
}

fn counts(i: &Instrument) -> (usize, usize) {
    match i.answers {
        AnswerCount::Fixed { count } => (count, count),
        AnswerCount::Variable { min, max } => (min, max),
    }
}

/// A complete form of valid answers.
fn complete_form() -> impl Strategy<Value = (&'static Instrument, Vec<Option<i32>>)> {
    instrument().prop_flat_map(|i| {
        let (lo, hi) = counts(i);
        (Just(i), lo..=hi).prop_flat_map(|(i, n)| {
            let items: Vec<_> = i.items[..n]
                .iter()
                .map(|it| (it.min..=it.max).prop_map(Some))
                .collect();
            (Just(i), items)
        })
    })
}

/// A form of valid answers with some left unanswered.
fn gappy_form() -> impl Strategy<Value = (&'static Instrument, Vec<Option<i32>>)> {
    instrument().prop_flat_map(|i| {
        let (lo, hi) = counts(i);
        (Just(i), lo..=hi).prop_flat_map(|(i, n)| {
            let items: Vec<_> = i.items[..n]
                .iter()
                .map(|it| proptest::option::weighted(0.8, it.min..=it.max))
                .collect();
            (Just(i), items)
        })
    })
}

fn within(v: f64, lo: f64, hi: f64) -> bool {
    v.is_finite() && v >= lo - 1e-9 && v <= hi + 1e-9
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn complete_valid_forms_score_within_published_ranges((i, answers) in complete_form()) {
        let s = i.score(&answers).unwrap();
        let total = s.total.unwrap();
        prop_assert!(within(total, i.total_min, i.total_max), "{} total {total}", i.code);
        prop_assert_eq!((s.total_min, s.total_max), (i.total_min, i.total_max));
        for sub in i.subscales {
            let v = s.subscales[sub.code].unwrap();
            prop_assert!(within(v, sub.min, sub.max), "{} {} = {v}", i.code, sub.code);
        }
        prop_assert_eq!(s.missing.rule, MissingHandling::Complete);
        prop_assert!(s.missing.items_missing.is_empty());
        // Every banded instrument places every complete total in a band.
        prop_assert_eq!(s.band.is_some(), !matches!(i.banding, instruments::Banding::None));
        prop_assert_eq!(s.instrument.as_str(), i.code);
        prop_assert_eq!(s.version.as_str(), i.version);
    }

    #[test]
    fn gappy_forms_are_scored_within_range_or_refused_naming_a_missing_item((i, answers) in gappy_form()) {
        let missing: Vec<u16> = answers
            .iter()
            .enumerate()
            .filter(|(_, a)| a.is_none())
            .map(|(k, _)| u16::try_from(k + 1).unwrap())
            .collect();
        match i.score(&answers) {
            Ok(s) => {
                prop_assert_eq!(&s.missing.items_missing, &missing);
                if let Some(total) = s.total {
                    prop_assert!(within(total, i.total_min, i.total_max), "{} total {total}", i.code);
                }
                for sub in i.subscales {
                    if let Some(v) = s.subscales[sub.code] {
                        prop_assert!(within(v, sub.min, sub.max), "{} {} = {v}", i.code, sub.code);
                    }
                }
                if missing.is_empty() {
                    prop_assert_eq!(s.missing.rule, MissingHandling::Complete);
                } else {
                    prop_assert_ne!(s.missing.rule, MissingHandling::Complete);
                }
            }
            Err(Error::Invalid(f)) => {
                prop_assert_eq!(f.rule.as_str(), "missing");
                let named: u16 = f.field.trim_start_matches("answers[").trim_end_matches(']').parse().unwrap();
                prop_assert!(missing.contains(&named), "{} named item {named}, missing {missing:?}", i.code);
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn an_out_of_range_answer_is_refused_naming_the_item(
        (i, mut answers) in complete_form(),
        pick in any::<proptest::sample::Index>(),
        above in any::<bool>(),
        by in 1..1000i32,
    ) {
        let k = pick.index(answers.len());
        let item = &i.items[k];
        answers[k] = Some(if above { item.max + by } else { item.min - by });
        match i.score(&answers) {
            Err(Error::Invalid(f)) => {
                prop_assert_eq!(f.field, format!("answers[{}]", item.number));
                prop_assert_eq!(f.rule.as_str(), "range");
                let range = format!("from {}", item.min);
                prop_assert!(f.message.contains(&range), "{}", f.message);
            }
            other => prop_assert!(false, "{} accepted {:?}: {other:?}", i.code, answers[k]),
        }
    }

    #[test]
    fn a_wrong_number_of_answers_is_refused(i in instrument(), n in 0usize..40, v in 0..2i32) {
        let (lo, hi) = counts(i);
        prop_assume!(n < lo || n > hi);
        let answers = vec![Some(v); n];
        match i.score(&answers) {
            Err(Error::Invalid(f)) => {
                prop_assert_eq!(f.field.as_str(), "answers");
                prop_assert_eq!(f.rule.as_str(), "count");
                let got = format!("got {n}");
                prop_assert!(f.message.contains(&got), "{}", f.message);
            }
            other => prop_assert!(false, "{} accepted {n} answers: {other:?}", i.code),
        }
    }

    #[test]
    fn answers_printed_and_parsed_round_trip(answers in proptest::collection::vec(proptest::option::of(-50..50i32), 1..30)) {
        let text: Vec<String> = answers.iter().map(|a| a.map_or("-".to_string(), |v| v.to_string())).collect();
        prop_assert_eq!(instruments::parse_answers(&text.join(",")).unwrap(), answers);
    }
}
