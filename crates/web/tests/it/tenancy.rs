//! Every patient route against every kind of caller. Another clinic's
//! patient, or another patient's record, is answered as if it did not exist.

use serde_json::{Value, json};

use crate::harness::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    OwnClinician,
    OtherClinician,
    PatientSelf,
    OtherPatient,
    Anonymous,
}

const EVERYONE: [Who; 5] = [
    Who::OwnClinician,
    Who::OtherClinician,
    Who::PatientSelf,
    Who::OtherPatient,
    Who::Anonymous,
];

impl App {
    fn login_of(&self, who: Who) -> Option<&Login> {
        match who {
            Who::OwnClinician => Some(&self.fx.clin_a),
            Who::OtherClinician => Some(&self.fx.clin_b),
            Who::PatientSelf => Some(&self.fx.pat1_login),
            Who::OtherPatient => Some(&self.fx.pat2_login),
            Who::Anonymous => None,
        }
    }
}

#[tokio::test]
async fn api_routes_by_caller() {
    let app = spawn().await;
    let target = app.fx.pat1;
    let one = app.url(&format!("/api/v1/patients/{target}"));
    // (route, [own clinician, other clinician, patient self, other patient, anonymous])
    for who in EVERYONE {
        let token = match app.login_of(who) {
            Some(l) => Some(app.token(l).await),
            None => None,
        };
        let with = |rb: reqwest::RequestBuilder| match &token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        };
        let c = api();
        let get = with(c.get(&one)).send().await.unwrap();
        let get_status = get.status().as_u16();
        let get_body = get.text().await.unwrap();
        let patch = with(c.patch(&one))
            .json(&json!({"phone": "111"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let create = with(c.post(app.url("/api/v1/patients")))
            .json(
                &json!({"given_name": "New", "family_name": "Person", "birth_date": "1999-09-09"}),
            )
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let list = with(c.get(app.url("/api/v1/patients")))
            .send()
            .await
            .unwrap();
        let list_status = list.status().as_u16();
        let listed: Vec<i64> = if list_status == 200 {
            list.json::<Value>().await.unwrap()["patients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap())
                .collect()
        } else {
            Vec::new()
        };
        let expected = match who {
            Who::OwnClinician => (200, 200, 201, 200),
            Who::OtherClinician => (404, 404, 201, 200),
            Who::PatientSelf => (200, 403, 403, 200),
            Who::OtherPatient => (404, 403, 403, 200),
            Who::Anonymous => (401, 401, 401, 401),
        };
        assert_eq!(
            (get_status, patch, create, list_status),
            expected,
            "{who:?}"
        );
        if get_status != 200 {
            assert!(
                !get_body.contains("Alpha"),
                "{who:?} saw the name in an error"
            );
            let err: Value = serde_json::from_str(&get_body).unwrap();
            assert!(err["error"]["code"].is_string(), "{who:?}: {get_body}");
        }
        match who {
            Who::OwnClinician => {
                assert!(listed.contains(&target.0) && !listed.contains(&app.fx.pb1.0))
            }
            Who::OtherClinician => {
                assert!(!listed.contains(&target.0) && listed.contains(&app.fx.pb1.0))
            }
            Who::PatientSelf => assert_eq!(listed, vec![target.0]),
            Who::OtherPatient => assert_eq!(listed, vec![app.fx.pat2.0]),
            Who::Anonymous => assert!(listed.is_empty()),
        }
    }
    // The patient's record was changed by its own clinician only.
    let stored = app
        .store
        .patient_get(&app.fx.clin_a.user.actor(None), target)
        .await
        .unwrap();
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn record_api_routes_by_caller() {
    record_routes_by_caller(Backend::Sqlite).await;
}

#[tokio::test]
async fn record_api_routes_by_caller_postgres() {
    record_routes_by_caller(Backend::Postgres).await;
}

/// The routes of a patient's record under `/api/v1`, each against every
/// kind of caller: the patient's own clinician, a clinician of another
/// clinic, the patient, another patient of the clinic, and no one.
async fn record_routes_by_caller(backend: Backend) {
    let Some(app) = spawn_on(backend, test_config(), |s| s).await else {
        return;
    };
    let p = app.fx.pat1;
    let log = app.logged_session().await;
    let item = app.state.care.education.all()[0].id.clone();
    let by = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap()
        .to_string();
    // (method, path, body, [own clinician, other clinician, patient self, other patient, anonymous])
    type Route = (&'static str, String, Option<Value>, [u16; 5]);
    let routes: Vec<Route> = vec![
        (
            "GET",
            format!("/patients/{p}/forms"),
            None,
            [200, 404, 200, 404, 401],
        ),
        // An intake kept to finish later can be saved again, by either side.
        (
            "POST",
            format!("/patients/{p}/forms"),
            Some(
                json!({"instrument": "intake", "time_point": "baseline", "answers": {"everyday_life": "Office work", "finish": false}}),
            ),
            [201, 404, 201, 404, 401],
        ),
        (
            "GET",
            format!("/patients/{p}/goals"),
            None,
            [200, 404, 200, 404, 401],
        ),
        (
            "POST",
            format!("/patients/{p}/goals"),
            Some(json!({"activity": "Garden", "current_level": 2, "target_level": 7, "by": by})),
            [201, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("/patients/{p}/contacts"),
            None,
            [200, 404, 200, 404, 401],
        ),
        (
            "POST",
            format!("/patients/{p}/contacts"),
            Some(json!({"kind": "phone", "practices": ["rapport_built"]})),
            [201, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("/patients/{p}/logs"),
            None,
            [200, 404, 200, 404, 401],
        ),
        (
            "POST",
            format!("/patients/{p}/logs/{log}/feedback"),
            Some(json!({"body": "Good work"})),
            [201, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("/patients/{p}/messages"),
            None,
            [200, 404, 200, 404, 401],
        ),
        (
            "POST",
            format!("/patients/{p}/messages"),
            Some(json!({"body": "Hello"})),
            [201, 404, 201, 404, 401],
        ),
        (
            "GET",
            format!("/patients/{p}/education"),
            None,
            [200, 404, 200, 404, 401],
        ),
        (
            "POST",
            format!("/patients/{p}/education"),
            Some(json!({"item_id": item})),
            [201, 404, 403, 403, 401],
        ),
        // The beliefs review is the clinicians', the patient's own included.
        (
            "GET",
            format!("/patients/{p}/beliefs"),
            None,
            [200, 404, 403, 404, 401],
        ),
        (
            "POST",
            format!("/patients/{p}/beliefs"),
            Some(json!({"confirmed": ["rest_is_best"]})),
            [201, 404, 403, 403, 401],
        ),
        (
            "GET",
            format!("/patients/{p}/theory"),
            None,
            // The theory's judgement is the clinician's working record.
            [200, 404, 403, 403, 401],
        ),
    ];
    for (at, who) in EVERYONE.into_iter().enumerate() {
        let token = match app.login_of(who) {
            Some(l) => Some(app.token(l).await),
            None => None,
        };
        for (method, path, body, expected) in &routes {
            let url = app.url(&format!("/api/v1{path}"));
            let mut rb = match *method {
                "GET" => api().get(url),
                _ => api().post(url).json(body.as_ref().unwrap()),
            };
            if let Some(t) = &token {
                rb = rb.bearer_auth(t);
            }
            let res = rb.send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            assert_eq!(status, expected[at], "{who:?} {method} {path}: {text}");
            if status >= 400 {
                let err: Value = serde_json::from_str(&text).unwrap();
                assert!(
                    err["error"]["code"].is_string(),
                    "{who:?} {method} {path}: {text}"
                );
                assert!(
                    !text.contains("Astrid") && !text.contains("Alpha"),
                    "{who:?} {method} {path} revealed the patient: {text}"
                );
            }
        }
    }
    // Administrators and researchers keep no clinical record.
    for login in [&app.fx.admin_a, &app.fx.researcher_a] {
        let token = app.token(login).await;
        for (method, path, body, _) in &routes {
            let (status, answer) = match *method {
                "GET" => app.api_get(&token, path).await,
                _ => app.api_post(&token, path, body.as_ref().unwrap()).await,
            };
            assert_eq!(status, 403, "{} {method} {path}: {answer}", login.email);
        }
    }
    // Only the writes answered 201 were stored.
    let clin = app.token(&app.fx.clin_a).await;
    let count = |v: &Value, key: &str| v[key].as_array().map_or(0, Vec::len);
    assert_eq!(
        count(
            &app.api_get(&clin, &format!("/patients/{p}/goals")).await.1,
            "goals"
        ),
        1
    );
    assert_eq!(
        count(
            &app.api_get(&clin, &format!("/patients/{p}/contacts"))
                .await
                .1,
            "contacts"
        ),
        1
    );
    assert_eq!(
        count(
            &app.api_get(&clin, &format!("/patients/{p}/messages"))
                .await
                .1,
            "messages"
        ),
        2
    );
    assert_eq!(
        count(
            &app.api_get(&clin, &format!("/patients/{p}/education"))
                .await
                .1,
            "items"
        ),
        1
    );
    let logs = app.api_get(&clin, &format!("/patients/{p}/logs")).await.1;
    assert_eq!(count(&logs["logs"][0], "comments"), 1);
    // Clinic B's own patient was not touched by clinic A's routes.
    let b = app.token(&app.fx.clin_b).await;
    let pb1 = app.fx.pb1;
    assert_eq!(
        count(
            &app.api_get(&b, &format!("/patients/{pb1}/goals")).await.1,
            "goals"
        ),
        0
    );
}

#[tokio::test]
async fn web_routes_by_caller() {
    let app = spawn().await;
    let p = app.fx.pat1;
    for who in EVERYONE {
        let c = match app.login_of(who) {
            Some(l) => app.web_login(l).await,
            None => {
                let c = browser();
                // An anonymous visitor has the log-in page's CSRF cookie, as a browser would.
                c.get(app.url("/login")).send().await.unwrap();
                c
            }
        };
        let token = match who {
            Who::Anonymous => csrf_of(&c, &app.url("/login")).await,
            Who::PatientSelf | Who::OtherPatient => csrf_of(&c, &app.url("/me")).await,
            Who::OwnClinician | Who::OtherClinician => csrf_of(&c, &app.url("/patients")).await,
        };
        let get = |path: String| {
            let c = c.clone();
            let url = app.url(&path);
            async move {
                let r = c.get(url).send().await.unwrap();
                (r.status().as_u16(), location(&r), r.text().await.unwrap())
            }
        };
        let post = |path: String, fields: Vec<(&'static str, &'static str)>| {
            let c = c.clone();
            let url = app.url(&path);
            let token = token.clone();
            async move {
                let mut form: Vec<(&str, String)> = fields
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string()))
                    .collect();
                form.push(("csrf_token", token));
                let r = c.post(url).form(&form).send().await.unwrap();
                (r.status().as_u16(), location(&r), r.text().await.unwrap())
            }
        };
        let edit_fields = vec![
            ("given_name", "Astrid"),
            ("family_name", "Alpha"),
            ("birth_date", "1970-01-01"),
        ];
        let results = [
            ("GET /patients/{id}", get(format!("/patients/{p}")).await),
            (
                "GET /patients/{id}/edit",
                get(format!("/patients/{p}/edit")).await,
            ),
            (
                "POST /patients/{id}/edit",
                post(format!("/patients/{p}/edit"), edit_fields.clone()).await,
            ),
            (
                "POST /patients/{id}/invite",
                post(
                    format!("/patients/{p}/invite"),
                    vec![("email", "someone.new@a.example")],
                )
                .await,
            ),
            ("GET /patients", get("/patients".into()).await),
            ("GET /patients/new", get("/patients/new".into()).await),
            (
                "POST /patients/new",
                post(
                    "/patients/new".into(),
                    vec![
                        ("given_name", "N"),
                        ("family_name", "P"),
                        ("birth_date", "2000-02-02"),
                    ],
                )
                .await,
            ),
            ("GET /me", get("/me".into()).await),
        ];
        let expected: [(u16, &str); 8] = match who {
            // The patient already has an account, so the invitation is a conflict.
            Who::OwnClinician => [
                (200, ""),
                (200, ""),
                (303, ""),
                (409, ""),
                (200, ""),
                (200, ""),
                (303, ""),
                (403, ""),
            ],
            Who::OtherClinician => [
                (404, ""),
                (404, ""),
                (404, ""),
                (404, ""),
                (200, ""),
                (200, ""),
                (303, ""),
                (403, ""),
            ],
            Who::PatientSelf => [
                (200, ""),
                (403, ""),
                (403, ""),
                (403, ""),
                (303, "/me"),
                (403, ""),
                (403, ""),
                (200, ""),
            ],
            Who::OtherPatient => [
                (404, ""),
                (403, ""),
                (403, ""),
                (403, ""),
                (303, "/me"),
                (403, ""),
                (403, ""),
                (200, ""),
            ],
            Who::Anonymous => [(303, "/login"); 8],
        };
        for ((route, (status, loc, body)), (want, want_loc)) in results.iter().zip(expected) {
            assert_eq!(*status, want, "{who:?} {route}: {body}");
            if !want_loc.is_empty() {
                assert_eq!(loc, want_loc, "{who:?} {route}");
            }
            let may_see = matches!(who, Who::OwnClinician | Who::PatientSelf);
            if !may_see {
                assert!(
                    !body.contains("Astrid"),
                    "{who:?} {route} revealed the patient"
                );
            }
        }
        if who == Who::OtherPatient {
            let (_, _, me) = get("/me".into()).await;
            assert!(me.contains("Bjorn Beta") && !me.contains("Astrid"));
        }
        if who == Who::OtherClinician {
            let (_, _, list) = get("/patients".into()).await;
            assert!(list.contains("Gamma") && !list.contains("Alpha"));
        }
    }
}

#[tokio::test]
async fn admins_and_researchers_do_not_read_patient_records() {
    let app = spawn().await;
    for login in [&app.fx.admin_a, &app.fx.researcher_a] {
        let token = app.token(login).await;
        let res = api()
            .get(app.url(&format!("/api/v1/patients/{}", app.fx.pat1)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{}", login.email);
        let list = api()
            .get(app.url("/api/v1/patients"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(list.status(), 403);
        let c = app.web_login(login).await;
        assert_eq!(
            c.get(app.url(&format!("/patients/{}", app.fx.pat1)))
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
    }
    // The researcher sees counts, not names.
    let c = app.web_login(&app.fx.researcher_a).await;
    let page = c
        .get(app.url("/research"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Patient records") && !page.contains("Alpha"));
}
