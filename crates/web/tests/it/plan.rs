use crate::harness::*;

#[tokio::test]
async fn goals_are_set_together_and_education_is_proposed_assigned_and_read() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let plan = format!("/patients/{}/plan", app.fx.pat1);
    let page = clin
        .get(app.url(&plan))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("No goals yet"));
    let next_year = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(120))
        .unwrap()
        .to_string();
    // A target below the current level is refused naming the field; values kept.
    let bad = app
        .submit(
            &clin,
            &plan,
            &format!("/patients/{}/goals", app.fx.pat1),
            &[
                ("activity", "Lift my grandchild"),
                ("current_level", "5"),
                ("target_level", "4"),
                ("by", &next_year),
                ("agreed_together", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(body.contains("target_level: must be higher than the current level"));
    assert!(body.contains(r#"value="Lift my grandchild""#));
    let ok = app
        .submit(
            &clin,
            &plan,
            &format!("/patients/{}/goals", app.fx.pat1),
            &[
                ("activity", "Lift my grandchild"),
                ("current_level", "3"),
                ("target_level", "8"),
                ("by", &next_year),
                ("agreed_together", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let page = clin
        .get(app.url(&plan))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Lift my grandchild")
            && page.contains("3 → 8 of 10")
            && page.contains("yes, ")
    );

    // Education follows the beliefs confirmed with the patient.
    let token = csrf_of(
        &clin,
        &app.url(&format!("/patients/{}/assessment", app.fx.pat1)),
    )
    .await;
    clin.post(app.url(&format!("/patients/{}/beliefs", app.fx.pat1)))
        .form(&[
            ("confirmed", "scan_will_find_cause"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    let page = clin
        .get(app.url(&plan))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let proposals = page.split("Proposed for this patient").nth(1).unwrap();
    let first = proposals.split("<li>").nth(1).unwrap();
    assert!(
        first.contains(r#"value="what-scans-show""#),
        "the scan item comes first: {first}"
    );
    assert!(first.contains("Answers the worry"));
    let res = app
        .submit(
            &clin,
            &plan,
            &format!("/patients/{}/education", app.fx.pat1),
            &[("item", "what-scans-show")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let again = app
        .submit(
            &clin,
            &plan,
            &format!("/patients/{}/education", app.fx.pat1),
            &[("item", "what-scans-show")],
        )
        .await;
    assert_eq!(again.status(), 409);
    let unknown = app
        .submit(
            &clin,
            &plan,
            &format!("/patients/{}/education", app.fx.pat1),
            &[("item", "no-such-item")],
        )
        .await;
    assert_eq!(unknown.status(), 422);

    // The patient sees it, reads it, and the reading is recorded.
    let me = app.web_login(&app.fx.pat1_login).await;
    let home = me
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Reading for you"));
    let link = home
        .split(r#"href="/me/education/"#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let item = me
        .get(app.url(&format!("/me/education/{link}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(item.contains("I have read this"));
    let token = token_in(&item).unwrap();
    let read = me
        .post(app.url(&format!("/me/education/{link}/read")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 303);
    let page = clin
        .get(app.url(&plan))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("read 20"), "the clinician sees it was read");
    // Another patient cannot open it.
    let other = app.web_login(&app.fx.pat2_login).await;
    assert_eq!(
        other
            .get(app.url(&format!("/me/education/{link}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Another clinic's clinician cannot reach the plan page.
    let clin_b = app.web_login(&app.fx.clin_b).await;
    assert_eq!(
        clin_b.get(app.url(&plan)).send().await.unwrap().status(),
        404
    );
}
