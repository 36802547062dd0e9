//! `rapport demo`: the reproducible synthetic clinic.

use sqlx::{Connection, SqliteConnection};

use crate::support::{PgDatabase, Server, TempDb, client, get_json, psql, run, token};

const TODAY: &str = "2026-03-02";

/// The tables the import writes; their content must depend on the seed only.
const TABLES: [&str; 14] = [
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
    "belief_reviews",
    "education_assignments",
    "log_comments",
    "self_management_plans",
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

/// One number from the database.
async fn one(conn: &mut SqliteConnection, sql: &str) -> f64 {
    sqlx::query_scalar::<_, f64>(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
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
        assert!(out["rows"]["self_management_plans"].as_u64().unwrap() >= 1);
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

/// The care record is generated as the product collects it, in plausible
/// proportions: every patient has an intake, contacts carry the checklist,
/// supervision and ratings of change, the alliance is asked during care,
/// reading answers the beliefs confirmed, feedback answers logs.
#[tokio::test]
async fn the_care_record_is_there_in_plausible_proportions() {
    let db = TempDb::new();
    demo(&db.url, "300", "21", &[]).expect_ok();
    let mut conn = connect(&db).await;
    // Every patient: one complete, holistic-or-not intake among the baseline forms.
    let intakes = one(&mut conn, "SELECT COUNT(DISTINCT patient_id) * 1.0 FROM form_responses WHERE form = 'intake' AND time_point = 'baseline' AND complete AND result IS NOT NULL").await;
    assert_eq!(intakes, 300.0);
    let holistic = one(&mut conn, "SELECT AVG(json_extract(result, '$.six_months') <> '') FROM form_responses WHERE form = 'intake'").await;
    assert!(
        (0.8..0.98).contains(&holistic),
        "holistic intakes {holistic}"
    );
    // The alliance: during care after the second contact, and at discharge; never at baseline.
    let baseline_wai = one(&mut conn, "SELECT COUNT(*) * 1.0 FROM form_responses WHERE form = 'waisr' AND time_point = 'baseline'").await;
    assert_eq!(baseline_wai, 0.0);
    let during = one(&mut conn,
        "SELECT AVG(EXISTS (SELECT 1 FROM form_responses w WHERE w.episode_id = e.id AND w.form = 'waisr' \
           AND w.time_point = 'during_care' AND date(w.completed_at / 1000000, 'unixepoch') = \
           (SELECT contact_on FROM follow_ups f WHERE f.episode_id = e.id ORDER BY contact_on LIMIT 1 OFFSET 1))) \
         FROM episodes e WHERE (SELECT COUNT(*) FROM follow_ups f WHERE f.episode_id = e.id) >= 2",
    )
    .await;
    assert!(
        during > 0.95,
        "during-care WAI-SR at the second contact: {during}"
    );
    // Contacts: practices ticked, a share with the whole checklist, ratings of change.
    let ticked = one(&mut conn, "SELECT AVG(practices <> '') FROM follow_ups").await;
    let complete = one(&mut conn, "SELECT AVG(checklist_complete) FROM follow_ups").await;
    let rated = one(&mut conn, "SELECT AVG(benefit IS NOT NULL) FROM follow_ups").await;
    assert!(ticked > 0.8, "contacts with practices {ticked}");
    assert!(
        (0.25..0.55).contains(&complete),
        "whole checklists {complete}"
    );
    assert!((0.3..0.6).contains(&rated), "ratings of change {rated}");
    let bad_keys = one(&mut conn,
        "SELECT COUNT(*) * 1.0 FROM follow_ups, json_each('[\"' || replace(practices, ',', '\",\"') || '\"]') k \
         WHERE practices <> '' AND k.value NOT IN ('rapport_built', 'disclosure_invited', 'shared_decisions', \
         'reassurance_individualised', 'condition_explained', 'goal_link_explained', 'daily_life_fit_planned', \
         'safe_environment_confirmed', 'biopsychosocial_framing')",
    )
    .await;
    assert_eq!(bad_keys, 0.0, "practice keys are the domain's");
    // Supervision only at supervised contacts; a plan version made harder
    // with it is a progression.
    let misplaced = one(&mut conn, "SELECT COUNT(*) * 1.0 FROM follow_ups WHERE (kind = 'supervised') <> (corrected IS NOT NULL AND progressed IS NOT NULL)").await;
    assert_eq!(misplaced, 0.0);
    let progressed = one(
        &mut conn,
        "SELECT AVG(progressed) FROM follow_ups WHERE kind = 'supervised'",
    )
    .await;
    assert!((0.2..0.8).contains(&progressed), "progressed {progressed}");
    let with_step = one(&mut conn,
        "SELECT AVG(f.progressed = (v.reason LIKE '%made harder%' OR v.reason LIKE 'One more set%')) \
         FROM follow_ups f JOIN prescriptions p ON p.episode_id = f.episode_id \
         JOIN prescription_versions v ON v.prescription_id = p.id AND v.version = f.plan_version \
         WHERE f.kind = 'supervised'",
    )
    .await;
    assert_eq!(
        with_step, 1.0,
        "progressed follows the plan step made at the contact"
    );
    // Beliefs: most episodes reviewed; some beliefs reconciled later, only confirmed ones.
    let reviewed = one(&mut conn, "SELECT AVG(EXISTS (SELECT 1 FROM belief_reviews b WHERE b.episode_id = e.id)) FROM episodes e").await;
    assert!(
        (0.75..0.95).contains(&reviewed),
        "belief reviews {reviewed}"
    );
    let reconciled = one(
        &mut conn,
        "SELECT COUNT(*) * 1.0 FROM belief_reviews WHERE reconciled <> '[]'",
    )
    .await;
    assert!(
        reconciled > 10.0,
        "beliefs reconciled in {reconciled} reviews"
    );
    let stray = one(
        &mut conn,
        "SELECT COUNT(*) * 1.0 FROM belief_reviews b, json_each(b.reconciled) r \
         WHERE r.value NOT IN (SELECT value FROM json_each(b.confirmed))",
    )
    .await;
    assert_eq!(stray, 0.0);
    // Reading: some read; comments answer logs of the same patient, after them.
    let read = one(
        &mut conn,
        "SELECT AVG(read_at IS NOT NULL) FROM education_assignments",
    )
    .await;
    assert!((0.3..0.9).contains(&read), "reading read {read}");
    let comments = one(&mut conn, "SELECT COUNT(*) * 1.0 / 300 FROM log_comments").await;
    assert!(
        (0.5..6.0).contains(&comments),
        "comments per patient {comments}"
    );
    let orphans = one(&mut conn,
        "SELECT COUNT(*) * 1.0 FROM log_comments c LEFT JOIN session_logs l ON l.id = c.log_id \
         WHERE l.id IS NULL OR l.patient_id <> c.patient_id OR c.created_at <= l.at OR l.completion = 'skipped'",
    )
    .await;
    assert_eq!(orphans, 0.0);
    // Plans: the whole person for some, exercises only for a few, not asked for the rest.
    let whole = one(&mut conn, "SELECT AVG(json_array_length(plan, '$.whole_person') > 0) FROM prescription_versions WHERE version = 1").await;
    let not_asked = one(&mut conn, "SELECT AVG(json_type(plan, '$.whole_person') IS NULL) FROM prescription_versions WHERE version = 1").await;
    assert!((0.4..0.9).contains(&whole), "whole-person plans {whole}");
    assert!(
        (0.1..0.4).contains(&not_asked),
        "plans without the question {not_asked}"
    );

    // Each item given answers a belief the patient confirmed (when they confirmed any).
    let library = rapport_domain::education::Library::builtin().unwrap();
    let given: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.item_id, b.confirmed FROM education_assignments a \
         JOIN belief_reviews b ON b.episode_id = a.episode_id \
         AND b.id = (SELECT MIN(id) FROM belief_reviews WHERE episode_id = a.episode_id) \
         WHERE b.confirmed <> '[]'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(given.len() > 100, "{}", given.len());
    for (item, confirmed) in &given {
        let confirmed: Vec<String> = serde_json::from_str(confirmed).unwrap();
        let item = library.get(item).unwrap();
        assert!(
            confirmed.iter().any(|b| item.answers(b)),
            "{} answers none of {confirmed:?}",
            item.id
        );
    }
}

/// Every discharged patient keeps a self-management plan with exercises,
/// written at their discharge by their clinician and read back through the
/// store as the product reads it; no one still in care has one yet.
#[tokio::test]
async fn every_discharged_patient_keeps_a_self_management_plan_with_exercises() {
    use rapport_domain::identity::{ClinicId, PatientId, Role, UserId};
    use rapport_domain::self_management::understanding_of;

    let db = TempDb::new();
    demo(&db.url, "300", "17", &[]).expect_ok();
    let mut conn = connect(&db).await;
    let discharged: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT e.patient_id, e.id, e.discharged_on FROM episodes e WHERE e.discharged_on IS NOT NULL ORDER BY e.id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(discharged.len() > 20, "discharged: {}", discharged.len());
    let in_care = one(
        &mut conn,
        "SELECT COUNT(*) * 1.0 FROM self_management_plans s JOIN episodes e ON e.id = s.episode_id \
         WHERE e.discharged_on IS NULL",
    )
    .await;
    assert_eq!(in_care, 0.0, "a plan is written at discharge");
    let by_their_clinician = one(
        &mut conn,
        "SELECT AVG(s.written_on = e.discharged_on AND s.version = 1 AND s.written_by = \
           (SELECT created_by FROM goals g WHERE g.episode_id = e.id LIMIT 1)) \
         FROM self_management_plans s JOIN episodes e ON e.id = s.episode_id",
    )
    .await;
    assert_eq!(by_their_clinician, 1.0);

    let store = rapport_store::Store::open_existing(&db.url, rapport_store::Durability::default())
        .await
        .unwrap();
    let library = rapport_domain::exercise::Library::builtin().unwrap();
    let clinician = rapport_store::Actor {
        user_id: Some(UserId(1)),
        clinic_id: ClinicId(1),
        role: Role::Clinician,
        patient_id: None,
        address: None,
    };
    let mut understood = 0;
    for (patient, episode, on) in &discharged {
        let kept = store
            .self_management_get(&clinician, PatientId(*patient), None)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("patient {patient} was discharged without a plan"));
        assert_eq!((kept.episode_id, kept.version), (*episode, 1));
        assert_eq!(kept.written_on.to_string(), *on);
        let plan = kept.plan;
        assert!(!plan.exercises.is_empty(), "patient {patient}: no exercise");
        for e in &plan.exercises {
            let x = library.get(&e.exercise_id).unwrap();
            assert_eq!(e.name, x.name);
            assert!(!e.dose.is_empty());
            assert_eq!(
                e.easier.as_ref().map(|v| v.exercise_id.as_str()),
                x.easier.as_deref()
            );
        }
        assert!(
            !plan.activities.is_empty() && !plan.flare_up.is_empty() && !plan.seek_help.is_empty()
        );
        // What they now know is, in plain words, what their reviews let go of.
        let reconciled: Vec<String> = sqlx::query_scalar(
            "SELECT reconciled FROM belief_reviews WHERE episode_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(episode)
        .fetch_optional(&mut conn)
        .await
        .unwrap()
        .map(|r: String| serde_json::from_str(&r).unwrap())
        .unwrap_or_default();
        let expected: Vec<&str> = reconciled
            .iter()
            .filter_map(|k| understanding_of(k))
            .collect();
        assert_eq!(plan.understanding, expected, "patient {patient}");
        understood += usize::from(!expected.is_empty());
        // As written, it passes the product's own checks.
        assert_eq!(plan.to_input().validate(&library).as_ref(), Ok(&plan));
    }
    assert!(understood > 0, "no discharged patient let go of a belief");
}

/// The figure the care record is for: judged by the product's own code
/// (the store's record of each patient, the care layer's judgement), the
/// theory decides most contexts for a synthetic patient in care, and trust,
/// motivation and confidence come out differently for different patients.
#[tokio::test]
async fn the_theory_judges_most_contexts_of_synthetic_patients_and_their_mechanisms_vary() {
    use rapport_care::judgement::{Ground, assess};
    use rapport_domain::identity::{ClinicId, PatientId, Role, UserId};
    use rapport_domain::theory::{KnowledgeBase, Mechanism, MechanismStatus};

    let db = TempDb::new();
    demo(&db.url, "400", "13", &[]).expect_ok();
    let store = rapport_store::Store::open_existing(&db.url, rapport_store::Durability::default())
        .await
        .unwrap();
    let care = rapport_care::Care::new(store.clone(), KnowledgeBase::builtin().unwrap()).unwrap();
    let today: jiff::civil::Date = TODAY.parse().unwrap();
    let (rows, _) = care.triage(None, Some(today), 0).await.unwrap();
    assert!(rows.len() > 300, "open episodes: {}", rows.len());

    // Mechanisms over every open episode.
    let mut mix = std::collections::BTreeMap::<(Mechanism, MechanismStatus), usize>::new();
    for r in &rows {
        for m in &r.mechanisms {
            *mix.entry((m.mechanism, m.status)).or_default() += 1;
        }
    }
    eprintln!("mechanisms over {} open episodes: {mix:?}", rows.len());
    for mechanism in [
        Mechanism::Trust,
        Mechanism::Motivation,
        Mechanism::Confidence,
    ] {
        let statuses = mix.keys().filter(|(m, _)| *m == mechanism).count();
        assert!(
            statuses >= 2,
            "{mechanism:?} is the same for everyone: {mix:?}"
        );
    }
    for status in [
        MechanismStatus::Supported,
        MechanismStatus::Unknown,
        MechanismStatus::AtRisk,
    ] {
        assert!(
            mix.keys().any(|(_, s)| *s == status),
            "no mechanism is {status:?} for anyone: {mix:?}"
        );
    }

    // Contexts judged, over a sample of open episodes (every third).
    let actor = rapport_store::Actor {
        user_id: Some(UserId(1)),
        clinic_id: ClinicId(1),
        role: Role::Clinician,
        patient_id: None,
        address: None,
    };
    let thresholds = rapport_domain::monitoring::Thresholds::default();
    let ground = Ground {
        kb: &care.theory,
        exercises: &care.exercises,
        education: &care.education,
        thresholds: &thresholds,
    };
    let mut judged = Vec::new();
    for r in rows.iter().step_by(3) {
        let record = store
            .episode_record(&actor, PatientId(r.patient.id))
            .await
            .unwrap()
            .expect("a record");
        let a = assess(
            &record,
            today,
            &ground,
            rapport_care::judgement::Sources::Left,
        );
        assert_eq!(a.judgement.evaluation.cmocs.len(), 34);
        judged.push(a.judgement.judged());
    }
    let mean = judged.iter().sum::<usize>() as f64 / judged.len() as f64;
    eprintln!(
        "contexts judged over {} open episodes: mean {mean:.1}, min {:?}, max {:?}",
        judged.len(),
        judged.iter().min(),
        judged.iter().max()
    );
    assert!(mean >= 20.0, "on average {mean:.1} of 34 contexts judged");
}
