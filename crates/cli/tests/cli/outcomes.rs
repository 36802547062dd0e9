//! Over a small synthetic clinic: every discharged patient's outcomes follow
//! the minimal-important-change rule on their own scores (worked here from
//! the published thresholds, not from Rapport's code), the clinic's report
//! adds up to them, and every discharged patient has a self-management plan
//! with exercises.

use std::collections::BTreeMap;

use crate::support::{Server, TempDb, client, get_json, run, token};

/// (points, per cent of baseline, lower is better) of each instrument with a
/// published minimal important change (clinical-facts §2).
fn threshold(code: &str) -> Option<(f64, Option<f64>, bool)> {
    match code {
        "nprs" => Some((2.0, Some(30.0), true)),
        "rmdq" => Some((5.0, Some(30.0), true)),
        "odi" => Some((10.0, Some(30.0), true)),
        "pseq" => Some((5.5, None, false)),
        "tsk11" => Some((4.0, None, true)),
        "psfs" => Some((2.0, None, false)),
        _ => None,
    }
}

fn reached(code: &str, baseline: f64, later: f64) -> Option<bool> {
    let (points, percent, lower) = threshold(code)?;
    let better = if lower {
        baseline - later
    } else {
        later - baseline
    };
    Some(
        better > 0.0
            && (better >= points
                || percent.is_some_and(|p| baseline > 0.0 && better * 100.0 >= p * baseline)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discharged_patients_outcomes_follow_the_rule_and_the_report_adds_up() {
    let db = TempDb::new();
    let today = jiff::Zoned::now().date().to_string();
    run(
        &[
            "demo",
            "--db",
            &db.url,
            "--patients",
            "80",
            "--seed",
            "11",
            "--today",
            &today,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok();
    let server = Server::start(&db.url, &[], &db.path("server.log")).await;
    let http = client();
    let t = token(
        &server,
        "clinician1@synthetic.example",
        "synthetic-clinician-pass",
    )
    .await;
    let (status, list) = get_json(&http, &server, &t, "/api/v1/patients?limit=500").await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<i64> = list["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 60, "{} patients", ids.len());

    // (instrument, time point) → (n, sum of change, reached)
    let mut sums: BTreeMap<(String, String), (u64, f64, u64)> = BTreeMap::new();
    let mut discharged = 0;
    let mut judged = 0;
    for id in &ids {
        let (status, o) = get_json(
            &http,
            &server,
            &t,
            &format!("/api/v1/patients/{id}/outcomes"),
        )
        .await;
        assert_eq!(status, 200, "patient {id}: {o}");
        if o["discharged_on"].is_null() {
            continue;
        }
        discharged += 1;
        for i in o["instruments"].as_array().unwrap() {
            let code = i["instrument"].as_str().unwrap();
            for tp in ["discharge", "six_months"] {
                let (Some(b), Some(l)) = (i["baseline"].as_f64(), i[tp].as_f64()) else {
                    assert!(i["change"][tp].is_null(), "patient {id} {code} {tp}: {i}");
                    continue;
                };
                assert!((i["change"][tp].as_f64().unwrap() - (l - b)).abs() < 1e-9);
                let expected = reached(code, b, l);
                assert_eq!(
                    i["mcid"]["reached"][tp].as_bool(),
                    expected,
                    "patient {id} {code} {tp}: {b} → {l}: {i}"
                );
                judged += 1;
                let e = sums.entry((code.to_string(), tp.to_string())).or_default();
                e.0 += 1;
                e.1 += l - b;
                e.2 += u64::from(expected == Some(true));
            }
        }
        let (status, plan) = get_json(
            &http,
            &server,
            &t,
            &format!("/api/v1/patients/{id}/self-management-plan"),
        )
        .await;
        assert_eq!(status, 200, "patient {id}: {plan}");
        assert!(
            !plan["exercises"].as_array().unwrap().is_empty(),
            "patient {id}: {plan}"
        );
    }
    assert!(discharged >= 5, "{discharged} discharged");
    assert!(judged >= 20, "{judged} changes judged");

    let (status, report) = get_json(
        &http,
        &server,
        &t,
        &format!("/api/v1/reports/outcomes?from=1990-01-01&to={today}"),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["discharged"], discharged);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), sums.len(), "{report}");
    for r in rows {
        let key = (
            r["instrument"].as_str().unwrap().to_string(),
            r["time_point"].as_str().unwrap().to_string(),
        );
        let (n, total, hit) = sums[&key];
        assert_eq!(r["n"], n, "{key:?}");
        assert!(
            (r["mean_change"].as_f64().unwrap() - total / n as f64).abs() < 1e-9,
            "{key:?}: {r}"
        );
        if threshold(&key.0).is_some() {
            assert_eq!(r["reached_mcid"], hit, "{key:?}");
        } else {
            assert!(r["reached_mcid"].is_null(), "{key:?}");
        }
    }
}
