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
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    // Only uploads (multipart bodies, which this guard does not parse) carry
    // the token in the query string: elsewhere it would reach logs and history.
    let multipart = content_type == "multipart/form-data";
    let from_query = req.uri().query().filter(|_| multipart).and_then(|q| {
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
    // A form's text must be text: invalid UTF-8 would be stored as U+FFFD.
    if !multipart && !decodes_as_utf8(&bytes) {
        return PageError(AppError::BadRequest {
            code: "invalid_text",
            field: None,
            message:
                "the form holds characters that are not valid text; retype them and send it again"
                    .into(),
        })
        .into_response();
    }
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

/// Whether every name and value of an `application/x-www-form-urlencoded`
/// body is valid UTF-8 once percent-decoded.
fn decodes_as_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.split(|b| *b == b'='))
        .all(|part| {
            let plus_as_space: Vec<u8> = part
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
            std::str::from_utf8(&decoded).is_ok()
        })
}

/// The token for a form shown to someone not logged in; sets the cookie it is
/// checked against if there is none yet.
pub fn anonymous_token(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    if let Some(c) = jar.get(ANON_COOKIE).filter(|c| c.value().len() >= 32) {
        let v = c.value().to_string();
        return (jar, v);
    }
    let token = rapport_care::accounts::random_secret();
    let mut c = Cookie::new(ANON_COOKIE, token.clone());
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_secure(secure);
    (jar.add(c), token)
}

#[cfg(test)]
mod tests {
    use super::decodes_as_utf8;

    #[test]
    fn form_text_must_decode_as_utf8() {
        assert!(decodes_as_utf8(b"name=Kari+Nordmann&city=Troms%C3%B8"));
        assert!(decodes_as_utf8(b""));
        assert!(decodes_as_utf8(b"a=&b"));
        assert!(!decodes_as_utf8(b"name=%FF"));
        assert!(!decodes_as_utf8(b"%C3=x"), "names are text too");
        assert!(!decodes_as_utf8(b"note=ok&city=Troms%C3"));
    }
}
