use serde_json::{Value, json};

use crate::harness::*;

/// pat1 screened clear, with a plan of one exercise that has an easier step.
async fn planned(app: &App) -> reqwest::Client {
    let pat = app.web_login(&app.fx.pat1_login).await;
    let page = "/me/forms/baseline/red_flags";
    let token = csrf_of(&pat, &app.url(page)).await;
    let mut form = red_flag_answers(&[]);
    form.push(("csrf_token".into(), token));
    assert_eq!(
        pat.post(app.url(page))
            .form(&form)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let clin = app.web_login(&app.fx.clin_a).await;
    let p = app.fx.pat1.0;
    let res = app
        .submit(
            &clin,
            "/patients",
            &format!("/patients/{p}/prescription"),
            &[
                ("i1.exercise_id", "ge-bend-to-knees"),
                ("i1.sets", "2"),
                ("i1.reps", "8"),
                ("i1.rest_seconds", "30"),
                ("i1.per_week", "5"),
                ("i1.weeks", "4"),
                ("i1.delivery", "home"),
                (
                    "i1.progression_rule",
                    "When easy three times, take the next step.",
                ),
                ("i1.regression_rule", "If pain rises by 2, go back a step."),
                ("i1.why", "Practise bending, which worries you"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    pat
}

async fn log(app: &App, pat: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    app.submit(pat, "/me", "/me/logs", fields).await
}

#[tokio::test]
async fn rising_pain_is_flagged_with_its_reason_and_a_regression_reaches_the_patient() {
    let app = spawn().await;
    let p = app.fx.pat1.0;
    let pat = planned(&app).await;
    let home = pat
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Today's exercises") && home.contains("Log this exercise"),
        "{home}"
    );
    for after in ["4", "5", "6"] {
        let res = log(
            &app,
            &pat,
            &[
                ("exercise_id", "ge-bend-to-knees"),
                ("completion", "done"),
                ("pain_before", "2"),
                ("pain_after", after),
                ("difficulty", "4"),
                ("enjoyment", "3"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/me?logged=1#today");
    }
    // A refused log says which field and why, and stores nothing.
    let res = log(
        &app,
        &pat,
        &[
            ("exercise_id", "ge-bend-to-knees"),
            ("completion", "done"),
            ("pain_after", "11"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Pain after: must be a whole number from 0 to 10")
    );

    let clin = app.web_login(&app.fx.clin_a).await;
    let page = clin
        .get(app.url(&format!("/patients/{p}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Pain rising after exercise"), "{page}");
    assert!(page.contains("after 3 of the last 3 sessions"), "{page}");
    assert!(page.contains("M2.17"));
    assert!(
        page.contains("of the last 3 sessions of Bending forward to your knees"),
        "the reason names the exercise: {page}"
    );

    // A supervised session that makes the exercise easier.
    let res = app
        .submit(
            &clin,
            &format!("/patients/{p}"),
            &format!("/patients/{p}/follow-ups"),
            &[
                ("kind", "supervised"),
                ("feedback_given", "yes"),
                ("feels_supported", "yes"),
                ("corrections", "Bend from the hips, not the back"),
                ("step", "0:easier"),
                ("notes", "Pain settles within an hour"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/patients/{p}?recorded=1#monitoring")
    );
    let page = clin
        .get(app.url(&format!("/patients/{p}?recorded=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Follow-up recorded"));
    assert!(page.contains("plan version 2"), "{page}");
    assert!(page.contains("Bend from the hips, not the back"));
    assert!(page.contains("Next contact then set for"));

    // Feedback on a log; the patient sees it with the changed plan.
    let m = app
        .store
        .monitoring(&clinician_actor(&app), app.fx.pat1)
        .await
        .unwrap()
        .unwrap();
    let last = m.logs.last().unwrap().id;
    let res = app
        .submit(
            &clin,
            &format!("/patients/{p}"),
            &format!("/patients/{p}/logs/{last}/comments"),
            &[("body", "Well reported. Use the easier step this week.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let home = pat
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Your plan changed on"), "{home}");
    assert!(home.contains("Well reported. Use the easier step this week."));
    // Today's list now holds the easier step instead of the harder one.
    assert!(
        home.contains("<h3>Bending forward while sitting</h3>"),
        "{home}"
    );
    assert!(
        !home.contains("<h3>Bending forward to your knees</h3>"),
        "{home}"
    );
    // Seen once shown: the clinician sees it was seen.
    let page = clin
        .get(app.url(&format!("/patients/{p}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("(seen)"));
}

fn clinician_actor(app: &App) -> rapport_store::Actor {
    rapport_store::Actor {
        user_id: Some(app.fx.clin_a.user.id),
        clinic_id: app.fx.clinic_a,
        role: rapport_domain::identity::Role::Clinician,
        patient_id: None,
        address: None,
    }
}

#[tokio::test]
async fn other_apps_log_through_the_api_with_the_same_rules_and_read_adherence() {
    let app = spawn().await;
    let p = app.fx.pat1.0;
    planned(&app).await;
    let c = api();
    let token = app.token(&app.fx.pat1_login).await;
    let url = app.url(&format!("/api/v1/patients/{p}/logs"));
    let res = c
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"exercise_id": "ge-bend-to-knees", "completion": "done", "pain_before": 1, "pain_after": 2, "difficulty": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["completion"], "completed");
    assert_eq!(body["source"], "api");
    // Invalid: named field and rule.
    let res = c
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"exercise_id": "ge-bend-to-knees", "completion": "skipped"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "skip_reason");
    assert_eq!(body["error"]["rule"], "required");
    let res = c
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"exercise_id": "ge-bend-to-knees", "completion": "done", "pain_after": 3, "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Another patient's record: 404, never theirs.
    let other = app.fx.pat2.0;
    let res = c
        .post(app.url(&format!("/api/v1/patients/{other}/logs")))
        .bearer_auth(&token)
        .json(&json!({"exercise_id": "ge-bend-to-knees", "completion": "done", "pain_after": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Another clinic's clinician: 404.
    let tb = app.token(&app.fx.clin_b).await;
    let res = c
        .get(app.url(&format!("/api/v1/patients/{p}/adherence")))
        .bearer_auth(&tb)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let ta = app.token(&app.fx.clin_a).await;
    let res = c
        .get(app.url(&format!("/api/v1/patients/{p}/adherence")))
        .bearer_auth(&ta)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["patient_id"], p);
    assert_eq!(body["sessions_per_week"], 5);
    let week = body["weeks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(week["days_done"], 1, "{body}");
    assert_eq!(body["status"], "active");
    assert!(body["ears"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn messages_go_both_ways_within_the_clinic() {
    let app = spawn().await;
    let p = app.fx.pat1.0;
    let pat = app.web_login(&app.fx.pat1_login).await;
    let res = app
        .submit(
            &pat,
            "/me",
            "/me/messages",
            &[("body", "Can I swim instead on Fridays?")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let clin = app.web_login(&app.fx.clin_a).await;
    let page = clin
        .get(app.url(&format!("/patients/{p}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Can I swim instead on Fridays?"));
    let res = app
        .submit(
            &clin,
            &format!("/patients/{p}"),
            &format!("/patients/{p}/messages"),
            &[("body", "Yes, swimming counts.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let home = pat
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Yes, swimming counts."));
    // Clinic B cannot write into the thread.
    let other = app.web_login(&app.fx.clin_b).await;
    let res = app
        .submit(
            &other,
            "/patients",
            &format!("/patients/{p}/messages"),
            &[("body", "hello")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let empty = app
        .submit(&pat, "/me", "/me/messages", &[("body", "  ")])
        .await;
    assert_eq!(empty.status(), 422);
}

/// The whole session in one form: every exercise's mistake named at once
/// with nothing stored and what was typed kept; "I did them all" logs each
/// exercise done with the session's pain, in one go.
#[tokio::test]
async fn a_whole_session_is_logged_at_once_or_not_at_all() {
    let app = spawn().await;
    let pat = planned(&app).await;
    // A second exercise in the plan.
    let clin = app.web_login(&app.fx.clin_a).await;
    let p = app.fx.pat1.0;
    let mut fields: Vec<(&str, &str)> = vec![
        ("i1.exercise_id", "ge-bend-to-knees"),
        ("i1.sets", "2"),
        ("i1.reps", "8"),
        ("i1.rest_seconds", "30"),
        ("i1.per_week", "5"),
        ("i1.weeks", "4"),
        ("i1.delivery", "home"),
        (
            "i1.progression_rule",
            "When easy three times, take the next step.",
        ),
        ("i1.regression_rule", "If pain rises by 2, go back a step."),
        ("i1.why", "Practise bending, which worries you"),
    ];
    let second: Vec<(String, &str)> = fields
        .iter()
        .map(|(k, v)| (k.replacen("i1.", "i2.", 1), *v))
        .collect();
    let second: Vec<(&str, &str)> = second
        .iter()
        .map(|(k, v)| {
            if k == "i2.exercise_id" {
                (k.as_str(), "mc-dead-bug")
            } else {
                (k.as_str(), *v)
            }
        })
        .collect();
    fields.extend(second);
    let res = app
        .submit(
            &clin,
            "/patients",
            &format!("/patients/{p}/prescription"),
            &fields,
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let home = pat
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Log today's session"), "{home}");
    // Doses in words for the patient, not the clinician's shorthand.
    assert!(home.contains("2 sets of 8, 5 times a week"), "{home}");
    let plan = pat
        .get(app.url("/me/plan"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        plan.contains("How much:</strong> 2 sets of 8, 5 times a week"),
        "{plan}"
    );
    assert!(!plan.contains("STarT Back"), "{plan}");
    assert!(
        home.contains(r#"name="e2.exercise_id" value="mc-dead-bug""#),
        "{home}"
    );

    let res = app
        .submit(
            &pat,
            "/me",
            "/me/session",
            &[
                ("pain_before", "3"),
                ("e1.exercise_id", "ge-bend-to-knees"),
                ("e1.name", "Bend to knees"),
                ("e1.completion", "done"),
                ("e1.difficulty", "9"),
                ("e2.exercise_id", "mc-dead-bug"),
                ("e2.name", "Dead bug"),
                ("e2.completion", "partly"),
                ("e2.enjoyment", "0"),
                ("pain_after", "4"),
                ("note", "My typed note"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Nothing was saved yet"), "{page}");
    assert!(page.contains("Bend to knees: How hard"), "{page}");
    assert!(page.contains("Dead bug: Enjoyment"), "{page}");
    assert!(page.contains("My typed note</textarea>"), "kept: {page}");
    assert!(
        page.contains(r#"name="pain_before" value="3" checked"#),
        "kept: {page}"
    );
    let token = app.token(&app.fx.clin_a).await;
    let logs = |body: &Value| body["logs"].as_array().map_or(0, Vec::len);
    let (_, before) = app.api_get(&token, &format!("/patients/{p}/logs")).await;
    assert_eq!(logs(&before), 0, "nothing stored: {before}");

    // A skipped exercise is not given a reason the patient did not give.
    let res = app
        .submit(
            &pat,
            "/me",
            "/me/session",
            &[
                ("e1.exercise_id", "ge-bend-to-knees"),
                ("e1.name", "Bend to knees"),
                ("e1.completion", "skipped"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Bend to knees: Why not"), "{page}");

    // Three taps: pain before, pain after, "I did them all".
    let res = app
        .submit(
            &pat,
            "/me",
            "/me/session",
            &[
                ("pain_before", "2"),
                ("e1.exercise_id", "ge-bend-to-knees"),
                ("e2.exercise_id", "mc-dead-bug"),
                ("pain_after", "3"),
                ("all", "done"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let (_, after) = app.api_get(&token, &format!("/patients/{p}/logs")).await;
    let all = after["logs"].as_array().unwrap();
    assert_eq!(all.len(), 2, "{after}");
    // One figure: the week's progress and each exercise's card count the same week.
    let home = pat
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("This week 1 of 5 sessions"), "{home}");
    assert!(home.contains("This week: 1 of 5."), "{home}");
    for l in all {
        assert_eq!(l["completion"], "completed", "{l}");
        assert_eq!(l["pain_before"], 2, "{l}");
        assert_eq!(l["pain_after"], 3, "{l}");
    }
}
