//! Passwords, log-in with throttling, and who is asking: the web session from
//! its cookie, the API caller from a bearer token.

use std::marker::PhantomData;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rapport_care::accounts::{self, verify_password};
use rapport_domain::access::{self, Action, Area};
use rapport_domain::identity::Email;
use rapport_store::{Actor, Reservation, SessionKind, SessionTokens, User};

use crate::AppState;
use crate::error::{ApiError, AppError, PageError};

/// Hashes a password (Argon2id, off the async threads).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    accounts::hash_password(password)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The client's address: the socket peer, or behind a trusted proxy the last
/// address in `X-Forwarded-For`.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_proxy
            && let Some(fwd) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
            && let Some(last) = fwd
                .rsplit(',')
                .next()
                .map(str::trim)
                .filter(|s| !s.is_empty())
        {
            return Ok(ClientAddr(Some(last.to_string())));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(ClientAddr(peer))
    }
}

/// Why a log-in failed.
#[derive(Debug)]
pub enum LoginError {
    /// Wrong e-mail or password; deliberately not saying which.
    Rejected,
    Locked {
        retry_after_secs: u64,
    },
    Other(AppError),
}

impl From<LoginError> for AppError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Rejected => AppError::Unauthorized,
            LoginError::Locked { retry_after_secs } => {
                AppError::TooManyRequests { retry_after_secs }
            }
            LoginError::Other(e) => e,
        }
    }
}

/// Checks an e-mail and password, with throttling by account and by address,
/// and opens a session of the given kind.
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: &str,
    addr: &ClientAddr,
    kind: SessionKind,
) -> Result<(User, SessionTokens), LoginError> {
    let store = &state.store;
    let policy = &state.config.throttle;
    let email_key = format!("account:{}", email.trim().to_lowercase());
    let addr_key = format!("address:{}", addr.0.as_deref().unwrap_or("unknown"));
    let other = |e: rapport_store::StoreError| LoginError::Other(e.into());

    let account = (email_key.as_str(), policy.lock_after_account);
    let address = (addr_key.as_str(), policy.lock_after_address);

    // The attempt is counted before the password is checked, in one
    // transaction with the check of the lock, so parallel guesses cannot all
    // slip in before the first of them has failed.
    let failures_before = match store
        .throttle_reserve(&[account, address], policy)
        .await
        .map_err(other)?
    {
        Reservation::Locked { until } => {
            let secs = until
                .duration_since(jiff::Timestamp::now())
                .as_secs()
                .max(1);
            return Err(LoginError::Locked {
                retry_after_secs: u64::try_from(secs).unwrap_or(1),
            });
        }
        Reservation::Granted { failures_before } => failures_before,
    };
    tokio::time::sleep(policy.delay(failures_before)).await;

    let found = match Email::parse(email) {
        Ok(e) => store.user_credentials(&e).await.map_err(other)?,
        Err(_) => None,
    };
    let usable = found.as_ref().filter(|c| c.user.active);
    let ok = verify_password(
        usable.map(|c| c.password_hash.clone()),
        password.to_string(),
    )
    .await;
    let Some(creds) = usable.filter(|_| ok) else {
        // Already counted by the reservation.
        if let Some(c) = &found {
            let actor = c.user.actor(addr.0.clone());
            store
                .audit_event(&actor, "login", "session", "rejected", None)
                .await
                .map_err(other)?;
        }
        return Err(LoginError::Rejected);
    };
    store
        .throttle_succeeded(account.0, address)
        .await
        .map_err(other)?;
    let tokens = store
        .session_create(creds.user.id, kind, &state.config.sessions)
        .await
        .map_err(other)?;
    let actor = creds.user.actor(addr.0.clone());
    let what = match kind {
        SessionKind::Web => "web",
        SessionKind::Api => "api",
    };
    store
        .audit_event(
            &actor,
            "login",
            "session",
            "ok",
            Some(format!("kind={what}")),
        )
        .await
        .map_err(other)?;
    Ok((creds.user.clone(), tokens))
}

/// A logged-in web session, loaded once per request by [`load_web_session`].
#[derive(Debug, Clone)]
pub struct WebAuth {
    pub user: User,
    pub csrf: String,
    pub token: String,
}

pub fn session_cookie_name(state: &AppState) -> &'static str {
    // The __Host- prefix makes the browser refuse the cookie unless it is
    // Secure, has Path=/ and no Domain: possible only over TLS.
    if state.config.secure_cookies() {
        "__Host-rapport_session"
    } else {
        "rapport_session"
    }
}

pub fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(session_cookie_name(state), value);
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(state.config.secure_cookies());
    c
}

/// Resolves the session cookie, if any, into a [`WebAuth`] request extension.
pub async fn load_web_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    if let Some(token) = jar
        .get(session_cookie_name(&state))
        .map(|c| c.value().to_string())
    {
        match state
            .store
            .session_lookup(&token, SessionKind::Web, &state.config.sessions)
            .await
        {
            Ok(Some((user, csrf))) => {
                req.extensions_mut().insert(WebAuth { user, csrf, token });
            }
            Ok(None) => {}
            Err(e) => {
                use axum::response::IntoResponse;
                return PageError::from(e).into_response();
            }
        }
    }
    next.run(req).await
}

/// A page that needs a logged-in user. Without one, the browser is sent to log in.
pub struct CurrentUser {
    pub auth: WebAuth,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = parts
            .extensions
            .get::<WebAuth>()
            .cloned()
            .ok_or(PageError(AppError::Unauthorized))?;
        let ClientAddr(addr) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientAddr(None));
        let actor = auth.user.actor(addr);
        Ok(CurrentUser { auth, actor })
    }
}

/// The web session if there is one.
pub struct MaybeUser(pub Option<WebAuth>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<WebAuth>().cloned()))
    }
}

/// An API caller, from `Authorization: Bearer TOKEN`.
pub struct ApiUser {
    pub user: User,
    pub actor: Actor,
    pub token: String,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError(AppError::Unauthorized))?
            .to_string();
        let (user, _) = state
            .store
            .session_lookup(&token, SessionKind::Api, &state.config.sessions)
            .await?
            .ok_or(ApiError(AppError::Unauthorized))?;
        let ClientAddr(addr) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientAddr(None));
        let actor = user.actor(addr);
        Ok(ApiUser { user, actor, token })
    }
}

/// What a route needs: an area of records and an action on it, from the
/// domain's access table (`rapport_domain::access`). Each route declares it
/// in its signature with [`May`] (pages) or [`ApiMay`] (the API), so who may
/// call it is written where the route is, and decided in one table.
pub trait Needs {
    const AREA: Area;
    const ACTION: Action;
}

/// Reading records of area `A`.
pub struct Reads<A>(PhantomData<A>);
/// Writing records of area `A`.
pub struct Writes<A>(PhantomData<A>);

/// An area of [`rapport_domain::access::Area`], as a type.
pub trait AreaOf {
    const AREA: Area;
}

macro_rules! areas {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("The `", stringify!($name), "` area of the access table.")]
        pub struct $name;
        impl AreaOf for $name {
            const AREA: Area = Area::$name;
        }
    )*};
}

areas!(
    PatientDetails,
    PatientReports,
    CarePlan,
    ClinicalWork,
    Accounts,
    ClinicSettings,
    ExerciseLibrary,
    AuditLog,
    Research,
    ClinicOutcomes,
    Theory,
);

impl<A: AreaOf> Needs for Reads<A> {
    const AREA: Area = A::AREA;
    const ACTION: Action = Action::Read;
}

impl<A: AreaOf> Needs for Writes<A> {
    const AREA: Area = A::AREA;
    const ACTION: Action = Action::Write;
}

/// A logged-in page user whose role reaches what `N` needs; others are
/// refused with 403 (and the anonymous sent to log in).
pub struct May<N: Needs> {
    pub user: CurrentUser,
    _needs: PhantomData<N>,
}

impl<N: Needs> std::ops::Deref for May<N> {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

impl<N: Needs + Send + Sync> FromRequestParts<AppState> for May<N> {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if !access::allowed(user.auth.user.role, N::AREA, N::ACTION) {
            return Err(PageError(AppError::Forbidden));
        }
        Ok(May {
            user,
            _needs: PhantomData,
        })
    }
}

/// An API caller whose role reaches what `N` needs; others are refused
/// with 403 before the request is read.
pub struct ApiMay<N: Needs> {
    pub user: ApiUser,
    _needs: PhantomData<N>,
}

impl<N: Needs> std::ops::Deref for ApiMay<N> {
    type Target = ApiUser;
    fn deref(&self) -> &ApiUser {
        &self.user
    }
}

impl<N: Needs + Send + Sync> FromRequestParts<AppState> for ApiMay<N> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = ApiUser::from_request_parts(parts, state).await?;
        if !access::allowed(user.user.role, N::AREA, N::ACTION) {
            return Err(ApiError(AppError::Forbidden));
        }
        Ok(ApiMay {
            user,
            _needs: PhantomData,
        })
    }
}
