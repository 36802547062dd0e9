//! `rapport audit`: who read and wrote which patient, from the command line.

use serde_json::Value;

use crate::support::{
    Server, TempDb, client, clinic_with_clinician, create_patient, get_json, run,
};

fn entries(v: &Value) -> &Vec<Value> {
    v.as_array().expect("audit JSON is an array")
}

#[tokio::test]
async fn audit_lists_an_http_session_and_filters_by_patient() {
    let db = TempDb::new();
    let account = clinic_with_clinician(&db.url, "Audit Clinic", "audit@clinic.example");
    let server = Server::start(&db.url, &[], &db.path("server.log")).await;
    let http = client();
    let t = crate::support::token(&server, &account.email, &account.password).await;

    let kari = create_patient(&http, &server, &t, "Kari", "Nordmann").await;
    let per = create_patient(&http, &server, &t, "Per", "Hansen").await;
    let kari_id = kari["id"].as_i64().expect("id");
    let per_id = per["id"].as_i64().expect("id");
    let (status, _) = get_json(&http, &server, &t, &format!("/api/v1/patients/{kari_id}")).await;
    assert_eq!(status, 200);
    let (status, _) = get_json(&http, &server, &t, "/api/v1/patients/999999").await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&http, &server, &t, "/api/v1/patients").await;
    assert_eq!(status, 200);

    let all = run(&["audit", "--db", &db.url, "--format", "json"], None)
        .expect_ok()
        .json();
    let find = |action: &str, patient: i64| {
        entries(&all)
            .iter()
            .find(|e| e["action"] == action && e["patient_id"] == patient)
            .unwrap_or_else(|| panic!("no {action} of patient {patient} in {all:#}"))
            .clone()
    };
    for (action, patient) in [
        ("patient.create", kari_id),
        ("patient.create", per_id),
        ("patient.read", kari_id),
    ] {
        let e = find(action, patient);
        assert_eq!(e["user_id"], account.user_id, "{e}");
        assert_eq!(e["role"], "clinician", "{e}");
        assert_eq!(e["clinic_id"], account.clinic_id, "{e}");
        assert_eq!(e["address"], "127.0.0.1", "{e}");
        assert_eq!(e["outcome"], "ok", "{e}");
        assert!(e["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{e}");
    }
    // The refused read of a patient that does not exist is kept as well.
    let refused = find("patient.read", 999_999);
    assert_eq!(refused["outcome"], "not_found");
    // Newest first.
    let ids: Vec<i64> = entries(&all)
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    // --patient: only Kari's entries.
    let only = run(
        &[
            "audit",
            "--db",
            &db.url,
            "--patient",
            &kari_id.to_string(),
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok()
    .json();
    assert!(
        entries(&only).len() >= 2,
        "create and read of patient {kari_id}: {only:#}"
    );
    let shown_in_list = |e: &Value, id: i64| {
        e["action"] == "patient.list"
            && e["detail"]
                .as_str()
                .is_some_and(|d| d.contains(&format!(",{id},")))
    };
    for e in entries(&only) {
        assert!(
            e["patient_id"] == kari_id || shown_in_list(e, kari_id),
            "not about patient {kari_id}: {e}"
        );
    }
    for action in ["patient.create", "patient.read", "patient.list"] {
        assert!(
            entries(&only).iter().any(|e| e["action"] == action),
            "no {action} in {only:#}"
        );
    }
    // And Per's entries do not include Kari's read.
    let per_only = run(
        &[
            "audit",
            "--db",
            &db.url,
            "--patient",
            &per_id.to_string(),
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok()
    .json();
    assert!(
        entries(&per_only)
            .iter()
            .all(|e| e["patient_id"] == per_id || shown_in_list(e, per_id)),
        "{per_only:#}"
    );
    assert!(
        !entries(&per_only)
            .iter()
            .any(|e| e["action"] == "patient.read")
    );

    // --format table: a table a person reads.
    let table = run(
        &[
            "audit",
            "--db",
            &db.url,
            "--patient",
            &kari_id.to_string(),
            "--format",
            "table",
        ],
        None,
    )
    .expect_ok()
    .stdout;
    for needle in [
        "action",
        "patient",
        "address",
        "patient.create",
        "patient.read",
        "127.0.0.1",
        "clinician",
    ] {
        assert!(table.contains(needle), "{needle:?} missing:\n{table}");
    }
    assert!(
        !table.contains("Hansen"),
        "no patient names in the audit table"
    );
    // One row per entry under the header row.
    let rows = table.lines().filter(|l| l.starts_with('│')).count();
    assert_eq!(rows, entries(&only).len() + 1, "{table}");
}
