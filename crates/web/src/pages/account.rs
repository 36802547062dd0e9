//! Logging in and out, and accepting an invitation.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use rapport_domain::identity::check_password;
use rapport_store::{InviteInfo, SessionKind};
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::auth::{
    ClientAddr, CurrentUser, LoginError, MaybeUser, hash_password, log_in, session_cookie,
};
use crate::csrf::anonymous_token;
use crate::error::{AppError, PageResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/invite/{token}", get(invite_form).post(invite_accept))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    welcome: Option<String>,
}

/// Only paths on this site may be returned to after log-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn login_form(
    State(state): State<AppState>,
    MaybeUser(auth): MaybeUser,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    if auth.is_some() {
        return Redirect::to("/").into_response();
    }
    let (jar, csrf) = anonymous_token(jar, state.config.secure_cookies());
    let page = LoginPage {
        layout: Layout::anonymous("Log in", csrf),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
        notice: q
            .welcome
            .map(|_| "Your password is set. Log in to continue.".to_string()),
    };
    (jar, page).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let (jar, csrf) = anonymous_token(jar, state.config.secure_cookies());
    let result = log_in(&state, &form.email, &form.password, &addr, SessionKind::Web).await;
    let mut retry_after = None;
    let (status, error) = match result {
        Ok((_, tokens)) => {
            let jar = jar.add(session_cookie(&state, tokens.token));
            return (jar, Redirect::to(&safe_next(form.next.as_deref()))).into_response();
        }
        Err(LoginError::Rejected) => (
            StatusCode::UNAUTHORIZED,
            "The e-mail or the password is wrong.".to_string(),
        ),
        Err(LoginError::Locked { retry_after_secs }) => (
            {
                retry_after = Some(retry_after_secs);
                StatusCode::TOO_MANY_REQUESTS
            },
            format!(
                "Too many failed attempts. Try again in {} minutes.",
                retry_after_secs.div_ceil(60)
            ),
        ),
        Err(LoginError::Other(e)) => return crate::error::PageError(e).into_response(),
    };
    let page = LoginPage {
        layout: Layout::anonymous("Log in", csrf),
        email: form.email,
        next: safe_next(form.next.as_deref()),
        error: Some(error),
        notice: None,
    };
    let mut res = (status, jar, page).into_response();
    if let Some(secs) = retry_after
        && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    res
}

async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> PageResult<Response> {
    state.store.session_delete(&user.auth.token).await?;
    state
        .store
        .audit_event(&user.actor, "logout", "session", "ok", None)
        .await?;
    let jar = jar.remove(session_cookie(&state, String::new()));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "invite.html")]
struct InvitePage {
    layout: Layout,
    info: Option<InviteInfo>,
    error: Option<String>,
}

async fn invite_form(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> PageResult<Response> {
    let info = state.store.invite_info(&token).await?;
    let (jar, csrf) = anonymous_token(jar, state.config.secure_cookies());
    let status = if info.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let page = InvitePage {
        layout: Layout::anonymous("Invitation", csrf),
        info,
        error: None,
    };
    Ok((status, jar, page).into_response())
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn invite_accept(
    State(state): State<AppState>,
    jar: CookieJar,
    addr: ClientAddr,
    Path(token): Path<String>,
    Form(form): Form<InviteForm>,
) -> PageResult<Response> {
    let problem = match check_password("password", &form.password) {
        Err(e) => Some(AppError::from(e).public_message()),
        Ok(()) if form.password != form.password_confirm => {
            Some("The two passwords are not the same.".to_string())
        }
        Ok(()) => None,
    };
    if let Some(problem) = problem {
        let info = state.store.invite_info(&token).await?;
        let (jar, csrf) = anonymous_token(jar, state.config.secure_cookies());
        let page = InvitePage {
            layout: Layout::anonymous("Invitation", csrf),
            info,
            error: Some(problem),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, page).into_response());
    }
    let hash = hash_password(form.password).await?;
    match state.store.invite_accept(&token, &hash, addr.0).await {
        Ok(_) => Ok(Redirect::to("/login?welcome=1").into_response()),
        Err(rapport_store::StoreError::NotFound) => {
            let (jar, csrf) = anonymous_token(jar, state.config.secure_cookies());
            let page = InvitePage {
                layout: Layout::anonymous("Invitation", csrf),
                info: None,
                error: None,
            };
            Ok((StatusCode::NOT_FOUND, jar, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
