//! Running the real `rapport` binary: one-shot commands, and servers on an
//! ephemeral port with their output captured.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_rapport");

/// Generous, for a loaded 2-core machine running the suite in parallel.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);
const LISTEN_TIMEOUT: Duration = Duration::from_secs(90);
const HEALTH_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of the environment the tests run in that would change what the
/// binary does.
const RAPPORT_ENV: &[&str] = &[
    "RAPPORT_DB",
    "RAPPORT_ADDR",
    "RAPPORT_PUBLIC_URL",
    "RAPPORT_TRUST_PROXY",
    "RAPPORT_SQLITE_SYNC",
    "RAPPORT_LOG",
];

fn command(dir: Option<&Path>) -> Command {
    let mut cmd = Command::new(BIN);
    for var in RAPPORT_ENV {
        cmd.env_remove(var);
    }
    // No stack traces in what a user reads.
    cmd.env_remove("RUST_BACKTRACE");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Panics unless the command succeeded.
    #[track_caller]
    pub fn expect_ok(self) -> Self {
        assert!(self.ok(), "command failed: {self:#?}");
        self
    }

    /// Panics unless the command failed with a message containing every one of `needles`.
    #[track_caller]
    pub fn expect_fail(self, needles: &[&str]) -> Self {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "expected a failure exit: {self:#?}"
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr does not mention {n:?}: {self:#?}"
            );
        }
        assert!(
            !self.stderr.contains("panicked"),
            "a panic is not an error message: {self:#?}"
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

/// Runs `rapport ARGS` to completion, feeding `stdin` if given.
pub fn run(args: &[&str], stdin: Option<&str>) -> Out {
    run_in(None, args, stdin)
}

pub fn run_in(dir: Option<&Path>, args: &[&str], stdin: Option<&str>) -> Out {
    let mut child = command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
    let input = child.stdin.take().map(|mut pipe| {
        let text = stdin.unwrap_or("").to_string();
        // The command may exit before reading (bad arguments); ignore EPIPE.
        std::thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        })
    });
    let reader = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for rapport") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rapport {args:?} did not finish in {COMMAND_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if let Some(t) = input {
        let _ = t.join();
    }
    Out {
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// `run` on a blocking thread, for tests that keep other work going meanwhile.
pub async fn run_async(args: Vec<String>, stdin: Option<String>) -> Out {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, stdin.as_deref())
    })
    .await
    .expect("command thread")
}

/// A temporary folder holding one SQLite database (and whatever else a test writes).
pub struct TempDb {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl TempDb {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("rapport-cli-")
            .tempdir()
            .expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        TempDb { dir, url }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn file(&self) -> PathBuf {
        self.path("r.db")
    }
}

/// An account made with `rapport admin`, as a user of it knows it.
#[derive(Debug, Clone)]
pub struct Account {
    pub clinic_id: i64,
    pub user_id: i64,
    pub email: String,
    pub password: String,
}

/// Creates a clinic and one clinician in it through the command line.
pub fn clinic_with_clinician(db: &str, clinic: &str, email: &str) -> Account {
    let clinic_json = run(
        &[
            "admin",
            "create-clinic",
            clinic,
            "--db",
            db,
            "--format",
            "json",
        ],
        None,
    )
    .expect_ok()
    .json();
    let clinic_id = clinic_json["id"].as_i64().expect("clinic id");
    let password = "correct horse battery staple".to_string();
    let user = run(
        &[
            "admin",
            "create-user",
            "--clinic",
            &clinic_id.to_string(),
            "--role",
            "clinician",
            "--email",
            email,
            "--password-stdin",
            "--db",
            db,
            "--format",
            "json",
        ],
        Some(&format!("{password}\n")),
    )
    .expect_ok()
    .json();
    Account {
        clinic_id,
        user_id: user["id"].as_i64().expect("user id"),
        email: email.to_string(),
        password,
    }
}

/// A running `rapport serve`. Killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    lines: Arc<Mutex<Vec<String>>>,
    log: PathBuf,
}

impl Server {
    /// Starts `rapport serve --db DB --addr 127.0.0.1:0 EXTRA…`, waits for the
    /// "listening on" line and for `/healthz` to answer 200. Server logs go to
    /// `log` (a file: a full pipe would stall the server).
    pub async fn start(db: &str, extra: &[&str], log: &Path) -> Server {
        let log_file = File::options()
            .create(true)
            .append(true)
            .open(log)
            .expect("server log file");
        let mut child = command(log.parent())
            .args(["serve", "--db", db, "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("stdout pipe");
        let kept = Arc::clone(&lines);
        // Keeps reading for the whole life of the server so that it never blocks on stdout.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                kept.lock().expect("lines").push(line.clone());
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        break rest
                            .split_whitespace()
                            .next()
                            .expect("address after 'listening on'")
                            .to_string();
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    let status = child.wait();
                    panic!(
                        "server did not say where it listens ({e}); status {status:?}\nstdout: {:?}\nlog:\n{}",
                        lines.lock().expect("lines"),
                        std::fs::read_to_string(log).unwrap_or_default()
                    );
                }
            }
        };
        let server = Server {
            child,
            base: format!("http://{addr}"),
            lines,
            log: log.to_path_buf(),
        };
        server.wait_healthy().await;
        server
    }

    /// Polls `/healthz` until it answers 200.
    pub async fn wait_healthy(&self) {
        let client = client();
        let deadline = Instant::now() + HEALTH_TIMEOUT;
        loop {
            if let Ok(r) = client.get(self.url("/healthz")).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "/healthz did not answer 200 within {HEALTH_TIMEOUT:?}; log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid fits i32")
    }

    /// Everything the server printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.lines.lock().expect("lines").join("\n")
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: the process gets no chance to tidy up.
    pub fn kill9(&mut self) {
        use nix::sys::signal::{Signal, kill};
        use nix::unistd::Pid;
        kill(Pid::from_raw(self.pid()), Signal::SIGKILL).expect("send SIGKILL");
        let status = self.child.wait().expect("reap killed server");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "the server was not ended by SIGKILL: {status:?}"
        );
    }

    /// SIGTERM, as a service manager stops it; answers whether it exited cleanly in time.
    pub fn stop(&mut self) -> bool {
        use nix::sys::signal::{Signal, kill};
        use nix::unistd::Pid;
        if kill(Pid::from_raw(self.pid()), Signal::SIGTERM).is_err() {
            return false;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.success(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return false;
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("http client")
}

/// `POST /api/v1/auth/token`; panics unless it answers 200 with a token.
pub async fn token(server: &Server, email: &str, password: &str) -> String {
    let r = client()
        .post(server.url("/api/v1/auth/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("token request");
    let status = r.status();
    let body: Value = r.json().await.expect("token body is JSON");
    assert_eq!(status, 200, "log-in refused: {body}");
    body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {body}"))
        .to_string()
}

/// `POST /api/v1/patients`; panics unless it answers 201. Returns the record.
pub async fn create_patient(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    given: &str,
    family: &str,
) -> Value {
    let r = client
        .post(server.url("/api/v1/patients"))
        .bearer_auth(token)
        .json(&json!({"given_name": given, "family_name": family, "birth_date": "1970-03-14"}))
        .send()
        .await
        .expect("create patient");
    let status = r.status();
    let body: Value = r.json().await.expect("patient body is JSON");
    assert_eq!(status, 201, "patient not created: {body}");
    body
}

/// `GET PATH` with a token; the status and JSON body.
pub async fn get_json(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    path: &str,
) -> (u16, Value) {
    let r = client
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// `PRAGMA integrity_check` on an SQLite file, opened by itself (not by Rapport).
pub async fn integrity_check(file: &Path) -> String {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    use sqlx::{ConnectOptions, Connection};
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(file)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", file.display()));
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .expect("integrity_check");
    let _ = conn.close().await;
    rows.join("; ")
}

/// `SELECT COUNT(*) FROM patients` on an SQLite file.
pub async fn count_patients(file: &Path) -> i64 {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    use sqlx::{ConnectOptions, Connection};
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(file)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", file.display()));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patients")
        .fetch_one(&mut conn)
        .await
        .expect("count patients");
    let _ = conn.close().await;
    n
}

/// A database created for one test on the server of `RAPPORT_TEST_PG_URL`, dropped after.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    /// A new database, or `None` (with a note) when no server is configured.
    pub fn from_env() -> Option<PgDatabase> {
        match std::env::var("RAPPORT_TEST_PG_URL") {
            Ok(url) if !url.trim().is_empty() => Some(PgDatabase::create(&url)),
            _ => {
                println!(
                    "skipped: set RAPPORT_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run"
                );
                None
            }
        }
    }

    fn create(admin_url: &str) -> PgDatabase {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("rapport_cli_{}_{nanos}", std::process::id());
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url, String::new()),
        };
        let (server, _) = base
            .rsplit_once('/')
            .expect("RAPPORT_TEST_PG_URL names a database");
        let url = format!("{server}/{name}{query}");
        psql(admin_url, &format!("CREATE DATABASE {name}"));
        PgDatabase {
            admin_url: admin_url.to_string(),
            name,
            url,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.admin_url,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

pub fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
