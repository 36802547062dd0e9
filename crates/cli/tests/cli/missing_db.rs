//! Commands that read a database refuse one that is not there, naming the
//! path, instead of creating an empty one and answering from it.

use crate::support::{TempDb, clinic_with_clinician, run};

#[test]
fn reading_commands_refuse_a_database_that_does_not_exist() {
    let dir = TempDb::new();
    let missing = dir.path("no-such-folder/typo.db");
    let url = format!("sqlite://{}", missing.display());
    let out = dir.path("copy.db");
    let wording = dir.path("wording.toml");
    std::fs::write(&wording, "instrument = \"odi\"\n").unwrap();
    let wger = dir.path("wger.json");
    std::fs::write(&wger, "{\"results\": []}").unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec![
            "backup".into(),
            "--db".into(),
            url.clone(),
            "--out".into(),
            out.display().to_string(),
        ],
        vec!["audit".into(), "--db".into(), url.clone()],
        vec![
            "audit".into(),
            "--db".into(),
            url.clone(),
            "--format".into(),
            "json".into(),
        ],
        vec![
            "triage".into(),
            "--db".into(),
            url.clone(),
            "--format".into(),
            "json".into(),
        ],
        vec![
            "exercises".into(),
            "list".into(),
            "--clinic".into(),
            "1".into(),
            "--db".into(),
            url.clone(),
        ],
        vec![
            "exercises".into(),
            "import-wger".into(),
            "--clinic".into(),
            "1".into(),
            wger.display().to_string(),
            "--db".into(),
            url.clone(),
        ],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = run(&args, None);
        assert_eq!(result.code, Some(1), "{args:?}: {result:#?}");
        assert!(
            result.stderr.contains(&missing.display().to_string()),
            "{args:?} names the path: {result:#?}"
        );
        assert!(
            result.stdout.trim().is_empty(),
            "{args:?} printed nothing: {result:#?}"
        );
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
        assert!(
            !missing.parent().unwrap().exists(),
            "{args:?} created the folder"
        );
        assert!(!out.exists(), "{args:?} wrote a backup");
    }
}

#[test]
fn a_file_that_is_not_a_rapport_database_is_refused_and_left_alone() {
    let dir = TempDb::new();
    let empty = dir.path("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let url = format!("sqlite://{}", empty.display());
    let result = run(&["audit", "--db", &url], None);
    assert_eq!(result.code, Some(1), "{result:#?}");
    assert!(result.stderr.contains("no Rapport data"), "{result:#?}");
    assert_eq!(
        std::fs::metadata(&empty).unwrap().len(),
        0,
        "nothing was written"
    );
}

#[test]
fn set_up_commands_still_create_the_database() {
    let dir = TempDb::new();
    let account = clinic_with_clinician(&dir.url, "New Clinic", "first@clinic.example");
    assert!(dir.file().exists());
    // And the reading commands work on it once it exists.
    let audit = run(&["audit", "--db", &dir.url, "--format", "json"], None).expect_ok();
    assert!(audit.json().is_array());
    let out = dir.path("copy.db");
    run(
        &[
            "backup",
            "--db",
            &dir.url,
            "--out",
            &out.display().to_string(),
        ],
        None,
    )
    .expect_ok();
    assert!(out.exists());
    assert!(account.clinic_id > 0);
}

#[test]
fn a_postgres_database_without_rapport_is_refused() {
    let Some(pg) = crate::support::PgDatabase::from_env() else {
        return;
    };
    for args in [
        vec!["audit", "--db", &pg.url],
        vec!["triage", "--db", &pg.url],
    ] {
        let result = run(&args, None);
        assert_eq!(result.code, Some(1), "{args:?}: {result:#?}");
        assert!(result.stderr.contains("no Rapport data"), "{result:#?}");
    }
    // Nothing was created in it.
    let out = std::process::Command::new("psql")
        .args([
            &pg.url,
            "-tAc",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}
