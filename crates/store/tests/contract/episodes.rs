use jiff::civil::date;
use rapport_domain::assessment::{RedFlagState, TimePoint};
use rapport_store::{FormInput, Store};
use serde_json::json;

use crate::fixtures::*;

fn form(tp: TimePoint, form: &str, complete: bool) -> FormInput {
    FormInput {
        time_point: tp,
        form: form.into(),
        version: "v1".into(),
        answers: json!([1, 2, null]),
        result: Some(json!({"total": 3})),
        total: Some(3.0),
        band: Some("low".into()),
        complete,
        red_flag_positive: None,
    }
}

fn red_flags(positive: bool) -> FormInput {
    FormInput {
        red_flag_positive: Some(positive),
        answers: json!([positive, false]),
        result: None,
        total: None,
        band: None,
        ..form(TimePoint::Baseline, "red_flags", true)
    }
}

pub async fn open_one_episode_at_a_time_in_own_clinic(store: &Store) {
    let w = world(store).await;
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, date(2026, 3, 2))
        .await
        .unwrap();
    assert_eq!(
        (e.patient_id, e.clinic_id, e.opened_on),
        (w.kari.id, w.a.id, date(2026, 3, 2))
    );
    assert_eq!(e.red_flag, RedFlagState::Unscreened);
    assert_eq!(e.discharged_on, None);
    assert_last_audit(store, &w.clinician_a, "episode.open", "ok", Some(w.kari.id)).await;
    assert_conflict(
        store
            .episode_open(&w.clinician_a, w.kari.id, date(2026, 3, 3))
            .await,
    );
    assert_not_found(
        store
            .episode_open(&w.clinician_b, w.kari.id, date(2026, 3, 3))
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_b,
        "episode.open",
        "not_found",
        Some(w.kari.id),
    )
    .await;
    assert_forbidden(
        store
            .episode_open(&w.kari_actor, w.kari.id, date(2026, 3, 3))
            .await,
    );
    assert_forbidden(
        store
            .episode_open(&w.admin_a, w.ola.id, date(2026, 3, 3))
            .await,
    );

    // Discharge, then a new episode may open; the current one is the open one.
    assert_conflict(
        store
            .episode_discharge(&w.clinician_a, w.kari.id, date(2026, 3, 1))
            .await,
    );
    let d = store
        .episode_discharge(&w.clinician_a, w.kari.id, date(2026, 5, 1))
        .await
        .unwrap();
    assert_eq!(d.discharged_on, Some(date(2026, 5, 1)));
    assert_conflict(
        store
            .episode_discharge(&w.clinician_a, w.kari.id, date(2026, 5, 2))
            .await,
    );
    assert_not_found(
        store
            .episode_discharge(&w.clinician_b, w.kari.id, date(2026, 5, 2))
            .await,
    );
    assert_eq!(
        store
            .episode_current(&w.clinician_a, w.kari.id)
            .await
            .unwrap()
            .unwrap()
            .id,
        d.id
    );
    let again = store
        .episode_open(&w.clinician_a, w.kari.id, date(2026, 9, 1))
        .await
        .unwrap();
    assert_eq!(
        store
            .episode_current(&w.clinician_a, w.kari.id)
            .await
            .unwrap()
            .unwrap()
            .id,
        again.id
    );
}

pub async fn current_episode_is_scoped_like_the_record(store: &Store) {
    let w = world(store).await;
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    assert_eq!(
        store
            .episode_current(&w.kari_actor, w.kari.id)
            .await
            .unwrap()
            .unwrap()
            .id,
        e.id
    );
    assert_eq!(
        store
            .episode_current(&w.clinician_a, w.ola.id)
            .await
            .unwrap(),
        None
    );
    assert_not_found(store.episode_current(&w.kari_actor, w.ola.id).await);
    assert_eq!(
        store
            .episode_current(&w.clinician_b, w.kari.id)
            .await
            .unwrap(),
        None,
        "nothing of clinic A"
    );
    assert_forbidden(store.episode_current(&w.researcher_a, w.kari.id).await);
}

pub async fn patients_and_clinicians_save_forms_and_completion_is_final(store: &Store) {
    let w = world(store).await;
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    // The patient saves their own form.
    let mine = store
        .form_save(
            &w.kari_actor,
            e.id,
            &form(TimePoint::Baseline, "nprs", true),
        )
        .await
        .unwrap();
    assert!(!mine.on_behalf && mine.complete);
    assert_eq!(mine.entered_by, w.kari_actor.user_id.unwrap());
    assert_eq!(mine.answers, json!([1, 2, null]));
    assert_eq!(mine.band.as_deref(), Some("low"));
    assert_recent(mine.completed_at.unwrap());
    assert_last_audit(store, &w.kari_actor, "form.save", "ok", Some(w.kari.id)).await;
    assert_conflict(
        store
            .form_save(
                &w.kari_actor,
                e.id,
                &form(TimePoint::Baseline, "nprs", true),
            )
            .await,
    );
    // A clinician's entry is recorded as made on the patient's behalf.
    let theirs = store
        .form_save(
            &w.clinician_a,
            e.id,
            &form(TimePoint::Baseline, "pseq", true),
        )
        .await
        .unwrap();
    assert!(theirs.on_behalf);
    // An incomplete form can be saved again, then completed.
    store
        .form_save(
            &w.kari_actor,
            e.id,
            &form(TimePoint::Baseline, "intake", false),
        )
        .await
        .unwrap();
    let done = store
        .form_save(
            &w.kari_actor,
            e.id,
            &form(TimePoint::Baseline, "intake", true),
        )
        .await
        .unwrap();
    assert!(done.complete);
    // Nobody else may write into the episode.
    let ola_episode = store
        .episode_open(&w.clinician_a, w.ola.id, today())
        .await
        .unwrap();
    assert_not_found(
        store
            .form_save(
                &w.kari_actor,
                ola_episode.id,
                &form(TimePoint::Baseline, "nprs", true),
            )
            .await,
    );
    assert_not_found(
        store
            .form_save(
                &w.clinician_b,
                e.id,
                &form(TimePoint::Baseline, "tsk11", true),
            )
            .await,
    );
    assert_forbidden(
        store
            .form_save(
                &w.researcher_a,
                e.id,
                &form(TimePoint::Baseline, "tsk11", true),
            )
            .await,
    );

    let forms = store.forms_of_episode(&w.clinician_a, e.id).await.unwrap();
    assert_eq!(
        forms.iter().map(|f| f.form.as_str()).collect::<Vec<_>>(),
        ["nprs", "pseq", "intake"]
    );
    assert_last_audit(store, &w.clinician_a, "form.read", "ok", Some(w.kari.id)).await;
    assert_eq!(
        store
            .forms_of_episode(&w.kari_actor, e.id)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        store
            .forms_of_episode(&w.clinician_b, e.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .forms_of_episode(&w.kari_actor, ola_episode.id)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_positive_screen_alerts_until_cleared_with_a_reason(store: &Store) {
    let w = world(store).await;
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    store
        .form_save(&w.kari_actor, e.id, &red_flags(true))
        .await
        .unwrap();
    let now = store
        .episode_current(&w.clinician_a, w.kari.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.red_flag, RedFlagState::Positive);
    assert_recent(now.red_flag_at.unwrap());
    assert!(now.red_flag.exercise_gate().is_err());
    let alerts = store.red_flag_alerts(&w.clinician_a).await.unwrap();
    assert_eq!(
        alerts.iter().map(|a| a.patient_id).collect::<Vec<_>>(),
        [w.kari.id]
    );
    assert!(
        store
            .red_flag_alerts(&w.clinician_b)
            .await
            .unwrap()
            .is_empty()
    );
    assert_forbidden(store.red_flag_alerts(&w.kari_actor).await);

    assert_invalid(
        store
            .red_flag_clear(&w.clinician_a, w.kari.id, "ok")
            .await
            .unwrap_err(),
        "reason",
        "length",
    );
    assert_not_found(
        store
            .red_flag_clear(&w.clinician_b, w.kari.id, "reviewed by the GP, no concern")
            .await,
    );
    assert_forbidden(
        store
            .red_flag_clear(&w.kari_actor, w.kari.id, "reviewed by the GP, no concern")
            .await,
    );
    let cleared = store
        .red_flag_clear(
            &w.clinician_a,
            w.kari.id,
            "Seen by GP 12 March: no serious pathology",
        )
        .await
        .unwrap();
    assert_eq!(cleared.red_flag, RedFlagState::Cleared);
    assert!(cleared.red_flag.exercise_gate().is_ok());
    let row = assert_last_audit(
        store,
        &w.clinician_a,
        "red_flag.clear",
        "ok",
        Some(w.kari.id),
    )
    .await;
    assert!(row.detail.unwrap().contains("Seen by GP"));
    assert!(
        store
            .red_flag_alerts(&w.clinician_a)
            .await
            .unwrap()
            .is_empty()
    );
    assert_conflict(
        store
            .red_flag_clear(
                &w.clinician_a,
                w.kari.id,
                "cleared a second time, by mistake",
            )
            .await,
    );

    // A negative screen is clear at once.
    let o = store
        .episode_open(&w.clinician_a, w.ola.id, today())
        .await
        .unwrap();
    store
        .form_save(&w.clinician_a, o.id, &red_flags(false))
        .await
        .unwrap();
    assert_eq!(
        store
            .episode_current(&w.clinician_a, w.ola.id)
            .await
            .unwrap()
            .unwrap()
            .red_flag,
        RedFlagState::Clear
    );
}

pub async fn the_schedule_lists_open_and_recent_episodes_with_their_forms(store: &Store) {
    let w = world(store).await;
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, date(2026, 1, 5))
        .await
        .unwrap();
    store
        .form_save(
            &w.kari_actor,
            e.id,
            &form(TimePoint::Baseline, "nprs", true),
        )
        .await
        .unwrap();
    store
        .form_save(
            &w.kari_actor,
            e.id,
            &form(TimePoint::Baseline, "intake", false),
        )
        .await
        .unwrap();
    let old = store
        .episode_open(&w.clinician_a, w.ola.id, date(2024, 1, 5))
        .await
        .unwrap();
    store
        .episode_discharge(&w.clinician_a, w.ola.id, date(2024, 3, 1))
        .await
        .unwrap();
    store
        .episode_open(&w.clinician_b, w.bjorn.id, date(2026, 1, 5))
        .await
        .unwrap();
    let list = store
        .episodes_with_forms(&w.clinician_a, 240, date(2026, 2, 1))
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "the old discharge and clinic B are left out");
    assert_eq!(list[0].episode.id, e.id);
    assert_eq!(list[0].given_name, "Kari");
    assert_eq!(
        list[0].done,
        vec![(TimePoint::Baseline, "nprs".to_string())],
        "only completed forms"
    );
    let all = store
        .episodes_with_forms(&w.clinician_a, 10_000, date(2026, 2, 1))
        .await
        .unwrap();
    assert!(all.iter().any(|x| x.episode.id == old.id));
    assert_forbidden(
        store
            .episodes_with_forms(&w.kari_actor, 240, date(2026, 2, 1))
            .await,
    );
}

pub async fn belief_reviews_are_kept_and_the_latest_counts(store: &Store) {
    let w = world(store).await;
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    assert_eq!(
        store
            .belief_review_latest(&w.clinician_a, e.id)
            .await
            .unwrap(),
        None
    );
    let first = store
        .belief_review_save(
            &w.clinician_a,
            e.id,
            &["hurt_means_harm".into()],
            &[],
            "worried about discs",
            date(2026, 3, 2),
        )
        .await
        .unwrap();
    assert_eq!(first.confirmed, ["hurt_means_harm"]);
    let row = assert_last_audit(
        store,
        &w.clinician_a,
        "beliefs.review",
        "ok",
        Some(w.kari.id),
    )
    .await;
    assert!(row.detail.unwrap().contains("hurt_means_harm"));
    store
        .belief_review_save(
            &w.clinician_a,
            e.id,
            &["rest_is_best".into(), "bending_is_dangerous".into()],
            &["rest_is_best".into()],
            "",
            date(2026, 3, 9),
        )
        .await
        .unwrap();
    let latest = store
        .belief_review_latest(&w.clinician_a, e.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.confirmed, ["rest_is_best", "bending_is_dangerous"]);
    assert_eq!(latest.reconciled, ["rest_is_best"]);
    assert_eq!(latest.reviewed_on, date(2026, 3, 9));
    assert_invalid(
        store
            .belief_review_save(
                &w.clinician_a,
                e.id,
                &[],
                &["rest_is_best".into()],
                "",
                today(),
            )
            .await
            .unwrap_err(),
        "reconciled",
        "confirmed",
    );
    assert_invalid(
        store
            .belief_review_save(&w.clinician_a, e.id, &["ghosts".into()], &[], "", today())
            .await
            .unwrap_err(),
        "confirmed",
        "one_of",
    );
    assert_not_found(
        store
            .belief_review_save(&w.clinician_b, e.id, &[], &[], "", today())
            .await,
    );
    assert_eq!(
        store
            .belief_review_latest(&w.clinician_b, e.id)
            .await
            .unwrap(),
        None
    );
    assert_forbidden(store.belief_review_latest(&w.kari_actor, e.id).await);
}

pub async fn wording_is_kept_per_clinic(store: &Store) {
    let w = world(store).await;
    assert_eq!(
        store
            .wording_get(w.a.id, "pseq", "10-item", "en")
            .await
            .unwrap(),
        None
    );
    store
        .wording_put(w.a.id, "pseq", "10-item", "en", "licence 2026", "text v1")
        .await
        .unwrap();
    store
        .wording_put(w.a.id, "pseq", "10-item", "en", "licence 2026", "text v2")
        .await
        .unwrap();
    assert_eq!(
        store
            .wording_get(w.a.id, "pseq", "10-item", "en")
            .await
            .unwrap(),
        Some(("licence 2026".to_string(), "text v2".to_string()))
    );
    assert_eq!(
        store
            .wording_get(w.b.id, "pseq", "10-item", "en")
            .await
            .unwrap(),
        None
    );
}
