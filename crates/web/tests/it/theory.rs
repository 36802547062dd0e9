use crate::harness::*;

#[tokio::test]
async fn staff_see_the_theory_map_and_each_configuration() {
    let app = spawn().await;
    let c = app.web_login(&app.fx.clin_a).await;
    let page = c.get(app.url("/theory")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    // A map with links in it is a group, not one image: each link stays reachable.
    assert!(body.contains("<svg") && body.contains(r#"role="group" aria-labelledby="map-title"#));
    let kb = rapport_domain::theory::KnowledgeBase::builtin().unwrap();
    for cmoc in kb.cmocs() {
        // Linked from the map and from the table that is the map's text alternative.
        assert_eq!(
            body.matches(&format!(r#"href="/theory/{}""#, cmoc.id))
                .count(),
            2,
            "{}",
            cmoc.id
        );
    }
    for heading in [
        "Therapeutic consultation",
        "Exercise-specific considerations",
        "Provision of support",
    ] {
        assert!(body.contains(heading), "{heading}");
    }
    let detail = c
        .get(app.url("/theory/T1.4"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(detail.contains("T1.4"));
    assert!(
        detail.contains("21,49,55,57,62,92,96,113"),
        "references as published"
    );
    assert!(detail.contains("Table 1, row 4"));
    assert!(
        detail.contains("beliefs_explored"),
        "the signals that decide it"
    );
    assert_eq!(
        c.get(app.url("/theory/Z9.9"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Researchers and administrators may read it; patients have no use for it.
    for who in [&app.fx.researcher_a, &app.fx.admin_a] {
        let s = app.web_login(who).await;
        assert_eq!(
            s.get(app.url("/theory")).send().await.unwrap().status(),
            200
        );
    }
    let patient = app.web_login(&app.fx.pat1_login).await;
    assert_eq!(
        patient
            .get(app.url("/theory"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn a_clinician_sees_the_mechanisms_and_ranked_suggestions_on_a_patients_page() {
    let app = spawn().await;
    let c = app.web_login(&app.fx.clin_a).await;
    let body = c
        .get(app.url(&format!("/patients/{}", app.fx.pat1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for m in ["Trust:", "Motivation:", "Confidence:"] {
        assert!(body.contains(m), "{m}");
    }
    // Nothing is recorded yet, so every mechanism is unknown and the suggestions say so.
    assert_eq!(
        body.matches(r#"<span class="status">not known yet</span>"#)
            .count(),
        3
    );
    // And every context says what it was judged from: here, nothing yet.
    assert_eq!(body.matches(r#"class="ctx ctx-"#).count(), 34);
    assert!(body.contains("no assessment recorded yet"), "{body}");
    let suggestions = body
        .split(r#"<ol class="suggestions">"#)
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap();
    assert_eq!(suggestions.matches("<li>").count(), 5);
    assert!(
        suggestions.contains("confidence)"),
        "each CMOC shows its grade"
    );
    assert!(
        suggestions.contains(r#"href="/theory/"#),
        "each suggestion links its CMOCs"
    );
    // A patient's own page has no clinician panel.
    let patient = app.web_login(&app.fx.pat1_login).await;
    let me = patient
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!me.contains("Mechanisms"));
}

/// A plan made by clinic A's clinician `days` ago, and sessions logged
/// every other day since, pain steady, about right, enjoyed: doing well.
async fn doing_well_for(app: &App, patient: rapport_domain::identity::PatientId, days: i64) {
    use rapport_domain::exercise::Dose;
    use rapport_domain::prescription::{Delivery, Plan, PlanItem};
    let clinician = app.fx.clin_a.user.actor(None);
    let today = jiff::Zoned::now().date();
    let ago = |n: i64| today.checked_sub(jiff::Span::new().days(n)).unwrap();
    let episode = app
        .store
        .episode_current(&clinician, patient)
        .await
        .unwrap()
        .unwrap();
    let screen = rapport_store::FormInput {
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
    app.store
        .form_save(&clinician, episode.id, &screen)
        .await
        .unwrap();
    let plan = Plan {
        items: vec![PlanItem {
            exercise_id: "ge-bend-to-knees".into(),
            dose: Dose {
                sets: 2,
                reps: Some(10),
                hold_seconds: None,
                duration_minutes: None,
                rest_seconds: 30,
                per_week: 3,
                weeks: 12,
                load: None,
                intensity: None,
            },
            progression_rule: "harder when easy".into(),
            regression_rule: "easier when sore".into(),
            delivery: Delivery::Home,
            goal: None,
            why: "to bend with ease".into(),
        }],
        co_designed: true,
        whole_person: None,
    };
    app.store
        .prescription_save(&clinician, patient, &plan, &[], "first plan", ago(days))
        .await
        .unwrap();
    for n in (1..days).rev().step_by(2) {
        let input = rapport_domain::monitoring::LogInput {
            exercise_id: "ge-bend-to-knees".into(),
            completion: "done".into(),
            pain_before: "2".into(),
            pain_after: "2".into(),
            difficulty: "3".into(),
            enjoyment: "4".into(),
            date: ago(n).to_string(),
            ..Default::default()
        };
        app.store
            .log_add(
                &clinician,
                patient,
                &input,
                rapport_store::LogSource::Clinician,
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
    }
}

/// The "Timely follow-up" suggestion on a patient's page, if listed.
fn follow_up_suggestion(page: &str) -> Option<&str> {
    let list = page.split(r#"<ol class="suggestions">"#).nth(1)?;
    let list = list.split("</ol>").next()?;
    list.split("<li>").find(|s| s.contains("Timely follow-up"))
}

#[tokio::test]
async fn timely_follow_up_is_judged_against_the_scheduled_contact() {
    let app = spawn().await;
    // Astrid is 18 days into her plan and doing well: her next contact is due
    // 21 days after it began. Bjorn, doing as well, is 24 days in: 3 days late.
    doing_well_for(&app, app.fx.pat1, 18).await;
    doing_well_for(&app, app.fx.pat2, 24).await;
    let c = app.web_login(&app.fx.clin_a).await;
    let page = |p: rapport_domain::identity::PatientId| {
        let c = c.clone();
        let url = app.url(&format!("/patients/{p}"));
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let astrid = page(app.fx.pat1).await;
    assert!(astrid.contains("Every 21 days (all is well)"), "{astrid}");
    assert!(!astrid.contains("Follow-up overdue"));
    // The engine agrees: follow-up is timely, so motivation does not name
    // M2.5/M2.6 as missing and there is no suggestion to book it.
    assert!(follow_up_suggestion(&astrid).is_none(), "{astrid}");
    assert!(!astrid.contains("M2.5, M2.6 not in place"), "{astrid}");

    let bjorn = page(app.fx.pat2).await;
    assert!(bjorn.contains("Follow-up overdue by 3 days"), "{bjorn}");
    let suggestion = follow_up_suggestion(&bjorn).expect("a suggestion to follow up");
    assert!(
        suggestion.contains("days after") && suggestion.contains("; 3 days overdue"),
        "{suggestion}"
    );

    // The caseload's suggestions come from the same schedule.
    let caseload = app
        .store
        .caseload(&app.fx.clin_a.user.actor(None))
        .await
        .unwrap();
    let library = app.state.care.library(caseload.clinic_id).await.unwrap();
    let today = jiff::Zoned::now().date();
    let ground = rapport_care::judgement::Ground {
        kb: &app.state.care.theory,
        exercises: &library,
        education: &app.state.care.education,
        thresholds: &caseload.thresholds,
    };
    let actions = |p: rapport_domain::identity::PatientId| {
        let e = caseload
            .episodes
            .iter()
            .find(|e| e.patient_id == p)
            .unwrap();
        rapport_care::caseload::rank(std::slice::from_ref(e), &|_| today, &|_| ground, usize::MAX)
            .remove(0)
            .suggestions
            .into_iter()
            .map(|s| s.action)
            .collect::<Vec<_>>()
    };
    assert!(!actions(app.fx.pat1).contains(&"timely_follow_up".to_string()));
    assert!(actions(app.fx.pat2).contains(&"timely_follow_up".to_string()));
}

/// The context's status on the patient's page, from its row in "Why".
fn context_on(page: &str, id: &str) -> String {
    let row = page
        .split(&format!(r#"<tr id="ctx-{id}">"#))
        .nth(1)
        .unwrap_or_else(|| panic!("{id} is listed"));
    let row = row.split("</tr>").next().unwrap();
    row.split(r#"class="ctx ctx-"#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string()
}

/// What a clinician records on the pages (a contact's checklist, a belief
/// let go of, a plan that covers sleep) reaches the theory on the same page.
#[tokio::test]
async fn what_the_pages_record_moves_the_contexts() {
    let app = spawn().await;
    let p = app.fx.pat1.0;
    let c = app.web_login(&app.fx.clin_a).await;
    let page = |c: &reqwest::Client| {
        let url = app.url(&format!("/patients/{p}"));
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let before = page(&c).await;
    for id in ["T1.1", "C3.6", "T1.6", "T1.9"] {
        assert_eq!(context_on(&before, id), "unknown", "{id}");
    }

    // A contact with part of the checklist, and the whole list gone through.
    let res = app
        .submit(
            &c,
            &format!("/patients/{p}"),
            &format!("/patients/{p}/follow-ups"),
            &[
                ("kind", "in_person"),
                ("practice", "rapport_built"),
                ("practice", "biopsychosocial_framing"),
                ("checklist_complete", "yes"),
                ("feedback_given", ""),
                ("benefit", "2"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    // A belief held, then let go of.
    let res = app
        .submit(
            &c,
            &format!("/patients/{p}/assessment"),
            &format!("/patients/{p}/beliefs"),
            &[
                ("confirmed", "hurt_means_harm"),
                ("reconciled", "hurt_means_harm"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let after = page(&c).await;
    assert_eq!(context_on(&after, "T1.1"), "present");
    assert_eq!(context_on(&after, "C3.6"), "present");
    assert_eq!(
        context_on(&after, "T1.7"),
        "absent",
        "not ticked in a whole checklist"
    );
    assert_eq!(context_on(&after, "T1.6"), "present");
    assert_eq!(context_on(&after, "M2.14"), "present", "rated much better");

    // A reconciled belief must be one the patient held.
    let res = app
        .submit(
            &c,
            &format!("/patients/{p}/assessment"),
            &format!("/patients/{p}/beliefs"),
            &[("reconciled", "rest_is_best")],
        )
        .await;
    assert_eq!(res.status(), 422);
}
