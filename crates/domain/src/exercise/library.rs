//! The exercise library: the built-in exercises, validated, with their
//! easier and harder variants walkable both ways.
//!
//! The built-in file is `crates/domain/exercises/library.toml`, embedded at
//! build time and parsed and validated on load ([`Library::builtin`]). A
//! clinic's own exercises (and exercises imported from wger) join it with
//! [`Library::with`] and are held to the same rules.
//!
//! # Rules
//!
//! Each exercise on its own ([`check_exercise`]): an id that is a slug (and,
//! for the built-in exercises, starts with its category's prefix, see
//! [`Category::id_prefix`]); a name, targets, settings and instructions;
//! level 1 to 5; a time per set; a sane dose (at least one set, exactly one
//! of reps, hold or minutes, 1 to 7 times a week for 1 to 52 weeks, at most
//! 600 s rest); a feared movement exactly when it is graded exposure; tasks
//! when it is a functional task.
//!
//! The library as a whole ([`problems`]): unique ids; every `easier` and
//! `harder` names an exercise of the library and that exercise links back
//! (A.harder = B exactly when B.easier = A); the level rises strictly along
//! `harder`; following the links never comes back to where it started; the
//! steps of a graded-exposure chain practise the same feared movement.
//!
//! Every problem names the exercise and the field, as
//! `exercises[<id>].<field>`, with the rule it breaks.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::model::{Category, Exercise, Source};
use crate::{Error, FieldError, Result};

/// The built-in library file.
pub const BUILTIN_TOML: &str = include_str!("../../exercises/library.toml");
/// The name errors in the built-in file are reported under.
pub const BUILTIN_NAME: &str = "crates/domain/exercises/library.toml";
/// The name errors in exercises given as values are reported under.
pub const EXERCISES_NAME: &str = "exercise library";

/// Id prefix of exercises imported from wger.
pub const WGER_PREFIX: &str = "wger-";

pub const LEVEL_MIN: u8 = 1;
pub const LEVEL_MAX: u8 = 5;
pub const SETS_MAX: u8 = 20;
pub const PER_WEEK_MAX: u8 = 7;
pub const WEEKS_MAX: u8 = 52;
pub const REST_MAX_SECONDS: u16 = 600;

impl Category {
    /// The prefix of the ids of the built-in exercises of this category,
    /// hyphen included (e.g. `mc-` for motor control).
    pub fn id_prefix(self) -> &'static str {
        match self {
            Category::MotorControl => "mc-",
            Category::CoreEndurance => "ce-",
            Category::Strengthening => "st-",
            Category::Mobility => "mo-",
            Category::Aerobic => "ae-",
            Category::Pilates => "pi-",
            Category::Yoga => "yo-",
            Category::Functional => "fn-",
            Category::GradedExposure => "ge-",
        }
    }
}

/// True if `id` starts with a prefix reserved for the built-in library or for
/// wger imports.
pub fn has_reserved_prefix(id: &str) -> bool {
    id.starts_with(WGER_PREFIX) || Category::ALL.iter().any(|c| id.starts_with(c.id_prefix()))
}

/// True for a slug: lower-case ASCII letters and digits in words joined by
/// single hyphens, at most 80 characters.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The library file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    version: String,
    #[serde(default)]
    exercises: Vec<Exercise>,
}

/// A validated set of exercises.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Library {
    version: String,
    exercises: Vec<Exercise>,
    #[serde(skip)]
    index: BTreeMap<String, usize>,
}

impl Library {
    /// The built-in library.
    pub fn builtin() -> Result<Library> {
        Self::from_toml_named(BUILTIN_NAME, BUILTIN_TOML)
    }

    /// Load and validate a library file (format: the header of
    /// `library.toml`).
    pub fn from_toml(text: &str) -> Result<Library> {
        Self::from_toml_named("exercise library file", text)
    }

    /// As [`from_toml`](Self::from_toml), reporting errors under
    /// `source_name`. Every problem found is reported, one per line.
    pub fn from_toml_named(source_name: &str, text: &str) -> Result<Library> {
        let file: LibraryFile = toml::from_str(text).map_err(|e| Error::Data {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        let version = file.version.trim().to_string();
        if version.is_empty() {
            return Err(Error::Data {
                source_name: source_name.to_string(),
                message: "version: must not be empty".to_string(),
            });
        }
        Self::build(source_name, version, file.exercises)
    }

    /// A library of these exercises (built-in, a clinic's, imported), held
    /// to the same rules as the built-in file. Its version is empty.
    pub fn from_exercises(exercises: Vec<Exercise>) -> Result<Library> {
        Self::build(EXERCISES_NAME, String::new(), exercises)
    }

    /// This library with `extra` exercises added (a clinic's own, or
    /// imported ones), validated as a whole; the version is kept.
    pub fn with(&self, extra: Vec<Exercise>) -> Result<Library> {
        let mut all = self.exercises.clone();
        all.extend(extra);
        Self::build(EXERCISES_NAME, self.version.clone(), all)
    }

    fn build(source_name: &str, version: String, exercises: Vec<Exercise>) -> Result<Library> {
        let found = problems(&exercises);
        if !found.is_empty() {
            return Err(Error::Data {
                source_name: source_name.to_string(),
                message: found
                    .iter()
                    .map(|p| format!("{p} [{}]", p.rule))
                    .collect::<Vec<_>>()
                    .join("\n"),
            });
        }
        let index = exercises
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Ok(Library {
            version,
            exercises,
            index,
        })
    }

    /// The file's `version`; empty for a library built from values.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Every exercise, in file order (added exercises last).
    pub fn all(&self) -> &[Exercise] {
        &self.exercises
    }

    pub fn len(&self) -> usize {
        self.exercises.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exercises.is_empty()
    }

    /// The exercise with this id (exact).
    pub fn get(&self, id: &str) -> Option<&Exercise> {
        self.index.get(id.trim()).map(|&i| &self.exercises[i])
    }

    /// The exercise with this id, or [`Error::Unknown`].
    pub fn require(&self, id: &str) -> Result<&Exercise> {
        self.get(id).ok_or_else(|| Error::Unknown {
            kind: "exercise",
            name: id.trim().to_string(),
        })
    }

    /// The exercises of one category, in order.
    pub fn by_category(&self, category: Category) -> impl Iterator<Item = &Exercise> {
        self.exercises
            .iter()
            .filter(move |e| e.category == category)
    }

    /// The easier variant (regression) of the exercise `id`.
    pub fn easier(&self, id: &str) -> Option<&Exercise> {
        self.get(id)?.easier.as_deref().and_then(|e| self.get(e))
    }

    /// The harder variant (progression) of the exercise `id`.
    pub fn harder(&self, id: &str) -> Option<&Exercise> {
        self.get(id)?.harder.as_deref().and_then(|h| self.get(h))
    }

    /// The whole chain `id` belongs to, easiest first: walks `easier` to the
    /// start, then `harder` to the end. A lone exercise is a chain of one; an
    /// unknown id gives an empty chain.
    /// +1 if `b` is harder than `a` in the same chain, -1 if easier, 0
    /// otherwise (what [`crate::prescription::diff`] asks).
    pub fn chain_step(&self, a: &str, b: &str) -> i32 {
        let chain = self.chain(a);
        let pos = |id: &str| chain.iter().position(|e| e.id == id);
        match (pos(a), pos(b)) {
            (Some(x), Some(y)) if y > x => 1,
            (Some(x), Some(y)) if y < x => -1,
            _ => 0,
        }
    }

    pub fn chain(&self, id: &str) -> Vec<&Exercise> {
        let Some(mut first) = self.get(id) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::from([first.id.as_str()]);
        while let Some(e) = self.easier(&first.id) {
            if !seen.insert(e.id.as_str()) {
                break;
            }
            first = e;
        }
        let mut chain = vec![first];
        let mut seen = BTreeSet::from([first.id.as_str()]);
        let mut at = first;
        while let Some(h) = self.harder(&at.id) {
            if !seen.insert(h.id.as_str()) {
                break;
            }
            chain.push(h);
            at = h;
        }
        chain
    }

    /// Every chain, each easiest first, in the order of their first
    /// exercise; every exercise is in exactly one (lone ones in a chain of
    /// one).
    pub fn chains(&self) -> Vec<Vec<&Exercise>> {
        self.exercises
            .iter()
            .filter(|e| e.easier.is_none())
            .map(|e| self.chain(&e.id))
            .collect()
    }
}

fn problem(field: impl Into<String>, rule: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, rule, message)
}

/// The problems of one exercise on its own, with fields relative to the
/// exercise (`name`, `dose.sets`, `instructions[2]`…). Empty when it is
/// sound. Links are only checked for not naming the exercise itself; whether
/// they exist is the library's business ([`problems`]).
pub fn check_exercise(e: &Exercise) -> Vec<FieldError> {
    let mut out = Vec::new();
    let id = e.id.as_str();
    if !is_slug(id) {
        out.push(problem(
            "id",
            "slug",
            format!(
                "`{id}` must be lower-case letters and digits in words joined by single hyphens, at most 80 characters"
            ),
        ));
    }
    match e.source {
        Source::Rapport => {
            let prefix = e.category.id_prefix();
            if !id.starts_with(prefix) {
                out.push(problem(
                    "id",
                    "category_prefix",
                    format!(
                        "a built-in {} exercise's id must start with `{prefix}`",
                        e.category.label().to_lowercase()
                    ),
                ));
            }
        }
        Source::Wger => {
            if !id.starts_with(WGER_PREFIX) {
                out.push(problem(
                    "id",
                    "wger_prefix",
                    format!(
                        "an exercise imported from wger has an id starting with `{WGER_PREFIX}`"
                    ),
                ));
            }
        }
        Source::Clinic => {
            if has_reserved_prefix(id) {
                out.push(problem(
                    "id",
                    "reserved_prefix",
                    "ids starting with a built-in category prefix (`mc-`, `ge-`…) or `wger-` are reserved",
                ));
            }
        }
    }
    if e.name.trim().is_empty() {
        out.push(problem("name", "required", "must not be empty"));
    }
    if e.targets.is_empty() {
        out.push(problem("targets", "required", "name at least one target"));
    }
    if e.settings.is_empty() {
        out.push(problem("settings", "required", "name at least one setting"));
    }
    if e.instructions.is_empty() {
        out.push(problem(
            "instructions",
            "required",
            "give at least one step",
        ));
    }
    for (i, step) in e.instructions.iter().enumerate() {
        if step.trim().is_empty() {
            out.push(problem(
                format!("instructions[{i}]"),
                "required",
                "a step must not be empty",
            ));
        }
    }
    for (i, c) in e.cautions.iter().enumerate() {
        if c.trim().is_empty() {
            out.push(problem(
                format!("cautions[{i}]"),
                "required",
                "a caution must not be empty",
            ));
        }
    }
    if !(LEVEL_MIN..=LEVEL_MAX).contains(&e.level) {
        out.push(problem(
            "level",
            "range",
            format!("must be {LEVEL_MIN} to {LEVEL_MAX}, not {}", e.level),
        ));
    }
    if e.seconds_per_set == 0 {
        out.push(problem("seconds_per_set", "range", "must be at least 1"));
    }

    let d = &e.dose;
    if !(1..=SETS_MAX).contains(&d.sets) {
        out.push(problem(
            "dose.sets",
            "range",
            format!("must be 1 to {SETS_MAX}, not {}", d.sets),
        ));
    }
    let amounts = [
        ("dose.reps", d.reps),
        ("dose.hold_seconds", d.hold_seconds),
        ("dose.duration_minutes", d.duration_minutes),
    ];
    let given = amounts.iter().filter(|(_, v)| v.is_some()).count();
    if given != 1 {
        out.push(problem(
            "dose",
            "exactly_one",
            format!("give exactly one of reps, hold_seconds or duration_minutes, not {given}"),
        ));
    }
    for (field, v) in amounts {
        if v == Some(0) {
            out.push(problem(field, "range", "must be at least 1"));
        }
    }
    if let Some(hold) = d.hold_seconds
        && e.seconds_per_set < hold
    {
        out.push(problem(
            "seconds_per_set",
            "at_least_hold",
            format!("a set takes at least its hold of {hold} s"),
        ));
    }
    if d.rest_seconds > REST_MAX_SECONDS {
        out.push(problem(
            "dose.rest_seconds",
            "range",
            format!("must be at most {REST_MAX_SECONDS}, not {}", d.rest_seconds),
        ));
    }
    if !(1..=PER_WEEK_MAX).contains(&d.per_week) {
        out.push(problem(
            "dose.per_week",
            "range",
            format!("must be 1 to {PER_WEEK_MAX}, not {}", d.per_week),
        ));
    }
    if !(1..=WEEKS_MAX).contains(&d.weeks) {
        out.push(problem(
            "dose.weeks",
            "range",
            format!("must be 1 to {WEEKS_MAX}, not {}", d.weeks),
        ));
    }
    for (field, v) in [("dose.load", &d.load), ("dose.intensity", &d.intensity)] {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            out.push(problem(field, "required", "leave it out rather than empty"));
        }
    }

    match (e.category, e.feared_movement) {
        (Category::GradedExposure, None) => out.push(problem(
            "feared_movement",
            "required",
            "a graded-exposure exercise names the feared movement it practises",
        )),
        (c, Some(_)) if c != Category::GradedExposure => out.push(problem(
            "feared_movement",
            "only_graded_exposure",
            "only graded-exposure exercises name a feared movement",
        )),
        _ => {}
    }
    if e.category == Category::Functional && e.tasks.is_empty() {
        out.push(problem(
            "tasks",
            "required",
            "a functional exercise names the everyday tasks it trains",
        ));
    }
    for (field, link) in [("easier", &e.easier), ("harder", &e.harder)] {
        if link.as_deref() == Some(id) {
            out.push(problem(
                field,
                "not_self",
                "must not name the exercise itself",
            ));
        }
    }
    if e.easier.is_some() && e.easier == e.harder {
        out.push(problem(
            "harder",
            "not_easier",
            "the harder variant must differ from the easier one",
        ));
    }
    out
}

/// Every problem of a set of exercises taken as a library, each naming the
/// exercise and field as `exercises[<id>].<field>`. Empty when the set is
/// sound.
pub fn problems(exercises: &[Exercise]) -> Vec<FieldError> {
    let at = |id: &str, field: &str| format!("exercises[{id}].{field}");
    let mut out = Vec::new();
    let mut index: BTreeMap<&str, &Exercise> = BTreeMap::new();
    for e in exercises {
        out.extend(check_exercise(e).into_iter().map(|p| FieldError {
            field: at(&e.id, &p.field),
            ..p
        }));
        if index.insert(e.id.as_str(), e).is_some() {
            out.push(problem(
                at(&e.id, "id"),
                "unique",
                format!("`{}` is the id of more than one exercise", e.id),
            ));
        }
    }

    for e in exercises {
        if let Some(h) = e.harder.as_deref().filter(|h| *h != e.id) {
            match index.get(h) {
                None => out.push(problem(
                    at(&e.id, "harder"),
                    "exists",
                    format!("`{h}` is not an exercise of the library"),
                )),
                Some(b) => {
                    if b.easier.as_deref() != Some(e.id.as_str()) {
                        out.push(problem(
                            at(&e.id, "harder"),
                            "both_ways",
                            format!(
                                "`{h}` is named as harder, but its easier variant is {}",
                                b.easier
                                    .as_deref()
                                    .map_or("not set".to_string(), |x| format!("`{x}`"))
                            ),
                        ));
                    }
                    if b.level <= e.level {
                        out.push(problem(
                            at(&e.id, "harder"),
                            "level_rises",
                            format!(
                                "`{h}` (level {}) must have a higher level than this one (level {})",
                                b.level, e.level
                            ),
                        ));
                    }
                    if e.category == Category::GradedExposure
                        && b.category == Category::GradedExposure
                        && e.feared_movement != b.feared_movement
                    {
                        out.push(problem(
                            at(&e.id, "harder"),
                            "same_feared_movement",
                            format!("`{h}` practises another feared movement"),
                        ));
                    }
                }
            }
        }
        if let Some(s) = e.easier.as_deref().filter(|s| *s != e.id) {
            match index.get(s) {
                None => out.push(problem(
                    at(&e.id, "easier"),
                    "exists",
                    format!("`{s}` is not an exercise of the library"),
                )),
                Some(a) => {
                    if a.harder.as_deref() != Some(e.id.as_str()) {
                        out.push(problem(
                            at(&e.id, "easier"),
                            "both_ways",
                            format!(
                                "`{s}` is named as easier, but its harder variant is {}",
                                a.harder
                                    .as_deref()
                                    .map_or("not set".to_string(), |x| format!("`{x}`"))
                            ),
                        ));
                    }
                }
            }
        }
    }

    // Cycles: following one kind of link from an exercise must never come
    // back to it.
    type Link = fn(&Exercise) -> Option<&str>;
    let links: [(&str, Link); 2] = [
        ("harder", |e| e.harder.as_deref()),
        ("easier", |e| e.easier.as_deref()),
    ];
    for (field, next) in links {
        for e in exercises {
            let mut seen = BTreeSet::new();
            // A link to itself is reported as `not_self`.
            let mut at_id = next(e).filter(|n| *n != e.id);
            while let Some(id) = at_id {
                if id == e.id {
                    out.push(problem(
                        at(&e.id, field),
                        "no_cycle",
                        format!("following `{field}` from `{}` comes back to it", e.id),
                    ));
                    break;
                }
                if !seen.insert(id) {
                    break; // a cycle further on, reported from its members
                }
                at_id = index.get(id).and_then(|x| next(x));
            }
        }
    }
    out
}
