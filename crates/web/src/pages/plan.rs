//! Shared goals, tailored education and the prescription: the clinician's
//! Plan page, and the patient's reading.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rapport_domain::education::EducationItem;
use rapport_domain::identity::PatientId;
use rapport_domain::patient::Patient;
use rapport_domain::prescription::GoalInput;
use rapport_store::{EducationAssignment, StoreError, StoredGoal};
use serde::Deserialize;

use super::{Layout, require, require_patient, today};
use crate::AppState;
use crate::auth::CarePlan;
use crate::auth::{CurrentUser, May, Writes};
use crate::error::{AppError, PageError, PageResult};
use rapport_domain::access::{Action, Area};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/plan", get(page))
        .route("/patients/{id}/goals", post(add_goal))
        .route("/patients/{id}/education", post(assign))
        .route("/me/education/{assignment}", get(read_page))
        .route("/me/education/{assignment}/read", post(mark_read))
}

pub struct GoalRow {
    pub activity: String,
    pub from_to: String,
    pub by: String,
    pub agreed: Option<String>,
}

pub struct AssignedRow {
    pub title: String,
    pub read: Option<String>,
}

pub struct ProposedRow {
    pub id: String,
    pub title: String,
    pub reason: String,
    pub minutes: u16,
}

#[derive(Default)]
pub struct GoalForm {
    pub activity: String,
    pub current_level: String,
    pub target_level: String,
    pub by: String,
    pub agreed_together: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub layout: Layout,
    pub patient: Patient,
    pub open_episode: bool,
    pub goals: Vec<GoalRow>,
    pub goal_form: GoalForm,
    pub assigned: Vec<AssignedRow>,
    pub proposed: Vec<ProposedRow>,
    pub error: Option<String>,
    pub field: String,
}

fn goal_row(g: &StoredGoal) -> GoalRow {
    GoalRow {
        activity: g.goal.activity.clone(),
        from_to: format!("{} → {} of 10", g.goal.current_level, g.goal.target_level),
        by: g.goal.by.to_string(),
        agreed: g
            .goal
            .agreed_on
            .filter(|_| g.goal.agreed_together)
            .map(|d| d.to_string()),
    }
}

fn title_of(state: &AppState, id: &str) -> String {
    state
        .care
        .education
        .get(id)
        .map_or_else(|_| id.to_string(), |i| i.title.clone())
}

pub async fn build(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
) -> Result<PlanPage, AppError> {
    require(&user.auth, Area::ClinicalWork, Action::Read)?;
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let record = state.care.chart(&user.actor, id).await?;
    // The record already holds the goals and the reading of the episode.
    let goals: Vec<StoredGoal> = record.as_ref().map(|r| r.goals.clone()).unwrap_or_default();
    let assigned: Vec<EducationAssignment> = record
        .as_ref()
        .map(|r| r.education.clone())
        .unwrap_or_default();
    let assigned_ids: Vec<String> = assigned.iter().map(|a| a.item_id.clone()).collect();
    let confirmed: Vec<String> = record
        .as_ref()
        .and_then(|r| r.beliefs.as_ref())
        .map(|b| b.confirmed.clone())
        .unwrap_or_default();
    let proposed = state
        .care
        .education
        .propose(
            &confirmed,
            record
                .as_ref()
                .and_then(|r| r.stratum(rapport_care::chart::today_of(r))),
            &assigned_ids,
        )
        .into_iter()
        .take(6)
        .filter_map(|p| {
            let item = state.care.education.get(&p.item_id).ok()?;
            Some(ProposedRow {
                id: p.item_id,
                title: item.title.clone(),
                reason: p.reason,
                minutes: item.reading_minutes,
            })
        })
        .collect();
    Ok(PlanPage {
        layout: Layout::user(&user.auth, format!("Plan: {}", patient.display_name()), ""),
        open_episode: record
            .as_ref()
            .is_some_and(|r| r.episode.discharged_on.is_none()),
        patient,
        goals: goals.iter().map(goal_row).collect(),
        goal_form: GoalForm {
            agreed_together: true,
            ..Default::default()
        },
        assigned: assigned
            .iter()
            .map(|a| AssignedRow {
                title: title_of(state, &a.item_id),
                read: a
                    .read_at
                    .map(|t| rapport_care::chart::day_of(t).to_string()),
            })
            .collect(),
        proposed,
        error: None,
        field: String::new(),
    })
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    Ok(build(&state, &user, PatientId(id)).await?.into_response())
}

#[derive(Deserialize)]
struct GoalFormIn {
    #[serde(default)]
    activity: String,
    #[serde(default)]
    current_level: String,
    #[serde(default)]
    target_level: String,
    #[serde(default)]
    by: String,
    agreed_together: Option<String>,
}

async fn add_goal(
    State(state): State<AppState>,
    user: May<Writes<CarePlan>>,
    Path(id): Path<i64>,
    Form(f): Form<GoalFormIn>,
) -> PageResult<Response> {
    let id = PatientId(id);
    let input = GoalInput {
        activity: f.activity.clone(),
        current_level: f.current_level.clone(),
        target_level: f.target_level.clone(),
        by: f.by.clone(),
        agreed_together: f.agreed_together.is_some(),
    };
    let goal = match input.validate(today()) {
        Ok(g) => g,
        Err(rapport_domain::Error::Invalid(e)) => {
            let mut page = build(&state, &user, id).await?;
            page.error = Some(format!("{}: {}", e.field, e.message));
            page.field = e.field;
            page.goal_form = GoalForm {
                activity: f.activity,
                current_level: f.current_level,
                target_level: f.target_level,
                by: f.by,
                agreed_together: f.agreed_together.is_some(),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    match state.store.goal_add(&user.actor, id, &goal).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/plan#goals")).into_response()),
        Err(StoreError::Conflict(m)) => Err(PageError(AppError::Conflict(m))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    item: String,
}

async fn assign(
    State(state): State<AppState>,
    user: May<Writes<CarePlan>>,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> PageResult<Response> {
    let id = PatientId(id);
    state.care.education.get(&f.item)?;
    match state.store.education_assign(&user.actor, id, &f.item).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/plan#education")).into_response()),
        Err(StoreError::Conflict(m)) => Err(PageError(AppError::Conflict(m))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "education_item.html")]
struct ReadPage {
    layout: Layout,
    item: EducationItem,
    assignment: i64,
    read: bool,
}

async fn assignment_of(
    state: &AppState,
    user: &CurrentUser,
    assignment: i64,
) -> Result<EducationAssignment, PageError> {
    require_patient(&user.auth)?;
    let me = user
        .auth
        .user
        .patient_id
        .ok_or(PageError(AppError::NotFound))?;
    state
        .store
        .education_list(&user.actor, me)
        .await?
        .into_iter()
        .find(|a| a.id == assignment)
        .ok_or(PageError(AppError::NotFound))
}

async fn read_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(assignment): Path<i64>,
) -> PageResult<Response> {
    let a = assignment_of(&state, &user, assignment).await?;
    let item = state.care.education.get(&a.item_id)?.clone();
    Ok(ReadPage {
        layout: Layout::user(&user.auth, item.title.clone(), ""),
        item,
        assignment,
        read: a.read_at.is_some(),
    }
    .into_response())
}

async fn mark_read(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(assignment): Path<i64>,
) -> PageResult<Response> {
    let a = assignment_of(&state, &user, assignment).await?;
    state.store.education_mark_read(&user.actor, a.id).await?;
    Ok(Redirect::to("/me").into_response())
}
