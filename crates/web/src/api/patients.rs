use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_domain::FieldError;
use rapport_domain::identity::PatientId;
use rapport_domain::patient::{Patient, PatientInput};
use rapport_store::{PatientQuery, Versioned};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ApiJson, ApiQuery, Id};
use crate::AppState;
use crate::auth::{ApiMay, ApiUser, PatientDetails, Writes};
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};
use crate::pages::today;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_patients, create_patient))
        .routes(routes!(get_patient, update_patient))
}

/// A new patient. `given_name`, `family_name` and `birth_date` are required.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PatientCreate {
    /// Required; 1 to 100 characters after trimming, no control characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100, example = "Kari")]
    pub given_name: Option<String>,
    /// Required; 1 to 100 characters after trimming, no control characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100, example = "Nordmann")]
    pub family_name: Option<String>,
    /// Required; a real date written YYYY-MM-DD, from 1900-01-01 to today.
    #[schema(value_type = String, required = true, format = Date, example = "1970-03-14")]
    pub birth_date: Option<String>,
    #[schema(format = Email)]
    pub email: Option<String>,
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    /// The clinic's own record number.
    #[schema(max_length = 64)]
    pub external_ref: Option<String>,
}

/// A partial edit: fields left out keep their value; `""` clears an optional one.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PatientPatch {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    #[schema(format = Date)]
    pub birth_date: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_ref: Option<String>,
    /// The `version` last read; if the record changed since, the edit is refused with 409.
    pub version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PatientOut {
    pub id: i64,
    pub clinic_id: i64,
    pub given_name: String,
    pub family_name: String,
    #[schema(format = Date)]
    pub birth_date: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_ref: Option<String>,
    /// Goes up by one at every edit.
    pub version: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
}

impl From<Versioned<Patient>> for PatientOut {
    fn from(v: Versioned<Patient>) -> Self {
        let p = v.value;
        PatientOut {
            id: p.id.0,
            clinic_id: p.clinic_id.0,
            given_name: p.details.given_name,
            family_name: p.details.family_name,
            birth_date: p.details.birth_date.to_string(),
            email: p.details.email.map(|e| e.to_string()),
            phone: p.details.phone,
            external_ref: p.details.external_ref,
            version: v.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PatientList {
    pub patients: Vec<PatientOut>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Part of a name or record number; at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1 to 500; default 50.
    pub limit: Option<String>,
    /// Default 0.
    pub offset: Option<String>,
}

/// A whole-number query parameter within `range`; anything else is refused, not clamped.
fn number_param(
    name: &str,
    raw: Option<&str>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    raw.parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            ApiError(AppError::Invalid(FieldError::new(
                name,
                "range",
                format!(
                    "must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )))
        })
}

/// The patients the caller may see: a clinician's clinic, or a patient's own record.
#[utoipa::path(get, path = "/patients", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = PatientList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_patients(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<PatientList>> {
    let limit = number_param("limit", params.limit.as_deref(), 50, 1..=500)?;
    let offset = number_param("offset", params.offset.as_deref(), 0, 0..=u32::MAX)?;
    let query = PatientQuery {
        search: params.q,
        limit,
        offset,
    };
    let patients = state.store.patients_list(&user.actor, &query).await?;
    Ok(axum::Json(PatientList {
        patients: patients.into_iter().map(PatientOut::from).collect(),
        limit,
        offset,
    }))
}

/// Create a patient in the caller's clinic (clinicians only).
#[utoipa::path(post, path = "/patients", request_body = PatientCreate, security(("bearer" = [])),
    responses((status = 201, body = PatientOut, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON, wrong type or unknown field", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody)))]
pub async fn create_patient(
    State(state): State<AppState>,
    user: ApiMay<Writes<PatientDetails>>,
    ApiJson(body): ApiJson<PatientCreate>,
) -> ApiResult<Response> {
    let input = PatientInput {
        given_name: body.given_name,
        family_name: body.family_name,
        birth_date: body.birth_date,
        email: body.email,
        phone: body.phone,
        external_ref: body.external_ref,
    };
    let details = input.validate(today())?;
    // A new patient is a new referral: their episode of care starts today.
    let created = state
        .store
        .patient_admit(&user.actor, &details, today())
        .await?;
    let location = format!("/api/v1/patients/{}", created.value.id);
    let mut res = (StatusCode::CREATED, axum::Json(PatientOut::from(created))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// One patient. Another clinic's patient, or another patient's record, is 404.
#[utoipa::path(get, path = "/patients/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PatientOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_patient(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<PatientOut>> {
    let id = PatientId(id);
    Ok(axum::Json(
        state.store.patient_get(&user.actor, id).await?.into(),
    ))
}

/// Edit a patient (clinicians only).
#[utoipa::path(patch, path = "/patients/{id}", params(("id" = i64, Path)), request_body = PatientPatch, security(("bearer" = [])),
    responses((status = 200, body = PatientOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "Changed since `version`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_patient(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<PatientPatch>,
) -> ApiResult<axum::Json<PatientOut>> {
    let id = PatientId(id);
    let input = PatientInput {
        given_name: body.given_name,
        family_name: body.family_name,
        birth_date: body.birth_date,
        email: body.email,
        phone: body.phone,
        external_ref: body.external_ref,
    };
    let updated = state
        .store
        .patient_update(&user.actor, id, &input, body.version, today())
        .await?;
    Ok(axum::Json(updated.into()))
}
