//! Rapport's web server: server-rendered pages for clinicians, patients,
//! researchers and administrators, and the JSON API under `/api/v1`.

pub mod api;
pub mod auth;
pub mod charts;
mod csrf;
pub mod error;
mod headers;
pub mod mail;
pub mod pages;
mod theory_map;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use rapport_care::{Care, CareError};
use rapport_domain::theory::KnowledgeBase;
use rapport_store::{SessionPolicy, Store, ThrottlePolicy};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address users reach the server at, e.g. `https://rapport.example.org`.
    /// When it is `https`, cookies are marked `Secure` and HSTS is sent.
    pub public_url: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_proxy: bool,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    pub invite_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: None,
            trust_proxy: false,
            sessions: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            invite_ttl: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl Config {
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

#[derive(Clone)]
pub struct AppState {
    /// The use cases: the record, its judgement, the caseload.
    pub care: Care,
    /// The same store as `care.store`, for what pages read and write directly.
    pub store: Store,
    pub config: Arc<Config>,
    /// Mail delivery, when `--smtp-url` is given; `None` = mail is off.
    pub mail: Option<Arc<mail::Mailer>>,
    /// Who is due a follow-up notice (see [`mail::TriageDueContacts`]).
    pub due_contacts: Arc<mail::TriageDueContacts>,
}

impl AppState {
    pub fn new(store: Store, config: Config, theory: KnowledgeBase) -> Result<Self, CareError> {
        Ok(AppState {
            care: Care::new(store.clone(), theory)?,
            store,
            config: Arc::new(config),
            due_contacts: Arc::new(mail::TriageDueContacts::new()),
            mail: None,
        })
    }
}

/// Request bodies larger than this are refused (413).
const BODY_LIMIT: usize = 256 * 1024;

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let web = pages::routes()
        .layer(from_fn_with_state(state.clone(), csrf::guard))
        .layer(from_fn_with_state(state.clone(), auth::load_web_session));
    Router::new()
        .merge(web)
        .merge(api::router())
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(pages::static_file))
        .route(
            "/favicon.ico",
            get(|| pages::static_file(axum::extract::Path("icon.svg".to_string()))),
        )
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), headers::security_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(headers::panic_response))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The log line of a request: method and path only. Query strings can hold
/// names typed into a search, and invitation paths hold a secret.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let path = req.uri().path();
    let path = if path.starts_with("/invite/") {
        "/invite/…"
    } else {
        path
    };
    tracing::info_span!("request", method = %req.method(), path = %path)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    pub database: &'static str,
    pub migration: i64,
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let level = state.store.migration_level().await;
    let ok = level.is_ok();
    let body = Health {
        status: if ok { "ok" } else { "unavailable" },
        version: env!("CARGO_PKG_VERSION"),
        database: state.store.kind().as_str(),
        migration: level.unwrap_or(0),
    };
    let status = if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body))
}

/// How often expired sessions and stale log-in failures are cleared away.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(15 * 60);

/// Clears expired sessions and stale throttle rows now and then, so that
/// neither table grows without end. Runs until the process ends.
pub fn spawn_housekeeping(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            match state.store.sessions_purge_expired().await {
                Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
            }
            if let Err(e) = state.store.throttle_purge(&state.config.throttle).await {
                tracing::warn!(error = %e, "could not clear old log-in failures");
            }
        }
    });
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
