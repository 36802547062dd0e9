use jiff::Timestamp;
use rapport_domain::exercise::Dose;
use rapport_domain::monitoring::{LogInput, Thresholds};
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_domain::theory::episode::{Completion, FollowUpKind};
use rapport_store::{FollowUpInput, LogSource, Store};
use serde_json::json;

use crate::fixtures::*;

fn plan(ids: &[&str]) -> Plan {
    Plan {
        items: ids
            .iter()
            .map(|id| PlanItem {
                exercise_id: (*id).into(),
                dose: Dose {
                    sets: 2,
                    reps: Some(10),
                    hold_seconds: None,
                    duration_minutes: None,
                    rest_seconds: 30,
                    per_week: 3,
                    weeks: 6,
                    load: None,
                    intensity: None,
                },
                progression_rule: "harder when easy".into(),
                regression_rule: "easier when sore".into(),
                delivery: Delivery::Home,
                goal: None,
                why: "for walking".into(),
            })
            .collect(),
        co_designed: true,
        whole_person: None,
    }
}

/// Kari (clinic A) with an open, screened episode and a plan of `ids`.
async fn planned(store: &Store, w: &World, ids: &[&str]) {
    let e = store
        .episode_open(&w.clinician_a, w.kari.id, today())
        .await
        .unwrap();
    let screen = rapport_store::FormInput {
        time_point: rapport_domain::assessment::TimePoint::Baseline,
        form: "red_flags".into(),
        version: "1".into(),
        answers: json!([false]),
        result: None,
        total: None,
        band: None,
        complete: true,
        red_flag_positive: Some(false),
    };
    store.form_save(&w.kari_actor, e.id, &screen).await.unwrap();
    store
        .prescription_save(&w.clinician_a, w.kari.id, &plan(ids), &[], "", today())
        .await
        .unwrap();
}

fn done(exercise: &str, before: u8, after: u8) -> LogInput {
    LogInput {
        exercise_id: exercise.into(),
        completion: "done".into(),
        pain_before: before.to_string(),
        pain_after: after.to_string(),
        difficulty: "3".into(),
        enjoyment: "4".into(),
        sets: "2".into(),
        reps: "10".into(),
        date: today().to_string(),
        ..LogInput::default()
    }
}

pub async fn logs_follow_the_plan_and_stay_with_the_patient(store: &Store) {
    let w = world(store).await;
    let now = Timestamp::now();
    // No episode, then no plan: nothing to log against.
    assert_conflict(
        store
            .log_add(
                &w.kari_actor,
                w.kari.id,
                &done("a1", 2, 3),
                LogSource::Web,
                now,
            )
            .await,
    );
    planned(store, &w, &["a1", "b2"]).await;
    let log = store
        .log_add(
            &w.kari_actor,
            w.kari.id,
            &done("a1", 2, 3),
            LogSource::Web,
            now,
        )
        .await
        .unwrap();
    assert_eq!(log.log.completion, Completion::Completed);
    assert_eq!(
        (log.log.pain_before, log.log.pain_after),
        (Some(2), Some(3))
    );
    assert_eq!(log.log.date, today());
    assert_last_audit(store, &w.kari_actor, "log.add", "ok", Some(w.kari.id)).await;

    // The clinician logs for the patient (e.g. at a supervised session).
    let skipped = LogInput {
        exercise_id: "b2".into(),
        completion: "skipped".into(),
        skip_reason: "no_time".into(),
        date: today().to_string(),
        ..LogInput::default()
    };
    store
        .log_add(
            &w.clinician_a,
            w.kari.id,
            &skipped,
            LogSource::Clinician,
            now,
        )
        .await
        .unwrap();

    // Refused: an exercise outside the plan, a missing reason, a number out of range.
    let err = store
        .log_add(
            &w.kari_actor,
            w.kari.id,
            &done("zz", 2, 3),
            LogSource::Web,
            now,
        )
        .await
        .unwrap_err();
    assert_invalid(err, "exercise_id", "known");
    let err = store
        .log_add(
            &w.kari_actor,
            w.kari.id,
            &LogInput {
                skip_reason: String::new(),
                ..skipped.clone()
            },
            LogSource::Web,
            now,
        )
        .await
        .unwrap_err();
    assert_invalid(err, "skip_reason", "required");
    let err = store
        .log_add(
            &w.kari_actor,
            w.kari.id,
            &done("a1", 2, 11),
            LogSource::Api,
            now,
        )
        .await
        .unwrap_err();
    assert_invalid(err, "pain_after", "range");

    // Nobody else logs for Kari; another clinic does not see her.
    assert_not_found(
        store
            .log_add(
                &w.clinician_b,
                w.kari.id,
                &done("a1", 2, 3),
                LogSource::Web,
                now,
            )
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_b,
        "log.add",
        "not_found",
        Some(w.kari.id),
    )
    .await;
    assert_forbidden(
        store
            .log_add(
                &w.researcher_a,
                w.kari.id,
                &done("a1", 2, 3),
                LogSource::Web,
                now,
            )
            .await,
    );
    assert_not_found(store.monitoring(&w.clinician_b, w.kari.id).await);

    let m = store
        .monitoring(&w.clinician_a, w.kari.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.logs.len(), 2, "refused logs are not stored");
    assert_eq!(m.logs[0].id, log.id);
    assert_eq!(m.logs[1].log.completion, Completion::Skipped);
    assert_eq!(m.logs[1].source, "clinician");
    assert_eq!(m.plans.len(), 1);
    assert_eq!(m.plans[0].starts_on, today());
    assert_eq!(m.time_zone, "UTC");
    assert_eq!(m.thresholds, Thresholds::default());
    assert_last_audit(
        store,
        &w.clinician_a,
        "monitoring.read",
        "ok",
        Some(w.kari.id),
    )
    .await;
    // The patient reads their own, not Ola's.
    assert!(
        store
            .monitoring(&w.kari_actor, w.kari.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_not_found(store.monitoring(&w.kari_actor, w.ola.id).await);
    assert!(
        store
            .monitoring(&w.clinician_a, w.ola.id)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn feedback_on_a_log_reaches_the_patient(store: &Store) {
    let w = world(store).await;
    planned(store, &w, &["a1"]).await;
    let log = store
        .log_add(
            &w.kari_actor,
            w.kari.id,
            &done("a1", 2, 5),
            LogSource::Web,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let c = store
        .log_comment_add(
            &w.clinician_a,
            w.kari.id,
            log.id,
            "  Try the easier version next time.  ",
        )
        .await
        .unwrap();
    assert_eq!(c.body, "Try the easier version next time.");
    assert!(!c.seen);
    assert_last_audit(store, &w.clinician_a, "log.comment", "ok", Some(w.kari.id)).await;
    // Only clinicians of the clinic comment, on a log of that patient.
    assert_forbidden(
        store
            .log_comment_add(&w.kari_actor, w.kari.id, log.id, "hi")
            .await,
    );
    assert_not_found(
        store
            .log_comment_add(&w.clinician_b, w.kari.id, log.id, "hi")
            .await,
    );
    assert_not_found(
        store
            .log_comment_add(&w.clinician_a, w.ola.id, log.id, "hi")
            .await,
    );
    let err = store
        .log_comment_add(&w.clinician_a, w.kari.id, log.id, "   ")
        .await
        .unwrap_err();
    assert_invalid(err, "body", "required");

    let m = store
        .monitoring(&w.kari_actor, w.kari.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.logs[0].comments.len(), 1);
    assert_eq!(m.logs[0].comments[0].body, c.body);
    assert!(!m.logs[0].comments[0].seen);
    assert_eq!(store.log_comments_seen(&w.kari_actor).await.unwrap(), 1);
    assert_last_audit(
        store,
        &w.kari_actor,
        "log.comment_seen",
        "ok",
        Some(w.kari.id),
    )
    .await;
    let m = store
        .monitoring(&w.kari_actor, w.kari.id)
        .await
        .unwrap()
        .unwrap();
    assert!(m.logs[0].comments[0].seen);
    assert_forbidden(store.log_comments_seen(&w.clinician_a).await);
}

pub async fn follow_ups_are_recorded_with_the_next_date(store: &Store) {
    let w = world(store).await;
    let input = FollowUpInput {
        date: Some(today()),
        kind: Some(FollowUpKind::Supervised),
        feedback_given: Some(true),
        feels_supported: Some(true),
        notes: "Watched the bridge".into(),
        corrections: "Keep the hips level".into(),
        plan_version: Some(1),
        next_contact_on: Some(today().checked_add(jiff::Span::new().days(7)).unwrap()),
        next_reason: Some("every 7 days".into()),
        contact: rapport_store::ContactPractice {
            practices: [rapport_domain::theory::episode::Practice::RapportBuilt].into(),
            checklist_complete: true,
            corrected: Some(true),
            progressed: Some(true),
            benefit: Some(2),
        },
    };
    assert_conflict(
        store
            .follow_up_add(&w.clinician_a, w.kari.id, &input, today())
            .await,
    );
    planned(store, &w, &["a1"]).await;
    let f = store
        .follow_up_add(&w.clinician_a, w.kari.id, &input, today())
        .await
        .unwrap();
    assert_eq!(f.follow_up.kind, FollowUpKind::Supervised);
    assert_eq!(f.corrections, "Keep the hips level");
    assert_eq!(f.plan_version, Some(1));
    assert_last_audit(
        store,
        &w.clinician_a,
        "follow_up.add",
        "ok",
        Some(w.kari.id),
    )
    .await;

    let tomorrow = today().checked_add(jiff::Span::new().days(1)).unwrap();
    let err = store
        .follow_up_add(
            &w.clinician_a,
            w.kari.id,
            &FollowUpInput {
                date: Some(tomorrow),
                ..input.clone()
            },
            today(),
        )
        .await
        .unwrap_err();
    assert_invalid(err, "date", "not_future");
    let err = store
        .follow_up_add(
            &w.clinician_a,
            w.kari.id,
            &FollowUpInput {
                kind: Some(FollowUpKind::Phone),
                ..input.clone()
            },
            today(),
        )
        .await
        .unwrap_err();
    assert_invalid(err, "corrections", "only_when_supervised");
    let err = store
        .follow_up_add(
            &w.clinician_a,
            w.kari.id,
            &FollowUpInput {
                plan_version: Some(9),
                ..input.clone()
            },
            today(),
        )
        .await
        .unwrap_err();
    assert_invalid(err, "plan_version", "known");
    let err = store
        .follow_up_add(
            &w.clinician_a,
            w.kari.id,
            &FollowUpInput {
                kind: None,
                ..input.clone()
            },
            today(),
        )
        .await
        .unwrap_err();
    assert_invalid(err, "kind", "required");
    assert_forbidden(
        store
            .follow_up_add(&w.kari_actor, w.kari.id, &input, today())
            .await,
    );
    assert_not_found(
        store
            .follow_up_add(&w.clinician_b, w.kari.id, &input, today())
            .await,
    );

    let m = store
        .monitoring(&w.clinician_a, w.kari.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.follow_ups, vec![f]);
    assert_eq!(m.domain_follow_ups()[0].date, today());
}

pub async fn messages_stay_in_the_patients_thread(store: &Store) {
    let w = world(store).await;
    let m = store
        .message_send(
            &w.kari_actor,
            w.kari.id,
            "My back is sore after the bridge.",
        )
        .await
        .unwrap();
    assert!(m.from_patient);
    assert_eq!(
        store.messages_unread(&w.clinician_a).await.unwrap(),
        vec![(w.kari.id, 1)]
    );
    assert!(
        store
            .messages_unread(&w.clinician_b)
            .await
            .unwrap()
            .is_empty()
    );
    assert_not_found(store.message_send(&w.kari_actor, w.ola.id, "hello").await);
    assert_not_found(store.messages(&w.clinician_b, w.kari.id).await);
    assert_forbidden(store.messages(&w.admin_a, w.kari.id).await);
    let err = store
        .message_send(&w.kari_actor, w.kari.id, &"x".repeat(2001))
        .await
        .unwrap_err();
    assert_invalid(err, "body", "max_length");

    // The clinician reads (which marks it read) and answers.
    let thread = store.messages(&w.clinician_a, w.kari.id).await.unwrap();
    assert_eq!(thread.len(), 1);
    assert_last_audit(store, &w.clinician_a, "message.read", "ok", Some(w.kari.id)).await;
    assert!(
        store
            .messages_unread(&w.clinician_a)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .message_send(
            &w.clinician_a,
            w.kari.id,
            "Use the easier version for a week.",
        )
        .await
        .unwrap();
    let thread = store.messages(&w.kari_actor, w.kari.id).await.unwrap();
    assert_eq!(thread.len(), 2);
    assert!(!thread[1].from_patient);
    assert_eq!(thread[1].body, "Use the easier version for a week.");
    assert!(thread[0].read);
}

pub async fn thresholds_are_per_clinic_and_checked(store: &Store) {
    let w = world(store).await;
    assert_eq!(
        store.thresholds(&w.clinician_a).await.unwrap(),
        Thresholds::default()
    );
    let changed = Thresholds {
        pain_rise_points: 3,
        ..Thresholds::default()
    };
    assert_forbidden(store.thresholds_set(&w.clinician_a, &changed).await);
    store.thresholds_set(&w.admin_a, &changed).await.unwrap();
    assert_last_audit(store, &w.admin_a, "thresholds.set", "ok", None).await;
    assert_eq!(store.thresholds(&w.clinician_a).await.unwrap(), changed);
    assert_eq!(
        store.thresholds(&w.clinician_b).await.unwrap(),
        Thresholds::default()
    );
    let bad = Thresholds {
        pain_rise_points: 0,
        ..Thresholds::default()
    };
    let err = store.thresholds_set(&w.admin_a, &bad).await.unwrap_err();
    assert_invalid(err, "pain_rise_points", "range");
    assert_eq!(
        store.thresholds(&w.clinician_a).await.unwrap(),
        changed,
        "nothing half-written"
    );
}
