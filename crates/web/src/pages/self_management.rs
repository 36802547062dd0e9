//! The self-management plan: the clinician's form, prefilled with the draft
//! from the record (or the latest version, to write the next), and the
//! patient's plan in plain words, on the phone and printable. Both write and
//! read through `rapport_care::self_management`.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rapport_care::CareError;
use rapport_domain::FieldError;
use rapport_domain::exercise::Library;
use rapport_domain::identity::PatientId;
use rapport_domain::patient::Patient;
use rapport_domain::self_management::{
    ActivityInput, KeptExerciseInput, SelfManagementInput, SelfManagementPlan,
};
use rapport_store::{StoreError, StoredSelfManagementPlan};
use serde::Deserialize;

use super::{Layout, require_patient};
use crate::AppState;
use crate::auth::{CarePlan, CurrentUser, May, Writes};
use crate::error::{AppError, PageError, PageResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/self-management", get(form).post(save))
        .route("/patients/{id}/self-management/print", get(clinician_view))
        .route("/me/self-management", get(mine))
        .route("/me/self-management/print", get(mine_printed))
}

/// Blank rows offered under the exercises and the activities, to add one.
const BLANK_ROWS: usize = 2;

pub struct ExerciseRow {
    pub n: usize,
    pub exercise_id: String,
    pub name: String,
    pub dose: String,
    /// "Easier: …. Harder: …." from the library, for the chosen exercise.
    pub variants: String,
    pub errors: Vec<String>,
    /// The parts at fault (`exercise_id`, `name`, `dose`).
    pub bad: Vec<String>,
}

impl ExerciseRow {
    pub fn is_bad(&self, part: &str) -> bool {
        self.bad.iter().any(|b| b == part)
    }
}

pub struct ActivityRow {
    pub n: usize,
    pub activity: String,
    pub reached: bool,
    pub errors: Vec<String>,
}

/// A list of points typed one a line.
pub struct PointsField {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub text: String,
    pub errors: Vec<String>,
}

/// A broken rule as the form names it: where it is and what to do.
pub struct ErrorLine {
    pub anchor: String,
    pub label: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "self_management_form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub patient: Patient,
    /// The current episode is discharged, so the plan can be saved.
    pub discharged: bool,
    /// Where the prefilled text came from.
    pub source: String,
    pub notice: Option<String>,
    pub errors: Vec<ErrorLine>,
    pub exercises: Vec<ExerciseRow>,
    pub activities: Vec<ActivityRow>,
    pub points: Vec<PointsField>,
    pub options: Vec<(String, String)>,
    /// (version, written on) of the current plan's versions.
    pub versions: Vec<(i64, String)>,
    pub next_version: i64,
}

/// Where a field of the input is on the form, in words.
fn place(field: &str) -> (String, String) {
    let indexed = |rest: &str| -> Option<(usize, String)> {
        let (n, tail) = rest.strip_prefix('[')?.split_once(']')?;
        Some((n.parse().ok()?, tail.trim_start_matches('.').to_string()))
    };
    if let Some((n, part)) = field.strip_prefix("exercises").and_then(indexed) {
        let label = match part.as_str() {
            "exercise_id" => "exercise",
            "name" => "name",
            "dose" => "how much",
            other => other,
        };
        return (format!("e{n}-{part}"), format!("Exercise {n}, {label}"));
    }
    if let Some((n, _)) = field.strip_prefix("activities").and_then(indexed) {
        return (format!("a{n}-activity"), format!("Activity {n}"));
    }
    for (name, label) in POINT_FIELDS {
        if let Some(rest) = field.strip_prefix(name) {
            return match indexed(rest) {
                Some((n, _)) => (name.to_string(), format!("{label}, line {n}")),
                None => (name.to_string(), label.to_string()),
            };
        }
    }
    match field {
        "exercises" => ("e1-exercise_id".into(), "Exercises".into()),
        "activities" => ("a1-activity".into(), "Activities".into()),
        other => (other.to_string(), other.to_string()),
    }
}

const POINT_FIELDS: [(&str, &str); 3] = [
    ("flare_up", "In a flare-up"),
    ("seek_help", "When to seek help"),
    ("understanding", "What they now know"),
];

fn variants(lib: &Library, id: &str) -> String {
    let mut out = Vec::new();
    if let Some(e) = lib.easier(id.trim()) {
        out.push(format!("Easier: {}.", e.name));
    }
    if let Some(h) = lib.harder(id.trim()) {
        out.push(format!("Harder: {}.", h.name));
    }
    out.join(" ")
}

fn blank_exercise(e: &KeptExerciseInput) -> bool {
    e.exercise_id.trim().is_empty() && e.name.trim().is_empty() && e.dose.trim().is_empty()
}

impl FormPage {
    /// The form showing `input` (as typed, or prefilled), with `errors` by
    /// their fields and all of them listed at the top.
    fn fill(&mut self, input: &SelfManagementInput, errors: &[FieldError], lib: &Library) {
        let mut exercises = input.exercises.clone();
        while exercises.last().is_some_and(blank_exercise) {
            exercises.pop();
        }
        exercises.extend((0..BLANK_ROWS).map(|_| KeptExerciseInput::default()));
        let mut activities = input.activities.clone();
        while activities
            .last()
            .is_some_and(|a| a.activity.trim().is_empty())
        {
            activities.pop();
        }
        activities.extend((0..BLANK_ROWS).map(|_| ActivityInput::default()));
        let on = |prefix: String| -> Vec<String> {
            errors
                .iter()
                .filter(|e| e.field.starts_with(&prefix))
                .map(|e| e.message.clone())
                .collect()
        };
        self.exercises = exercises
            .iter()
            .enumerate()
            .map(|(i, e)| ExerciseRow {
                n: i + 1,
                exercise_id: e.exercise_id.trim().to_string(),
                name: e.name.clone(),
                dose: e.dose.clone(),
                variants: variants(lib, &e.exercise_id),
                errors: on(format!("exercises[{}].", i + 1)),
                bad: errors
                    .iter()
                    .filter_map(|x| x.field.strip_prefix(&format!("exercises[{}].", i + 1)))
                    .map(str::to_string)
                    .collect(),
            })
            .collect();
        let whole = |name: &str| -> Vec<String> {
            errors
                .iter()
                .filter(|e| e.field == name)
                .map(|e| e.message.clone())
                .collect()
        };
        if let Some(first) = self.exercises.first_mut() {
            first.errors.extend(whole("exercises"));
        }
        self.activities = activities
            .iter()
            .enumerate()
            .map(|(i, a)| ActivityRow {
                n: i + 1,
                activity: a.activity.clone(),
                reached: a.reached,
                errors: on(format!("activities[{}].", i + 1)),
            })
            .collect();
        if let Some(first) = self.activities.first_mut() {
            first.errors.extend(whole("activities"));
        }
        let text = |lines: &[String]| lines.join("\n");
        let hints = [
            "One point a line. Rapport's own advice is filled in; adapt it together.",
            "One point a line, the warning signs first.",
            "One point a line, in the patient's own words: what they have learnt about their back.",
        ];
        self.points = POINT_FIELDS
            .iter()
            .zip(hints)
            .zip([&input.flare_up, &input.seek_help, &input.understanding])
            .map(|(((name, label), hint), lines)| PointsField {
                name,
                label,
                hint,
                text: text(lines),
                errors: errors
                    .iter()
                    .filter(|e| {
                        e.field == *name
                            || e.field
                                .strip_prefix(name)
                                .is_some_and(|r| r.starts_with('['))
                    })
                    .map(|e| {
                        let (_, where_) = place(&e.field);
                        match where_.split_once(", ") {
                            Some((_, line)) => format!("{line}: {}", e.message),
                            None => e.message.clone(),
                        }
                    })
                    .collect(),
            })
            .collect();
        self.errors = errors
            .iter()
            .map(|e| {
                let (anchor, label) = place(&e.field);
                ErrorLine {
                    anchor,
                    label,
                    message: e.message.clone(),
                }
            })
            .collect();
    }
}

/// The form's text as the domain's input: rows `e3.dose` and `a2.activity`
/// in the order of their numbers (blank ones kept, so that errors count the
/// rows as shown), and a point a line.
fn input_of(body: &[u8]) -> SelfManagementInput {
    let mut exercises: BTreeMap<usize, KeptExerciseInput> = BTreeMap::new();
    let mut activities: BTreeMap<usize, ActivityInput> = BTreeMap::new();
    let mut input = SelfManagementInput::default();
    let lines = |v: &str| -> Vec<String> { v.lines().map(str::to_string).collect() };
    for (k, v) in form_urlencoded::parse(body) {
        let row = |prefix: char| {
            k.strip_prefix(prefix)
                .and_then(|r| r.split_once('.'))
                .and_then(|(n, f)| Some((n.parse::<usize>().ok()?, f.to_string())))
        };
        match k.as_ref() {
            "flare_up" => input.flare_up = lines(&v),
            "seek_help" => input.seek_help = lines(&v),
            "understanding" => input.understanding = lines(&v),
            _ => {
                if let Some((n, f)) = row('e') {
                    let e = exercises.entry(n).or_default();
                    match f.as_str() {
                        "exercise_id" => e.exercise_id = v.into_owned(),
                        "name" => e.name = v.into_owned(),
                        "dose" => e.dose = v.into_owned(),
                        _ => {}
                    }
                } else if let Some((n, f)) = row('a') {
                    let a = activities.entry(n).or_default();
                    match f.as_str() {
                        "activity" => a.activity = v.into_owned(),
                        "reached" => a.reached = true,
                        _ => {}
                    }
                }
            }
        }
    }
    input.exercises = exercises.into_values().collect();
    input.activities = activities.into_values().collect();
    input
}

#[derive(Deserialize)]
struct FormQuery {
    saved: Option<i64>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
) -> Result<(FormPage, SelfManagementInput, Arc<Library>), AppError> {
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let (draft, latest) = tokio::try_join!(
        state.care.self_management_draft(&user.actor, id),
        state.care.self_management(&user.actor, id, None),
    )?;
    let lib = state.care.library(user.auth.user.clinic_id).await?;
    // The latest version of this episode's plan, to write the next; else the draft.
    let current = latest
        .as_ref()
        .filter(|l| draft.as_ref().is_some_and(|d| d.episode_id == l.episode_id));
    let (prefill, source) = match (current, &draft) {
        (Some(l), _) => (
            l.plan.clone(),
            format!(
                "Filled in from version {} of {}; saving writes version {}.",
                l.version,
                l.written_on,
                l.version + 1
            ),
        ),
        (None, Some(d)) => (
            d.plan.clone(),
            "Drafted from the record: the exercises of the latest plan, the goals agreed, Rapport's flare-up and seek-help advice and, in plain words, the beliefs the patient let go of. Go through it together and change what you agree.".to_string(),
        ),
        (None, None) => (
            SelfManagementPlan {
                exercises: vec![],
                activities: vec![],
                flare_up: vec![],
                seek_help: vec![],
                understanding: vec![],
            },
            String::new(),
        ),
    };
    let mut options: Vec<(String, String)> = lib
        .all()
        .iter()
        .map(|e| (e.id.clone(), format!("{} — {}", e.name, e.category.label())))
        .collect();
    options.sort_by(|a, b| a.1.cmp(&b.1));
    let page = FormPage {
        layout: Layout::user(
            &user.auth,
            format!("Self-management plan: {}", patient.display_name()),
            "",
        ),
        discharged: draft.as_ref().is_some_and(|d| d.discharged),
        source,
        notice: None,
        errors: Vec::new(),
        exercises: Vec::new(),
        activities: Vec::new(),
        points: Vec::new(),
        options,
        versions: current
            .map(|l| {
                l.versions
                    .iter()
                    .map(|v| (v.version, v.written_on.to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        next_version: current.map_or(1, |l| l.version + 1),
        patient,
    };
    Ok((page, prefill.to_input(), lib))
}

async fn form(
    State(state): State<AppState>,
    user: May<Writes<CarePlan>>,
    Path(id): Path<i64>,
    Query(q): Query<FormQuery>,
) -> PageResult<Response> {
    let (mut page, input, lib) = form_page(&state, &user, PatientId(id)).await?;
    page.fill(&input, &[], &lib);
    page.notice = q
        .saved
        .map(|v| format!("Version {v} saved. The patient sees it on their phone."));
    Ok(page.into_response())
}

async fn save(
    State(state): State<AppState>,
    user: May<Writes<CarePlan>>,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult<Response> {
    let id = PatientId(id);
    let input = input_of(&body);
    let errors = match state
        .care
        .self_management_save(&user.actor, id, &input)
        .await
    {
        Ok(saved) => {
            return Ok(Redirect::to(&format!(
                "/patients/{id}/self-management?saved={}",
                saved.version
            ))
            .into_response());
        }
        Err(CareError::InvalidAll(errors)) => errors,
        Err(CareError::Invalid(e) | CareError::Store(StoreError::Invalid(e))) => vec![e],
        Err(e) => return Err(e.into()),
    };
    let (mut page, _, lib) = form_page(&state, &user, id).await?;
    page.fill(&input, &errors, &lib);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

// ---------------------------------------------------------------------------
// The plan in plain words: the patient's, and the clinician's copy of it.

pub struct ExerciseView {
    pub name: String,
    pub dose: String,
    pub easier: Option<String>,
    pub harder: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "self_management.html")]
pub struct PlanPage {
    pub layout: Layout,
    /// Whose plan, for the printed copy.
    pub name: String,
    pub plan: Option<PlanView>,
    pub print: bool,
    /// Where the printable copy is, `None` when this is it.
    pub print_link: Option<String>,
    /// The clinician's copy (links back to the form).
    pub patient_id: Option<i64>,
}

pub struct PlanView {
    pub version: i64,
    pub latest: i64,
    pub written_on: String,
    pub exercises: Vec<ExerciseView>,
    pub reached: Vec<String>,
    pub working_towards: Vec<String>,
    pub flare_up: Vec<String>,
    pub seek_help: Vec<String>,
    pub understanding: Vec<String>,
}

impl PlanView {
    fn of(s: &StoredSelfManagementPlan) -> PlanView {
        PlanView {
            version: s.version,
            latest: s.versions.last().map_or(s.version, |v| v.version),
            written_on: s.written_on.to_string(),
            exercises: s
                .plan
                .exercises
                .iter()
                .map(|e| ExerciseView {
                    name: e.name.clone(),
                    dose: e.dose.clone(),
                    easier: e.easier.as_ref().map(|v| v.name.clone()),
                    harder: e.harder.as_ref().map(|v| v.name.clone()),
                })
                .collect(),
            reached: s.plan.reached().map(|a| a.activity.clone()).collect(),
            working_towards: s
                .plan
                .working_towards()
                .map(|a| a.activity.clone())
                .collect(),
            flare_up: s.plan.flare_up.clone(),
            seek_help: s.plan.seek_help.clone(),
            understanding: s.plan.understanding.clone(),
        }
    }
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<i64>,
}

async fn my_page(
    state: &AppState,
    user: &CurrentUser,
    version: Option<i64>,
    print: bool,
) -> Result<Response, AppError> {
    require_patient(&user.auth)?;
    let me = user.auth.user.patient_id.ok_or(AppError::NotFound)?;
    let stored = state.care.self_management(&user.actor, me, version).await?;
    if version.is_some() && stored.is_none() {
        return Err(AppError::NotFound);
    }
    let query = version.map(|v| format!("?version={v}")).unwrap_or_default();
    Ok(PlanPage {
        layout: Layout::user(&user.auth, "Looking after your back", ""),
        name: user.auth.user.display_name.clone(),
        plan: stored.as_ref().map(PlanView::of),
        print,
        print_link: (!print).then(|| format!("/me/self-management/print{query}")),
        patient_id: None,
    }
    .into_response())
}

async fn mine(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<VersionQuery>,
) -> PageResult<Response> {
    Ok(my_page(&state, &user, q.version, false).await?)
}

async fn mine_printed(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<VersionQuery>,
) -> PageResult<Response> {
    Ok(my_page(&state, &user, q.version, true).await?)
}

/// The plan as the patient has it, printable, for their clinician.
async fn clinician_view(
    State(state): State<AppState>,
    user: May<Writes<CarePlan>>,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> PageResult<Response> {
    let id = PatientId(id);
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let stored = state
        .care
        .self_management(&user.actor, id, q.version)
        .await?
        .ok_or(PageError(AppError::NotFound))?;
    Ok(PlanPage {
        layout: Layout::user(
            &user.auth,
            format!("Self-management plan: {}", patient.display_name()),
            "",
        ),
        name: patient.display_name(),
        plan: Some(PlanView::of(&stored)),
        print: true,
        print_link: None,
        patient_id: Some(id.0),
    }
    .into_response())
}
