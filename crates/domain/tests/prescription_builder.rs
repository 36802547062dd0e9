//! The builder's ranking on hand-built patients, with the built-in library.
#![allow(clippy::unwrap_used)] // a test binary: a failed set-up fails the test

use jiff::civil::date;
use rapport_domain::assessment::intake::{ExerciseKind, Setting};
use rapport_domain::education::Stratum;
use rapport_domain::exercise::{Category, FearedMovement, Library, Task};
use rapport_domain::prescription::Goal;
use rapport_domain::prescription::builder::{PatientProfile, propose, suggest_plan};

fn library() -> Library {
    Library::builtin().unwrap()
}

#[test]
fn a_fearful_patient_with_fifteen_minutes_and_no_equipment_gets_a_short_graded_equipment_free_plan()
{
    let lib = library();
    let p = PatientProfile {
        minutes_per_day: Some(15),
        fearful: true,
        feared: [FearedMovement::Bending].into(),
        stratum: Some(Stratum::High),
        settings: [Setting::Home].into(),
        ..Default::default()
    };
    let proposals = propose(lib.all(), &p);
    let plan = suggest_plan(lib.all(), &proposals, &p);
    assert!(!plan.items.is_empty());
    assert!(plan.minutes <= 15.0, "{} minutes", plan.minutes);
    assert!(plan.over_by().is_none());
    let chosen: Vec<_> = plan
        .items
        .iter()
        .map(|i| lib.get(&i.exercise_id).unwrap())
        .collect();
    assert!(
        chosen.iter().all(|e| e.equipment.is_empty()),
        "equipment-free"
    );
    assert!(chosen.iter().all(|e| e.level <= 2), "a gentle start");
    let graded = chosen
        .iter()
        .find(|e| e.category == Category::GradedExposure)
        .expect("graded exposure");
    assert_eq!(
        graded.feared_movement,
        Some(FearedMovement::Bending),
        "the feared movement itself"
    );
    assert_eq!(graded.level, 1, "from the first step");
    assert!(
        proposals
            .iter()
            .all(|x| lib.get(&x.exercise_id).unwrap().equipment.is_empty())
    );
}

#[test]
fn a_patient_whose_goal_is_lifting_at_work_gets_functional_lifting_work() {
    let lib = library();
    let p = PatientProfile {
        goals: vec![Goal {
            activity: "Lifting boxes at work".into(),
            current_level: 2,
            target_level: 8,
            by: date(2026, 9, 1),
            agreed_together: true,
            agreed_on: Some(date(2026, 3, 2)),
        }],
        stratum: Some(Stratum::Low),
        minutes_per_day: Some(30),
        ..Default::default()
    };
    let proposals = propose(lib.all(), &p);
    let first = lib.get(&proposals[0].exercise_id).unwrap();
    assert!(first.tasks.contains(&Task::Lifting), "{} first", first.id);
    assert_eq!(proposals[0].goal, Some(0));
    assert!(proposals[0].reasons[0].contains("Lifting boxes at work"));
    let plan = suggest_plan(lib.all(), &proposals, &p);
    assert!(plan.items.iter().any(|i| {
        lib.get(&i.exercise_id)
            .unwrap()
            .tasks
            .contains(&Task::Lifting)
    }));
}

#[test]
fn likes_lead_and_dislikes_never_appear() {
    let lib = library();
    let p = PatientProfile {
        likes: [ExerciseKind::Swimming].into(),
        dislikes: [ExerciseKind::Running, ExerciseKind::Walking].into(),
        equipment: [rapport_domain::assessment::intake::Equipment::Pool].into(),
        ..Default::default()
    };
    let proposals = propose(lib.all(), &p);
    assert!(proposals.iter().all(|x| {
        let e = lib.get(&x.exercise_id).unwrap();
        !e.kinds.contains(&ExerciseKind::Running) && !e.kinds.contains(&ExerciseKind::Walking)
    }));
    let first = lib.get(&proposals[0].exercise_id).unwrap();
    assert!(
        first.kinds.contains(&ExerciseKind::Swimming),
        "{}",
        first.id
    );
}
