use crate::harness::*;

#[tokio::test]
async fn login_sets_a_protected_cookie_and_logout_ends_the_session() {
    let app = spawn().await;
    let c = browser();
    let res = app.post_login(&c, &app.fx.clin_a.email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("rapport_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark the cookie Secure: {cookie}"
    );

    let home = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&home), "/caseload");
    let list = c.get(app.url("/patients")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let body = list.text().await.unwrap();
    assert!(body.contains("Alpha") && body.contains("Beta"));
    assert!(
        !body.contains("Gamma"),
        "another clinic's patient was listed"
    );

    let out = app.submit(&c, "/patients", "/logout", &[]).await;
    assert_eq!(out.status(), 303);
    let after = c.get(app.url("/patients")).send().await.unwrap();
    assert_eq!(after.status(), 303);
    assert_eq!(location(&after), "/login");
}

#[tokio::test]
async fn wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let app = spawn().await;
    let c = browser();
    let wrong_pw = app
        .post_login(&c, &app.fx.clin_a.email, "not the password")
        .await;
    assert_eq!(wrong_pw.status(), 401);
    let a = wrong_pw.text().await.unwrap();
    let no_user = app
        .post_login(&c, "nobody@a.example", "not the password")
        .await;
    assert_eq!(no_user.status(), 401);
    let b = no_user.text().await.unwrap();
    assert!(a.contains("The e-mail or the password is wrong."));
    assert!(b.contains("The e-mail or the password is wrong."));
    assert!(c.get(app.url("/patients")).send().await.unwrap().status() == 303);
}

#[tokio::test]
async fn a_session_id_planted_before_login_is_not_adopted() {
    let app = spawn().await;
    let c = api();
    let page = c.get(app.url("/login")).send().await.unwrap();
    let anon = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|v| v.starts_with("rapport_csrf="))
        .unwrap();
    let token = token_in(&page.text().await.unwrap()).unwrap();
    let planted = "rapport_session=attacker-chosen-value";
    let res = c
        .post(app.url("/login"))
        .header("cookie", format!("{anon}; {planted}"))
        .form(&[
            ("email", app.fx.clin_a.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let issued = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("rapport_session="))
        .unwrap();
    assert!(!issued.starts_with(planted), "{issued}");
    let planted_use = c
        .get(app.url("/patients"))
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&planted_use), "/login");
}

#[tokio::test]
async fn https_public_url_marks_cookies_secure_and_sends_hsts() {
    let mut config = test_config();
    config.public_url = Some("https://rapport.example.org".into());
    let app = spawn_with(config).await;
    // A plain client: a cookie store would (rightly) not send Secure cookies over http.
    let c = api();
    let page = c.get(app.url("/login")).send().await.unwrap();
    assert!(page.headers().get("strict-transport-security").is_some());
    let anon = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("rapport_csrf="))
        .unwrap();
    assert!(anon.contains("Secure"), "{anon}");
    let anon_pair = anon.split(';').next().unwrap().to_string();
    let token = token_in(&page.text().await.unwrap()).unwrap();
    let res = c
        .post(app.url("/login"))
        .header("origin", "https://rapport.example.org")
        .header("cookie", anon_pair)
        .form(&[
            ("email", app.fx.clin_a.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.contains("rapport_session="))
        .unwrap_or_default();
    // The browser would not store a Secure cookie over plain http; the header is what matters.
    assert!(cookie.starts_with("__Host-rapport_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let app = spawn().await;
    // Log-in form with no token.
    let c = browser();
    let _ = c.get(app.url("/login")).send().await.unwrap();
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("email", app.fx.clin_a.email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Log-in form with someone else's token.
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("email", app.fx.clin_a.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", "0123456789abcdef0123456789abcdef"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Logged in: a valid token, but the request comes from another site.
    let c = app.web_login(&app.fx.clin_a).await;
    let token = csrf_of(&c, &app.url("/patients/new")).await;
    let form = [
        ("given_name", "Forged"),
        ("family_name", "Request"),
        ("birth_date", "1980-01-01"),
        ("csrf_token", token.as_str()),
    ];
    let cross_origin = c
        .post(app.url("/patients/new"))
        .header("origin", "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_origin.status(), 403);
    let cross_site = c
        .post(app.url("/patients/new"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    // Logged in, same site, but no token.
    let no_token = c
        .post(app.url("/patients/new"))
        .form(&form[..3])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403);
    let body = no_token.text().await.unwrap();
    assert!(body.contains("reload the page"), "{body}");
    // None of them created anything; the genuine submission does.
    assert_eq!(app.store.patients_count(app.fx.clinic_a).await.unwrap(), 2);
    let ok = c
        .post(app.url("/patients/new"))
        .header("origin", app.base.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(app.store.patients_count(app.fx.clinic_a).await.unwrap(), 3);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_429_even_for_the_right_password() {
    let app = spawn().await;
    let c = browser();
    for _ in 0..5 {
        let res = app
            .post_login(&c, &app.fx.clin_a.email, "wrong password!")
            .await;
        assert_eq!(res.status(), 401);
    }
    let locked = app.post_login(&c, &app.fx.clin_a.email, PASSWORD).await;
    assert_eq!(locked.status(), 429);
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 60 && retry <= 15 * 60, "retry-after {retry}");
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Too many failed attempts")
    );

    // The API is locked for that account too, with a JSON error.
    let res = api()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": app.fx.clin_a.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");

    // Another account from the same address still works (the address limit is higher).
    let other = app.post_login(&c, &app.fx.clin_b.email, PASSWORD).await;
    assert_eq!(other.status(), 303);
    // The failures were audited against the account.
    let audit = app
        .store
        .audit_list_unscoped(&rapport_store::AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let rejected = audit
        .iter()
        .filter(|e| {
            e.action == "login"
                && e.outcome == "rejected"
                && e.user_id == Some(app.fx.clin_a.user.id)
        })
        .count();
    assert_eq!(rejected, 5);
}

#[tokio::test]
async fn many_failures_from_one_address_lock_that_address() {
    let app = spawn().await;
    let client = api();
    for i in 0..20 {
        let res = client
            .post(app.url("/api/v1/auth/token"))
            .json(&serde_json::json!({"email": format!("guess{i}@a.example"), "password": "whatever12345"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": app.fx.clin_a.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn api_tokens_authenticate_and_can_be_revoked() {
    let app = spawn().await;
    let token = app.token(&app.fx.clin_a).await;
    let get = |t: String| {
        let url = app.url("/api/v1/patients");
        async move { api().get(url).bearer_auth(t).send().await.unwrap().status() }
    };
    assert_eq!(get(token.clone()).await, 200);
    assert_eq!(get("not-a-token".into()).await, 401);
    let revoked = api()
        .delete(app.url("/api/v1/auth/token"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(get(token).await, 401);
    let wrong = api()
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": app.fx.clin_a.email, "password": "nope nope nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn a_web_session_cookie_is_not_an_api_token() {
    let app = spawn().await;
    let c = app.web_login(&app.fx.clin_a).await;
    let res = c.get(app.url("/api/v1/patients")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

/// Many guesses at once for one account: at most the account's limit are
/// checked, the rest are refused with 429, and then even the right password
/// waits for the lock.
async fn parallel_guesses_are_throttled(backend: Backend) {
    let Some(app) = spawn_on(backend, test_config(), |s| s).await else {
        return;
    };
    let url = app.url("/api/v1/auth/token");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..39 {
        let (url, email) = (url.clone(), app.fx.clin_a.email.clone());
        tasks.spawn(async move {
            api()
                .post(url)
                .json(&serde_json::json!({"email": email, "password": format!("wrong{i}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    while let Some(s) = tasks.join_next().await {
        *statuses.entry(s.unwrap()).or_default() += 1;
    }
    let limit = test_config().throttle.lock_after_account;
    assert_eq!(
        statuses,
        [(401, limit), (429, 39 - limit)].into_iter().collect(),
        "{backend:?}"
    );
    let right = api()
        .post(url)
        .json(&serde_json::json!({"email": app.fx.clin_a.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        right.status(),
        429,
        "{backend:?}: locked even for the right password"
    );
    let held = app
        .store
        .throttle_state(
            &[&format!("account:{}", app.fx.clin_a.email)],
            &test_config().throttle,
        )
        .await
        .unwrap();
    assert_eq!(
        held.failures, limit,
        "{backend:?}: only the checked guesses count"
    );
}

#[tokio::test]
async fn parallel_guesses_are_throttled_on_sqlite() {
    parallel_guesses_are_throttled(Backend::Sqlite).await;
}

#[tokio::test]
async fn parallel_guesses_are_throttled_on_postgres() {
    parallel_guesses_are_throttled(Backend::Postgres).await;
}
