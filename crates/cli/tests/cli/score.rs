//! `rapport score`: raw answers in, JSON score out; mistakes named.

use std::process::Stdio;

use serde_json::json;

use crate::support::{BIN, run};

fn score(instrument: &str, answers: &str) -> serde_json::Value {
    run(&["score", instrument, "--answers", answers], None)
        .expect_ok()
        .json()
}

#[test]
fn startback_prints_total_subscale_and_stratum() {
    // Items 1, 2, 5, 6, 8 agreed; item 9 "very much" (3) counts 1 → total 6,
    // psychosocial (items 5-9) 4 → high risk.
    let s = score("startback", "1,1,0,0,1,1,0,1,3");
    assert_eq!(s["instrument"], "startback");
    assert_eq!(s["total"], 6);
    assert_eq!(s["subscales"]["psychosocial"], 4);
    assert_eq!(s["band"]["code"], "high");
    assert_eq!(s["missing"]["rule"], "complete");

    // Total 5 but psychosocial 1 → medium; item 9 "moderately" (2) does not count.
    let s = score("startback", "1,1,1,1,1,0,0,0,2");
    assert_eq!(
        (
            &s["total"],
            &s["subscales"]["psychosocial"],
            &s["band"]["code"]
        ),
        (&json!(5), &json!(1), &json!("medium"))
    );

    // Total 3 → low, whatever the subscale.
    let s = score("startback", "0,0,0,0,1,1,0,0,3");
    assert_eq!(s["total"], 3);
    assert_eq!(s["band"]["code"], "low");
}

#[test]
fn odi_with_one_unanswered_section_is_prorated() {
    // 21 points over the 9 answered sections: 21 / 45 = 46.67 %.
    let s = score("odi", "1,2,3,-,0,1,2,3,4,5");
    let total = s["total"].as_f64().expect("numeric total");
    assert!((total - 100.0 * 21.0 / 45.0).abs() < 1e-9, "{s}");
    assert_eq!(s["missing"]["items_missing"], json!([4]));
    assert_eq!(s["missing"]["rule"], "prorated");
    assert_eq!(s["band"]["code"], "severe");

    // Complete: 21 + 0 = 21 of 50 = 42 %.
    let s = score("odi", "1,2,3,0,0,1,2,3,4,5");
    assert_eq!(s["total"].as_f64(), Some(42.0));

    // Two sections unanswered cannot be scored, and the message says so.
    run(&["score", "odi", "--answers", "1,2,3,-,-,1,2,3,4,5"], None)
        .expect_fail(&["answers[4]", "unanswered"]);
}

#[test]
fn list_shows_every_instrument() {
    let table = run(&["score", "--list"], None).expect_ok().stdout;
    let codes = [
        "startback",
        "nprs",
        "rmdq",
        "odi",
        "pseq",
        "tsk11",
        "fabq",
        "waisr",
        "ears",
        "pgic",
        "psfs",
        "endofcare",
    ];
    for code in codes {
        assert!(
            table.contains(code),
            "{code} missing from the list:\n{table}"
        );
    }
    assert!(table.contains("Oswestry Disability Index"), "{table}");

    let list = run(&["score", "--list", "--format", "json"], None)
        .expect_ok()
        .json();
    let listed: Vec<&str> = list
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|i| i["code"].as_str().expect("code"))
        .collect();
    assert_eq!(listed, codes);
}

#[test]
fn mistakes_are_named_and_fail() {
    run(&["score", "nope", "--answers", "1"], None).expect_fail(&["unknown instrument", "nope"]);
    run(&["score", "startback", "--answers", "1,1"], None).expect_fail(&[
        "answers",
        "exactly 9",
        "got 2",
    ]);
    // Item 3 answered 7 on a 0-1 item.
    run(
        &["score", "startback", "--answers", "1,1,7,0,1,1,0,1,3"],
        None,
    )
    .expect_fail(&["answers[3]", "got 7"]);
    // Item 9 runs 0-4.
    run(
        &["score", "startback", "--answers", "1,1,0,0,1,1,0,1,5"],
        None,
    )
    .expect_fail(&["answers[9]"]);
    run(
        &["score", "startback", "--answers", "1,1,x,0,1,1,0,1,3"],
        None,
    )
    .expect_fail(&["answers[3]", "`x`"]);
    // STarT Back needs every item.
    run(
        &["score", "startback", "--answers", "1,1,-,0,1,1,0,1,3"],
        None,
    )
    .expect_fail(&["answers[3]"]);
    // Nothing on stdout when it fails: no half score for a script to pick up.
    let out = run(&["score", "startback", "--answers", "1,1"], None);
    assert_eq!(out.stdout, "", "{out:#?}");
}

/// `rapport score --list | head -1`: a reader that stops early is not a crash.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let mut child = std::process::Command::new(BIN)
        .args(["score", "--list", "--format", "json"])
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rapport");
    // Close the reading end before the command writes.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.code().is_some(), "killed by a signal: {out:?}");
}
