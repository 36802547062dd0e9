//! The prescription builder: proposes and ranks exercises for one person,
//! each with the reasons it fits, and suggests a plan that fits the time the
//! person has. The clinician accepts, edits or replaces.

use std::collections::BTreeSet;

use serde::Serialize;

use super::goals::{Goal, tasks_in};
use crate::assessment::intake::{Equipment, ExerciseKind, Setting};
use crate::education::Stratum;
use crate::exercise::{Category, Exercise, FearedMovement};

/// What the builder knows of the person, from the intake, the scores, the
/// confirmed beliefs and the goals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientProfile {
    pub minutes_per_day: Option<u16>,
    pub equipment: BTreeSet<Equipment>,
    /// Where they can exercise; empty when not known.
    pub settings: BTreeSet<Setting>,
    pub likes: BTreeSet<ExerciseKind>,
    pub dislikes: BTreeSet<ExerciseKind>,
    /// Fear of movement (a high TSK-11 or confirmed fears).
    pub fearful: bool,
    /// Movements the person fears, from their confirmed beliefs.
    pub feared: BTreeSet<FearedMovement>,
    /// The latest STarT Back stratum.
    pub stratum: Option<Stratum>,
    pub goals: Vec<Goal>,
}

/// Movements a confirmed belief makes someone wary of.
pub fn feared_from_beliefs(keys: &[String]) -> BTreeSet<FearedMovement> {
    let mut out = BTreeSet::new();
    for k in keys {
        match k.as_str() {
            "bending_is_dangerous" => {
                out.insert(FearedMovement::Bending);
                out.insert(FearedMovement::Lifting);
            }
            "back_is_fragile" => {
                out.insert(FearedMovement::Lifting);
                out.insert(FearedMovement::Carrying);
                out.insert(FearedMovement::Twisting);
            }
            "posture_is_to_blame" => {
                out.insert(FearedMovement::ProlongedSitting);
            }
            "hurt_means_harm" | "exercise_will_worsen" => {
                out.insert(FearedMovement::Bending);
            }
            _ => {}
        }
    }
    out
}

/// Beliefs that signal fear of movement by themselves.
pub fn fearful_beliefs(keys: &[String]) -> bool {
    keys.iter().any(|k| {
        matches!(
            k.as_str(),
            "hurt_means_harm"
                | "bending_is_dangerous"
                | "exercise_will_worsen"
                | "back_is_fragile"
                | "wait_until_pain_free"
        )
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub exercise_id: String,
    pub score: i32,
    /// Why it fits, most important first, in plain language.
    pub reasons: Vec<String>,
    /// The goal (index) it serves, if it trains a goal's task.
    pub goal: Option<usize>,
    pub minutes: f64,
}

/// The level to start at: gentle for high risk or fear of movement.
fn start_level(p: &PatientProfile) -> u8 {
    if p.fearful || p.stratum == Some(Stratum::High) {
        1
    } else {
        2
    }
}

fn level_cap(p: &PatientProfile) -> u8 {
    if p.fearful || p.stratum == Some(Stratum::High) {
        2
    } else {
        3
    }
}

/// Whether an exercise fits the kinds of exercise the patient said they like
/// and dislike: `None` when they named neither; false when it is of a kind
/// they dislike, or they named likes and it is of none of them.
pub fn fits_preferences(
    e: &Exercise,
    likes: &BTreeSet<ExerciseKind>,
    dislikes: &BTreeSet<ExerciseKind>,
) -> Option<bool> {
    if likes.is_empty() && dislikes.is_empty() {
        return None;
    }
    if e.kinds.iter().any(|k| dislikes.contains(k)) {
        return Some(false);
    }
    Some(likes.is_empty() || e.kinds.iter().any(|k| likes.contains(k)))
}

fn usable(e: &Exercise, p: &PatientProfile) -> bool {
    let has_equipment = e.equipment.iter().all(|q| p.equipment.contains(q));
    let has_setting = p.settings.is_empty() || e.settings.iter().any(|s| p.settings.contains(s));
    let disliked = e.kinds.iter().any(|k| p.dislikes.contains(k));
    has_equipment && has_setting && !disliked && e.level <= level_cap(p)
}

/// The first exercise of `e`'s chain (following `easier` links).
fn chain_root<'a>(library: &'a [Exercise], e: &'a Exercise) -> &'a Exercise {
    let mut cur = e;
    for _ in 0..library.len() {
        match cur
            .easier
            .as_deref()
            .and_then(|id| library.iter().find(|x| x.id == id))
        {
            Some(prev) => cur = prev,
            None => break,
        }
    }
    cur
}

fn score(e: &Exercise, p: &PatientProfile) -> (i32, Vec<String>, Option<usize>) {
    let mut score = 0;
    let mut reasons = Vec::new();
    let mut goal = None;
    for (i, g) in p.goals.iter().enumerate() {
        if let Some(t) = tasks_in(&g.activity)
            .into_iter()
            .find(|t| e.tasks.contains(t))
        {
            score += 6;
            reasons.push(format!(
                "Trains {} for your goal “{}”",
                t.label().to_lowercase(),
                g.activity
            ));
            goal.get_or_insert(i);
        }
    }
    if e.category == Category::GradedExposure {
        match e.feared_movement {
            Some(m) if p.feared.contains(&m) => {
                score += 5;
                reasons.push(format!(
                    "Practises {} in small steps, which you said worries you",
                    m.label().to_lowercase()
                ));
            }
            _ if p.fearful => {
                score += 2;
                reasons.push("Small, safe steps rebuild trust in movement".into());
            }
            _ => {}
        }
    }
    if let Some(k) = e.kinds.iter().find(|k| p.likes.contains(k)) {
        score += 3;
        reasons.push(format!("You said you like {}", k.label().to_lowercase()));
    }
    match p.stratum {
        Some(Stratum::High)
            if matches!(
                e.category,
                Category::MotorControl | Category::GradedExposure | Category::Mobility
            ) =>
        {
            score += 2;
            reasons.push("A gentle start, so your back can get used to moving again".into());
        }
        Some(Stratum::Medium)
            if matches!(
                e.category,
                Category::MotorControl | Category::Strengthening | Category::GradedExposure
            ) =>
        {
            score += 1;
            reasons.push("Builds control and strength step by step".into());
        }
        Some(Stratum::Low)
            if matches!(
                e.category,
                Category::Aerobic | Category::Strengthening | Category::Functional
            ) =>
        {
            score += 1;
            reasons.push("Active work you can build up steadily".into());
        }
        _ => {}
    }
    if e.category == Category::Aerobic {
        score += 1;
        reasons.push("Regular activity helps back pain".into());
    }
    if p.settings.contains(&Setting::Home)
        && e.settings.contains(&Setting::Home)
        && e.equipment.is_empty()
    {
        score += 1;
        reasons.push("Can be done at home with no equipment".into());
    }
    (score, reasons, goal)
}

/// Every usable exercise, one per chain (the step nearest the starting
/// level), ranked best first.
pub fn propose(library: &[Exercise], p: &PatientProfile) -> Vec<Proposal> {
    let start = start_level(p);
    let mut best: Vec<(&Exercise, &Exercise)> = Vec::new(); // (chain root, chosen step)
    for e in library.iter().filter(|e| usable(e, p)) {
        let root = chain_root(library, e);
        let closeness = |x: &Exercise| (i16::from(x.level) - i16::from(start)).abs();
        match best.iter_mut().find(|(r, _)| r.id == root.id) {
            Some((_, chosen)) if closeness(e) < closeness(chosen) => *chosen = e,
            Some(_) => {}
            None => best.push((root, e)),
        }
    }
    let mut proposals: Vec<Proposal> = best
        .into_iter()
        .map(|(_, e)| {
            let (score, reasons, goal) = score(e, p);
            Proposal {
                exercise_id: e.id.clone(),
                score,
                reasons,
                goal,
                minutes: e.minutes_per_session(),
            }
        })
        .collect();
    proposals.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.minutes.total_cmp(&b.minutes))
            .then_with(|| a.exercise_id.cmp(&b.exercise_id))
    });
    proposals
}

/// The minutes a day the plan may take when the person has not said.
pub const DEFAULT_MINUTES: u16 = 20;
const MAX_ITEMS: usize = 6;
const MAX_PER_CATEGORY: usize = 2;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestedPlan {
    pub items: Vec<Proposal>,
    pub minutes: f64,
    pub budget: f64,
}

impl SuggestedPlan {
    /// By how many minutes the plan exceeds the time available, if it does.
    pub fn over_by(&self) -> Option<f64> {
        (self.minutes > self.budget + 0.05).then_some(self.minutes - self.budget)
    }
}

/// A first plan from ranked proposals: the best ones that fit the time the
/// person has, no more than two of a kind, at most six.
pub fn suggest_plan(
    library: &[Exercise],
    proposals: &[Proposal],
    p: &PatientProfile,
) -> SuggestedPlan {
    let budget = f64::from(p.minutes_per_day.unwrap_or(DEFAULT_MINUTES));
    let mut items: Vec<Proposal> = Vec::new();
    let mut minutes = 0.0;
    for prop in proposals {
        let Some(e) = library.iter().find(|e| e.id == prop.exercise_id) else {
            continue;
        };
        let same_kind = items
            .iter()
            .filter(|i| {
                library
                    .iter()
                    .any(|x| x.id == i.exercise_id && x.category == e.category)
            })
            .count();
        if items.len() >= MAX_ITEMS
            || same_kind >= MAX_PER_CATEGORY
            || minutes + prop.minutes > budget
        {
            continue;
        }
        minutes += prop.minutes;
        items.push(prop.clone());
    }
    SuggestedPlan {
        items,
        minutes,
        budget,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::{Dose, Position, Source, Target, Task};
    use jiff::civil::date;

    fn ex(
        id: &str,
        category: Category,
        level: u8,
        minutes: u16,
        equipment: Vec<Equipment>,
    ) -> Exercise {
        Exercise {
            id: id.into(),
            name: id.into(),
            category,
            targets: vec![Target::DeepTrunk],
            position: Position::Standing,
            equipment,
            level,
            seconds_per_set: 60,
            dose: Dose {
                sets: 1,
                reps: None,
                hold_seconds: None,
                duration_minutes: Some(minutes),
                rest_seconds: 0,
                per_week: 5,
                weeks: 6,
                load: None,
                intensity: None,
            },
            cautions: vec![],
            instructions: vec!["do it".into()],
            easier: None,
            harder: None,
            feared_movement: None,
            tasks: vec![],
            settings: vec![Setting::Home, Setting::Gym],
            kinds: vec![],
            source: Source::Rapport,
            attribution: None,
        }
    }

    fn library() -> Vec<Exercise> {
        let mut bend1 = ex("ge-bend-1", Category::GradedExposure, 1, 4, vec![]);
        bend1.feared_movement = Some(FearedMovement::Bending);
        bend1.harder = Some("ge-bend-2".into());
        let mut bend2 = ex("ge-bend-2", Category::GradedExposure, 2, 5, vec![]);
        bend2.feared_movement = Some(FearedMovement::Bending);
        bend2.easier = Some("ge-bend-1".into());
        let mut lift = ex("fn-lift-box", Category::Functional, 2, 6, vec![]);
        lift.tasks = vec![Task::Lifting];
        let mut walk = ex("ae-walk", Category::Aerobic, 1, 20, vec![]);
        walk.kinds = vec![ExerciseKind::Walking];
        vec![
            bend1,
            bend2,
            lift,
            walk,
            ex("mc-brace", Category::MotorControl, 1, 3, vec![]),
            ex(
                "st-deadlift",
                Category::Strengthening,
                3,
                8,
                vec![Equipment::Weights],
            ),
            ex("mc-hard", Category::MotorControl, 4, 5, vec![]),
            ex("mo-cat", Category::Mobility, 1, 3, vec![]),
        ]
    }

    #[test]
    fn a_fearful_patient_with_little_time_and_no_equipment_gets_a_short_graded_plan() {
        let lib = library();
        let p = PatientProfile {
            minutes_per_day: Some(15),
            fearful: true,
            feared: [FearedMovement::Bending].into(),
            stratum: Some(Stratum::High),
            settings: [Setting::Home].into(),
            ..Default::default()
        };
        let proposals = propose(&lib, &p);
        assert!(
            proposals.iter().all(|x| x.exercise_id != "st-deadlift"),
            "needs weights"
        );
        assert!(
            proposals.iter().all(|x| x.exercise_id != "mc-hard"),
            "too hard to start"
        );
        assert!(
            proposals.iter().all(|x| x.exercise_id != "ge-bend-2"),
            "one step per chain, the first"
        );
        assert_eq!(proposals[0].exercise_id, "ge-bend-1");
        assert!(proposals[0].reasons[0].contains("bending forward"));
        let plan = suggest_plan(&lib, &proposals, &p);
        assert!(plan.minutes <= 15.0 && plan.over_by().is_none());
        assert!(plan.items.iter().any(|i| i.exercise_id == "ge-bend-1"));
    }

    #[test]
    fn a_lifting_goal_brings_functional_lifting() {
        let lib = library();
        let p = PatientProfile {
            goals: vec![Goal {
                activity: "Lift boxes at work".into(),
                current_level: 3,
                target_level: 8,
                by: date(2026, 6, 1),
                agreed_together: true,
                agreed_on: None,
            }],
            likes: [ExerciseKind::Walking].into(),
            stratum: Some(Stratum::Low),
            ..Default::default()
        };
        let proposals = propose(&lib, &p);
        assert_eq!(proposals[0].exercise_id, "fn-lift-box");
        assert_eq!(proposals[0].goal, Some(0));
        assert!(proposals[0].reasons[0].contains("Lift boxes at work"));
        let walk = proposals
            .iter()
            .find(|x| x.exercise_id == "ae-walk")
            .unwrap();
        assert!(walk.reasons.iter().any(|r| r.contains("like walking")));
    }

    #[test]
    fn dislikes_and_missing_equipment_rule_exercises_out_and_the_order_is_stable() {
        let lib = library();
        let p = PatientProfile {
            dislikes: [ExerciseKind::Walking].into(),
            ..Default::default()
        };
        let a = propose(&lib, &p);
        assert!(a.iter().all(|x| x.exercise_id != "ae-walk"));
        assert_eq!(a, propose(&lib, &p));
        let with_weights = PatientProfile {
            equipment: [Equipment::Weights].into(),
            ..Default::default()
        };
        assert!(
            propose(&lib, &with_weights)
                .iter()
                .any(|x| x.exercise_id == "st-deadlift")
        );
    }

    #[test]
    fn the_plan_fits_the_time_or_says_by_how_much_it_does_not() {
        let lib = library();
        let p = PatientProfile {
            minutes_per_day: Some(10),
            ..Default::default()
        };
        let plan = suggest_plan(&lib, &propose(&lib, &p), &p);
        assert!(plan.minutes <= 10.0);
        let over = SuggestedPlan {
            items: vec![],
            minutes: 25.0,
            budget: 15.0,
        };
        assert_eq!(over.over_by(), Some(10.0));
    }
}
