//! Exercises exported by wger, the open-source workout manager, imported
//! into Rapport's model.
//!
//! # Input
//!
//! The JSON of wger's REST endpoint `/api/v2/exerciseinfo/`: a page
//! `{"count", "next", "previous", "results": [...]}`, a bare array of its
//! results, or one result (`/api/v2/exerciseinfo/{id}/`). Each result is one
//! exercise:
//!
//! ```text
//! id, uuid
//! category            {id, name}              e.g. {"id": 10, "name": "Abs"}
//! muscles             [{id, name, name_en, is_front, ...}]
//! muscles_secondary   [{id, name, name_en, is_front, ...}]
//! equipment           [{id, name}]            e.g. {"id": 7, "name": "none (bodyweight exercise)"}
//! license             {id, full_name, short_name, url}
//! license_author
//! translations        [{id, uuid, name, exercise, description (HTML), language (id), ...}]
//! ```
//!
//! Older servers (`/api/v2/exercisebaseinfo/`) call `translations`
//! `exercises`; both are read. Other fields (images, videos, aliases, notes…)
//! are ignored. `language` is wger's language id (2 is English); an object
//! with a `short_name` is read too.
//!
//! # Mapping
//!
//! - id `wger-<id>`, source [`Source::Wger`], level 2.
//! - The English translation gives the name; its description, HTML
//!   stripped, gives the instructions (one step per paragraph or list item).
//! - Category: Abs → core endurance; Back, Legs, Calves → strengthening;
//!   Cardio → aerobic. Arms, Chest and Shoulders are refused: the library has
//!   no upper-body targets.
//! - Targets from the muscles (rectus abdominis → trunk flexors, obliques →
//!   obliques, erector spinae → back extensors, gluteus → buttocks,
//!   quadriceps, hamstrings and calves → legs); the category's when no muscle
//!   is listed. An exercise that only works muscles outside the targets is
//!   refused.
//! - Equipment by name: bodyweight → none; gym mat → mat; dumbbell,
//!   kettlebell → weights; resistance band → band; barbell, SZ-bar, benches,
//!   pull-up bar → gym. Any other equipment (e.g. Swiss ball) refuses the
//!   exercise.
//! - Setting: gym (and clinic) when it needs gym equipment, else home and gym.
//! - Position is a default of the category (lying on the back for Abs, on
//!   the move for Cardio, standing otherwise), and the dose a moderate
//!   default (2 × 10, twice a week for 6 weeks; cardio 20 minutes three times
//!   a week): a clinician reviews both before prescribing.
//!
//! Exercises that cannot be mapped are listed in [`WgerImport::skipped`] with
//! the reason. wger's texts are licensed (CC BY-SA 4.0 for most);
//! [`WgerImport::attributions`] keeps each one's licence and authors.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::library::{WGER_PREFIX, check_exercise};
use super::model::{Category, Dose, Exercise, Position, Source, Target};
use crate::assessment::intake::{Equipment, ExerciseKind, Setting};
use crate::{Error, Result};

/// wger's language id of English.
pub const WGER_ENGLISH: u64 = 2;
/// The name errors in a wger export are reported under.
pub const WGER_SOURCE_NAME: &str = "wger export";

/// The outcome of an import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WgerImport {
    pub exercises: Vec<Exercise>,
    /// Licence and authors of each imported exercise, in the same order.
    pub attributions: Vec<WgerAttribution>,
    pub skipped: Vec<WgerSkipped>,
}

/// Where an imported exercise's text comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WgerAttribution {
    /// Rapport's id, `wger-<id>`.
    pub id: String,
    pub wger_id: u64,
    pub uuid: Option<String>,
    /// The licence's short name, e.g. `CC-BY-SA 4`.
    pub license: Option<String>,
    pub authors: Vec<String>,
}

/// An exercise of the export that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WgerSkipped {
    pub wger_id: Option<u64>,
    /// Its English name, when it has one.
    pub name: Option<String>,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
struct Named {
    #[allow(dead_code)]
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
struct Muscle {
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Language {
    Id(u64),
    Object {
        #[serde(default)]
        id: Option<u64>,
        #[serde(default)]
        short_name: Option<String>,
    },
}

impl Language {
    fn is_english(&self) -> bool {
        match self {
            Language::Id(id) => *id == WGER_ENGLISH,
            Language::Object { id, short_name } => {
                short_name.as_deref() == Some("en") || *id == Some(WGER_ENGLISH)
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum License {
    #[allow(dead_code)]
    Id(u64),
    Object {
        #[serde(default)]
        short_name: Option<String>,
        #[serde(default)]
        full_name: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
struct Translation {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: Option<String>,
    language: Language,
    #[serde(default)]
    license_author: Option<String>,
    #[serde(default)]
    author_history: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct WgerExercise {
    id: u64,
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    category: Option<Named>,
    #[serde(default)]
    muscles: Vec<Muscle>,
    #[serde(default)]
    muscles_secondary: Vec<Muscle>,
    #[serde(default)]
    equipment: Vec<Named>,
    #[serde(default, alias = "exercises")]
    translations: Vec<Translation>,
    #[serde(default)]
    license: Option<License>,
    #[serde(default)]
    license_author: Option<String>,
}

/// Import the exercises of a wger `exerciseinfo` export. Fails only when the
/// text is not JSON of that shape; exercises that cannot be mapped are
/// skipped with their reason.
pub fn import(json: &str) -> Result<WgerImport> {
    let data_err = |message: String| Error::Data {
        source_name: WGER_SOURCE_NAME.to_string(),
        message,
    };
    let value: Value = serde_json::from_str(json).map_err(|e| data_err(e.to_string()))?;
    let items: Vec<Value> = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("results") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(data_err("`results` must be an array".to_string())),
            None if map.contains_key("id") => vec![Value::Object(map)],
            None => {
                return Err(data_err(
                    "expected an exerciseinfo page (`results`), an array of exercises or one exercise"
                        .to_string(),
                ));
            }
        },
        _ => {
            return Err(data_err(
                "expected an exerciseinfo page (`results`), an array of exercises or one exercise"
                    .to_string(),
            ));
        }
    };

    let mut out = WgerImport::default();
    let mut ids = BTreeSet::new();
    for item in items {
        let wger_id = item.get("id").and_then(Value::as_u64);
        let raw: WgerExercise = match serde_json::from_value(item) {
            Ok(raw) => raw,
            Err(e) => {
                out.skipped.push(WgerSkipped {
                    wger_id,
                    name: None,
                    reason: format!("not a wger exercise: {e}"),
                });
                continue;
            }
        };
        let english = raw.translations.iter().find(|t| t.language.is_english());
        let name = english.map(|t| collapse(&t.name)).filter(|n| !n.is_empty());
        let skip = |reason: String| WgerSkipped {
            wger_id: Some(raw.id),
            name: name.clone(),
            reason,
        };
        if !ids.insert(raw.id) {
            out.skipped
                .push(skip(format!("exercise {} appears more than once", raw.id)));
            continue;
        }
        match convert(&raw) {
            Ok((exercise, attribution)) => {
                out.exercises.push(exercise);
                out.attributions.push(attribution);
            }
            Err(reason) => out.skipped.push(skip(reason)),
        }
    }
    Ok(out)
}

fn convert(raw: &WgerExercise) -> std::result::Result<(Exercise, WgerAttribution), String> {
    let english = raw
        .translations
        .iter()
        .find(|t| t.language.is_english())
        .ok_or("no English translation")?;
    let name = collapse(&english.name);
    if name.is_empty() {
        return Err("the English translation has no name".to_string());
    }
    let instructions = html_to_steps(english.description.as_deref().unwrap_or(""));
    if instructions.is_empty() {
        return Err("the English translation has no description to give as instructions".into());
    }

    let category_name = raw.category.as_ref().map(|c| c.name.trim()).unwrap_or("");
    let (category, default_target, position) = match category_name.to_lowercase().as_str() {
        "abs" => (
            Category::CoreEndurance,
            Target::TrunkFlexors,
            Position::LyingOnBack,
        ),
        "back" => (
            Category::Strengthening,
            Target::TrunkExtensors,
            Position::Standing,
        ),
        "legs" | "calves" => (Category::Strengthening, Target::Legs, Position::Standing),
        "cardio" => (Category::Aerobic, Target::Fitness, Position::Moving),
        "arms" | "chest" | "shoulders" => {
            return Err(format!(
                "upper-body category `{category_name}`: the library has no upper-body targets"
            ));
        }
        "" => return Err("no category".to_string()),
        _ => return Err(format!("category `{category_name}` has no equivalent")),
    };

    let mut equipment = Vec::new();
    for item in &raw.equipment {
        let mapped = match item.name.trim().to_lowercase().as_str() {
            "none (bodyweight exercise)" | "none" | "bodyweight" | "body weight" => None,
            "gym mat" | "mat" => Some(Equipment::Mat),
            "dumbbell" | "kettlebell" => Some(Equipment::Weights),
            "resistance band" | "band" => Some(Equipment::ResistanceBand),
            "barbell" | "sz-bar" | "bench" | "incline bench" | "pull-up bar" => {
                Some(Equipment::Gym)
            }
            _ => {
                return Err(format!(
                    "equipment `{}` has no equivalent in Rapport",
                    item.name.trim()
                ));
            }
        };
        if let Some(m) = mapped
            && !equipment.contains(&m)
        {
            equipment.push(m);
        }
    }

    let mut targets = Vec::new();
    if category == Category::Aerobic {
        targets.push(Target::Fitness);
    }
    for m in raw.muscles.iter().chain(&raw.muscles_secondary) {
        if let Some(t) = muscle_target(m)
            && !targets.contains(&t)
        {
            targets.push(t);
        }
    }
    if targets.is_empty() {
        if raw.muscles.is_empty() && raw.muscles_secondary.is_empty() {
            targets.push(default_target);
        } else {
            let names: Vec<&str> = raw.muscles.iter().map(|m| m.name.trim()).collect();
            return Err(format!(
                "works only muscles outside the library's targets ({})",
                names.join(", ")
            ));
        }
    }

    let settings = if equipment.contains(&Equipment::Gym) {
        vec![Setting::Gym, Setting::Clinic]
    } else {
        vec![Setting::Home, Setting::Gym]
    };
    let lower = name.to_lowercase();
    let kinds = if category == Category::Aerobic {
        [
            ("walk", ExerciseKind::Walking),
            ("cycl", ExerciseKind::Cycling),
            ("bike", ExerciseKind::Cycling),
            ("swim", ExerciseKind::Swimming),
            ("run", ExerciseKind::Running),
            ("jog", ExerciseKind::Running),
            ("danc", ExerciseKind::Dance),
        ]
        .iter()
        .filter(|(word, _)| lower.contains(word))
        .map(|(_, k)| *k)
        .fold(Vec::new(), |mut v, k| {
            if !v.contains(&k) {
                v.push(k);
            }
            v
        })
    } else {
        vec![ExerciseKind::Strength]
    };
    let (seconds_per_set, dose) = if category == Category::Aerobic {
        (
            20 * 60,
            Dose {
                sets: 1,
                reps: None,
                hold_seconds: None,
                duration_minutes: Some(20),
                rest_seconds: 0,
                per_week: 3,
                weeks: 6,
                load: Some("Body weight".to_string()),
                intensity: Some("Moderate: you can talk, but not sing".to_string()),
            },
        )
    } else {
        (
            40,
            Dose {
                sets: 2,
                reps: Some(10),
                hold_seconds: None,
                duration_minutes: None,
                rest_seconds: 60,
                per_week: 2,
                weeks: 6,
                load: Some(if equipment.is_empty() {
                    "Body weight".to_string()
                } else {
                    "A weight you can lift 12-15 times".to_string()
                }),
                intensity: Some(
                    "Moderate: you could do 2 or 3 more repetitions at the end of a set"
                        .to_string(),
                ),
            },
        )
    };

    let exercise = Exercise {
        id: format!("{WGER_PREFIX}{}", raw.id),
        name,
        category,
        targets,
        position,
        equipment,
        level: 2,
        seconds_per_set,
        dose,
        cautions: vec![
            "Stop and tell your physiotherapist if pain spreads down a leg or keeps building."
                .to_string(),
        ],
        instructions,
        easier: None,
        harder: None,
        feared_movement: None,
        tasks: Vec::new(),
        settings,
        kinds,
        source: Source::Wger,
        attribution: None,
    };
    let problems = check_exercise(&exercise);
    if !problems.is_empty() {
        return Err(problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "));
    }

    let mut authors: Vec<String> = Vec::new();
    for a in raw
        .license_author
        .iter()
        .chain(&english.license_author)
        .chain(&english.author_history)
    {
        let a = a.trim();
        if !a.is_empty() && !authors.iter().any(|x| x == a) {
            authors.push(a.to_string());
        }
    }
    let license = match &raw.license {
        Some(License::Object {
            short_name,
            full_name,
        }) => short_name.clone().or_else(|| full_name.clone()),
        _ => None,
    };
    let attribution = WgerAttribution {
        id: exercise.id.clone(),
        wger_id: raw.id,
        uuid: raw.uuid.clone(),
        license,
        authors,
    };
    // The licence (mostly CC BY-SA) asks for the source and authors to be named
    // wherever the text is shown, so they travel with the exercise.
    let mut exercise = exercise;
    exercise.attribution = Some(format!(
        "From wger exercise {}{}{}",
        attribution.wger_id,
        attribution
            .license
            .as_deref()
            .map(|l| format!(", licence {l}"))
            .unwrap_or_default(),
        if attribution.authors.is_empty() {
            String::new()
        } else {
            format!(", by {}", attribution.authors.join(", "))
        }
    ));
    Ok((exercise, attribution))
}

fn muscle_target(m: &Muscle) -> Option<Target> {
    let name = m.name.to_lowercase();
    let en = m.name_en.as_deref().unwrap_or("").to_lowercase();
    let has = |w: &str| name.contains(w) || en.contains(w);
    if has("rectus abdominis") || en == "abs" {
        Some(Target::TrunkFlexors)
    } else if has("obliq") {
        Some(Target::Obliques)
    } else if has("erector spinae") || en == "lower back" {
        Some(Target::TrunkExtensors)
    } else if has("glute") {
        Some(Target::Glutes)
    } else if has("quadriceps")
        || has("biceps femoris")
        || has("hamstring")
        || has("gastrocnemius")
        || has("soleus")
        || en == "quads"
        || en == "calves"
    {
        Some(Target::Legs)
    } else {
        None
    }
}

/// Whitespace runs made one space, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain-text steps of an HTML description: one per paragraph, line break,
/// list item or heading; tags dropped, entities decoded, whitespace
/// collapsed, empty steps left out.
pub fn html_to_steps(html: &str) -> Vec<String> {
    const BLOCKS: &[&str] = &[
        "p",
        "br",
        "li",
        "div",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "blockquote",
    ];
    let mut steps = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let s = collapse(current);
        if !s.is_empty() {
            steps.push(s);
        }
        current.clear();
    };
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let Some(end) = rest.find('>') else {
                    current.push_str(rest);
                    break;
                };
                let tag = rest[1..end].trim().trim_start_matches('/').trim();
                let tag_name: String = tag
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_lowercase();
                if BLOCKS.contains(&tag_name.as_str()) {
                    flush(&mut current);
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let entity_end = rest
                    .char_indices()
                    .take(12)
                    .find(|(_, c)| *c == ';')
                    .map(|(i, _)| i);
                match entity_end.and_then(|i| decode_entity(&rest[1..i]).map(|d| (i, d))) {
                    Some((i, decoded)) => {
                        current.push(decoded);
                        rest = &rest[i + 1..];
                    }
                    None => {
                        current.push('&');
                        rest = &rest[1..];
                    }
                }
            }
            c => {
                current.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    flush(&mut current);
    steps
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        "ndash" => Some('–'),
        "mdash" => Some('—'),
        "rsquo" => Some('’'),
        "lsquo" => Some('‘'),
        "rdquo" => Some('”'),
        "ldquo" => Some('“'),
        "hellip" => Some('…'),
        "deg" => Some('°'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_steps() {
        let steps = html_to_steps(
            "<p>Lie on your back.</p>\n<p>Lift &amp; <strong>hold</strong>&nbsp;5&#160;s.</p><ul><li>Breathe</li><li></li></ul>Rest<br/>Repeat &unknown; &#x41;",
        );
        assert_eq!(
            steps,
            [
                "Lie on your back.",
                "Lift & hold 5 s.",
                "Breathe",
                "Rest",
                "Repeat &unknown; A"
            ]
        );
        assert!(html_to_steps("<p> </p>").is_empty());
        assert_eq!(html_to_steps("a < b"), ["a < b"]);
    }
}
