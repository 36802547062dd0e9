use axum::extract::State;
use axum::http::StatusCode;
use rapport_store::SessionKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::ApiJson;
use crate::AppState;
use crate::auth::{ApiUser, ClientAddr, log_in};
use crate::error::{ApiError, ApiResult, AppError};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token, revoke_token))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    pub token_type: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: jiff::Timestamp,
}

/// Exchange an e-mail and password for an API token.
#[utoipa::path(post, path = "/auth/token", request_body = TokenRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "Wrong e-mail or password", body = crate::error::ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = crate::error::ErrorBody),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiJson(body): ApiJson<TokenRequest>,
) -> ApiResult<axum::Json<TokenResponse>> {
    let (_, tokens) = log_in(&state, &body.email, &body.password, &addr, SessionKind::Api)
        .await
        .map_err(|e| match e {
            crate::auth::LoginError::Rejected => ApiError(AppError::WrongCredentials),
            other => ApiError(other.into()),
        })?;
    Ok(axum::Json(TokenResponse {
        token: tokens.token,
        token_type: "Bearer",
        expires_at: tokens.expires_at,
    }))
}

/// End the session of the token used to call this.
#[utoipa::path(delete, path = "/auth/token", security(("bearer" = [])),
    responses((status = 204, description = "Token revoked"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn revoke_token(State(state): State<AppState>, user: ApiUser) -> ApiResult<StatusCode> {
    state.store.session_delete(&user.token).await?;
    state
        .store
        .audit_event(
            &user.actor,
            "logout",
            "session",
            "ok",
            Some("kind=api".into()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
