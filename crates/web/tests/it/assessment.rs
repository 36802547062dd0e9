use crate::harness::*;

fn numbered(values: &[i32]) -> Vec<(String, String)> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("q{}", i + 1), v.to_string()))
        .collect()
}

/// Posts a form page with its CSRF token; `page` is where the form is shown.
async fn post_form(
    app: &App,
    c: &reqwest::Client,
    page: &str,
    fields: Vec<(String, String)>,
) -> reqwest::Response {
    let token = csrf_of(c, &app.url(page)).await;
    let mut form = fields;
    form.push(("csrf_token".into(), token));
    c.post(app.url(page)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn a_patient_completes_the_baseline_set_and_the_clinician_sees_stratum_and_scores() {
    let app = spawn().await;
    let me = app.web_login(&app.fx.pat1_login).await;
    let home = me
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Questionnaires for you") && home.contains("Before treatment"));
    let start = me.get(app.url("/me/forms/baseline")).send().await.unwrap();
    assert_eq!(location(&start), "/me/forms/baseline/red_flags");

    let res = post_form(
        &app,
        &me,
        "/me/forms/baseline/red_flags",
        red_flag_answers(&[]),
    )
    .await;
    assert_eq!(location(&res), "/me/forms/baseline/intake");

    // Part of the intake, saved for later, then finished.
    let partial = vec![
        ("everyday_life".into(), "Office work, two children".into()),
        ("action".into(), "save".into()),
    ];
    let res = post_form(&app, &me, "/me/forms/baseline/intake", partial).await;
    assert_eq!(location(&res), "/me/forms/baseline/intake?saved=1");
    let again = me
        .get(app.url("/me/forms/baseline/intake?saved=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("Saved. You can come back and finish it later."));
    assert!(
        again.contains("Office work, two children"),
        "progress is kept between visits"
    );
    let intake: Vec<(String, String)> = [
        ("everyday_life", "Office work, two children"),
        ("limited_activities", "Gardening\nCarrying my son"),
        ("cause_belief", "A slipped disc"),
        ("expectations", "exercises"),
        ("expectations", "structural_diagnosis"),
        ("previous_exercise", "positive"),
        ("previous_physio", "none"),
        ("six_months", "Gardening again"),
        ("preferences", "walking"),
        ("dislikes", "running"),
        ("minutes_per_day", "15"),
        ("days_per_week", "5"),
        ("time_of_day", "morning"),
        ("settings", "home"),
        ("worries", "bending_is_dangerous"),
        ("action", "finish"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let res = post_form(&app, &me, "/me/forms/baseline/intake", intake).await;
    assert_eq!(location(&res), "/me/forms/baseline/startback");

    // STarT Back: an unanswered item is refused, naming the question.
    let mut incomplete = numbered(&[1, 1, 0, 0, 1, 1, 1, 0]);
    incomplete.truncate(8);
    let res = post_form(&app, &me, "/me/forms/baseline/startback", incomplete).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Question 9: Please answer this question."),
        "plain words for the patient"
    );
    assert!(!body.contains("startback cannot be scored"));
    let res = post_form(
        &app,
        &me,
        "/me/forms/baseline/startback",
        numbered(&[1, 1, 0, 0, 1, 1, 1, 0, 3]),
    )
    .await;
    assert_eq!(location(&res), "/me/forms/baseline/nprs");
    // Out of range is refused, never clamped.
    let res = post_form(&app, &me, "/me/forms/baseline/nprs", numbered(&[11])).await;
    assert_eq!(res.status(), 422);
    let res = post_form(&app, &me, "/me/forms/baseline/nprs", numbered(&[6])).await;
    assert_eq!(location(&res), "/me/forms/baseline/rmdq");
    // RMDQ: tick the statements that apply; unticked ones count as no.
    let ticks: Vec<(String, String)> = [2, 5, 9, 14, 20]
        .iter()
        .map(|n| (format!("q{n}"), "1".to_string()))
        .collect();
    let res = post_form(&app, &me, "/me/forms/baseline/rmdq", ticks).await;
    assert_eq!(location(&res), "/me/forms/baseline/pseq");
    let res = post_form(&app, &me, "/me/forms/baseline/pseq", numbered(&[3; 10])).await;
    assert_eq!(location(&res), "/me/forms/baseline/tsk11");
    let res = post_form(&app, &me, "/me/forms/baseline/tsk11", numbered(&[3; 11])).await;
    assert_eq!(location(&res), "/me?done=1");
    let home = me
        .get(app.url("/me?done=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("your answers are saved"));
    assert!(
        !home.contains("Questionnaires for you"),
        "nothing left to fill in"
    );
    // A completed form cannot be changed.
    let res = post_form(&app, &me, "/me/forms/baseline/nprs", numbered(&[2])).await;
    assert_eq!(res.status(), 409);

    let clin = app.web_login(&app.fx.clin_a).await;
    let page = clin
        .get(app.url(&format!("/patients/{}/assessment", app.fx.pat1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("STarT Back: <strong>high risk</strong>"),
        "stratum shown"
    );
    for expected in [
        "Keele STarT Back Screening Tool",
        "Pain Self-Efficacy Questionnaire",
        "30 <small>of 0–60",
        "Roland-Morris Disability Questionnaire",
        "5 <small>of 0–24",
        "33 <small>of 11–44",
        "by the patient",
        "Gardening",
        "A slipped disc",
        "Expectation to address",
        "Screen clear",
    ] {
        assert!(page.contains(expected), "missing: {expected}");
    }
    // Patient-ticked worries are the starting point of the beliefs checklist.
    assert!(page.contains(r#"value="bending_is_dangerous" checked"#));

    let audit = app.audit_for(app.fx.pat1).await;
    let saves = |outcome: &str| {
        audit
            .iter()
            .filter(|e| {
                e.action == "form.save"
                    && e.outcome == outcome
                    && e.user_id == Some(app.fx.pat1_login.user.id)
            })
            .count()
    };
    assert_eq!(
        saves("ok"),
        8,
        "red flags, intake twice, five questionnaires"
    );
    assert_eq!(
        saves("refused"),
        1,
        "the attempt to change a completed form"
    );
}

#[tokio::test]
async fn a_clinician_can_enter_forms_on_the_patients_behalf() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let base = format!("/patients/{}/forms/baseline", app.fx.pat2);
    let start = clin.get(app.url(&base)).send().await.unwrap();
    assert_eq!(location(&start), format!("{base}/red_flags"));
    let page = clin
        .get(app.url(&format!("{base}/red_flags")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("recorded as entered on the patient"));
    let res = post_form(
        &app,
        &clin,
        &format!("{base}/red_flags"),
        red_flag_answers(&[]),
    )
    .await;
    assert_eq!(location(&res), format!("{base}/intake"));
    let res = post_form(&app, &clin, &format!("{base}/pseq"), numbered(&[6; 10])).await;
    assert_eq!(res.status(), 303);
    let page = clin
        .get(app.url(&format!("/patients/{}/assessment", app.fx.pat2)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("by clinician for the patient"));
    // Another clinic cannot reach the forms; a patient cannot use the clinician's pages.
    let other = app.web_login(&app.fx.clin_b).await;
    assert_eq!(
        other
            .get(app.url(&format!("{base}/pseq")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        other
            .get(app.url(&format!("/patients/{}/assessment", app.fx.pat2)))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let patient = app.web_login(&app.fx.pat1_login).await;
    assert_eq!(
        patient
            .get(app.url(&format!("{base}/pseq")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        patient
            .get(app.url(&format!("/patients/{}/assessment", app.fx.pat1)))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn a_positive_red_flag_screen_alerts_the_clinician_until_cleared_with_a_reason() {
    let app = spawn().await;
    let me = app.web_login(&app.fx.pat1_login).await;
    // An unanswered question is refused: "no" is never assumed.
    let mut some = red_flag_answers(&[]);
    some.pop();
    let res = post_form(&app, &me, "/me/forms/baseline/red_flags", some).await;
    assert_eq!(res.status(), 422);
    let res = post_form(
        &app,
        &me,
        "/me/forms/baseline/red_flags",
        red_flag_answers(&["bladder_bowel_change"]),
    )
    .await;
    assert_eq!(res.status(), 303);

    let clin = app.web_login(&app.fx.clin_a).await;
    let list = clin
        .get(app.url("/patients"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Urgent: red flags") && list.contains("Alpha, Astrid"));
    let assessment = format!("/patients/{}/assessment", app.fx.pat1);
    let page = clin
        .get(app.url(&assessment))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("urgent medical review") && page.contains("losing control of your bladder")
    );
    let view = clin
        .get(app.url(&format!("/patients/{}", app.fx.pat1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(view.contains("Red flags:"));

    let short = post_form(&app, &clin, &assessment, vec![]).await;
    assert_eq!(short.status(), 405, "the page itself takes no posts");
    let token = csrf_of(&clin, &app.url(&assessment)).await;
    let clear = |reason: &'static str| {
        let token = token.clone();
        let url = app.url(&format!("/patients/{}/red-flags/clear", app.fx.pat1));
        let clin = clin.clone();
        async move {
            clin.post(url)
                .form(&[("reason", reason), ("csrf_token", &token)])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(clear("ok").await.status(), 422);
    let other = app.web_login(&app.fx.clin_b).await;
    let other_token = csrf_of(&other, &app.url("/patients")).await;
    let res = other
        .post(app.url(&format!("/patients/{}/red-flags/clear", app.fx.pat1)))
        .form(&[
            ("reason", "trying from another clinic"),
            ("csrf_token", &other_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        clear("Seen by GP today: urinary symptoms explained by an infection, treated")
            .await
            .status(),
        303
    );
    let list = clin
        .get(app.url("/patients"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains("Urgent: red flags"));
    let page = clin
        .get(app.url(&assessment))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Cleared"));
    let audit = app.audit_for(app.fx.pat1).await;
    assert!(audit.iter().any(|e| {
        e.action == "form.save"
            && e.detail
                .as_deref()
                .unwrap_or("")
                .contains("red_flag=positive")
    }));
    let cleared = audit
        .iter()
        .find(|e| e.action == "red_flag.clear" && e.outcome == "ok")
        .unwrap();
    assert_eq!(cleared.user_id, Some(app.fx.clin_a.user.id));
    assert!(cleared.detail.as_deref().unwrap().contains("infection"));
}

#[tokio::test]
async fn the_assessment_feeds_the_mechanisms_panel() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let view = format!("/patients/{}", app.fx.pat1);
    let before = clin
        .get(app.url(&view))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        before.contains("beliefs explored") || before.contains("exploration of beliefs"),
        "{before}"
    );
    let token = csrf_of(
        &clin,
        &app.url(&format!("/patients/{}/assessment", app.fx.pat1)),
    )
    .await;
    let res = clin
        .post(app.url(&format!("/patients/{}/beliefs", app.fx.pat1)))
        .form(&[
            ("confirmed", "rest_is_best"),
            ("confirmed", "hurt_means_harm"),
            ("note", "talked it through"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = clin
        .get(app.url(&format!("/patients/{}/assessment", app.fx.pat1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"value="rest_is_best" checked"#) && page.contains("talked it through"));
    let after = clin
        .get(app.url(&view))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(before, after, "the panel changes once beliefs are explored");
    assert!(!after.contains("no exploration of beliefs recorded yet"));
}

#[tokio::test]
async fn discharge_brings_the_end_of_treatment_forms_and_schedules_six_months() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let assessment = format!("/patients/{}/assessment", app.fx.pat1);
    let token = csrf_of(&clin, &app.url(&assessment)).await;
    let future = jiff::Zoned::now().date().tomorrow().unwrap().to_string();
    let res = clin
        .post(app.url(&format!("/patients/{}/episode/discharge", app.fx.pat1)))
        .form(&[("date", future.as_str()), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "not in the future");
    let res = clin
        .post(app.url(&format!("/patients/{}/episode/discharge", app.fx.pat1)))
        .form(&[("date", ""), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = clin
        .get(app.url(&assessment))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("At the end of treatment") && page.contains("Six months after treatment")
    );
    let me = app.web_login(&app.fx.pat1_login).await;
    let home = me
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("At the end of treatment"));
    assert!(home.contains("Six months after treatment</strong>:") && home.contains("opens on"));
    let six = me
        .get(app.url("/me/forms/six_months/nprs"))
        .send()
        .await
        .unwrap();
    assert_eq!(six.status(), 409, "the six-month forms are not open yet");
    let start = me.get(app.url("/me/forms/discharge")).send().await.unwrap();
    assert_eq!(location(&start), "/me/forms/discharge/nprs");
}

#[tokio::test]
async fn a_clinic_with_a_licence_shows_the_licensed_wording() {
    let app = spawn().await;
    let me = app.web_login(&app.fx.pat1_login).await;
    let ours = me
        .get(app.url("/me/forms/baseline/pseq"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!ours.contains("Licensed text of item one"));
    let mut doc = String::from(
        "instrument = \"pseq\"\nversion = \"10-item\"\nlanguage = \"en-GB\"\nlicence = \"Licensed to Clinic A, agreement 42\"\n",
    );
    for n in 1..=10 {
        let text = if n == 1 {
            "Licensed text of item one".to_string()
        } else {
            format!("Licensed item {n}")
        };
        doc.push_str(&format!("\n[[items]]\nnumber = {n}\ntext = \"{text}\"\n"));
    }
    let doc = doc.as_str();
    let set = rapport_domain::instruments::WordingSet::from_toml("test", doc).unwrap();
    app.store
        .wording_put(
            app.fx.clinic_a,
            "pseq",
            &set.version,
            &set.language,
            &set.licence,
            doc,
        )
        .await
        .unwrap();
    let licensed = me
        .get(app.url("/me/forms/baseline/pseq"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(licensed.contains("Licensed text of item one"));
    assert!(licensed.contains("Licensed to Clinic A, agreement 42"));
    // Clinic B's patients still see Rapport's own labels.
    let clin_b = app.web_login(&app.fx.clin_b).await;
    let other = clin_b
        .get(app.url(&format!("/patients/{}/forms/baseline/pseq", app.fx.pb1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains("Licensed text of item one"));
}
