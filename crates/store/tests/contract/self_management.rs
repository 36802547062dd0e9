use jiff::civil::{Date, date};
use rapport_domain::self_management::{
    Activity, DEFAULT_FLARE_UP, DEFAULT_SEEK_HELP, KeptExercise, SelfManagementPlan, Variant,
};
use rapport_store::{SelfManagementVersion, Store};

use crate::fixtures::*;

fn plan(dose: &str) -> SelfManagementPlan {
    SelfManagementPlan {
        exercises: vec![KeptExercise {
            exercise_id: "st-bridge".into(),
            name: "Bridge".into(),
            dose: dose.into(),
            easier: Some(Variant {
                exercise_id: "st-bridge-half".into(),
                name: "Half bridge".into(),
            }),
            harder: None,
        }],
        activities: vec![Activity {
            activity: "Lift my grandchild".into(),
            reached: true,
        }],
        flare_up: DEFAULT_FLARE_UP.iter().map(|s| s.to_string()).collect(),
        seek_help: DEFAULT_SEEK_HELP.iter().map(|s| s.to_string()).collect(),
        understanding: vec!["My back is strong, not fragile.".into()],
    }
}

const OPENED: Date = date(2026, 1, 5);
const DISCHARGED: Date = date(2026, 3, 2);

pub async fn written_at_discharge_with_every_version_kept(store: &Store) {
    let w = world(store).await;
    let k = w.kari.id;
    store.episode_open(&w.clinician_a, k, OPENED).await.unwrap();
    // While the episode is open, there is nothing to keep yet.
    assert_conflict(
        store
            .self_management_save(&w.clinician_a, k, &plan("daily"), DISCHARGED)
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_a,
        "self_management.save",
        "refused",
        Some(k),
    )
    .await;
    assert_eq!(
        store
            .self_management_get(&w.clinician_a, k, None)
            .await
            .unwrap(),
        None
    );
    let episode = store
        .episode_discharge(&w.clinician_a, k, DISCHARGED)
        .await
        .unwrap();

    let first = store
        .self_management_save(
            &w.clinician_a,
            k,
            &plan("2 sets of 10, every day."),
            DISCHARGED,
        )
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    assert_eq!(first.episode_id, episode.id);
    assert_eq!(first.plan, plan("2 sets of 10, every day."));
    assert_eq!(first.written_by, w.clinician_a.user_id.unwrap());
    assert_eq!(first.written_on, DISCHARGED);
    assert_recent(first.written_at);
    let row = assert_last_audit(store, &w.clinician_a, "self_management.save", "ok", Some(k)).await;
    assert!(row.detail.unwrap().contains("version=1"));

    let second = store
        .self_management_save(
            &w.clinician_a,
            k,
            &plan("3 sets of 8, every other day."),
            date(2026, 3, 9),
        )
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    assert_eq!(
        second.versions,
        [
            SelfManagementVersion {
                version: 1,
                written_on: DISCHARGED
            },
            SelfManagementVersion {
                version: 2,
                written_on: date(2026, 3, 9)
            },
        ]
    );

    // The latest by default, any version on request; both sides read it.
    let latest = store
        .self_management_get(&w.clinician_a, k, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest, second);
    assert_last_audit(store, &w.clinician_a, "self_management.read", "ok", Some(k)).await;
    let old = store
        .self_management_get(&w.kari_actor, k, Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.plan, first.plan);
    assert_eq!(old.versions, second.versions);
    assert_last_audit(store, &w.kari_actor, "self_management.read", "ok", Some(k)).await;
    assert_eq!(
        store
            .self_management_get(&w.kari_actor, k, Some(3))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .self_management_get(&w.kari_actor, k, None)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
}

pub async fn another_clinic_and_another_patient_find_nothing(store: &Store) {
    let w = world(store).await;
    let k = w.kari.id;
    store.episode_open(&w.clinician_a, k, OPENED).await.unwrap();
    store
        .episode_discharge(&w.clinician_a, k, DISCHARGED)
        .await
        .unwrap();
    store
        .self_management_save(&w.clinician_a, k, &plan("daily"), DISCHARGED)
        .await
        .unwrap();

    assert_not_found(store.self_management_get(&w.clinician_b, k, None).await);
    assert_last_audit(
        store,
        &w.clinician_b,
        "self_management.read",
        "not_found",
        Some(k),
    )
    .await;
    assert_not_found(
        store
            .self_management_save(&w.clinician_b, k, &plan("daily"), DISCHARGED)
            .await,
    );
    // A patient reads their own plan only; another's is not found, even when it has none.
    let (_, ola_actor) = patient_account(store, &w.ola, "ola@example.org").await;
    assert_not_found(store.self_management_get(&ola_actor, k, None).await);
    assert_not_found(
        store
            .self_management_get(&w.kari_actor, w.ola.id, None)
            .await,
    );
    assert_not_found(
        store
            .self_management_get(&w.kari_actor, w.bjorn.id, None)
            .await,
    );
    assert_eq!(
        store
            .self_management_get(&ola_actor, w.ola.id, None)
            .await
            .unwrap(),
        None
    );
    // The patient reads it but does not write it; the clinic's other staff do neither.
    assert_forbidden(
        store
            .self_management_save(&w.kari_actor, k, &plan("daily"), DISCHARGED)
            .await,
    );
    for staff in [&w.admin_a, &w.researcher_a] {
        assert_forbidden(store.self_management_get(staff, k, None).await);
        assert_forbidden(
            store
                .self_management_save(staff, k, &plan("daily"), DISCHARGED)
                .await,
        );
    }
    // A patient of the clinic without a plan, or without an episode.
    assert_eq!(
        store
            .self_management_get(&w.clinician_a, w.ola.id, None)
            .await
            .unwrap(),
        None
    );
    assert_conflict(
        store
            .self_management_save(&w.clinician_a, w.ola.id, &plan("daily"), DISCHARGED)
            .await,
    );
    assert_not_found(
        store
            .self_management_get(&w.clinician_a, w.bjorn.id, None)
            .await,
    );
    // Only clinic A's one version was stored.
    let latest = store
        .self_management_get(&w.clinician_a, k, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.versions.len(), 1);
}

pub async fn a_plan_with_no_exercise_is_refused_and_nothing_is_stored(store: &Store) {
    let w = world(store).await;
    let k = w.kari.id;
    store.episode_open(&w.clinician_a, k, OPENED).await.unwrap();
    store
        .episode_discharge(&w.clinician_a, k, DISCHARGED)
        .await
        .unwrap();
    let empty = SelfManagementPlan {
        exercises: vec![],
        ..plan("daily")
    };
    let err = store
        .self_management_save(&w.clinician_a, k, &empty, DISCHARGED)
        .await
        .unwrap_err();
    assert_invalid(err, "exercises", "required");
    let many = SelfManagementPlan {
        exercises: vec![plan("daily").exercises[0].clone(); 31],
        ..plan("daily")
    };
    let err = store
        .self_management_save(&w.clinician_a, k, &many, DISCHARGED)
        .await
        .unwrap_err();
    assert_invalid(err, "exercises", "max_items");
    assert_eq!(
        store
            .self_management_get(&w.clinician_a, k, None)
            .await
            .unwrap(),
        None
    );
}

pub async fn the_plan_stays_with_the_patient_into_a_new_episode(store: &Store) {
    let w = world(store).await;
    let k = w.kari.id;
    let first = store.episode_open(&w.clinician_a, k, OPENED).await.unwrap();
    store
        .episode_discharge(&w.clinician_a, k, DISCHARGED)
        .await
        .unwrap();
    store
        .self_management_save(&w.clinician_a, k, &plan("daily"), DISCHARGED)
        .await
        .unwrap();
    // Referred again: the plan they keep is still theirs to read, and the new
    // episode gets its own once it is discharged.
    let second = store
        .episode_open(&w.clinician_a, k, date(2026, 9, 1))
        .await
        .unwrap();
    let kept = store
        .self_management_get(&w.kari_actor, k, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((kept.episode_id, kept.version), (first.id, 1));
    assert_conflict(
        store
            .self_management_save(&w.clinician_a, k, &plan("twice a week"), date(2026, 9, 2))
            .await,
    );
    store
        .episode_discharge(&w.clinician_a, k, date(2026, 11, 2))
        .await
        .unwrap();
    let new = store
        .self_management_save(&w.clinician_a, k, &plan("twice a week"), date(2026, 11, 2))
        .await
        .unwrap();
    assert_eq!((new.episode_id, new.version), (second.id, 1));
    let latest = store
        .self_management_get(&w.kari_actor, k, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest, new);
}
