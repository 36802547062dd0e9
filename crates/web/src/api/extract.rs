//! Reading ids and query strings so that every refusal is the API's JSON
//! error, and the net that turns any other error answer under `/api/v1` into
//! the same shape.

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError};

/// The numeric id in a route's path (`/patients/{id}`). Anything that is not
/// a 64-bit whole number names no record, so it is the same 404 as an id that
/// does not exist (or belongs to another clinic).
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::NotFound))?;
        parse_id(&raw).map(Id).ok_or(ApiError(AppError::NotFound))
    }
}

/// Two numeric ids in a route's path (`/patients/{id}/logs/{log_id}`), read
/// like [`Id`]: either one malformed names no record, so it is 404.
#[derive(Debug, Clone, Copy)]
pub struct IdPair(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPair {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::NotFound))?;
        match (parse_id(&a), parse_id(&b)) {
            (Some(a), Some(b)) => Ok(IdPair(a, b)),
            _ => Err(ApiError(AppError::NotFound)),
        }
    }
}

/// Only plain digits: `1e3`, `+5` and ` 7` are not ids.
fn parse_id(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// Like `axum::extract::Query`, but a query string that cannot be read (a
/// parameter given twice, one the route does not know) is a 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let raw = form_urlencoded::parse(query.as_bytes());
        // serde_urlencoded keeps the last of a repeated name or fails
        // depending on the type; a repeated parameter is refused outright.
        let mut seen = std::collections::HashSet::new();
        for (name, _) in raw {
            if !seen.insert(name.clone()) {
                return Err(bad(
                    Some(name.into_owned()),
                    "is given more than once; give it once".into(),
                ));
            }
        }
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| {
                let message = e.body_text();
                let detail = message
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&message)
                    .to_string();
                bad(named_field(&detail), detail)
            })
    }
}

fn bad(field: Option<String>, message: String) -> ApiError {
    ApiError(AppError::BadRequest {
        code: "invalid_query",
        field,
        message,
    })
}

/// serde names the parameter only inside its message: "unknown field `x`…".
fn named_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

/// Every error answered under `/api/v1` is the documented JSON: answers that
/// axum or a layer made on its own (405, 413, a path that is not UTF-8, a
/// timeout) are given the same body, keeping their status and headers.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let error = match status {
        StatusCode::BAD_REQUEST => AppError::BadRequest {
            code: "bad_request",
            field: None,
            message: "the request could not be read".into(),
        },
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        s if s.is_server_error() => AppError::Internal(format!("{s} from a layer")),
        s => AppError::Unsupported {
            status: s,
            message: match s {
                StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed here".into(),
                StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".into(),
                StatusCode::REQUEST_TIMEOUT => "the request took too long".into(),
                _ => s.canonical_reason().unwrap_or("refused").to_lowercase(),
            },
        },
    };
    let fresh = ApiError(error).into_response();
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // The fresh answer knows its status; a layer's own status wins (e.g. 503).
    let _ = fresh_parts;
    Response::from_parts(parts, Body::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_digits_within_i64() {
        assert_eq!(parse_id("42"), Some(42));
        assert_eq!(parse_id("9223372036854775807"), Some(i64::MAX));
        for bad in ["", "abc", "1e3", "-1", "+5", " 7", "9223372036854775808"] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_field_is_read_from_serde_messages() {
        assert_eq!(
            named_field("unknown field `colour`, expected one of `q`"),
            Some("colour".into())
        );
        assert_eq!(named_field("invalid digit"), None);
    }
}
