//! Exact scoring of every instrument: worked examples from the publications
//! and scoring guides where they give one, otherwise the published rule applied
//! to hand-checked answers; every band edge from both sides; reverse items;
//! missing-data rules. The source of each example is in its comment.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use rapport_domain::Error;
use rapport_domain::instruments::{self, MissingHandling, Score};

fn score(code: &str, answers: &[Option<i32>]) -> Score {
    let instrument = instruments::find(code).unwrap();
    instrument.score(answers).unwrap()
}

fn parse(text: &str) -> Vec<Option<i32>> {
    instruments::parse_answers(text).unwrap()
}

fn band(s: &Score) -> Option<&str> {
    s.band.as_ref().map(|b| b.code.as_str())
}

fn sub(s: &Score, code: &str) -> Option<f64> {
    s.subscales.get(code).copied().flatten()
}

/// The error's field and rule.
fn invalid(code: &str, answers: &[Option<i32>]) -> (String, String, String) {
    match instruments::find(code).unwrap().score(answers) {
        Err(Error::Invalid(f)) => (f.field, f.rule, f.message),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// STarT Back — Keele scoring guide: agree = 1; item 9 positive only for
// "very much" (3) or "extremely" (4); total 0-9; psychosocial = items 5-9;
// total ≤ 3 low; total ≥ 4 → psychosocial ≤ 3 medium, ≥ 4 high.
// ---------------------------------------------------------------------------

#[test]
fn startback_all_negative_is_low_risk() {
    let s = score("startback", &parse("0,0,0,0,0,0,0,0,0"));
    assert_eq!(s.total, Some(0.0));
    assert_eq!(sub(&s, "psychosocial"), Some(0.0));
    assert_eq!(band(&s), Some("low"));
    assert_eq!(s.missing.rule, MissingHandling::Complete);
}

#[test]
fn startback_item9_counts_only_for_top_two_responses() {
    // Keele guide: bothersomeness positive for "very much" or "extremely".
    for (response, positive) in [(0, 0.0), (1, 0.0), (2, 0.0), (3, 1.0), (4, 1.0)] {
        let mut a = vec![Some(0); 8];
        a.push(Some(response));
        let s = score("startback", &a);
        assert_eq!(s.total, Some(positive), "item 9 response {response}");
        assert_eq!(
            sub(&s, "psychosocial"),
            Some(positive),
            "item 9 response {response}"
        );
    }
}

#[test]
fn startback_low_medium_edge_total_3_and_4() {
    // Total 3 (physical items only) → low; total 4 with psychosocial 0 → medium.
    let s = score("startback", &parse("1,1,1,0,0,0,0,0,0"));
    assert_eq!((s.total, band(&s)), (Some(3.0), Some("low")));
    let s = score("startback", &parse("1,1,1,1,0,0,0,0,0"));
    assert_eq!((s.total, band(&s)), (Some(4.0), Some("medium")));
    // Total 3 even when all three are psychosocial → still low (total decides first).
    let s = score("startback", &parse("0,0,0,0,1,1,1,0,0"));
    assert_eq!(
        (s.total, sub(&s, "psychosocial"), band(&s)),
        (Some(3.0), Some(3.0), Some("low"))
    );
}

#[test]
fn startback_medium_high_edge_psychosocial_3_and_4() {
    // Total 4 with psychosocial 3 → medium; total 4 with psychosocial 4 → high.
    let s = score("startback", &parse("1,0,0,0,1,1,1,0,0"));
    assert_eq!(
        (s.total, sub(&s, "psychosocial"), band(&s)),
        (Some(4.0), Some(3.0), Some("medium"))
    );
    let s = score("startback", &parse("0,0,0,0,1,1,1,1,0"));
    assert_eq!(
        (s.total, sub(&s, "psychosocial"), band(&s)),
        (Some(4.0), Some(4.0), Some("high"))
    );
    // Psychosocial 4 reached through item 9 ("extremely").
    let s = score("startback", &parse("0,0,0,0,1,1,1,0,4"));
    assert_eq!((s.total, band(&s)), (Some(4.0), Some("high")));
    // Total 7, psychosocial 3 → medium (item 9 "moderately" is not positive).
    let s = score("startback", &parse("1,1,1,1,1,1,1,0,2"));
    assert_eq!(
        (s.total, sub(&s, "psychosocial"), band(&s)),
        (Some(7.0), Some(3.0), Some("medium"))
    );
    let s = score("startback", &parse("1,1,1,1,1,1,1,1,4"));
    assert_eq!(
        (s.total, sub(&s, "psychosocial"), band(&s)),
        (Some(9.0), Some(5.0), Some("high"))
    );
}

#[test]
fn startback_refuses_incomplete_and_out_of_range() {
    let (field, rule, _) = invalid("startback", &parse("0,0,-,0,0,0,0,0,0"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[3]", "missing"));
    let (field, rule, message) = invalid("startback", &parse("0,0,0,0,0,0,0,0,5"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[9]", "range"));
    assert!(
        message.contains("from 0 (not at all) to 4 (extremely)"),
        "{message}"
    );
    let (field, rule, message) = invalid("startback", &parse("0,2,0,0,0,0,0,0,0"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[2]", "range"));
    assert!(
        message.contains("from 0 (disagree) to 1 (agree)"),
        "{message}"
    );
    let (field, rule, message) = invalid("startback", &parse("0,0,0,0,0,0,0,0"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers", "count"));
    assert!(
        message.contains("exactly 9") && message.contains("got 8"),
        "{message}"
    );
}

#[test]
fn startback_loinc_codes() {
    let i = instruments::find("startback").unwrap();
    assert_eq!(i.loinc.panel, Some("91349-1"));
    assert_eq!(i.loinc.total, Some("91351-7"));
    assert_eq!(i.loinc.band, Some("91352-5"));
    assert_eq!(i.subscales[0].loinc, Some("91350-9"));
}

// ---------------------------------------------------------------------------
// NPRS — HL7 Europe PAIN table: 0 none, 1-3 mild, 4-6 moderate, 7-9 severe,
// 10 excruciating.
// ---------------------------------------------------------------------------

#[test]
fn nprs_band_edges_both_sides() {
    let expected = [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (9, "severe"),
        (10, "excruciating"),
    ];
    for (v, code) in expected {
        let s = score("nprs", &[Some(v)]);
        assert_eq!(
            (s.total, band(&s)),
            (Some(f64::from(v)), Some(code)),
            "NPRS {v}"
        );
    }
    assert_eq!(invalid("nprs", &[Some(11)]).0, "answers[1]");
    assert_eq!(invalid("nprs", &[Some(-1)]).1, "range");
    assert_eq!(invalid("nprs", &[None]).1, "missing");
}

// ---------------------------------------------------------------------------
// RMDQ — Roland & Morris 1983 / Roland & Fairbank 2000: score = number of
// statements marked, 0-24; an unmarked statement scores 0.
// ---------------------------------------------------------------------------

#[test]
fn rmdq_counts_marked_statements() {
    let mut a = vec![Some(0); 24];
    for i in [0, 2, 4, 8, 16] {
        a[i] = Some(1);
    }
    let s = score("rmdq", &a);
    assert_eq!(s.total, Some(5.0));
    assert_eq!(score("rmdq", &[Some(1); 24]).total, Some(24.0));
}

#[test]
fn rmdq_unmarked_items_count_as_no_and_are_listed() {
    let mut a = vec![Some(1); 24];
    a[3] = None;
    a[19] = None;
    let s = score("rmdq", &a);
    assert_eq!(s.total, Some(22.0));
    assert_eq!(s.missing.items_missing, vec![4, 20]);
    assert_eq!(s.missing.rule, MissingHandling::CountedAsNo);
    assert!(!s.missing.note.is_empty());
}

#[test]
fn rmdq_refuses_a_form_with_nothing_answered() {
    // Rapport's guard: all 24 blank cannot be told from a form never completed.
    let (field, rule, _) = invalid("rmdq", &[None; 24]);
    assert_eq!((field.as_str(), rule.as_str()), ("answers[1]", "missing"));
}

#[test]
fn rmdq_recovery_cut_off_edge_2_and_3() {
    // Kamper 2010: ≤ 2 identifies self-rated recovery.
    let mut a = vec![Some(0); 24];
    a[0] = Some(1);
    a[1] = Some(1);
    assert_eq!(band(&score("rmdq", &a)), Some("recovered_range"));
    a[2] = Some(1);
    assert_eq!(band(&score("rmdq", &a)), Some("above_recovered_range"));
    assert_eq!(
        band(&score("rmdq", &[Some(0); 24])),
        Some("recovered_range")
    );
    assert_eq!(
        band(&score("rmdq", &[Some(1); 24])),
        Some("above_recovered_range")
    );
}

#[test]
fn rmdq_refuses_wrong_count_and_non_binary_answer() {
    assert_eq!(invalid("rmdq", &[Some(0); 23]).1, "count");
    let mut a = vec![Some(0); 24];
    a[6] = Some(2);
    let (field, rule, _) = invalid("rmdq", &a);
    assert_eq!((field.as_str(), rule.as_str()), ("answers[7]", "range"));
}

// ---------------------------------------------------------------------------
// ODI 2.1a — Fairbank scoring instructions: "16 (total scored) / 50 (total
// possible) × 100 = 32 %"; "if one section is missed or not applicable:
// 16 / 45 × 100 = 35.5 %" (16/45 = 35.56; the sheet truncates).
// ---------------------------------------------------------------------------

#[test]
fn odi_worked_example_all_sections() {
    let s = score("odi", &parse("3,2,2,2,2,1,1,1,1,1"));
    assert_eq!(s.total, Some(32.0));
    assert_eq!(band(&s), Some("moderate"));
    assert_eq!(s.missing.rule, MissingHandling::Complete);
}

#[test]
fn odi_worked_example_one_section_missed() {
    let s = score("odi", &parse("3,2,2,2,2,1,1,-,2,1"));
    let total = s.total.unwrap();
    assert!((total - 16.0 / 45.0 * 100.0).abs() < 1e-9, "{total}");
    assert_eq!(
        (total * 10.0).floor() / 10.0,
        35.5,
        "the sheet's truncated figure"
    );
    assert_eq!(s.missing.items_missing, vec![8]);
    assert_eq!(s.missing.rule, MissingHandling::Prorated);
}

#[test]
fn odi_one_missing_scored_two_refused() {
    // The instructions give the rule for one missed section only.
    let s = score("odi", &parse("5,5,5,5,5,5,5,-,5,5"));
    assert_eq!(s.total, Some(100.0));
    assert_eq!(s.missing.items_missing, vec![8]);
    let (field, rule, message) = invalid("odi", &parse("5,5,5,5,5,5,5,-,-,5"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[8]", "missing"));
    assert!(message.contains("items 8, 9"), "{message}");
    assert!(message.contains("at most 1"), "{message}");
}

#[test]
fn odi_band_edges_both_sides() {
    // Complete forms give even percentages: sum × 2.
    let cases = [
        (0, "minimal"),
        (10, "minimal"),   // 20 %
        (11, "moderate"),  // 22 %
        (20, "moderate"),  // 40 %
        (21, "severe"),    // 42 %
        (30, "severe"),    // 60 %
        (31, "crippled"),  // 62 %
        (40, "crippled"),  // 80 %
        (41, "bed_bound"), // 82 %
        (50, "bed_bound"), // 100 %
    ];
    for (sum, code) in cases {
        let mut a = vec![Some(0); 10];
        let mut left = sum;
        for slot in a.iter_mut() {
            let v = left.min(5);
            *slot = Some(v);
            left -= v;
        }
        let s = score("odi", &a);
        assert_eq!(s.total, Some(f64::from(sum * 2)), "sum {sum}");
        assert_eq!(band(&s), Some(code), "sum {sum}");
    }
}

#[test]
fn odi_prorated_totals_between_whole_bands_fall_in_the_higher_band() {
    let odi = instruments::find("odi").unwrap();
    let none = BTreeMap::new();
    let at = |t: f64| odi.band_of(t, &none).map(|b| b.code);
    assert_eq!(at(20.0).as_deref(), Some("minimal"));
    assert_eq!(at(20.5).as_deref(), Some("moderate"));
    assert_eq!(at(40.5).as_deref(), Some("severe"));
    assert_eq!(at(60.5).as_deref(), Some("crippled"));
    assert_eq!(at(80.5).as_deref(), Some("bed_bound"));
    // 9 sections answered, sum 10 → 22.2 %.
    let s = score("odi", &parse("2,2,2,2,2,0,0,-,0,0"));
    assert!((s.total.unwrap() - 200.0 / 9.0).abs() < 1e-9);
    assert_eq!(band(&s), Some("moderate"));
}

#[test]
fn odi_refuses_section_score_6() {
    let (field, rule, message) = invalid("odi", &parse("0,0,0,6,0,0,0,0,0,0"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[4]", "range"));
    assert!(
        message.contains("from 0") && message.contains("to 5"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------
// PSEQ — Nicholas 2007: 10 items 0-6, total = sum 0-60; ePPOC bands 0-19
// severe, 20-30 moderate, 31-40 mild, 41-60 minimal.
// ---------------------------------------------------------------------------

fn pseq_total(total: i32) -> Vec<Option<i32>> {
    let mut left = total;
    (0..10)
        .map(|_| {
            let v = left.min(6);
            left -= v;
            Some(v)
        })
        .collect()
}

#[test]
fn pseq_sum_and_band_edges() {
    let s = score("pseq", &parse("6,5,4,3,2,1,0,6,5,4"));
    assert_eq!(s.total, Some(36.0));
    assert_eq!(band(&s), Some("mild"));
    for (total, code) in [
        (0, "severe"),
        (19, "severe"),
        (20, "moderate"),
        (30, "moderate"),
        (31, "mild"),
        (40, "mild"),
        (41, "minimal"),
        (60, "minimal"),
    ] {
        let s = score("pseq", &pseq_total(total));
        assert_eq!(
            (s.total, band(&s)),
            (Some(f64::from(total)), Some(code)),
            "PSEQ {total}"
        );
    }
}

#[test]
fn pseq_refuses_missing_item_and_7() {
    let (field, rule, _) = invalid("pseq", &parse("6,5,4,-,2,1,0,6,5,4"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[4]", "missing"));
    let (field, rule, _) = invalid("pseq", &parse("6,5,4,3,2,1,0,6,5,7"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[10]", "range"));
}

// ---------------------------------------------------------------------------
// TSK-11 — Woby et al. 2005: 11 items 1-4, no reverse items, total 11-44.
// ---------------------------------------------------------------------------

#[test]
fn tsk11_sum_without_reversal() {
    assert_eq!(score("tsk11", &[Some(1); 11]).total, Some(11.0));
    assert_eq!(score("tsk11", &[Some(4); 11]).total, Some(44.0));
    let s = score("tsk11", &parse("1,2,3,4,1,2,3,4,1,2,3"));
    assert_eq!(s.total, Some(26.0));
    assert!(
        instruments::find("tsk11")
            .unwrap()
            .reversed_items()
            .is_empty()
    );
}

#[test]
fn tsk11_refuses_zero_coded_answers() {
    // Responses are coded 1-4 as published; 0 is not a TSK response.
    let (field, rule, message) = invalid("tsk11", &parse("0,2,3,4,1,2,3,4,1,2,3"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[1]", "range"));
    assert!(
        message.contains("from 1 (strongly disagree) to 4 (strongly agree)"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------
// FABQ — Waddell 1993 via JOSPT 2012 CPG: PA = items 2-5 (0-24), W = items
// 6, 7, 9, 10, 11, 12, 15 (0-42); total of 16 items 0-96.
// ---------------------------------------------------------------------------

#[test]
fn fabq_subscales_use_only_their_items() {
    // Item n answered (n mod 7): makes each item's contribution identifiable.
    let a: Vec<Option<i32>> = (1..=16).map(|n| Some(n % 7)).collect();
    let s = score("fabq", &a);
    // PA: items 2,3,4,5 → 2+3+4+5 = 14.
    assert_eq!(sub(&s, "physical_activity"), Some(14.0));
    // W: items 6,7,9,10,11,12,15 → 6+0+2+3+4+5+1 = 21.
    assert_eq!(sub(&s, "work"), Some(21.0));
    // Total: all 16.
    let total: i32 = (1..=16).map(|n| n % 7).sum();
    assert_eq!(s.total, Some(f64::from(total)));
    assert_eq!(s.band, None);
}

#[test]
fn fabq_unscored_items_do_not_move_subscales() {
    let mut a = vec![Some(0); 16];
    for n in [1, 8, 13, 14, 16] {
        a[n - 1] = Some(6);
    }
    let s = score("fabq", &a);
    assert_eq!(sub(&s, "physical_activity"), Some(0.0));
    assert_eq!(sub(&s, "work"), Some(0.0));
    assert_eq!(s.total, Some(30.0));
    let max = score("fabq", &[Some(6); 16]);
    assert_eq!(
        (sub(&max, "physical_activity"), sub(&max, "work"), max.total),
        (Some(24.0), Some(42.0), Some(96.0))
    );
}

#[test]
fn fabq_not_working_scores_physical_activity_only() {
    let mut a = vec![Some(3); 16];
    for n in 6..=16 {
        a[n - 1] = None;
    }
    let s = score("fabq", &a);
    assert_eq!(sub(&s, "physical_activity"), Some(12.0));
    assert_eq!(s.subscales.get("work"), Some(&None));
    assert_eq!(s.total, None);
    assert_eq!(s.missing.rule, MissingHandling::ScalesNotScored);
    assert_eq!(s.missing.items_missing, (6..=16).collect::<Vec<u16>>());
}

#[test]
fn fabq_refuses_when_no_scale_is_complete() {
    let mut a = vec![Some(3); 16];
    a[1] = None; // item 2 (PA)
    a[5] = None; // item 6 (W)
    let (field, rule, _) = invalid("fabq", &a);
    assert_eq!((field.as_str(), rule.as_str()), ("answers[2]", "missing"));
}

// ---------------------------------------------------------------------------
// WAI-SR — task 1, 2, 10, 12; bond 3, 5, 7, 9; goal 4, 6, 8, 11; 1-5; no
// reverse items (item 4 scored as answered).
// ---------------------------------------------------------------------------

#[test]
fn waisr_subscales_and_no_reverse_items() {
    // Goal items 5, task items 3, bond items 1.
    let s = score("waisr", &parse("3,3,1,5,1,5,1,5,1,3,5,3"));
    assert_eq!(sub(&s, "goal"), Some(20.0));
    assert_eq!(sub(&s, "task"), Some(12.0));
    assert_eq!(sub(&s, "bond"), Some(4.0));
    assert_eq!(s.total, Some(36.0));
    // Item 4 at 5 adds 4 more points than at 1: not reversed.
    let lo = score("waisr", &parse("1,1,1,1,1,1,1,1,1,1,1,1"));
    let hi = score("waisr", &parse("1,1,1,5,1,1,1,1,1,1,1,1"));
    assert_eq!(sub(&hi, "goal").unwrap() - sub(&lo, "goal").unwrap(), 4.0);
    assert_eq!(lo.total, Some(12.0));
    assert_eq!(score("waisr", &[Some(5); 12]).total, Some(60.0));
    assert!(
        instruments::find("waisr")
            .unwrap()
            .reversed_items()
            .is_empty()
    );
}

#[test]
fn waisr_refuses_zero() {
    let (field, rule, _) = invalid("waisr", &parse("1,1,1,1,1,1,1,1,0,1,1,1"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[9]", "range"));
}

// ---------------------------------------------------------------------------
// EARS section B — 0 completely agree … 4 completely disagree; higher =
// better adherence; positively worded items 1, 4, 6 reversed; total 0-24.
// ---------------------------------------------------------------------------

#[test]
fn ears_reverses_items_1_4_6() {
    // Full adherence: agrees with 1, 4, 6 (0) and disagrees with 2, 3, 5 (4).
    assert_eq!(score("ears", &parse("0,4,4,0,4,0")).total, Some(24.0));
    // No adherence: the opposite.
    assert_eq!(score("ears", &parse("4,0,0,4,0,4")).total, Some(0.0));
    // "Completely agree" with every statement: 4 + 0 + 0 + 4 + 0 + 4.
    assert_eq!(score("ears", &parse("0,0,0,0,0,0")).total, Some(12.0));
    // Neutral everywhere: 2 × 6.
    assert_eq!(score("ears", &parse("2,2,2,2,2,2")).total, Some(12.0));
    assert_eq!(
        instruments::find("ears").unwrap().reversed_items(),
        vec![1, 4, 6]
    );
}

// ---------------------------------------------------------------------------
// PGIC — 1 very much improved … 4 no change … 7 very much worse; responders
// 1-2 (Farrar 2001).
// ---------------------------------------------------------------------------

#[test]
fn pgic_bands_each_response() {
    let expected = [
        (1, "improved_responder"),
        (2, "improved_responder"),
        (3, "minimally_improved"),
        (4, "no_change"),
        (5, "minimally_worse"),
        (6, "worse"),
        (7, "worse"),
    ];
    for (v, code) in expected {
        assert_eq!(band(&score("pgic", &[Some(v)])), Some(code), "PGIC {v}");
    }
    assert_eq!(invalid("pgic", &[Some(0)]).1, "range");
    assert_eq!(invalid("pgic", &[Some(8)]).1, "range");
}

// ---------------------------------------------------------------------------
// PSFS — Stratford 1995: up to 5 activities 0-10; score = mean.
// ---------------------------------------------------------------------------

#[test]
fn psfs_mean_of_activities() {
    let s = score("psfs", &parse("3,5,7"));
    assert_eq!(s.total, Some(5.0));
    let s = score("psfs", &parse("2,3"));
    assert_eq!(s.total, Some(2.5));
    assert_eq!(score("psfs", &parse("10,10,10,10,10")).total, Some(10.0));
    assert_eq!(score("psfs", &parse("0")).total, Some(0.0));
}

#[test]
fn psfs_unrated_activity_is_left_out_of_the_mean() {
    let s = score("psfs", &parse("4,-,8"));
    assert_eq!(s.total, Some(6.0));
    assert_eq!(s.missing.items_missing, vec![2]);
    assert_eq!(s.missing.rule, MissingHandling::MeanOfAnswered);
    assert_eq!(invalid("psfs", &parse("-,-")).1, "missing");
}

#[test]
fn psfs_count_is_one_to_five() {
    assert_eq!(invalid("psfs", &[]).1, "count");
    assert_eq!(invalid("psfs", &parse("1,2,3,4,5,6")).1, "count");
    let (field, rule, _) = invalid("psfs", &parse("1,11"));
    assert_eq!((field.as_str(), rule.as_str()), ("answers[2]", "range"));
}

// ---------------------------------------------------------------------------
// Output shape
// ---------------------------------------------------------------------------

#[test]
fn score_json_has_integers_when_whole_and_round_trips() {
    let s = score("startback", &parse("1,1,1,1,1,0,0,0,3"));
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["instrument"], "startback");
    assert_eq!(json["version"], "9-item");
    assert_eq!(json["total"].to_string(), "6");
    assert_eq!(json["total_max"].to_string(), "9");
    assert_eq!(json["subscales"]["psychosocial"].to_string(), "2");
    assert_eq!(json["band"]["code"], "medium");
    assert_eq!(json["band"]["loinc_answer"], "LA8982-6");
    assert_eq!(json["missing"]["rule"], "complete");
    let back: Score = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);

    let odi = score("odi", &parse("3,2,2,2,2,1,1,-,2,1"));
    let json = serde_json::to_value(&odi).unwrap();
    assert!(json["total"].is_f64());
    assert_eq!(json["missing"]["items_missing"], serde_json::json!([8]));
    assert_eq!(json["missing"]["rule"], "prorated");
    let back: Score = serde_json::from_value(json).unwrap();
    assert_eq!(back, odi);

    let fabq = {
        let mut a = vec![Some(2); 16];
        a[6] = None;
        score("fabq", &a)
    };
    let json = serde_json::to_value(&fabq).unwrap();
    assert!(json["total"].is_null());
    assert!(json["subscales"]["work"].is_null());
    assert_eq!(json["subscales"]["physical_activity"].to_string(), "8");
}
