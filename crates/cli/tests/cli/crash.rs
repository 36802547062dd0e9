//! Crash safety: SIGKILL the server while patients are being written, start it
//! again on the same file, and find every write it acknowledged, in a database
//! that passes SQLite's integrity check.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{
    Server, TempDb, client, clinic_with_clinician, count_patients, get_json, integrity_check, run,
    token,
};

const WRITERS: usize = 16;
/// Writes run at least this long before the kill…
const WRITE_FOR: Duration = Duration::from_millis(1500);
/// …and until at least this many were acknowledged, so that the test cannot pass on nothing.
const MIN_ACKED: usize = 100;

#[derive(Default)]
struct Tally {
    /// id → (given, family) of every 201 whose body was read in full.
    acked: Mutex<BTreeMap<i64, (String, String)>>,
    /// Requests that failed after reaching the server (cut off by the kill).
    interrupted: AtomicUsize,
    /// Requests refused at connect (the server was already gone).
    refused: AtomicUsize,
    /// Any answer other than 201 while the server was up: a bug.
    unexpected: Mutex<Vec<String>>,
}

async fn writer(base: String, token: String, w: usize, tally: Arc<Tally>) {
    // One client per writer: its own connection, so 16 requests are in flight at once.
    let http = client();
    for i in 0.. {
        let given = format!("Crash{w}n{i}");
        let family = format!("Writer{w}");
        let sent = http
            .post(format!("{base}/api/v1/patients"))
            .bearer_auth(&token)
            .json(&json!({"given_name": given, "family_name": family, "birth_date": "1971-03-14"}))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                let counter = if e.is_connect() {
                    &tally.refused
                } else {
                    &tally.interrupted
                };
                counter.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        let status = response.status();
        match response.json::<Value>().await {
            Ok(body) if status == 201 => {
                assert_eq!(body["given_name"], given.as_str(), "{body}");
                let id = body["id"].as_i64().expect("id in the 201 body");
                let earlier = tally
                    .acked
                    .lock()
                    .expect("tally")
                    .insert(id, (given, family));
                assert!(earlier.is_none(), "id {id} acknowledged twice");
            }
            Ok(body) => {
                tally
                    .unexpected
                    .lock()
                    .expect("tally")
                    .push(format!("{status} {body}"));
                return;
            }
            // The body was cut off: not acknowledged.
            Err(_) => {
                tally.interrupted.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
}

async fn acknowledged_writes_survive_sigkill(sync: &str) {
    let db = TempDb::new();
    let account = clinic_with_clinician(&db.url, "Crash Clinic", "crash@clinic.example");
    let log = db.path("server.log");
    let mut server = Server::start(&db.url, &["--sqlite-sync", sync], &log).await;
    let t = token(&server, &account.email, &account.password).await;

    let tally = Arc::new(Tally::default());
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            tokio::spawn(writer(
                server.base.clone(),
                t.clone(),
                w,
                Arc::clone(&tally),
            ))
        })
        .collect();

    let started = Instant::now();
    let deadline = started + Duration::from_secs(90);
    loop {
        let acked = tally.acked.lock().expect("tally").len();
        if started.elapsed() >= WRITE_FOR && acked >= MIN_ACKED {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {acked} writes acknowledged in 90 s; log:\n{}",
            server.log_text()
        );
        assert!(
            tally.unexpected.lock().expect("tally").is_empty(),
            "{:?}",
            tally.unexpected.lock().expect("tally")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    let written_for = started.elapsed();
    for w in writers {
        w.await.expect("writer task");
    }
    let acked = std::mem::take(&mut *tally.acked.lock().expect("tally"));
    let interrupted = tally.interrupted.load(Ordering::Relaxed);
    let refused = tally.refused.load(Ordering::Relaxed);
    assert!(
        tally.unexpected.lock().expect("tally").is_empty(),
        "answers other than 201: {:?}",
        tally.unexpected.lock().expect("tally")
    );
    assert_eq!(
        interrupted + refused,
        WRITERS,
        "every writer ends on the kill"
    );
    assert!(
        interrupted >= 1,
        "no request was in flight at the kill (refused at connect: {refused})"
    );
    // Start again on the file exactly as the kill left it (with its WAL).
    let file = db.file();
    assert!(
        db.path("r.db-wal").exists(),
        "the kill left no WAL to recover"
    );
    let again = Server::start(&db.url, &["--sqlite-sync", sync], &log).await;
    let health = client()
        .get(again.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let health: Value = health.json().await.expect("JSON");
    assert_eq!(health["status"], "ok");

    // Sound, and holding every acknowledged row. A row beyond those can only
    // come from a request cut off after its commit.
    assert_eq!(integrity_check(&file).await, "ok");
    let rows = usize::try_from(count_patients(&file).await).expect("count");
    println!(
        "sync={sync}: {} writes acknowledged in {written_for:?} by {WRITERS} writers; \
         {interrupted} requests cut off by SIGKILL, {refused} refused after it; {rows} rows after restart",
        acked.len(),
    );
    assert!(
        rows >= acked.len(),
        "{rows} rows < {} acknowledged",
        acked.len()
    );
    assert!(
        rows - acked.len() <= interrupted,
        "{rows} rows, {} acknowledged, only {interrupted} cut off",
        acked.len()
    );

    // The session made before the crash is a write too: the old token still works.
    let http = client();
    let (status, _) = get_json(&http, &again, &t, "/api/v1/patients?limit=1").await;
    assert_eq!(
        status, 200,
        "the token acknowledged before the crash is gone"
    );

    // Every acknowledged patient, one GET each, 8 at a time.
    let acked: Vec<(i64, (String, String))> = acked.into_iter().collect();
    let again = Arc::new(again);
    let chunks: Vec<Vec<(i64, (String, String))>> = acked
        .chunks(acked.len().div_ceil(8))
        .map(<[_]>::to_vec)
        .collect();
    let mut readers = Vec::new();
    for chunk in chunks {
        let (server, http, t) = (Arc::clone(&again), http.clone(), t.clone());
        readers.push(tokio::spawn(async move {
            for (id, (given, family)) in chunk {
                let (status, p) =
                    get_json(&http, &server, &t, &format!("/api/v1/patients/{id}")).await;
                assert_eq!(status, 200, "acknowledged patient {id} is missing: {p}");
                assert_eq!(
                    (p["given_name"].as_str(), p["family_name"].as_str()),
                    (Some(given.as_str()), Some(family.as_str())),
                    "patient {id}"
                );
            }
        }));
    }
    for r in readers {
        r.await.expect("reader task");
    }
    drop(http);
    let mut again =
        Arc::try_unwrap(again).unwrap_or_else(|_| panic!("readers still hold the server"));
    assert!(
        again.stop(),
        "SIGTERM should stop the restarted server cleanly"
    );
    assert_eq!(integrity_check(&file).await, "ok");
    let migrated = run(&["migrate", "--db", &db.url], None).expect_ok().stdout;
    assert!(migrated.contains("migrated to level"), "{migrated}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_loses_no_acknowledged_write_sync_full() {
    acknowledged_writes_survive_sigkill("full").await;
}

/// `--sqlite-sync normal` promises to lose nothing on a crash of Rapport (only on power loss).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_loses_no_acknowledged_write_sync_normal() {
    acknowledged_writes_survive_sigkill("normal").await;
}
