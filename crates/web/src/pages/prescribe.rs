//! The prescription: the builder's proposals, the plan editor with full
//! doses, progression and regression along an exercise's chain, versions with
//! what changed, the CERT/TIDieR report, and the patient's own plan and
//! printable handout.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rapport_domain::assessment::intake::Intake;
use rapport_domain::exercise::{Exercise, Library};
use rapport_domain::identity::PatientId;
use rapport_domain::patient::Patient;
use rapport_domain::prescription::builder::{self, PatientProfile};
use rapport_domain::prescription::cert::{self, ReportContext, ReportItem};
use rapport_domain::prescription::plan::describe_dose;
use rapport_domain::prescription::{
    Change, Delivery, LifeArea, Plan, PlanItem, PlanItemInput, Step, default_item, diff, step_item,
};
use rapport_store::{Prescription, StoreError};
use serde::Deserialize;

use super::{Layout, require, require_patient, today};
use crate::AppState;
use crate::auth::ClinicalWork;
use crate::auth::{CurrentUser, May, Reads};
use crate::error::{AppError, PageError, PageResult};
use rapport_care::chart::Chart;
use rapport_domain::access::{Action, Area};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/prescription", get(page).post(save))
        .route("/patients/{id}/prescription/edit", get(editor))
        .route("/patients/{id}/prescription/step", post(step))
        .route("/patients/{id}/prescription/report", get(report_page))
        .route("/me/plan", get(my_plan))
        .route("/me/plan/print", get(my_handout))
}

/// What the builder knows of the patient, from what has been recorded.
pub fn profile(record: &Chart) -> PatientProfile {
    let intake: Option<Intake> = record.intake().map(|(i, _)| i);
    let confirmed: Vec<String> = record
        .beliefs
        .as_ref()
        .map(|b| b.confirmed.clone())
        .or_else(|| intake.as_ref().map(|i| i.worries.iter().cloned().collect()))
        .unwrap_or_default();
    let tsk_high = record.scores().into_iter().any(|(_, s)| {
        s.instrument == "tsk11"
            && s.total
                .is_some_and(|t| t >= rapport_domain::theory::signals::TSK11_FEARFUL_AT_OR_ABOVE)
    });
    PatientProfile {
        minutes_per_day: intake.as_ref().and_then(|i| i.minutes_per_day),
        equipment: intake
            .as_ref()
            .map(|i| i.equipment.clone())
            .unwrap_or_default(),
        settings: intake
            .as_ref()
            .map(|i| i.settings.clone())
            .unwrap_or_default(),
        likes: intake
            .as_ref()
            .map(|i| i.preferences.clone())
            .unwrap_or_default(),
        dislikes: intake
            .as_ref()
            .map(|i| i.dislikes.clone())
            .unwrap_or_default(),
        fearful: tsk_high || builder::fearful_beliefs(&confirmed),
        feared: builder::feared_from_beliefs(&confirmed),
        stratum: record.stratum(rapport_care::chart::today_of(record)),
        goals: record.goals.iter().map(|g| g.goal.clone()).collect(),
    }
}

pub struct ItemView {
    pub index: usize,
    pub id: String,
    pub name: String,
    /// In clinical shorthand, for the clinician.
    pub dose: String,
    /// In words, for the patient.
    pub plain_dose: String,
    pub delivery: &'static str,
    pub why: String,
    pub goal: Option<String>,
    pub progression: String,
    pub regression: String,
    pub harder: Option<String>,
    pub easier: Option<String>,
    pub instructions: Vec<String>,
    pub cautions: Vec<String>,
}

pub struct VersionView {
    pub version: i64,
    pub date: String,
    pub reason: String,
    pub changes: Vec<String>,
}

pub struct ProposalView {
    pub id: String,
    pub name: String,
    pub category: &'static str,
    pub level: u8,
    pub minutes: String,
    pub reasons: Vec<String>,
    pub suggested: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "prescription.html")]
struct PrescriptionPage {
    layout: Layout,
    patient: Patient,
    gate: Option<String>,
    prescription_id: Option<i64>,
    items: Vec<ItemView>,
    minutes: String,
    budget: String,
    over_by: Option<String>,
    versions: Vec<VersionView>,
    proposals: Vec<ProposalView>,
    error: Option<String>,
}

pub(crate) fn name_of(lib: &Library, id: &str) -> String {
    lib.get(id)
        .map_or_else(|| id.to_string(), |e| e.name.clone())
}

pub(crate) fn change_text(lib: &Library, c: &Change) -> String {
    let from = c.from.as_deref().map(|id| name_of(lib, id));
    let to = c.to.as_deref().map(|id| name_of(lib, id));
    let what = match (from, to) {
        (Some(f), Some(t)) if f == t => f,
        (Some(f), Some(t)) => format!("{f} → {t}"),
        (Some(f), None) => f,
        (None, Some(t)) => t,
        (None, None) => String::new(),
    };
    let detail = if c.detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", c.detail)
    };
    format!("{}: {what}{detail}", capitalise(c.kind.label()))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn item_views(lib: &Library, plan: &Plan, goals: &[String]) -> Vec<ItemView> {
    plan.items
        .iter()
        .enumerate()
        .map(|(index, i)| {
            let e = lib.get(&i.exercise_id);
            ItemView {
                index,
                id: i.exercise_id.clone(),
                name: name_of(lib, &i.exercise_id),
                dose: describe_dose(&i.dose),
                plain_dose: rapport_domain::self_management::plain_dose(&i.dose),
                delivery: i.delivery.label(),
                why: i.why.clone(),
                goal: i.goal.and_then(|g| goals.get(g).cloned()),
                progression: i.progression_rule.clone(),
                regression: i.regression_rule.clone(),
                harder: lib.harder(&i.exercise_id).map(|h| h.name.clone()),
                easier: lib.easier(&i.exercise_id).map(|x| x.name.clone()),
                instructions: e.map(|e| e.instructions.clone()).unwrap_or_default(),
                cautions: e.map(|e| e.cautions.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

fn version_views(lib: &Library, p: Option<&Prescription>) -> Vec<VersionView> {
    p.map(|p| {
        p.versions
            .iter()
            .rev()
            .map(|v| VersionView {
                version: v.version,
                date: v.created_on.to_string(),
                reason: v.reason.clone(),
                changes: v.changes.iter().map(|c| change_text(lib, c)).collect(),
            })
            .collect()
    })
    .unwrap_or_default()
}

fn lookup(lib: &Library) -> impl Fn(&str) -> Option<Exercise> + '_ {
    move |id| lib.get(id).cloned()
}

struct Loaded {
    patient: Patient,
    record: Chart,
    lib: std::sync::Arc<Library>,
}

async fn load(state: &AppState, user: &CurrentUser, id: PatientId) -> Result<Loaded, AppError> {
    require(&user.auth, Area::ClinicalWork, Action::Read)?;
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let record = state.care.chart(&user.actor, id).await?.ok_or_else(|| {
        AppError::Conflict(
            "the patient has no episode of care; open one on the assessment page".into(),
        )
    })?;
    let lib = state.care.library(user.auth.user.clinic_id).await?;
    Ok(Loaded {
        patient,
        record,
        lib,
    })
}

async fn build_page(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
) -> Result<PrescriptionPage, AppError> {
    let Loaded {
        patient,
        record,
        lib,
    } = load(state, user, id).await?;
    let goals: Vec<String> = record
        .goals
        .iter()
        .map(|g| g.goal.activity.clone())
        .collect();
    let current = record.prescription.as_ref().and_then(|p| p.current());
    let plan = current.map(|v| v.plan.clone()).unwrap_or_default();
    let profile = profile(&record);
    let proposals = builder::propose(lib.all(), &profile);
    let suggested = builder::suggest_plan(lib.all(), &proposals, &profile);
    let minutes = plan.minutes_per_session(&lookup(&lib));
    let budget = f64::from(profile.minutes_per_day.unwrap_or(builder::DEFAULT_MINUTES));
    Ok(PrescriptionPage {
        layout: Layout::user(
            &user.auth,
            format!("Prescription: {}", patient.display_name()),
            "",
        ),
        gate: record
            .episode
            .red_flag
            .exercise_gate()
            .err()
            .map(str::to_string)
            .or_else(|| {
                record.episode.discharged_on.map(|d| {
                    format!("the episode was discharged on {d}; open a new one to prescribe")
                })
            }),
        prescription_id: record.prescription.as_ref().map(|p| p.id),
        items: item_views(&lib, &plan, &goals),
        minutes: format!("{minutes:.0}"),
        budget: format!("{budget:.0}"),
        over_by: (!plan.items.is_empty() && minutes > budget + 0.5)
            .then(|| format!("{:.0}", minutes - budget)),
        versions: version_views(&lib, record.prescription.as_ref()),
        proposals: proposals
            .iter()
            .take(15)
            .filter_map(|p| {
                let e = lib.get(&p.exercise_id)?;
                Some(ProposalView {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    category: e.category.label(),
                    level: e.level,
                    minutes: format!("{:.0}", p.minutes.max(1.0)),
                    reasons: p.reasons.clone(),
                    // A first plan is offered only while there is none.
                    suggested: plan.items.is_empty()
                        && suggested
                            .items
                            .iter()
                            .any(|s| s.exercise_id == p.exercise_id),
                })
            })
            .collect(),
        patient,
        error: None,
    })
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    Ok(build_page(&state, &user, PatientId(id))
        .await?
        .into_response())
}

// ---------------------------------------------------------------------------
// The editor

pub struct Row {
    pub n: usize,
    pub exercise_id: String,
    pub name: String,
    pub sets: String,
    pub reps: String,
    pub hold_seconds: String,
    pub duration_minutes: String,
    pub rest_seconds: String,
    pub per_week: String,
    pub weeks: String,
    pub load: String,
    pub intensity: String,
    pub progression_rule: String,
    pub regression_rule: String,
    pub delivery: String,
    pub goal: String,
    pub why: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "prescription_edit.html")]
struct EditorPage {
    layout: Layout,
    patient: Patient,
    rows: Vec<Row>,
    goals: Vec<(usize, String)>,
    options: Vec<(String, String)>,
    deliveries: Vec<(&'static str, &'static str)>,
    reason: String,
    co_designed: bool,
    /// (key, label, ticked) of each part of life the plan may cover.
    areas: Vec<(&'static str, &'static str, bool)>,
    minutes: String,
    budget: String,
    over_by: Option<String>,
    error: Option<String>,
    field: String,
}

impl Row {
    /// The numeric fields of the dose: (name, label, value).
    pub fn numbers(&self) -> Vec<(&'static str, &'static str, &str)> {
        vec![
            ("sets", "Sets", &self.sets),
            ("reps", "Repetitions", &self.reps),
            ("hold_seconds", "Hold (seconds)", &self.hold_seconds),
            (
                "duration_minutes",
                "Duration (minutes)",
                &self.duration_minutes,
            ),
            (
                "rest_seconds",
                "Rest between sets (seconds)",
                &self.rest_seconds,
            ),
            ("per_week", "Times a week", &self.per_week),
            ("weeks", "For how many weeks", &self.weeks),
        ]
    }
}

impl EditorPage {
    /// Whether the error is about this field of this row.
    fn bad(&self, n: &usize, name: &str) -> bool {
        self.field == format!("items[{n}].{name}")
    }
}

fn opt(v: Option<impl ToString>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn row_from_item(lib: &Library, n: usize, i: &PlanItem) -> Row {
    Row {
        n,
        exercise_id: i.exercise_id.clone(),
        name: name_of(lib, &i.exercise_id),
        sets: i.dose.sets.to_string(),
        reps: opt(i.dose.reps),
        hold_seconds: opt(i.dose.hold_seconds),
        duration_minutes: opt(i.dose.duration_minutes),
        rest_seconds: i.dose.rest_seconds.to_string(),
        per_week: i.dose.per_week.to_string(),
        weeks: i.dose.weeks.to_string(),
        load: i.dose.load.clone().unwrap_or_default(),
        intensity: i.dose.intensity.clone().unwrap_or_default(),
        progression_rule: i.progression_rule.clone(),
        regression_rule: i.regression_rule.clone(),
        delivery: i.delivery.as_str().into(),
        goal: opt(i.goal),
        why: i.why.clone(),
    }
}

/// A new item for an exercise at its default dose, with the chain's rules.
async fn editor(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    RawQuery(q): RawQuery,
) -> PageResult<Response> {
    let id = PatientId(id);
    let Loaded {
        patient,
        record,
        lib,
    } = load(&state, &user, id).await?;
    let picks: Vec<String> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "pick")
        .map(|(_, v)| v.into_owned())
        .collect();
    let current = record
        .prescription
        .as_ref()
        .and_then(|p| p.current())
        .map(|v| v.plan.clone())
        .unwrap_or_default();
    let profile = profile(&record);
    let proposals = builder::propose(lib.all(), &profile);
    let mut plan = current.clone();
    for pick in &picks {
        if plan.items.iter().any(|i| &i.exercise_id == pick) {
            continue;
        }
        let e = lib.get(pick).ok_or_else(|| {
            AppError::Invalid(rapport_domain::FieldError::new(
                "pick",
                "known",
                format!("`{pick}` is not in this clinic's library"),
            ))
        })?;
        let proposal = proposals.iter().find(|p| &p.exercise_id == pick);
        let why = proposal
            .and_then(|p| p.reasons.first().cloned())
            .unwrap_or_else(|| purpose(e));
        plan.items
            .push(default_item(&lib, e, why, proposal.and_then(|p| p.goal)));
    }
    let page = editor_page(
        &user,
        patient,
        &record,
        &lib,
        plan.items
            .iter()
            .enumerate()
            .map(|(n, i)| row_from_item(&lib, n + 1, i))
            .collect(),
        &plan,
        String::new(),
        // Only the clinician can say the plan was designed with the patient.
        Approach {
            co_designed: current.co_designed,
            whole_person: current.whole_person.clone(),
        },
        None,
        String::new(),
    );
    Ok(page.into_response())
}

/// What an exercise is for, in the patient's terms, when no reason of theirs applies.
fn purpose(e: &Exercise) -> String {
    use rapport_domain::exercise::Category;
    match e.category {
        Category::MotorControl => "Helps you control the muscles that support your back",
        Category::CoreEndurance => "Builds staying power in the muscles around your middle",
        Category::Strengthening => "Makes the muscles that carry your back stronger",
        Category::Mobility => "Keeps your back and hips moving freely",
        Category::Aerobic => "Regular activity eases back pain and builds fitness",
        Category::Pilates | Category::Yoga => {
            "Slow, controlled movement that builds strength and ease"
        }
        Category::Functional => "Practises an everyday task so it becomes easier",
        Category::GradedExposure => "Practises a movement in small steps to rebuild trust in it",
    }
    .to_string()
}

#[allow(clippy::too_many_arguments)]
fn editor_page(
    user: &CurrentUser,
    patient: Patient,
    record: &Chart,
    lib: &Library,
    rows: Vec<Row>,
    plan: &Plan,
    reason: String,
    approach: Approach,
    error: Option<String>,
    field: String,
) -> EditorPage {
    let minutes = plan.minutes_per_session(&lookup(lib));
    let budget = f64::from(
        profile(record)
            .minutes_per_day
            .unwrap_or(builder::DEFAULT_MINUTES),
    );
    EditorPage {
        layout: Layout::user(
            &user.auth,
            format!("Edit plan: {}", patient.display_name()),
            "",
        ),
        patient,
        rows,
        goals: record
            .goals
            .iter()
            .enumerate()
            .map(|(i, g)| (i, g.goal.activity.clone()))
            .collect(),
        options: lib
            .all()
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    format!("{} — {} (level {})", e.name, e.category.label(), e.level),
                )
            })
            .collect(),
        deliveries: Delivery::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        reason,
        co_designed: approach.co_designed,
        areas: LifeArea::ALL
            .iter()
            .map(|a| {
                (
                    a.as_str(),
                    a.label(),
                    approach
                        .whole_person
                        .as_ref()
                        .is_some_and(|w| w.contains(a)),
                )
            })
            .collect(),
        minutes: format!("{minutes:.0}"),
        budget: format!("{budget:.0}"),
        over_by: (minutes > budget + 0.5).then(|| format!("{:.0}", minutes - budget)),
        error,
        field,
    }
}

/// How the plan was made and what it covers besides the exercises.
#[derive(Debug, Clone, Default)]
struct Approach {
    co_designed: bool,
    /// `None` when the form did not ask (it always does now).
    whole_person: Option<std::collections::BTreeSet<LifeArea>>,
}

/// Rows of the editor form: `i3.sets` → row 3, field `sets`.
type EditorForm = (BTreeMap<usize, BTreeMap<String, String>>, String, Approach);

fn rows_of(body: &[u8]) -> Result<EditorForm, AppError> {
    let mut rows: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    let mut reason = String::new();
    let mut approach = Approach::default();
    for (k, v) in form_urlencoded::parse(body) {
        if k == "reason" {
            reason = v.into_owned();
        } else if k == "co_designed" {
            approach.co_designed = true;
        } else if k == "whole_person_asked" {
            approach.whole_person.get_or_insert_with(Default::default);
        } else if k == "covers" {
            let area = LifeArea::parse(&v).ok_or_else(|| {
                AppError::Invalid(rapport_domain::FieldError::new(
                    "covers",
                    "one_of",
                    "is not a part of life the plan can cover",
                ))
            })?;
            approach
                .whole_person
                .get_or_insert_with(Default::default)
                .insert(area);
        } else if let Some((n, field)) = k.strip_prefix('i').and_then(|r| r.split_once('.'))
            && let Ok(n) = n.parse::<usize>()
        {
            rows.entry(n)
                .or_default()
                .insert(field.to_string(), v.into_owned());
        }
    }
    Ok((rows, reason, approach))
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult<Response> {
    let id = PatientId(id);
    let Loaded {
        patient,
        record,
        lib,
    } = load(&state, &user, id).await?;
    let (raw_rows, reason, approach) = rows_of(&body)?;
    let get = |r: &BTreeMap<String, String>, k: &str| r.get(k).cloned().unwrap_or_default();
    let kept: Vec<(usize, &BTreeMap<String, String>)> = raw_rows
        .iter()
        .filter(|(_, r)| get(r, "remove").is_empty() && !get(r, "exercise_id").trim().is_empty())
        .map(|(n, r)| (*n, r))
        .collect();
    let inputs: Vec<PlanItemInput> = kept
        .iter()
        .map(|(_, r)| PlanItemInput {
            exercise_id: get(r, "exercise_id"),
            sets: get(r, "sets"),
            reps: get(r, "reps"),
            hold_seconds: get(r, "hold_seconds"),
            duration_minutes: get(r, "duration_minutes"),
            rest_seconds: get(r, "rest_seconds"),
            per_week: get(r, "per_week"),
            weeks: get(r, "weeks"),
            load: get(r, "load"),
            intensity: get(r, "intensity"),
            progression_rule: get(r, "progression_rule"),
            regression_rule: get(r, "regression_rule"),
            delivery: get(r, "delivery"),
            goal: get(r, "goal"),
            why: get(r, "why"),
        })
        .collect();
    let exists = |x: &str| lib.get(x).is_some();
    let validated =
        rapport_domain::prescription::validate_items(&inputs, &exists, record.goals.len());
    let rows = || -> Vec<Row> {
        inputs
            .iter()
            .enumerate()
            .map(|(i, x)| Row {
                n: i + 1,
                name: name_of(&lib, &x.exercise_id),
                exercise_id: x.exercise_id.clone(),
                sets: x.sets.clone(),
                reps: x.reps.clone(),
                hold_seconds: x.hold_seconds.clone(),
                duration_minutes: x.duration_minutes.clone(),
                rest_seconds: x.rest_seconds.clone(),
                per_week: x.per_week.clone(),
                weeks: x.weeks.clone(),
                load: x.load.clone(),
                intensity: x.intensity.clone(),
                progression_rule: x.progression_rule.clone(),
                regression_rule: x.regression_rule.clone(),
                delivery: x.delivery.clone(),
                goal: x.goal.clone(),
                why: x.why.clone(),
            })
            .collect()
    };
    let items = match validated {
        Ok(items) => items,
        Err(rapport_domain::Error::Invalid(e)) => {
            let page = editor_page(
                &user,
                patient,
                &record,
                &lib,
                rows(),
                &Plan::default(),
                reason,
                approach,
                Some(format!("{}: {}", e.field, e.message)),
                e.field,
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let plan = Plan {
        items,
        co_designed: approach.co_designed,
        whole_person: approach.whole_person.clone(),
    };
    let previous = record
        .prescription
        .as_ref()
        .and_then(|p| p.current())
        .map(|v| v.plan.clone())
        .unwrap_or_default();
    let changes = diff(&previous, &plan, &|a, b| lib.chain_step(a, b));
    if changes.is_empty() && record.prescription.is_some() {
        return Ok(Redirect::to(&format!("/patients/{id}/prescription")).into_response());
    }
    match state
        .store
        .prescription_save(&user.actor, id, &plan, &changes, &reason, today())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/prescription")).into_response()),
        Err(StoreError::Conflict(m)) => {
            let page = editor_page(
                &user,
                patient,
                &record,
                &lib,
                rows(),
                &plan,
                reason,
                approach,
                Some(format!("Not saved: {m}")),
                String::new(),
            );
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// +1 if `b` is a harder step of `a`'s chain, -1 if easier, 0 otherwise.
#[derive(Deserialize)]
struct StepForm {
    index: usize,
    direction: String,
    #[serde(default)]
    reason: String,
}

/// Moves one exercise one step along its chain: the next harder or easier
/// variant at its default dose. A new version records it with the reason.
async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> PageResult<Response> {
    let id = PatientId(id);
    let Loaded { record, lib, .. } = load(&state, &user, id).await?;
    step_plan(
        &state,
        &user,
        &record,
        &lib,
        f.index,
        &f.direction,
        &f.reason,
    )
    .await?;
    Ok(Redirect::to(&format!("/patients/{id}/prescription")).into_response())
}

/// Saves a new plan version with exercise `index` one step easier or harder
/// along its chain; returns the prescription with the new version.
pub(crate) async fn step_plan(
    state: &AppState,
    user: &CurrentUser,
    record: &Chart,
    lib: &Library,
    index: usize,
    direction: &str,
    reason: &str,
) -> Result<Prescription, AppError> {
    let id = record.episode.patient_id;
    let current = record
        .prescription
        .as_ref()
        .and_then(|p| p.current())
        .map(|v| v.plan.clone())
        .ok_or(AppError::NotFound)?;
    let step = Step::parse(direction).ok_or(AppError::NotFound)?;
    let name = current
        .items
        .get(index)
        .map(|i| name_of(lib, &i.exercise_id))
        .ok_or(AppError::NotFound)?;
    let (plan, changes) = match step_item(&current, index, step, lib) {
        Ok(stepped) => stepped,
        Err(rapport_domain::Error::Invalid(e)) => return Err(AppError::Conflict(e.message)),
        Err(e) => return Err(e.into()),
    };
    let reason = if reason.trim().is_empty() {
        format!("{name} made {direction}")
    } else {
        reason.to_string()
    };
    match state
        .store
        .prescription_save(&user.actor, id, &plan, &changes, &reason, today())
        .await
    {
        Ok(p) => Ok(p),
        Err(StoreError::Conflict(m)) => Err(AppError::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// CERT and TIDieR

/// Builds the report context of a prescription's current version.
/// The parts of a report on `prescription`, with the rest of the patient's
/// record (goals, education, what it was tailored to) from `record`.
pub async fn report_context_parts(
    state: &AppState,
    actor: &rapport_store::Actor,
    prescription: &Prescription,
    record: Option<&Chart>,
) -> Result<ReportParts, AppError> {
    let lib = state.care.library(actor.clinic_id).await?;
    let plan = prescription
        .current()
        .map(|v| v.plan.clone())
        .unwrap_or_default();
    let exercises: Vec<Exercise> = plan
        .items
        .iter()
        .filter_map(|i| lib.get(&i.exercise_id).cloned())
        .collect();
    let changes: Vec<Change> = prescription
        .versions
        .iter()
        .flat_map(|v| v.changes.clone())
        .collect();
    let (education, goals_agreed, tailored) = match record {
        Some(r) => {
            let p = profile(r);
            let mut tailored = Vec::new();
            if !p.goals.is_empty() {
                tailored.push(format!(
                    "goals: {}",
                    p.goals
                        .iter()
                        .map(|g| g.activity.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !p.likes.is_empty() {
                tailored.push(format!(
                    "preferences: {}",
                    p.likes
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(m) = p.minutes_per_day {
                tailored.push(format!("time available: {m} minutes a day"));
            }
            if !p.equipment.is_empty() || r.intake().is_some() {
                tailored.push(format!(
                    "equipment: {}",
                    if p.equipment.is_empty() {
                        "none".to_string()
                    } else {
                        p.equipment
                            .iter()
                            .map(|q| q.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            }
            if p.fearful {
                tailored.push("fear of movement: graded exposure, gentle starting level".into());
            }
            if let Some(s) = &p.stratum {
                tailored.push(format!("STarT Back risk: {s}"));
            }
            (
                r.education
                    .iter()
                    .map(|a| {
                        state
                            .care
                            .education
                            .get(&a.item_id)
                            .map_or_else(|_| a.item_id.clone(), |i| i.title.clone())
                    })
                    .collect(),
                r.goals.iter().filter(|g| g.goal.agreed_together).count(),
                tailored,
            )
        }
        None => (Vec::new(), 0, Vec::new()),
    };
    Ok((plan, exercises, changes, education, goals_agreed, tailored))
}

/// The plan, its exercises, every change so far, education titles, the
/// number of goals agreed together, and how it was tailored.
pub type ReportParts = (
    Plan,
    Vec<Exercise>,
    Vec<Change>,
    Vec<String>,
    usize,
    Vec<String>,
);

pub fn reports(parts: &ReportParts) -> (Vec<ReportItem>, Vec<ReportItem>) {
    let (plan, exercises, changes, education, goals_agreed, tailored) = parts;
    let ctx = ReportContext {
        plan,
        exercises: exercises.clone(),
        changes,
        provider: None,
        education: education.clone(),
        goals_agreed: *goals_agreed,
        tailored_from: tailored.clone(),
        adherence_logged: None,
        adverse_events: None,
    };
    (cert::cert(&ctx), cert::tidier(&ctx))
}

#[derive(Template, WebTemplate)]
#[template(path = "prescription_report.html")]
struct ReportPage {
    layout: Layout,
    patient: Patient,
    prescription_id: i64,
    version: i64,
    cert: Vec<ReportItem>,
    tidier: Vec<ReportItem>,
    complete: usize,
}

async fn report_page(
    State(state): State<AppState>,
    user: May<Reads<ClinicalWork>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let id = PatientId(id);
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    // One load of the record serves both the prescription and its context.
    let record = state.care.chart(&user.actor, id).await?;
    let prescription = record
        .as_ref()
        .and_then(|r| r.prescription.clone())
        .ok_or(PageError(AppError::NotFound))?;
    let parts = report_context_parts(&state, &user.actor, &prescription, record.as_ref()).await?;
    let (cert, tidier) = reports(&parts);
    Ok(ReportPage {
        layout: Layout::user(&user.auth, "CERT and TIDieR", ""),
        patient,
        prescription_id: prescription.id,
        version: prescription.current().map_or(0, |v| v.version),
        complete: cert.iter().filter(|i| i.complete).count(),
        cert,
        tidier,
    }
    .into_response())
}

// ---------------------------------------------------------------------------
// The patient's plan

#[derive(Template, WebTemplate)]
#[template(path = "my_plan.html")]
struct MyPlanPage {
    layout: Layout,
    items: Vec<ItemView>,
    since: String,
    changes: Vec<String>,
    minutes: String,
    print: bool,
    name: String,
}

async fn my_plan_page(
    state: &AppState,
    user: &CurrentUser,
    print: bool,
) -> Result<MyPlanPage, AppError> {
    require_patient(&user.auth)?;
    let me = user.auth.user.patient_id.ok_or(AppError::NotFound)?;
    let lib = state.care.library(user.auth.user.clinic_id).await?;
    let prescription = state.store.prescription_current(&user.actor, me).await?;
    let goals: Vec<String> = state
        .store
        .goals_list(&user.actor, me)
        .await?
        .into_iter()
        .map(|g| g.goal.activity)
        .collect();
    let current = prescription.as_ref().and_then(|p| p.current());
    let plan = current.map(|v| v.plan.clone()).unwrap_or_default();
    Ok(MyPlanPage {
        layout: Layout::user(&user.auth, "My exercise plan", "/me/plan"),
        items: item_views(&lib, &plan, &goals),
        since: current
            .map(|v| v.created_on.to_string())
            .unwrap_or_default(),
        changes: current
            .map(|v| v.changes.iter().map(|c| change_text(&lib, c)).collect())
            .unwrap_or_default(),
        minutes: format!("{:.0}", plan.minutes_per_session(&lookup(&lib))),
        print,
        name: user.auth.user.display_name.clone(),
    })
}

async fn my_plan(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    Ok(my_plan_page(&state, &user, false).await?.into_response())
}

async fn my_handout(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    Ok(my_plan_page(&state, &user, true).await?.into_response())
}
