//! A prescription: exercises with full doses, their progression and
//! regression rules, where they are done, and why each is there; and what
//! changed from one version to the next.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::exercise::{Dose, Exercise};
use crate::{Error, Result};

/// How an exercise is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Home,
    Supervised,
    Group,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::Home, Delivery::Supervised, Delivery::Group];
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Home => "home",
            Delivery::Supervised => "supervised",
            Delivery::Group => "group",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Delivery::Home => "At home, on your own",
            Delivery::Supervised => "Supervised by your clinician",
            Delivery::Group => "In a group",
        }
    }
    pub fn parse(s: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// As a report describes it (CERT items 3, 4 and 12).
    pub fn report_label(self) -> &'static str {
        match self {
            Delivery::Home => "unsupervised, at home",
            Delivery::Supervised => "supervised one to one by the clinician",
            Delivery::Group => "supervised, in a group",
        }
    }
}

/// One exercise of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    pub exercise_id: String,
    pub dose: Dose,
    pub progression_rule: String,
    pub regression_rule: String,
    pub delivery: Delivery,
    /// Index of the goal (in the patient's goal list) it serves, if any.
    pub goal: Option<usize>,
    /// A plain-language line: why this exercise is in the plan.
    pub why: String,
}

impl PlanItem {
    /// Chosen for this person (the review's individualised prescription):
    /// prescribed once they were assessed (`assessed`: an intake or a baseline
    /// questionnaire on record by the plan's date), and tied to one of their
    /// goals or to a reason written for them.
    pub fn individualised(&self, assessed: bool) -> bool {
        assessed && (self.goal.is_some() || !self.why.trim().is_empty())
    }
}

/// A part of the person's life, besides the exercises, that a plan can
/// address (the review's holistic treatment plan, Wood et al. 2024, Table 1
/// T1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifeArea {
    DailyActivity,
    Sleep,
    Work,
    Worries,
    SocialLife,
}

impl LifeArea {
    pub const ALL: [LifeArea; 5] = [
        LifeArea::DailyActivity,
        LifeArea::Sleep,
        LifeArea::Work,
        LifeArea::Worries,
        LifeArea::SocialLife,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LifeArea::DailyActivity => "daily_activity",
            LifeArea::Sleep => "sleep",
            LifeArea::Work => "work",
            LifeArea::Worries => "worries",
            LifeArea::SocialLife => "social_life",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LifeArea::DailyActivity => "everyday activity",
            LifeArea::Sleep => "sleep",
            LifeArea::Work => "work",
            LifeArea::Worries => "worries about the back",
            LifeArea::SocialLife => "family and social life",
        }
    }

    pub fn parse(s: &str) -> Option<LifeArea> {
        LifeArea::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The exercises of a prescription version, in the order they are done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub items: Vec<PlanItem>,
    /// Designed together with the patient, not only for them.
    #[serde(default)]
    pub co_designed: bool,
    /// The parts of the person's life the plan addresses besides the
    /// exercises; empty when it is exercises only, `None` when the clinician
    /// was not asked (plans made before Rapport asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole_person: Option<BTreeSet<LifeArea>>,
}

impl Plan {
    /// Minutes one session of the whole plan takes.
    pub fn minutes_per_session(&self, lookup: &dyn Fn(&str) -> Option<Exercise>) -> f64 {
        self.items
            .iter()
            .filter_map(|i| {
                let mut e = lookup(&i.exercise_id)?;
                e.dose = i.dose.clone();
                Some(e.minutes_per_session())
            })
            .sum()
    }

    /// Sessions a week: the most frequent exercise sets the rhythm.
    pub fn sessions_per_week(&self) -> u8 {
        self.items
            .iter()
            .map(|i| i.dose.per_week)
            .max()
            .unwrap_or(0)
    }
}

/// The most exercises one plan may hold: more than any home programme needs
/// (most have three to eight), few enough that a session stays a session.
pub const MAX_ITEMS: usize = 30;

/// Checks a whole plan as typed: from 1 to [`MAX_ITEMS`] exercises, each
/// valid (see [`PlanItemInput::validate`]).
pub fn validate_items(
    inputs: &[PlanItemInput],
    exists: &dyn Fn(&str) -> bool,
    goals: usize,
) -> Result<Vec<PlanItem>> {
    if inputs.is_empty() {
        return Err(Error::invalid(
            "items",
            "required",
            "add at least one exercise",
        ));
    }
    if inputs.len() > MAX_ITEMS {
        return Err(Error::invalid(
            "items",
            "max_items",
            format!(
                "a plan holds at most {MAX_ITEMS} exercises; this one has {}",
                inputs.len()
            ),
        ));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, input)| input.validate(i + 1, exists, goals))
        .collect()
}

/// A plan item as typed into the builder's form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanItemInput {
    pub exercise_id: String,
    pub sets: String,
    pub reps: String,
    pub hold_seconds: String,
    pub duration_minutes: String,
    pub rest_seconds: String,
    pub per_week: String,
    pub weeks: String,
    pub load: String,
    pub intensity: String,
    pub progression_rule: String,
    pub regression_rule: String,
    pub delivery: String,
    pub goal: String,
    pub why: String,
}

fn num(field: String, raw: &str, min: u32, max: u32) -> Result<Option<u32>> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse::<u32>()
            .ok()
            .filter(|v| (min..=max).contains(v))
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

fn required(field: String, v: Option<u32>) -> Result<u32> {
    v.ok_or_else(|| Error::invalid(field, "required", "is required"))
}

fn line(field: String, raw: &str, max: usize) -> Result<String> {
    let s = raw.trim();
    if s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "max_length",
            format!("must be at most {max} characters on one line"),
        ));
    }
    Ok(s.to_string())
}

impl PlanItemInput {
    /// Checks the item; `n` is its 1-based place in the plan, used in field
    /// names (`items[2].sets`). `exists` answers whether an exercise id is in
    /// the clinic's library; `goals` is the number of the patient's goals.
    pub fn validate(
        &self,
        n: usize,
        exists: &dyn Fn(&str) -> bool,
        goals: usize,
    ) -> Result<PlanItem> {
        let f = |name: &str| format!("items[{n}].{name}");
        let id = self.exercise_id.trim();
        if !exists(id) {
            return Err(Error::invalid(
                f("exercise_id"),
                "known",
                format!("`{id}` is not an exercise of this clinic's library"),
            ));
        }
        let reps = num(f("reps"), &self.reps, 1, 200)?;
        let hold = num(f("hold_seconds"), &self.hold_seconds, 1, 600)?;
        let duration = num(f("duration_minutes"), &self.duration_minutes, 1, 240)?;
        if [reps, hold, duration]
            .iter()
            .filter(|v| v.is_some())
            .count()
            != 1
        {
            return Err(Error::invalid(
                f("reps"),
                "one_of",
                "give exactly one of repetitions, hold time or duration",
            ));
        }
        let small = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
        let short = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
        let dose = Dose {
            sets: small(required(f("sets"), num(f("sets"), &self.sets, 1, 20)?)?),
            reps: reps.map(short),
            hold_seconds: hold.map(short),
            duration_minutes: duration.map(short),
            rest_seconds: short(num(f("rest_seconds"), &self.rest_seconds, 0, 600)?.unwrap_or(0)),
            per_week: small(required(
                f("per_week"),
                num(f("per_week"), &self.per_week, 1, 14)?,
            )?),
            weeks: small(required(f("weeks"), num(f("weeks"), &self.weeks, 1, 52)?)?),
            load: Some(line(f("load"), &self.load, 100)?).filter(|s| !s.is_empty()),
            intensity: Some(line(f("intensity"), &self.intensity, 100)?).filter(|s| !s.is_empty()),
        };
        let delivery = Delivery::parse(self.delivery.trim()).ok_or_else(|| {
            Error::invalid(f("delivery"), "one_of", "must be home, supervised or group")
        })?;
        let goal = match self.goal.trim() {
            "" => None,
            g => Some(
                g.parse::<usize>()
                    .ok()
                    .filter(|i| *i < goals)
                    .ok_or_else(|| {
                        Error::invalid(f("goal"), "known", "must be one of the patient's goals")
                    })?,
            ),
        };
        let why = line(f("why"), &self.why, 300)?;
        if why.is_empty() {
            return Err(Error::invalid(
                f("why"),
                "required",
                "say in a line why the exercise is in the plan, in the patient's terms",
            ));
        }
        let progression_rule = line(f("progression_rule"), &self.progression_rule, 300)?;
        let regression_rule = line(f("regression_rule"), &self.regression_rule, 300)?;
        if progression_rule.is_empty() {
            return Err(Error::invalid(
                f("progression_rule"),
                "required",
                "say when to make it harder",
            ));
        }
        if regression_rule.is_empty() {
            return Err(Error::invalid(
                f("regression_rule"),
                "required",
                "say when to make it easier",
            ));
        }
        Ok(PlanItem {
            exercise_id: id.to_string(),
            dose,
            progression_rule,
            regression_rule,
            delivery,
            goal,
            why,
        })
    }
}

/// An exercise as a plan item at its library dose, with the default rules
/// along its chain, done at home.
pub fn default_item(
    lib: &crate::exercise::Library,
    e: &Exercise,
    why: String,
    goal: Option<usize>,
) -> PlanItem {
    let (up, down) = default_rules(e, lib.harder(&e.id), lib.easier(&e.id));
    PlanItem {
        exercise_id: e.id.clone(),
        dose: e.dose.clone(),
        progression_rule: up,
        regression_rule: down,
        delivery: Delivery::Home,
        goal,
        why,
    }
}

/// Which way along its chain an exercise moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Easier,
    Harder,
}

impl Step {
    pub fn parse(s: &str) -> Option<Step> {
        match s {
            "easier" => Some(Step::Easier),
            "harder" => Some(Step::Harder),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Easier => "easier",
            Step::Harder => "harder",
        }
    }
}

/// `plan` with item `index` replaced by the next easier or harder exercise of
/// its chain, at that exercise's default dose, keeping why it is there, its
/// goal and where it is done; with what changed.
pub fn step_item(
    plan: &Plan,
    index: usize,
    step: Step,
    lib: &crate::exercise::Library,
) -> Result<(Plan, Vec<Change>)> {
    let field = format!("items[{}]", index + 1);
    let item = plan
        .items
        .get(index)
        .ok_or_else(|| Error::invalid(&field, "known", "is not an exercise of the plan"))?;
    let next = match step {
        Step::Harder => lib.harder(&item.exercise_id),
        Step::Easier => lib.easier(&item.exercise_id),
    }
    .ok_or_else(|| {
        Error::invalid(
            &field,
            "chain",
            format!(
                "{} has no {} variant",
                lib.get(&item.exercise_id)
                    .map_or(item.exercise_id.as_str(), |e| e.name.as_str()),
                step.as_str()
            ),
        )
    })?;
    let mut stepped = plan.clone();
    let mut replacement = default_item(lib, next, item.why.clone(), item.goal);
    replacement.delivery = item.delivery;
    stepped.items[index] = replacement;
    let changes = diff(plan, &stepped, &|a, b| lib.chain_step(a, b));
    Ok((stepped, changes))
}

/// The default rules for moving along an exercise's chain.
pub fn default_rules(
    e: &Exercise,
    harder: Option<&Exercise>,
    easier: Option<&Exercise>,
) -> (String, String) {
    let up = match harder {
        Some(h) => format!(
            "When it feels easy for three sessions in a row with no rise in pain afterwards, move on to {}.",
            h.name
        ),
        None => "When it feels easy for three sessions in a row with no rise in pain afterwards, add one set or a little more load.".into(),
    };
    let down = match easier {
        Some(x) => format!(
            "If pain is 2 or more points higher after exercising, or it feels too hard, go back to {} for a week.",
            x.name
        ),
        None => format!(
            "If pain is 2 or more points higher after exercising, or {} feels too hard, do fewer repetitions or a smaller range.",
            e.name
        ),
    };
    (up, down)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Progression,
    Regression,
    Swap,
    DoseChange,
    DeliveryChange,
    /// How the plan was made or what it covers besides the exercises.
    ApproachChange,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Progression => "made harder",
            ChangeKind::Regression => "made easier",
            ChangeKind::Swap => "swapped",
            ChangeKind::DoseChange => "dose changed",
            ChangeKind::DeliveryChange => "setting changed",
            ChangeKind::ApproachChange => "approach changed",
        }
    }
}

/// One difference between two versions of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub from: Option<String>,
    pub to: Option<String>,
    pub detail: String,
}

fn dose_text(d: &Dose) -> String {
    let what = match (d.reps, d.hold_seconds, d.duration_minutes) {
        (Some(r), _, _) => format!("{} × {r}", d.sets),
        (_, Some(h), _) => format!("{} × {h} s hold", d.sets),
        (_, _, Some(m)) => format!("{m} min"),
        _ => format!("{} sets", d.sets),
    };
    let weeks = if d.weeks == 1 {
        "1 week".to_string()
    } else {
        format!("{} weeks", d.weeks)
    };
    format!("{what}, {}×/week for {weeks}", d.per_week)
}

/// What changed from `old` to `new`. An exercise replaced by the next or
/// previous step of its chain is a progression or regression; by anything
/// else, a swap. `chain_step(a, b)` answers +1 if `b` is harder than `a` in
/// the same chain, -1 if easier, 0 otherwise.
pub fn diff(old: &Plan, new: &Plan, chain_step: &dyn Fn(&str, &str) -> i32) -> Vec<Change> {
    let mut changes = Vec::new();
    let kept: Vec<&PlanItem> = new
        .items
        .iter()
        .filter(|n| old.items.iter().any(|o| o.exercise_id == n.exercise_id))
        .collect();
    let mut removed: Vec<&PlanItem> = old
        .items
        .iter()
        .filter(|o| !new.items.iter().any(|n| n.exercise_id == o.exercise_id))
        .collect();
    let mut added: Vec<&PlanItem> = new
        .items
        .iter()
        .filter(|n| !old.items.iter().any(|o| o.exercise_id == n.exercise_id))
        .collect();
    for n in kept {
        let Some(o) = old.items.iter().find(|o| o.exercise_id == n.exercise_id) else {
            continue;
        };
        if o.dose != n.dose {
            changes.push(Change {
                kind: ChangeKind::DoseChange,
                from: Some(o.exercise_id.clone()),
                to: Some(n.exercise_id.clone()),
                detail: format!("{} → {}", dose_text(&o.dose), dose_text(&n.dose)),
            });
        }
        if o.delivery != n.delivery {
            changes.push(Change {
                kind: ChangeKind::DeliveryChange,
                from: Some(o.exercise_id.clone()),
                to: Some(n.exercise_id.clone()),
                detail: format!("{} → {}", o.delivery.as_str(), n.delivery.as_str()),
            });
        }
    }
    // Pair replacements along a chain first, then the rest as swaps by position.
    let mut i = 0;
    while i < removed.len() {
        let o = removed[i];
        if let Some(j) = added
            .iter()
            .position(|n| chain_step(&o.exercise_id, &n.exercise_id) != 0)
        {
            let n = added.remove(j);
            let step = chain_step(&o.exercise_id, &n.exercise_id);
            changes.push(Change {
                kind: if step > 0 {
                    ChangeKind::Progression
                } else {
                    ChangeKind::Regression
                },
                from: Some(o.exercise_id.clone()),
                to: Some(n.exercise_id.clone()),
                detail: dose_text(&n.dose),
            });
            removed.remove(i);
        } else {
            i += 1;
        }
    }
    while !removed.is_empty() && !added.is_empty() {
        let o = removed.remove(0);
        let n = added.remove(0);
        changes.push(Change {
            kind: ChangeKind::Swap,
            from: Some(o.exercise_id.clone()),
            to: Some(n.exercise_id.clone()),
            detail: dose_text(&n.dose),
        });
    }
    if old.co_designed != new.co_designed {
        changes.push(Change {
            kind: ChangeKind::ApproachChange,
            from: None,
            to: None,
            detail: if new.co_designed {
                "now designed together with the patient".into()
            } else {
                "no longer marked as designed together".into()
            },
        });
    }
    if old.whole_person != new.whole_person {
        let areas = new
            .whole_person
            .iter()
            .flatten()
            .map(|a| a.label())
            .collect::<Vec<_>>();
        changes.push(Change {
            kind: ChangeKind::ApproachChange,
            from: None,
            to: None,
            detail: if areas.is_empty() {
                "the plan covers the exercises only".into()
            } else {
                format!("the plan also covers {}", areas.join(", "))
            },
        });
    }
    changes.extend(removed.into_iter().map(|o| Change {
        kind: ChangeKind::Removed,
        from: Some(o.exercise_id.clone()),
        to: None,
        detail: String::new(),
    }));
    changes.extend(added.into_iter().map(|n| Change {
        kind: ChangeKind::Added,
        from: None,
        to: Some(n.exercise_id.clone()),
        detail: dose_text(&n.dose),
    }));
    changes
}

pub fn describe_dose(d: &Dose) -> String {
    let mut s = dose_text(d);
    if d.rest_seconds > 0 && d.sets > 1 {
        s.push_str(&format!(", {} s rest between sets", d.rest_seconds));
    }
    if let Some(l) = &d.load {
        s.push_str(&format!(", load: {l}"));
    }
    if let Some(i) = &d.intensity {
        s.push_str(&format!(", effort: {i}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, reps: u16) -> PlanItem {
        PlanItem {
            exercise_id: id.into(),
            dose: Dose {
                sets: 2,
                reps: Some(reps),
                hold_seconds: None,
                duration_minutes: None,
                rest_seconds: 30,
                per_week: 5,
                weeks: 6,
                load: None,
                intensity: None,
            },
            progression_rule: "up".into(),
            regression_rule: "down".into(),
            delivery: Delivery::Home,
            goal: None,
            why: String::new(),
        }
    }

    fn step(a: &str, b: &str) -> i32 {
        match (a, b) {
            ("a1", "a2") => 1,
            ("a2", "a1") => -1,
            _ => 0,
        }
    }

    #[test]
    fn changes_are_classified() {
        let old = Plan {
            items: vec![item("a1", 10), item("b", 10), item("c", 10), item("d", 10)],
            co_designed: false,
            whole_person: None,
        };
        let new = Plan {
            items: vec![item("a2", 8), item("b", 12), item("x", 10), item("y", 5)],
            co_designed: false,
            whole_person: None,
        };
        let kinds: Vec<ChangeKind> = diff(&old, &new, &step)
            .into_iter()
            .map(|c| c.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::DoseChange,
                ChangeKind::Progression,
                ChangeKind::Swap,
                ChangeKind::Swap
            ]
        );
        let back = diff(
            &Plan {
                items: vec![item("a2", 8)],
                co_designed: false,
                whole_person: None,
            },
            &Plan {
                items: vec![item("a1", 8)],
                co_designed: false,
                whole_person: None,
            },
            &step,
        );
        assert_eq!(back[0].kind, ChangeKind::Regression);
        let grown = diff(
            &Plan::default(),
            &Plan {
                items: vec![item("a1", 8)],
                co_designed: false,
                whole_person: None,
            },
            &step,
        );
        assert_eq!(grown[0].kind, ChangeKind::Added);
        assert!(diff(&old, &old, &step).is_empty());
    }

    #[test]
    fn item_input_rules_name_the_field() {
        let ok = PlanItemInput {
            exercise_id: "a1".into(),
            sets: "2".into(),
            reps: "10".into(),
            per_week: "5".into(),
            weeks: "6".into(),
            rest_seconds: "30".into(),
            progression_rule: "up".into(),
            regression_rule: "down".into(),
            why: "for your goal".into(),
            delivery: "home".into(),
            ..Default::default()
        };
        let exists = |id: &str| id == "a1";
        assert!(ok.validate(1, &exists, 0).is_ok());
        let cases = [
            (
                PlanItemInput {
                    exercise_id: "zz".into(),
                    ..ok.clone()
                },
                "items[2].exercise_id",
            ),
            (
                PlanItemInput {
                    sets: "-1".into(),
                    ..ok.clone()
                },
                "items[2].sets",
            ),
            (
                PlanItemInput {
                    sets: "0".into(),
                    ..ok.clone()
                },
                "items[2].sets",
            ),
            (
                PlanItemInput {
                    reps: String::new(),
                    ..ok.clone()
                },
                "items[2].reps",
            ),
            (
                PlanItemInput {
                    hold_seconds: "10".into(),
                    ..ok.clone()
                },
                "items[2].reps",
            ),
            (
                PlanItemInput {
                    per_week: "15".into(),
                    ..ok.clone()
                },
                "items[2].per_week",
            ),
            (
                PlanItemInput {
                    delivery: "spa".into(),
                    ..ok.clone()
                },
                "items[2].delivery",
            ),
            (
                PlanItemInput {
                    goal: "3".into(),
                    ..ok.clone()
                },
                "items[2].goal",
            ),
            (
                PlanItemInput {
                    regression_rule: " ".into(),
                    ..ok.clone()
                },
                "items[2].regression_rule",
            ),
        ];
        for (input, field) in cases {
            match input.validate(2, &exists, 1) {
                Err(Error::Invalid(f)) => assert_eq!(f.field, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
