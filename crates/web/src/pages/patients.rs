//! Clinicians' patient pages, and a patient's view of their own record.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rapport_domain::FieldError;
use rapport_domain::identity::{Email, PatientId, Role};
use rapport_domain::patient::{Patient, PatientInput};
use rapport_store::{PatientQuery, StoreError};
use serde::Deserialize;

use super::{Layout, require, require_patient};
use crate::AppState;
use crate::auth::PatientDetails;
use crate::auth::{CurrentUser, May, Writes};
use crate::error::{AppError, PageError, PageResult};
use rapport_domain::access::{Action, Area};

const PAGE_SIZE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients", get(list))
        .route("/patients/new", get(new_form).post(create))
        .route("/patients/{id}", get(view))
        .route("/patients/{id}/edit", get(edit_form).post(update))
        .route("/patients/{id}/invite", post(invite))
        .route("/me", get(me))
}

pub(crate) fn today() -> jiff::civil::Date {
    rapport_care::clock::today()
}

#[derive(Template, WebTemplate)]
#[template(path = "patients.html")]
struct ListPage {
    layout: Layout,
    alerts: Vec<rapport_store::RedFlagAlert>,
    /// (patient id, name, time point label, due date)
    overdue: Vec<(i64, String, &'static str, String)>,
    clinic: String,
    q: String,
    patients: Vec<Patient>,
    prev_page: Option<u32>,
    next_page: Option<u32>,
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<u32>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    if user.auth.user.role == Role::Patient {
        return Ok(Redirect::to("/me").into_response());
    }
    require(&user.auth, Area::ClinicalWork, Action::Read)?;
    let page = q.page.unwrap_or(1).max(1);
    let query = PatientQuery {
        search: Some(q.q.clone()),
        limit: PAGE_SIZE + 1,
        offset: (page - 1) * PAGE_SIZE,
    };
    let mut patients: Vec<Patient> = state
        .store
        .patients_list(&user.actor, &query)
        .await?
        .into_iter()
        .map(|v| v.value)
        .collect();
    let more = patients.len() > PAGE_SIZE as usize;
    patients.truncate(PAGE_SIZE as usize);
    let clinic = state.store.clinic_get(user.auth.user.clinic_id).await?.name;
    let alerts = state.store.red_flag_alerts(&user.actor).await?;
    // Six-month forms fall due up to seven months after discharge.
    let recent = state
        .store
        .episodes_with_forms(&user.actor, 240, today())
        .await?;
    let overdue = recent
        .iter()
        .flat_map(|e| {
            let done = |tp: rapport_domain::assessment::TimePoint, key: &str| {
                e.done.iter().any(|(t, k)| *t == tp && k == key)
            };
            rapport_domain::assessment::schedule::schedule(
                e.episode.opened_on,
                e.episode.discharged_on,
                e.second_contact,
                &done,
                today(),
            )
            .into_iter()
            .filter(|i| i.status == rapport_domain::assessment::DueStatus::Overdue)
            .map(|i| {
                (
                    e.episode.patient_id.0,
                    format!("{} {}", e.given_name, e.family_name),
                    i.time_point.label(),
                    i.due_on.to_string(),
                )
            })
            .collect::<Vec<_>>()
        })
        .collect();
    Ok(ListPage {
        layout: Layout::user(&user.auth, "Patients", "/patients"),
        alerts,
        overdue,
        clinic,
        q: q.q,
        patients,
        prev_page: (page > 1).then(|| page - 1),
        next_page: more.then_some(page + 1),
    }
    .into_response())
}

/// One input of the patient form.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
    pub hint: Option<&'static str>,
    pub autocomplete: Option<&'static str>,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "patient_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    fields: Vec<FormField>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct PatientForm {
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    external_ref: String,
    version: Option<i64>,
}

impl PatientForm {
    fn from_patient(p: &Patient, version: i64) -> Self {
        PatientForm {
            given_name: p.details.given_name.clone(),
            family_name: p.details.family_name.clone(),
            birth_date: p.details.birth_date.to_string(),
            email: p
                .details
                .email
                .as_ref()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            phone: p.details.phone.clone().unwrap_or_default(),
            external_ref: p.details.external_ref.clone().unwrap_or_default(),
            version: Some(version),
        }
    }

    /// On a web form every field is sent; an empty optional field clears it.
    fn input(&self) -> PatientInput {
        PatientInput {
            given_name: Some(self.given_name.clone()),
            family_name: Some(self.family_name.clone()),
            birth_date: Some(self.birth_date.clone()),
            email: Some(self.email.clone()),
            phone: Some(self.phone.clone()),
            external_ref: Some(self.external_ref.clone()),
        }
    }

    fn fields(&self, error: Option<&FieldError>) -> Vec<FormField> {
        let err = |name: &str| error.filter(|e| e.field == name).map(|e| e.message.clone());
        let f = |name, label, kind, value: &str, required, hint, autocomplete| FormField {
            name,
            label,
            kind,
            value: value.to_string(),
            required,
            hint,
            autocomplete,
            error: err(name),
        };
        vec![
            f(
                "given_name",
                "Given name",
                "text",
                &self.given_name,
                true,
                None,
                Some("off"),
            ),
            f(
                "family_name",
                "Family name",
                "text",
                &self.family_name,
                true,
                None,
                Some("off"),
            ),
            f(
                "birth_date",
                "Date of birth",
                "date",
                &self.birth_date,
                true,
                Some("Pick the date, or type it as YYYY-MM-DD."),
                Some("off"),
            ),
            f(
                "email",
                "E-mail",
                "email",
                &self.email,
                false,
                Some("Needed to invite the patient."),
                Some("off"),
            ),
            f(
                "phone",
                "Phone",
                "tel",
                &self.phone,
                false,
                None,
                Some("off"),
            ),
            f(
                "external_ref",
                "Record number",
                "text",
                &self.external_ref,
                false,
                Some("Your clinic's own number, if any."),
                Some("off"),
            ),
        ]
    }
}

fn form_page(
    user: &CurrentUser,
    form: &PatientForm,
    error: Option<&FieldError>,
    edit: Option<PatientId>,
) -> FormPage {
    let (heading, action, cancel) = match edit {
        Some(id) => (
            "Edit patient".to_string(),
            format!("/patients/{id}/edit"),
            format!("/patients/{id}"),
        ),
        None => (
            "New patient".to_string(),
            "/patients/new".to_string(),
            "/patients".to_string(),
        ),
    };
    FormPage {
        layout: Layout::user(
            &user.auth,
            heading.clone(),
            if edit.is_some() { "" } else { "/patients/new" },
        ),
        heading,
        action,
        cancel,
        version: form.version,
        fields: form.fields(error),
        error: error.map(|e| format!("{} — {}", label_of(&e.field), e.message)),
    }
}

fn label_of(field: &str) -> &str {
    match field {
        "given_name" => "Given name",
        "family_name" => "Family name",
        "birth_date" => "Date of birth",
        "email" => "E-mail",
        "phone" => "Phone",
        "external_ref" => "Record number",
        other => other,
    }
}

async fn new_form(user: May<Writes<PatientDetails>>) -> PageResult<Response> {
    Ok(form_page(&user, &PatientForm::default(), None, None).into_response())
}

async fn create(
    State(state): State<AppState>,
    user: May<Writes<PatientDetails>>,
    Form(form): Form<PatientForm>,
) -> PageResult<Response> {
    let details = match form.input().validate(today()) {
        Ok(d) => d,
        Err(rapport_domain::Error::Invalid(e)) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&user, &form, Some(&e), None),
            )
                .into_response());
        }
        Err(e) => return Err(e.into()),
    };
    // A new patient is a new referral: their episode of care starts today.
    let created = state
        .store
        .patient_admit(&user.actor, &details, today())
        .await?;
    Ok(Redirect::to(&format!("/patients/{}", created.value.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "patient.html")]
struct PatientPage {
    layout: Layout,
    patient: Patient,
    clinician: bool,
    notice: Option<String>,
    invite_link: Option<String>,
    invite_expires: String,
    invite_error: Option<String>,
    invite_days: u64,
    /// The patient's own login, if they have one (shown to clinicians).
    account: Option<rapport_store::User>,
    /// Trust, motivation and confidence for this patient, with what to do next (clinicians).
    mechanisms: Option<super::theory::MechanismsPanel>,
    episode: Option<rapport_store::CareEpisode>,
    /// Education assigned to the patient: (assignment id, title, read).
    reading: Vec<(i64, String, bool)>,
    /// Time points with forms to fill in (the patient's own page).
    due: Vec<rapport_domain::assessment::DueItem>,
    thanks: bool,
    /// Logs, adherence, flags and follow-ups of the current episode.
    monitor: Option<super::monitor::MonitorView>,
    messages: Vec<rapport_store::Message>,
    /// A refused log: (exercise id, message).
    log_error: Option<(String, String)>,
    /// A refused whole-session log: what was wrong, in words, and what was typed.
    session_errors: Vec<String>,
    session_input: Vec<(String, String)>,
    /// What just happened, said once at the top.
    done_notice: Option<&'static str>,
    /// The self-management plan kept: (latest version, the day written).
    self_management: Option<(i64, String)>,
    /// After discharge: each questionnaire's change and whether it mattered,
    /// with the global rating of change.
    outcomes: Vec<super::outcomes::OutcomeRow>,
    pgic: String,
}

impl PatientPage {
    fn new(state: &AppState, user: &CurrentUser, patient: Patient, current: &str) -> Self {
        PatientPage {
            layout: Layout::user(&user.auth, patient.display_name(), current),
            clinician: user.auth.user.role == Role::Clinician,
            patient,
            notice: None,
            invite_link: None,
            invite_expires: String::new(),
            invite_error: None,
            invite_days: state.config.invite_ttl.as_secs().div_ceil(86_400),
            account: None,
            mechanisms: None,
            episode: None,
            due: Vec::new(),
            reading: Vec::new(),
            thanks: false,
            monitor: None,
            messages: Vec::new(),
            log_error: None,
            session_errors: Vec::new(),
            session_input: Vec::new(),
            done_notice: None,
            self_management: None,
            outcomes: Vec::new(),
            pgic: String::new(),
        }
    }
}

fn parse_id(raw: &str) -> Result<PatientId, PageError> {
    raw.parse::<i64>()
        .map(PatientId)
        .map_err(|_| PageError(AppError::NotFound))
}

async fn view(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let mut page = PatientPage::new(&state, &user, patient, "");
    if page.clinician {
        page.account = state.store.patient_account(&user.actor, id).await?;
        // What has been recorded of this patient's care so far feeds the
        // theory engine; each part of the journey fills in more of it.
        let chart = state.care.chart(&user.actor, id).await?;
        // The record is judged as the caseload judges it: the monitoring
        // rules, then the theory against the same next contact.
        let assessed = match &chart {
            Some(c) => Some(
                state
                    .care
                    .judge_record(&user.actor, &c.record, state.care.now())
                    .await?,
            ),
            None => None,
        };
        page.monitor =
            super::monitor::load(&state, &user, id, chart.as_ref(), assessed.as_ref()).await?;
        page.mechanisms = assessed
            .as_ref()
            .map(|a| super::theory::MechanismsPanel::from_judgement(&a.judgement));
        let record = chart;
        page.messages = state.store.messages(&user.actor, id).await?;
        // A plan is written at discharge: none to look for while in care.
        if record
            .as_ref()
            .is_some_and(|r| r.episode.discharged_on.is_some())
        {
            page.self_management = self_management_of(&state, &user, id).await?;
            if let Some(r) = &record {
                let o = r.outcomes(rapport_care::chart::today_of(r));
                page.outcomes = super::outcomes::clinician_rows(&o);
                page.pgic = super::outcomes::pgic_words(o.pgic.discharge);
            }
        }
        page.episode = record.map(|r| r.episode);
        page.done_notice = q
            .recorded
            .as_ref()
            .map(|_| "Follow-up recorded; the next contact is dated again.");
    }
    Ok(page.into_response())
}

#[derive(Deserialize)]
struct ViewQuery {
    recorded: Option<String>,
}

#[derive(Deserialize)]
struct MeQuery {
    done: Option<String>,
    logged: Option<String>,
    sent: Option<String>,
}

impl PatientPage {
    /// Whether the refused session form had `value` for `name`.
    fn picked(&self, name: &str, value: impl std::fmt::Display) -> bool {
        let value = value.to_string();
        self.session_input
            .iter()
            .any(|(k, v)| k == name && *v == value)
    }

    /// The same for exercise `n`'s `field` (`e{n}.{field}`).
    fn item_picked(
        &self,
        n: impl std::fmt::Display,
        field: &str,
        value: impl std::fmt::Display,
    ) -> bool {
        self.picked(&format!("e{n}.{field}"), value)
    }

    /// Whether the refused form said anything optional of exercise `n`.
    fn item_detailed(&self, n: impl std::fmt::Display) -> bool {
        ["difficulty", "enjoyment", "pain_after"].iter().any(|f| {
            let key = format!("e{n}.{f}");
            self.session_input
                .iter()
                .any(|(k, v)| *k == key && !v.is_empty())
        })
    }

    /// What was typed for `name` in the refused session form.
    fn typed(&self, name: &str) -> &str {
        self.session_input
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

async fn me(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<MeQuery>,
) -> PageResult<Response> {
    let mut page = me_page(&state, &user).await?;
    page.thanks = q.done.is_some();
    page.done_notice = if q.logged.is_some() {
        Some("Session logged. Well done.")
    } else if q.sent.is_some() {
        Some("Message sent to your clinician.")
    } else {
        None
    };
    Ok(page.into_response())
}

/// The patient's home again, with a refused log's message by its form.
pub(crate) async fn render_me(
    state: &AppState,
    user: &CurrentUser,
    log_error: Option<(String, String)>,
) -> PageResult<Response> {
    let mut page = me_page(state, user).await?;
    page.log_error = log_error;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The patient's home again after a refused whole-session log: the errors
/// above the form, what was typed kept in it.
pub(crate) async fn render_me_session(
    state: &AppState,
    user: &CurrentUser,
    errors: Vec<String>,
    input: Vec<(String, String)>,
) -> PageResult<Response> {
    let mut page = me_page(state, user).await?;
    page.session_errors = errors;
    page.session_input = input;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn me_page(state: &AppState, user: &CurrentUser) -> Result<PatientPage, PageError> {
    require_patient(&user.auth)?;
    let id = user
        .auth
        .user
        .patient_id
        .ok_or(PageError(AppError::NotFound))?;
    let (patient, record, messages, self_management) = tokio::try_join!(
        async { Ok::<_, AppError>(state.store.patient_get(&user.actor, id).await?.value) },
        async { Ok(state.care.chart(&user.actor, id).await?) },
        async { Ok(state.store.messages(&user.actor, id).await?) },
        self_management_of(state, user, id),
    )?;
    let mut page = PatientPage::new(state, user, patient, "/me");
    page.self_management = self_management;
    page.monitor = super::monitor::load(state, user, id, record.as_ref(), None).await?;
    page.messages = messages;
    // Showing the feedback is the patient seeing it.
    if page
        .monitor
        .as_ref()
        .is_some_and(|m| !m.new_feedback.is_empty())
    {
        state.store.log_comments_seen(&user.actor).await?;
    }
    if let Some(record) = record {
        page.due = record
            .schedule(today())
            .into_iter()
            .filter(|i| i.status != rapport_domain::assessment::DueStatus::Done)
            .collect();
        page.reading = record
            .education
            .iter()
            .map(|a| {
                let title = state
                    .care
                    .education
                    .get(&a.item_id)
                    .map_or_else(|_| a.item_id.clone(), |i| i.title.clone());
                (a.id, title, a.read_at.is_some())
            })
            .collect();
    }
    Ok(page)
}

/// The latest version of the patient's self-management plan, and its day.
async fn self_management_of(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
) -> Result<Option<(i64, String)>, AppError> {
    Ok(state
        .care
        .self_management(&user.actor, id, None)
        .await?
        .map(|s| (s.version, s.written_on.to_string())))
}

async fn edit_form(
    State(state): State<AppState>,
    user: May<Writes<PatientDetails>>,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let current = state.store.patient_get(&user.actor, id).await?;
    let form = PatientForm::from_patient(&current.value, current.version);
    Ok(form_page(&user, &form, None, Some(id)).into_response())
}

async fn update(
    State(state): State<AppState>,
    user: May<Writes<PatientDetails>>,
    Path(id): Path<String>,
    Form(form): Form<PatientForm>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    match state
        .store
        .patient_update(&user.actor, id, &form.input(), form.version, today())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&user, &form, Some(&e), Some(id)),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
}

async fn invite(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    user: May<Writes<PatientDetails>>,
    Path(id): Path<String>,
    Form(form): Form<InviteForm>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let mut page = PatientPage::new(&state, &user, patient, "");
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => {
            page.invite_error = Some(AppError::from(e).public_message());
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state
        .store
        .invite_create(&user.actor, id, &email, state.config.invite_ttl)
        .await
    {
        Ok(invite) => {
            // Without a configured public address, the link uses the address the
            // clinician reached Rapport at.
            let base = state.config.public_url.clone().unwrap_or_else(|| {
                let host = headers
                    .get(axum::http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("localhost");
                format!("http://{host}")
            });
            page.invite_link = Some(format!(
                "{}/invite/{}",
                base.trim_end_matches('/'),
                invite.token
            ));
            page.invite_expires = invite.expires_at.strftime("%Y-%m-%d %H:%M UTC").to_string();
            Ok(page.into_response())
        }
        Err(StoreError::Conflict(m)) => {
            page.invite_error = Some(m);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
