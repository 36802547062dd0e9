use serde_json::{Value, json};

use crate::harness::*;

async fn post_raw(app: &App, token: &str, content_type: &str, body: &str) -> (u16, Value) {
    let res = api()
        .post(app.url("/api/v1/patients"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, value)
}

#[tokio::test]
async fn bad_bodies_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let long = "x".repeat(101);
    type Case<'a> = (String, u16, &'a str, Option<&'a str>, Option<&'a str>);
    let cases: Vec<Case> = vec![
        // (body, status, code, field, rule)
        (r#"{"given_name": "A", "family_name": "B""#.into(), 400, "malformed_json", None, None),
        ("not json at all".into(), 400, "malformed_json", None, None),
        (r#"{"given_name": 12, "family_name": "B", "birth_date": "1970-01-01"}"#.into(), 400, "invalid_field", Some("given_name"), None),
        (r#"{"given_name": "A", "family_name": ["B"], "birth_date": "1970-01-01"}"#.into(), 400, "invalid_field", Some("family_name"), None),
        (r#"{"given_name": "A", "family_name": "B", "birth_date": "1970-01-01", "shoe_size": 44}"#.into(), 400, "invalid_field", Some("shoe_size"), None),
        (json!({"given_name": long, "family_name": "B", "birth_date": "1970-01-01"}).to_string(), 422, "validation", Some("given_name"), Some("max_length")),
        (json!({"given_name": "A", "family_name": "B", "birth_date": "1970-01-01", "email": "a@b"}).to_string(), 422, "validation", Some("email"), Some("email")),
        (json!({"given_name": "A", "family_name": "B", "birth_date": "1970-13-01"}).to_string(), 422, "validation", Some("birth_date"), Some("date")),
        (json!({"given_name": "A", "birth_date": "1970-01-01"}).to_string(), 422, "validation", Some("family_name"), Some("required")),
        (json!({"given_name": "A", "family_name": "B", "birth_date": "1970-01-01", "phone": "call me maybe"}).to_string(), 422, "validation", Some("phone"), Some("phone")),
    ];
    for (body, status, code, field, rule) in cases {
        let (got, value) = post_raw(&app, &token, "application/json", &body).await;
        assert_eq!(got, status, "{body}: {value}");
        assert_eq!(value["error"]["code"], code, "{body}");
        assert!(value["error"]["message"].as_str().unwrap().len() > 5);
        if let Some(f) = field {
            assert_eq!(value["error"]["field"], f, "{body}: {value}");
            assert!(
                value["error"]["message"].as_str().unwrap().contains(f),
                "{value}"
            );
        }
        if let Some(r) = rule {
            assert_eq!(value["error"]["rule"], r, "{body}");
        }
    }
    let (status, value) = post_raw(&app, &token, "text/plain", r#"{"given_name":"A"}"#).await;
    assert_eq!(status, 415);
    assert_eq!(value["error"]["code"], "unsupported");
    // Too large a body.
    let huge =
        json!({"given_name": "x".repeat(300_000), "family_name": "B", "birth_date": "1970-01-01"})
            .to_string();
    let (status, _) = post_raw(&app, &token, "application/json", &huge).await;
    assert_eq!(status, 413);

    assert_eq!(
        app.store.patients_count(app.fx.clinic_a).await.unwrap(),
        2,
        "nothing was stored"
    );
}

#[tokio::test]
async fn a_refused_edit_leaves_the_record_as_it_was() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let url = app.url(&format!("/api/v1/patients/{}", app.fx.pat1));
    let before: Value = api()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for body in [
        json!({"given_name": "Changed", "birth_date": "tomorrow"}),
        json!({"given_name": "Changed", "email": "nope"}),
        json!({"given_name": "Changed", "family_name": ""}),
    ] {
        let res = api()
            .patch(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
    }
    let res = api()
        .patch(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"given_name": "Changed", "version": "one"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let after: Value = api()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn odd_ids_and_unknown_routes_get_json_errors_not_crashes() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    for path in [
        "/api/v1/patients/abc",
        "/api/v1/patients/99999999",
        "/api/v1/patients/-1",
        "/api/v1/nothing-here",
    ] {
        let res = api()
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
    let web = app.web_login(&app.fx.clin_a).await;
    let res = web
        .get(app.url("/patients/not-a-number"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Not found"));
}

/// Every answer under `/api/v1` that is an error is the documented JSON,
/// whatever refused the request.
#[tokio::test]
async fn every_api_error_is_json_and_a_malformed_id_is_not_found() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let send = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut req = api().request(method, app.url(path)).bearer_auth(&token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let ct = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let text = res.text().await.unwrap();
            (status, ct, text)
        }
    };
    let log = json!({"exercise_id": "x", "completion": "done"});
    let not_found = [
        "/api/v1/patients/abc/adherence",
        "/api/v1/patients/1e3/adherence",
        "/api/v1/patients/9223372036854775808/adherence",
        "/api/v1/patients/-1/adherence",
        "/api/v1/patients/%FF",
        "/api/v1/patients/%FF/adherence",
        "/api/v1/patients/abc",
        "/api/v1/prescriptions/abc/cert",
        "/api/v1/no/such/route",
    ];
    for path in not_found {
        let (status, ct, text) = send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 404, "{path}: {text}");
        assert!(ct.starts_with("application/json"), "{path}: {ct} {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["code"], "not_found", "{path}");
    }
    for path in [
        "/api/v1/patients/abc/logs",
        "/api/v1/patients/1e3/logs",
        "/api/v1/patients/9223372036854775808/logs",
    ] {
        let (status, ct, text) = send(reqwest::Method::POST, path, Some(log.clone())).await;
        assert_eq!(status, 404, "{path}: {text}");
        assert!(ct.starts_with("application/json"), "{path}: {ct}");
    }
    // A parameter given twice, and one that breaks its rule.
    let (status, ct, text) = send(
        reqwest::Method::GET,
        "/api/v1/patients?limit=1&limit=2",
        None,
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(ct.starts_with("application/json"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["field"], "limit", "{v}");
    let (status, _, text) =
        send(reqwest::Method::GET, "/api/v1/caseload?kind=a&kind=b", None).await;
    assert_eq!(status, 400, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["field"], "kind", "{v}");
    // A method the route does not have keeps its status and Allow header.
    let res = api()
        .put(app.url("/api/v1/patients"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.headers().get("allow").is_some());
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unsupported");
}

/// A search long enough to make the database give up is refused up front,
/// on the API and on the pages alike.
#[tokio::test]
async fn an_over_long_search_is_refused_naming_the_field() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let underscores = "_".repeat(25_000);
    let long = "a".repeat(49_999);
    for q in [&underscores, &long, &"x".repeat(201)] {
        let res = api()
            .get(app.url(&format!("/api/v1/patients?q={q}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["field"], "q", "{v}");
        assert_eq!(v["error"]["rule"], "max_length", "{v}");
    }
    // A full name still finds the patient.
    let res = api()
        .get(app.url("/api/v1/patients?q=Astrid%20Alpha"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["patients"].as_array().unwrap().len(), 1);

    let web = app.web_login(&app.fx.clin_a).await;
    for page in ["/patients", "/caseload"] {
        let res = web
            .get(app.url(&format!("{page}?q={underscores}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{page}");
        let body = res.text().await.unwrap();
        assert!(body.contains("at most 200 characters"), "{page}: {body}");
    }
}

/// The document lists what each route can answer, the required fields of a
/// new patient and the kinds of flag the caseload filters by.
#[tokio::test]
async fn the_openapi_document_lists_errors_required_fields_and_flag_kinds() {
    let app = spawn().await;
    let doc: Value = api()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let responses = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} is documented"))
            .keys()
            .cloned()
            .collect()
    };
    let has = |path: &str, method: &str, codes: &[&str]| {
        let got = responses(path, method);
        for c in codes {
            assert!(
                got.iter().any(|g| g == c),
                "{method} {path} lists {c}: {got:?}"
            );
        }
    };
    has(
        "/api/v1/patients",
        "post",
        &["201", "400", "401", "403", "413", "415", "422"],
    );
    has(
        "/api/v1/patients",
        "get",
        &["200", "400", "401", "403", "422"],
    );
    has(
        "/api/v1/patients/{id}",
        "patch",
        &["400", "401", "403", "404", "409", "413", "415", "422"],
    );
    has("/api/v1/patients/{id}/logs", "post", &["404", "409", "422"]);
    has("/api/v1/patients/{id}/adherence", "get", &["401", "404"]);
    has("/api/v1/auth/token", "post", &["400", "401", "429"]);
    assert!(
        !responses("/api/v1/patients", "get")
            .iter()
            .any(|c| c == "404"),
        "a list has no id to miss"
    );
    let create = &doc["components"]["schemas"]["PatientCreate"];
    let required: Vec<&str> = create["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for f in ["given_name", "family_name", "birth_date"] {
        assert!(required.contains(&f), "{f} is required: {create}");
    }
    assert_eq!(create["properties"]["given_name"]["maxLength"], 100);
    assert_eq!(create["properties"]["birth_date"]["format"], "date");
    let params = doc["paths"]["/api/v1/caseload"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let kind = params.iter().find(|p| p["name"] == "kind").unwrap();
    let kinds: Vec<&str> = kind["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), rapport_domain::monitoring::FlagKind::ALL.len());
    assert!(kinds.contains(&"pain_rising"));
}

/// A page's form refuses text that is not UTF-8 instead of storing U+FFFD,
/// and takes its token from the body (the query string is for uploads).
#[tokio::test]
async fn forms_refuse_invalid_text_and_tokens_in_the_address() {
    let app = spawn().await;
    let web = app.web_login(&app.fx.clin_a).await;
    let before = app.store.patients_count(app.fx.clinic_a).await.unwrap();
    let token = csrf_of(&web, &app.url("/patients/new")).await;
    let res = web
        .post(app.url("/patients/new"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "given_name=Ka%FFri&family_name=Nordmann&birth_date=1970-01-01&csrf_token={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not valid text"));
    assert_eq!(
        app.store.patients_count(app.fx.clinic_a).await.unwrap(),
        before
    );

    let res = web
        .post(app.url(&format!("/patients/new?csrf_token={token}")))
        .form(&[
            ("given_name", "Kari"),
            ("family_name", "Nordmann"),
            ("birth_date", "1970-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "the token in the address is not taken");
    assert_eq!(
        app.store.patients_count(app.fx.clinic_a).await.unwrap(),
        before
    );

    // The same form with the token in its body goes through.
    let res = web
        .post(app.url("/patients/new"))
        .form(&[
            ("given_name", "Kari"),
            ("family_name", "Tromsø"),
            ("birth_date", "1970-01-01"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store.patients_count(app.fx.clinic_a).await.unwrap(),
        before + 1
    );
}
