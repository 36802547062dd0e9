//! The education library: the built-in items held to the house rules, the
//! loader's refusals of bad files, and proposals for hand-built patients.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

use std::collections::BTreeSet;

use rapport_domain::Error;
use rapport_domain::assessment::beliefs::BELIEFS;
use rapport_domain::education::{Library, Proposal, Stratum, TOPICS};

fn lib() -> Library {
    Library::builtin().expect("the built-in library loads")
}

fn keys(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn ids(proposals: &[Proposal]) -> Vec<&str> {
    proposals.iter().map(|p| p.item_id.as_str()).collect()
}

// ---------------------------------------------------------------------------
// The built-in library

#[test]
fn builtin_loads_with_at_least_20_items() {
    let lib = lib();
    assert!(lib.all().len() >= 20, "{} items", lib.all().len());
    assert!(!lib.version().is_empty());
}

#[test]
fn ids_are_unique_and_found() {
    let lib = lib();
    let unique: BTreeSet<&str> = lib.all().iter().map(|i| i.id.as_str()).collect();
    assert_eq!(unique.len(), lib.all().len());
    for item in lib.all() {
        assert_eq!(lib.get(&item.id).unwrap().id, item.id);
    }
    assert_eq!(
        lib.get("no-such-item"),
        Err(Error::Unknown {
            kind: "education item",
            name: "no-such-item".into()
        })
    );
}

#[test]
fn every_belief_is_answered_by_several_items_and_in_every_stratum() {
    let lib = lib();
    for b in BELIEFS {
        let answering: Vec<_> = lib.answering(b.key).collect();
        assert!(
            answering.len() >= 2,
            "belief `{}` is answered by {} item(s)",
            b.key,
            answering.len()
        );
        for &s in Stratum::ALL {
            assert!(
                answering.iter().any(|i| i.suits(s)),
                "no item suiting `{s}` answers `{}`",
                b.key
            );
        }
    }
}

#[test]
fn the_topics_the_issue_asks_for_are_covered() {
    let lib = lib();
    for topic in [
        "pain_science",
        "imaging",
        "activity",
        "flare_ups",
        "pacing",
        "sleep",
        "stress",
        "work",
        "exercise_dosing",
        "goals",
        "self_management",
        "confidence",
        "safety",
    ] {
        assert!(TOPICS.contains(&topic));
        assert!(
            lib.all().iter().any(|i| i.has_topic(topic)),
            "no item on `{topic}`"
        );
    }
    // Named items the issue lists.
    for id in [
        "pain-without-damage",
        "what-scans-show",
        "bending-and-lifting",
        "staying-active",
        "flare-up-plan",
        "pacing",
        "building-up-gradually",
        "sleep-and-pain",
        "work-and-back-pain",
        "exercise-soreness",
        "setting-goals",
        "taking-control",
        "trusting-your-back",
        "progress-takes-time",
    ] {
        assert!(lib.get(id).is_ok(), "missing `{id}`");
    }
}

#[test]
fn items_keep_the_house_style() {
    for item in lib().all() {
        let paragraphs = item.paragraphs().count();
        assert!(
            (3..=6).contains(&paragraphs),
            "{}: {paragraphs} paragraphs",
            item.id
        );
        let words = item.word_count();
        assert!((120..=250).contains(&words), "{}: {words} words", item.id);
        // Reading time between a brisk 250 and a careful 60 words a minute.
        let m = usize::from(item.reading_minutes);
        assert!(
            words.div_ceil(250) <= m && m <= words.div_ceil(60),
            "{}: {m} minutes for {words} words",
            item.id
        );
        assert!(item.title.len() <= 70, "{}: long title", item.id);
        assert!(item.summary.len() <= 100, "{}: long summary", item.id);
        assert!(!item.summary.contains('\n') && !item.title.contains('\n'));
    }
}

#[test]
fn items_are_plain_and_short_sentenced() {
    // Jargon a patient should not meet, and US spellings (the library is UK English).
    const AVOID: &[&str] = &[
        "nocicept",
        "sensitis",
        "sensitiz",
        "kinesiophob",
        "catastroph",
        "biopsychosocial",
        "pathology",
        "lumbar",
        "proprioce",
        "neuroplastic",
        "color",
        "behavior",
        "center",
        "program ",
        "organize",
        "recognize",
        "favorite",
        "mom ",
    ];
    for item in lib().all() {
        let text = format!("{} {} {}", item.title, item.summary, item.body).to_lowercase();
        for word in AVOID {
            assert!(!text.contains(word), "{}: uses `{word}`", item.id);
        }
        let sentences: Vec<usize> = item
            .body
            .split(['.', '?', '!', ':'])
            .map(|s| s.split_whitespace().count())
            .filter(|&n| n > 0)
            .collect();
        let mean = sentences.iter().sum::<usize>() as f64 / sentences.len() as f64;
        assert!(mean <= 16.0, "{}: mean sentence {mean:.1} words", item.id);
        assert!(
            sentences.iter().all(|&n| n <= 30),
            "{}: a sentence is over 30 words",
            item.id
        );
    }
}

#[test]
fn strata_match_the_intent() {
    let lib = lib();
    // Fear and pain processing suit high; reassurance and self-management low.
    for id in ["pain-volume-dial", "stress-and-pain", "feared-movements"] {
        let item = lib.get(id).unwrap();
        assert!(
            item.suits(Stratum::High) && !item.suits(Stratum::Low),
            "{id}"
        );
    }
    for id in ["back-pain-is-common", "self-management-toolkit"] {
        let item = lib.get(id).unwrap();
        assert!(
            item.suits(Stratum::Low) && !item.suits(Stratum::High),
            "{id}"
        );
    }
    for &s in Stratum::ALL {
        assert!(lib.all().iter().filter(|i| i.suits(s)).count() >= 10, "{s}");
    }
}

// ---------------------------------------------------------------------------
// Bad files

/// A small valid file: one item answering every belief, so the coverage rule
/// holds, and `extra` appended to it.
fn file_with(extra: &str) -> String {
    let all: Vec<String> = BELIEFS.iter().map(|b| format!("\"{}\"", b.key)).collect();
    format!(
        r#"version = "test"

[[item]]
id = "all-in-one"
title = "All in one"
summary = "Answers everything."
body = "One.\n\nTwo.\n\nThree."
beliefs = [{}]
strata = ["low", "medium", "high"]
reading_minutes = 1
topics = ["pain_science"]
{extra}"#,
        all.join(", ")
    )
}

const GOOD_ITEM: &str = r#"
[[item]]
id = "second"
title = "Second"
summary = "A second item."
body = "Body."
beliefs = ["rest_is_best"]
strata = ["low"]
reading_minutes = 2
topics = ["activity"]
"#;

fn data_error(text: &str) -> String {
    match Library::from_toml("test.toml", text) {
        Err(Error::Data {
            source_name,
            message,
        }) => {
            assert_eq!(source_name, "test.toml");
            message
        }
        other => panic!("expected a data error, got {other:?}"),
    }
}

#[test]
fn a_small_valid_file_loads() {
    let lib = Library::from_toml("test.toml", &file_with(GOOD_ITEM)).unwrap();
    assert_eq!(lib.all().len(), 2);
    assert_eq!(lib.version(), "test");
    assert_eq!(lib.get("second").unwrap().paragraphs().count(), 1);
}

#[test]
fn bad_items_are_refused_naming_item_and_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "beliefs = [\"rest_is_best\"]",
            "beliefs = [\"rest_is_bad\"]",
            "item `second`, field `beliefs[0]`: `rest_is_bad` is not a known belief",
        ),
        (
            "strata = [\"low\"]",
            "strata = [\"low\", \"extreme\"]",
            "item `second`, field `strata[1]`: `extreme` is not one of: low, medium, high",
        ),
        (
            "strata = [\"low\"]",
            "strata = [\"Low\"]",
            "item `second`, field `strata[0]`",
        ),
        (
            "strata = [\"low\"]",
            "strata = []",
            "item `second`, field `strata`: must name at least one",
        ),
        (
            "topics = [\"activity\"]",
            "topics = [\"astrology\"]",
            "item `second`, field `topics[0]`: `astrology` is not one of",
        ),
        (
            "topics = [\"activity\"]",
            "topics = [\"activity\", \"activity\"]",
            "item `second`, field `topics[1]`: `activity` is listed twice",
        ),
        (
            "title = \"Second\"",
            "title = \"  \"",
            "item `second`, field `title`: is empty",
        ),
        (
            "summary = \"A second item.\"",
            "summary = \"Two\\nlines\"",
            "item `second`, field `summary`: must be one line",
        ),
        (
            "body = \"Body.\"",
            "body = \"\"",
            "item `second`, field `body`: is empty",
        ),
        (
            "summary = \"A second item.\"\n",
            "",
            "item `second`, field `summary`: is missing",
        ),
        (
            "topics = [\"activity\"]",
            "topics = [\"activity\"]\ncolour = \"blue\"",
            "item `second`, field `colour`: unknown field",
        ),
        (
            "reading_minutes = 2",
            "reading_minutes = 0",
            "item `second`, field `reading_minutes`: 0 is not between 1 and 15",
        ),
        (
            "reading_minutes = 2",
            "reading_minutes = \"two\"",
            "item `second`, field `reading_minutes`: must be a whole number, not string",
        ),
        (
            "beliefs = [\"rest_is_best\"]",
            "beliefs = \"rest_is_best\"",
            "item `second`, field `beliefs`: must be a list of strings, not string",
        ),
        (
            "beliefs = [\"rest_is_best\"]",
            "beliefs = [1]",
            "item `second`, field `beliefs[0]`: must be a string, not integer",
        ),
        (
            "id = \"second\"",
            "id = \"Second Item\"",
            "item `Second Item`, field `id`: `Second Item` must be lower-case",
        ),
        (
            "id = \"second\"",
            "id = \"all-in-one\"",
            "item `all-in-one`, field `id`: the id is used by another item",
        ),
        ("id = \"second\"\n", "", "item `#2`, field `id`: is missing"),
    ];
    for (from, to, expected) in cases {
        assert!(GOOD_ITEM.contains(from), "fixture lacks `{from}`");
        let text = file_with(&GOOD_ITEM.replacen(from, to, 1));
        let message = data_error(&text);
        assert!(
            message.contains(expected),
            "`{to}`: expected `{expected}` in:\n{message}"
        );
    }
}

#[test]
fn an_unanswered_belief_is_refused() {
    let text = GOOD_ITEM.replace("second", "only");
    let message = data_error(&format!("version = \"1\"\n{text}"));
    assert!(
        message.contains("field `beliefs`: no item answers belief `hurt_means_harm`"),
        "{message}"
    );
    // One line per belief left unanswered.
    assert_eq!(message.lines().count(), BELIEFS.len() - 1, "{message}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let bad = GOOD_ITEM
        .replace("strata = [\"low\"]", "strata = [\"lo\"]")
        .replace("topics = [\"activity\"]", "topics = []");
    let message = data_error(&file_with(&bad));
    assert!(message.contains("field `strata[0]`"), "{message}");
    assert!(message.contains("field `topics`"), "{message}");
}

#[test]
fn bad_top_level_is_refused() {
    assert!(data_error("version = \"1\"").contains("the library has no items"));
    assert!(
        data_error(&format!("author = \"me\"\n{}", file_with("")))
            .contains("field `author`: unknown top-level field")
    );
    assert!(
        data_error(&file_with("").replace("version = \"test\"", ""))
            .contains("field `version`: is missing")
    );
    assert!(
        data_error("item = 3\nversion = \"1\"")
            .contains("field `item`: must be an array of tables")
    );
    // Not TOML at all.
    data_error("[[item]\nid = ");
}

// ---------------------------------------------------------------------------
// Proposals for hand-built patients

/// Weight never rises down the list, and belief answers come before general reading.
fn assert_ranked(proposals: &[Proposal]) {
    let weights: Vec<usize> = proposals.iter().map(|p| p.beliefs.len()).collect();
    assert!(
        weights.windows(2).all(|w| w[0] >= w[1]),
        "weights not in order: {weights:?}"
    );
}

#[test]
fn fearful_high_risk_patient_who_rests_gets_pain_science_and_activity_first() {
    let lib = lib();
    let beliefs = keys(&["hurt_means_harm", "rest_is_best"]);
    let proposals = lib.propose(&beliefs, Some(Stratum::High), &[]);
    assert_ranked(&proposals);

    // Items answering both worries lead, and they are about activity.
    let top = &proposals[0];
    assert_eq!(top.beliefs, keys(&["rest_is_best", "hurt_means_harm"]));
    assert!(top.suits_stratum);
    assert_eq!(
        top.reason,
        "Answers the worries that resting is the best cure and that pain means your back is being damaged."
    );
    // The first five are all pain science or activity, with both present in the first three.
    for p in &proposals[..5] {
        let item = lib.get(&p.item_id).unwrap();
        assert!(
            item.has_topic("pain_science") || item.has_topic("activity"),
            "{} is neither pain science nor activity",
            p.item_id
        );
        assert!(!p.beliefs.is_empty() && p.suits_stratum, "{}", p.item_id);
    }
    let first_three: Vec<_> = proposals[..3]
        .iter()
        .map(|p| lib.get(&p.item_id).unwrap())
        .collect();
    assert!(first_three.iter().any(|i| i.has_topic("pain_science")));
    assert!(first_three.iter().any(|i| i.has_topic("activity")));
    assert_eq!(
        ids(&proposals[..5]),
        [
            "rest-wisely",
            "staying-active",
            "pain-volume-dial",
            "stress-and-pain",
            "sleep-and-pain"
        ]
    );

    // Every item answering either belief is proposed, and among equals in
    // belief weight those suiting the stratum come first.
    for item in lib.all() {
        if item.answers("hurt_means_harm") || item.answers("rest_is_best") {
            assert!(ids(&proposals).contains(&item.id.as_str()), "{}", item.id);
        }
    }
    let toolkit = proposals
        .iter()
        .position(|p| p.item_id == "self-management-toolkit")
        .unwrap();
    assert!(!proposals[toolkit].suits_stratum);
    assert!(
        proposals[..toolkit]
            .iter()
            .filter(|p| p.beliefs.len() == 1)
            .all(|p| p.suits_stratum)
    );
    // General reading after the answers: suits high, answers nothing confirmed.
    let general: Vec<_> = proposals.iter().filter(|p| p.beliefs.is_empty()).collect();
    assert!(!general.is_empty());
    for p in general {
        assert!(p.suits_stratum, "{}", p.item_id);
        assert!(p.reason.starts_with("General reading"), "{}", p.reason);
    }
    // Low-only items that answer neither belief are not proposed.
    assert!(!ids(&proposals).contains(&"back-pain-is-common"));
}

#[test]
fn already_assigned_items_are_skipped() {
    let lib = lib();
    let beliefs = keys(&["hurt_means_harm", "rest_is_best"]);
    let all = lib.propose(&beliefs, Some(Stratum::High), &[]);
    let assigned = keys(&["rest-wisely", "pain-volume-dial", "not-an-item"]);
    let rest = lib.propose(&beliefs, Some(Stratum::High), &assigned);
    assert_eq!(rest.len(), all.len() - 2);
    assert!(!ids(&rest).contains(&"rest-wisely"));
    assert!(!ids(&rest).contains(&"pain-volume-dial"));
    // The others keep their order.
    let expected: Vec<&str> = ids(&all)
        .into_iter()
        .filter(|id| !["rest-wisely", "pain-volume-dial"].contains(id))
        .collect();
    assert_eq!(ids(&rest), expected);
    assert_eq!(rest[0].item_id, "staying-active");

    // Everything assigned: nothing left to propose.
    let every: Vec<String> = lib.all().iter().map(|i| i.id.clone()).collect();
    assert!(
        lib.propose(&beliefs, Some(Stratum::High), &every)
            .is_empty()
    );
}

#[test]
fn no_beliefs_at_low_risk_gets_general_self_management() {
    let lib = lib();
    let proposals = lib.propose(&[], Some(Stratum::Low), &[]);
    assert!(!proposals.is_empty());
    for p in &proposals {
        assert!(p.beliefs.is_empty() && p.suits_stratum, "{}", p.item_id);
        assert!(lib.get(&p.item_id).unwrap().suits(Stratum::Low));
        assert!(
            p.reason
                .starts_with("General reading on looking after your back: ")
        );
    }
    for p in &proposals[..3] {
        assert!(
            lib.get(&p.item_id).unwrap().has_topic("self_management"),
            "{} is not self-management",
            p.item_id
        );
    }
    assert_eq!(
        ids(&proposals[..3]),
        [
            "self-management-toolkit",
            "back-pain-is-common",
            "taking-control"
        ]
    );
    assert_eq!(
        proposals[0].reason,
        "General reading on looking after your back: simple things you can do yourself, on sore days and good days."
    );
    // Items written for fear and pain processing at high risk stay out.
    for id in ["pain-volume-dial", "stress-and-pain", "feared-movements"] {
        assert!(!ids(&proposals).contains(&id), "{id}");
    }
}

#[test]
fn medium_risk_fear_of_bending_gets_bending_items() {
    let lib = lib();
    let proposals = lib.propose(&keys(&["bending_is_dangerous"]), Some(Stratum::Medium), &[]);
    assert_ranked(&proposals);
    let answering: BTreeSet<&str> = lib
        .answering("bending_is_dangerous")
        .map(|i| i.id.as_str())
        .collect();
    let top: BTreeSet<&str> = ids(&proposals[..answering.len()]).into_iter().collect();
    assert_eq!(top, answering);
    assert_eq!(
        proposals[0].reason,
        "Answers the worry that bending or lifting will damage your back."
    );
}

#[test]
fn three_worries_read_as_a_list() {
    let lib = lib();
    let beliefs = keys(&["bending_is_dangerous", "hurt_means_harm", "back_is_fragile"]);
    let p = &lib.propose(&beliefs, Some(Stratum::High), &[])[0];
    assert_eq!(p.item_id, "feared-movements");
    assert_eq!(
        p.reason,
        "Answers the worries that bending or lifting will damage your back, that pain means your back is being damaged and that your back is weak or fragile."
    );
}

#[test]
fn order_is_deterministic() {
    let lib = lib();
    let a = lib.propose(
        &keys(&["hurt_means_harm", "rest_is_best", "will_never_improve"]),
        Some(Stratum::Medium),
        &keys(&["pacing"]),
    );
    let b = lib.propose(
        &keys(&[
            "will_never_improve",
            " rest_is_best",
            "hurt_means_harm",
            "rest_is_best",
        ]),
        Stratum::parse(" Medium "),
        &keys(&["pacing", "pacing"]),
    );
    assert_eq!(a, b);
    for _ in 0..5 {
        assert_eq!(
            lib.propose(
                &keys(&["hurt_means_harm", "rest_is_best", "will_never_improve"]),
                Some(Stratum::Medium),
                &keys(&["pacing"]),
            ),
            a
        );
    }
    let unique: BTreeSet<&str> = ids(&a).into_iter().collect();
    assert_eq!(unique.len(), a.len(), "an item is proposed twice");
}

#[test]
fn unknown_beliefs_are_ignored_and_unknown_stratum_counts_as_none() {
    let lib = lib();
    let with_unknown = lib.propose(
        &keys(&["rest_is_best", "gremlins"]),
        Some(Stratum::Low),
        &[],
    );
    assert_eq!(
        with_unknown,
        lib.propose(&keys(&["rest_is_best"]), Some(Stratum::Low), &[])
    );

    // No stratum known: every item is proposed, belief answers first.
    let none = lib.propose(&keys(&["scan_will_find_cause"]), None, &[]);
    assert_eq!(none.len(), lib.all().len());
    assert!(none.iter().all(|p| !p.suits_stratum));
    assert_eq!(ids(&none[..2]), ["what-scans-show", "when-to-get-help"]);
    // A stratum the domain does not know cannot be asked for: it is typed.
    assert_eq!(Stratum::parse("severe"), None);
}
