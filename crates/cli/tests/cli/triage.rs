//! `rapport triage`: every active episode triaged, flags per patient, ranked.

use jiff::civil::date;
use rapport_domain::exercise::Dose;
use rapport_domain::identity::{Email, Role};
use rapport_domain::patient::PatientInput;
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_store::{Durability, FormInput, NewUser, Store};

use crate::support::{TempDb, run};

fn plan() -> Plan {
    Plan {
        items: vec![PlanItem {
            exercise_id: "mc-dead-bug".into(),
            dose: Dose {
                sets: 2,
                reps: Some(8),
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
            why: "to garden again".into(),
        }],
        co_designed: true,
        whole_person: None,
    }
}

/// Two clinics: in the first, Kari logs three sessions with pain rising and
/// Per has a plan and no logs; Nils is discharged. The second has Bo, no plan.
async fn seed(url: &str) -> (i64, i64, i64) {
    let store = Store::open_with(url, Durability::Normal).await.unwrap();
    let mut clinics = Vec::new();
    let mut patients = Vec::new();
    for (name, people) in [
        ("Triage A", &["Kari Nordmann", "Per Hansen", "Nils Lie"][..]),
        ("Triage B", &["Bo Ek"][..]),
    ] {
        let clinic = store.clinic_create(name).await.unwrap();
        let user = store
            .user_create(&NewUser {
                clinic_id: clinic.id,
                role: Role::Clinician,
                email: Email::parse(&format!("c{}@triage.example", clinic.id)).unwrap(),
                display_name: "Clinician".into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                patient_id: None,
            })
            .await
            .unwrap();
        let actor = user.actor(None);
        for full in people {
            let (given, family) = full.split_once(' ').unwrap();
            let details = PatientInput {
                given_name: Some(given.into()),
                family_name: Some(family.into()),
                birth_date: Some("1970-01-01".into()),
                ..Default::default()
            }
            .validate(date(2026, 1, 1))
            .unwrap();
            let p = store
                .patient_admit(&actor, &details, date(2026, 3, 1))
                .await
                .unwrap()
                .value;
            patients.push((p.id, actor.clone(), *full));
        }
        clinics.push(clinic.id.0);
    }
    let screen = FormInput {
        time_point: rapport_domain::assessment::TimePoint::Baseline,
        form: "red_flags".into(),
        version: "1".into(),
        answers: serde_json::json!([false]),
        result: None,
        total: None,
        band: None,
        complete: true,
        red_flag_positive: Some(false),
    };
    let mut kari = 0;
    for (id, actor, name) in &patients {
        let episode = store.episode_current(actor, *id).await.unwrap().unwrap().id;
        match *name {
            "Kari Nordmann" | "Per Hansen" => {
                store.form_save(actor, episode, &screen).await.unwrap();
                store
                    .prescription_save(actor, *id, &plan(), &[], "start", date(2026, 3, 2))
                    .await
                    .unwrap();
            }
            "Nils Lie" => {
                store
                    .episode_discharge(actor, *id, date(2026, 3, 3))
                    .await
                    .unwrap();
            }
            _ => {}
        }
        if *name == "Kari Nordmann" {
            kari = id.0;
            for day in [2, 3, 4] {
                let sql = format!(
                    "INSERT INTO session_logs (clinic_id, patient_id, episode_id, exercise_id, log_date, completion, \
                     pain_before, pain_after, source, created_at) \
                     VALUES ({}, {}, {episode}, 'mc-dead-bug', '2026-03-0{day}', 'done', 2, 6, 'web', 0)",
                    clinics[0], id.0
                );
                store
                    .execute_maintenance_sql(Box::leak(sql.into_boxed_str()))
                    .await
                    .unwrap();
            }
        }
    }
    store.close().await;
    (clinics[0], clinics[1], kari)
}

#[tokio::test]
async fn triage_prints_flags_per_patient_ranked_with_a_summary() {
    let db = TempDb::new();
    let (a, b, kari) = seed(&db.url).await;

    let out = run(
        &[
            "triage",
            "--db",
            &db.url,
            "--format",
            "json",
            "--today",
            "2026-03-05",
        ],
        None,
    )
    .expect_ok();
    let rows = out.json();
    let rows = rows.as_array().expect("an array of rows");
    assert_eq!(rows.len(), 3, "active episodes only: {rows:#?}");
    let first = &rows[0];
    assert_eq!(first["patient"]["id"], kari);
    assert_eq!(first["patient"]["name"], "Kari Nordmann");
    assert!(first["episode"].is_i64());
    assert_eq!(first["today"], "2026-03-05");
    let pain = first["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "pain_rising")
        .unwrap_or_else(|| panic!("pain_rising in {first:#}"));
    assert_eq!(pain["severity"], "urgent");
    assert!(
        pain["reason"]
            .as_str()
            .unwrap()
            .contains("+4 on 2026-03-04"),
        "{pain}"
    );
    assert!(
        pain["cmoc"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "M2.17" && c["grade"].is_string())
    );
    assert!(first["next_contact"]["date"].is_string());
    assert!(first["next_contact"]["reason"].is_string());
    let needs: Vec<u64> = rows.iter().map(|r| r["need"].as_u64().unwrap()).collect();
    assert!(needs.windows(2).all(|w| w[0] >= w[1]), "ranked: {needs:?}");
    assert!(
        out.stderr
            .contains("triage: 3 active episodes in 2 clinics (3 session logs)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("triaged in"), "{}", out.stderr);

    // One clinic, as a table.
    let table = run(
        &[
            "triage",
            "--db",
            &db.url,
            "--clinic",
            &a.to_string(),
            "--today",
            "2026-03-05",
        ],
        None,
    )
    .expect_ok();
    assert!(table.stdout.contains("Kari Nordmann"), "{}", table.stdout);
    assert!(
        table.stdout.contains("pain_rising (urgent) [M2.17, C3.5]"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains("Bo Ek") && !table.stdout.contains("Nils"));
    let only_b = run(
        &[
            "triage",
            "--db",
            &db.url,
            "--clinic",
            &b.to_string(),
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok()
    .json();
    assert_eq!(only_b.as_array().unwrap().len(), 1);
    assert_eq!(only_b[0]["patient"]["name"], "Bo Ek");

    // Bad input names the option.
    run(&["triage", "--db", &db.url, "--today", "05/03/2026"], None).expect_fail(&["today"]);
    run(&["triage", "--db", &db.url, "--clinic", "9999"], None).expect_fail(&["clinic"]);
}
