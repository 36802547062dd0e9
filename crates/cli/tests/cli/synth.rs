//! `rapport demo`: the reproducible synthetic clinic.

use sqlx::{Connection, SqliteConnection};

use crate::support::{PgDatabase, Server, TempDb, client, get_json, psql, run, token};

const TODAY: &str = "2026-03-02";

/// The tables the import writes; their content must depend on the seed only.
const TABLES: [&str; 10] = [
    "clinics",
    "users",
    "patients",
    "episodes",
    "form_responses",
    "goals",
    "prescriptions",
    "prescription_versions",
    "session_logs",
    "follow_ups",
];

fn demo(url: &str, patients: &str, seed: &str, extra: &[&str]) -> crate::support::Out {
    let mut args = vec![
        "demo",
        "--db",
        url,
        "--patients",
        patients,
        "--seed",
        seed,
        "--today",
        TODAY,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run(&args, None)
}

async fn connect(db: &TempDb) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", db.file().display()))
        .await
        .unwrap()
}

/// Every row of every imported table, each column `quote`d, in id order.
async fn dump(db: &TempDb) -> Vec<String> {
    let mut conn = connect(db).await;
    let mut out = Vec::new();
    for table in TABLES {
        let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let expr = cols
            .iter()
            .map(|c| format!("quote({c})"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT '{table}|' || {expr} FROM {table} ORDER BY rowid"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        out.extend(rows);
    }
    out
}

#[tokio::test]
async fn the_same_seed_makes_the_same_clinic_and_another_seed_another() {
    let a = TempDb::new();
    let b = TempDb::new();
    let c = TempDb::new();
    let out = demo(&a.url, "150", "7", &[]).expect_ok().json();
    assert_eq!(out["rows"]["patients"], 150);
    assert_eq!(out["run"]["today"], TODAY);
    demo(&b.url, "150", "7", &[]).expect_ok();
    demo(&c.url, "150", "8", &[]).expect_ok();
    let (da, db, dc) = (dump(&a).await, dump(&b).await, dump(&c).await);
    assert!(da.len() > 150 * 20, "too few rows: {}", da.len());
    if da != db {
        let first = da.iter().zip(&db).find(|(x, y)| x != y);
        panic!("same seed, different content; first difference: {first:?}");
    }
    assert_ne!(da, dc, "another seed should make another clinic");
    // Every row count in the summary is what was stored.
    let mut conn = connect(&a).await;
    for table in TABLES {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(out["rows"][table], n, "{table}");
    }
    // One audit row records the import.
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'demo.import'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(audit[0].contains("seed=7"), "{audit:?}");
}

#[tokio::test]
async fn the_planted_effect_of_self_efficacy_on_adherence_is_in_the_stored_data() {
    let db = TempDb::new();
    let truth = db.path("truth.json");
    let out = demo(&db.url, "400", "11", &["--truth", truth.to_str().unwrap()])
        .expect_ok()
        .json();
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth).unwrap()).unwrap();
    assert_eq!(t["mediation"]["a"], 0.08);
    assert_eq!(t["run"]["seed"], 11);
    assert!(out["sample"]["active_episodes"].as_u64().unwrap() > 250);

    // Adherence from the stored rows alone: days with a session done or
    // partly done, over the sessions the first plan asks for in the days
    // the episode has run. Baseline PSEQ total from its stored form.
    let mut conn = connect(&db).await;
    let rows: Vec<(f64, f64)> = sqlx::query_as(
        "WITH spw AS ( \
           SELECT p.patient_id, (SELECT MAX(json_extract(i.value, '$.dose.per_week')) \
                                 FROM json_each(v.plan, '$.items') i) AS per_week \
           FROM prescriptions p JOIN prescription_versions v ON v.prescription_id = p.id AND v.version = 1), \
         span AS ( \
           SELECT e.patient_id, julianday(COALESCE(e.discharged_on, $1)) - julianday(e.opened_on) AS days \
           FROM episodes e), \
         done AS ( \
           SELECT patient_id, COUNT(DISTINCT log_date) AS n FROM session_logs \
           WHERE completion <> 'skipped' GROUP BY patient_id) \
         SELECT f.total, COALESCE(d.n, 0) * 7.0 / (s.per_week * sp.days) \
         FROM form_responses f JOIN spw s ON s.patient_id = f.patient_id \
         JOIN span sp ON sp.patient_id = f.patient_id LEFT JOIN done d ON d.patient_id = f.patient_id \
         WHERE f.form = 'pseq' AND f.time_point = 'baseline' AND sp.days >= 14 \
         ORDER BY f.total, f.patient_id",
    )
    .bind(TODAY)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(rows.len() > 250, "{}", rows.len());
    let third = rows.len() / 3;
    let mean = |xs: &[(f64, f64)]| xs.iter().map(|r| r.1).sum::<f64>() / xs.len() as f64;
    let low = mean(&rows[..third]);
    let high = mean(&rows[rows.len() - third..]);
    // The model: a = 0.08 adherence per SD of self-efficacy; the top and
    // bottom thirds differ by about 2.2 SD, so by about 0.17 in adherence
    // (standard error of the difference here about 0.02). 0.08 leaves room.
    assert!(
        high - low >= 0.08,
        "adherence, top third of PSEQ {high:.3} vs bottom third {low:.3}"
    );

    // Monitoring has something to find: a minority of exercises rated too
    // hard, and sessions with pain 2 or more points higher afterwards.
    let (too_hard, rises, all): (i64, i64, i64) = sqlx::query_as(
        "SELECT SUM(difficulty >= 4), SUM(pain_after - pain_before >= 2), COUNT(*) \
         FROM session_logs WHERE completion <> 'skipped'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(too_hard > 0 && too_hard * 5 < all, "{too_hard} of {all}");
    assert!(rises > 0 && rises * 10 < all, "{rises} of {all}");

    // The clinic works in the application: a clinician logs in with the
    // documented password and reads a synthetic patient.
    drop(conn);
    let server = Server::start(&db.url, &[], &db.path("server.log")).await;
    let tok = token(
        &server,
        "clinician1@synthetic.example",
        "synthetic-clinician-pass",
    )
    .await;
    let (status, p) = get_json(&client(), &server, &tok, "/api/v1/patients/1").await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["external_ref"], "SYN-1");
}

#[test]
fn bad_arguments_are_refused_naming_the_flag() {
    let db = TempDb::new();
    demo(&db.url, "0", "1", &[]).expect_fail(&["--patients"]);
    run(
        &[
            "demo",
            "--db",
            &db.url,
            "--patients",
            "5",
            "--today",
            "2026-13-40",
        ],
        None,
    )
    .expect_fail(&["--today"]);
    demo(&db.url, "5", "1", &["--clinicians", "0"]).expect_fail(&["--clinicians"]);
    run(&["demo", "--db", &db.url, "--patients", "ten"], None).expect_fail(&["--patients"]);
    demo(&db.url, "5", "1", &["--format", "xml"]).expect_fail(&["--format"]);
}

#[tokio::test]
async fn a_database_with_patients_is_refused_unless_asked() {
    let db = TempDb::new();
    demo(&db.url, "20", "3", &[]).expect_ok();
    let before = dump(&db).await;
    demo(&db.url, "20", "3", &[]).expect_fail(&["already holds 20 patients", "--allow-existing"]);
    assert_eq!(before, dump(&db).await, "a refused run changes nothing");
    let out = demo(&db.url, "10", "4", &["--allow-existing"])
        .expect_ok()
        .json();
    assert_eq!(out["run"]["clinic_id"], 2);
    let mut conn = connect(&db).await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patients")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 30);
}

fn triage(url: &str) -> String {
    run(
        &["triage", "--db", url, "--format", "json", "--today", TODAY],
        None,
    )
    .expect_ok()
    .stdout
}

#[tokio::test]
async fn the_import_leaves_current_digests_that_triage_as_the_tables_do() {
    let db = TempDb::new();
    demo(&db.url, "150", "3", &[]).expect_ok();
    let mut conn = connect(&db).await;
    let (active, current): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM episodes WHERE discharged_on IS NULL), \
         (SELECT COUNT(*) FROM monitoring_digests d JOIN episodes e ON e.id = d.episode_id \
          WHERE d.revision = e.revision AND e.revision > 0)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(active > 50, "{active}");
    assert_eq!(current, active, "one current digest per active episode");
    let from_digests = triage(&db.url);
    sqlx::query("DELETE FROM monitoring_digests")
        .execute(&mut conn)
        .await
        .unwrap();
    let from_tables = triage(&db.url);
    assert!(from_digests.contains("\"flags\""));
    assert_eq!(from_digests, from_tables);
}

#[test]
fn runs_on_postgres_too() {
    let Some(pg) = PgDatabase::from_env() else {
        return;
    };
    let url = pg.url.clone();
    let result = std::panic::catch_unwind(|| {
        let out = demo(&url, "60", "5", &[]).expect_ok().json();
        assert_eq!(out["rows"]["patients"], 60);
        assert!(out["rows"]["session_logs"].as_u64().unwrap() > 60 * 10);
        // The digests written with the import triage as the tables do.
        let from_digests = triage(&url);
        psql(&url, "DELETE FROM monitoring_digests");
        assert_eq!(from_digests, triage(&url));
        // The identity sequences were moved past the imported ids: the next
        // clinic made by the application gets the next id.
        let clinic = run(
            &[
                "admin",
                "create-clinic",
                "After",
                "--db",
                &url,
                "--format",
                "json",
            ],
            None,
        )
        .expect_ok()
        .json();
        assert_eq!(clinic["id"], 2);
        demo(&url, "5", "5", &[]).expect_fail(&["already holds 60 patients"]);
    });
    drop(pg);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
