//! The registry, answer parsing, the `--list` summary and the wording overlay.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rapport_domain::Error;
use rapport_domain::instruments::{
    self, AnswerCount, Banding, ItemScoring, LicenceStatus, WordingLibrary, WordingSet,
};

#[test]
fn registry_has_the_twelve_instruments_in_order() {
    let codes: Vec<&str> = instruments::registry().iter().map(|i| i.code).collect();
    assert_eq!(
        codes,
        [
            "startback",
            "nprs",
            "rmdq",
            "odi",
            "pseq",
            "tsk11",
            "fabq",
            "waisr",
            "ears",
            "pgic",
            "psfs",
            "endofcare"
        ]
    );
}

#[test]
fn registry_is_internally_consistent() {
    for i in instruments::registry() {
        // Items numbered 1..n in order.
        for (idx, item) in i.items.iter().enumerate() {
            assert_eq!(usize::from(item.number), idx + 1, "{} item order", i.code);
            assert!(item.min < item.max, "{} item {} range", i.code, item.number);
            assert!(!item.label.is_empty());
        }
        match i.answers {
            AnswerCount::Fixed { count } => assert_eq!(count, i.items.len(), "{}", i.code),
            AnswerCount::Variable { min, max } => {
                assert!(min >= 1 && max == i.items.len(), "{}", i.code);
            }
        }
        // Subscale items exist, and subscale ranges match their items.
        for s in i.subscales {
            let (mut lo, mut hi) = (0, 0);
            for &n in s.items {
                let item = i
                    .item(n)
                    .unwrap_or_else(|| panic!("{} subscale {} item {n}", i.code, s.code));
                let (a, b) = match item.scoring {
                    ItemScoring::PositiveFrom { .. } => (0, 1),
                    _ => (item.min, item.max),
                };
                lo += a;
                hi += b;
            }
            assert_eq!(
                (f64::from(lo), f64::from(hi)),
                (s.min, s.max),
                "{} subscale {}",
                i.code,
                s.code
            );
        }
        // Bands are contiguous over the total's range.
        if let Banding::Ranges { bands } = i.banding {
            assert_eq!(
                bands.first().map(|b| b.min),
                Some(i.total_min),
                "{}",
                i.code
            );
            assert_eq!(bands.last().map(|b| b.max), Some(i.total_max), "{}", i.code);
            for pair in bands.windows(2) {
                assert!(pair[0].max < pair[1].min, "{} bands overlap", i.code);
            }
        }
        assert!(!i.references.is_empty(), "{} cites its sources", i.code);
        assert!(!i.licence.holder.is_empty());
    }
}

#[test]
fn find_is_case_insensitive_and_refuses_unknown_codes() {
    assert_eq!(instruments::find(" ODI ").unwrap().code, "odi");
    match instruments::find("sf36") {
        Err(Error::Unknown { kind, name }) => {
            assert_eq!((kind, name.as_str()), ("instrument", "sf36"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn parse_answers_reads_numbers_dashes_and_blanks() {
    assert_eq!(
        instruments::parse_answers("1, 2,-,,3 ").unwrap(),
        vec![Some(1), Some(2), None, None, Some(3)]
    );
    assert_eq!(
        instruments::parse_answers("").unwrap(),
        Vec::<Option<i32>>::new()
    );
    assert_eq!(instruments::parse_answers("-").unwrap(), vec![None]);
    assert_eq!(instruments::parse_answers("-3").unwrap(), vec![Some(-3)]);
    match instruments::parse_answers("1,2,x") {
        Err(Error::Invalid(f)) => assert_eq!(
            (f.field.as_str(), f.rule.as_str()),
            ("answers[3]", "number")
        ),
        other => panic!("{other:?}"),
    }
    assert!(instruments::parse_answers("1.5").is_err());
}

#[test]
fn summaries_serialise_for_the_list_command() {
    let list = instruments::summaries();
    assert_eq!(list.len(), 12);
    let json = serde_json::to_value(&list).unwrap();
    let ears = json
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["code"] == "ears")
        .unwrap();
    assert_eq!(ears["reversed_items"], serde_json::json!([1, 4, 6]));
    assert_eq!(
        ears["responses"],
        serde_json::json!([{"items": "1-6", "min": 0, "max": 4}])
    );
    let startback = &json[0];
    assert_eq!(
        startback["responses"],
        serde_json::json!([{"items": "1-8", "min": 0, "max": 1}, {"items": "9", "min": 0, "max": 4}])
    );
    assert_eq!(startback["loinc"], "91351-7");
    assert_eq!(startback["licence"], "with_permission");
    let odi = instruments::find("odi").unwrap();
    assert_eq!(odi.licence.status, LicenceStatus::Proprietary);
    // The full instrument serialises too (for an API that shows details).
    let full = serde_json::to_value(odi).unwrap();
    assert_eq!(full["items"].as_array().unwrap().len(), 10);
}

// ---------------------------------------------------------------------------
// Wording overlay
// ---------------------------------------------------------------------------

const ODI_WORDING: &str = r#"
instrument = "odi"
version = "2.1a"
language = "en-GB"
licence = "test fixture; placeholder text only"

[[items]]
number = 1
text = "Placeholder for section one"
responses = ["r0", "r1", "r2", "r3", "r4", "r5"]
[[items]]
number = 2
text = "Placeholder for section two"
[[items]]
number = 3
text = "Placeholder 3"
[[items]]
number = 4
text = "Placeholder 4"
[[items]]
number = 5
text = "Placeholder 5"
[[items]]
number = 6
text = "Placeholder 6"
[[items]]
number = 7
text = "Placeholder 7"
[[items]]
number = 8
text = "Placeholder 8"
[[items]]
number = 9
text = "Placeholder 9"
[[items]]
number = 10
text = "Placeholder 10"
"#;

fn data_message(result: rapport_domain::Result<WordingSet>) -> String {
    match result {
        Err(Error::Data {
            source_name,
            message,
        }) => {
            assert_eq!(source_name, "clinic.toml");
            message
        }
        other => panic!("expected a Data error, got {other:?}"),
    }
}

#[test]
fn wording_loads_from_toml_and_overrides_labels() {
    let set = WordingSet::from_toml("clinic.toml", ODI_WORDING).unwrap();
    assert_eq!(set.item(1).unwrap().responses.len(), 6);
    let mut library = WordingLibrary::new();
    library.insert(set);
    let odi = instruments::find("odi").unwrap();
    assert_eq!(
        library.item_text(odi, 1, "en-GB"),
        Some("Placeholder for section one")
    );
    // Another language falls back to Rapport's own label.
    assert_eq!(library.item_text(odi, 1, "nl-NL"), Some("pain intensity"));
    assert_eq!(library.item_text(odi, 11, "en-GB"), None);
}

#[test]
fn wording_loads_from_json() {
    let json = serde_json::json!({
        "instrument": "pgic", "version": "7-point", "language": "en", "licence": "fixture",
        "items": [{"number": 1, "text": "Placeholder", "responses": ["a","b","c","d","e","f","g"]}]
    });
    let set = WordingSet::from_json("clinic.json", &json.to_string()).unwrap();
    assert_eq!(set.items.len(), 1);
}

#[test]
fn wording_is_checked_against_the_registry() {
    let unknown = ODI_WORDING.replace("instrument = \"odi\"", "instrument = \"sf36\"");
    assert!(
        data_message(WordingSet::from_toml("clinic.toml", &unknown)).contains("unknown instrument")
    );
    let version = ODI_WORDING.replace("2.1a", "2.0");
    assert!(data_message(WordingSet::from_toml("clinic.toml", &version)).contains("version"));
    let item = ODI_WORDING.replace("number = 10", "number = 11");
    assert!(data_message(WordingSet::from_toml("clinic.toml", &item)).contains("no item 11"));
    let responses = ODI_WORDING.replace(r#", "r5"]"#, "]");
    assert!(
        data_message(WordingSet::from_toml("clinic.toml", &responses)).contains("response labels")
    );
    let duplicate = ODI_WORDING.replace("number = 10", "number = 9");
    assert!(data_message(WordingSet::from_toml("clinic.toml", &duplicate)).contains("twice"));
    let no_licence = ODI_WORDING.replace("test fixture; placeholder text only", " ");
    assert!(data_message(WordingSet::from_toml("clinic.toml", &no_licence)).contains("licence"));
    let syntax = "instrument = ";
    let _ = data_message(WordingSet::from_toml("clinic.toml", syntax));
}
