use std::time::Duration;

use crate::harness::*;

fn link_in(body: &str) -> String {
    let at = body
        .find("/invite/")
        .expect("an invitation link on the page");
    let start = body[..at].rfind("value=\"").map(|i| i + 7).unwrap();
    let end = at + body[at..].find('"').unwrap();
    body[start..end].to_string()
}

#[tokio::test]
async fn a_patient_sets_a_password_on_a_single_use_link_and_then_sees_only_their_record() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    // A new patient, without an account yet.
    let created = app
        .submit(
            &clin,
            "/patients/new",
            "/patients/new",
            &[
                ("given_name", "Dina"),
                ("family_name", "Delta"),
                ("birth_date", "1988-08-08"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let page = location(&created);
    let res = app
        .submit(
            &clin,
            &page,
            &format!("{page}/invite"),
            &[("email", "dina@a.example")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let link = link_in(&res.text().await.unwrap());
    assert!(link.starts_with(&app.base), "{link}");

    let patient = browser();
    let form = patient.get(&link).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let body = form.text().await.unwrap();
    assert!(body.contains("Welcome, Dina") && body.contains("dina@a.example"));
    let token = token_in(&body).unwrap();

    let mismatch = patient
        .post(&link)
        .form(&[
            ("password", "a good long password"),
            ("password_confirm", "another one entirely"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), 422);
    assert!(mismatch.text().await.unwrap().contains("not the same"));
    let short = patient
        .post(&link)
        .form(&[
            ("password", "short"),
            ("password_confirm", "short"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);

    let ok = patient
        .post(&link)
        .form(&[
            ("password", "a good long password"),
            ("password_confirm", "a good long password"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/login?welcome=1");

    // The link works once.
    let again = browser().get(&link).send().await.unwrap();
    assert_eq!(again.status(), 404);
    assert!(again.text().await.unwrap().contains("does not work"));

    // The patient logs in and lands on their own record.
    let res = app
        .post_login(&patient, "dina@a.example", "a good long password")
        .await;
    assert_eq!(res.status(), 303);
    let home = patient.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&home), "/me");
    let me = patient
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(me.contains("Dina Delta") && me.contains("1988-08-08"));
    // Not the clinic's list, not another patient.
    assert_eq!(
        location(&patient.get(app.url("/patients")).send().await.unwrap()),
        "/me"
    );
    let other = patient
        .get(app.url(&format!("/patients/{}", app.fx.pat1)))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    assert!(!other.text().await.unwrap().contains("Alpha"));
}

#[tokio::test]
async fn an_expired_or_replaced_invitation_does_not_work() {
    let mut config = test_config();
    config.invite_ttl = Duration::from_secs(0);
    let app = spawn_with(config).await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let created = app
        .submit(
            &clin,
            "/patients/new",
            "/patients/new",
            &[
                ("given_name", "Eir"),
                ("family_name", "Epsilon"),
                ("birth_date", "1990-01-01"),
            ],
        )
        .await;
    let page = location(&created);
    let res = app
        .submit(
            &clin,
            &page,
            &format!("{page}/invite"),
            &[("email", "eir@a.example")],
        )
        .await;
    let link = link_in(&res.text().await.unwrap());
    let form = browser().get(&link).send().await.unwrap();
    assert_eq!(form.status(), 404);

    // With a normal lifetime, a second invitation replaces the first.
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let created = app
        .submit(
            &clin,
            "/patients/new",
            "/patients/new",
            &[
                ("given_name", "Eir"),
                ("family_name", "Epsilon"),
                ("birth_date", "1990-01-01"),
            ],
        )
        .await;
    let page = location(&created);
    let first = link_in(
        &app.submit(
            &clin,
            &page,
            &format!("{page}/invite"),
            &[("email", "eir@a.example")],
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    let second = link_in(
        &app.submit(
            &clin,
            &page,
            &format!("{page}/invite"),
            &[("email", "eir@a.example")],
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    assert_eq!(browser().get(&first).send().await.unwrap().status(), 404);
    assert_eq!(browser().get(&second).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_patient_who_has_an_account_cannot_be_invited_again() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let page = format!("/patients/{}", app.fx.pat1);
    let res = app
        .submit(
            &clin,
            &page,
            &format!("{page}/invite"),
            &[("email", "astrid2@a.example")],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("already has an account"));
    let bad = app
        .submit(
            &clin,
            &format!("/patients/{}", app.fx.pat2),
            &format!("/patients/{}/invite", app.fx.pat2),
            &[("email", "not-an-email")],
        )
        .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn the_patient_page_says_whether_the_patient_can_log_in() {
    let app = spawn().await;
    let clin = app.web_login(&app.fx.clin_a).await;
    let with_account = clin
        .get(app.url(&format!("/patients/{}", app.fx.pat1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(with_account.contains("logs in to Rapport as <strong>astrid@a.example</strong>"));
    assert!(!with_account.contains("Create invitation link"));
    let created = app
        .submit(
            &clin,
            "/patients/new",
            "/patients/new",
            &[
                ("given_name", "Ivar"),
                ("family_name", "India"),
                ("birth_date", "1950-01-01"),
            ],
        )
        .await;
    let without = clin
        .get(app.url(&location(&created)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        without.contains("Create invitation link") && !without.contains("logs in to Rapport as")
    );
}
