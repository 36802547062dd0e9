//! A clinic's own exercise as its form submits it: text, and lists of ticked
//! keys. [`ExerciseInput::validate`] turns it into an [`Exercise`] of source
//! [`Source::Clinic`], or names the first field that breaks a rule.
//!
//! Whether its `easier` and `harder` links exist and link back is checked
//! when it joins a library ([`Library::with`](super::Library::with)): a link
//! between two exercises is only accepted when both of them state it.

use serde::{Deserialize, Serialize};

use super::library::{
    LEVEL_MAX, LEVEL_MIN, PER_WEEK_MAX, REST_MAX_SECONDS, SETS_MAX, WEEKS_MAX, check_exercise,
    is_slug,
};
use super::model::{Category, Dose, Exercise, FearedMovement, Position, Source, Target, Task};
use crate::assessment::intake::{Equipment, ExerciseKind, Setting};
use crate::{Error, FieldError, Result};

pub const NAME_MAX: usize = 120;
pub const LINE_MAX: usize = 300;
pub const STEPS_MAX: usize = 12;
pub const CAUTIONS_MAX: usize = 10;
pub const DOSE_TEXT_MAX: usize = 200;
/// Prefix of the ids made from a clinic exercise's name.
pub const CLINIC_PREFIX: &str = "clinic-";

/// A clinic's exercise as submitted by a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExerciseInput {
    /// A slug; when empty, `clinic-` and the name made into a slug.
    pub id: String,
    pub name: String,
    pub category: String,
    pub targets: Vec<String>,
    pub position: String,
    pub equipment: Vec<String>,
    pub level: String,
    /// When empty for a timed exercise (minutes), the minutes in seconds.
    pub seconds_per_set: String,
    pub sets: String,
    /// Exactly one of reps, hold_seconds and duration_minutes is filled in.
    pub reps: String,
    pub hold_seconds: String,
    pub duration_minutes: String,
    /// Empty means no rest.
    pub rest_seconds: String,
    pub per_week: String,
    pub weeks: String,
    pub load: String,
    pub intensity: String,
    /// One caution per line.
    pub cautions: String,
    /// One step per line.
    pub instructions: String,
    pub easier: String,
    pub harder: String,
    pub feared_movement: String,
    pub tasks: Vec<String>,
    pub settings: Vec<String>,
    pub kinds: Vec<String>,
}

fn text(field: &str, raw: &str, max: usize) -> Result<String> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Error::invalid(
            field,
            "max_length",
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "no_control_characters",
            "must not contain control characters",
        ));
    }
    Ok(s.to_string())
}

fn optional_text(field: &str, raw: &str, max: usize) -> Result<Option<String>> {
    let s = text(field, raw, max)?;
    Ok((!s.is_empty()).then_some(s))
}

fn lines(field: &str, raw: &str, max_items: usize) -> Result<Vec<String>> {
    let items: Vec<String> = raw
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| text(field, l, LINE_MAX))
        .collect::<Result<_>>()?;
    if items.len() > max_items {
        return Err(Error::invalid(
            field,
            "max_items",
            format!("at most {max_items}, one per line"),
        ));
    }
    Ok(items)
}

fn keys<T: PartialEq>(
    field: &str,
    raw: &[String],
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for s in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let v = parse(s).ok_or_else(|| {
            Error::invalid(field, "one_of", format!("`{s}` is not one of the choices"))
        })?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

fn choice<T>(field: &str, raw: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
    match raw.trim() {
        "" => Ok(None),
        s => parse(s).map(Some).ok_or_else(|| {
            Error::invalid(field, "one_of", format!("`{s}` is not one of the choices"))
        }),
    }
}

fn required<T>(field: &str, v: Option<T>) -> Result<T> {
    v.ok_or_else(|| Error::invalid(field, "required", "must be filled in"))
}

/// A whole number from `min` to `max`, or `None` when empty.
fn number<T: TryFrom<u32>>(field: &str, raw: &str, min: u32, max: u32) -> Result<Option<T>> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    "range",
                    format!("must be a whole number from {min} to {max}"),
                )
            }),
    }
}

fn link(field: &str, raw: &str) -> Result<Option<String>> {
    match raw.trim() {
        "" => Ok(None),
        s if is_slug(s) => Ok(Some(s.to_string())),
        s => Err(Error::invalid(
            field,
            "slug",
            format!("`{s}` is not an exercise id"),
        )),
    }
}

/// `name` made into a slug: lower-case ASCII letters and digits, other runs
/// of characters turned into one hyphen, at most 60 characters.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(60);
    out.trim_end_matches('-').to_string()
}

/// The field of the form a problem of [`check_exercise`] belongs to:
/// `dose.sets` is `sets`, `instructions[2]` is `instructions`.
fn form_field(field: &str) -> String {
    let f = field.strip_prefix("dose.").unwrap_or(field);
    let f = f.split('[').next().unwrap_or(f);
    if f == "dose" { "reps" } else { f }.to_string()
}

impl ExerciseInput {
    /// Checks every field; the first broken rule is the error, naming the
    /// form's field and the rule.
    pub fn validate(&self) -> Result<Exercise> {
        let name = text("name", &self.name, NAME_MAX)?;
        if name.is_empty() {
            return Err(Error::invalid("name", "required", "must be filled in"));
        }
        let id = match self.id.trim() {
            "" => {
                let slug = slugify(&name);
                if slug.is_empty() {
                    return Err(Error::invalid(
                        "id",
                        "required",
                        "give an id: the name has no letters or digits to make one from",
                    ));
                }
                format!("{CLINIC_PREFIX}{slug}")
            }
            s => {
                if !is_slug(s) {
                    return Err(Error::invalid(
                        "id",
                        "slug",
                        "use lower-case letters and digits in words joined by single hyphens, at most 80 characters",
                    ));
                }
                s.to_string()
            }
        };
        let category = required(
            "category",
            choice("category", &self.category, Category::parse)?,
        )?;
        let targets = keys("targets", &self.targets, Target::parse)?;
        if targets.is_empty() {
            return Err(Error::invalid("targets", "required", "tick at least one"));
        }
        let position = required(
            "position",
            choice("position", &self.position, Position::parse)?,
        )?;
        let equipment = keys("equipment", &self.equipment, Equipment::parse)?;
        let level = required(
            "level",
            number(
                "level",
                &self.level,
                u32::from(LEVEL_MIN),
                u32::from(LEVEL_MAX),
            )?,
        )?;

        let sets = required("sets", number("sets", &self.sets, 1, u32::from(SETS_MAX))?)?;
        let reps: Option<u16> = number("reps", &self.reps, 1, 100)?;
        let hold_seconds: Option<u16> = number("hold_seconds", &self.hold_seconds, 1, 600)?;
        let duration_minutes: Option<u16> =
            number("duration_minutes", &self.duration_minutes, 1, 240)?;
        match [
            ("reps", reps.is_some()),
            ("hold_seconds", hold_seconds.is_some()),
            ("duration_minutes", duration_minutes.is_some()),
        ]
        .iter()
        .filter(|(_, given)| *given)
        .map(|(f, _)| *f)
        .collect::<Vec<_>>()
        .as_slice()
        {
            [_] => {}
            [] => {
                return Err(Error::invalid(
                    "reps",
                    "exactly_one",
                    "give the repetitions, the seconds held or the minutes",
                ));
            }
            [_, second, ..] => {
                return Err(Error::invalid(
                    *second,
                    "exactly_one",
                    "give only one of the repetitions, the seconds held or the minutes",
                ));
            }
        }
        let rest_seconds = number(
            "rest_seconds",
            &self.rest_seconds,
            0,
            u32::from(REST_MAX_SECONDS),
        )?
        .unwrap_or(0);
        let per_week = required(
            "per_week",
            number("per_week", &self.per_week, 1, u32::from(PER_WEEK_MAX))?,
        )?;
        let weeks = required(
            "weeks",
            number("weeks", &self.weeks, 1, u32::from(WEEKS_MAX))?,
        )?;
        let seconds_per_set = match number("seconds_per_set", &self.seconds_per_set, 1, 14_400)? {
            Some(s) => s,
            None => match duration_minutes {
                Some(m) => m * 60,
                None => {
                    return Err(Error::invalid(
                        "seconds_per_set",
                        "required",
                        "say how many seconds one set takes",
                    ));
                }
            },
        };
        let dose = Dose {
            sets,
            reps,
            hold_seconds,
            duration_minutes,
            rest_seconds,
            per_week,
            weeks,
            load: optional_text("load", &self.load, DOSE_TEXT_MAX)?,
            intensity: optional_text("intensity", &self.intensity, DOSE_TEXT_MAX)?,
        };

        let cautions = lines("cautions", &self.cautions, CAUTIONS_MAX)?;
        let instructions = lines("instructions", &self.instructions, STEPS_MAX)?;
        if instructions.is_empty() {
            return Err(Error::invalid(
                "instructions",
                "required",
                "give at least one step, one per line",
            ));
        }
        let easier = link("easier", &self.easier)?;
        let harder = link("harder", &self.harder)?;
        let feared_movement = choice(
            "feared_movement",
            &self.feared_movement,
            FearedMovement::parse,
        )?;
        let tasks = keys("tasks", &self.tasks, Task::parse)?;
        let settings = keys("settings", &self.settings, Setting::parse)?;
        if settings.is_empty() {
            return Err(Error::invalid("settings", "required", "tick at least one"));
        }
        let kinds = keys("kinds", &self.kinds, ExerciseKind::parse)?;

        let exercise = Exercise {
            id,
            name,
            category,
            targets,
            position,
            equipment,
            level,
            seconds_per_set,
            dose,
            cautions,
            instructions,
            easier,
            harder,
            feared_movement,
            tasks,
            settings,
            kinds,
            source: Source::Clinic,
            attribution: None,
        };
        // The rules shared with the library (feared movement, tasks,
        // links to itself, hold within a set…).
        if let Some(p) = check_exercise(&exercise).into_iter().next() {
            return Err(Error::Invalid(FieldError {
                field: form_field(&p.field),
                ..p
            }));
        }
        Ok(exercise)
    }

    /// The form filled in from an exercise, to edit it.
    pub fn from_exercise(e: &Exercise) -> ExerciseInput {
        let num = |v: Option<u16>| v.map(|n| n.to_string()).unwrap_or_default();
        ExerciseInput {
            id: e.id.clone(),
            name: e.name.clone(),
            category: e.category.as_str().to_string(),
            targets: e.targets.iter().map(|t| t.as_str().to_string()).collect(),
            position: e.position.as_str().to_string(),
            equipment: e.equipment.iter().map(|t| t.as_str().to_string()).collect(),
            level: e.level.to_string(),
            seconds_per_set: e.seconds_per_set.to_string(),
            sets: e.dose.sets.to_string(),
            reps: num(e.dose.reps),
            hold_seconds: num(e.dose.hold_seconds),
            duration_minutes: num(e.dose.duration_minutes),
            rest_seconds: e.dose.rest_seconds.to_string(),
            per_week: e.dose.per_week.to_string(),
            weeks: e.dose.weeks.to_string(),
            load: e.dose.load.clone().unwrap_or_default(),
            intensity: e.dose.intensity.clone().unwrap_or_default(),
            cautions: e.cautions.join("\n"),
            instructions: e.instructions.join("\n"),
            easier: e.easier.clone().unwrap_or_default(),
            harder: e.harder.clone().unwrap_or_default(),
            feared_movement: e
                .feared_movement
                .map(|f| f.as_str().to_string())
                .unwrap_or_default(),
            tasks: e.tasks.iter().map(|t| t.as_str().to_string()).collect(),
            settings: e.settings.iter().map(|t| t.as_str().to_string()).collect(),
            kinds: e.kinds.iter().map(|t| t.as_str().to_string()).collect(),
        }
    }
}
