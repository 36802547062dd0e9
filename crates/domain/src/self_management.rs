//! The self-management plan the patient keeps after discharge: the
//! exercises to keep doing (how much, and the easier and harder version of
//! each), the activities that matter to them and the goals they reached,
//! what to do in a flare-up, when to seek help, and what they now know about
//! their back, in plain words.
//!
//! [`draft`] writes a first version from the episode's record (the latest
//! plan version and the beliefs the patient let go of) and their goals; the
//! clinician goes through it with the patient, and what they agree is
//! checked by [`SelfManagementInput::validate`], which reports every broken
//! rule at once. Every text here is Rapport's own.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::exercise::{Dose, Exercise, Library};
use crate::prescription::{Goal, MAX_ITEMS};
use crate::record::EpisodeRecord;

/// The most activities a plan lists.
pub const MAX_ACTIVITIES: usize = 20;
/// The most points in each list of advice (flare-up, seeking help, what the
/// patient knows).
pub const MAX_POINTS: usize = 12;
/// Longest exercise name, activity and dose, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_ACTIVITY: usize = 200;
pub const MAX_DOSE: usize = 300;
/// Longest point of advice, in characters.
pub const MAX_POINT: usize = 400;

/// The plan, as kept and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfManagementPlan {
    /// The exercises to keep doing, in the order they are done.
    pub exercises: Vec<KeptExercise>,
    /// The activities that matter to the patient (their goals), each marked
    /// reached or not yet.
    pub activities: Vec<Activity>,
    /// What to do in a flare-up, one point each.
    pub flare_up: Vec<String>,
    /// When to seek help, and how urgently, one point each.
    pub seek_help: Vec<String>,
    /// What the patient now knows about their back, in their words.
    pub understanding: Vec<String>,
}

/// One exercise to keep doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeptExercise {
    /// The exercise of the clinic's library.
    pub exercise_id: String,
    /// Its name, as the patient knows it.
    pub name: String,
    /// How much and how often, in plain words.
    pub dose: String,
    /// The easier version, from the library, for a bad day or a flare-up.
    pub easier: Option<Variant>,
    /// The harder version, from the library, for when it has become easy.
    pub harder: Option<Variant>,
}

/// An easier or harder version of an exercise, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub exercise_id: String,
    pub name: String,
}

impl Variant {
    fn of(e: &Exercise) -> Variant {
        Variant {
            exercise_id: e.id.clone(),
            name: e.name.clone(),
        }
    }
}

/// An activity that matters to the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    pub activity: String,
    /// The goal set for it was reached by discharge.
    pub reached: bool,
}

impl SelfManagementPlan {
    /// The goals reached.
    pub fn reached(&self) -> impl Iterator<Item = &Activity> {
        self.activities.iter().filter(|a| a.reached)
    }

    /// The activities still being worked towards.
    pub fn working_towards(&self) -> impl Iterator<Item = &Activity> {
        self.activities.iter().filter(|a| !a.reached)
    }

    /// The plan as typed into its form, so that it can be edited (and checked
    /// again: `plan.to_input().validate(lib)` gives the plan back).
    pub fn to_input(&self) -> SelfManagementInput {
        SelfManagementInput {
            exercises: self
                .exercises
                .iter()
                .map(|e| KeptExerciseInput {
                    exercise_id: e.exercise_id.clone(),
                    name: e.name.clone(),
                    dose: e.dose.clone(),
                })
                .collect(),
            activities: self
                .activities
                .iter()
                .map(|a| ActivityInput {
                    activity: a.activity.clone(),
                    reached: a.reached,
                })
                .collect(),
            flare_up: self.flare_up.clone(),
            seek_help: self.seek_help.clone(),
            understanding: self.understanding.clone(),
        }
    }
}

/// What to do in a flare-up: Rapport's own words, which the clinician and
/// patient adapt.
pub const DEFAULT_FLARE_UP: &[&str] = &[
    "A flare-up is a spell of worse pain. Flare-ups are common and most settle within a few days to a few weeks.",
    "Keep moving gently. Go back to the easier version of your exercises, or do fewer, for a few days rather than stopping.",
    "Stay as active as you can in your day. Short walks and changing position often help; long spells of rest in bed tend to make pain last longer.",
    "Use what has helped you before, such as warmth, or pain relief as your doctor or pharmacist advised.",
    "When it settles, build back up to your usual exercises step by step over a week or two.",
];

/// When to seek help: the warning signs first, in Rapport's own words.
pub const DEFAULT_SEEK_HELP: &[&str] = &[
    "Get urgent medical help straight away if you cannot control your bladder or bowels, cannot pass urine, or have new numbness around your bottom or genitals.",
    "Get urgent help too for new weakness in your legs, numbness that is new or spreading, or walking that is getting harder.",
    "See a doctor soon if you have a fever or feel generally unwell with your back pain, lose weight without trying, or have pain that is worst at night and does not ease with rest or changing position.",
    "Contact your doctor or physiotherapist if a flare-up has not started to ease after two weeks, or if your pain keeps getting worse.",
    "Get in touch with us too whenever you are worried, or if pain stops you doing the things that matter to you.",
];

/// What a patient who has let go of a belief now knows, in plain words: one
/// for each belief of the checklist ([`crate::assessment::beliefs::BELIEFS`]).
pub fn understanding_of(belief: &str) -> Option<&'static str> {
    Some(match belief {
        "hurt_means_harm" => {
            "Pain does not mean my back is being damaged. When back pain goes on for a long time, the body's alarm system stays sensitive, so it can hurt without any new harm."
        }
        "scan_will_find_cause" => {
            "A scan is rarely needed. Many people with no pain at all show the same changes on a scan, and a picture would not change what helps me."
        }
        "bending_is_dangerous" => {
            "My back is built to bend and lift. Practising these movements a little at a time makes them easier and safer for me."
        }
        "rest_is_best" => {
            "Staying active helps my back get better. Resting for a long time tends to make pain last longer."
        }
        "flare_means_reinjury" => {
            "A flare-up does not mean I have hurt my back again. Flare-ups are common, they settle, and I know what to do when one comes."
        }
        "back_is_fragile" => {
            "My back is strong, not fragile. It gets stronger when I build up what I do little by little."
        }
        "posture_is_to_blame" => {
            "There is no one right way to sit or stand. Changing position and moving often matter more than posture."
        }
        "exercise_will_worsen" => {
            "Exercise is safe for my back. Some soreness at first is normal and passes, and exercise helps in the long run."
        }
        "needs_fixing_by_others" => {
            "I can do a lot to help my own back. My clinician can guide me, but what I do each day makes the difference."
        }
        "will_never_improve" => {
            "My back can get better. Most people with back pain become able to do more, and many have less pain as time goes on."
        }
        "wait_until_pain_free" => {
            "I do not need to wait for the pain to go before being active. I can start with a little and build up at my own pace."
        }
        _ => return None,
    })
}

/// The beliefs the patient let go of during care, in the order first let
/// go of: each review's reconciled beliefs, less any that a later review
/// found held again.
pub fn reconciled_beliefs(record: &EpisodeRecord) -> Vec<String> {
    let mut reviews: Vec<_> = record.belief_reviews.iter().collect();
    reviews.sort_by_key(|b| (b.date, b.id));
    let mut out: Vec<String> = Vec::new();
    for b in reviews {
        for key in &b.confirmed {
            if !b.reconciled.contains(key) {
                out.retain(|k| k != key);
            }
        }
        for key in &b.reconciled {
            if !out.contains(key) {
                out.push(key.clone());
            }
        }
    }
    out
}

fn times_a_week(n: u8) -> String {
    match n {
        1 => "once a week".into(),
        2 => "twice a week".into(),
        7 => "every day".into(),
        14 => "twice a day".into(),
        n => format!("{n} times a week"),
    }
}

/// A dose in plain words, e.g. "2 sets of 10, 5 times a week. How it should
/// feel: moderate: effort 4 to 5 out of 10".
pub fn plain_dose(d: &Dose) -> String {
    let what = match (d.reps, d.hold_seconds, d.duration_minutes) {
        (Some(r), _, _) if d.sets <= 1 => format!("{r} times"),
        (Some(r), _, _) => format!("{} sets of {r}", d.sets),
        (_, Some(h), _) if d.sets <= 1 => format!("hold for {h} seconds"),
        (_, Some(h), _) => format!("hold for {h} seconds, {} times", d.sets),
        (_, _, Some(m)) => format!("{m} minutes"),
        _ => format!("{} sets", d.sets),
    };
    let mut s = format!("{what}, {}", times_a_week(d.per_week));
    if let Some(l) = d
        .load
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("body weight"))
    {
        s.push_str(", with ");
        s.push_str(&lower_first(l));
    }
    s.push('.');
    if let Some(i) = d
        .intensity
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        s.push_str(" How it should feel: ");
        s.push_str(&lower_first(i));
        if !i.ends_with('.') {
            s.push('.');
        }
    }
    let mut first = s.chars();
    match first.next() {
        Some(c) => c.to_uppercase().chain(first).collect(),
        None => s,
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // Only a capital starting a word of lower case ("A bag" → "a bag"),
        // never an abbreviation.
        Some(f) if f.is_uppercase() && c.clone().next().is_none_or(|n| !n.is_uppercase()) => {
            f.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}

/// A first version of the plan from what is on record: the exercises of the
/// latest plan version (with their doses in plain words and their easier and
/// harder versions from `library`), the episode's goals (`goals`, oldest
/// first; none marked reached, which only the patient and clinician can
/// say), Rapport's flare-up and seek-help advice, and what the patient now
/// knows for each belief they let go of.
pub fn draft(record: &EpisodeRecord, goals: &[Goal], library: &Library) -> SelfManagementPlan {
    let mut seen = BTreeSet::new();
    let exercises = record
        .plans
        .last()
        .map(|v| v.plan.items.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|item| {
            let e = library.get(&item.exercise_id)?;
            seen.insert(e.id.as_str()).then(|| KeptExercise {
                exercise_id: e.id.clone(),
                name: e.name.clone(),
                dose: plain_dose(&item.dose),
                easier: library.easier(&e.id).map(Variant::of),
                harder: library.harder(&e.id).map(Variant::of),
            })
        })
        .take(MAX_ITEMS)
        .collect();
    let mut named = BTreeSet::new();
    let activities = goals
        .iter()
        .filter(|g| named.insert(g.activity.trim().to_lowercase()))
        .take(MAX_ACTIVITIES)
        .map(|g| Activity {
            activity: g.activity.trim().to_string(),
            reached: false,
        })
        .collect();
    SelfManagementPlan {
        exercises,
        activities,
        flare_up: DEFAULT_FLARE_UP.iter().map(|s| s.to_string()).collect(),
        seek_help: DEFAULT_SEEK_HELP.iter().map(|s| s.to_string()).collect(),
        understanding: reconciled_beliefs(record)
            .iter()
            .filter_map(|k| understanding_of(k))
            .take(MAX_POINTS)
            .map(str::to_string)
            .collect(),
    }
}

/// The plan as typed into its form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelfManagementInput {
    pub exercises: Vec<KeptExerciseInput>,
    pub activities: Vec<ActivityInput>,
    pub flare_up: Vec<String>,
    pub seek_help: Vec<String>,
    pub understanding: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptExerciseInput {
    pub exercise_id: String,
    /// Blank: the library's name.
    pub name: String,
    pub dose: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityInput {
    pub activity: String,
    pub reached: bool,
}

/// Checks one line of text: at most `max` characters, no line breaks or
/// other control characters. Trimmed.
fn line(errors: &mut Vec<FieldError>, field: String, raw: &str, max: usize) -> String {
    let s = raw.trim();
    if s.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "max_length",
            format!("is {} characters long; keep it to {max}", s.chars().count()),
        ));
    } else if s.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            "one_line",
            "must be written on one line",
        ));
    }
    s.to_string()
}

/// Points of advice: blank ones are left out, each is one line of at most
/// [`MAX_POINT`] characters, at most [`MAX_POINTS`] of them; `required`: at
/// least one.
fn points(
    errors: &mut Vec<FieldError>,
    name: &str,
    raw: &[String],
    required: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        if p.trim().is_empty() {
            continue;
        }
        out.push(line(errors, format!("{name}[{}]", i + 1), p, MAX_POINT));
    }
    if out.is_empty()
        && let Some(what) = required
    {
        errors.push(FieldError::new(name, "required", what));
    }
    if out.len() > MAX_POINTS {
        errors.push(FieldError::new(
            name,
            "max_items",
            format!(
                "has {} points; keep it to {MAX_POINTS} so that it stays easy to read",
                out.len()
            ),
        ));
    }
    out
}

impl SelfManagementInput {
    /// Checks the whole plan and answers it, or every rule it breaks, each
    /// naming its field (`exercises[2].dose`, `flare_up`…; entries count
    /// from 1, as given, and entries left wholly blank are left out). The
    /// exercises must be in `library`; their easier and harder versions
    /// are taken from it.
    pub fn validate(&self, library: &Library) -> Result<SelfManagementPlan, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut exercises = Vec::new();
        let mut ids = BTreeSet::new();
        for (i, x) in self.exercises.iter().enumerate() {
            let n = i + 1;
            let f = |name: &str| format!("exercises[{n}].{name}");
            let id = x.exercise_id.trim();
            if id.is_empty() && x.name.trim().is_empty() && x.dose.trim().is_empty() {
                continue;
            }
            let Some(e) = library.get(id) else {
                errors.push(FieldError::new(
                    f("exercise_id"),
                    if id.is_empty() { "required" } else { "known" },
                    if id.is_empty() {
                        "choose the exercise".to_string()
                    } else {
                        format!("`{id}` is not an exercise of this clinic's library")
                    },
                ));
                continue;
            };
            if !ids.insert(e.id.clone()) {
                errors.push(FieldError::new(
                    f("exercise_id"),
                    "unique",
                    format!("{} is in the plan already", e.name),
                ));
            }
            let name = line(&mut errors, f("name"), &x.name, MAX_NAME);
            let dose = line(&mut errors, f("dose"), &x.dose, MAX_DOSE);
            if dose.is_empty() {
                errors.push(FieldError::new(
                    f("dose"),
                    "required",
                    "say how much and how often, in plain words",
                ));
            }
            exercises.push(KeptExercise {
                exercise_id: e.id.clone(),
                name: if name.is_empty() {
                    e.name.clone()
                } else {
                    name
                },
                dose,
                easier: library.easier(&e.id).map(Variant::of),
                harder: library.harder(&e.id).map(Variant::of),
            });
        }
        if exercises.is_empty() && !errors.iter().any(|e| e.field.starts_with("exercises[")) {
            errors.push(FieldError::new(
                "exercises",
                "required",
                "add at least one exercise to keep doing",
            ));
        }
        if exercises.len() > MAX_ITEMS {
            errors.push(FieldError::new(
                "exercises",
                "max_items",
                format!(
                    "has {} exercises; a plan to keep holds at most {MAX_ITEMS}",
                    exercises.len()
                ),
            ));
        }
        let mut activities = Vec::new();
        for (i, a) in self.activities.iter().enumerate() {
            if a.activity.trim().is_empty() {
                continue;
            }
            let activity = line(
                &mut errors,
                format!("activities[{}].activity", i + 1),
                &a.activity,
                MAX_ACTIVITY,
            );
            activities.push(Activity {
                activity,
                reached: a.reached,
            });
        }
        if activities.len() > MAX_ACTIVITIES {
            errors.push(FieldError::new(
                "activities",
                "max_items",
                format!(
                    "has {} activities; keep it to {MAX_ACTIVITIES}",
                    activities.len()
                ),
            ));
        }
        let flare_up = points(
            &mut errors,
            "flare_up",
            &self.flare_up,
            Some("say what to do in a flare-up"),
        );
        let seek_help = points(
            &mut errors,
            "seek_help",
            &self.seek_help,
            Some("say when to seek help, the warning signs first"),
        );
        let understanding = points(&mut errors, "understanding", &self.understanding, None);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SelfManagementPlan {
            exercises,
            activities,
            flare_up,
            seek_help,
            understanding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::beliefs::BELIEFS;
    use crate::monitoring::PlanVersion;
    use crate::prescription::{Delivery, Plan, PlanItem};
    use crate::record::BeliefReviewFacts;
    use jiff::civil::date;

    fn lib() -> Library {
        Library::builtin().unwrap()
    }

    /// An exercise with both an easier and a harder version.
    fn middle(lib: &Library) -> &Exercise {
        lib.all()
            .iter()
            .find(|e| lib.easier(&e.id).is_some() && lib.harder(&e.id).is_some())
            .unwrap()
    }

    fn record_with(lib: &Library) -> EpisodeRecord {
        let e = middle(lib);
        let item = |e: &Exercise| PlanItem {
            exercise_id: e.id.clone(),
            dose: e.dose.clone(),
            progression_rule: "up".into(),
            regression_rule: "down".into(),
            delivery: Delivery::Home,
            goal: None,
            why: "for the garden".into(),
        };
        let old = lib.easier(&e.id).unwrap();
        EpisodeRecord {
            opened_on: date(2026, 1, 5),
            discharged_on: Some(date(2026, 3, 2)),
            plans: vec![
                PlanVersion {
                    starts_on: date(2026, 1, 6),
                    plan: Plan {
                        items: vec![item(old)],
                        ..Default::default()
                    },
                },
                PlanVersion {
                    starts_on: date(2026, 2, 3),
                    plan: Plan {
                        items: vec![item(e), item(e)],
                        ..Default::default()
                    },
                },
            ],
            plan_ids: vec![1, 2],
            belief_reviews: vec![
                BeliefReviewFacts {
                    id: 1,
                    date: date(2026, 1, 5),
                    confirmed: vec!["rest_is_best".into(), "hurt_means_harm".into()],
                    reconciled: vec![],
                },
                BeliefReviewFacts {
                    id: 2,
                    date: date(2026, 2, 3),
                    confirmed: vec!["rest_is_best".into(), "hurt_means_harm".into()],
                    reconciled: vec!["hurt_means_harm".into(), "rest_is_best".into()],
                },
                BeliefReviewFacts {
                    id: 3,
                    date: date(2026, 2, 24),
                    confirmed: vec!["rest_is_best".into()],
                    reconciled: vec![],
                },
            ],
            ..Default::default()
        }
    }

    fn goal(activity: &str) -> Goal {
        Goal {
            activity: activity.into(),
            current_level: 2,
            target_level: 8,
            by: date(2026, 4, 1),
            agreed_together: true,
            agreed_on: Some(date(2026, 1, 5)),
        }
    }

    #[test]
    fn the_draft_comes_from_the_record_and_passes_its_own_checks() {
        let lib = lib();
        let record = record_with(&lib);
        let e = middle(&lib);
        let plan = draft(
            &record,
            &[
                goal("Dig the garden"),
                goal(" dig the garden "),
                goal("Walk to work"),
            ],
            &lib,
        );
        assert_eq!(
            plan.exercises.len(),
            1,
            "the latest version, each exercise once"
        );
        let kept = &plan.exercises[0];
        assert_eq!(kept.exercise_id, e.id);
        assert_eq!(kept.name, e.name);
        assert_eq!(
            kept.easier.as_ref().unwrap().name,
            lib.easier(&e.id).unwrap().name
        );
        assert_eq!(
            kept.harder.as_ref().unwrap().name,
            lib.harder(&e.id).unwrap().name
        );
        assert!(!kept.dose.is_empty());
        assert_eq!(
            plan.activities
                .iter()
                .map(|a| a.activity.as_str())
                .collect::<Vec<_>>(),
            ["Dig the garden", "Walk to work"]
        );
        assert!(plan.activities.iter().all(|a| !a.reached));
        assert_eq!(plan.flare_up.len(), DEFAULT_FLARE_UP.len());
        assert_eq!(plan.seek_help.len(), DEFAULT_SEEK_HELP.len());
        // Let go of both, then found holding one again: only the other is known.
        assert_eq!(
            plan.understanding,
            [understanding_of("hurt_means_harm").unwrap()]
        );
        assert_eq!(plan.to_input().validate(&lib), Ok(plan));
    }

    #[test]
    fn a_record_without_a_plan_drafts_no_exercises_and_is_refused_until_one_is_added() {
        let lib = lib();
        let plan = draft(&EpisodeRecord::default(), &[], &lib);
        assert!(plan.exercises.is_empty() && plan.understanding.is_empty());
        let errors = plan.to_input().validate(&lib).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule.as_str()),
            ("exercises", "required")
        );
    }

    #[test]
    fn every_broken_rule_is_named_at_once() {
        let lib = lib();
        let e = middle(&lib);
        let input = SelfManagementInput {
            exercises: vec![
                KeptExerciseInput {
                    exercise_id: e.id.clone(),
                    name: String::new(),
                    dose: "x".repeat(MAX_DOSE + 1),
                },
                KeptExerciseInput::default(),
                KeptExerciseInput {
                    exercise_id: "no-such-exercise".into(),
                    name: "Mine".into(),
                    dose: "daily".into(),
                },
                KeptExerciseInput {
                    exercise_id: e.id.clone(),
                    name: "Again\nand again".into(),
                    dose: String::new(),
                },
            ],
            activities: vec![ActivityInput {
                activity: "a".repeat(MAX_ACTIVITY + 1),
                reached: true,
            }],
            flare_up: vec![" ".into(), String::new()],
            seek_help: (0..=MAX_POINTS).map(|i| format!("point {i}")).collect(),
            understanding: vec!["fine".into(), "y".repeat(MAX_POINT + 1)],
        };
        let errors = input.validate(&lib).unwrap_err();
        let named: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("exercises[1].dose", "max_length"),
                ("exercises[3].exercise_id", "known"),
                ("exercises[4].exercise_id", "unique"),
                ("exercises[4].name", "one_line"),
                ("exercises[4].dose", "required"),
                ("activities[1].activity", "max_length"),
                ("flare_up", "required"),
                ("seek_help", "max_items"),
                ("understanding[2]", "max_length"),
            ]
        );
        assert!(errors.iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn a_blank_name_is_the_librarys_and_variants_come_from_the_library() {
        let lib = lib();
        let e = middle(&lib);
        let input = SelfManagementInput {
            exercises: vec![KeptExerciseInput {
                exercise_id: format!(" {} ", e.id),
                name: " ".into(),
                dose: " Every day ".into(),
            }],
            flare_up: vec!["Slow down".into()],
            seek_help: vec!["Numbness: call".into()],
            ..Default::default()
        };
        let plan = input.validate(&lib).unwrap();
        assert_eq!(plan.exercises[0].name, e.name);
        assert_eq!(plan.exercises[0].dose, "Every day");
        assert_eq!(
            plan.exercises[0].easier.as_ref().unwrap().exercise_id,
            e.easier.clone().unwrap()
        );
    }

    #[test]
    fn what_the_patient_knows_is_in_plain_words_for_every_belief() {
        let jargon = [
            "pathology",
            "biopsychosocial",
            "structural",
            "kinesiophobia",
            "catastroph",
            "tsk",
            "rmdq",
            "pseq",
            "start back",
            "cmoc",
            "nociception",
            "_",
        ];
        for b in BELIEFS {
            let text = understanding_of(b.key).unwrap_or_else(|| panic!("{}", b.key));
            let lower = text.to_lowercase();
            for word in jargon {
                assert!(!lower.contains(word), "{}: {word}", b.key);
            }
            assert!(text.chars().count() <= MAX_POINT, "{}", b.key);
        }
        assert_eq!(understanding_of("no_such_belief"), None);
        for text in DEFAULT_FLARE_UP.iter().chain(DEFAULT_SEEK_HELP) {
            assert!(text.chars().count() <= MAX_POINT);
        }
        let warning = DEFAULT_SEEK_HELP.join(" ").to_lowercase();
        for sign in [
            "numbness",
            "bladder",
            "bowel",
            "fever",
            "weakness",
            "not started to ease",
        ] {
            assert!(warning.contains(sign), "{sign}");
        }
    }

    #[test]
    fn doses_read_as_plain_words() {
        let dose =
            |sets, reps, hold, minutes, per_week, load: Option<&str>, intensity: Option<&str>| {
                Dose {
                    sets,
                    reps,
                    hold_seconds: hold,
                    duration_minutes: minutes,
                    rest_seconds: 30,
                    per_week,
                    weeks: 4,
                    load: load.map(str::to_string),
                    intensity: intensity.map(str::to_string),
                }
            };
        assert_eq!(
            plain_dose(&dose(
                2,
                Some(10),
                None,
                None,
                5,
                Some("Body weight"),
                Some("Moderate: effort 4 to 5 out of 10")
            )),
            "2 sets of 10, 5 times a week. How it should feel: moderate: effort 4 to 5 out of 10."
        );
        assert_eq!(
            plain_dose(&dose(8, None, Some(10), None, 7, None, None)),
            "Hold for 10 seconds, 8 times, every day."
        );
        assert_eq!(
            plain_dose(&dose(
                1,
                None,
                None,
                Some(20),
                3,
                Some("A bag of 1 to 2 kg"),
                None
            )),
            "20 minutes, 3 times a week, with a bag of 1 to 2 kg."
        );
        assert_eq!(
            plain_dose(&dose(1, Some(5), None, None, 2, None, None)),
            "5 times, twice a week."
        );
        for e in lib().all() {
            assert!(plain_dose(&e.dose).chars().count() <= MAX_DOSE, "{}", e.id);
        }
    }
}
