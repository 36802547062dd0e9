use serde_json::{Value, json};

use crate::harness::*;

#[tokio::test]
async fn a_clinician_creates_views_edits_and_finds_patients_on_web_pages() {
    let app = spawn().await;
    let c = app.web_login(&app.fx.clin_a).await;
    let created = app
        .submit(
            &c,
            "/patients/new",
            "/patients/new",
            &[
                ("given_name", "Frida"),
                ("family_name", "Foxtrot"),
                ("birth_date", "1975-05-05"),
                ("email", "frida@a.example"),
                ("phone", "+47 900 00 000"),
                ("external_ref", "A-77"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let page = location(&created);
    let view = c
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for s in [
        "Frida Foxtrot",
        "1975-05-05",
        "frida@a.example",
        "+47 900 00 000",
        "A-77",
    ] {
        assert!(view.contains(s), "{s} missing");
    }

    // Edit: the form carries the version; the saved page shows the change.
    let edit_page = c
        .get(app.url(&format!("{page}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(edit_page.contains(r#"name="version" value="1""#));
    let saved = app
        .submit(
            &c,
            &format!("{page}/edit"),
            &format!("{page}/edit"),
            &[
                ("given_name", "Frida"),
                ("family_name", "Fjord"),
                ("birth_date", "1975-05-05"),
                ("email", ""),
                ("phone", ""),
                ("external_ref", "A-77"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let view = c
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(view.contains("Frida Fjord"));
    assert!(
        !view.contains("frida@a.example"),
        "a cleared e-mail is gone"
    );

    // An edit based on the old version is refused; nothing changes.
    let stale = app
        .submit(
            &c,
            &format!("{page}/edit"),
            &format!("{page}/edit"),
            &[
                ("given_name", "Stale"),
                ("family_name", "Edit"),
                ("birth_date", "1975-05-05"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status(), 409);
    assert!(
        c.get(app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Frida Fjord")
    );

    // A rule broken on the form: shown next to the field, values kept, nothing stored.
    let bad = app
        .submit(
            &c,
            "/patients/new",
            "/patients/new",
            &[
                ("given_name", "Gro"),
                ("family_name", "Golf"),
                ("birth_date", "05/05/1975"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(body.contains(r#"id="birth_date-error""#), "{body}");
    assert!(body.contains("YYYY-MM-DD"));
    assert!(body.contains(r#"value="Golf""#), "typed values are kept");
    assert_eq!(app.store.patients_count(app.fx.clinic_a).await.unwrap(), 3);

    // Search by name and by record number.
    let found = c
        .get(app.url("/patients?q=fjo"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains("Fjord") && !found.contains("Alpha"));
    let by_ref = c
        .get(app.url("/patients?q=a-77"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(by_ref.contains("Fjord"));
}

#[tokio::test]
async fn the_api_creates_reads_lists_and_edits_patients() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let client = api();
    let res = client
        .post(app.url("/api/v1/patients"))
        .bearer_auth(&token)
        .json(&json!({"given_name": "Hedda", "family_name": "Hotel", "birth_date": "1960-12-31"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = location(&res);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/patients/{id}"));
    assert_eq!(created["clinic_id"], app.fx.clinic_a.0);
    assert_eq!(created["birth_date"], "1960-12-31");
    assert_eq!(created["version"], 1);

    let got: Value = client
        .get(app.url(&location))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, created);

    let patched = client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .json(&json!({"phone": "12345678", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["phone"], "12345678");
    assert_eq!(
        patched["given_name"], "Hedda",
        "fields left out keep their value"
    );
    assert_eq!(patched["version"], 2);

    let conflict = client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .json(&json!({"phone": "999", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(conflict.status(), 409);
    let body: Value = conflict.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");

    let list: Value = client
        .get(app.url("/api/v1/patients?q=hot"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["family_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Hotel"]);
    let page: Value = client
        .get(app.url("/api/v1/patients?limit=1&offset=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["patients"].as_array().unwrap().len(), 1);
    assert_eq!(
        page["patients"][0]["family_name"], "Beta",
        "sorted by family name: Alpha, Beta, Hotel"
    );
    for zero_or_more in ["0", "501"] {
        let res = client
            .get(app.url(&format!("/api/v1/patients?limit={zero_or_more}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            422,
            "limit={zero_or_more} is refused, not clamped"
        );
    }
    let bad_limit = client
        .get(app.url("/api/v1/patients?limit=lots"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_limit.status(), 422);
    let body: Value = bad_limit.json().await.unwrap();
    assert_eq!(body["error"]["field"], "limit");
}

#[tokio::test]
async fn every_read_and_write_of_a_patient_is_audited_with_who_and_from_where() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let url = app.url(&format!("/api/v1/patients/{}", app.fx.pat1));
    api().get(&url).bearer_auth(&token).send().await.unwrap();
    api()
        .patch(&url)
        .bearer_auth(&token)
        .json(&json!({"phone": "555 123"}))
        .send()
        .await
        .unwrap();
    api()
        .get(app.url("/api/v1/patients"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let other = app.token(&app.fx.clin_b).await;
    assert_eq!(
        api()
            .get(&url)
            .bearer_auth(&other)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let entries = app.audit_for(app.fx.pat1).await;
    let find = |action: &str, outcome: &str| {
        entries
            .iter()
            .find(|e| e.action == action && e.outcome == outcome)
            .unwrap_or_else(|| panic!("no {action}/{outcome} in {entries:#?}"))
    };
    let read = find("patient.read", "ok");
    assert_eq!(read.user_id, Some(app.fx.clin_a.user.id));
    assert_eq!(read.clinic_id, Some(app.fx.clinic_a));
    assert_eq!(
        read.role.map(|r| r.to_string()).as_deref(),
        Some("clinician")
    );
    assert_eq!(read.address.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        find("patient.update", "ok").detail.as_deref(),
        Some("fields=phone")
    );
    find("patient.list", "ok");
    let refused = find("patient.read", "not_found");
    assert_eq!(refused.user_id, Some(app.fx.clin_b.user.id));
    assert_eq!(refused.clinic_id, Some(app.fx.clinic_b));

    // The administrator's page shows the log of their own clinic.
    let admin = app.web_login(&app.fx.admin_a).await;
    let page = admin
        .get(app.url(&format!("/admin/audit?patient={}", app.fx.pat1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("patient.update") && page.contains("patient.read"));
    assert!(
        !page.contains("not_found"),
        "clinic B's refused attempt belongs to clinic B's log"
    );
}
