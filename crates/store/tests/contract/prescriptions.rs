use jiff::civil::date;
use rapport_domain::exercise::{Category, Dose, Exercise, Position, Source, Target};
use rapport_domain::prescription::{Change, ChangeKind, Delivery, Goal, Plan, PlanItem};
use rapport_store::{FormInput, Store};
use serde_json::json;

use crate::fixtures::*;

fn goal() -> Goal {
    Goal {
        activity: "Lift my grandchild".into(),
        current_level: 3,
        target_level: 8,
        by: date(2027, 1, 1),
        agreed_together: true,
        agreed_on: Some(today()),
    }
}

fn plan(id: &str, reps: u16) -> Plan {
    Plan {
        items: vec![PlanItem {
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
            progression_rule: "harder when easy".into(),
            regression_rule: "easier when sore".into(),
            delivery: Delivery::Home,
            goal: Some(0),
            why: "for lifting".into(),
        }],
        co_designed: false,
        whole_person: None,
    }
}

async fn screened(store: &Store, w: &World, positive: bool) -> i64 {
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    let input = FormInput {
        time_point: rapport_domain::assessment::TimePoint::Baseline,
        form: "red_flags".into(),
        version: "1".into(),
        answers: json!([positive]),
        result: None,
        total: None,
        band: None,
        complete: true,
        red_flag_positive: Some(positive),
    };
    store.form_save(&w.kari_actor, e.id, &input).await.unwrap();
    e.id
}

pub async fn goals_belong_to_the_open_episode(store: &Store) {
    let w = world(store).await;
    assert_conflict(store.goal_add(&w.clinician_a, w.kari.id, &goal()).await); // own patient, no open episode
    store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    let g = store
        .goal_add(&w.clinician_a, w.kari.id, &goal())
        .await
        .unwrap();
    assert_eq!(g.goal, goal());
    assert_last_audit(store, &w.clinician_a, "goal.add", "ok", Some(w.kari.id)).await;
    assert_eq!(
        store.goals_list(&w.clinician_a, w.kari.id).await.unwrap(),
        vec![g.clone()]
    );
    assert_eq!(
        store.goals_list(&w.kari_actor, w.kari.id).await.unwrap(),
        vec![g]
    );
    assert!(
        store
            .goals_list(&w.clinician_b, w.kari.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_not_found(store.goal_add(&w.clinician_b, w.kari.id, &goal()).await);
    assert_forbidden(store.goal_add(&w.kari_actor, w.kari.id, &goal()).await);
}

pub async fn prescriptions_wait_for_a_clear_red_flag_screen(store: &Store) {
    let w = world(store).await;
    store
        .episode_open(&w.clinician_a, w.ola.id, today())
        .await
        .unwrap();
    // Unscreened: refused.
    assert_conflict(
        store
            .prescription_save(&w.clinician_a, w.ola.id, &plan("a1", 10), &[], "", today())
            .await,
    );
    // Positive: refused until cleared; then allowed.
    screened(store, &w, true).await;
    assert_conflict(
        store
            .prescription_save(&w.clinician_a, w.kari.id, &plan("a1", 10), &[], "", today())
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_a,
        "prescription.save",
        "refused",
        Some(w.kari.id),
    )
    .await;
    store
        .red_flag_clear(&w.clinician_a, w.kari.id, "GP review: no serious pathology")
        .await
        .unwrap();
    let p = store
        .prescription_save(
            &w.clinician_a,
            w.kari.id,
            &plan("a1", 10),
            &[],
            "first plan",
            today(),
        )
        .await
        .unwrap();
    assert_eq!(p.versions.len(), 1);
    assert_last_audit(
        store,
        &w.clinician_a,
        "prescription.save",
        "ok",
        Some(w.kari.id),
    )
    .await;
}

pub async fn every_version_is_kept_with_its_changes(store: &Store) {
    let w = world(store).await;
    screened(store, &w, false).await;
    let first = store
        .prescription_save(
            &w.clinician_a,
            w.kari.id,
            &plan("a1", 10),
            &[],
            "start",
            date(2026, 3, 2),
        )
        .await
        .unwrap();
    let change = Change {
        kind: ChangeKind::Progression,
        from: Some("a1".into()),
        to: Some("a2".into()),
        detail: "2 × 8".into(),
    };
    let second = store
        .prescription_save(
            &w.clinician_a,
            w.kari.id,
            &plan("a2", 8),
            std::slice::from_ref(&change),
            "easy for a week",
            date(2026, 3, 16),
        )
        .await
        .unwrap();
    assert_eq!(
        first.id, second.id,
        "one prescription per episode, many versions"
    );
    assert_eq!(
        second
            .versions
            .iter()
            .map(|v| v.version)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    let current = second.current().unwrap();
    assert_eq!(current.plan, plan("a2", 8));
    assert_eq!(current.changes, vec![change]);
    assert_eq!(current.reason, "easy for a week");
    assert_eq!(current.created_on, date(2026, 3, 16));
    assert_eq!(
        second.versions[0].plan,
        plan("a1", 10),
        "the old version is unchanged"
    );
    // Read back by the patient and the clinic; not by another clinic.
    assert_eq!(
        store
            .prescription_current(&w.kari_actor, w.kari.id)
            .await
            .unwrap()
            .unwrap(),
        second
    );
    assert_eq!(
        store
            .prescription_get(&w.clinician_a, second.id)
            .await
            .unwrap(),
        second
    );
    assert_not_found(store.prescription_get(&w.clinician_b, second.id).await);
    assert_eq!(
        store
            .prescription_current(&w.clinician_b, w.kari.id)
            .await
            .unwrap(),
        None
    );
    assert_forbidden(
        store
            .prescription_save(&w.kari_actor, w.kari.id, &plan("a1", 1), &[], "", today())
            .await,
    );
    assert_invalid(
        store
            .prescription_save(
                &w.clinician_a,
                w.kari.id,
                &plan("a1", 1),
                &[],
                &"x".repeat(501),
                today(),
            )
            .await
            .unwrap_err(),
        "reason",
        "max_length",
    );
}

pub async fn education_is_assigned_once_and_reading_is_recorded(store: &Store) {
    let w = world(store).await;
    store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    let a = store
        .education_assign(&w.clinician_a, w.kari.id, "hurt-is-not-harm")
        .await
        .unwrap();
    assert_conflict(
        store
            .education_assign(&w.clinician_a, w.kari.id, "hurt-is-not-harm")
            .await,
    );
    assert_not_found(
        store
            .education_assign(&w.clinician_b, w.kari.id, "other")
            .await,
    );
    let list = store
        .education_list(&w.kari_actor, w.kari.id)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].read_at, None);
    // Another patient cannot mark it; the patient can.
    let (_, ola_actor) = patient_account(store, &w.ola, "ola@example.org").await;
    assert_not_found(store.education_mark_read(&ola_actor, a.id).await);
    store
        .education_mark_read(&w.kari_actor, a.id)
        .await
        .unwrap();
    let list = store
        .education_list(&w.clinician_a, w.kari.id)
        .await
        .unwrap();
    assert_recent(list[0].read_at.unwrap());
    assert!(
        store
            .education_list(&w.clinician_b, w.kari.id)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn clinic_exercises_and_pictures_stay_in_their_clinic(store: &Store) {
    let w = world(store).await;
    let e = Exercise {
        id: "clinic-step-ups".into(),
        name: "Step-ups on our stairs".into(),
        category: Category::Functional,
        targets: vec![Target::Legs],
        position: Position::Standing,
        equipment: vec![],
        level: 2,
        seconds_per_set: 60,
        dose: Dose {
            sets: 2,
            reps: Some(10),
            hold_seconds: None,
            duration_minutes: None,
            rest_seconds: 60,
            per_week: 3,
            weeks: 6,
            load: None,
            intensity: None,
        },
        cautions: vec![],
        instructions: vec!["Step up, step down.".into()],
        easier: None,
        harder: None,
        feared_movement: None,
        tasks: vec![],
        settings: vec![rapport_domain::assessment::intake::Setting::Clinic],
        kinds: vec![],
        source: Source::Clinic,
        attribution: None,
    };
    store.clinic_exercise_put(&w.clinician_a, &e).await.unwrap();
    assert_eq!(
        store.clinic_exercises(w.a.id).await.unwrap(),
        vec![e.clone()]
    );
    assert!(store.clinic_exercises(w.b.id).await.unwrap().is_empty());
    assert_forbidden(store.clinic_exercise_put(&w.kari_actor, &e).await);
    store
        .exercise_image_put(&w.clinician_a, &e.id, "image/png", &[137, 80, 78, 71])
        .await
        .unwrap();
    assert_eq!(
        store.exercise_image(w.a.id, &e.id).await.unwrap(),
        Some(("image/png".to_string(), vec![137, 80, 78, 71]))
    );
    assert_eq!(store.exercise_image(w.b.id, &e.id).await.unwrap(), None);
}

pub async fn a_new_episode_starts_without_the_old_plan_goals_or_reading(store: &Store) {
    let w = world(store).await;
    screened(store, &w, false).await;
    store
        .goal_add(&w.clinician_a, w.kari.id, &goal())
        .await
        .unwrap();
    store
        .education_assign(&w.clinician_a, w.kari.id, "pacing")
        .await
        .unwrap();
    store
        .prescription_save(&w.clinician_a, w.kari.id, &plan("a1", 10), &[], "", today())
        .await
        .unwrap();
    store
        .episode_discharge(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    // Until a new episode opens, the discharged one is the current one.
    assert!(
        store
            .prescription_current(&w.kari_actor, w.kari.id)
            .await
            .unwrap()
            .is_some()
    );
    store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    assert_eq!(
        store
            .prescription_current(&w.kari_actor, w.kari.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .goals_list(&w.clinician_a, w.kari.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .education_list(&w.clinician_a, w.kari.id)
            .await
            .unwrap()
            .is_empty()
    );
}
