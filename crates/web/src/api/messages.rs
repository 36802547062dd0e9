//! The patient's message thread with the clinic. A patient writes in their
//! own thread; a clinician in that of any patient of their clinic.

use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use rapport_domain::identity::PatientId;
use rapport_store::Message;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::created;
use super::{ApiJson, Id};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_messages, send_message))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageCreate {
    /// Required: 1 to 2000 characters, no control characters but line breaks.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, example = "See you on Thursday.")]
    pub body: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    pub id: i64,
    /// Written by the patient (else by a clinician).
    pub from_patient: bool,
    /// The writer's name.
    pub sender: String,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Whether the other side has read it.
    pub read: bool,
}

impl From<Message> for MessageOut {
    fn from(m: Message) -> Self {
        MessageOut {
            id: m.id,
            from_patient: m.from_patient,
            sender: m.sender,
            body: m.body,
            created_at: m.created_at,
            read: m.read,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessageList {
    /// Oldest first.
    pub messages: Vec<MessageOut>,
}

/// The patient's thread. Reading it marks the other side's messages read,
/// as opening the page does.
#[utoipa::path(get, path = "/patients/{id}/messages", tag = "messages",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = MessageList),
        (status = 404, description = "No such patient in your clinic, or another patient's thread", body = ErrorBody)))]
pub async fn list_messages(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<MessageList>> {
    let messages = state.store.messages(&user.actor, PatientId(id)).await?;
    Ok(axum::Json(MessageList {
        messages: messages.into_iter().map(MessageOut::from).collect(),
    }))
}

/// Writes in the patient's thread: the patient in their own, a clinician in
/// that of a patient of their clinic.
#[utoipa::path(post, path = "/patients/{id}/messages", tag = "messages",
    params(("id" = i64, Path, description = "Patient id")), request_body = MessageCreate, security(("bearer" = [])),
    responses((status = 201, description = "The stored message", body = MessageOut),
        (status = 404, description = "No such patient in your clinic, or another patient's thread", body = ErrorBody)))]
pub async fn send_message(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<MessageCreate>,
) -> ApiResult<Response> {
    let message = state
        .store
        .message_send(
            &user.actor,
            PatientId(id),
            body.body.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok(created(MessageOut::from(message)))
}
