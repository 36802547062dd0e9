//! The knowledge base: the review's CMOCs as validated data.
//!
//! The built-in file is `crates/domain/theory/cmocs.toml`, embedded at build
//! time and parsed and validated on load ([`KnowledgeBase::builtin`]). A clinic
//! can load an extended file with [`KnowledgeBase::from_toml`]; it is held to the
//! same rules. The file format is documented at the top of `cmocs.toml`.
//!
//! # Ids
//!
//! `<letter><table>.<row>`: the letter names the mechanism (`T` trust, `M`
//! motivation, `C` confidence), the number the table of Wood et al. 2024 (1
//! trust, 2 motivation, 3 confidence) and the row its 1-based position in that
//! table, counted top to bottom across the sub-themes. So `T1.4` is the fourth
//! row of Table 1 and `M2.11` the eleventh of Table 2. The letter is validated
//! against the record's mechanism; the table number is free so that a file
//! extended from a later source can number its own tables (its `citation`
//! says which source).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

use super::expr::{Expr, ExprError};
use super::signals::SignalSet;
use crate::{Error, Result};

/// The built-in knowledge base file.
pub const BUILTIN_TOML: &str = include_str!("../../theory/cmocs.toml");
/// The name errors in the built-in file are reported under.
pub const BUILTIN_NAME: &str = "crates/domain/theory/cmocs.toml";

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $s:literal ),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $(#[$vdoc])* $variant ),* }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),* ];

            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $s ),* }
            }

            pub fn from_name(s: &str) -> Option<$name> {
                match s { $( $s => Some($name::$variant), )* _ => None }
            }

            fn expected() -> String {
                $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// The review's three behavioural mechanisms.
    Mechanism {
        Trust = "trust",
        Motivation = "motivation",
        Confidence = "confidence",
    }
);

impl Mechanism {
    /// The mechanism's name, capitalised, for a page.
    pub fn label(self) -> &'static str {
        match self {
            Mechanism::Trust => "Trust",
            Mechanism::Motivation => "Motivation",
            Mechanism::Confidence => "Confidence",
        }
    }

    /// The id letter and table number of the mechanism in the review.
    pub fn id_prefix(self) -> (char, u8) {
        match self {
            Mechanism::Trust => ('T', 1),
            Mechanism::Motivation => ('M', 2),
            Mechanism::Confidence => ('C', 3),
        }
    }
}

named_enum!(
    /// The review's outcome groups.
    Outcome {
        Engagement = "engagement",
        Adherence = "adherence",
        Clinical = "clinical",
    }
);

named_enum!(
    /// Whom the CMOC concerns ("person related to" in the tables).
    Concerns {
        Clinician = "clinician",
        Patient = "patient",
        Both = "both",
    }
);

named_enum!(
    /// GRADE-CERQual confidence in the finding, as published.
    Grade {
        High = "high",
        Moderate = "moderate",
        Low = "low",
    }
);

impl Grade {
    /// Weight used by the engine: high 3, moderate 2, low 1.
    pub fn weight(self) -> u32 {
        match self {
            Grade::High => 3,
            Grade::Moderate => 2,
            Grade::Low => 1,
        }
    }
}

named_enum!(
    /// The Figure 2 theme the context belongs to.
    Theme {
        TherapeuticConsultation = "therapeutic_consultation",
        ExerciseSpecific = "exercise_specific",
        ProvisionOfSupport = "provision_of_support",
    }
);

impl Theme {
    pub fn label(self) -> &'static str {
        match self {
            Theme::TherapeuticConsultation => "Therapeutic consultation",
            Theme::ExerciseSpecific => "Exercise-specific considerations",
            Theme::ProvisionOfSupport => "Provision of support",
        }
    }
}

named_enum!(
    /// Whether the context, when present, helps the mechanism (most CMOCs) or
    /// hinders it (a barrier, e.g. exercise that is too hard).
    Effect {
        Facilitates = "facilitates",
        Hinders = "hinders",
    }
);

/// A set of outcomes (serialises as a list in the order engagement, adherence,
/// clinical).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OutcomeSet(u8);

impl OutcomeSet {
    fn bit(o: Outcome) -> u8 {
        match o {
            Outcome::Engagement => 1,
            Outcome::Adherence => 2,
            Outcome::Clinical => 4,
        }
    }

    pub fn with(self, o: Outcome) -> OutcomeSet {
        OutcomeSet(self.0 | Self::bit(o))
    }

    pub fn contains(self, o: Outcome) -> bool {
        self.0 & Self::bit(o) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Outcome> {
        Outcome::ALL
            .iter()
            .copied()
            .filter(move |o| self.contains(*o))
    }

    /// Weight of the outcomes at stake, used for ranking: engagement 1,
    /// adherence 2, clinical outcomes 3, summed.
    pub fn weight(self) -> u32 {
        self.iter()
            .map(|o| match o {
                Outcome::Engagement => 1,
                Outcome::Adherence => 2,
                Outcome::Clinical => 3,
            })
            .sum()
    }
}

impl FromIterator<Outcome> for OutcomeSet {
    fn from_iter<I: IntoIterator<Item = Outcome>>(iter: I) -> Self {
        iter.into_iter()
            .fold(OutcomeSet::default(), OutcomeSet::with)
    }
}

impl Serialize for OutcomeSet {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// The review's reference numbers for one CMOC: the list as published (ranges
/// kept, e.g. `46,54-56,61`) and expanded to single numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct References {
    pub published: String,
    pub numbers: Vec<u16>,
}

impl References {
    /// Parse `46,54-56,61` (an en dash may stand for the hyphen). Numbers must
    /// rise strictly once ranges are expanded.
    pub fn parse(text: &str) -> std::result::Result<References, String> {
        let mut numbers = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err("an empty place in the list".into());
            }
            let (a, b) = match part.split_once(['-', '–']) {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let a: u16 = a
                .parse()
                .map_err(|_| format!("`{part}` is not a number or range"))?;
            let b: u16 = b
                .parse()
                .map_err(|_| format!("`{part}` is not a number or range"))?;
            if a == 0 || b < a {
                return Err(format!("`{part}` is not a valid range"));
            }
            for n in a..=b {
                if numbers.last().is_some_and(|last| *last >= n) {
                    return Err(format!(
                        "`{part}` does not follow the previous number in order"
                    ));
                }
                numbers.push(n);
            }
        }
        if numbers.is_empty() {
            return Err("the list is empty".into());
        }
        Ok(References {
            published: text.trim().to_string(),
            numbers,
        })
    }
}

/// A clinician action that creates one or more contexts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub key: String,
    pub text: String,
    /// Ids of the CMOCs it serves, in knowledge-base order.
    pub cmocs: Vec<String>,
}

/// One context-mechanism-outcome configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cmoc {
    /// `T1.4`: mechanism letter, table, row (see the module docs).
    pub id: String,
    pub table: u8,
    pub row: u8,
    pub mechanism: Mechanism,
    pub sub_theme: String,
    /// A short label (a few words) for tables and graphs.
    pub summary: String,
    /// The context, mechanism and outcome in Rapport's own words.
    pub context_text: String,
    pub mechanism_text: String,
    pub outcome_text: String,
    pub outcomes: OutcomeSet,
    pub concerns: Concerns,
    /// CERQual confidence, as published.
    pub grade: Grade,
    pub references: References,
    pub theme: Theme,
    pub effect: Effect,
    /// When present, the CMOC only applies to episodes where this is true
    /// (e.g. only to patients who are fearful of movement).
    pub applies_when: Option<Expr>,
    /// The context as an expression over signals.
    pub context_expr: Expr,
    /// Key of the clinician action that creates the context.
    pub action: String,
    pub action_text: String,
    /// Paper, table and row.
    pub citation: String,
    #[serde(skip)]
    pub(crate) action_index: usize,
}

/// The validated knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnowledgeBase {
    version: String,
    source: String,
    actions: Vec<Action>,
    cmocs: Vec<Cmoc>,
    /// Position of each CMOC by its id as written: every caseload row looks
    /// its CMOCs' grades up.
    #[serde(skip)]
    by_id: std::collections::BTreeMap<String, usize>,
}

impl KnowledgeBase {
    /// The built-in knowledge base (Wood et al. 2024, Tables 1–3).
    pub fn builtin() -> Result<KnowledgeBase> {
        Self::from_toml_named(BUILTIN_NAME, BUILTIN_TOML)
    }

    /// Load and validate a knowledge base file.
    pub fn from_toml(text: &str) -> Result<KnowledgeBase> {
        Self::from_toml_named("knowledge base file", text)
    }

    /// As [`from_toml`](Self::from_toml), reporting errors under `source_name`.
    /// Every problem found is reported (one per line), each naming the CMOC id
    /// and the field.
    pub fn from_toml_named(source_name: &str, text: &str) -> Result<KnowledgeBase> {
        let data_err = |message: String| Error::Data {
            source_name: source_name.to_string(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| data_err(e.to_string()))?;
        let mut errors = Vec::new();
        let kb = load(&table, &mut errors);
        if errors.is_empty() {
            Ok(kb)
        } else {
            Err(data_err(errors.join("\n")))
        }
    }

    /// The file's `version`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The file's `source`: the paper it encodes.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn cmocs(&self) -> &[Cmoc] {
        &self.cmocs
    }

    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The CMOC with this id (exact, case-insensitive).
    pub fn get(&self, id: &str) -> Result<&Cmoc> {
        if let Some(&i) = self.by_id.get(id) {
            return Ok(&self.cmocs[i]);
        }
        let id = id.trim();
        self.cmocs
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| Error::Unknown {
                kind: "CMOC",
                name: id.to_string(),
            })
    }

    pub fn action(&self, key: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.key == key)
    }

    /// The CMOCs of one mechanism, in order.
    pub fn by_mechanism(&self, m: Mechanism) -> impl Iterator<Item = &Cmoc> {
        self.cmocs.iter().filter(move |c| c.mechanism == m)
    }

    /// Every signal some expression uses.
    pub fn signals_used(&self) -> SignalSet {
        self.cmocs.iter().fold(SignalSet::EMPTY, |acc, c| {
            let acc = acc.union(c.context_expr.signals());
            match &c.applies_when {
                Some(e) => acc.union(e.signals()),
                None => acc,
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Loading

const CMOC_FIELDS: &[&str] = &[
    "id",
    "mechanism",
    "sub_theme",
    "summary",
    "context_text",
    "mechanism_text",
    "outcome_text",
    "outcomes",
    "concerns",
    "grade",
    "references",
    "theme",
    "effect",
    "applies_when",
    "context_expr",
    "action",
    "citation",
];

struct Fields<'a> {
    id: String,
    table: &'a toml::Table,
    errors: &'a mut Vec<String>,
}

impl Fields<'_> {
    fn err(&mut self, field: &str, message: impl fmt::Display) {
        self.errors
            .push(format!("CMOC `{}`, field `{field}`: {message}", self.id));
    }

    fn opt_str(&mut self, field: &str) -> Option<String> {
        match self.table.get(field) {
            None => None,
            Some(toml::Value::String(s)) if s.trim().is_empty() => {
                self.err(field, "is empty");
                None
            }
            Some(toml::Value::String(s)) => Some(s.trim().to_string()),
            Some(other) => {
                self.err(field, format!("must be a string, not {}", other.type_str()));
                None
            }
        }
    }

    fn str(&mut self, field: &str) -> Option<String> {
        if !self.table.contains_key(field) {
            self.err(field, "is missing");
            return None;
        }
        self.opt_str(field)
    }

    fn named<T: Copy>(
        &mut self,
        field: &str,
        parse: fn(&str) -> Option<T>,
        expected: String,
    ) -> Option<T> {
        let s = self.str(field)?;
        let v = parse(&s);
        if v.is_none() {
            self.err(field, format!("`{s}` is not one of: {expected}"));
        }
        v
    }

    fn expr(&mut self, field: &str, required: bool) -> Option<Expr> {
        let s = if required {
            self.str(field)?
        } else {
            self.opt_str(field)?
        };
        match Expr::parse(&s) {
            Ok(e) => Some(e),
            Err(ExprError::UnknownSignal(name)) => {
                self.err(field, format!("`{name}` is not a defined signal"));
                None
            }
            Err(e) => {
                self.err(field, format!("`{s}`: {e}"));
                None
            }
        }
    }
}

fn load(root: &toml::Table, errors: &mut Vec<String>) -> KnowledgeBase {
    let top_str = |errors: &mut Vec<String>, key: &str| match root.get(key) {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(toml::Value::String(_)) => {
            errors.push(format!("field `{key}`: is empty"));
            String::new()
        }
        Some(other) => {
            errors.push(format!(
                "field `{key}`: must be a string, not {}",
                other.type_str()
            ));
            String::new()
        }
        None => {
            errors.push(format!("field `{key}`: is missing"));
            String::new()
        }
    };
    let version = top_str(errors, "version");
    let source = top_str(errors, "source");
    for key in root.keys() {
        if !["version", "source", "actions", "cmoc"].contains(&key.as_str()) {
            errors.push(format!("field `{key}`: unknown top-level field"));
        }
    }

    let mut actions: Vec<Action> = Vec::new();
    match root.get("actions") {
        Some(toml::Value::Table(t)) => {
            for (key, value) in t {
                match value {
                    toml::Value::String(s) if !s.trim().is_empty() => actions.push(Action {
                        key: key.clone(),
                        text: s.trim().to_string(),
                        cmocs: Vec::new(),
                    }),
                    _ => errors.push(format!(
                        "action `{key}`: must be a non-empty string describing what the clinician does"
                    )),
                }
            }
        }
        Some(_) => errors.push("field `actions`: must be a table of key = \"text\"".into()),
        None => errors.push("field `actions`: is missing".into()),
    }
    let action_index: BTreeMap<String, usize> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.key.clone(), i))
        .collect();

    let raw_cmocs: Vec<&toml::Value> = match root.get("cmoc") {
        Some(toml::Value::Array(a)) => a.iter().collect(),
        Some(_) => {
            errors.push("field `cmoc`: must be an array of tables ([[cmoc]])".into());
            Vec::new()
        }
        None => {
            errors.push("field `cmoc`: no CMOC defined".into());
            Vec::new()
        }
    };

    let mut cmocs: Vec<Cmoc> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, raw) in raw_cmocs.into_iter().enumerate() {
        let toml::Value::Table(t) = raw else {
            errors.push(format!("cmoc[{i}]: must be a table"));
            continue;
        };
        let id = match t.get("id") {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            _ => {
                errors.push(format!(
                    "cmoc[{i}], field `id`: missing or not a non-empty string"
                ));
                format!("cmoc[{i}]")
            }
        };
        if let Some(first) = seen.insert(id.clone(), i) {
            errors.push(format!(
                "CMOC `{id}`, field `id`: duplicate id (also cmoc[{first}])"
            ));
        }
        let mut f = Fields {
            id: id.clone(),
            table: t,
            errors,
        };
        for key in t.keys() {
            if !CMOC_FIELDS.contains(&key.as_str()) {
                f.err(key, "unknown field");
            }
        }
        let mechanism = f.named("mechanism", Mechanism::from_name, Mechanism::expected());
        let sub_theme = f.str("sub_theme");
        let summary = f.str("summary");
        let context_text = f.str("context_text");
        let mechanism_text = f.str("mechanism_text");
        let outcome_text = f.str("outcome_text");
        let outcomes = outcomes_field(&mut f);
        let concerns = f.named("concerns", Concerns::from_name, Concerns::expected());
        let grade = f.named("grade", Grade::from_name, Grade::expected());
        let references = f
            .str("references")
            .and_then(|s| match References::parse(&s) {
                Ok(r) => Some(r),
                Err(e) => {
                    f.err("references", e);
                    None
                }
            });
        let theme = f.named("theme", Theme::from_name, Theme::expected());
        let effect = if t.contains_key("effect") {
            f.named("effect", Effect::from_name, Effect::expected())
        } else {
            Some(Effect::Facilitates)
        };
        let applies_when_ok = !t.contains_key("applies_when");
        let applies_when = f.expr("applies_when", false);
        let context_expr = f.expr("context_expr", true);
        let action = f.str("action");
        let action_idx = action.as_ref().and_then(|a| {
            let idx = action_index.get(a).copied();
            if idx.is_none() {
                f.err("action", format!("`{a}` is not defined under [actions]"));
            }
            idx
        });
        let citation = f.str("citation");
        let (table, row) = match (mechanism, parse_id(&id)) {
            (_, None) => {
                f.err(
                    "id",
                    "must look like T1.4: mechanism letter (T, M, C), table, `.`, row",
                );
                (None, None)
            }
            (Some(m), Some((letter, table, row))) => {
                let (want_letter, _) = m.id_prefix();
                if letter != want_letter {
                    f.err(
                        "id",
                        format!("a {m} CMOC's id must start with `{want_letter}` (e.g. {want_letter}1.1)"),
                    );
                }
                (Some(table), Some(row))
            }
            (None, Some((_, table, row))) => (Some(table), Some(row)),
        };

        if let (
            Some(mechanism),
            Some(sub_theme),
            Some(summary),
            Some(context_text),
            Some(mechanism_text),
            Some(outcome_text),
            Some(outcomes),
            Some(concerns),
            Some(grade),
            Some(references),
            Some(theme),
            Some(effect),
            Some(context_expr),
            Some(action),
            Some(action_index),
            Some(citation),
            Some(table),
            Some(row),
            true,
        ) = (
            mechanism,
            sub_theme,
            summary,
            context_text,
            mechanism_text,
            outcome_text,
            outcomes,
            concerns,
            grade,
            references,
            theme,
            effect,
            context_expr,
            action,
            action_idx,
            citation,
            table,
            row,
            applies_when_ok || applies_when.is_some(),
        ) {
            let action_text = actions[action_index].text.clone();
            actions[action_index].cmocs.push(id.clone());
            cmocs.push(Cmoc {
                id,
                table,
                row,
                mechanism,
                sub_theme,
                summary,
                context_text,
                mechanism_text,
                outcome_text,
                outcomes,
                concerns,
                grade,
                references,
                theme,
                effect,
                applies_when,
                context_expr,
                action,
                action_text,
                citation,
                action_index,
            });
        }
    }
    if errors.is_empty() && cmocs.is_empty() {
        errors.push("field `cmoc`: no CMOC defined".into());
    }
    if errors.is_empty() {
        for a in &actions {
            if a.cmocs.is_empty() {
                errors.push(format!("action `{}`: defined but no CMOC uses it", a.key));
            }
        }
    }
    let by_id = cmocs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    KnowledgeBase {
        version,
        source,
        actions,
        cmocs,
        by_id,
    }
}

fn outcomes_field(f: &mut Fields<'_>) -> Option<OutcomeSet> {
    let list = match f.table.get("outcomes") {
        None => {
            f.err("outcomes", "is missing");
            return None;
        }
        Some(toml::Value::Array(a)) => a,
        Some(other) => {
            f.err(
                "outcomes",
                format!("must be a list, not {}", other.type_str()),
            );
            return None;
        }
    };
    if list.is_empty() {
        f.err("outcomes", "must name at least one outcome");
        return None;
    }
    let mut set = OutcomeSet::default();
    let mut ok = true;
    for v in list {
        match v.as_str().and_then(Outcome::from_name) {
            Some(o) if set.contains(o) => {
                f.err("outcomes", format!("`{o}` is listed twice"));
                ok = false;
            }
            Some(o) => set = set.with(o),
            None => {
                f.err(
                    "outcomes",
                    format!("`{v}` is not one of: {}", Outcome::expected()),
                );
                ok = false;
            }
        }
    }
    ok.then_some(set)
}

/// `T1.4` → ('T', 1, 4).
fn parse_id(id: &str) -> Option<(char, u8, u8)> {
    let mut chars = id.chars();
    let letter = chars.next()?;
    if !letter.is_ascii_uppercase() {
        return None;
    }
    let (table, row) = chars.as_str().split_once('.')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(table) || !all_digits(row) {
        return None;
    }
    let table: u8 = table.parse().ok()?;
    let row: u8 = row.parse().ok()?;
    (table > 0 && row > 0).then_some((letter, table, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse() {
        let r = References::parse("46,54-56,61, 113,121").unwrap();
        assert_eq!(r.numbers, vec![46, 54, 55, 56, 61, 113, 121]);
        assert_eq!(
            References::parse("31,47–49").unwrap().numbers,
            vec![31, 47, 48, 49]
        );
        assert!(References::parse("").is_err());
        assert!(References::parse("5,4").is_err());
        assert!(References::parse("5-3").is_err());
        assert!(References::parse("a").is_err());
    }

    #[test]
    fn ids_parse() {
        assert_eq!(parse_id("T1.4"), Some(('T', 1, 4)));
        assert_eq!(parse_id("M2.11"), Some(('M', 2, 11)));
        assert_eq!(parse_id("t1.4"), None);
        assert_eq!(parse_id("T1"), None);
        assert_eq!(parse_id("T1.0"), None);
        assert_eq!(parse_id("T1.x"), None);
    }
}
