//! The caseload loader: one clinic's active episodes with their monitoring
//! data, and the nightly load of every clinic. Session logs, follow-ups,
//! preferences and thresholds are inserted as plain SQL here (their own
//! store functions live elsewhere).

use jiff::civil::date;
use rapport_domain::exercise::Dose;
use rapport_domain::monitoring::Thresholds;
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_domain::theory::episode::{Completion, FollowUpKind};
use rapport_store::{DbKind, FormInput, Store, StoredEpisode};
use serde_json::json;

use crate::fixtures::*;

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
                per_week: 3,
                weeks: 6,
                load: None,
                intensity: None,
            },
            progression_rule: "harder when easy".into(),
            regression_rule: "easier when sore".into(),
            delivery: Delivery::Home,
            goal: None,
            why: "for lifting".into(),
        }],
        co_designed: true,
        whole_person: None,
    }
}

/// Runs one fixed statement; test data only.
async fn sql(store: &Store, text: String) {
    let text: &'static str = Box::leak(text.into_boxed_str());
    store.execute_maintenance_sql(text).await.unwrap();
}

/// An instant as each backend keeps it: 2023-11-14T22:13:20Z.
fn instant(store: &Store) -> &'static str {
    match store.kind() {
        DbKind::Sqlite => "1700000000000000",
        DbKind::Postgres => "'2023-11-14T22:13:20Z'",
    }
}

async fn log(store: &Store, clinic: i64, patient: i64, episode: i64, values: &str) {
    sql(
        store,
        format!(
            "INSERT INTO session_logs (clinic_id, patient_id, episode_id, exercise_id, log_date, at, completion, skip_reason, \
             sets, reps, minutes, pain_before, pain_after, difficulty, enjoyment, note, source, created_at) \
             VALUES ({clinic}, {patient}, {episode}, {values}, 'demo', {})",
            instant(store)
        ),
    )
    .await;
}

async fn screen_clear(store: &Store, actor: &rapport_store::Actor, episode: i64) {
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
    store.form_save(actor, episode, &input).await.unwrap();
}

fn ids(episodes: &[StoredEpisode]) -> Vec<i64> {
    episodes.iter().map(|e| e.patient_id.0).collect()
}

pub async fn caseload_is_the_clinics_active_episodes_with_their_data(store: &Store) {
    let w = world(store).await;
    let (a, b) = (w.a.id.0, w.b.id.0);
    let kari_ep = store
        .episode_open(&w.clinician_a, w.kari.id, date(2026, 3, 1))
        .await
        .unwrap()
        .id;
    let ola_ep = store
        .episode_open(&w.clinician_a, w.ola.id, date(2026, 1, 1))
        .await
        .unwrap()
        .id;
    let bjorn_ep = store
        .episode_open(&w.clinician_b, w.bjorn.id, date(2026, 2, 1))
        .await
        .unwrap()
        .id;

    // Kari: two plan versions, a self-efficacy score, logs, a follow-up, her own zone.
    screen_clear(store, &w.kari_actor, kari_ep).await;
    for (p, on) in [
        (plan("a1", 10), date(2026, 3, 2)),
        (plan("a2", 8), date(2026, 3, 16)),
    ] {
        store
            .prescription_save(&w.clinician_a, w.kari.id, &p, &[], "plan", on)
            .await
            .unwrap();
    }
    let pseq = FormInput {
        time_point: rapport_domain::assessment::TimePoint::Baseline,
        form: "pseq".into(),
        version: "1".into(),
        answers: json!([3, 3, 3]),
        result: Some(json!({
            "instrument": "pseq", "version": "1", "total": 28.0, "total_min": 0.0, "total_max": 60.0,
            "subscales": {"confidence": 4.5, "unscored": null}, "band": null,
            "missing": {"handling": "none", "items": []}
        })),
        total: Some(28.0),
        band: Some("low".into()),
        complete: true,
        red_flag_positive: None,
    };
    store
        .form_save(&w.kari_actor, kari_ep, &pseq)
        .await
        .unwrap();
    // An unfinished questionnaire and the intake are not scores.
    for (form, complete) in [("rmdq", false), ("intake", true)] {
        let input = FormInput {
            form: form.into(),
            total: Some(5.0),
            complete,
            red_flag_positive: None,
            result: if form == "intake" {
                Some(serde_json::to_value(rapport_domain::assessment::Intake::default()).unwrap())
            } else {
                pseq.result.clone()
            },
            ..pseq.clone()
        };
        store
            .form_save(&w.kari_actor, kari_ep, &input)
            .await
            .unwrap();
    }
    let (kp, op, bp) = (w.kari.id.0, w.ola.id.0, w.bjorn.id.0);
    let at = instant(store);
    log(
        store,
        a,
        kp,
        kari_ep,
        &format!("'a1', '2026-03-03', {at}, 'done', NULL, 2, 10, NULL, 2, 5, 3, 4, 'sore'"),
    )
    .await;
    log(store, a, kp, kari_ep, "'a1', '2026-03-05', NULL, 'skipped', 'no_time', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL").await;
    log(
        store,
        a,
        kp,
        kari_ep,
        "'a2', '2026-03-17', NULL, 'partly', NULL, 1, NULL, 12, 3, 3, 2, 2, NULL",
    )
    .await;
    log(
        store,
        a,
        op,
        ola_ep,
        "'a1', '2026-01-03', NULL, 'done', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
    )
    .await;
    log(
        store,
        b,
        bp,
        bjorn_ep,
        "'b1', '2026-02-03', NULL, 'done', NULL, NULL, NULL, NULL, 6, 9, NULL, NULL, NULL",
    )
    .await;
    sql(
        store,
        format!(
            "INSERT INTO follow_ups (clinic_id, patient_id, episode_id, contact_on, kind, feedback_given, feels_supported, created_at) \
             VALUES ({a}, {kp}, {kari_ep}, '2026-03-10', 'supervised', TRUE, NULL, {t}), \
                    ({a}, {kp}, {kari_ep}, '2026-03-20', 'in_person', NULL, FALSE, {t})",
            t = instant(store)
        ),
    )
    .await;
    sql(
        store,
        format!(
            "INSERT INTO patient_preferences (patient_id, clinic_id, time_zone, updated_at) VALUES ({kp}, {a}, 'Pacific/Kiritimati', {})",
            instant(store)
        ),
    )
    .await;
    sql(
        store,
        format!(
            "INSERT INTO clinic_thresholds (clinic_id, thresholds, updated_at) VALUES ({a}, '{{\"no_log_days\": 9}}', {})",
            instant(store)
        ),
    )
    .await;
    sql(
        store,
        format!("UPDATE clinics SET time_zone = 'Europe/Oslo' WHERE id = {b}"),
    )
    .await;
    // Ola is discharged: not in the caseload any more.
    store
        .episode_discharge(&w.clinician_a, w.ola.id, date(2026, 2, 1))
        .await
        .unwrap();

    let caseload = store.caseload(&w.clinician_a).await.unwrap();
    assert_eq!(caseload.clinic_id, w.a.id);
    assert_eq!(ids(&caseload.episodes), vec![kp], "own clinic, active only");
    assert_eq!(
        caseload.thresholds,
        Thresholds {
            no_log_days: 9,
            ..Thresholds::default()
        }
    );
    let k = &caseload.episodes[0];
    assert_eq!(k.display_name(), "Kari Nordmann");
    assert_eq!(
        (
            k.record.episode_id,
            k.record.opened_on,
            k.record.discharged_on
        ),
        (kari_ep, date(2026, 3, 1), None)
    );
    assert_eq!(k.time_zone, "Pacific/Kiritimati");
    assert_eq!(
        k.record
            .plans
            .iter()
            .map(|p| (p.starts_on, p.plan.items[0].exercise_id.as_str()))
            .collect::<Vec<_>>(),
        vec![(date(2026, 3, 2), "a1"), (date(2026, 3, 16), "a2")]
    );
    assert_eq!(k.record.plans[1].plan, plan("a2", 8));
    let mut logs = k.record.logs.to_vec();
    logs.sort_by(|x, y| x.chronological(y));
    assert_eq!(logs.len(), 3);
    let first = &logs[0];
    assert_eq!(
        (
            first.exercise_id.as_str(),
            first.date,
            first.completion,
            first.sets,
            first.reps,
            first.pain_before,
            first.pain_after,
            first.difficulty,
            first.enjoyment,
        ),
        (
            "a1",
            date(2026, 3, 3),
            Completion::Completed,
            Some(2),
            Some(10),
            Some(2),
            Some(5),
            Some(3),
            Some(4)
        )
    );
    assert_eq!(
        first.at,
        Some(jiff::Timestamp::from_second(1_700_000_000).unwrap())
    );
    assert_eq!(first.note, None, "notes are not loaded");
    assert_eq!(logs[1].completion, Completion::Skipped);
    assert_eq!(
        logs[1].skip_reason,
        Some(rapport_domain::monitoring::SkipReason::NoTime)
    );
    assert_eq!(
        (logs[2].completion, logs[2].minutes),
        (Completion::Partly, Some(12))
    );
    let mut follow_ups = k.record.follow_ups.to_vec();
    follow_ups.sort_by_key(|f| f.date);
    assert_eq!(
        follow_ups
            .iter()
            .map(|f| (f.date, f.kind, f.feedback_given, f.patient_feels_supported))
            .collect::<Vec<_>>(),
        vec![
            (
                date(2026, 3, 10),
                FollowUpKind::Supervised,
                Some(true),
                None
            ),
            (date(2026, 3, 20), FollowUpKind::InPerson, None, Some(false)),
        ]
    );
    assert_eq!(k.record.scores.len(), 1, "{:?}", k.record.scores);
    let s = &k.record.scores[0];
    assert_eq!(
        (s.instrument.as_str(), s.version.as_str(), s.total),
        ("pseq", "1", 28.0)
    );
    assert_eq!(s.band.as_deref(), Some("low"));
    assert_eq!(
        s.subscales.iter().collect::<Vec<_>>(),
        vec![(&"confidence".to_string(), &4.5)]
    );
    // The rules' view borrows the same lists.
    let data = k.data();
    assert_eq!((data.start, data.logs.len()), (date(2026, 3, 1), 3));

    // One audit row for the view, naming the patients shown.
    let row = assert_last_audit(store, &w.clinician_a, "patient.list", "ok", None).await;
    assert_eq!(row.entity, "caseload");
    assert_eq!(
        row.detail.as_deref(),
        Some(format!("patients=1;,{kp},").as_str())
    );
    // The score is dated on the day it was completed on the patient's own clock (UTC+14).
    let completed = store
        .forms_of_episode(&w.clinician_a, kari_ep)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.form == "pseq")
        .and_then(|f| f.completed_at)
        .unwrap();
    let zone = jiff::tz::TimeZone::get("Pacific/Kiritimati").unwrap();
    assert_eq!(s.date, completed.to_zoned(zone).date());

    // Clinic B sees only its own patient, in the clinic's zone, with the default thresholds.
    let other = store.caseload(&w.clinician_b).await.unwrap();
    assert_eq!(ids(&other.episodes), vec![bp]);
    assert_eq!(other.thresholds, Thresholds::default());
    assert_eq!(other.episodes[0].time_zone, "Europe/Oslo");
    assert_eq!(other.episodes[0].record.logs[0].pain_after, Some(9));
    assert!(
        other.episodes[0].record.plans.is_empty() && other.episodes[0].record.scores.is_empty()
    );

    // The caseload is clinical work: administrators, patients and
    // researchers may not read it (rapport_domain::access).
    assert_forbidden(store.caseload(&w.admin_a).await);
    assert_forbidden(store.caseload(&w.kari_actor).await);
    assert_last_audit(store, &w.kari_actor, "patient.list", "forbidden", None).await;
    assert_forbidden(store.caseload(&w.researcher_a).await);
}

pub async fn nightly_load_covers_every_clinic_in_chunks(store: &Store) {
    let w = world(store).await;
    // Several chunks of active episodes, in both clinics.
    let (n, size) = (23, 4);
    let mut expected = Vec::new();
    for i in 0..n {
        let (actor, clinic) = if i % 2 == 0 {
            (&w.clinician_a, w.a.id)
        } else {
            (&w.clinician_b, w.b.id)
        };
        let p = patient(store, actor, "P", &format!("N{i:05}")).await;
        let e = store
            .episode_open(actor, p.id, date(2026, 1, 1))
            .await
            .unwrap();
        if i % 3 == 0 {
            log(
                store,
                clinic.0,
                p.id.0,
                e.id,
                "'x', '2026-01-02', NULL, 'done', NULL, NULL, NULL, NULL, 1, 4, NULL, NULL, NULL",
            )
            .await;
        }
        if i % 7 == 6 {
            store
                .episode_discharge(actor, p.id, date(2026, 1, 2))
                .await
                .unwrap();
        } else {
            expected.push((e.id, clinic, i % 3 == 0));
        }
    }
    let mut seen = Vec::new();
    let mut chunks = 0;
    let summary = store
        .triage_load_all(None, size, |thresholds, chunk| {
            chunks += 1;
            assert!(chunk.len() <= size);
            for e in chunk {
                assert_eq!(thresholds.get(e.clinic_id), &Thresholds::default());
                seen.push((e.record.episode_id, e.clinic_id, e.record.logs.len() == 1));
            }
            Ok(())
        })
        .await
        .unwrap();
    assert!(chunks >= 4, "{chunks} chunks");
    assert_eq!(seen, expected, "every active episode once, in order");
    assert_eq!(summary.episodes, expected.len());
    assert_eq!(summary.clinics, 2);
    assert_eq!(
        summary.logs,
        expected.iter().filter(|(_, _, logged)| *logged).count()
    );
    // Every patient handed on is named in an audit row of their own clinic.
    let rows: Vec<_> = audit_all(store)
        .await
        .into_iter()
        .filter(|r| r.entity == "triage")
        .collect();
    let episodes = store.caseload(&w.clinician_a).await.unwrap().episodes;
    for e in &episodes {
        let named = format!(",{},", e.patient_id.0);
        assert!(
            rows.iter().any(|r| r.clinic_id == Some(w.a.id)
                && r.detail.as_deref().is_some_and(|d| d.contains(&named))),
            "patient {} not in a triage audit row",
            e.patient_id.0
        );
    }
    assert!(
        rows.iter()
            .filter(|r| r.clinic_id == Some(w.b.id))
            .all(|r| episodes.iter().all(|e| !r
                .detail
                .as_deref()
                .unwrap_or("")
                .contains(&format!(",{},", e.patient_id.0))))
    );

    // One clinic only.
    let mut only_b = Vec::new();
    store
        .triage_load_all(Some(w.b.id), 0, |_, chunk| {
            only_b.extend(chunk.into_iter().map(|e| e.clinic_id));
            Ok(())
        })
        .await
        .unwrap();
    assert!(!only_b.is_empty() && only_b.iter().all(|c| *c == w.b.id));
    let row = last_audit(store).await;
    assert_eq!(
        (
            row.action.as_str(),
            row.entity.as_str(),
            row.clinic_id,
            row.user_id
        ),
        ("patient.list", "triage", Some(w.b.id), None)
    );
}

/// The caseload with each episode's history in a fixed order, so that a load
/// from digests and one from the tables compare equal.
async fn caseload_sorted(store: &Store, actor: &rapport_store::Actor) -> Vec<StoredEpisode> {
    let mut episodes = store.caseload(actor).await.unwrap().episodes;
    for e in &mut episodes {
        let r = std::sync::Arc::make_mut(&mut e.record);
        let mut logs: Vec<_> = r.logs.drain(..).zip(r.log_ids.drain(..)).collect();
        logs.sort_by_key(|(l, id)| (format!("{l:?}"), *id));
        (r.logs, r.log_ids) = logs.into_iter().unzip();
        let mut contacts: Vec<_> = r.follow_ups.drain(..).zip(r.contacts.drain(..)).collect();
        contacts.sort_by_key(|(f, c)| (format!("{f:?}"), c.id));
        (r.follow_ups, r.contacts) = contacts.into_iter().unzip();
    }
    episodes
}

/// Digests whose revision is the episode's: the ones the next read will use.
async fn current_digests(store: &Store) -> u64 {
    store
        .execute_maintenance_sql(
            "UPDATE monitoring_digests SET format = format \
             WHERE revision = (SELECT revision FROM episodes WHERE episodes.id = monitoring_digests.episode_id)",
        )
        .await
        .unwrap()
}

/// The caseload read from digests equals the one read from the tables after
/// every kind of change, including changes made behind the store's back.
pub async fn digests_follow_every_change(store: &Store) {
    let w = world(store).await;
    let a = w.a.id.0;
    let day = |n: i64| today() - jiff::Span::new().days(n);
    let kari_ep = store
        .episode_open(&w.clinician_a, w.kari.id, day(20))
        .await
        .unwrap()
        .id;
    store
        .episode_open(&w.clinician_a, w.ola.id, day(20))
        .await
        .unwrap();
    screen_clear(store, &w.kari_actor, kari_ep).await;
    store
        .prescription_save(
            &w.clinician_a,
            w.kari.id,
            &plan("a1", 10),
            &[],
            "plan",
            day(14),
        )
        .await
        .unwrap();
    let from_tables = |store: &Store| {
        let store = store.clone();
        let actor = w.clinician_a.clone();
        async move {
            // Every digest and every decoded copy is then stale.
            store
                .execute_maintenance_sql("UPDATE episodes SET revision = revision + 1")
                .await
                .unwrap();
            caseload_sorted(&store, &actor).await
        }
    };

    // The first read builds a digest for each active episode.
    let first = caseload_sorted(store, &w.clinician_a).await;
    assert_eq!(current_digests(store).await, 2);
    assert_eq!(caseload_sorted(store, &w.clinician_a).await, first);

    // Logging keeps the digest current: no read of the tables is needed.
    for (n, after) in [(6, 3), (5, 5), (4, 7)] {
        let input = rapport_domain::monitoring::LogInput {
            exercise_id: "a1".into(),
            completion: "done".into(),
            pain_before: "2".into(),
            pain_after: after.to_string(),
            difficulty: "4".into(),
            note: "private words".into(),
            date: day(n).to_string(),
            time: "18:30".into(),
            ..Default::default()
        };
        store
            .log_add(
                &w.kari_actor,
                w.kari.id,
                &input,
                rapport_store::LogSource::Web,
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        assert_eq!(current_digests(store).await, 2, "after the log of day -{n}");
    }
    let logged = caseload_sorted(store, &w.clinician_a).await;
    let kari = logged
        .iter()
        .find(|e| e.record.episode_id == kari_ep)
        .unwrap();
    let pains: Vec<_> = kari.record.logs.iter().map(|l| l.pain_after).collect();
    assert_eq!(pains, [Some(3), Some(5), Some(7)]);
    assert!(
        kari.record
            .logs
            .iter()
            .all(|l| l.note.is_none() && l.at.is_some())
    );
    assert_eq!(logged, from_tables(store).await);

    // Changes that do not touch the digest make it stale; the next read
    // sees them all.
    let (kp, t) = (w.kari.id.0, instant(store));
    sql(
        store,
        format!(
            "INSERT INTO follow_ups (clinic_id, patient_id, episode_id, contact_on, kind, feedback_given, feels_supported, created_at) \
             VALUES ({a}, {kp}, {kari_ep}, '{}', 'phone', TRUE, TRUE, {t})",
            day(3)
        ),
    )
    .await;
    store
        .prescription_save(
            &w.clinician_a,
            w.kari.id,
            &plan("a2", 6),
            &[],
            "easier",
            day(2),
        )
        .await
        .unwrap();
    let pseq = FormInput {
        time_point: rapport_domain::assessment::TimePoint::Baseline,
        form: "pseq".into(),
        version: "1".into(),
        answers: json!([3, 3, 3]),
        result: None,
        total: Some(28.0),
        band: None,
        complete: true,
        red_flag_positive: None,
    };
    store
        .form_save(&w.kari_actor, kari_ep, &pseq)
        .await
        .unwrap();
    log(
        store,
        a,
        kp,
        kari_ep,
        &format!(
            "'a2', '{}', NULL, 'skipped', 'pain', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
            day(1)
        ),
    )
    .await;
    assert_eq!(current_digests(store).await, 1, "Ola's is untouched");
    let changed = caseload_sorted(store, &w.clinician_a).await;
    let kari = changed
        .iter()
        .find(|e| e.record.episode_id == kari_ep)
        .unwrap();
    assert_eq!(kari.record.follow_ups.len(), 1);
    assert_eq!(kari.record.plans.len(), 2);
    assert_eq!(kari.record.plans[1].plan.items[0].exercise_id, "a2");
    assert_eq!(kari.record.scores.len(), 1);
    assert_eq!(kari.record.logs.len(), 4);
    assert_eq!(current_digests(store).await, 2);
    assert_eq!(changed, from_tables(store).await);

    // A change of time zone re-dates the scores without touching the digest.
    let _ = caseload_sorted(store, &w.clinician_a).await;
    sql(
        store,
        format!(
            "INSERT INTO patient_preferences (patient_id, clinic_id, time_zone, updated_at) VALUES ({kp}, {a}, 'Pacific/Kiritimati', {t})"
        ),
    )
    .await;
    let moved = caseload_sorted(store, &w.clinician_a).await;
    assert_eq!(current_digests(store).await, 2);
    assert_eq!(moved, from_tables(store).await);

    // A digest that does not read, or is of another format, is rebuilt (a
    // change of zone makes the decoded copy stale, the digest not).
    let rezone = |zone: &'static str| {
        let store = store.clone();
        async move {
            sql(
                &store,
                format!(
                    "UPDATE patient_preferences SET time_zone = '{zone}' WHERE patient_id = {kp}"
                ),
            )
            .await;
        }
    };
    store
        .execute_maintenance_sql(match store.kind() {
            DbKind::Sqlite => "UPDATE monitoring_digests SET digest = X'00FF'",
            DbKind::Postgres => "UPDATE monitoring_digests SET digest = '\\x00ff'::bytea",
        })
        .await
        .unwrap();
    rezone("Asia/Tokyo").await;
    let tokyo = caseload_sorted(store, &w.clinician_a).await;
    assert_eq!(tokyo, from_tables(store).await);
    store
        .execute_maintenance_sql("UPDATE monitoring_digests SET format = 999")
        .await
        .unwrap();
    rezone("Europe/Oslo").await;
    let oslo = caseload_sorted(store, &w.clinician_a).await;
    let kari = oslo
        .iter()
        .find(|e| e.record.episode_id == kari_ep)
        .unwrap();
    assert_eq!(kari.record.logs.len(), 4);
    assert_eq!(
        store
            .execute_maintenance_sql(
                "UPDATE monitoring_digests SET format = format WHERE format = 999"
            )
            .await
            .unwrap(),
        1,
        "Kari's digest is rewritten; Ola's decoded copy is current, so hers is not read"
    );
    assert_eq!(oslo, from_tables(store).await);
    assert_eq!(current_digests(store).await, 2);
}

/// Many sessions logged at once for one patient: the digest ends with all
/// of them, or is left stale; never with one missing.
pub async fn concurrent_logs_all_reach_the_digest(store: &Store) {
    let w = world(store).await;
    let day = |n: i64| today() - jiff::Span::new().days(n);
    let ep = store
        .episode_open(&w.clinician_a, w.kari.id, day(20))
        .await
        .unwrap()
        .id;
    screen_clear(store, &w.kari_actor, ep).await;
    store
        .prescription_save(
            &w.clinician_a,
            w.kari.id,
            &plan("a1", 10),
            &[],
            "plan",
            day(14),
        )
        .await
        .unwrap();
    let _ = store.caseload(&w.clinician_a).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..16u8 {
        let (store, actor, patient) = (store.clone(), w.kari_actor.clone(), w.kari.id);
        let input = rapport_domain::monitoring::LogInput {
            exercise_id: "a1".into(),
            completion: "done".into(),
            pain_after: (n % 11).to_string(),
            date: day(i64::from(n % 7) + 1).to_string(),
            ..Default::default()
        };
        tasks.push(tokio::spawn(async move {
            store
                .log_add(
                    &actor,
                    patient,
                    &input,
                    rapport_store::LogSource::Api,
                    jiff::Timestamp::now(),
                )
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(current_digests(store).await, 1, "every log was appended");
    let cached = caseload_sorted(store, &w.clinician_a).await;
    assert_eq!(cached[0].record.logs.len(), 16);
    store
        .execute_maintenance_sql("UPDATE episodes SET revision = revision + 1")
        .await
        .unwrap();
    assert_eq!(caseload_sorted(store, &w.clinician_a).await, cached);
}

/// A whole session: its logs reach a current digest together, and a
/// session with one mistake stores none of its logs.
pub async fn a_whole_session_reaches_the_digest_or_nothing_does(store: &Store) {
    let w = world(store).await;
    let day = |n: i64| today() - jiff::Span::new().days(n);
    let kari_ep = store
        .episode_open(&w.clinician_a, w.kari.id, day(20))
        .await
        .unwrap()
        .id;
    screen_clear(store, &w.kari_actor, kari_ep).await;
    store
        .prescription_save(
            &w.clinician_a,
            w.kari.id,
            &plan("a1", 10),
            &[],
            "plan",
            day(14),
        )
        .await
        .unwrap();
    let first = caseload_sorted(store, &w.clinician_a).await;
    assert_eq!(current_digests(store).await, 1);
    let log = |n: i64, pain: &str| rapport_domain::monitoring::LogInput {
        exercise_id: "a1".into(),
        completion: "done".into(),
        pain_before: "2".into(),
        pain_after: pain.into(),
        date: day(n).to_string(),
        time: "18:30".into(),
        ..Default::default()
    };
    let now = jiff::Timestamp::now();
    let web = rapport_store::LogSource::Web;
    // The second log is out of range: neither is stored.
    let refused = store
        .session_add(
            &w.kari_actor,
            w.kari.id,
            &[log(3, "4"), log(2, "11")],
            web,
            now,
        )
        .await
        .unwrap_err();
    match refused {
        rapport_store::StoreError::InvalidAll(all) => {
            assert_eq!(all.len(), 1, "{all:?}");
            assert_eq!(all[0].field, "exercises[2].pain_after");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(caseload_sorted(store, &w.clinician_a).await, first);
    assert_eq!(current_digests(store).await, 1, "nothing written");
    // Both, and the digest is still current.
    let stored = store
        .session_add(
            &w.kari_actor,
            w.kari.id,
            &[log(3, "4"), log(2, "5")],
            web,
            now,
        )
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        current_digests(store).await,
        1,
        "after a session of two logs"
    );
    let logged = caseload_sorted(store, &w.clinician_a).await;
    let pains: Vec<_> = logged[0].record.logs.iter().map(|l| l.pain_after).collect();
    assert_eq!(pains, [Some(4), Some(5)]);
    store
        .execute_maintenance_sql("UPDATE episodes SET revision = revision + 1")
        .await
        .unwrap();
    assert_eq!(
        caseload_sorted(store, &w.clinician_a).await,
        logged,
        "the tables agree"
    );
}
