//! Discharge and outcomes through the API and the pages: discharge makes
//! the follow-up forms due, each patient's change is judged against the
//! instrument's minimal important change, the end-of-care answers sit beside
//! the expectations at intake, and the clinic's report is the sum of its
//! patients' own outcomes. Another clinic and another patient see nothing.

use serde_json::{Value, json};

use crate::harness::*;

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// RMDQ answers with `yes` statements ticked (24 items).
fn rmdq(yes: usize) -> Value {
    json!((0..24).map(|i| i32::from(i < yes)).collect::<Vec<_>>())
}

async fn form(app: &App, token: &str, p: rapport_domain::identity::PatientId, body: Value) {
    let (status, answer) = app
        .api_post(token, &format!("/patients/{p}/forms"), &body)
        .await;
    assert_eq!(status, 201, "{body}: {answer}");
}

/// Baseline pain 7 and RMDQ 10; at discharge pain `pain` and RMDQ `rmdq_after`.
async fn scored_and_discharged(
    app: &App,
    p: rapport_domain::identity::PatientId,
    pain: i64,
    rmdq_after: usize,
) -> Value {
    let clin = app.token(&app.fx.clin_a).await;
    form(app, &clin, p, json!({"instrument": "intake", "time_point": "baseline",
        "answers": {"everyday_life": "Office work", "expectations": ["reassurance", "pain_free", "exercises"], "finish": false}})).await;
    form(
        app,
        &clin,
        p,
        json!({"instrument": "nprs", "time_point": "baseline", "answers": [7]}),
    )
    .await;
    form(
        app,
        &clin,
        p,
        json!({"instrument": "rmdq", "time_point": "baseline", "answers": rmdq(10)}),
    )
    .await;
    let (status, after) = app
        .api_post(
            &clin,
            &format!("/patients/{p}/episode/discharge"),
            &json!({"discharged_on": today().to_string()}),
        )
        .await;
    assert_eq!(status, 200, "{after}");
    form(
        app,
        &clin,
        p,
        json!({"instrument": "nprs", "time_point": "discharge", "answers": [pain]}),
    )
    .await;
    form(
        app,
        &clin,
        p,
        json!({"instrument": "rmdq", "time_point": "discharge", "answers": rmdq(rmdq_after)}),
    )
    .await;
    after
}

fn instrument<'a>(outcomes: &'a Value, code: &str) -> &'a Value {
    outcomes["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instrument"] == code)
        .unwrap_or_else(|| panic!("no {code} in {outcomes}"))
}

#[tokio::test]
async fn discharge_makes_the_forms_due_and_each_change_is_judged() {
    let app = spawn().await;
    let p = app.fx.pat1;
    let after = scored_and_discharged(&app, p, 4, 8).await;
    // Discharge: the end-of-treatment forms are due now, the six-month ones later.
    let due = after["forms_due"].as_array().unwrap();
    let at = |tp: &str| due.iter().find(|d| d["time_point"] == tp).unwrap();
    assert_eq!(at("discharge")["status"], "due", "{after}");
    assert_eq!(at("discharge")["due_on"], today().to_string());
    assert!(
        at("discharge")["forms_missing"]
            .as_array()
            .unwrap()
            .contains(&json!("endofcare"))
    );
    assert_eq!(at("six_months")["status"], "upcoming");
    assert_eq!(
        at("six_months")["due_on"],
        today()
            .checked_add(jiff::Span::new().months(6))
            .unwrap()
            .to_string()
    );

    let clin = app.token(&app.fx.clin_a).await;
    let (status, o) = app.api_get(&clin, &format!("/patients/{p}/outcomes")).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["discharged_on"], today().to_string());
    // Pain 7 → 4: 3 points, past the 2-point threshold.
    let nprs = instrument(&o, "nprs");
    assert_eq!(nprs["baseline"], 7.0);
    assert_eq!(nprs["discharge"], 4.0);
    assert_eq!(nprs["six_months"], Value::Null);
    assert_eq!(nprs["change"]["discharge"], -3.0);
    assert_eq!(nprs["mcid"]["points"], 2.0);
    assert_eq!(nprs["mcid"]["percent"], 30.0);
    assert_eq!(nprs["mcid"]["reached"]["discharge"], true);
    assert_eq!(nprs["mcid"]["reached"]["six_months"], Value::Null);
    // RMDQ 10 → 8: 2 points and 20 %, short of 5 points or 30 %.
    let rm = instrument(&o, "rmdq");
    assert_eq!(rm["change"]["discharge"], -2.0);
    assert_eq!(rm["mcid"]["reached"]["discharge"], false);

    // The end-of-care questions beside the expectations at intake.
    form(&app, &clin, p, json!({"instrument": "endofcare", "time_point": "discharge", "answers": [5, 5, 4, 4, 3, 2]})).await;
    let (_, o) = app.api_get(&clin, &format!("/patients/{p}/outcomes")).await;
    let verdicts: Vec<(String, String)> = o["expectations"]["discharge"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["expectation"].as_str().unwrap().to_string(),
                e["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        verdicts.contains(&("reassurance".into(), "met".into())),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&("pain_free".into(), "changed".into())),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&("exercises".into(), "not_met".into())),
        "{verdicts:?}"
    );
    assert_eq!(o["expectations"]["six_months"][0]["verdict"], "not_asked");

    // The patient reads their own; another patient and another clinic do not.
    let own = app.token(&app.fx.pat1_login).await;
    let (status, mine) = app.api_get(&own, &format!("/patients/{p}/outcomes")).await;
    assert_eq!(status, 200);
    assert_eq!(mine["instruments"], o["instruments"]);
    for login in [&app.fx.pat2_login, &app.fx.clin_b] {
        let t = app.token(login).await;
        let (status, body) = app.api_get(&t, &format!("/patients/{p}/outcomes")).await;
        assert_eq!(status, 404, "{}: {body}", login.email);
        let (status, body) = app
            .api_post(&t, &format!("/patients/{p}/episode/discharge"), &json!({}))
            .await;
        assert!(
            status == 404 || status == 403,
            "{}: {status} {body}",
            login.email
        );
        assert!(!body.to_string().contains("Astrid"));
    }
    for login in [&app.fx.admin_a, &app.fx.researcher_a] {
        let t = app.token(login).await;
        let (status, _) = app.api_get(&t, &format!("/patients/{p}/outcomes")).await;
        assert_eq!(status, 403, "{}", login.email);
    }
}

#[tokio::test]
async fn a_discharge_that_cannot_be_is_refused_and_changes_nothing() {
    let app = spawn().await;
    let p = app.fx.pat2;
    let clin = app.token(&app.fx.clin_a).await;
    let path = format!("/patients/{p}/episode/discharge");
    let tomorrow = today().tomorrow().unwrap().to_string();
    let (status, body) = app
        .api_post(&clin, &path, &json!({"discharged_on": tomorrow}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "discharged_on");
    assert_eq!(body["error"]["rule"], "not_in_future");
    let (status, body) = app
        .api_post(&clin, &path, &json!({"discharged_on": "last week"}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "discharged_on");
    let (_, o) = app.api_get(&clin, &format!("/patients/{p}/outcomes")).await;
    assert_eq!(o["discharged_on"], Value::Null, "nothing was discharged");
    // Patients do not discharge themselves.
    let own = app.token(&app.fx.pat2_login).await;
    let (status, _) = app.api_post(&own, &path, &json!({})).await;
    assert_eq!(status, 403);
    // Once, then there is no open episode left.
    let (status, _) = app.api_post(&clin, &path, &json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = app.api_post(&clin, &path, &json!({})).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn the_clinic_report_is_the_sum_of_its_patients_outcomes() {
    let app = spawn().await;
    // Astrid: pain 7 → 4 (reached), RMDQ 10 → 8 (not). Bjorn: 7 → 6 (not), 10 → 4 (reached).
    scored_and_discharged(&app, app.fx.pat1, 4, 8).await;
    scored_and_discharged(&app, app.fx.pat2, 6, 4).await;
    let clin = app.token(&app.fx.clin_a).await;
    let (status, report) = app.api_get(&clin, "/reports/outcomes").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["discharged"], 2);
    let row = |code: &str| -> Value {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["instrument"] == code && r["time_point"] == "discharge")
            .cloned()
            .unwrap_or_else(|| panic!("no {code} row in {report}"))
    };
    // Worked from the patients' own outcomes, read through their routes.
    let mut sums: std::collections::HashMap<&str, (usize, f64, usize)> = Default::default();
    for p in [app.fx.pat1, app.fx.pat2] {
        let (_, o) = app.api_get(&clin, &format!("/patients/{p}/outcomes")).await;
        for code in ["nprs", "rmdq"] {
            let i = instrument(&o, code);
            let e = sums.entry(code).or_default();
            e.0 += 1;
            e.1 += i["change"]["discharge"].as_f64().unwrap();
            e.2 += usize::from(i["mcid"]["reached"]["discharge"] == true);
        }
    }
    for code in ["nprs", "rmdq"] {
        let (n, total, reached) = sums[code];
        let r = row(code);
        assert_eq!(r["n"], n as u64, "{r}");
        assert!(
            (r["mean_change"].as_f64().unwrap() - total / n as f64).abs() < 1e-9,
            "{r}"
        );
        assert_eq!(r["reached_mcid"], reached as u64, "{r}");
    }
    assert_eq!(row("nprs")["mean_change"], -2.0);
    assert_eq!(row("nprs")["reached_mcid"], 1);
    assert_eq!(row("rmdq")["mean_change"], -4.0);
    // A period before anyone was discharged is empty.
    let (status, none) = app
        .api_get(&clin, "/reports/outcomes?from=2020-01-01&to=2020-12-31")
        .await;
    assert_eq!(status, 200);
    assert_eq!(none["discharged"], 0);
    assert_eq!(none["rows"], json!([]));
    let (status, body) = app
        .api_get(&clin, "/reports/outcomes?from=2021-01-01&to=2020-12-31")
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "to");
    let (status, body) = app.api_get(&clin, "/reports/outcomes?from=soon").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "from");

    // The service lead and the researchers read the counts; the other clinic has none of them.
    for login in [&app.fx.admin_a, &app.fx.researcher_a] {
        let t = app.token(login).await;
        let (status, theirs) = app.api_get(&t, "/reports/outcomes").await;
        assert_eq!(status, 200, "{}", login.email);
        assert_eq!(theirs["rows"], report["rows"]);
    }
    let b = app.token(&app.fx.clin_b).await;
    let (status, other) = app.api_get(&b, "/reports/outcomes").await;
    assert_eq!(status, 200);
    assert_eq!(other["discharged"], 0);
    assert_eq!(other["rows"], json!([]));
    let own = app.token(&app.fx.pat1_login).await;
    let (status, _) = app.api_get(&own, "/reports/outcomes").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_pages_show_the_change_in_words_people_read() {
    let app = spawn().await;
    let p = app.fx.pat1;
    scored_and_discharged(&app, p, 4, 8).await;
    // The clinician's outcomes page: the table with the threshold and the verdict.
    let clin = app.web_login(&app.fx.clin_a).await;
    let res = clin
        .get(app.url(&format!("/patients/{p}/outcomes")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Numeric Pain Rating Scale"), "{page}");
    assert!(page.contains("2 points or 30%"), "{page}");
    assert!(page.contains("yes / —"), "{page}");
    assert!(
        page.contains("Reassurance that nothing serious is wrong"),
        "{page}"
    );
    // The patient's page says it too, with the global rating beside it.
    let res = clin
        .get(app.url(&format!("/patients/{p}")))
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("Change by the end of treatment"), "{page}");
    assert!(
        page.contains("Global rating of change at the end"),
        "{page}"
    );
    // Another clinic's clinician finds no such patient.
    let other = app.web_login(&app.fx.clin_b).await;
    let res = other
        .get(app.url(&format!("/patients/{p}/outcomes")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The patient's own before and after, in plain words and a chart.
    let me = app.web_login(&app.fx.pat1_login).await;
    let res = me.get(app.url("/me/outcomes")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Your pain: 7 before treatment and 4 at the end of treatment"),
        "{page}"
    );
    assert!(page.contains("real difference"), "{page}");
    assert!(page.contains("<svg"), "{page}");
    assert!(
        !page.contains("NPRS") && !page.contains("RMDQ") && !page.contains("MCID"),
        "{page}"
    );
    assert!(
        page.contains("/me/forms/discharge"),
        "the forms still due are offered: {page}"
    );

    // The report page, with its chart by stratum.
    let res = clin.get(app.url("/reports/outcomes")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Patients discharged from"), "{page}");
    assert!(page.contains("1 of 1"), "{page}");
    // A period that cannot be is refused as typed, not replaced by another.
    let res = clin
        .get(app.url("/reports/outcomes?from=2026-06-01&to=2026-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("To: the end of the period must not be before its start"),
        "{page}"
    );
    assert!(!page.contains("Patients discharged from"), "{page}");
    assert!(page.contains(r#"value="2026-06-01""#), "{page}");
    let res = me.get(app.url("/reports/outcomes")).send().await.unwrap();
    assert_eq!(res.status(), 403);
}
