use crate::harness::*;

#[tokio::test]
async fn staff_see_the_theory_map_and_each_configuration() {
    let app = spawn().await;
    let c = app.web_login(&app.fx.clin_a).await;
    let page = c.get(app.url("/theory")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("<svg") && body.contains(r#"role="img""#));
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
    assert_eq!(body.matches("not known yet</span>").count(), 3);
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
