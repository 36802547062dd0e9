//! The self-management plan: written by the clinician at discharge (on the
//! page, prefilled from the record, or through the API), every version kept,
//! read by the patient on their phone and on paper; bad input named field by
//! field, all at once; no one else's to read.

use serde_json::{Value, json};

use crate::harness::*;

const PLAN: &str = "/self-management-plan";

/// pat1 with a plan (through the page), a goal and a belief let go of
/// (through the API), discharged today on the assessment page.
async fn discharged(app: &App) -> String {
    let p = app.fx.pat1;
    app.logged_session().await;
    let clin = app.token(&app.fx.clin_a).await;
    let by = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap()
        .to_string();
    let (status, body) = app
        .api_post(
            &clin,
            &format!("/patients/{p}/goals"),
            &json!({"activity": "Weed the vegetable patch", "current_level": 2, "target_level": 8, "by": by, "agreed_together": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .api_post(
            &clin,
            &format!("/patients/{p}/beliefs"),
            &json!({"confirmed": ["hurt_means_harm", "rest_is_best"], "reconciled": ["hurt_means_harm"]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // Before discharge there is nothing to keep yet, and nothing to write.
    let (status, body) = app.api_get(&clin, &format!("/patients/{p}{PLAN}")).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = app
        .api_post(
            &clin,
            &format!("/patients/{p}{PLAN}"),
            &json!({"exercises": [{"exercise_id": "ge-bend-to-knees", "dose": "daily"}]}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let web = app.web_login(&app.fx.clin_a).await;
    let page = web
        .get(app.url(&format!("/patients/{p}/self-management")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("written together at discharge"), "{page}");
    assert!(!page.contains("Save version"), "no form before discharge");
    let res = app
        .submit(
            &web,
            &format!("/patients/{p}/assessment"),
            &format!("/patients/{p}/episode/discharge"),
            &[("date", &jiff::Zoned::now().date().to_string())],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    clin
}

async fn writes_keeps_versions_and_the_patient_reads_it(backend: Backend) {
    let Some(app) = spawn_on(backend, test_config(), |s| s).await else {
        return;
    };
    let p = app.fx.pat1;
    let clin = discharged(&app).await;
    let web = app.web_login(&app.fx.clin_a).await;

    // The form is prefilled with the draft from the record.
    let form = web
        .get(app.url(&format!("/patients/{p}/self-management")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Drafted from the record"), "{form}");
    assert!(
        form.contains(r#"<option value="ge-bend-to-knees" selected>"#),
        "the plan's exercise is chosen: {form}"
    );
    assert!(form.contains("2 sets of 8, 5 times a week."), "{form}");
    assert!(
        form.contains("Easier: Bending forward while sitting."),
        "{form}"
    );
    assert!(form.contains("Weed the vegetable patch"), "{form}");
    assert!(
        form.contains("Pain does not mean my back is being damaged."),
        "{form}"
    );
    assert!(
        !form.contains("Resting for a long time"),
        "a belief still held is not known"
    );
    assert!(
        form.contains("bladder or bowels"),
        "Rapport's own seek-help advice"
    );
    assert!(form.contains("Save version 1"), "{form}");
    for id in form
        .split("<input id=\"")
        .skip(1)
        .chain(form.split("<select id=\"").skip(1))
        .chain(form.split("<textarea id=\"").skip(1))
        .map(|s| &s[..s.find('"').unwrap()])
    {
        assert!(form.contains(&format!("for=\"{id}\"")), "{id} has no label");
    }

    // Version 1 through the API: Rapport's advice when none is given.
    let (status, v1) = app
        .api_post(
            &clin,
            &format!("/patients/{p}{PLAN}"),
            &json!({
                "exercises": [{"exercise_id": "ge-bend-to-knees", "dose": "2 sets of 8, every day."}],
                "activities": [{"activity": "Weed the vegetable patch", "reached": true}],
                "understanding": ["Pain does not mean my back is being damaged."],
            }),
        )
        .await;
    assert_eq!(status, 201, "{v1}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["patient_id"], p.0);
    assert_eq!(v1["exercises"][0]["name"], "Bending forward to your knees");
    assert_eq!(
        v1["exercises"][0]["easier"]["name"],
        "Bending forward while sitting"
    );
    assert_eq!(
        v1["exercises"][0]["harder"]["exercise_id"],
        "ge-bend-to-shins"
    );
    assert_eq!(v1["activities"][0]["reached"], true);
    assert!(v1["flare_up"].as_array().unwrap().len() >= 3);
    assert!(v1["seek_help"][0].as_str().unwrap().contains("bladder"));

    // Version 2 on the page, filled in from version 1.
    let form = web
        .get(app.url(&format!("/patients/{p}/self-management")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("Filled in from version 1"), "{form}");
    assert!(form.contains("2 sets of 8, every day."), "{form}");
    let res = app
        .submit(
            &web,
            &format!("/patients/{p}/self-management"),
            &format!("/patients/{p}/self-management"),
            &[
                ("e1.exercise_id", "ge-bend-to-shins"),
                ("e1.name", ""),
                ("e1.dose", "2 sets of 8, every other day."),
                ("e2.exercise_id", ""),
                ("e2.name", ""),
                ("e2.dose", ""),
                ("a1.activity", "Weed the vegetable patch"),
                ("a1.reached", "1"),
                ("a2.activity", "Walk to the shop"),
                (
                    "flare_up",
                    "Slow down, do not stop.\r\n\r\nUse the easier version.",
                ),
                ("seek_help", "New numbness or bladder change: call at once."),
                (
                    "understanding",
                    "Pain does not mean my back is being damaged.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(
        location(&res),
        format!("/patients/{p}/self-management?saved=2")
    );

    // Both versions are kept and readable; the latest by default.
    let (status, latest) = app.api_get(&clin, &format!("/patients/{p}{PLAN}")).await;
    assert_eq!(status, 200, "{latest}");
    assert_eq!(latest["version"], 2);
    assert_eq!(latest["exercises"][0]["exercise_id"], "ge-bend-to-shins");
    assert_eq!(
        latest["exercises"][0]["easier"]["exercise_id"],
        "ge-bend-to-knees"
    );
    assert_eq!(
        latest["flare_up"],
        json!(["Slow down, do not stop.", "Use the easier version."])
    );
    assert_eq!(
        latest["activities"][1],
        json!({"activity": "Walk to the shop", "reached": false})
    );
    assert_eq!(
        latest["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2]
    );
    let (status, old) = app
        .api_get(&clin, &format!("/patients/{p}{PLAN}?version=1"))
        .await;
    assert_eq!(status, 200, "{old}");
    assert_eq!(old["exercises"], v1["exercises"]);
    let (status, body) = app
        .api_get(&clin, &format!("/patients/{p}{PLAN}?version=3"))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = app
        .api_get(&clin, &format!("/patients/{p}{PLAN}?version=0"))
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (422, &json!("version")),
        "{body}"
    );
    let (status, body) = app
        .api_get(&clin, &format!("/patients/{p}{PLAN}?colour=red"))
        .await;
    assert_eq!(status, 400, "{body}");

    // The patient reads their own: through the API, and on their phone.
    let own = app.token(&app.fx.pat1_login).await;
    let (status, mine) = app.api_get(&own, &format!("/patients/{p}{PLAN}")).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["version"], 2);
    let (status, mine) = app
        .api_get(&own, &format!("/patients/{p}{PLAN}?version=1"))
        .await;
    assert_eq!((status, mine["version"].as_i64()), (200, Some(1)));
    let phone = app.web_login(&app.fx.pat1_login).await;
    let home = phone
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(r#"href="/me/self-management""#), "{home}");
    let plan = phone
        .get(app.url("/me/self-management"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for words in [
        "Looking after your back",
        "Bending forward to your shins",
        "2 sets of 8, every other day.",
        "Easier, for a bad day or a flare-up:</strong> Bending forward to your knees",
        "Weed the vegetable patch",
        "Walk to the shop",
        "If you have a flare-up",
        "When to get help",
        "New numbness or bladder change",
        "What you know now about your back",
        r#"href="/me/self-management/print""#,
    ] {
        assert!(plan.contains(words), "{words}: {plan}");
    }
    for jargon in ["hurt_means_harm", "ge-bend", "TSK", "CMOC"] {
        assert!(!plan.contains(jargon), "{jargon} shown to the patient");
    }
    let printed = phone
        .get(app.url("/me/self-management/print"))
        .send()
        .await
        .unwrap();
    assert_eq!(printed.status(), 200);
    let printed = printed.text().await.unwrap();
    assert!(printed.contains(r#"class="print-only""#) && printed.contains("printed"));
    assert!(!printed.contains("Printable version"));
    let css = api()
        .get(app.url("/static/app.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains(".self-management .seek-help") && css.contains("@media print"));
    // The clinician's copy of what the patient has, and the patient page's summary.
    let copy = web
        .get(app.url(&format!("/patients/{p}/self-management/print?version=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        copy.contains("Bending forward to your knees") && copy.contains("there is a newer one")
    );
    let page = web
        .get(app.url(&format!("/patients/{p}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Version 2, written"), "{page}");

    // Every read and write was audited.
    let audit = app.audit_for(p).await;
    let count = |action: &str| {
        audit
            .iter()
            .filter(|a| a.action == action && a.outcome == "ok")
            .count()
    };
    assert_eq!(count("self_management.save"), 2);
    assert!(count("self_management.read") >= 4);
}

#[tokio::test]
async fn a_clinician_writes_it_at_discharge_versions_are_kept_and_the_patient_reads_it() {
    writes_keeps_versions_and_the_patient_reads_it(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_clinician_writes_it_at_discharge_versions_are_kept_and_the_patient_reads_it_postgres() {
    writes_keeps_versions_and_the_patient_reads_it(Backend::Postgres).await;
}

fn fields(body: &Value) -> Vec<(String, String)> {
    body["error"]["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors list: {body}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn bad_input_is_refused_naming_every_field_and_nothing_is_stored() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let clin = discharged(&app).await;
    let (status, body) = app
        .api_post(
            &clin,
            &format!("/patients/{p}{PLAN}"),
            &json!({
                "exercises": [
                    {"exercise_id": "no-such-exercise", "dose": "daily"},
                    {"exercise_id": "ge-bend-to-knees", "dose": ""},
                    {"exercise_id": "ge-bend-to-knees", "name": "x".repeat(121), "dose": "daily"},
                ],
                "activities": [{"activity": "a\nb"}],
                "flare_up": [],
                "seek_help": ["y".repeat(401)],
            }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation");
    assert_eq!(body["error"]["field"], "exercises[1].exercise_id");
    assert_eq!(
        fields(&body),
        [
            ("exercises[1].exercise_id", "known"),
            ("exercises[2].dose", "required"),
            ("exercises[3].exercise_id", "unique"),
            ("exercises[3].name", "max_length"),
            ("activities[1].activity", "one_line"),
            ("flare_up", "required"),
            ("seek_help[1]", "max_length"),
        ]
        .map(|(f, r)| (f.to_string(), r.to_string()))
    );
    // No exercise at all.
    let (status, body) = app
        .api_post(&clin, &format!("/patients/{p}{PLAN}"), &json!({}))
        .await;
    assert_eq!(
        (status, fields(&body)),
        (422, vec![("exercises".into(), "required".into())]),
        "{body}"
    );
    // A body that cannot be read is 400, naming the field.
    let (status, body) = app
        .api_post(
            &clin,
            &format!("/patients/{p}{PLAN}"),
            &json!({"exercises": "all of them"}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (400, &json!("exercises")),
        "{body}"
    );
    let (status, body) = app
        .api_post(
            &clin,
            &format!("/patients/{p}{PLAN}"),
            &json!({"exercises": [], "colour": "red"}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (400, &json!("colour")),
        "{body}"
    );

    // On the page: every error in words at the top and by its field, the input kept.
    let web = app.web_login(&app.fx.clin_a).await;
    let res = app
        .submit(
            &web,
            &format!("/patients/{p}/self-management"),
            &format!("/patients/{p}/self-management"),
            &[
                ("e1.exercise_id", "ge-bend-to-knees"),
                ("e1.name", "My bend"),
                ("e1.dose", ""),
                ("e2.exercise_id", "ge-bend-to-knees"),
                ("e2.dose", "Every day, kept as typed"),
                ("a1.activity", "Weed the vegetable patch"),
                ("flare_up", ""),
                ("seek_help", "Call us"),
                ("understanding", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("these 3 things"), "{page}");
    for words in [
        r##"<a href="#e1-dose">Exercise 1, how much</a>: say how much and how often"##,
        r##"<a href="#e2-exercise_id">Exercise 2, exercise</a>"##,
        r##"<a href="#flare_up">In a flare-up</a>: say what to do in a flare-up"##,
        r#"name="e1.dose" value="" aria-invalid="true""#,
        r#"value="My bend""#,
        r#"value="Every day, kept as typed""#,
        r#"value="Weed the vegetable patch""#,
        ">Call us</textarea>",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    // Nothing was stored by any of it.
    let (status, body) = app.api_get(&clin, &format!("/patients/{p}{PLAN}")).await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn no_one_else_reads_or_writes_it() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let clin = discharged(&app).await;
    let body = json!({"exercises": [{"exercise_id": "ge-bend-to-knees", "dose": "2 sets of 8, every day."}]});
    let (status, saved) = app
        .api_post(&clin, &format!("/patients/{p}{PLAN}"), &body)
        .await;
    assert_eq!(status, 201, "{saved}");
    let path = format!("/patients/{p}{PLAN}");
    // (caller, GET, POST): another clinic's clinician and another patient are
    // told nothing exists; the patient reads but does not write; the
    // clinic's administrator and researcher keep no clinical record.
    let callers = [
        (&app.fx.clin_b, 404, 404),
        (&app.fx.pat2_login, 404, 403),
        (&app.fx.pat1_login, 200, 403),
        (&app.fx.admin_a, 403, 403),
        (&app.fx.researcher_a, 403, 403),
    ];
    for (login, get, post) in callers {
        let token = app.token(login).await;
        let (status, answer) = app.api_get(&token, &path).await;
        assert_eq!(status, get, "{} GET: {answer}", login.email);
        let (status, answer) = app.api_post(&token, &path, &body).await;
        assert_eq!(status, post, "{} POST: {answer}", login.email);
        if status >= 400 {
            assert!(!answer.to_string().contains("Astrid"), "{answer}");
        }
        let (status, _) = app.api_get(&token, &format!("{path}?version=1")).await;
        assert_eq!(status, get, "{} GET version 1", login.email);
    }
    let (status, _) = app.api_get("not-a-token", &path).await;
    assert_eq!(status, 401);
    // Another clinic's patient of the same id space, and an id that is no id.
    let b = app.token(&app.fx.clin_b).await;
    let (status, _) = app
        .api_get(&clin, &format!("/patients/{}{PLAN}", app.fx.pb1))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.api_get(&b, &format!("/patients/abc{PLAN}")).await;
    assert_eq!(status, 404);
    // Still one version, clinic A's.
    let (_, latest) = app.api_get(&clin, &path).await;
    assert_eq!(latest["versions"].as_array().unwrap().len(), 1);

    // The pages: another clinic's clinician finds nothing; another patient
    // sees only that they have no plan; staff who keep no record are refused.
    let other = app.web_login(&app.fx.clin_b).await;
    for page in ["/self-management", "/self-management/print"] {
        let res = other
            .get(app.url(&format!("/patients/{p}{page}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{page}");
    }
    let res = app
        .submit(
            &other,
            "/patients",
            &format!("/patients/{p}/self-management"),
            &[
                ("e1.exercise_id", "ge-bend-to-knees"),
                ("e1.dose", "daily"),
                ("flare_up", "x"),
                ("seek_help", "y"),
            ],
        )
        .await;
    assert_eq!(res.status(), 404);
    let pat2 = app.web_login(&app.fx.pat2_login).await;
    let page = pat2
        .get(app.url("/me/self-management"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("When your care ends") && !page.contains("Bending forward"),
        "{page}"
    );
    let res = pat2
        .get(app.url(&format!("/patients/{p}/self-management")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let admin = app.web_login(&app.fx.admin_a).await;
    let res = admin
        .get(app.url(&format!("/patients/{p}/self-management")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_openapi_document_declares_both_routes() {
    let app = spawn().await;
    let doc: Value = api()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let route = &doc["paths"]["/api/v1/patients/{id}/self-management-plan"];
    for status in ["200", "401", "403", "404", "422"] {
        assert!(
            route["get"]["responses"][status].is_object(),
            "GET {status}"
        );
    }
    for status in [
        "201", "400", "401", "403", "404", "409", "413", "415", "422",
    ] {
        assert!(
            route["post"]["responses"][status].is_object(),
            "POST {status}"
        );
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["SelfManagementWrite"]["properties"]["exercises"].is_object());
    assert!(schemas["SelfManagementOut"]["properties"]["seek_help"].is_object());
    assert!(schemas["ErrorDetail"]["properties"]["errors"].is_object());
}
