//! Cross-site request forgery protection for every form. Two checks on every
//! state-changing web request: the browser's own `Sec-Fetch-Site`/`Origin`
//! must say the request came from this site, and the form must carry the
//! token bound to the session (or, before log-in, to a cookie).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::auth::WebAuth;
use crate::error::{AppError, PageError};

pub const FIELD: &str = "csrf_token";
pub const ANON_COOKIE: &str = "rapport_csrf";
const FORM_LIMIT: usize = 256 * 1024;

fn same_site_request(req: &Request, state: &AppState) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return false;
        }
        if let Some(public) = state.config.public_url.as_deref() {
            return origin.trim_end_matches('/') == public.trim_end_matches('/');
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        return !host.is_empty() && origin_host == host;
    }
    // Neither header: not a browser form post from another site (browsers send
    // Origin on cross-site POSTs); the token check below still applies.
    true
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if !same_site_request(&req, &state) {
        return PageError(AppError::Csrf).into_response();
    }
    let expected = match req.extensions().get::<WebAuth>() {
        Some(auth) => Some(auth.csrf.clone()),
        None => CookieJar::from_headers(req.headers())
            .get(ANON_COOKIE)
            .map(|c| c.value().to_string()),
    };
    // Uploads (multipart bodies) carry the token in the query string instead.
    let from_query = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned())
    });
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return PageError(AppError::Unsupported {
                status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                message: "the form is too large".into(),
            })
            .into_response();
        }
    };
    let given = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
        .or(from_query);
    let valid = match (expected, given) {
        (Some(e), Some(g)) => !e.is_empty() && bool::from(e.as_bytes().ct_eq(g.as_bytes())),
        _ => false,
    };
    if !valid {
        return PageError(AppError::Csrf).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The token for a form shown to someone not logged in; sets the cookie it is
/// checked against if there is none yet.
pub fn anonymous_token(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    if let Some(c) = jar.get(ANON_COOKIE).filter(|c| c.value().len() >= 32) {
        let v = c.value().to_string();
        return (jar, v);
    }
    let token = crate::auth::random_secret();
    let mut c = Cookie::new(ANON_COOKIE, token.clone());
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_secure(secure);
    (jar.add(c), token)
}
