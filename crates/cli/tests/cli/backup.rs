//! `rapport backup`: a consistent copy of a database in use.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::support::{
    Server, TempDb, client, clinic_with_clinician, create_patient, get_json, integrity_check, run,
    run_async, token,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_while_the_server_writes_is_a_working_copy() {
    let db = TempDb::new();
    let account = clinic_with_clinician(&db.url, "Backup Clinic", "backup@clinic.example");
    let server = Server::start(&db.url, &[], &db.path("server.log")).await;
    let t = token(&server, &account.email, &account.password).await;
    let http = client();

    let mut before = Vec::new();
    for i in 0..20 {
        let p = create_patient(&http, &server, &t, &format!("Before{i}"), "Backup").await;
        before.push((p["id"].as_i64().expect("id"), format!("Before{i}")));
    }

    // Keep writing through the backup.
    let server = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    let written_during = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (server, stop, written, http, t) = (
            Arc::clone(&server),
            Arc::clone(&stop),
            Arc::clone(&written_during),
            http.clone(),
            t.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                create_patient(&http, &server, &t, &format!("During{w}x{i}"), "Backup").await;
                written.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    // Until writes are flowing (polled, bounded).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while written_during.load(Ordering::Relaxed) < 8 {
        assert!(
            std::time::Instant::now() < deadline,
            "writers made no progress"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let copy = db.path("copy.db");
    let copy_str = copy.to_str().expect("utf-8 path").to_string();
    let out = run_async(
        vec![
            "backup".into(),
            "--db".into(),
            db.url.clone(),
            "--out".into(),
            copy_str.clone(),
        ],
        None,
    )
    .await
    .expect_ok();
    assert!(out.stdout.contains(&copy_str), "{out:#?}");
    let at_backup = written_during.load(Ordering::Relaxed);
    // Writers carry on after the copy is taken, then stop.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while written_during.load(Ordering::Relaxed) < at_backup + 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "writers stalled after the backup"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer task");
    }

    // An existing file is never overwritten.
    let copy_bytes = std::fs::read(&copy).expect("read copy");
    run(&["backup", "--db", &db.url, "--out", &copy_str], None).expect_fail(&["already exists"]);
    assert_eq!(
        std::fs::read(&copy).expect("read copy"),
        copy_bytes,
        "the existing file was changed"
    );

    // The copy is a sound database on its own: no WAL beside it is needed.
    assert!(!db.path("copy.db-wal").exists());
    assert_eq!(integrity_check(&copy).await, "ok");
    let copy_url = format!("sqlite://{copy_str}");
    let migrated = run(&["migrate", "--db", &copy_url], None)
        .expect_ok()
        .stdout;
    assert!(migrated.contains("migrated to level"), "{migrated}");
    let audit = run(&["audit", "--db", &copy_url, "--format", "json"], None)
        .expect_ok()
        .json();
    let audit = audit.as_array().expect("array");
    for (id, _) in &before {
        assert!(
            audit
                .iter()
                .any(|e| e["action"] == "patient.create" && e["patient_id"] == *id),
            "patient {id} created before the backup has no audit row in the copy"
        );
    }
    // Every patient in the copy has its create in the copy's audit log: the
    // copy is one moment of the database, not a mix.
    let in_copy = crate::support::count_patients(&copy).await;
    let creates = audit
        .iter()
        .filter(|e| e["action"] == "patient.create" && e["outcome"] == "ok")
        .count();
    assert_eq!(usize::try_from(in_copy).expect("count"), creates);
    assert!(in_copy >= 20 + 8, "the copy holds {in_copy} patients");

    // A server on the copy serves every patient created before the backup.
    let mut on_copy = Server::start(&copy_url, &[], &db.path("copy-server.log")).await;
    let t2 = token(&on_copy, &account.email, &account.password).await;
    for (id, given) in &before {
        let (status, p): (u16, Value) =
            get_json(&http, &on_copy, &t2, &format!("/api/v1/patients/{id}")).await;
        assert_eq!(status, 200, "patient {id} missing from the copy: {p}");
        assert_eq!(p["given_name"], given.as_str());
    }
    assert!(on_copy.stop());

    // The running server was not disturbed, and holds more than the copy.
    let (status, _) = get_json(
        &http,
        &server,
        &t,
        &format!("/api/v1/patients/{}", before[0].0),
    )
    .await;
    assert_eq!(status, 200);
    let live = crate::support::count_patients(&db.file()).await;
    assert_eq!(
        usize::try_from(live).expect("count"),
        20 + written_during.load(Ordering::Relaxed)
    );
    assert!(
        live > in_copy,
        "writes after the backup are not in the copy"
    );
    drop(http);
    let mut server =
        Arc::try_unwrap(server).unwrap_or_else(|_| panic!("writers still hold the server"));
    assert!(server.stop(), "SIGTERM should stop the server cleanly");
}
