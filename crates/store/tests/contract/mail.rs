//! Reminder preferences, clinic time zones, the mail outbox and the queries
//! that decide who is due a reminder or a follow-up notice.

use jiff::Timestamp;
use jiff::civil::{Time, date};
use rapport_domain::exercise::Dose;
use rapport_domain::identity::{PatientId, UserId};
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_store::{
    DueContact, FormInput, MailKind, NewMail, OUTBOX_CLAIM, OUTBOX_MAX_ATTEMPTS, PreferencesInput,
    Store,
};
use serde_json::json;

use crate::fixtures::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn prefs(zone: &str, time: &str, on: bool) -> PreferencesInput {
    PreferencesInput {
        time_zone: zone.into(),
        reminder_time: time.into(),
        reminders_on: on,
    }
}

fn mail(key: &str, patient: Option<PatientId>, w: &World) -> NewMail {
    NewMail {
        clinic_id: w.a.id,
        kind: MailKind::Reminder,
        dedupe_key: key.into(),
        user_id: None,
        patient_id: patient,
        to_address: "kari@example.org".into(),
        subject: "Your exercises today".into(),
        body: "You have exercises planned today.".into(),
    }
}

fn plan() -> Plan {
    Plan {
        items: vec![PlanItem {
            exercise_id: "ge-bend-to-knees".into(),
            dose: Dose {
                sets: 2,
                reps: Some(10),
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
            goal: None,
            why: "to bend with ease".into(),
        }],
        co_designed: false,
        whole_person: None,
    }
}

/// Opens an episode for the patient, clears its red-flag screen and prescribes.
async fn prescribed(store: &Store, w: &World, patient: PatientId) {
    let e = store
        .episode_open(&w.clinician_a, patient, today())
        .await
        .unwrap();
    let input = FormInput {
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
    store.form_save(&w.clinician_a, e.id, &input).await.unwrap();
    store
        .prescription_save(&w.clinician_a, patient, &plan(), &[], "first plan", today())
        .await
        .unwrap();
}

pub async fn preferences_default_validate_scope_and_audit(store: &Store) {
    let w = world(store).await;
    // No row: the clinic's zone, 18:00, on.
    let p = store.preferences(&w.kari_actor, w.kari.id).await.unwrap();
    assert_eq!(p.time_zone, None);
    assert_eq!(p.effective_time_zone, "UTC");
    assert_eq!(p.reminder_time, Time::constant(18, 0, 0, 0));
    assert!(p.reminders_on);
    assert_last_audit(
        store,
        &w.kari_actor,
        "preferences.read",
        "ok",
        Some(w.kari.id),
    )
    .await;

    let set = store
        .preferences_set(
            &w.kari_actor,
            w.kari.id,
            &prefs(" Europe/Oslo ", "07:30", false),
        )
        .await
        .unwrap();
    assert_eq!(set.time_zone.as_deref(), Some("Europe/Oslo"));
    assert_eq!(set.effective_time_zone, "Europe/Oslo");
    assert_eq!(set.reminder_time, Time::constant(7, 30, 0, 0));
    assert!(!set.reminders_on);
    assert_last_audit(
        store,
        &w.kari_actor,
        "preferences.update",
        "ok",
        Some(w.kari.id),
    )
    .await;
    assert_eq!(
        store.preferences(&w.clinician_a, w.kari.id).await.unwrap(),
        set
    );

    // Bad input names the field and the rule; what was stored stays.
    assert_invalid(
        store
            .preferences_set(
                &w.kari_actor,
                w.kari.id,
                &prefs("Mars/Olympus", "08:00", true),
            )
            .await
            .unwrap_err(),
        "time_zone",
        "iana",
    );
    for bad in ["25:00", "8", "eight", ""] {
        assert_invalid(
            store
                .preferences_set(&w.kari_actor, w.kari.id, &prefs("", bad, true))
                .await
                .unwrap_err(),
            "reminder_time",
            "format",
        );
    }
    assert_eq!(
        store.preferences(&w.kari_actor, w.kari.id).await.unwrap(),
        set
    );

    // A clinician of the clinic may set them; back to the clinic's zone.
    let by_clinician = store
        .preferences_set(&w.clinician_a, w.kari.id, &prefs("", "19:15", true))
        .await
        .unwrap();
    assert_eq!(by_clinician.time_zone, None);
    assert_eq!(by_clinician.effective_time_zone, "UTC");

    // Another patient, another clinic, other roles.
    assert_not_found(store.preferences(&w.kari_actor, w.ola.id).await);
    assert_not_found(
        store
            .preferences_set(&w.kari_actor, w.ola.id, &prefs("", "08:00", true))
            .await,
    );
    assert_not_found(store.preferences(&w.clinician_b, w.kari.id).await);
    assert_not_found(
        store
            .preferences_set(&w.clinician_b, w.kari.id, &prefs("", "08:00", true))
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_b,
        "preferences.update",
        "not_found",
        Some(w.kari.id),
    )
    .await;
    assert_forbidden(store.preferences(&w.admin_a, w.kari.id).await);
    assert_forbidden(store.preferences(&w.researcher_a, w.kari.id).await);
}

pub async fn clinic_time_zone_is_set_by_its_admin(store: &Store) {
    let w = world(store).await;
    assert_eq!(w.a.time_zone, "UTC");
    let oslo = store.clinic_create_in("Oslo", "Europe/Oslo").await.unwrap();
    assert_eq!(
        store.clinic_get(oslo.id).await.unwrap().time_zone,
        "Europe/Oslo"
    );
    assert_invalid(
        store
            .clinic_create_in("Nowhere", "Nowhere/Land")
            .await
            .unwrap_err(),
        "time_zone",
        "iana",
    );
    let a = store
        .clinic_time_zone_set(&w.admin_a, "America/New_York")
        .await
        .unwrap();
    assert_eq!(a.time_zone, "America/New_York");
    assert_eq!(store.clinic_get(w.b.id).await.unwrap().time_zone, "UTC");
    let row = last_audit(store).await;
    assert_eq!(row.action, "clinic.time_zone");
    assert_invalid(
        store
            .clinic_time_zone_set(&w.admin_a, "EST5EDTX")
            .await
            .unwrap_err(),
        "time_zone",
        "iana",
    );
    assert_forbidden(store.clinic_time_zone_set(&w.clinician_a, "UTC").await);
    // A patient without a zone of their own follows the clinic.
    assert_eq!(
        store
            .preferences(&w.kari_actor, w.kari.id)
            .await
            .unwrap()
            .effective_time_zone,
        "America/New_York"
    );
}

pub async fn outbox_queues_each_key_once_and_back_off_ends_in_failed(store: &Store) {
    let w = world(store).await;
    let t0 = ts("2030-03-10T10:00:00Z");
    let m = mail("reminder:1:2030-03-10", Some(w.kari.id), &w);
    assert!(store.outbox_enqueue(&m, t0).await.unwrap());
    assert!(
        !store.outbox_enqueue(&m, t0).await.unwrap(),
        "same key: nothing new"
    );
    let other = mail("reminder:1:2030-03-11", Some(w.kari.id), &w);
    assert_eq!(
        store
            .outbox_enqueue_all(&[m.clone(), other.clone(), other.clone()], t0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.outbox_all().await.unwrap().len(), 2);

    // Concurrent schedulers queue a key once.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let store = store.clone();
        let m = mail("follow_up:9:2030-03-10:1", None, &w);
        tasks.spawn(async move { store.outbox_enqueue(&m, t0).await.unwrap() });
    }
    let mut won = 0;
    while let Some(r) = tasks.join_next().await {
        won += usize::from(r.unwrap());
    }
    assert_eq!(won, 1);

    // Claimed once; a second claim at the same time finds nothing.
    let claimed = store.outbox_claim_due(t0, 10).await.unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(claimed.iter().all(|c| c.status == "sending"));
    assert!(store.outbox_claim_due(t0, 10).await.unwrap().is_empty());
    // Sent: gone from the queue for good.
    assert!(store.outbox_sent(&claimed[0], t0).await.unwrap());
    assert!(
        !store.outbox_sent(&claimed[0], t0).await.unwrap(),
        "marked once"
    );

    // Failures back off 1, 2, 4 … minutes, then the mail is failed.
    let mut row = claimed[1].clone();
    let mut now = t0;
    for attempt in 1..=OUTBOX_MAX_ATTEMPTS {
        let status = store
            .outbox_failed(&row, "451 try later", now)
            .await
            .unwrap()
            .unwrap();
        let stored = store
            .outbox_all()
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.id == row.id)
            .unwrap();
        assert_eq!(stored.attempts, attempt);
        assert_eq!(stored.last_error.as_deref(), Some("451 try later"));
        if attempt == OUTBOX_MAX_ATTEMPTS {
            assert_eq!(status, "failed");
            break;
        }
        assert_eq!(status, "pending");
        let wait = rapport_store::outbox_backoff(attempt);
        assert_eq!(
            stored.next_attempt_at,
            now.checked_add(jiff::SignedDuration::try_from(wait).unwrap())
                .unwrap()
        );
        // Not due a second before the back-off ends.
        let just_before = stored.next_attempt_at - jiff::SignedDuration::from_secs(1);
        assert!(
            store
                .outbox_claim_due(just_before, 10)
                .await
                .unwrap()
                .iter()
                .all(|c| c.id != row.id)
        );
        now = stored.next_attempt_at;
        let again = store.outbox_claim_due(now, 10).await.unwrap();
        row = again.into_iter().find(|c| c.id == row.id).unwrap();
    }
    let far = ts("2031-01-01T00:00:00Z");
    assert!(
        store
            .outbox_claim_due(far, 10)
            .await
            .unwrap()
            .iter()
            .all(|c| c.id != row.id && c.id != claimed[0].id),
        "sent and failed mail is never claimed again"
    );

    // The admin sees their clinic's outbox only, and reading it is audited.
    let listed = store.outbox_list(&w.admin_a, 100).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(last_audit(store).await.action, "outbox.read");
    assert!(store.outbox_list(&w.admin_b, 100).await.unwrap().is_empty());
    assert_forbidden(store.outbox_list(&w.clinician_a, 100).await);
}

pub async fn lapsed_claims_are_reclaimed_and_the_old_claim_cannot_mark(store: &Store) {
    let w = world(store).await;
    let t0 = ts("2030-03-10T10:00:00Z");
    store
        .outbox_enqueue(&mail("reminder:x", Some(w.kari.id), &w), t0)
        .await
        .unwrap();
    let first = store.outbox_claim_due(t0, 10).await.unwrap().remove(0);
    let during = t0 + jiff::SignedDuration::from_secs(60);
    assert!(store.outbox_claim_due(during, 10).await.unwrap().is_empty());
    // The worker died: after the claim lapses another takes the mail.
    let lapsed = t0 + jiff::SignedDuration::try_from(OUTBOX_CLAIM).unwrap();
    let second = store.outbox_claim_due(lapsed, 10).await.unwrap().remove(0);
    assert_eq!(second.id, first.id);
    assert_ne!(second.claimed_until, first.claimed_until);
    // The first worker's late answer changes nothing.
    assert!(!store.outbox_sent(&first, lapsed).await.unwrap());
    assert_eq!(
        store.outbox_failed(&first, "late", lapsed).await.unwrap(),
        None
    );
    assert!(store.outbox_sent(&second, lapsed).await.unwrap());
    let row = store.outbox_all().await.unwrap().remove(0);
    assert_eq!(row.status, "sent");
    assert_eq!(row.sent_at, Some(lapsed));
    assert_eq!(row.attempts, 0);
}

pub async fn reminders_follow_the_patients_clock_choices_and_logs(store: &Store) {
    let w = world(store).await;
    store
        .clinic_time_zone_set(&w.admin_a, "Europe/Oslo")
        .await
        .unwrap();
    // Without a prescription there is nothing to remind of.
    assert!(
        store
            .reminders_due(ts("2030-03-10T17:05:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    prescribed(store, &w, w.kari.id).await;
    prescribed(store, &w, w.ola.id).await; // no account: never reminded

    // 17:30 in Oslo (UTC+1 in early March): before 18:00.
    assert!(
        store
            .reminders_due(ts("2030-03-10T16:30:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    let at = ts("2030-03-10T17:05:00Z");
    let due = store.reminders_due(at).await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].patient_id, w.kari.id);
    assert_eq!(due[0].local_date, date(2030, 3, 10));
    assert_eq!(due[0].to_address, "kari@example.org");
    assert_eq!(
        due[0].dedupe_key,
        format!("reminder:{}:2030-03-10", w.kari.id)
    );
    store
        .outbox_enqueue(
            &NewMail {
                dedupe_key: due[0].dedupe_key.clone(),
                ..mail("", Some(w.kari.id), &w)
            },
            at,
        )
        .await
        .unwrap();
    assert!(
        store
            .reminders_due(at + jiff::SignedDuration::from_mins(5))
            .await
            .unwrap()
            .is_empty(),
        "today's reminder is queued"
    );

    // Her own zone and time: 07:30 in New York (daylight time from 10 March 2030).
    store
        .preferences_set(
            &w.kari_actor,
            w.kari.id,
            &prefs("America/New_York", "07:30", true),
        )
        .await
        .unwrap();
    assert!(
        store
            .reminders_due(ts("2030-03-11T11:20:00Z"))
            .await
            .unwrap()
            .is_empty(),
        "07:20 in New York"
    );
    let due = store
        .reminders_due(ts("2030-03-11T11:40:00Z"))
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].local_date, date(2030, 3, 11));
    // Too late in the day: not sent hours after the chosen time.
    assert!(
        store
            .reminders_due(ts("2030-03-11T20:00:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    // A session logged today: no reminder.
    store
        .execute_maintenance_sql(
            "INSERT INTO session_logs (clinic_id, patient_id, episode_id, exercise_id, log_date, completion, source, created_at) \
             SELECT clinic_id, patient_id, id, 'ge-bend-to-knees', '2030-03-11', 'done', 'web', created_at FROM episodes",
        )
        .await
        .unwrap();
    assert!(
        store
            .reminders_due(ts("2030-03-11T11:40:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .reminders_due(ts("2030-03-12T11:40:00Z"))
            .await
            .unwrap()
            .len(),
        1,
        "the next day counts afresh"
    );
    // Reminders off: nothing, and a waiting reminder is cancelled.
    store
        .outbox_enqueue(
            &mail(
                &format!("reminder:{}:2030-03-12", w.kari.id),
                Some(w.kari.id),
                &w,
            ),
            at,
        )
        .await
        .unwrap();
    store
        .preferences_set(
            &w.kari_actor,
            w.kari.id,
            &prefs("America/New_York", "07:30", false),
        )
        .await
        .unwrap();
    assert!(
        store
            .reminders_due(ts("2030-03-13T11:40:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    let statuses: Vec<String> = store
        .outbox_all()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.status)
        .collect();
    assert_eq!(statuses, ["cancelled", "cancelled"]);
}

pub async fn follow_up_notices_go_to_the_clinician_once(store: &Store) {
    let w = world(store).await;
    prescribed(store, &w, w.kari.id).await;
    // A follow-up recorded by the clinician set the next contact for 2030-03-10.
    store
        .execute_maintenance_sql(
            "INSERT INTO follow_ups (clinic_id, patient_id, episode_id, contact_on, kind, next_contact_on, recorded_by, created_at) \
             SELECT e.clinic_id, e.patient_id, e.id, '2030-03-01', 'phone', '2030-03-10', \
             (SELECT MIN(u.id) FROM users u WHERE u.role = 'clinician' AND u.clinic_id = e.clinic_id), e.created_at FROM episodes e",
        )
        .await
        .unwrap();
    // The clinician of record is the one who recorded the latest follow-up.
    let episode = store
        .episode_current(&w.clinician_a, w.kari.id)
        .await
        .unwrap()
        .unwrap()
        .id;
    let recipients = store
        .follow_up_recipients(&[episode, episode + 1000])
        .await
        .unwrap();
    assert_eq!(recipients.len(), 1, "{recipients:?}");
    let (user, address) = recipients[&episode].clone();
    assert_eq!(user, w.clinician_a.user_id.unwrap());
    assert_eq!(address, "clinician@a.example.org");
    let due = vec![DueContact {
        clinic_id: w.a.id,
        patient_id: w.kari.id,
        episode_id: Some(episode),
        user_id: user,
        to_address: address,
        due: date(2030, 3, 10),
        reason: "routine contact due".into(),
    }];
    let text = |c: &DueContact, initials: &str| {
        (
            format!("Follow-up due: {initials}"),
            format!("A follow-up with patient {initials} is due on {}.", c.due),
        )
    };
    let now = ts("2030-03-10T08:00:00Z");
    assert_eq!(
        store
            .enqueue_follow_up_notices(&due, now, text)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .enqueue_follow_up_notices(&due, now, text)
            .await
            .unwrap(),
        0
    );
    // A contact naming a patient of another clinic is skipped.
    let stray = DueContact {
        patient_id: w.bjorn.id,
        user_id: UserId(due[0].user_id.0),
        ..due[0].clone()
    };
    assert_eq!(
        store
            .enqueue_follow_up_notices(&[stray], now, text)
            .await
            .unwrap(),
        0
    );
    let queued = store.outbox_all().await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].kind, MailKind::FollowUpDue);
    assert_eq!(queued[0].subject, "Follow-up due: K.N.");
    assert!(!queued[0].body.contains("Kari"));
    assert!(queued[0].dedupe_key.starts_with("follow_up:"));
    assert!(
        queued[0]
            .dedupe_key
            .ends_with(&format!(":2030-03-10:{}", due[0].user_id.0))
    );
}
