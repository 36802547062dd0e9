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
