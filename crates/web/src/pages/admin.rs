//! Administrators' pages (accounts, audit log) and the researcher's overview.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use rapport_domain::identity::{Email, PatientId, Role, check_password};
use rapport_store::{AuditEntry, AuditQuery, NewUser, StoreError, User};
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::auth::{Accounts, AuditLog, Research};
use crate::auth::{CurrentUser, May, Reads, Writes, hash_password};
use crate::error::{AppError, PageResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/audit", get(audit))
        .route("/research", get(research))
}

#[derive(Deserialize, Default)]
struct UserForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    clinic: String,
    users: Vec<User>,
    form: UserForm,
    error: Option<String>,
    notice: Option<String>,
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    form: UserForm,
    error: Option<String>,
    notice: Option<String>,
) -> PageResult<UsersPage> {
    let users = state.store.users_list(&user.actor).await?;
    let clinic = state.store.clinic_get(user.auth.user.clinic_id).await?.name;
    Ok(UsersPage {
        layout: Layout::user(&user.auth, "Accounts", "/admin/users"),
        clinic,
        users,
        form,
        error,
        notice,
    })
}

async fn users(State(state): State<AppState>, user: May<Reads<Accounts>>) -> PageResult<Response> {
    let form = UserForm {
        role: "clinician".into(),
        ..Default::default()
    };
    Ok(users_page(&state, &user, form, None, None)
        .await?
        .into_response())
}

async fn create_user(
    State(state): State<AppState>,
    user: May<Writes<Accounts>>,
    Form(mut form): Form<UserForm>,
) -> PageResult<Response> {
    let checked = (|| -> Result<(Email, Role), AppError> {
        let email = Email::parse(&form.email)?;
        let role: Role = form.role.parse()?;
        if role == Role::Patient {
            return Err(AppError::Invalid(rapport_domain::FieldError::new(
                "role",
                "staff_only",
                "patients get their account through an invitation",
            )));
        }
        check_password("password", &form.password)?;
        Ok((email, role))
    })();
    let (email, role) = match checked {
        Ok(v) => v,
        Err(e) => {
            form.password.clear();
            let page = users_page(&state, &user, form, Some(e.public_message()), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let new = NewUser {
        clinic_id: user.auth.user.clinic_id,
        role,
        email,
        display_name: form.display_name.clone(),
        password_hash: hash_password(std::mem::take(&mut form.password)).await?,
        patient_id: None,
    };
    match state.store.user_create_by(&user.actor, &new).await {
        Ok(created) => {
            let notice = format!("Added {} as {}.", created.email, created.role);
            let fresh = UserForm {
                role: "clinician".into(),
                ..Default::default()
            };
            Ok(users_page(&state, &user, fresh, None, Some(notice))
                .await?
                .into_response())
        }
        Err(e @ (StoreError::Conflict(_) | StoreError::Invalid(_))) => {
            let status = if matches!(e, StoreError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = users_page(
                &state,
                &user,
                form,
                Some(AppError::from(e).public_message()),
                None,
            )
            .await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    layout: Layout,
    patient: String,
    entries: Vec<AuditEntry>,
    older: Option<i64>,
}

#[derive(Deserialize)]
struct AuditParams {
    #[serde(default)]
    patient: String,
    before: Option<i64>,
}

const AUDIT_PAGE: u32 = 100;

async fn audit(
    State(state): State<AppState>,
    user: May<Reads<AuditLog>>,
    Query(p): Query<AuditParams>,
) -> PageResult<Response> {
    let patient = match p.patient.trim() {
        "" => None,
        s => Some(PatientId(s.parse().map_err(|_| {
            AppError::Invalid(rapport_domain::FieldError::new(
                "patient",
                "integer",
                "must be a patient id (a whole number)",
            ))
        })?)),
    };
    let entries = state
        .store
        .audit_list(
            &user.actor,
            AuditQuery {
                patient_id: patient,
                before_id: p.before,
                limit: AUDIT_PAGE,
                ..Default::default()
            },
        )
        .await?;
    let older = (entries.len() == AUDIT_PAGE as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(AuditPage {
        layout: Layout::user(&user.auth, "Audit log", "/admin/audit"),
        patient: p.patient.trim().to_string(),
        entries,
        older,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "research.html")]
struct ResearchPage {
    layout: Layout,
    clinic: String,
    patients: i64,
    roles: Vec<(String, i64)>,
}

async fn research(
    State(state): State<AppState>,
    user: May<Reads<Research>>,
) -> PageResult<Response> {
    let clinic = user.auth.user.clinic_id;
    Ok(ResearchPage {
        layout: Layout::user(&user.auth, "Overview", "/research"),
        clinic: state.store.clinic_get(clinic).await?.name,
        patients: state.store.patients_count(clinic).await?,
        roles: state.store.users_count_by_role(clinic).await?,
    }
    .into_response())
}
