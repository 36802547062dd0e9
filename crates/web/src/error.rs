//! The web layer's one error type, and how it is shown: as JSON on the API
//! (`{"error":{"code","message"}}`) and as a page on the web. Database and
//! internal error text is logged, never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_domain::FieldError;
use rapport_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("log in first")]
    Unauthorized,
    #[error("the e-mail or the password is wrong")]
    WrongCredentials,
    #[error("{0}")]
    Conflict(String),
    /// Well-formed input that breaks a rule (422).
    #[error("{0}")]
    Invalid(FieldError),
    /// Well-formed input that breaks several rules (422), each named; never empty.
    #[error("{}", .0.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "))]
    InvalidAll(Vec<FieldError>),
    /// Input that could not be read at all (400): bad JSON, wrong type, unknown field.
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        field: Option<String>,
        message: String,
    },
    #[error("{message}")]
    Unsupported { status: StatusCode, message: String },
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the form has expired or did not come from this site; reload the page and try again")]
    Csrf,
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(f) => AppError::Invalid(f),
            StoreError::InvalidAll(all) => AppError::InvalidAll(all),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<rapport_care::CareError> for AppError {
    fn from(e: rapport_care::CareError) -> Self {
        match e {
            rapport_care::CareError::Store(e) => e.into(),
            rapport_care::CareError::Invalid(f) => AppError::Invalid(f),
            rapport_care::CareError::InvalidAll(all) => AppError::InvalidAll(all),
            rapport_care::CareError::Domain(e) => e.into(),
            rapport_care::CareError::Internal(m) => AppError::Internal(m),
        }
    }
}

impl From<rapport_domain::Error> for AppError {
    fn from(e: rapport_domain::Error) -> Self {
        match e {
            rapport_domain::Error::Invalid(f) => AppError::Invalid(f),
            rapport_domain::Error::Unknown { kind, name } => AppError::Invalid(FieldError::new(
                kind,
                "known",
                format!("unknown {kind} `{name}`"),
            )),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized | AppError::WrongCredentials => StatusCode::UNAUTHORIZED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) | AppError::InvalidAll(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unsupported { status, .. } => *status,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthorized => "unauthorized",
            AppError::WrongCredentials => "invalid_credentials",
            AppError::Conflict(_) => "conflict",
            AppError::Invalid(_) | AppError::InvalidAll(_) => "validation",
            AppError::BadRequest { code, .. } => code,
            AppError::Unsupported { .. } => "unsupported",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Csrf => "csrf",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message a user may see.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Invalid(f) => format!("{}: {}", f.field, f.message),
            AppError::InvalidAll(all) => all
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            AppError::BadRequest {
                field: Some(f),
                message,
                ..
            } => format!("{f}: {message}"),
            AppError::Internal(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        }
    }

    fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
    }

    fn retry_after(&self, response: &mut Response) {
        if let AppError::TooManyRequests { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code, e.g. `validation`, `not_found`.
    pub code: String,
    pub message: String,
    /// The input field at fault, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule the field broke, e.g. `required`, `max_length`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// When a body breaks several rules, each of them (`field` and `rule`
    /// above are the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ErrorItem>>,
}

/// One broken rule of several.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    pub field: String,
    pub rule: String,
    pub message: String,
}

/// An error answered as JSON (the API).
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let (field, rule) = match &e {
            AppError::Invalid(f) => (Some(f.field.clone()), Some(f.rule.clone())),
            AppError::InvalidAll(all) => (
                all.first().map(|f| f.field.clone()),
                all.first().map(|f| f.rule.clone()),
            ),
            AppError::BadRequest { field, .. } => (field.clone(), None),
            _ => (None, None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: e.code().to_string(),
                message: e.public_message(),
                field,
                rule,
                errors: match &e {
                    AppError::InvalidAll(all) => Some(
                        all.iter()
                            .map(|f| ErrorItem {
                                field: f.field.clone(),
                                rule: f.rule.clone(),
                                message: f.message.clone(),
                            })
                            .collect(),
                    ),
                    _ => None,
                },
            },
        };
        let mut response = (e.status(), axum::Json(body)).into_response();
        e.retry_after(&mut response);
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// An error answered as an HTML page (the web).
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        if matches!(e, AppError::Unauthorized) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let mut response = crate::pages::error_page(e.status(), &e.public_message());
        e.retry_after(&mut response);
        response
    }
}

pub type PageResult<T> = Result<T, PageError>;
