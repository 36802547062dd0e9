//! The education library: short items written by Rapport, each keyed to the
//! beliefs and fears it answers and the STarT Back strata it suits.
//!
//! The built-in library is `crates/domain/education/library.toml`, embedded at
//! build time and parsed and validated on load ([`Library::builtin`]). A clinic's
//! own file goes through [`Library::from_toml`] and is held to the same rules;
//! the format is documented at the top of `library.toml`.
//!
//! [`Library::propose`] turns a patient's confirmed beliefs (the keys of
//! [`crate::assessment::beliefs::BELIEFS`]) and STarT Back stratum into ranked
//! proposals, each with the reason in words the patient can read. Tailored,
//! empowering explanation is what patients valued in the alliance
//! (Unsgaard-Tøndel & Söderström 2021, Results, "explaining and empowering").

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::assessment::beliefs::{BELIEFS, belief};
use crate::{Error, Result};

/// The built-in library file.
pub const BUILTIN_TOML: &str = include_str!("../../education/library.toml");
/// The name errors in the built-in file are reported under.
pub const BUILTIN_NAME: &str = "crates/domain/education/library.toml";

/// The topics an item may be filed under.
pub const TOPICS: &[&str] = &[
    "pain_science",
    "activity",
    "flare_ups",
    "sleep",
    "stress",
    "work",
    "imaging",
    "goals",
    "pacing",
    "exercise_dosing",
    "confidence",
    "self_management",
    "safety",
];

/// Longest reading time an item may claim, in minutes.
pub const MAX_READING_MINUTES: u16 = 15;

/// A STarT Back risk stratum, as the instrument's bands name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stratum {
    Low,
    Medium,
    High,
}

impl Stratum {
    pub const ALL: &'static [Stratum] = &[Stratum::Low, Stratum::Medium, Stratum::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Stratum::Low => "low",
            Stratum::Medium => "medium",
            Stratum::High => "high",
        }
    }

    /// In plain words, for a clinician.
    pub fn label(self) -> &'static str {
        match self {
            Stratum::Low => "low risk",
            Stratum::Medium => "medium risk",
            Stratum::High => "high risk",
        }
    }

    /// `low`, `medium` or `high`, ignoring case and surrounding space.
    pub fn parse(s: &str) -> Option<Stratum> {
        let s = s.trim();
        Stratum::ALL
            .iter()
            .copied()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Stratum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One education item, as written in the library file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EducationItem {
    /// Slug, unique in the library.
    pub id: String,
    pub title: String,
    /// One line: what the reader takes away.
    pub summary: String,
    /// Paragraphs separated by a blank line.
    pub body: String,
    /// Keys of the beliefs the item answers, primary first.
    pub beliefs: Vec<String>,
    /// STarT Back strata the item suits (`low`, `medium`, `high`).
    pub strata: Vec<String>,
    pub reading_minutes: u16,
    /// Keys from [`TOPICS`].
    pub topics: Vec<String>,
}

impl EducationItem {
    /// The body's paragraphs, trimmed, empty ones left out.
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        self.body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }

    /// Words in the body.
    pub fn word_count(&self) -> usize {
        self.body.split_whitespace().count()
    }

    /// Whether the item answers the belief with this key.
    pub fn answers(&self, belief_key: &str) -> bool {
        self.beliefs.iter().any(|b| b == belief_key)
    }

    /// Whether the item suits patients in this stratum.
    pub fn suits(&self, stratum: Stratum) -> bool {
        self.strata
            .iter()
            .any(|s| Stratum::parse(s) == Some(stratum))
    }

    /// Whether the item is filed under this topic.
    pub fn has_topic(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic)
    }
}

/// An item proposed for a patient, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub item_id: String,
    /// The patient's confirmed beliefs the item answers, in the item's order.
    /// Empty for general reading proposed from the stratum alone.
    pub beliefs: Vec<String>,
    /// Whether the item suits the patient's stratum (false when none is known).
    pub suits_stratum: bool,
    /// Why, addressed to the patient, so it can be shown on their page as is.
    pub reason: String,
}

/// The validated library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Library {
    version: String,
    items: Vec<EducationItem>,
}

impl Library {
    /// The built-in library.
    pub fn builtin() -> Result<Library> {
        Self::from_toml(BUILTIN_NAME, BUILTIN_TOML)
    }

    /// Load and validate a library file. `source_name` names the file in
    /// errors. Every problem found is reported (one per line), each naming the
    /// item and the field.
    pub fn from_toml(source_name: &str, text: &str) -> Result<Library> {
        let data_err = |message: String| Error::Data {
            source_name: source_name.to_string(),
            message,
        };
        let root: toml::Table = toml::from_str(text).map_err(|e| data_err(e.to_string()))?;
        let mut errors = Vec::new();
        let library = load(&root, &mut errors);
        if errors.is_empty() {
            Ok(library)
        } else {
            Err(data_err(errors.join("\n")))
        }
    }

    /// The file's `version`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Every item, in file order.
    pub fn all(&self) -> &[EducationItem] {
        &self.items
    }

    /// The item with this id (exact, after trimming).
    pub fn get(&self, id: &str) -> Result<&EducationItem> {
        let id = id.trim();
        self.items
            .iter()
            .find(|i| i.id == id)
            .ok_or_else(|| Error::Unknown {
                kind: "education item",
                name: id.to_string(),
            })
    }

    /// The items answering a belief, in file order.
    pub fn answering<'a>(&'a self, belief_key: &'a str) -> impl Iterator<Item = &'a EducationItem> {
        self.items.iter().filter(move |i| i.answers(belief_key))
    }

    /// Items to propose to a patient, best first.
    ///
    /// Proposed are the items answering at least one of `confirmed_beliefs`,
    /// then, as general reading, the other items suiting `stratum` (every other
    /// item when no stratum is known). Items in `already_assigned` are left
    /// out. Unknown belief keys are ignored, and a stratum that is not `low`,
    /// `medium` or `high` counts as not known.
    ///
    /// Ranked by:
    /// 1. how many of the confirmed beliefs the item answers (more first);
    /// 2. stratum fit: items suiting the stratum first, and among them those
    ///    written for fewer strata, the more targeted, first;
    /// 3. shorter reading time;
    /// 4. position in the library file.
    ///
    /// The order depends only on the arguments' contents, not on the order
    /// or repetition of the beliefs or assigned ids.
    pub fn propose(
        &self,
        confirmed_beliefs: &[String],
        stratum: Option<Stratum>,
        already_assigned: &[String],
    ) -> Vec<Proposal> {
        let confirmed: BTreeSet<&str> = confirmed_beliefs
            .iter()
            .map(|b| b.trim())
            .filter(|b| belief(b).is_some())
            .collect();
        let assigned: BTreeSet<&str> = already_assigned.iter().map(|a| a.trim()).collect();

        let mut ranked: Vec<(usize, &EducationItem, Vec<String>, bool)> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| !assigned.contains(item.id.as_str()))
            .filter_map(|(position, item)| {
                let answered: Vec<String> = item
                    .beliefs
                    .iter()
                    .filter(|b| confirmed.contains(b.as_str()))
                    .cloned()
                    .collect();
                let suits = stratum.is_some_and(|s| item.suits(s));
                let proposed = !answered.is_empty() || suits || stratum.is_none();
                proposed.then_some((position, item, answered, suits))
            })
            .collect();

        ranked.sort_by_key(|(position, item, answered, suits)| {
            (
                Reverse(answered.len()),
                Reverse(*suits),
                if *suits { item.strata.len() } else { 0 },
                item.reading_minutes,
                *position,
            )
        });

        ranked
            .into_iter()
            .map(|(_, item, answered, suits)| Proposal {
                item_id: item.id.clone(),
                reason: reason(item, &answered),
                beliefs: answered,
                suits_stratum: suits,
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Reasons

/// "Answers the worry that …" from the beliefs' labels, or general reading.
fn reason(item: &EducationItem, answered: &[String]) -> String {
    let worries: Vec<String> = answered
        .iter()
        .filter_map(|key| belief(key))
        .map(|b| format!("that {}", to_reader(b.label)))
        .collect();
    match worries.as_slice() {
        [] => format!(
            "General reading on looking after your back: {}",
            lower_first(&item.summary)
        ),
        [one] => format!("Answers the worry {one}."),
        [init @ .., last] => format!("Answers the worries {} and {last}.", init.join(", ")),
    }
}

/// A belief label as the patient puts it ("my back") turned to the reader
/// ("your back"), starting in lower case to follow "the worry that".
fn to_reader(label: &str) -> String {
    let words: Vec<&str> = label
        .split_whitespace()
        .map(|w| match w {
            "my" | "My" => "your",
            "I" => "you",
            "me" => "you",
            "myself" => "yourself",
            "I'm" => "you're",
            other => other,
        })
        .collect();
    lower_first(&words.join(" "))
}

/// Lower-cases the first letter unless the first word is an abbreviation.
fn lower_first(s: &str) -> String {
    let first_word = s.split_whitespace().next().unwrap_or_default();
    let abbreviation = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && first_word
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if !abbreviation => c.to_lowercase().chain(chars).collect(),
        _ => s.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Loading

const FIELDS: &[&str] = &[
    "id",
    "title",
    "summary",
    "body",
    "beliefs",
    "strata",
    "reading_minutes",
    "topics",
];
const STRING_FIELDS: &[&str] = &["id", "title", "summary", "body"];
const LIST_FIELDS: &[&str] = &["beliefs", "strata", "topics"];

fn load(root: &toml::Table, errors: &mut Vec<String>) -> Library {
    let version = match root.get("version") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(toml::Value::String(_)) => {
            errors.push("field `version`: is empty".into());
            String::new()
        }
        Some(other) => {
            errors.push(format!(
                "field `version`: must be a string, not {}",
                other.type_str()
            ));
            String::new()
        }
        None => {
            errors.push("field `version`: is missing".into());
            String::new()
        }
    };
    for key in root.keys() {
        if !["version", "item"].contains(&key.as_str()) {
            errors.push(format!(
                "field `{key}`: unknown top-level field (expected `version` and `[[item]]`)"
            ));
        }
    }
    let tables: Vec<&toml::Table> = match root.get("item") {
        Some(toml::Value::Array(values)) => values
            .iter()
            .enumerate()
            .filter_map(|(n, v)| match v {
                toml::Value::Table(t) => Some(t),
                other => {
                    errors.push(format!(
                        "item #{}: must be a table, not {}",
                        n + 1,
                        other.type_str()
                    ));
                    None
                }
            })
            .collect(),
        Some(other) => {
            errors.push(format!(
                "field `item`: must be an array of tables (`[[item]]`), not {}",
                other.type_str()
            ));
            Vec::new()
        }
        None => {
            errors.push("field `item`: the library has no items".into());
            Vec::new()
        }
    };

    let mut items = Vec::with_capacity(tables.len());
    for (n, table) in tables.into_iter().enumerate() {
        let name = match table.get("id") {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            _ => format!("#{}", n + 1),
        };
        let mut item_errors = ItemErrors {
            name: &name,
            errors,
        };
        if let Some(item) = load_item(table, &mut item_errors) {
            items.push(item);
        }
    }

    let mut seen = BTreeSet::new();
    for item in &items {
        if !seen.insert(item.id.as_str()) {
            errors.push(format!(
                "item `{}`, field `id`: the id is used by another item",
                item.id
            ));
        }
    }
    if !items.is_empty() {
        for b in BELIEFS {
            if !items.iter().any(|i| i.answers(b.key)) {
                errors.push(format!(
                    "field `beliefs`: no item answers belief `{}` (\"{}\")",
                    b.key, b.label
                ));
            }
        }
    }

    Library { version, items }
}

struct ItemErrors<'a> {
    name: &'a str,
    errors: &'a mut Vec<String>,
}

impl ItemErrors<'_> {
    fn err(&mut self, field: &str, message: impl fmt::Display) {
        self.errors
            .push(format!("item `{}`, field `{field}`: {message}", self.name));
    }
}

/// Checks the item's fields and their types, then its values. None when any
/// of it is wrong (the problems are recorded).
fn load_item(table: &toml::Table, e: &mut ItemErrors<'_>) -> Option<EducationItem> {
    let before = e.errors.len();
    for key in table.keys() {
        if !FIELDS.contains(&key.as_str()) {
            e.err(
                key,
                format!("unknown field (expected: {})", FIELDS.join(", ")),
            );
        }
    }
    for &field in FIELDS {
        let Some(value) = table.get(field) else {
            e.err(field, "is missing");
            continue;
        };
        if STRING_FIELDS.contains(&field) && !value.is_str() {
            e.err(field, format!("must be a string, not {}", value.type_str()));
        } else if LIST_FIELDS.contains(&field) {
            match value {
                toml::Value::Array(values) => {
                    for (i, v) in values.iter().enumerate() {
                        if !v.is_str() {
                            e.err(
                                &format!("{field}[{i}]"),
                                format!("must be a string, not {}", v.type_str()),
                            );
                        }
                    }
                }
                other => e.err(
                    field,
                    format!("must be a list of strings, not {}", other.type_str()),
                ),
            }
        } else if field == "reading_minutes" {
            match value {
                toml::Value::Integer(m) if (1..=i64::from(MAX_READING_MINUTES)).contains(m) => {}
                toml::Value::Integer(m) => e.err(
                    field,
                    format!("{m} is not between 1 and {MAX_READING_MINUTES}"),
                ),
                other => e.err(
                    field,
                    format!("must be a whole number, not {}", other.type_str()),
                ),
            }
        }
    }
    if e.errors.len() > before {
        return None;
    }

    let mut item: EducationItem = match toml::Value::Table(table.clone()).try_into() {
        Ok(item) => item,
        Err(err) => {
            e.errors
                .push(format!("item `{}`: {}", e.name, err.to_string().trim()));
            return None;
        }
    };
    for s in [
        &mut item.id,
        &mut item.title,
        &mut item.summary,
        &mut item.body,
    ] {
        *s = s.trim().to_string();
    }
    for list in [&mut item.beliefs, &mut item.strata, &mut item.topics] {
        for s in list.iter_mut() {
            *s = s.trim().to_string();
        }
    }

    if !is_slug(&item.id) {
        e.err(
            "id",
            format!(
                "`{}` must be lower-case letters and digits joined by single hyphens",
                item.id
            ),
        );
    }
    for (field, value) in [
        ("title", &item.title),
        ("summary", &item.summary),
        ("body", &item.body),
    ] {
        if value.is_empty() {
            e.err(field, "is empty");
        } else if field != "body" && value.contains('\n') {
            e.err(field, "must be one line");
        }
    }
    check_list(e, "beliefs", &item.beliefs, |b| {
        belief(b).is_some().then_some(()).ok_or_else(|| {
            let known: Vec<&str> = BELIEFS.iter().map(|b| b.key).collect();
            format!("`{b}` is not a known belief (known: {})", known.join(", "))
        })
    });
    check_list(e, "strata", &item.strata, |s| {
        // Exact lower case, as the file format says.
        Stratum::ALL
            .iter()
            .any(|v| v.as_str() == s)
            .then_some(())
            .ok_or_else(|| format!("`{s}` is not one of: low, medium, high"))
    });
    check_list(e, "topics", &item.topics, |t| {
        TOPICS
            .contains(&t)
            .then_some(())
            .ok_or_else(|| format!("`{t}` is not one of: {}", TOPICS.join(", ")))
    });

    (e.errors.len() == before).then_some(item)
}

/// A non-empty list of distinct values, each passing `check`.
fn check_list(
    e: &mut ItemErrors<'_>,
    field: &str,
    values: &[String],
    check: impl Fn(&str) -> std::result::Result<(), String>,
) {
    if values.is_empty() {
        e.err(field, "must name at least one");
    }
    for (i, v) in values.iter().enumerate() {
        if let Err(message) = check(v) {
            e.err(&format!("{field}[{i}]"), message);
        } else if values[..i].contains(v) {
            e.err(&format!("{field}[{i}]"), format!("`{v}` is listed twice"));
        }
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_turn_to_the_reader() {
        assert_eq!(
            to_reader("Pain means my back is being damaged"),
            "pain means your back is being damaged"
        );
        assert_eq!(
            to_reader("I must wait until the pain is gone before being active"),
            "you must wait until the pain is gone before being active"
        );
        assert_eq!(
            to_reader("My back is weak or fragile"),
            "your back is weak or fragile"
        );
        assert_eq!(lower_first("MRI shows it"), "MRI shows it");
        assert_eq!(lower_first(""), "");
    }

    #[test]
    fn slugs() {
        assert!(is_slug("pain-without-damage") && is_slug("a1"));
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "a b"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn strata_parse() {
        assert_eq!(Stratum::parse(" High "), Some(Stratum::High));
        assert_eq!(Stratum::parse("severe"), None);
    }
}
