//! `rapport serve`: the demo clinic, `/healthz`, and the same application on
//! PostgreSQL.

use serde_json::{Value, json};

use crate::support::{
    PgDatabase, Server, TempDb, client, clinic_with_clinician, create_patient, get_json, run, token,
};

/// The demo login lines `serve --demo` printed: (role, e-mail, password).
fn demo_logins(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .skip_while(|l| !l.contains("Demo logins:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((
                words.next()?.to_string(),
                words.next()?.to_string(),
                words.next()?.to_string(),
            ))
        })
        .collect()
}

async fn health(server: &Server) -> Value {
    let r = client()
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    r.json().await.expect("healthz JSON")
}

#[tokio::test]
async fn demo_is_loaded_once_and_its_printed_logins_work() {
    let db = TempDb::new();
    let log = db.path("server.log");

    let mut first = Server::start(&db.url, &["--demo"], &log).await;
    let printed = first.stdout();
    assert!(printed.contains("Loaded demo clinic"), "{printed}");
    let logins = demo_logins(&printed);
    let roles: Vec<&str> = logins.iter().map(|(r, _, _)| r.as_str()).collect();
    for role in ["admin", "clinician", "researcher", "patient"] {
        assert!(roles.contains(&role), "no {role} login printed:\n{printed}");
    }
    let (_, email, password) = logins
        .iter()
        .find(|(r, _, _)| r == "clinician")
        .expect("a clinician login")
        .clone();

    let h = health(&first).await;
    assert_eq!(h["status"], "ok");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(h["database"], "sqlite");
    let level = h["migration"].as_i64().expect("migration level");
    assert!(level >= 1, "{h}");

    let http = client();
    let t = token(&first, &email, &password).await;
    let (status, list) = get_json(&http, &first, &t, "/api/v1/patients").await;
    assert_eq!(status, 200, "{list}");
    let names = |list: &Value| -> Vec<String> {
        let mut v: Vec<String> = list["patients"]
            .as_array()
            .expect("patients array")
            .iter()
            .map(|p| format!("{} {}", p["given_name"], p["family_name"]))
            .collect();
        v.sort();
        v
    };
    let before = names(&list);
    assert!(before.len() >= 3, "a handful of demo patients: {list}");
    // The printed patient login sees their own record only.
    let (_, pemail, ppassword) = logins
        .iter()
        .find(|(r, _, _)| r == "patient")
        .expect("a patient login")
        .clone();
    let pt = token(&first, &pemail, &ppassword).await;
    let (status, own) = get_json(&http, &first, &pt, "/api/v1/patients").await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["patients"].as_array().map(Vec::len), Some(1), "{own}");
    drop(http);
    assert!(first.stop(), "SIGTERM should stop the server cleanly");

    // Second start on the same file: nothing loaded again, same logins still shown.
    let second = Server::start(&db.url, &["--demo"], &log).await;
    let printed = second.stdout();
    assert!(!printed.contains("Loaded demo clinic"), "{printed}");
    assert!(
        printed.contains("Using the earlier demo clinic"),
        "{printed}"
    );
    assert_eq!(demo_logins(&printed), logins);
    let http = client();
    let t = token(&second, &email, &password).await;
    let (status, list) = get_json(&http, &second, &t, "/api/v1/patients").await;
    assert_eq!(status, 200);
    assert_eq!(names(&list), before, "demo patients loaded twice");
    // And `migrate` agrees with /healthz on the level.
    let migrated = run(&["migrate", "--db", &db.url], None).expect_ok().stdout;
    assert!(
        migrated.contains(&format!("migrated to level {level}")),
        "{migrated}"
    );
}

/// The demo clinic is a working day: patients at every stage, flags of
/// several kinds and different suggestions on the caseload, and Kari, the
/// fully documented patient, judged by the theory on nearly every context
/// (through the care layer, on the database the server wrote).
#[tokio::test]
async fn the_demo_clinic_has_every_stage_and_kari_is_judged_on_nearly_every_context() {
    use rapport_domain::identity::{Email, PatientId};
    use rapport_domain::theory::{ContextStatus, KnowledgeBase};

    let db = TempDb::new();
    let mut server = Server::start(&db.url, &["--demo"], &db.path("server.log")).await;
    let http = client();
    let t = token(&server, "anna.berg@demo.example", "demo-clinician-pass").await;
    let (status, caseload) = get_json(&http, &server, &t, "/api/v1/caseload").await;
    assert_eq!(status, 200, "{caseload}");
    let rows = caseload["rows"].as_array().expect("rows");
    assert!(rows.len() >= 9, "open episodes at every stage: {caseload}");
    let kinds: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r["flags"].as_array().into_iter().flatten())
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert!(kinds.len() >= 4, "kinds of flag: {kinds:?}");
    for kind in [
        "pain_rising",
        "follow_up_overdue",
        "adherence_falling",
        "too_hard",
    ] {
        assert!(kinds.contains(kind), "no {kind} flag: {kinds:?}");
    }
    let suggested: std::collections::BTreeSet<Vec<&str>> = rows
        .iter()
        .map(|r| {
            r["suggestions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["action"].as_str())
                .collect()
        })
        .filter(|s: &Vec<&str>| !s.is_empty())
        .collect();
    assert!(
        suggested.len() >= 3,
        "different suggestions for different patients: {suggested:?}"
    );
    let kari = rows
        .iter()
        .find(|r| r["patient"]["name"] == "Kari Nordmann")
        .expect("Kari on the caseload");
    let kari_id = kari["patient"]["id"].as_i64().expect("id");
    // The new referral's login sees an empty record, the forms before them.
    let it = token(&server, "ingrid.solberg@demo.example", "demo-patient-pass").await;
    let (status, own) = get_json(&http, &server, &it, "/api/v1/patients").await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["patients"][0]["family_name"], "Solberg", "{own}");
    // The discharged patients keep a self-management plan with exercises;
    // those still in care have none yet.
    let (_, list) = get_json(&http, &server, &t, "/api/v1/patients?limit=100").await;
    let mut kept = Vec::new();
    for p in list["patients"].as_array().expect("patients") {
        let id = p["id"].as_i64().expect("id");
        let (status, plan) = get_json(
            &http,
            &server,
            &t,
            &format!("/api/v1/patients/{id}/self-management-plan"),
        )
        .await;
        match status {
            200 => {
                assert!(
                    !plan["exercises"].as_array().expect("exercises").is_empty(),
                    "{plan}"
                );
                assert!(
                    !plan["seek_help"].as_array().expect("seek_help").is_empty(),
                    "{plan}"
                );
                kept.push(id);
            }
            404 => {}
            other => panic!("{other}: {plan}"),
        }
    }
    assert!(
        kept.len() >= 2,
        "the discharged and the six-month patient: {kept:?}"
    );
    assert!(
        rows.iter()
            .all(|r| !kept.iter().any(|id| r["patient"]["id"] == *id)),
        "someone still in care has a plan: {kept:?}"
    );
    drop(http);
    assert!(server.stop(), "SIGTERM should stop the server cleanly");

    let store = rapport_store::Store::open_existing(&db.url, rapport_store::Durability::default())
        .await
        .unwrap();
    let care = rapport_care::Care::new(store.clone(), KnowledgeBase::builtin().unwrap()).unwrap();
    let anna = store
        .user_credentials(&Email::parse("anna.berg@demo.example").unwrap())
        .await
        .unwrap()
        .expect("Anna")
        .user
        .actor(None);
    let (record, assessed) = care
        .judge_patient(&anna, PatientId(kari_id), jiff::Timestamp::now())
        .await
        .unwrap()
        .expect("Kari's record");
    let j = &assessed.judgement;
    let unknown: Vec<&str> = j
        .evaluation
        .cmocs
        .iter()
        .filter(|c| !matches!(c.context, ContextStatus::Present | ContextStatus::Absent))
        .map(|c| c.cmoc.id.as_str())
        .collect();
    eprintln!(
        "Kari: {} of 34 contexts judged; not judged: {unknown:?}",
        j.judged()
    );
    assert!(
        j.judged() >= 30,
        "{} of 34 judged for Kari; not judged: {unknown:?}",
        j.judged()
    );
    // Every kind of record is on file for her.
    let r = &record.record;
    assert!(r.intake.as_ref().is_some_and(|i| i.holistic));
    assert!(r.belief_reviews.iter().any(|b| !b.reconciled.is_empty()));
    assert!(r.goals.iter().all(|g| g.agreed_together));
    assert!(r.plans.iter().all(|v| v.plan.co_designed
        && v.plan.whole_person.as_ref().is_some_and(|a| !a.is_empty())
        && v.plan.items.iter().all(|i| i.goal.is_some())));
    assert!(r.education.iter().any(|e| e.read));
    assert!(!r.feedback.is_empty() && !r.logs.is_empty());
    assert!(r.contacts.iter().any(|c| c.checklist_complete));
    assert!(
        r.contacts
            .iter()
            .any(|c| c.corrected == Some(true) && c.progressed == Some(true))
    );
    assert!(r.contacts.iter().any(|c| c.benefit.is_some()));
    assert!(
        r.scores.iter().any(|s| s.instrument == "waisr"),
        "the alliance asked during care"
    );
    let messages = store.messages(&anna, PatientId(kari_id)).await.unwrap();
    assert!(messages.len() >= 2, "{messages:?}");
}

#[tokio::test]
async fn a_busy_address_is_an_error_not_a_hang() {
    let db = TempDb::new();
    let server = Server::start(&db.url, &[], &db.path("server.log")).await;
    let addr = server.base.trim_start_matches("http://").to_string();
    run(&["serve", "--db", &db.url, "--addr", &addr], None).expect_fail(&["cannot listen", &addr]);
}

#[tokio::test]
async fn serves_on_postgres_too() {
    let Some(pg) = PgDatabase::from_env() else {
        return;
    };
    let dir = TempDb::new();

    let account = clinic_with_clinician(&pg.url, "Postgres Physio", "pg@clinic.example");
    let mut server = Server::start(&pg.url, &[], &dir.path("server.log")).await;
    assert!(
        server.stdout().contains("database: postgres"),
        "{}",
        server.stdout()
    );
    let h = health(&server).await;
    assert_eq!(h["status"], "ok");
    assert_eq!(h["database"], "postgres");
    assert!(h["migration"].as_i64().is_some_and(|l| l >= 1), "{h}");

    let http = client();
    let t = token(&server, &account.email, &account.password).await;
    let p = create_patient(&http, &server, &t, "Kari", "Nordmann").await;
    let id = p["id"].as_i64().expect("patient id");
    let (status, read) = get_json(&http, &server, &t, &format!("/api/v1/patients/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(read["family_name"], "Nordmann");
    drop(http);

    let audit = run(
        &[
            "audit",
            "--db",
            &pg.url,
            "--patient",
            &id.to_string(),
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok()
    .json();
    let actions: Vec<&Value> = audit
        .as_array()
        .expect("array")
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert!(actions.contains(&&json!("patient.create")), "{audit}");
    assert!(actions.contains(&&json!("patient.read")), "{audit}");

    // Online backup is SQLite's; on PostgreSQL the command points to pg_dump.
    let out = dir.path("copy.db");
    run(
        &[
            "backup",
            "--db",
            &pg.url,
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
        None,
    )
    .expect_fail(&["pg_dump"]);
    assert!(!out.exists());
    assert!(server.stop(), "SIGTERM should stop the server cleanly");
}

#[tokio::test]
async fn mail_is_off_without_smtp_url_and_the_scheduler_starts_with_one() {
    let db = TempDb::new();
    let off = Server::start(&db.url, &[], &db.path("off.log")).await;
    assert!(off.log_text().contains("mail is off"), "{}", off.log_text());
    drop(off);
    // A mail server that is not there: the server still starts and serves.
    let on = Server::start(
        &db.url,
        &[
            "--smtp-url",
            "smtp://mailer:pa55word@127.0.0.1:9",
            "--mail-from",
            "Rapport <rapport@clinic.test>",
            "--scheduler-interval",
            "1",
        ],
        &db.path("on.log"),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let log = on.log_text();
    assert!(log.contains("mail scheduler started"), "{log}");
    assert!(
        !log.contains("pa55word"),
        "the SMTP password reached the log: {log}"
    );
    drop(on);
    run(
        &["serve", "--db", &db.url, "--smtp-url", "smtp://127.0.0.1:9"],
        None,
    )
    .expect_fail(&["--mail-from"]);
    run(
        &[
            "serve",
            "--db",
            &db.url,
            "--addr",
            "127.0.0.1:0",
            "--smtp-url",
            "smtp://127.0.0.1:9",
            "--mail-from",
            "not an address",
        ],
        None,
    )
    .expect_fail(&["--mail-from", "not a mail address"]);
}
