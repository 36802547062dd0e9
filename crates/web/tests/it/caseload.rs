//! The caseload dashboard: a clinician's patients ranked by need, each flag
//! with its reason and CMOC; nothing of another clinic; not for patients.

use jiff::civil::Date;
use rapport_domain::exercise::Dose;
use rapport_domain::prescription::{Delivery, Plan, PlanItem};
use rapport_store::FormInput;
use serde_json::Value;

use crate::harness::*;

async fn sql(app: &App, text: String) {
    let text: &'static str = Box::leak(text.into_boxed_str());
    app.store.execute_maintenance_sql(text).await.unwrap();
}

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
            why: "to lift the grandchild".into(),
        }],
        co_designed: true,
        whole_person: None,
    }
}

/// Astrid (clinic A) has a plan and three sessions with pain rising after
/// each; Cecilie (clinic B) has a plan and logs too.
async fn rising_pain(app: &App) -> Date {
    // The clinics' zone is UTC: the patients' dates are UTC dates.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let yesterday = today.yesterday().unwrap();
    let fx = &app.fx;
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
    let clin_b = fx.clin_b.user.actor(None);
    for (patient, clinician) in [(fx.pat1, fx.clin_a.user.actor(None)), (fx.pb1, clin_b)] {
        let episode = app
            .store
            .episode_current(&clinician, patient)
            .await
            .unwrap()
            .unwrap();
        app.store
            .form_save(&clinician, episode.id, &screen)
            .await
            .unwrap();
        app.store
            .prescription_save(&clinician, patient, &plan(), &[], "start", yesterday)
            .await
            .unwrap();
        for (day, before, after) in [(yesterday, 2, 5), (today, 2, 5), (today, 3, 6)] {
            sql(
                app,
                format!(
                    "INSERT INTO session_logs (clinic_id, patient_id, episode_id, exercise_id, log_date, completion, \
                     pain_before, pain_after, difficulty, enjoyment, source, created_at) \
                     VALUES ({}, {}, {}, 'mc-dead-bug', '{day}', 'done', {before}, {after}, 3, 3, 'web', 0)",
                    episode.clinic_id.0, patient.0, episode.id
                ),
            )
            .await;
        }
    }
    today
}

#[tokio::test]
async fn a_clinician_sees_rising_pain_flagged_with_its_reason_and_cmoc_and_no_other_clinic() {
    let app = spawn().await;
    rising_pain(&app).await;
    let clin = app.web_login(&app.fx.clin_a).await;

    // The clinician's home is the caseload, linked from the menu.
    let home = clin.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&home), "/caseload");
    let res = clin.get(app.url("/caseload")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<a href="/caseload" aria-current="page">Caseload</a>"#));
    assert!(page.contains("2 of 2 patients shown"), "{page}");
    // Astrid first (urgent), then Bjorn; nobody of clinic B.
    let astrid = page.find("Astrid Alpha").expect("Astrid is listed");
    let bjorn = page.find("Bjorn Beta").expect("Bjorn is listed");
    assert!(astrid < bjorn, "ranked by need");
    assert!(!page.contains("Cecilie") && !page.contains("Gamma"));
    let row = &page[astrid..bjorn];
    assert!(page.contains(&format!(
        r#"<a href="/patients/{}">Astrid Alpha"#,
        app.fx.pat1
    )));
    assert!(row.contains("Pain rising after exercise"), "{row}");
    assert!(row.contains(">urgent<"), "{row}");
    assert!(
        row.contains("Pain rose by 2 or more points after 3 of the last 3 sessions of Opposite arm and leg reach"),
        "the reason names the numbers and the exercise: {row}"
    );
    assert!(
        row.contains(r#"<a href="/theory/M2.17">M2.17</a> ("#),
        "{row}"
    );
    let grade = rapport_domain::theory::KnowledgeBase::builtin()
        .unwrap()
        .get("M2.17")
        .unwrap()
        .grade
        .as_str();
    assert!(row.contains(&format!("M2.17</a> ({grade})")), "{row}");
    // The next contact is dated, with its reason.
    assert!(
        row.contains("Next contact") && row.contains("class=\"reason\""),
        "{row}"
    );

    // Filters: by kind, by name; a bad severity names the field.
    let only = clin
        .get(app.url("/caseload?kind=pain_rising"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(only.contains("Astrid Alpha") && !only.contains("Bjorn Beta"));
    assert!(only.contains("1 of 2 patients shown"));
    let named = clin
        .get(app.url("/caseload?q=beta"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(named.contains("Bjorn Beta") && !named.contains("Astrid Alpha"));
    let bad = clin
        .get(app.url("/caseload?severity=loud"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("severity"));

    // The view is audited, naming the patients shown.
    let audit = app.audit_for(app.fx.pat1).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "patient.list" && e.entity == "caseload" && e.outcome == "ok"),
        "{audit:?}"
    );

    // The same rows as JSON.
    let token = app.token(&app.fx.clin_a).await;
    let res = api()
        .get(app.url("/api/v1/caseload"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["total"], 2);
    let first = &body["rows"][0];
    assert_eq!(first["patient"]["id"], app.fx.pat1.0);
    assert_eq!(first["patient"]["name"], "Astrid Alpha");
    let flag = first["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "pain_rising")
        .expect("pain_rising flag");
    assert_eq!(flag["severity"], "urgent");
    assert!(
        flag["reason"].as_str().unwrap().starts_with("Pain rose"),
        "{flag}"
    );
    assert!(
        flag["cmoc"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "M2.17" && c["grade"] == grade),
        "{flag}"
    );
    assert!(first["next_contact"]["date"].is_string());
    assert!(!first["suggestions"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn patients_researchers_and_administrators_cannot_open_the_caseload() {
    let app = spawn().await;
    let patient = app.web_login(&app.fx.pat1_login).await;
    let res = patient.get(app.url("/caseload")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/me");
    let token = app.token(&app.fx.pat1_login).await;
    let res = api()
        .get(app.url("/api/v1/caseload"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let researcher = app.web_login(&app.fx.researcher_a).await;
    let res = researcher.get(app.url("/caseload")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    // The caseload is clinical work: an administrator runs the clinic, not
    // its care (rapport_domain::access).
    let admin = app.web_login(&app.fx.admin_a).await;
    let res = admin.get(app.url("/caseload")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let token = app.token(&app.fx.admin_a).await;
    let res = api()
        .get(app.url("/api/v1/caseload"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// A row says how much the patient needs the clinician in words, and shows a
/// message the patient is waiting on.
#[tokio::test]
async fn need_is_in_words_and_a_waiting_message_shows_on_the_row() {
    let app = spawn().await;
    let patient = app.token(&app.fx.pat1_login).await;
    let res = api()
        .post(app.url(&format!("/api/v1/patients/{}/messages", app.fx.pat1)))
        .bearer_auth(&patient)
        .json(&serde_json::json!({"body": "My back is worse since Tuesday"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let c = app.web_login(&app.fx.clin_a).await;
    let page = c
        .get(app.url("/caseload"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let astrid = page
        .split("Astrid Alpha")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(astrid.contains("1 new message"), "{astrid}");
    assert!(astrid.contains(r#"class="need need-"#), "{astrid}");
    let bjorn = page
        .split("Bjorn Beta")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(!bjorn.contains("new message"), "{bjorn}");
    // The API row carries the same.
    let token = app.token(&app.fx.clin_a).await;
    let rows: serde_json::Value = api()
        .get(app.url("/api/v1/caseload"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["patient"]["id"] == app.fx.pat1.0)
        .unwrap();
    assert_eq!(row["messages_waiting"], 1);
    assert!(row["need_label"].is_string() && row["need_reason"].is_string());
    assert_eq!(row["mechanisms"].as_array().unwrap().len(), 3);
}

/// Rows judged for one caseload are reused by the next only while nothing
/// they were judged from has changed: new logs, a new name and the clinic's
/// thresholds all show at once.
#[tokio::test]
async fn the_caseload_shows_each_change_on_the_next_opening() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let astrid = |body: &Value| -> Value {
        body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["patient"]["id"] == app.fx.pat1.0)
            .cloned()
            .expect("Astrid has a row")
    };
    let kinds = |row: &Value| -> Vec<String> {
        row["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, first) = app.api_get(&token, "/caseload").await;
    assert_eq!(status, 200, "{first}");
    assert!(!kinds(&astrid(&first)).contains(&"pain_rising".to_string()));
    // The same caseload again is the same.
    let (_, again) = app.api_get(&token, "/caseload").await;
    assert_eq!(first["rows"], again["rows"]);

    // Sessions with pain rising (written past the store, as a trigger sees them).
    rising_pain(&app).await;
    let (_, after_logs) = app.api_get(&token, "/caseload").await;
    let row = astrid(&after_logs);
    assert!(kinds(&row).contains(&"pain_rising".to_string()), "{row}");

    // A new name, which no record revision follows.
    sql(
        &app,
        format!(
            "UPDATE patients SET given_name = 'Asta' WHERE id = {}",
            app.fx.pat1.0
        ),
    )
    .await;
    let (_, renamed) = app.api_get(&token, "/caseload").await;
    assert_eq!(astrid(&renamed)["patient"]["name"], "Asta Alpha");

    // The clinic asks for a rise of 9 points before pain counts as rising.
    let admin = app.fx.admin_a.user.actor(None);
    let strict = rapport_domain::monitoring::Thresholds {
        pain_rise_points: 9,
        ..Default::default()
    };
    app.store.thresholds_set(&admin, &strict).await.unwrap();
    let (_, stricter) = app.api_get(&token, "/caseload").await;
    assert!(
        !kinds(&astrid(&stricter)).contains(&"pain_rising".to_string()),
        "{}",
        astrid(&stricter)
    );
}
