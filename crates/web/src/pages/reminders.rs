//! A patient's reminder choices (`/me/reminders`), and the clinic page of an
//! administrator (`/admin/clinic`): the clinic's time zone and its outbox.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use rapport_domain::FieldError;
use rapport_store::{OutboxMail, PreferencesInput, StoreError};
use serde::Deserialize;

use super::{Layout, require_patient};
use crate::AppState;
use crate::auth::ClinicSettings;
use crate::auth::{CurrentUser, May, Writes};
use crate::error::{AppError, PageError, PageResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/reminders", get(reminders).post(save_reminders))
        .route("/admin/clinic", get(clinic).post(save_clinic))
}

/// Every IANA zone name the built-in database knows, sorted.
fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .filter(|n| n.contains('/') || n == "UTC")
        .collect();
    names.sort();
    names
}

#[derive(Deserialize, Default)]
struct RemindersForm {
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    reminder_time: String,
    /// `on` or `off`.
    #[serde(default)]
    reminders: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_reminders.html")]
struct RemindersPage {
    layout: Layout,
    form: RemindersForm,
    clinic_zone: String,
    zones: Vec<String>,
    error: Option<FieldError>,
    saved: bool,
    mail_on: bool,
}

impl RemindersPage {
    fn field_error(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: Option<RemindersForm>,
    error: Option<FieldError>,
    saved: bool,
) -> PageResult<RemindersPage> {
    let patient = user
        .auth
        .user
        .patient_id
        .ok_or(PageError(AppError::NotFound))?;
    let clinic_zone = state
        .store
        .clinic_get(user.auth.user.clinic_id)
        .await?
        .time_zone;
    let form = match form {
        Some(f) => f,
        None => {
            let p = state.store.preferences(&user.actor, patient).await?;
            RemindersForm {
                time_zone: p.time_zone.unwrap_or_default(),
                reminder_time: format!(
                    "{:02}:{:02}",
                    p.reminder_time.hour(),
                    p.reminder_time.minute()
                ),
                reminders: if p.reminders_on { "on" } else { "off" }.into(),
            }
        }
    };
    Ok(RemindersPage {
        layout: Layout::user(&user.auth, "Reminders", "/me/reminders"),
        form,
        clinic_zone,
        zones: zone_names(),
        error,
        saved,
        mail_on: state.mail.is_some(),
    })
}

async fn reminders(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    require_patient(&user.auth)?;
    Ok(page(&state, &user, None, None, false)
        .await?
        .into_response())
}

async fn save_reminders(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<RemindersForm>,
) -> PageResult<Response> {
    require_patient(&user.auth)?;
    let patient = user
        .auth
        .user
        .patient_id
        .ok_or(PageError(AppError::NotFound))?;
    let on = match form.reminders.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            let e = FieldError::new("reminders", "one_of", "choose on or off");
            let page = page(&state, &user, Some(form), Some(e), false).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let input = PreferencesInput {
        time_zone: form.time_zone.clone(),
        reminder_time: form.reminder_time.clone(),
        reminders_on: on,
    };
    match state
        .store
        .preferences_set(&user.actor, patient, &input)
        .await
    {
        Ok(_) => Ok(page(&state, &user, None, None, true).await?.into_response()),
        Err(StoreError::Invalid(e)) => {
            let page = page(&state, &user, Some(form), Some(e), false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct ClinicForm {
    #[serde(default)]
    time_zone: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_clinic.html")]
struct ClinicPage {
    layout: Layout,
    name: String,
    time_zone: String,
    zones: Vec<String>,
    error: Option<String>,
    saved: bool,
    mail_on: bool,
    outbox: Vec<OutboxMail>,
}

const OUTBOX_SHOWN: u32 = 200;

async fn clinic_page(
    state: &AppState,
    user: &CurrentUser,
    time_zone: Option<String>,
    error: Option<String>,
    saved: bool,
) -> PageResult<ClinicPage> {
    let clinic = state.store.clinic_get(user.auth.user.clinic_id).await?;
    let outbox = state.store.outbox_list(&user.actor, OUTBOX_SHOWN).await?;
    Ok(ClinicPage {
        layout: Layout::user(&user.auth, "Clinic", "/admin/clinic"),
        name: clinic.name,
        time_zone: time_zone.unwrap_or(clinic.time_zone),
        zones: zone_names(),
        error,
        saved,
        mail_on: state.mail.is_some(),
        outbox,
    })
}

async fn clinic(
    State(state): State<AppState>,
    user: May<Writes<ClinicSettings>>,
) -> PageResult<Response> {
    Ok(clinic_page(&state, &user, None, None, false)
        .await?
        .into_response())
}

async fn save_clinic(
    State(state): State<AppState>,
    user: May<Writes<ClinicSettings>>,
    Form(form): Form<ClinicForm>,
) -> PageResult<Response> {
    match state
        .store
        .clinic_time_zone_set(&user.actor, &form.time_zone)
        .await
    {
        Ok(_) => Ok(clinic_page(&state, &user, None, None, true)
            .await?
            .into_response()),
        Err(e @ StoreError::Invalid(_)) => {
            let page = clinic_page(
                &state,
                &user,
                Some(form.time_zone),
                Some(AppError::from(e).public_message()),
                false,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
