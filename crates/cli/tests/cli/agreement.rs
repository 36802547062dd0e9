//! Every view judges the same patient the same way: over a small synthetic
//! clinic, the theory of each patient through the API, their row on the
//! caseload (API) and their row of the nightly `rapport triage` report the
//! same mechanisms, and the dashboard and the night suggest the same.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::{Server, TempDb, client, get_json, run, token};

/// (mechanism, status) pairs of a row or of a theory answer.
fn mechanisms(v: &Value) -> Vec<(String, String)> {
    v["mechanisms"]
        .as_array()
        .unwrap_or_else(|| panic!("mechanisms in {v}"))
        .iter()
        .map(|m| {
            (
                m["mechanism"].as_str().unwrap().to_string(),
                m["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_the_caseload_and_the_night_agree_for_every_patient() {
    let db = TempDb::new();
    let today = jiff::Zoned::now().date().to_string();
    run(
        &[
            "demo",
            "--db",
            &db.url,
            "--patients",
            "60",
            "--seed",
            "7",
            "--today",
            &today,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok();
    let night = run(&["triage", "--db", &db.url, "--format", "json"], None).expect_ok();
    let night: Vec<Value> = serde_json::from_str(&night.stdout).unwrap();
    assert!(night.len() > 20, "{} open episodes", night.len());

    let server = Server::start(&db.url, &[], &db.path("server.log")).await;
    let http = client();
    // Each synthetic clinician sees the whole clinic's caseload.
    let t = token(
        &server,
        "clinician1@synthetic.example",
        "synthetic-clinician-pass",
    )
    .await;
    let (status, caseload) = get_json(&http, &server, &t, "/api/v1/caseload").await;
    assert_eq!(status, 200, "{caseload}");
    let rows = caseload["rows"].as_array().unwrap();
    assert_eq!(rows.len(), night.len(), "the same open episodes");

    let by_patient = |rows: &[Value]| -> BTreeMap<i64, Value> {
        rows.iter()
            .map(|r| (r["patient"]["id"].as_i64().unwrap(), r.clone()))
            .collect()
    };
    let (day, at_night) = (by_patient(rows), by_patient(&night));
    let mut statuses = std::collections::BTreeSet::new();
    for (patient, row) in &day {
        let (status, theory) = get_json(
            &http,
            &server,
            &t,
            &format!("/api/v1/patients/{patient}/theory"),
        )
        .await;
        assert_eq!(status, 200, "{theory}");
        let judged = mechanisms(&theory);
        assert_eq!(
            mechanisms(row),
            judged,
            "patient {patient}: caseload and theory"
        );
        assert_eq!(
            mechanisms(&at_night[patient]),
            judged,
            "patient {patient}: the night and the theory"
        );
        assert_eq!(
            row["flags"], at_night[patient]["flags"],
            "patient {patient}: flags"
        );
        // The theory's first suggestions are the caseload's.
        let first: Vec<&Value> = theory["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .take(2)
            .collect();
        let shown: Vec<&Value> = row["suggestions"].as_array().unwrap().iter().collect();
        assert_eq!(
            first.iter().map(|s| &s["action"]).collect::<Vec<_>>(),
            shown.iter().map(|s| &s["action"]).collect::<Vec<_>>(),
            "patient {patient}: suggestions"
        );
        statuses.extend(judged);
    }
    // The clinic is not judged the same throughout.
    assert!(statuses.len() >= 4, "{statuses:?}");
}
