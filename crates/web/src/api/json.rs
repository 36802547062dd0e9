//! Reading JSON request bodies so that every error names the field at fault.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError};

/// Like `axum::Json`, but a bad body is answered with our JSON error naming
/// the field: 400 for malformed JSON, a wrong type or an unknown field; 415
/// for a body that is not JSON at all.
pub struct ApiJson<T>(pub T);

fn bad(code: &'static str, field: Option<String>, message: String) -> ApiError {
    ApiError(AppError::BadRequest {
        code,
        field,
        message,
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().eq_ignore_ascii_case("application/json"))
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError(AppError::Unsupported {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "send the body as JSON with Content-Type: application/json".into(),
            }));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            ApiError(AppError::Unsupported {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: "the request body is too large".into(),
            })
        })?;
        parse(&bytes).map(ApiJson)
    }
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => {
                    let field = if path == "." {
                        unknown_field_name(&message)
                    } else {
                        Some(path)
                    };
                    bad("invalid_field", field, message)
                }
                _ => bad(
                    "malformed_json",
                    None,
                    format!("the body is not valid JSON: {message}"),
                ),
            });
        }
    };
    de.end().map_err(|e| {
        bad(
            "malformed_json",
            None,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    Ok(value)
}

/// serde names an unknown field only in its message: "unknown field `x`, …".
fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next().map(str::to_string)
}

/// A JSON answer written into a buffer of about the size it will have, so
/// that a large answer (a caseload of hundreds of rows) is not copied again
/// each time the buffer would grow.
pub struct SizedJson<T>(pub T, pub usize);

impl<T: serde::Serialize> axum::response::IntoResponse for SizedJson<T> {
    fn into_response(self) -> axum::response::Response {
        let mut buf = Vec::with_capacity(self.1);
        match serde_json::to_writer(&mut buf, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/json"),
                )],
                buf,
            )
                .into_response(),
            Err(e) => {
                ApiError(AppError::Internal(format!("writing the answer: {e}"))).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: Option<String>,
        nested: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: Option<i64>,
    }

    fn field_of(r: Result<Body, ApiError>) -> (String, Option<String>) {
        match r.unwrap_err().0 {
            AppError::BadRequest { code, field, .. } => (code.to_string(), field),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            field_of(parse(br#"{"name": 5}"#)),
            ("invalid_field".into(), Some("name".into()))
        );
        assert_eq!(
            field_of(parse(br#"{"nested": {"n": "x"}}"#)),
            ("invalid_field".into(), Some("nested.n".into()))
        );
        assert_eq!(
            field_of(parse(br#"{"colour": "red"}"#)).1,
            Some("colour".into())
        );
        assert_eq!(field_of(parse(br#"{"name": "a""#)).0, "malformed_json");
        assert_eq!(field_of(parse(br#"{"name": "a"} x"#)).0, "malformed_json");
    }
}
