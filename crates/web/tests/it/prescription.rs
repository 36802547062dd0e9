use serde_json::Value;

use crate::harness::*;

/// Marks the red-flag screen of a patient's episode, as the patient would.
async fn screen(app: &App, login: &Login, positive: bool) {
    let c = app.web_login(login).await;
    let page = "/me/forms/baseline/red_flags";
    let token = csrf_of(&c, &app.url(page)).await;
    let mut form = red_flag_answers(if positive { &["cancer_history"] } else { &[] });
    form.push(("csrf_token".into(), token));
    let res = c.post(app.url(page)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
}

fn item_fields(n: usize, id: &str, sets: &str) -> Vec<(String, String)> {
    [
        ("exercise_id", id),
        ("sets", sets),
        ("reps", "8"),
        ("rest_seconds", "30"),
        ("per_week", "5"),
        ("weeks", "4"),
        ("delivery", "home"),
        (
            "progression_rule",
            "When easy three times, take the next step.",
        ),
        ("regression_rule", "If pain rises by 2, go back a step."),
        ("why", "Practise bending, which worries you"),
    ]
    .into_iter()
    .map(|(k, v)| (format!("i{n}.{k}"), v.to_string()))
    .collect()
}

async fn save_plan(
    app: &App,
    c: &reqwest::Client,
    patient: i64,
    mut fields: Vec<(String, String)>,
) -> reqwest::Response {
    // The form token belongs to the session, so any page of it will do.
    let token = csrf_of(c, &app.url("/patients")).await;
    fields.push(("csrf_token".into(), token));
    c.post(app.url(&format!("/patients/{patient}/prescription")))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_positive_red_flag_holds_the_prescription_until_cleared_and_every_step_is_audited() {
    let app = spawn().await;
    let p = app.fx.pat1.0;
    let clin = app.web_login(&app.fx.clin_a).await;
    // Not screened yet: on hold.
    let page = clin
        .get(app.url(&format!("/patients/{p}/prescription")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Exercise is on hold") && page.contains("has not been done"));
    let res = save_plan(&app, &clin, p, item_fields(1, "ge-bend-sitting", "2")).await;
    assert_eq!(res.status(), 409);
    // Positive screen: refused with the reason.
    screen(&app, &app.fx.pat1_login, true).await;
    let res = save_plan(&app, &clin, p, item_fields(1, "ge-bend-sitting", "2")).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("urgent medical review"));
    // Clearance with a reason, then allowed.
    let token = csrf_of(&clin, &app.url(&format!("/patients/{p}/assessment"))).await;
    let res = clin
        .post(app.url(&format!("/patients/{p}/red-flags/clear")))
        .form(&[
            (
                "reason",
                "GP review 3 March: history of cancer 20 years ago, no current concern",
            ),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = save_plan(&app, &clin, p, item_fields(1, "ge-bend-sitting", "2")).await;
    assert_eq!(res.status(), 303);

    let audit = app.audit_for(app.fx.pat1).await;
    let trail: Vec<(String, String)> = audit
        .iter()
        .rev()
        .filter(|e| {
            matches!(
                e.action.as_str(),
                "form.save" | "prescription.save" | "red_flag.clear"
            )
        })
        .map(|e| (e.action.clone(), e.outcome.clone()))
        .collect();
    let s = |a: &str, o: &str| (a.to_string(), o.to_string());
    assert_eq!(
        trail,
        vec![
            s("prescription.save", "refused"),
            s("form.save", "ok"),
            s("prescription.save", "refused"),
            s("red_flag.clear", "ok"),
            s("prescription.save", "ok"),
        ]
    );
    let refused = audit
        .iter()
        .find(|e| e.action == "prescription.save" && e.outcome == "refused")
        .unwrap();
    assert!(refused.detail.as_deref().unwrap().contains("red-flag"));
}

#[tokio::test]
async fn a_plan_is_built_from_proposals_progressed_and_the_patient_sees_what_changed() {
    let app = spawn().await;
    let p = app.fx.pat1.0;
    screen(&app, &app.fx.pat1_login, false).await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let page = clin
        .get(app.url(&format!("/patients/{p}/prescription")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Proposed for this patient"));
    assert!(!page.contains("Exercise is on hold"));
    // Build from two proposals: the editor fills in their default doses and rules.
    let editor = clin
        .get(app.url(&format!(
            "/patients/{p}/prescription/edit?pick=ge-bend-sitting&pick=ae-walk-10"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        editor.contains(r#"name="i1.exercise_id""#) && editor.contains(r#"name="i2.exercise_id""#)
    );
    assert!(
        editor.contains("move on to"),
        "the chain's progression rule"
    );
    let mut fields = item_fields(1, "ge-bend-sitting", "2");
    fields.extend(
        [
            ("i2.exercise_id", "ae-walk-10"),
            ("i2.sets", "1"),
            ("i2.duration_minutes", "10"),
            ("i2.per_week", "5"),
            ("i2.weeks", "4"),
            ("i2.delivery", "home"),
            ("i2.progression_rule", "Add 5 minutes a week."),
            ("i2.regression_rule", "Shorter walks on bad days."),
            ("i2.why", "You like walking"),
            ("reason", "First plan"),
            ("co_designed", "1"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let res = save_plan(&app, &clin, p, fields).await;
    assert_eq!(res.status(), 303);
    let page = clin
        .get(app.url(&format!("/patients/{p}/prescription")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Version 1") && page.contains("First plan"));
    assert!(page.contains("2 × 8, 5×/week for 4 weeks"));
    // Make the bending exercise harder: a new version, recorded as a progression.
    let token = csrf_of(&clin, &app.url(&format!("/patients/{p}/prescription"))).await;
    let res = clin
        .post(app.url(&format!("/patients/{p}/prescription/step")))
        .form(&[
            ("index", "0"),
            ("direction", "harder"),
            ("reason", "Easy for a week, no pain rise"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = clin
        .get(app.url(&format!("/patients/{p}/prescription")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Version 2")
            && page.contains(
                "Made harder: Bending forward while sitting → Bending forward to your knees"
            ),
        "{page}"
    );

    // The patient sees the current plan, why each exercise is there, and what changed.
    let me = app.web_login(&app.fx.pat1_login).await;
    let plan = me
        .get(app.url("/me/plan"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(plan.contains("Bending forward to your knees"), "{plan}");
    assert!(plan.contains("Practise bending, which worries you"));
    assert!(plan.contains("What changed") && plan.contains("Made harder"));
    let handout = me
        .get(app.url("/me/plan/print"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        handout.contains("Exercise plan for") && handout.contains("Bending forward to your knees")
    );
    // Another patient's plan is not theirs to see.
    let other = app.web_login(&app.fx.pat2_login).await;
    let theirs = other
        .get(app.url("/me/plan"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(theirs.contains("not given you exercises yet"));

    // CERT and TIDieR, as a page and as JSON.
    let report = clin
        .get(app.url(&format!("/patients/{p}/prescription/report")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(report.contains("CERT") && report.contains("TIDieR"));
    let id = page
        .split("/api/v1/prescriptions/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let token = app.token(&app.fx.clin_a).await;
    let json: Value = api()
        .get(app.url(&format!("/api/v1/prescriptions/{id}/cert")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["cert"].as_array().unwrap().len(), 19);
    assert_eq!(json["tidier"].as_array().unwrap().len(), 12);
    let item = |n: &str| {
        json["cert"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(item("1")["value"], "None needed");
    assert_eq!(item("7b")["complete"], true, "progressed once");
    assert_eq!(
        item("2")["complete"],
        false,
        "the clinician's background is not recorded"
    );
    assert!(item("13")["value"].as_str().unwrap().contains("10 min"));
    assert_eq!(json["version"], 2);
    let other = app.token(&app.fx.clin_b).await;
    assert_eq!(
        api()
            .get(app.url(&format!("/api/v1/prescriptions/{id}/cert")))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn bad_plans_are_refused_naming_the_field_and_nothing_is_saved() {
    let app = spawn().await;
    let p = app.fx.pat1.0;
    screen(&app, &app.fx.pat1_login, false).await;
    let clin = app.web_login(&app.fx.clin_a).await;
    for (fields, field) in [
        (item_fields(1, "ge-bend-sitting", "-2"), "items[1].sets"),
        (
            item_fields(1, "no-such-exercise", "2"),
            "items[1].exercise_id",
        ),
        (
            item_fields(1, "ge-bend-sitting", "2")
                .into_iter()
                .map(|(k, v)| {
                    if k == "i1.per_week" {
                        (k, "20".into())
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            "items[1].per_week",
        ),
        (
            item_fields(1, "ge-bend-sitting", "2")
                .into_iter()
                .map(|(k, v)| {
                    if k == "i1.why" {
                        (k, String::new())
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            "items[1].why",
        ),
    ] {
        let res = save_plan(&app, &clin, p, fields).await;
        assert_eq!(res.status(), 422, "{field}");
        assert!(res.text().await.unwrap().contains(field), "{field}");
    }
    // Another clinic's own exercise is not in this clinic's library.
    let clin_b = app.web_login(&app.fx.clin_b).await;
    let token = csrf_of(&clin_b, &app.url("/exercises/new")).await;
    let res = clin_b
        .post(app.url("/exercises/new"))
        .form(&[
            ("name", "Clinic B stairs"),
            ("category", "functional"),
            ("position", "standing"),
            ("targets", "legs"),
            ("settings", "clinic"),
            ("tasks", "stairs"),
            ("level", "2"),
            ("sets", "2"),
            ("reps", "10"),
            ("per_week", "3"),
            ("weeks", "6"),
            ("rest_seconds", "30"),
            ("seconds_per_set", "60"),
            ("instructions", "Step up.\nStep down."),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let res = save_plan(
        &app,
        &clin,
        p,
        item_fields(1, "clinic-clinic-b-stairs", "2"),
    )
    .await;
    assert_eq!(res.status(), 422);
    // Another clinic's patient is not found.
    let res = save_plan(&app, &clin_b, p, item_fields(1, "ge-bend-sitting", "2")).await;
    assert_eq!(res.status(), 404);
    let page = clin
        .get(app.url(&format!("/patients/{p}/prescription")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("No exercises prescribed yet"));

    // A plan longer than any clinic writes is refused whole.
    let too_many: Vec<(String, String)> = (1..=rapport_domain::prescription::MAX_ITEMS + 1)
        .flat_map(|n| item_fields(n, "ge-bend-sitting", "2"))
        .collect();
    let res = save_plan(&app, &clin, p, too_many).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("at most 30 exercises"));
    let mut fine: Vec<(String, String)> = (1..=rapport_domain::prescription::MAX_ITEMS)
        .flat_map(|n| item_fields(n, "ge-bend-sitting", "2"))
        .collect();
    fine.push(("whole_person_asked".into(), "1".into()));
    fine.push(("covers".into(), "sleep".into()));
    assert_eq!(save_plan(&app, &clin, p, fine).await.status(), 303);
    // What the plan covers besides the exercises is kept with the version.
    let saved = app
        .store
        .prescription_current(&app.fx.clin_a.user.actor(None), app.fx.pat1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        saved.current().unwrap().plan.whole_person,
        Some([rapport_domain::prescription::LifeArea::Sleep].into())
    );
}

#[tokio::test]
async fn the_clinic_library_lists_chains_and_keeps_its_own_exercises_and_pictures() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let list = clin
        .get(app.url("/exercises"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("132 of 132 exercises"));
    let graded = clin
        .get(app.url("/exercises?category=graded_exposure"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(graded.contains("Bending forward while sitting") && !graded.contains("Heel slides"));
    let detail = clin
        .get(app.url("/exercises/ge-bend-to-knees"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("From easier to harder") && detail.contains("/exercises/ge-bend-sitting")
    );
    // A bad clinic exercise names its field.
    let token = csrf_of(&clin, &app.url("/exercises/new")).await;
    let res = clin
        .post(app.url("/exercises/new"))
        .form(&[("name", "Half made"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("category"));
    // A picture, sent as a browser sends a file.
    let png = [137u8, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13];
    let boundary = "XyZ123";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let token = csrf_of(&clin, &app.url("/exercises/ge-bend-to-knees")).await;
    let res = clin
        .post(app.url(&format!(
            "/exercises/ge-bend-to-knees/image?csrf_token={token}"
        )))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let img = clin
        .get(app.url("/exercises/ge-bend-to-knees/image"))
        .send()
        .await
        .unwrap();
    assert_eq!(img.headers()["content-type"], "image/png");
    assert_eq!(img.bytes().await.unwrap().as_ref(), png);
    // Clinic B has no such picture; a patient cannot use the library pages.
    let clin_b = app.web_login(&app.fx.clin_b).await;
    assert_eq!(
        clin_b
            .get(app.url("/exercises/ge-bend-to-knees/image"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let me = app.web_login(&app.fx.pat1_login).await;
    assert_eq!(
        me.get(app.url("/exercises")).send().await.unwrap().status(),
        403
    );
}
