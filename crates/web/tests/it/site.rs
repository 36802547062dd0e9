use serde_json::Value;

use crate::harness::*;

#[tokio::test]
async fn health_reports_version_database_and_migration_level() {
    let app = spawn().await;
    let res = api().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["migration"].as_i64().unwrap() >= 1);
}

#[tokio::test]
async fn pages_and_api_answers_carry_security_headers() {
    let app = spawn().await;
    for path in ["/login", "/api/v1/patients", "/healthz"] {
        let res = api().get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["cache-control"], "no-store", "{path}");
    }
    let css = api().get(app.url("/static/app.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn().await;
    let doc: Value = api()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/patients",
        "/api/v1/patients/{id}",
        "/api/v1/auth/token",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["paths"]["/api/v1/patients"]["post"]["responses"]["201"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["PatientCreate"].is_object());
}

#[tokio::test]
async fn pages_are_accessible_by_construction() {
    let app = spawn().await;
    let c = app.web_login(&app.fx.clin_a).await;
    for path in [
        "/patients",
        "/patients/new",
        &format!("/patients/{}", app.fx.pat1),
    ] {
        let body = c
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains(r#"<html lang="en">"#), "{path}");
        assert!(body.contains(r#"<main id="main""#), "{path}: main landmark");
        assert!(
            body.contains(r#"<nav aria-label="Main">"#),
            "{path}: navigation"
        );
        assert!(body.contains(r#"name="viewport""#), "{path}: phone layout");
        assert!(body.contains("Skip to content"), "{path}");
        // Every visible input has a label pointing at it.
        for id in body
            .split("<input id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
        {
            assert!(
                body.contains(&format!("for=\"{id}\"")),
                "{path}: input {id} has no label"
            );
        }
    }
    // Navigation differs by role.
    let admin = app.web_login(&app.fx.admin_a).await;
    let page = admin
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Audit log") && !page.contains("New patient"));
    let patient = app.web_login(&app.fx.pat1_login).await;
    let page = patient
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("My record") && !page.contains("Audit log") && !page.contains("Patients</a>")
    );
}

#[tokio::test]
async fn an_administrator_adds_staff_accounts_to_their_own_clinic() {
    let app = spawn().await;
    let admin = app.web_login(&app.fx.admin_a).await;
    let res = app
        .submit(
            &admin,
            "/admin/users",
            "/admin/users",
            &[
                ("display_name", "Nina Nilsen"),
                ("email", "nina@a.example"),
                ("role", "clinician"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Added nina@a.example as clinician")
    );
    // The new clinician works in clinic A.
    let nina = browser();
    assert_eq!(
        app.post_login(&nina, "nina@a.example", "a long enough password")
            .await
            .status(),
        303
    );
    let list = nina
        .get(app.url("/patients"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Alpha"));
    // A taken address, a patient role and a short password are refused.
    for (email, role, pw, status) in [
        ("nina@a.example", "clinician", "a long enough password", 409),
        ("pat@a.example", "patient", "a long enough password", 422),
        ("short@a.example", "clinician", "short", 422),
    ] {
        let res = app
            .submit(
                &admin,
                "/admin/users",
                "/admin/users",
                &[
                    ("display_name", "X"),
                    ("email", email),
                    ("role", role),
                    ("password", pw),
                ],
            )
            .await;
        assert_eq!(res.status(), status, "{email}");
    }
    // A clinician may not use the page.
    let clin = app.web_login(&app.fx.clin_a).await;
    assert_eq!(
        clin.get(app.url("/admin/users"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

/// A page that is not there says what that may mean and offers a way on,
/// the same for another clinic's patient as for no patient at all.
#[tokio::test]
async fn a_missing_page_says_what_to_do_next() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_b).await;
    for path in [
        "/no-such-page".to_string(),
        format!("/patients/{}", app.fx.pat1),
    ] {
        let res = clin.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let page = res.text().await.unwrap();
        assert!(page.contains("<h1>Not found</h1>"), "{path}: {page}");
        assert!(
            page.contains("There is no such page, or it is not yours to see"),
            "{path}: {page}"
        );
        assert!(
            page.contains(r#"<a class="button" href="/">Go to your first page</a>"#),
            "{path}"
        );
        assert!(!page.contains("<p>not found</p>"), "{path}: {page}");
        assert!(!page.contains("Astrid"), "{path}: {page}");
    }
}
