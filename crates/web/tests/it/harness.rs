use std::time::Duration;

use rapport_domain::identity::{ClinicId, Email, PatientId, Role};
use rapport_domain::patient::PatientInput;
use rapport_store::{Actor, Durability, NewUser, Store, ThrottlePolicy, User};
use rapport_web::{AppState, Config};
use reqwest::redirect::Policy;
use tempfile::TempDir;

pub const PASSWORD: &str = "correct horse battery";

#[derive(Clone, Debug)]
pub struct Login {
    pub email: String,
    pub user: User,
}

/// Two clinics. Clinic A has a clinician, an administrator, a researcher and
/// two patients with accounts; clinic B has a clinician and one patient.
pub struct Fixture {
    pub clinic_a: ClinicId,
    pub clinic_b: ClinicId,
    pub clin_a: Login,
    pub clin_b: Login,
    pub admin_a: Login,
    pub researcher_a: Login,
    pub pat1: PatientId,
    pub pat1_login: Login,
    pub pat2: PatientId,
    pub pat2_login: Login,
    pub pb1: PatientId,
}

pub struct App {
    pub base: String,
    pub store: Store,
    /// The state the server runs with (e.g. to drive the mail scheduler).
    pub state: AppState,
    pub fx: Fixture,
    _dir: TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
    /// The test's PostgreSQL schema, dropped with the app.
    _schema: Option<PgSchema>,
}

/// Where a test's database lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A schema of its own on the server named by `RAPPORT_TEST_PG_URL`.
    Postgres,
}

/// The environment variable naming the PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const PG_URL_VAR: &str = "RAPPORT_TEST_PG_URL";

/// One test's schema on the PostgreSQL server, made and dropped with `psql`
/// (the server's own client, so the tests need no driver of their own).
pub struct PgSchema {
    server: String,
    name: String,
}

impl PgSchema {
    /// A new, empty schema; `None` (with a note) when no server is configured.
    fn create() -> Option<PgSchema> {
        let server = match std::env::var(PG_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                eprintln!("skipped: {PG_URL_VAR} not set");
                return None;
            }
        };
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        // Made here from digits and hex, never from input.
        let name = format!(
            "rw_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            rand::random::<u32>()
        );
        psql(&server, &format!("CREATE SCHEMA {name}")).unwrap();
        Some(PgSchema { server, name })
    }

    /// The server's URL with this schema as the only `search_path`.
    fn url(&self) -> String {
        let sep = if self.server.contains('?') { '&' } else { '?' };
        format!("{}{sep}options%5Bsearch_path%5D={}", self.server, self.name)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let sql = format!(
            "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {} CASCADE",
            self.name
        );
        if let Err(e) = psql(&self.server, &sql) {
            eprintln!("schema {} left behind: {e}", self.name);
        }
    }
}

fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out = std::process::Command::new("psql")
        .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub fn test_config() -> Config {
    Config {
        throttle: ThrottlePolicy {
            delay_step: Duration::from_millis(10),
            ..ThrottlePolicy::default()
        },
        ..Config::default()
    }
}

pub async fn spawn() -> App {
    spawn_with(test_config()).await
}

pub async fn spawn_with(config: Config) -> App {
    spawn_customised(config, |state| state).await
}

/// A server whose state is adjusted before it starts (e.g. mail turned on).
pub async fn spawn_customised(config: Config, adjust: impl FnOnce(AppState) -> AppState) -> App {
    spawn_on(Backend::Sqlite, config, adjust).await.unwrap()
}

/// A server on `backend` whose state is adjusted before it starts; `None`
/// (the test is skipped, with a note) when PostgreSQL is asked for and
/// `RAPPORT_TEST_PG_URL` is not set.
pub async fn spawn_on(
    backend: Backend,
    config: Config,
    adjust: impl FnOnce(AppState) -> AppState,
) -> Option<App> {
    let dir = tempfile::tempdir().unwrap();
    let (store, schema) = match backend {
        Backend::Sqlite => (
            Store::open_sqlite_file(&dir.path().join("rapport.db"), Durability::Normal)
                .await
                .unwrap(),
            None,
        ),
        Backend::Postgres => {
            let schema = PgSchema::create()?;
            (Store::open(&schema.url()).await.unwrap(), Some(schema))
        }
    };
    let fx = seed(&store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = adjust(
        AppState::new(
            store.clone(),
            config,
            rapport_domain::theory::KnowledgeBase::builtin().unwrap(),
        )
        .unwrap(),
    );
    let serving = state.clone();
    tokio::spawn(async move {
        rapport_web::serve(listener, serving, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Some(App {
        base: format!("http://{addr}"),
        store,
        state,
        fx,
        _dir: dir,
        _stop: stop,
        _schema: schema,
    })
}

async fn seed(store: &Store) -> Fixture {
    let hash = rapport_web::auth::hash_password(PASSWORD.to_string())
        .await
        .unwrap();
    let a = store.clinic_create("Clinic A").await.unwrap().id;
    let b = store.clinic_create("Clinic B").await.unwrap().id;
    let user = |clinic: ClinicId, role: Role, email: &str, patient: Option<PatientId>| {
        let hash = hash.clone();
        let email = email.to_string();
        async move {
            let user = store
                .user_create(&NewUser {
                    clinic_id: clinic,
                    role,
                    email: Email::parse(&email).unwrap(),
                    display_name: email.clone(),
                    password_hash: hash,
                    patient_id: patient,
                })
                .await
                .unwrap();
            Login { email, user }
        }
    };
    let clin_a = user(a, Role::Clinician, "clin.a@a.example", None).await;
    let clin_b = user(b, Role::Clinician, "clin.b@b.example", None).await;
    let admin_a = user(a, Role::Admin, "admin.a@a.example", None).await;
    let researcher_a = user(a, Role::Researcher, "research.a@a.example", None).await;
    let pat = |actor: Actor, given: &str, family: &str| {
        let input = PatientInput {
            given_name: Some(given.into()),
            family_name: Some(family.into()),
            birth_date: Some("1970-01-01".into()),
            ..Default::default()
        };
        async move {
            let details = input.validate(jiff::civil::date(2026, 1, 1)).unwrap();
            store
                .patient_create(&actor, &details)
                .await
                .unwrap()
                .value
                .id
        }
    };
    let pat1 = pat(clin_a.user.actor(None), "Astrid", "Alpha").await;
    let pat2 = pat(clin_a.user.actor(None), "Bjorn", "Beta").await;
    let pb1 = pat(clin_b.user.actor(None), "Cecilie", "Gamma").await;
    // Each patient's episode of care opened a few days ago.
    let opened = jiff::Zoned::now().date().yesterday().unwrap();
    for (p, clinician) in [(pat1, &clin_a), (pat2, &clin_a), (pb1, &clin_b)] {
        store
            .episode_open(&clinician.user.actor(None), p, opened)
            .await
            .unwrap();
    }
    let pat1_login = user(a, Role::Patient, "astrid@a.example", Some(pat1)).await;
    let pat2_login = user(a, Role::Patient, "bjorn@a.example", Some(pat2)).await;
    Fixture {
        clinic_a: a,
        clinic_b: b,
        clin_a,
        clin_b,
        admin_a,
        researcher_a,
        pat1,
        pat1_login,
        pat2,
        pat2_login,
        pb1,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (so tests see them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub fn api() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token of the first form on a page.
pub async fn csrf_of(client: &reqwest::Client, url: &str) -> String {
    let body = client.get(url).send().await.unwrap().text().await.unwrap();
    token_in(&body).unwrap_or_else(|| panic!("no csrf token on {url}: {body}"))
}

pub fn token_in(body: &str) -> Option<String> {
    let at = body.find(r#"name="csrf_token" value=""#)?;
    let rest = &body[at + r#"name="csrf_token" value=""#.len()..];
    Some(rest[..rest.find('"')?].to_string())
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser logged in as `login`.
    pub async fn web_login(&self, login: &Login) -> reqwest::Client {
        let c = browser();
        let res = self.post_login(&c, &login.email, PASSWORD).await;
        assert_eq!(res.status(), 303, "login of {} failed", login.email);
        c
    }

    pub async fn post_login(
        &self,
        c: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let token = csrf_of(c, &self.url("/login")).await;
        c.post(self.url("/login"))
            .form(&[
                ("email", email),
                ("password", password),
                ("csrf_token", &token),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self, login: &Login) -> String {
        let res = api()
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({"email": login.email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Submits a form on a page the browser can see, with that page's CSRF token.
    pub async fn submit(
        &self,
        c: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = csrf_of(c, &self.url(page)).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        c.post(self.url(action)).form(&form).send().await.unwrap()
    }

    pub async fn audit_for(&self, patient: PatientId) -> Vec<rapport_store::AuditEntry> {
        self.store
            .audit_list_unscoped(&rapport_store::AuditQuery {
                patient_id: Some(patient),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
    }
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The red-flag form's fields: "yes" for the keys given, "no" for the rest.
pub fn red_flag_answers(yes: &[&str]) -> Vec<(String, String)> {
    rapport_domain::assessment::RED_FLAGS
        .iter()
        .map(|f| {
            (
                format!("rf_{}", f.key),
                if yes.contains(&f.key) { "yes" } else { "no" }.to_string(),
            )
        })
        .collect()
}

/// A JSON answer: its status and body (`Null` when it has none).
async fn json_of(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, body)
}

impl App {
    /// `GET /api/v1{path}` with `token`.
    pub async fn api_get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        json_of(
            api()
                .get(self.url(&format!("/api/v1{path}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `POST /api/v1{path}` with `token` and a JSON body.
    pub async fn api_post(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        json_of(
            api()
                .post(self.url(&format!("/api/v1{path}")))
                .bearer_auth(token)
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// pat1 screened clear (through the API), given a plan of one exercise
    /// (on the page) and one session logged by the patient (through the
    /// API): the log's id.
    pub async fn logged_session(&self) -> i64 {
        let p = self.fx.pat1;
        let clin = self.token(&self.fx.clin_a).await;
        let clear = vec![false; rapport_domain::assessment::RED_FLAGS.len()];
        let (status, body) = self
            .api_post(
                &clin,
                &format!("/patients/{p}/forms"),
                &serde_json::json!({"instrument": "red_flags", "time_point": "baseline", "answers": clear}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let web = self.web_login(&self.fx.clin_a).await;
        let res = self
            .submit(
                &web,
                "/patients",
                &format!("/patients/{p}/prescription"),
                &[
                    ("i1.exercise_id", "ge-bend-to-knees"),
                    ("i1.sets", "2"),
                    ("i1.reps", "8"),
                    ("i1.rest_seconds", "30"),
                    ("i1.per_week", "5"),
                    ("i1.weeks", "4"),
                    ("i1.delivery", "home"),
                    (
                        "i1.progression_rule",
                        "When easy three times, take the next step.",
                    ),
                    ("i1.regression_rule", "If pain rises by 2, go back a step."),
                    ("i1.why", "Practise bending, which worries you"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let patient = self.token(&self.fx.pat1_login).await;
        let (status, log) = self
            .api_post(
                &patient,
                &format!("/patients/{p}/logs"),
                &serde_json::json!({"exercise_id": "ge-bend-to-knees", "completion": "done", "pain_after": 2}),
            )
            .await;
        assert_eq!(status, 201, "{log}");
        log["id"].as_i64().unwrap()
    }
}
