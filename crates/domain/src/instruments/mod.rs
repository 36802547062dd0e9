//! Validated questionnaires and their exact scoring.
//!
//! Every instrument is plain data ([`Instrument`]) held in a static registry
//! ([`registry`], [`find`]); one scoring engine ([`Instrument::score`]) applies
//! the instrument's published rules. Nothing here does I/O.
//!
//! Rules that hold for every instrument:
//! - An answer is the response the patient gave, on the item's own published
//!   scale (TSK 1–4, WAI-SR 1–5, PSEQ 0–6 …; where a scale has no published
//!   numbers the first response is 0). Answers are never pre-scored or
//!   pre-reversed: reversing and thresholding happen here.
//! - An answer out of range is refused, never clamped. The error names the item
//!   by its published number (`answers[7]`).
//! - A missing answer is handled only by the instrument's own missing-data
//!   rule ([`MissingRule`]); the score records which items were missing and what
//!   was done ([`Missing`]). Where no rule is published, Rapport refuses to score
//!   an incomplete form rather than impute.
//! - Items are stored as short labels of Rapport's own. Licensed item wording is
//!   never in the source tree: a clinic loads it at run time ([`wording`]).
//!
//! The sources of each rule are cited beside the rule in `catalog.rs`.

mod catalog;
pub mod wording;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub use wording::{ItemText, WordingLibrary, WordingSet};

/// Every instrument Rapport can score, in a stable order.
pub fn registry() -> &'static [Instrument] {
    catalog::ALL
}

/// The instrument with this code (`startback`, `odi`, …). Codes are matched
/// case-insensitively, ignoring surrounding whitespace.
pub fn find(code: &str) -> Result<&'static Instrument> {
    let wanted = code.trim();
    registry()
        .iter()
        .find(|i| i.code.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| Error::Unknown {
            kind: "instrument",
            name: wanted.to_string(),
        })
}

/// A serialisable one-line-per-instrument summary of the registry, for
/// `rapport score --list`.
pub fn summaries() -> Vec<InstrumentSummary> {
    registry().iter().map(Instrument::summary).collect()
}

/// Parse answers typed as `a,b,c…`. Each answer is a whole number on the
/// item's own scale; `-` or an empty place marks an unanswered item. Spaces
/// around answers are ignored. An input that is empty altogether is no answers.
pub fn parse_answers(text: &str) -> Result<Vec<Option<i32>>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(i, raw)| {
            let raw = raw.trim();
            if raw.is_empty() || raw == "-" {
                return Ok(None);
            }
            raw.parse::<i32>().map(Some).map_err(|_| {
                Error::invalid(
                    format!("answers[{}]", i + 1),
                    "number",
                    format!(
                        "item {}: `{raw}` is not a whole number; give the response as a number, or `-` if unanswered",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The instrument model (static data)
// ---------------------------------------------------------------------------

/// One validated questionnaire: its identity, items, scoring rules and the
/// facts a clinician needs to interpret a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instrument {
    /// Short lowercase code used on the command line and in stored scores.
    pub code: &'static str,
    pub name: &'static str,
    /// The version whose rules are encoded; stored with every score.
    pub version: &'static str,
    /// How many answers a form has.
    pub answers: AnswerCount,
    /// Items in published order; `number` is the published item number.
    pub items: &'static [Item],
    pub total: TotalRule,
    /// The range of the total (after any reversal and proration).
    #[serde(serialize_with = "num::one")]
    pub total_min: f64,
    #[serde(serialize_with = "num::one")]
    pub total_max: f64,
    /// Which direction of the total means the patient is worse off.
    pub polarity: Polarity,
    pub subscales: &'static [Subscale],
    pub missing: MissingRule,
    /// Interpretation of the total.
    pub banding: Banding,
    /// Minimal important change used for low back pain, where one exists.
    pub mic: Option<Mic>,
    pub loinc: Loinc,
    pub licence: Licence,
    /// Short notes for clinicians: caveats, cut-offs that are not bands, …
    pub notes: &'static [&'static str],
    /// Publications the encoded rules come from.
    pub references: &'static [&'static str],
}

/// How many answers an instrument takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerCount {
    Fixed {
        count: usize,
    },
    /// The patient chooses how many items to use (PSFS: up to five activities).
    Variable {
        min: usize,
        max: usize,
    },
}

/// One item as the patient answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// The published item number (1-based).
    pub number: u16,
    /// Rapport's own short label; never the licensed wording.
    pub label: &'static str,
    /// Lowest and highest response on the item's own scale.
    pub min: i32,
    pub max: i32,
    /// Rapport's own labels for the lowest and highest responses.
    pub anchors: (&'static str, &'static str),
    /// How the response becomes the item's score.
    pub scoring: ItemScoring,
}

/// How a raw response becomes an item score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemScoring {
    /// The response is the score.
    AsAnswered,
    /// Reverse-scored: score = min + max − response.
    Reversed,
    /// Scores 1 when the response is at least `from`, else 0 (STarT Back item 9).
    PositiveFrom { from: i32 },
}

impl Item {
    /// The score of this item for a response already known to be in range.
    pub fn scored(&self, response: i32) -> i32 {
        match self.scoring {
            ItemScoring::AsAnswered => response,
            ItemScoring::Reversed => self.min + self.max - response,
            ItemScoring::PositiveFrom { from } => i32::from(response >= from),
        }
    }

    pub fn is_reversed(&self) -> bool {
        matches!(self.scoring, ItemScoring::Reversed)
    }
}

/// How the total is formed from item scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TotalRule {
    /// Sum of item scores.
    Sum,
    /// Sum of answered item scores ÷ (item maximum × answered items) × 100
    /// (Oswestry Disability Index).
    PercentOfAnswered { item_max: i32 },
    /// Mean of answered item scores (PSFS).
    MeanOfAnswered,
}

/// Which way the total points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    HigherIsWorse,
    HigherIsBetter,
}

/// A subscale: the sum of the scores of its items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscale {
    pub code: &'static str,
    pub name: &'static str,
    /// Published item numbers.
    pub items: &'static [u16],
    #[serde(serialize_with = "num::one")]
    pub min: f64,
    #[serde(serialize_with = "num::one")]
    pub max: f64,
    pub loinc: Option<&'static str>,
}

/// What to do when items are unanswered. Each instrument uses the rule of its
/// publication, or refuses where none is published (see `catalog.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MissingRule {
    /// Every item must be answered; an incomplete form is not scored.
    RequireAll,
    /// Oswestry: each unanswered section lowers the denominator by the item
    /// maximum; more than `max_missing` unanswered sections is not scored.
    ReduceDenominator { max_missing: usize },
    /// A checklist where an unmarked statement counts as "does not apply"
    /// (Roland-Morris). Unanswered items are scored 0 and listed; a form with
    /// no item answered at all is not scored.
    UnmarkedIsNo,
    /// The mean of the items answered, at least `min_answered` of them (PSFS).
    MeanOfAnswered { min_answered: usize },
    /// Each subscale is scored only when all its items are answered; the total
    /// only when every item is answered; at least one subscale must be scored
    /// (FABQ: the work items may not apply to someone not working).
    PerSubscale,
}

/// How the total is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Banding {
    /// No published bands.
    None,
    /// Contiguous ranges of the total, ascending. A total belongs to the first
    /// band whose `max` it does not exceed, so a non-integer total between two
    /// whole-number bands (a prorated ODI of 20.5) falls in the higher band.
    Ranges { bands: &'static [Band] },
    /// Keele STarT Back: total ≤ `low_max` → low; otherwise psychosocial
    /// subscale ≥ `high_from` → high, else medium.
    StartBack {
        low_max: f64,
        subscale: &'static str,
        high_from: f64,
        bands: &'static [Band],
    },
}

/// One band of a total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    pub code: &'static str,
    pub label: &'static str,
    #[serde(serialize_with = "num::one")]
    pub min: f64,
    #[serde(serialize_with = "num::one")]
    pub max: f64,
    /// LOINC answer code for this band, where LOINC defines one.
    pub loinc_answer: Option<&'static str>,
    /// SNOMED CT concept for this band, where a published table gives one.
    pub snomed: Option<&'static str>,
}

/// Minimal important change for low back pain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mic {
    /// Absolute change in points of the total (lower end where a range is published).
    #[serde(serialize_with = "num::one")]
    pub points: f64,
    /// Upper end of a published range, if the MIC is given as a range.
    #[serde(serialize_with = "num::opt")]
    pub points_upper: Option<f64>,
    /// Relative change from baseline, in percent, where published.
    #[serde(serialize_with = "num::opt")]
    pub percent: Option<f64>,
    pub source: &'static str,
}

/// LOINC codes, where they exist and were verified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loinc {
    pub panel: Option<&'static str>,
    pub total: Option<&'static str>,
    /// The code of the band/stratum observation (STarT Back risk level).
    pub band: Option<&'static str>,
}

/// Licence status of the instrument (not of LOINC, which is free).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Licence {
    pub status: LicenceStatus,
    pub holder: &'static str,
    pub note: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// No permission needed.
    Free,
    /// Permission needed from the holder (possibly at no cost).
    WithPermission,
    /// A licence, typically fee-bearing for commercial software, is required.
    Proprietary,
}

/// The compact description printed by `rapport score --list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentSummary {
    pub code: &'static str,
    pub name: &'static str,
    pub version: &'static str,
    pub answers: AnswerCount,
    /// Per-item response range, as `(first item, last item, min, max)` runs.
    pub responses: Vec<ResponseRun>,
    pub reversed_items: Vec<u16>,
    #[serde(serialize_with = "num::one")]
    pub total_min: f64,
    #[serde(serialize_with = "num::one")]
    pub total_max: f64,
    pub polarity: Polarity,
    pub subscales: Vec<SubscaleSummary>,
    pub missing_rule: String,
    pub bands: Vec<String>,
    pub mic: Option<String>,
    pub loinc: Option<&'static str>,
    pub licence: LicenceStatus,
    pub licence_holder: &'static str,
}

/// A run of consecutive items sharing a response range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseRun {
    pub items: String,
    pub min: i32,
    pub max: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscaleSummary {
    pub code: &'static str,
    pub items: &'static [u16],
    #[serde(serialize_with = "num::one")]
    pub min: f64,
    #[serde(serialize_with = "num::one")]
    pub max: f64,
}

// ---------------------------------------------------------------------------
// The score (owned, JSON round-trippable)
// ---------------------------------------------------------------------------

/// The result of scoring one completed form. Serialises to the JSON printed by
/// `rapport score` and stored with the answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub instrument: String,
    pub version: String,
    /// The total; `None` only where the missing-data rule allows subscales
    /// without a total (FABQ with the work items unanswered).
    #[serde(serialize_with = "num::opt")]
    pub total: Option<f64>,
    #[serde(serialize_with = "num::one")]
    pub total_min: f64,
    #[serde(serialize_with = "num::one")]
    pub total_max: f64,
    /// Subscale code → value; `None` when the subscale could not be scored.
    #[serde(serialize_with = "num::map")]
    pub subscales: BTreeMap<String, Option<f64>>,
    /// The band or stratum of the total, where the instrument has bands.
    pub band: Option<ScoreBand>,
    pub missing: Missing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreBand {
    pub code: String,
    pub label: String,
    /// LOINC answer code of the band (STarT Back risk level), where defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loinc_answer: Option<String>,
}

/// Which items were unanswered and how that was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    /// Published numbers of unanswered items.
    pub items_missing: Vec<u16>,
    pub rule: MissingHandling,
    pub note: String,
}

/// What was done about unanswered items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingHandling {
    /// Nothing was missing.
    Complete,
    /// Oswestry: the denominator was reduced by 5 per unanswered section.
    Prorated,
    /// Roland-Morris: unmarked statements counted as not applying.
    CountedAsNo,
    /// PSFS: the mean of the activities rated.
    MeanOfAnswered,
    /// FABQ: scales with an unanswered item were not scored.
    ScalesNotScored,
}

/// Numbers print as integers when they are whole (a total of 5 is `5`, an
/// ODI of 35.6 is `35.6`).
mod num {
    use std::collections::BTreeMap;

    use serde::Serializer;
    use serde::ser::SerializeMap;

    #[allow(clippy::float_cmp, clippy::cast_possible_truncation)]
    fn write<S: Serializer>(v: f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }

    pub fn one<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        write(*v, s)
    }

    pub fn opt<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => write(*v, s),
            None => s.serialize_none(),
        }
    }

    struct Num(Option<f64>);

    impl serde::Serialize for Num {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            opt(&self.0, s)
        }
    }

    pub fn map<S: Serializer>(v: &BTreeMap<String, Option<f64>>, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(v.len()))?;
        for (k, val) in v {
            m.serialize_entry(k, &Num(*val))?;
        }
        m.end()
    }
}

// ---------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------

impl Instrument {
    /// Score one form. `answers[i]` is the response to the item numbered
    /// `i + 1` on the item's own scale, or `None` if unanswered.
    pub fn score(&self, answers: &[Option<i32>]) -> Result<Score> {
        self.check_count(answers.len())?;
        // Items actually on this form (PSFS: only as many as were given).
        let items = &self.items[..answers.len()];
        for (item, answer) in items.iter().zip(answers) {
            if let Some(v) = *answer {
                check_range(self, item, v)?;
            }
        }
        let missing: Vec<u16> = items
            .iter()
            .zip(answers)
            .filter(|(_, a)| a.is_none())
            .map(|(item, _)| item.number)
            .collect();

        let (total, subscales, handling, note) = match self.missing {
            MissingRule::RequireAll => {
                self.refuse_if_missing(&missing, "every item must be answered")?;
                let total = self.total_of(items, answers)?;
                (
                    Some(total),
                    self.subscales_of(answers),
                    MissingHandling::Complete,
                    String::new(),
                )
            }
            MissingRule::ReduceDenominator { max_missing } => {
                if missing.len() > max_missing {
                    return Err(self.missing_error(
                        &missing,
                        &format!(
                            "at most {} may be left unanswered",
                            plural(max_missing, "section", "sections")
                        ),
                    ));
                }
                let total = self.total_of(items, answers)?;
                let (handling, note) = if missing.is_empty() {
                    (MissingHandling::Complete, String::new())
                } else {
                    (
                        MissingHandling::Prorated,
                        format!(
                            "{} unanswered; the denominator was reduced by {} per unanswered section",
                            plural(missing.len(), "section", "sections"),
                            self.item_max_for_note()
                        ),
                    )
                };
                (Some(total), self.subscales_of(answers), handling, note)
            }
            MissingRule::UnmarkedIsNo => {
                // A form with nothing answered is indistinguishable from one
                // never completed; Rapport's guard, not the publication's.
                if !answers.is_empty() && missing.len() == answers.len() {
                    return Err(self.missing_error(
                        &missing,
                        "no statement was answered; answer 0 for statements that do not apply",
                    ));
                }
                let filled: Vec<Option<i32>> =
                    answers.iter().map(|a| Some(a.unwrap_or(0))).collect();
                let total = self.total_of(items, &filled)?;
                let (handling, note) = if missing.is_empty() {
                    (MissingHandling::Complete, String::new())
                } else {
                    (
                        MissingHandling::CountedAsNo,
                        format!(
                            "{} not marked; counted as not applying, as on the paper checklist",
                            plural(missing.len(), "statement", "statements")
                        ),
                    )
                };
                (Some(total), self.subscales_of(&filled), handling, note)
            }
            MissingRule::MeanOfAnswered { min_answered } => {
                let answered = answers.len() - missing.len();
                if answered < min_answered {
                    return Err(self.missing_error(
                        &missing,
                        &format!(
                            "at least {} must be rated",
                            plural(min_answered, "item", "items")
                        ),
                    ));
                }
                let total = self.total_of(items, answers)?;
                let (handling, note) = if missing.is_empty() {
                    (MissingHandling::Complete, String::new())
                } else {
                    (
                        MissingHandling::MeanOfAnswered,
                        format!(
                            "{} unrated; the score is the mean of the {} rated",
                            plural(missing.len(), "item", "items"),
                            answered
                        ),
                    )
                };
                (Some(total), self.subscales_of(answers), handling, note)
            }
            MissingRule::PerSubscale => {
                let subscales = self.subscales_of(answers);
                if subscales.values().all(Option::is_none) && !self.subscales.is_empty() {
                    return Err(self.missing_error(
                        &missing,
                        "at least one subscale must have all its items answered",
                    ));
                }
                if missing.is_empty() {
                    let total = self.total_of(items, answers)?;
                    (
                        Some(total),
                        subscales,
                        MissingHandling::Complete,
                        String::new(),
                    )
                } else {
                    let not_scored: Vec<&str> = subscales
                        .iter()
                        .filter(|(_, v)| v.is_none())
                        .map(|(k, _)| k.as_str())
                        .collect();
                    let note = if not_scored.is_empty() {
                        format!(
                            "{} unanswered; subscales scored, total not scored",
                            item_list(&missing)
                        )
                    } else {
                        format!(
                            "{} unanswered; not scored: total, {}",
                            item_list(&missing),
                            not_scored.join(", ")
                        )
                    };
                    (None, subscales, MissingHandling::ScalesNotScored, note)
                }
            }
        };

        let band = total.and_then(|t| self.band_of(t, &subscales));
        Ok(Score {
            instrument: self.code.to_string(),
            version: self.version.to_string(),
            total,
            total_min: self.total_min,
            total_max: self.total_max,
            subscales,
            band,
            missing: Missing {
                items_missing: missing,
                rule: handling,
                note,
            },
        })
    }

    /// The band of a total (and, for STarT Back, of its subscales).
    pub fn band_of(
        &self,
        total: f64,
        subscales: &BTreeMap<String, Option<f64>>,
    ) -> Option<ScoreBand> {
        let band = match self.banding {
            Banding::None => return None,
            Banding::Ranges { bands } => bands.iter().find(|b| total <= b.max),
            Banding::StartBack {
                low_max,
                subscale,
                high_from,
                bands,
            } => {
                let code = if total <= low_max {
                    "low"
                } else {
                    match subscales.get(subscale).copied().flatten() {
                        Some(p) if p >= high_from => "high",
                        Some(_) => "medium",
                        None => return None,
                    }
                };
                bands.iter().find(|b| b.code == code)
            }
        }?;
        Some(ScoreBand {
            code: band.code.to_string(),
            label: band.label.to_string(),
            loinc_answer: band.loinc_answer.map(str::to_string),
        })
    }

    /// Published numbers of the reverse-scored items.
    pub fn reversed_items(&self) -> Vec<u16> {
        self.items
            .iter()
            .filter(|i| i.is_reversed())
            .map(|i| i.number)
            .collect()
    }

    /// The item with this published number.
    pub fn item(&self, number: u16) -> Option<&Item> {
        self.items.iter().find(|i| i.number == number)
    }

    pub fn summary(&self) -> InstrumentSummary {
        InstrumentSummary {
            code: self.code,
            name: self.name,
            version: self.version,
            answers: self.answers,
            responses: response_runs(self.items),
            reversed_items: self.reversed_items(),
            total_min: self.total_min,
            total_max: self.total_max,
            polarity: self.polarity,
            subscales: self
                .subscales
                .iter()
                .map(|s| SubscaleSummary {
                    code: s.code,
                    items: s.items,
                    min: s.min,
                    max: s.max,
                })
                .collect(),
            missing_rule: self.missing.describe(),
            bands: match self.banding {
                Banding::None => Vec::new(),
                Banding::Ranges { bands } | Banding::StartBack { bands, .. } => bands
                    .iter()
                    .map(|b| format!("{}: {}", b.code, b.label))
                    .collect(),
            },
            mic: self.mic.as_ref().map(Mic::describe),
            loinc: self.loinc.total.or(self.loinc.panel),
            licence: self.licence.status,
            licence_holder: self.licence.holder,
        }
    }

    fn check_count(&self, given: usize) -> Result<()> {
        let ok = match self.answers {
            AnswerCount::Fixed { count } => given == count,
            AnswerCount::Variable { min, max } => (min..=max).contains(&given),
        };
        if ok {
            return Ok(());
        }
        let expected = match self.answers {
            AnswerCount::Fixed { count } => format!("exactly {count}"),
            AnswerCount::Variable { min, max } => format!("{min} to {max}"),
        };
        Err(Error::invalid(
            "answers",
            "count",
            format!(
                "{} ({}) takes {expected} answers, one per item in published order; got {given}",
                self.name, self.code
            ),
        ))
    }

    fn refuse_if_missing(&self, missing: &[u16], why: &str) -> Result<()> {
        if missing.is_empty() {
            Ok(())
        } else {
            Err(self.missing_error(missing, why))
        }
    }

    fn missing_error(&self, missing: &[u16], why: &str) -> Error {
        let first = missing.first().copied().unwrap_or(1);
        Error::invalid(
            format!("answers[{first}]"),
            "missing",
            format!(
                "{} unanswered; {} cannot be scored: {why}",
                item_list(missing),
                self.code
            ),
        )
    }

    fn total_of(&self, items: &[Item], answers: &[Option<i32>]) -> Result<f64> {
        let scored: Vec<i32> = items
            .iter()
            .zip(answers)
            .filter_map(|(item, a)| a.map(|v| item.scored(v)))
            .collect();
        let sum: i32 = scored.iter().sum();
        let n = scored.len();
        if n == 0 && self.total != TotalRule::Sum {
            return Err(self.missing_error(&[1], "no item was answered"));
        }
        match self.total {
            TotalRule::Sum => Ok(f64::from(sum)),
            TotalRule::PercentOfAnswered { item_max } => {
                Ok(f64::from(sum) / (f64::from(item_max) * n as f64) * 100.0)
            }
            TotalRule::MeanOfAnswered => Ok(f64::from(sum) / n as f64),
        }
    }

    fn subscales_of(&self, answers: &[Option<i32>]) -> BTreeMap<String, Option<f64>> {
        self.subscales
            .iter()
            .map(|s| {
                let value = s
                    .items
                    .iter()
                    .map(|&n| {
                        let idx = usize::from(n).checked_sub(1)?;
                        let item = self.items.get(idx)?;
                        answers.get(idx).copied().flatten().map(|v| item.scored(v))
                    })
                    .sum::<Option<i32>>()
                    .map(f64::from);
                (s.code.to_string(), value)
            })
            .collect()
    }

    fn item_max_for_note(&self) -> i32 {
        match self.total {
            TotalRule::PercentOfAnswered { item_max } => item_max,
            _ => 0,
        }
    }
}

fn check_range(instrument: &Instrument, item: &Item, v: i32) -> Result<()> {
    if (item.min..=item.max).contains(&v) {
        return Ok(());
    }
    Err(Error::invalid(
        format!("answers[{}]", item.number),
        "range",
        format!(
            "{} item {} ({}) takes a response from {} ({}) to {} ({}); got {v}",
            instrument.code,
            item.number,
            item.label,
            item.min,
            item.anchors.0,
            item.max,
            item.anchors.1
        ),
    ))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn item_list(items: &[u16]) -> String {
    let list: Vec<String> = items.iter().map(u16::to_string).collect();
    if items.len() == 1 {
        format!("item {}", list.join(""))
    } else {
        format!("items {}", list.join(", "))
    }
}

fn response_runs(items: &[Item]) -> Vec<ResponseRun> {
    let mut runs: Vec<(u16, u16, i32, i32)> = Vec::new();
    for item in items {
        match runs.last_mut() {
            Some(last) if last.2 == item.min && last.3 == item.max => last.1 = item.number,
            _ => runs.push((item.number, item.number, item.min, item.max)),
        }
    }
    runs.into_iter()
        .map(|(a, b, min, max)| ResponseRun {
            items: if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            },
            min,
            max,
        })
        .collect()
}

impl MissingRule {
    /// A one-line description of the rule, for `--list` and error messages.
    pub fn describe(&self) -> String {
        match self {
            MissingRule::RequireAll => "all items required; an incomplete form is not scored".into(),
            MissingRule::ReduceDenominator { max_missing } => format!(
                "unanswered sections reduce the denominator; at most {max_missing} may be unanswered"
            ),
            MissingRule::UnmarkedIsNo => "an unmarked statement counts as not applying".into(),
            MissingRule::MeanOfAnswered { min_answered } => {
                format!("mean of the items rated; at least {min_answered} required")
            }
            MissingRule::PerSubscale => {
                "a subscale is scored only when all its items are answered; the total only when all items are".into()
            }
        }
    }
}

impl Mic {
    pub fn describe(&self) -> String {
        let points = match self.points_upper {
            Some(upper) => format!("{}–{} points", self.points, upper),
            None => format!("{} points", self.points),
        };
        match self.percent {
            Some(p) => format!("{points} or {p}% ({})", self.source),
            None => format!("{points} ({})", self.source),
        }
    }
}
