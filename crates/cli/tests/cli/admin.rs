//! `rapport admin create-clinic` / `create-user`: set-up without the web, and
//! the account made that way logging in over HTTP.

use serde_json::json;

use crate::support::{Server, TempDb, client, get_json, run, token};

const PASSWORD: &str = "lumbar-stability-2024";

fn create_user(
    db: &str,
    clinic: &str,
    role: &str,
    email: &str,
    stdin: &str,
) -> crate::support::Out {
    run(
        &[
            "admin",
            "create-user",
            "--clinic",
            clinic,
            "--role",
            role,
            "--email",
            email,
            "--password-stdin",
            "--db",
            db,
            "--format",
            "json",
        ],
        Some(stdin),
    )
}

#[tokio::test]
async fn clinic_and_clinician_set_up_from_the_command_line_can_log_in() {
    let db = TempDb::new();

    let out = run(
        &[
            "admin",
            "create-clinic",
            "Fjord Physio",
            "--db",
            &db.url,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok();
    let clinic = out.json();
    let clinic_id = clinic["id"].as_i64().expect("clinic id is a number");
    assert_eq!(clinic["name"], "Fjord Physio");

    // Without --format json: a sentence for a person.
    let text = run(
        &["admin", "create-clinic", "Second Clinic", "--db", &db.url],
        None,
    )
    .expect_ok()
    .stdout;
    assert!(
        text.contains("created clinic") && text.contains("Second Clinic"),
        "{text}"
    );

    let cid = clinic_id.to_string();
    let out = create_user(
        &db.url,
        &cid,
        "clinician",
        "Anna.Berg@Fjord.example",
        &format!("{PASSWORD}\n"),
    )
    .expect_ok();
    let user = out.json();
    let user_id = user["id"].as_i64().expect("user id is a number");
    assert_eq!(user["clinic_id"], clinic_id);
    assert_eq!(user["role"], "clinician");
    assert_eq!(
        user["email"], "anna.berg@fjord.example",
        "stored lower-cased"
    );
    // Neither the password nor its hash is printed.
    for secret in ["password", "argon2", PASSWORD] {
        assert!(!out.stdout.contains(secret), "{secret:?} in {}", out.stdout);
        assert!(!out.stderr.contains(secret), "{secret:?} in {}", out.stderr);
    }

    // Each mistake fails, names the field, and creates nothing.
    let good = format!("{PASSWORD}\n");
    create_user(&db.url, &cid, "doctor", "b@fjord.example", &good)
        .expect_fail(&["role", "admin, clinician, researcher, patient"]);
    create_user(&db.url, &cid, "clinician", "not-an-address", &good).expect_fail(&["email"]);
    create_user(&db.url, &cid, "clinician", "c@fjord.example", "short\n")
        .expect_fail(&["password", "at least 10"]);
    create_user(&db.url, &cid, "clinician", "d@fjord.example", "").expect_fail(&["password"]);
    create_user(&db.url, "999", "clinician", "e@fjord.example", &good)
        .expect_fail(&["clinic", "999"]);
    // The same address in other letters is the same address.
    create_user(&db.url, &cid, "clinician", "ANNA.BERG@fjord.example", &good)
        .expect_fail(&["e-mail", "already exists"]);
    // A patient account needs its patient record.
    create_user(&db.url, &cid, "patient", "f@fjord.example", &good).expect_fail(&["patient"]);

    let audit = run(&["audit", "--db", &db.url, "--format", "json"], None)
        .expect_ok()
        .json();
    let created: Vec<_> = audit
        .as_array()
        .expect("audit is an array")
        .iter()
        .filter(|e| e["action"] == "user.create")
        .map(|e| e["record_id"].clone())
        .collect();
    assert_eq!(
        created,
        vec![json!(user_id)],
        "only the good account was made"
    );

    // The account logs in over HTTP with the password given on stdin.
    let mut server = Server::start(&db.url, &[], &db.path("server.log")).await;
    let http = client();
    let wrong = http
        .post(server.url("/api/v1/auth/token"))
        .json(&json!({"email": "anna.berg@fjord.example", "password": "not-the-password"}))
        .send()
        .await
        .expect("token request");
    assert_eq!(wrong.status(), 401);
    let token = token(&server, "anna.berg@fjord.example", PASSWORD).await;
    let (status, list) = get_json(&http, &server, &token, "/api/v1/patients").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["patients"], json!([]));
    // None of the refused accounts exists.
    let refused = http
        .post(server.url("/api/v1/auth/token"))
        .json(&json!({"email": "b@fjord.example", "password": PASSWORD}))
        .send()
        .await
        .expect("token request");
    assert_eq!(refused.status(), 401);
    drop(http);
    assert!(server.stop(), "SIGTERM should stop the server cleanly");
}

#[test]
fn create_clinic_takes_a_time_zone_and_refuses_an_unknown_one() {
    let db = TempDb::new();
    let out = run(
        &[
            "admin",
            "create-clinic",
            "Oslo Rygg",
            "--time-zone",
            "Europe/Oslo",
            "--db",
            &db.url,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok();
    let clinic = out.json();
    assert!(clinic["id"].is_i64());
    assert_eq!(clinic["name"], "Oslo Rygg");
    assert_eq!(clinic["time_zone"], "Europe/Oslo");
    // Without --time-zone: UTC.
    let out = run(
        &[
            "admin",
            "create-clinic",
            "Anywhere",
            "--db",
            &db.url,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok();
    assert_eq!(out.json()["time_zone"], "UTC");
    run(
        &[
            "admin",
            "create-clinic",
            "Nowhere",
            "--time-zone",
            "Mars/Olympus",
            "--db",
            &db.url,
        ],
        None,
    )
    .expect_fail(&["time_zone", "IANA"]);
}
