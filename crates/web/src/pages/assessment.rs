//! The clinician's Holistic Assessment page: the intake, scores with bands
//! and stratum, beliefs, expectations (mismatches highlighted with what to
//! do), previous experience, red flags and the time points, on one screen.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rapport_care::CareError;
use rapport_domain::assessment::intake::Intake;
use rapport_domain::assessment::{BELIEFS, DueItem, Mismatch, RED_FLAGS, expectation_mismatches};
use rapport_domain::identity::PatientId;
use rapport_domain::instruments;
use rapport_domain::patient::Patient;
use rapport_store::{CareEpisode, StoreError};
use serde::Deserialize;

use super::{Layout, require, today};
use crate::AppState;
use crate::auth::ClinicalWork;
use crate::auth::{CurrentUser, May, Writes};
use crate::error::{AppError, PageResult};
use rapport_care::chart::day_of;
use rapport_domain::access::{Action, Area};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/assessment", get(page))
        .route("/patients/{id}/beliefs", post(review_beliefs))
        .route("/patients/{id}/red-flags/clear", post(clear_red_flags))
        .route("/patients/{id}/episode/discharge", post(discharge))
        .route("/patients/{id}/episode/open", post(open))
}

pub struct ScoreRow {
    pub name: &'static str,
    pub code: String,
    pub version: String,
    pub time_point: &'static str,
    pub date: String,
    pub total: String,
    pub range: String,
    pub subscales: String,
    pub band: String,
    pub mic: String,
    pub entered: &'static str,
}

pub struct BeliefRow {
    pub key: &'static str,
    pub label: &'static str,
    pub note: &'static str,
    pub patient_ticked: bool,
    pub confirmed: bool,
    /// Confirmed once and no longer held.
    pub reconciled: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment.html")]
struct Page {
    layout: Layout,
    patient: Patient,
    episode: Option<CareEpisode>,
    schedule: Vec<DueItem>,
    positives: Vec<&'static str>,
    intake: Option<Intake>,
    intake_complete: bool,
    mismatches: Vec<Mismatch>,
    stratum: Option<String>,
    scores: Vec<ScoreRow>,
    beliefs: Vec<BeliefRow>,
    beliefs_reviewed: Option<String>,
    beliefs_note: String,
    error: Option<String>,
    today: String,
}

impl Page {
    fn experience(
        &self,
        e: &Option<rapport_domain::assessment::intake::Experience>,
    ) -> &'static str {
        e.map_or("not answered", |e| e.label())
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

async fn build(state: &AppState, user: &CurrentUser, id: PatientId) -> Result<Page, AppError> {
    require(&user.auth, Area::ClinicalWork, Action::Read)?;
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let record = state.care.chart(&user.actor, id).await?;
    let mut page = Page {
        layout: Layout::user(
            &user.auth,
            format!("Assessment: {}", patient.display_name()),
            "",
        ),
        patient,
        episode: None,
        schedule: Vec::new(),
        positives: Vec::new(),
        intake: None,
        intake_complete: false,
        mismatches: Vec::new(),
        stratum: None,
        scores: Vec::new(),
        beliefs: Vec::new(),
        beliefs_reviewed: None,
        beliefs_note: String::new(),
        error: None,
        today: today().to_string(),
    };
    let Some(record) = record else {
        return Ok(page);
    };
    page.schedule = record.schedule(today());
    if let Some(rf) = record
        .forms
        .iter()
        .find(|f| f.form == "red_flags" && f.complete)
        && let Some(result) = &rf.result
    {
        page.positives = result["positive"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str())
                    .filter_map(red_flag_question)
                    .collect()
            })
            .unwrap_or_default();
    }
    if let Some((intake, _)) = record.intake() {
        page.intake_complete = record
            .forms
            .iter()
            .any(|f| f.form == "intake" && f.complete);
        page.mismatches = expectation_mismatches(&intake);
        page.intake = Some(intake);
    }
    page.stratum = record
        .stratum(rapport_care::chart::today_of(&record))
        .map(|s| s.label().to_string());
    for (f, score) in record.scores() {
        let instrument = instruments::find(&score.instrument).ok();
        page.scores.push(ScoreRow {
            name: instrument.map_or("", |i| i.name),
            code: score.instrument.clone(),
            version: score.version.clone(),
            time_point: f.time_point.label(),
            date: f
                .completed_at
                .map(|t| day_of(t).to_string())
                .unwrap_or_default(),
            total: score.total.map(fmt_num).unwrap_or_else(|| "—".into()),
            range: format!("{}–{}", fmt_num(score.total_min), fmt_num(score.total_max)),
            subscales: score
                .subscales
                .iter()
                .map(|(k, v)| format!("{k} {}", v.map(fmt_num).unwrap_or_else(|| "—".into())))
                .collect::<Vec<_>>()
                .join(", "),
            band: score
                .band
                .as_ref()
                .map(|b| b.label.clone())
                .unwrap_or_default(),
            mic: instrument
                .and_then(|i| i.mic.as_ref())
                .map(|m| m.describe())
                .unwrap_or_default(),
            entered: if f.on_behalf {
                "by clinician for the patient"
            } else {
                "by the patient"
            },
        });
    }
    let ticked: Vec<String> = page
        .intake
        .as_ref()
        .map(|i| i.worries.iter().cloned().collect())
        .unwrap_or_default();
    let confirmed = record.beliefs.as_ref().map(|b| b.confirmed.clone());
    let reconciled = record
        .beliefs
        .as_ref()
        .map(|b| b.reconciled.clone())
        .unwrap_or_default();
    page.beliefs_reviewed = record.beliefs.as_ref().map(|b| b.reviewed_on.to_string());
    page.beliefs_note = record
        .beliefs
        .as_ref()
        .map(|b| b.note.clone())
        .unwrap_or_default();
    page.beliefs = BELIEFS
        .iter()
        .map(|b| BeliefRow {
            key: b.key,
            label: b.label,
            note: b.clinician_note,
            patient_ticked: ticked.iter().any(|k| k == b.key),
            // Before a review, the patient's own ticks are the starting point.
            confirmed: confirmed
                .as_ref()
                .unwrap_or(&ticked)
                .iter()
                .any(|k| k == b.key),
            reconciled: reconciled.iter().any(|k| k == b.key),
        })
        .collect();
    page.episode = Some(record.episode);
    Ok(page)
}

fn red_flag_question(key: &str) -> Option<&'static str> {
    RED_FLAGS.iter().find(|f| f.key == key).map(|f| f.question)
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    Ok(build(&state, &user, PatientId(id)).await?.into_response())
}

/// Shows the page again with an error, after a refused form.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
    status: StatusCode,
    message: String,
) -> PageResult<Response> {
    let mut page = build(state, user, id).await?;
    page.error = Some(message);
    Ok((status, page).into_response())
}

async fn review_beliefs(
    State(state): State<AppState>,
    user: May<Writes<ClinicalWork>>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let id = PatientId(id);
    let mut confirmed = Vec::new();
    let mut reconciled = Vec::new();
    let mut note = String::new();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "confirmed" => confirmed.push(v.into_owned()),
            "reconciled" => reconciled.push(v.into_owned()),
            "note" => note = v.into_owned(),
            _ => {}
        }
    }
    let episode = state
        .store
        .episode_current(&user.actor, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match state
        .store
        .belief_review_save(
            &user.actor,
            episode.id,
            &confirmed,
            &reconciled,
            &note,
            today(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/assessment#beliefs")).into_response()),
        Err(StoreError::Invalid(e)) => {
            refused(
                &state,
                &user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}: {}", e.field, e.message),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ClearForm {
    #[serde(default)]
    reason: String,
}

async fn clear_red_flags(
    State(state): State<AppState>,
    user: May<Writes<ClinicalWork>>,
    Path(id): Path<i64>,
    Form(f): Form<ClearForm>,
) -> PageResult<Response> {
    let id = PatientId(id);
    match state.store.red_flag_clear(&user.actor, id, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/assessment")).into_response()),
        Err(StoreError::Invalid(e)) => {
            refused(
                &state,
                &user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Reason: {}", e.message),
            )
            .await
        }
        Err(StoreError::Conflict(m)) => refused(&state, &user, id, StatusCode::CONFLICT, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct DateForm {
    #[serde(default)]
    date: String,
    /// `outcomes` to come back to the outcomes page.
    #[serde(default)]
    next: String,
}

fn parse_date(raw: &str) -> Result<jiff::civil::Date, AppError> {
    if raw.trim().is_empty() {
        return Ok(today());
    }
    raw.trim().parse().map_err(|_| {
        AppError::Invalid(rapport_domain::FieldError::new(
            "date",
            "date",
            "must be a date written YYYY-MM-DD",
        ))
    })
}

async fn discharge(
    State(state): State<AppState>,
    user: May<Writes<ClinicalWork>>,
    Path(id): Path<i64>,
    Form(f): Form<DateForm>,
) -> PageResult<Response> {
    let id = PatientId(id);
    let date = match parse_date(&f.date) {
        Ok(d) => d,
        Err(e) => {
            return refused(
                &state,
                &user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                e.public_message(),
            )
            .await;
        }
    };
    match state.care.discharge(&user.actor, id, Some(date)).await {
        Ok(_) if f.next == "outcomes" => {
            Ok(Redirect::to(&format!("/patients/{id}/outcomes")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/assessment")).into_response()),
        Err(CareError::Invalid(e)) => {
            refused(
                &state,
                &user,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Discharge date: {}", e.message),
            )
            .await
        }
        Err(CareError::Store(StoreError::Conflict(m))) => {
            refused(&state, &user, id, StatusCode::CONFLICT, m).await
        }
        Err(e) => Err(AppError::from(e).into()),
    }
}

async fn open(
    State(state): State<AppState>,
    user: May<Writes<ClinicalWork>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let id = PatientId(id);
    match state.store.episode_open(&user.actor, id, today()).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/assessment")).into_response()),
        Err(StoreError::Conflict(m)) => refused(&state, &user, id, StatusCode::CONFLICT, m).await,
        Err(e) => Err(e.into()),
    }
}
