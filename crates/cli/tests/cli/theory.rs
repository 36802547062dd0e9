//! `rapport theory` and `rapport exercises`: the programme theory and the
//! exercise library at the command line.

use crate::support::{TempDb, run};

#[test]
fn theory_list_json_gives_every_field_of_every_cmoc() {
    let out = run(&["theory", "list", "--format", "json"], None)
        .expect_ok()
        .json();
    let cmocs = out["cmocs"].as_array().expect("cmocs");
    assert_eq!(cmocs.len(), 34);
    for c in cmocs {
        for field in [
            "id",
            "table",
            "row",
            "mechanism",
            "sub_theme",
            "summary",
            "context_text",
            "mechanism_text",
            "outcome_text",
            "outcomes",
            "concerns",
            "grade",
            "references",
            "theme",
            "context_expr",
            "action",
            "citation",
        ] {
            assert!(!c[field].is_null(), "{} lacks {field}", c["id"]);
        }
    }
    let count = |m: &str| cmocs.iter().filter(|c| c["mechanism"] == m).count();
    assert_eq!(
        (count("trust"), count("motivation"), count("confidence")),
        (10, 18, 6)
    );
    assert!(
        out["version"].is_string() && out["source"].as_str().unwrap().contains("Br J Sports Med")
    );
}

#[test]
fn theory_show_and_graph() {
    let t = run(&["theory", "show", "T1.4"], None).expect_ok();
    assert!(t.stdout.contains("Table 1, row 4") && t.stdout.contains("high"));
    let j = run(&["theory", "show", "m2.13", "--format", "json"], None)
        .expect_ok()
        .json();
    assert_eq!(j["id"], "M2.13");
    run(&["theory", "show", "X9.9"], None).expect_fail(&["unknown CMOC", "X9.9"]);
    let dot = run(&["theory", "graph"], None).expect_ok();
    assert!(dot.stdout.starts_with("digraph") && dot.stdout.contains("mechanism_trust"));
    let g = run(&["theory", "graph", "--format", "json"], None)
        .expect_ok()
        .json();
    assert_eq!(g["nodes"].as_array().unwrap().len(), 34 + 3 + 3);
}

#[test]
fn a_clinic_knowledge_base_file_is_validated() {
    let dir = TempDb::new();
    let bad = dir.path("bad.toml");
    std::fs::write(
        &bad,
        "version = \"x\"\nsource = \"y\"\n[actions]\n[[cmoc]]\nid = \"T1.1\"\n",
    )
    .unwrap();
    run(&["theory", "list", "--theory", bad.to_str().unwrap()], None).expect_fail(&["T1.1"]);
}

#[test]
fn exercises_list_show_and_import_from_wger() {
    let all = run(&["exercises", "list", "--format", "json"], None)
        .expect_ok()
        .json();
    assert!(all.as_array().unwrap().len() >= 60);
    let one = run(&["exercises", "show", "ge-bend-to-knees"], None).expect_ok();
    assert!(one.stdout.contains("chain") && one.stdout.contains("[ge-bend-to-knees]"));
    run(&["exercises", "show", "no-such"], None).expect_fail(&["no-such"]);

    // Import wger's export into a clinic; the clinic's list then includes them.
    let dir = TempDb::new();
    let db = dir.url.clone();
    let clinic = run(
        &[
            "admin",
            "create-clinic",
            "Wger Clinic",
            "--db",
            &db,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok()
    .json();
    let id = clinic["id"].to_string();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/tests/data/wger_exerciseinfo.json"
    );
    let out = run(
        &[
            "exercises",
            "import-wger",
            "--clinic",
            &id,
            fixture,
            "--db",
            &db,
        ],
        None,
    )
    .expect_ok();
    assert!(
        out.stdout.contains("imported 5 exercises") && out.stdout.contains("skipped 4"),
        "{}",
        out.stdout
    );
    let listed = run(
        &[
            "exercises",
            "list",
            "--clinic",
            &id,
            "--db",
            &db,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok()
    .json();
    let wger: Vec<&serde_json::Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "wger")
        .collect();
    assert_eq!(wger.len(), 5);
    assert!(wger.iter().all(|e| {
        e["attribution"]
            .as_str()
            .unwrap()
            .starts_with("From wger exercise")
    }));
    run(
        &[
            "exercises",
            "import-wger",
            "--clinic",
            "999",
            fixture,
            "--db",
            &db,
        ],
        None,
    )
    .expect_fail(&["clinic"]);
}
