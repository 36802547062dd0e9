//! Licensed item wording, loaded at run time.
//!
//! Rapport ships only its own short item labels. A clinic that holds a licence
//! for an instrument supplies the wording as a TOML or JSON document, keyed by
//! instrument code, version, language and published item number:
//!
//! ```toml
//! instrument = "odi"
//! version = "2.1a"
//! language = "en-GB"
//! licence = "Licensed from <holder>, agreement <reference>"
//! instructions = "…"            # optional
//!
//! [[items]]
//! number = 1
//! text = "…"                     # the licensed item text
//! responses = ["…", "…"]         # optional: one per response, lowest first
//! ```
//!
//! The document is checked against the registry: the instrument and version
//! must exist, every item number must be one of the instrument's, and a
//! response list must have one entry per response on the item's scale. The
//! wording never changes scoring.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AnswerCount, Instrument, find};
use crate::{Error, Result};

/// The licensed wording of one instrument version in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordingSet {
    pub instrument: String,
    pub version: String,
    /// BCP 47 language tag, e.g. `en-GB`.
    pub language: String,
    /// Where the wording comes from and under what licence.
    pub licence: String,
    #[serde(default)]
    pub instructions: Option<String>,
    pub items: Vec<ItemText>,
}

/// The wording of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemText {
    /// Published item number.
    pub number: u16,
    pub text: String,
    /// One label per response, lowest response first; empty to keep anchors.
    #[serde(default)]
    pub responses: Vec<String>,
}

impl WordingSet {
    /// Parse and check a TOML wording document. `source_name` names the
    /// document in errors (a file name, an upload id).
    pub fn from_toml(source_name: &str, text: &str) -> Result<Self> {
        let set: WordingSet = toml::from_str(text).map_err(|e| data(source_name, e.to_string()))?;
        set.check(source_name)?;
        Ok(set)
    }

    /// Parse and check a JSON wording document.
    pub fn from_json(source_name: &str, text: &str) -> Result<Self> {
        let set: WordingSet =
            serde_json::from_str(text).map_err(|e| data(source_name, e.to_string()))?;
        set.check(source_name)?;
        Ok(set)
    }

    /// Check the document against the registry; returns the instrument.
    pub fn check(&self, source_name: &str) -> Result<&'static Instrument> {
        let instrument = find(&self.instrument).map_err(|_| {
            data(
                source_name,
                format!("unknown instrument `{}`", self.instrument),
            )
        })?;
        if self.version != instrument.version {
            return Err(data(
                source_name,
                format!(
                    "{} wording is for version `{}`, but Rapport scores version `{}`",
                    instrument.code, self.version, instrument.version
                ),
            ));
        }
        if self.language.trim().is_empty() {
            return Err(data(source_name, "language must not be empty".into()));
        }
        if self.licence.trim().is_empty() {
            return Err(data(
                source_name,
                "licence must say where the wording comes from and under what licence".into(),
            ));
        }
        let mut seen = Vec::with_capacity(self.items.len());
        for text in &self.items {
            let Some(item) = instrument.item(text.number) else {
                return Err(data(
                    source_name,
                    format!(
                        "{} has no item {} (items are 1 to {})",
                        instrument.code,
                        text.number,
                        instrument.items.len()
                    ),
                ));
            };
            if seen.contains(&text.number) {
                return Err(data(
                    source_name,
                    format!("item {} appears twice", text.number),
                ));
            }
            seen.push(text.number);
            if text.text.trim().is_empty() {
                return Err(data(
                    source_name,
                    format!("item {} has empty text", text.number),
                ));
            }
            let expected = usize::try_from(item.max - item.min + 1).unwrap_or(0);
            if !text.responses.is_empty() && text.responses.len() != expected {
                return Err(data(
                    source_name,
                    format!(
                        "item {} has {} response labels; its scale {}-{} has {expected}",
                        text.number,
                        text.responses.len(),
                        item.min,
                        item.max
                    ),
                ));
            }
        }
        if let AnswerCount::Fixed { count } = instrument.answers
            && seen.len() != count
        {
            let absent: Vec<String> = instrument
                .items
                .iter()
                .filter(|i| !seen.contains(&i.number))
                .map(|i| i.number.to_string())
                .collect();
            return Err(data(
                source_name,
                format!("wording missing for item(s) {}", absent.join(", ")),
            ));
        }
        Ok(instrument)
    }

    /// The wording of the item with this published number.
    pub fn item(&self, number: u16) -> Option<&ItemText> {
        self.items.iter().find(|t| t.number == number)
    }
}

/// The wording sets a deployment has loaded, keyed by instrument code,
/// version and language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordingLibrary {
    sets: BTreeMap<(String, String, String), WordingSet>,
}

impl WordingLibrary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a checked set, replacing any earlier set with the same key.
    pub fn insert(&mut self, set: WordingSet) {
        let key = (
            set.instrument.to_ascii_lowercase(),
            set.version.clone(),
            set.language.clone(),
        );
        self.sets.insert(key, set);
    }

    pub fn get(&self, code: &str, version: &str, language: &str) -> Option<&WordingSet> {
        self.sets.get(&(
            code.to_ascii_lowercase(),
            version.to_string(),
            language.to_string(),
        ))
    }

    /// The text to show for an item: the licensed wording when loaded for this
    /// language, otherwise Rapport's own label.
    pub fn item_text<'a>(
        &'a self,
        instrument: &'a Instrument,
        number: u16,
        language: &str,
    ) -> Option<&'a str> {
        let licensed = self
            .get(instrument.code, instrument.version, language)
            .and_then(|s| s.item(number))
            .map(|t| t.text.as_str());
        licensed.or_else(|| instrument.item(number).map(|i| i.label))
    }
}

fn data(source_name: &str, message: String) -> Error {
    Error::Data {
        source_name: source_name.to_string(),
        message,
    }
}
