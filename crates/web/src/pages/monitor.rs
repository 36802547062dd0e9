//! Support between visits, on the patient's page: today's exercises and a
//! few-tap log for the patient; adherence, flags, the next contact, logs with
//! feedback, follow-ups and messages for the clinician. The numbers come
//! from the domain's monitoring rules, on the patient's own calendar.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use jiff::civil::Date;
use rapport_care::contacts::PlanStep;
use rapport_domain::exercise::Library;
use rapport_domain::identity::PatientId;
use rapport_domain::monitoring::{self, AdherenceReport, Flag, LogInput, NextContact, Thresholds};
use rapport_domain::prescription::Step;
use rapport_domain::theory::episode::Completion;
use rapport_domain::theory::episode::Practice;
use rapport_store::{ContactPractice, FollowUpInput, LogSource, StoreError, StoredFollowUp};
use serde::Deserialize;

use super::prescribe::{change_text, name_of};
use super::require_patient;
use crate::AppState;
use crate::auth::{CarePlan, ClinicalWork};
use crate::auth::{CurrentUser, May, Writes};
use crate::error::{AppError, PageError, PageResult};
use rapport_care::chart::Chart;
use rapport_care::judgement::Assessed;
use rapport_domain::record::EpisodeRecord;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/logs", post(me_log))
        .route("/me/session", post(me_session))
        .route("/me/messages", post(me_message))
        .route("/patients/{id}/follow-ups", post(follow_up))
        .route("/patients/{id}/logs/{log}/comments", post(comment))
        .route("/patients/{id}/messages", post(clinician_message))
}

/// One exercise of today's plan.
pub struct TodayItem {
    pub exercise_id: String,
    pub name: String,
    pub dose: String,
    pub sets: u8,
    pub reps: Option<u16>,
    pub minutes: Option<u16>,
    pub per_week: u8,
    pub logged_today: bool,
    pub this_week: u32,
}

pub struct LogView {
    pub id: i64,
    pub date: Date,
    pub exercise: String,
    pub completion: &'static str,
    pub detail: String,
    pub note: Option<String>,
    pub comments: Vec<rapport_store::LogComment>,
}

pub struct FlagView {
    pub severity: &'static str,
    pub label: &'static str,
    pub reason: String,
    /// (CMOC id, grade)
    pub cmocs: Vec<(String, &'static str)>,
}

/// A plan change the patient should hear about.
pub struct PlanChange {
    pub on: Date,
    pub reason: String,
    pub changes: Vec<String>,
}

pub struct MonitorView {
    pub today: Date,
    pub time_zone: String,
    pub today_items: Vec<TodayItem>,
    /// Newest first.
    pub logs: Vec<LogView>,
    pub adherence_text: String,
    pub flags: Vec<FlagView>,
    /// None once the episode is discharged: there is no next contact.
    pub next: Option<NextContact>,
    pub follow_ups: Vec<StoredFollowUp>,
    /// The steps a follow-up may take: (value `INDEX:easier|harder`, label).
    pub steps: Vec<(String, String)>,
    /// The consultation checklist: (key, what the clinician ticks).
    pub practices: Vec<(&'static str, &'static str)>,
    pub latest_change: Option<PlanChange>,
    /// Comments on the patient's logs not yet seen: (date, exercise, author, text).
    pub new_feedback: Vec<(Date, String, String, String)>,
    pub charts: Charts,
}

/// Server-drawn charts, as inline SVG with a text alternative.
#[derive(Default)]
pub struct Charts {
    pub adherence: String,
    pub pain: String,
    pub scores: String,
}

fn completion_label(c: Completion) -> &'static str {
    match c {
        Completion::Completed => "Done",
        Completion::Partly => "Partly done",
        Completion::Skipped => "Skipped",
    }
}

fn log_detail(l: &monitoring::SessionLog) -> String {
    let mut parts = Vec::new();
    if let Some(r) = l.skip_reason {
        parts.push(format!("reason: {}", r.label()));
    }
    match (l.pain_before, l.pain_after) {
        (Some(b), Some(a)) => parts.push(format!("pain {b} → {a}")),
        (None, Some(a)) => parts.push(format!("pain after {a}")),
        _ => {}
    }
    if let Some(d) = l.difficulty {
        parts.push(format!("difficulty {d}/5"));
    }
    if let Some(e) = l.enjoyment {
        parts.push(format!("enjoyment {e}/5"));
    }
    match (l.sets, l.reps, l.minutes) {
        (Some(s), Some(r), _) => parts.push(format!("{s} × {r}")),
        (_, _, Some(m)) => parts.push(format!("{m} min")),
        _ => {}
    }
    parts.join(", ")
}

/// Flags and the next contact on `today` of a record; `None` once discharged.
pub fn assess(
    record: &EpisodeRecord,
    thresholds: &Thresholds,
    lib: &Library,
    today: Date,
) -> Option<(Vec<Flag>, NextContact)> {
    rapport_care::judgement::monitor(record, today, thresholds, lib)
}

/// The monitoring panel of a patient's chart. Flags and the next contact are
/// the judgement's when given (the one the caseload makes), else worked out
/// the same way; the lists are the chart's record; notes and feedback come
/// with the logs and contacts as stored.
pub async fn load(
    state: &AppState,
    user: &CurrentUser,
    patient: PatientId,
    chart: Option<&Chart>,
    assessed: Option<&Assessed<'_>>,
) -> Result<Option<MonitorView>, AppError> {
    let Some(chart) = chart else {
        return Ok(None);
    };
    let Some(m) = state.store.monitoring(&user.actor, patient).await? else {
        return Ok(None);
    };
    let record = &chart.record.record;
    let lib = state.care.library(user.actor.clinic_id).await?;
    let today = monitoring::local_today(state.care.now(), &m.zone());
    let judged = match assessed {
        Some(a) => a.monitoring.clone(),
        None => assess(record, &m.thresholds, &lib, today),
    };
    let (flags, next) = match judged {
        Some((flags, next)) => (flags, Some(next)),
        None => (Vec::new(), None),
    };
    let adherence = monitoring::adherence::report(
        &record.plans,
        &record.logs,
        today,
        record.discharged_on,
        &m.thresholds,
    );
    let monday = today
        .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .unwrap_or(today);
    let plan_today = monitoring::plan_on(&record.plans, today);
    let today_items = plan_today
        .map(|p| {
            p.items
                .iter()
                .map(|i| {
                    let mine = record
                        .logs
                        .iter()
                        .filter(|l| l.exercise_id == i.exercise_id);
                    TodayItem {
                        exercise_id: i.exercise_id.clone(),
                        name: name_of(&lib, &i.exercise_id),
                        dose: rapport_domain::self_management::plain_dose(&i.dose),
                        sets: i.dose.sets,
                        reps: i.dose.reps,
                        minutes: i.dose.duration_minutes,
                        per_week: i.dose.per_week,
                        logged_today: mine.clone().any(|l| l.date == today),
                        this_week: u32::try_from(
                            mine.filter(|l| l.date >= monday && l.date <= today && l.is_session())
                                .count(),
                        )
                        .unwrap_or(0),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut steps = Vec::new();
    for (n, i) in plan_today.iter().flat_map(|p| p.items.iter().enumerate()) {
        let name = name_of(&lib, &i.exercise_id);
        if let Some(e) = lib.easier(&i.exercise_id) {
            steps.push((
                format!("{n}:easier"),
                format!("{name} → easier: {}", e.name),
            ));
        }
        if let Some(h) = lib.harder(&i.exercise_id) {
            steps.push((
                format!("{n}:harder"),
                format!("{name} → harder: {}", h.name),
            ));
        }
    }
    let latest_change = chart
        .prescription
        .as_ref()
        .filter(|p| p.versions.len() > 1)
        .and_then(|p| p.current())
        .map(|v| PlanChange {
            on: v.created_on,
            reason: v.reason.clone(),
            changes: v.changes.iter().map(|c| change_text(&lib, c)).collect(),
        });
    let logs: Vec<LogView> = m
        .logs
        .iter()
        .rev()
        .take(30)
        .map(|l| LogView {
            id: l.id,
            date: l.log.date,
            exercise: name_of(&lib, &l.log.exercise_id),
            completion: completion_label(l.log.completion),
            detail: log_detail(&l.log),
            note: l.log.note.clone(),
            comments: l.comments.clone(),
        })
        .collect();
    let new_feedback = m
        .logs
        .iter()
        .rev()
        .flat_map(|l| {
            l.comments.iter().filter(|c| !c.seen).map(|c| {
                (
                    l.log.date,
                    name_of(&lib, &l.log.exercise_id),
                    c.author.clone(),
                    c.body.clone(),
                )
            })
        })
        .collect();
    let flags = flags
        .iter()
        .map(|f| FlagView {
            severity: f.severity.as_str(),
            label: f.kind.label(),
            reason: f.reason.clone(),
            cmocs: f
                .cmoc
                .iter()
                .map(|id| {
                    let grade = state
                        .care
                        .theory
                        .get(id)
                        .map_or("unknown", |c| c.grade.as_str());
                    ((*id).to_string(), grade)
                })
                .collect(),
        })
        .collect();
    let adherence_text = adherence_text(&adherence);
    let charts = super::monitor_charts::draw(
        &adherence,
        &record.logs,
        &record.scores,
        m.thresholds.adherence_good_percent,
        today,
    );
    Ok(Some(MonitorView {
        today,
        time_zone: m.time_zone.clone(),
        today_items,
        logs,
        adherence_text,
        flags,
        next,
        follow_ups: m.follow_ups.iter().rev().cloned().collect(),
        steps,
        practices: Practice::ALL
            .iter()
            .map(|p| (p.key(), p.checklist_label()))
            .collect(),
        latest_change,
        new_feedback,
        charts,
    }))
}

fn adherence_text(r: &AdherenceReport) -> String {
    let mut parts = Vec::new();
    if let Some(w) = r.weeks.last() {
        // The week still running is counted against the whole week's plan,
        // as each exercise's card counts it, not the days gone so far.
        let planned = if !w.complete && r.sessions_per_week > 0 {
            f64::from(r.sessions_per_week)
        } else {
            w.prescribed
        };
        parts.push(format!(
            "This week {} of {} sessions",
            trim_num(w.logged),
            trim_num(planned)
        ));
    }
    if let Some(p) = r.overall.proportion {
        parts.push(format!("{:.0}% of planned sessions overall", p * 100.0));
    }
    if let Some(d) = r.last_log_on {
        parts.push(format!("last log {d}"));
    }
    if parts.is_empty() {
        "No sessions planned yet.".into()
    } else {
        format!("{}.", parts.join("; "))
    }
}

fn trim_num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

// ---------------------------------------------------------------------------
// The patient's own actions

/// A session as the phone form sends it.
#[derive(Deserialize, Default)]
pub struct LogForm {
    #[serde(default)]
    exercise_id: String,
    #[serde(default)]
    completion: String,
    #[serde(default)]
    skip_reason: String,
    #[serde(default)]
    sets: String,
    #[serde(default)]
    reps: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    pain_before: String,
    #[serde(default)]
    pain_after: String,
    #[serde(default)]
    difficulty: String,
    #[serde(default)]
    enjoyment: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    date: String,
}

impl LogForm {
    fn input(self) -> LogInput {
        LogInput {
            exercise_id: self.exercise_id,
            completion: self.completion,
            skip_reason: self.skip_reason,
            sets: self.sets,
            reps: self.reps,
            minutes: self.minutes,
            pain_before: self.pain_before,
            pain_after: self.pain_after,
            difficulty: self.difficulty,
            enjoyment: self.enjoyment,
            note: self.note,
            date: self.date,
            ..LogInput::default()
        }
    }
}

fn own_patient(user: &CurrentUser) -> Result<PatientId, AppError> {
    require_patient(&user.auth)?;
    user.auth.user.patient_id.ok_or(AppError::NotFound)
}

/// A form field's plain name, for an error message.
pub fn field_label(field: &str) -> &str {
    match field {
        "exercise_id" => "Exercise",
        "completion" => "Did you do it?",
        "skip_reason" => "Why not",
        "pain_before" => "Pain before",
        "pain_after" => "Pain after",
        "difficulty" => "How hard",
        "enjoyment" => "Enjoyment",
        "sets" => "Sets",
        "reps" => "Repetitions",
        "minutes" => "Minutes",
        "note" => "Note",
        "date" => "Day",
        "body" => "Message",
        other => other,
    }
}

async fn me_log(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<LogForm>,
) -> PageResult<Response> {
    let id = own_patient(&user)?;
    let exercise = form.exercise_id.clone();
    match state
        .store
        .log_add(
            &user.actor,
            id,
            &form.input(),
            LogSource::Web,
            state.care.now(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/me?logged=1#today").into_response()),
        Err(StoreError::Invalid(f)) => {
            let message = format!("{}: {}", field_label(&f.field), f.message);
            super::patients::render_me(&state, &user, Some((exercise, message))).await
        }
        Err(StoreError::Conflict(m)) => Err(PageError(AppError::Conflict(m))),
        Err(e) => Err(e.into()),
    }
}

/// The whole session from one form: `pain_before` and `pain_after` for the
/// session, `note`, and for exercise `n` the fields `e{n}.exercise_id`,
/// `e{n}.completion`, `e{n}.skip_reason` (when skipped), `e{n}.pain_after`
/// (instead of the session's),
/// `e{n}.difficulty`, `e{n}.enjoyment`. "I did them all" (`all=done`)
/// counts an exercise left unanswered as done; otherwise it is not logged.
fn session_inputs(fields: &[(String, String)]) -> (Vec<LogInput>, Vec<String>) {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
            .trim()
            .to_string()
    };
    let all_done = get("all") == "done";
    let mut inputs = Vec::new();
    let mut names = Vec::new();
    for n in 1..=rapport_domain::prescription::plan::MAX_ITEMS {
        let exercise_id = get(&format!("e{n}.exercise_id"));
        if exercise_id.is_empty() {
            break;
        }
        let mut completion = get(&format!("e{n}.completion"));
        if completion.is_empty() {
            if !all_done {
                continue;
            }
            completion = "done".into();
        }
        let did = completion != "skipped";
        let own_after = get(&format!("e{n}.pain_after"));
        inputs.push(LogInput {
            exercise_id,
            // The patient says why they skipped one; nothing is said for them.
            skip_reason: if did {
                String::new()
            } else {
                get(&format!("e{n}.skip_reason"))
            },
            pain_before: if did {
                get("pain_before")
            } else {
                String::new()
            },
            pain_after: if !did {
                String::new()
            } else if own_after.is_empty() {
                get("pain_after")
            } else {
                own_after
            },
            difficulty: if did {
                get(&format!("e{n}.difficulty"))
            } else {
                String::new()
            },
            enjoyment: if did {
                get(&format!("e{n}.enjoyment"))
            } else {
                String::new()
            },
            // The note goes with the first exercise logged.
            note: if inputs.is_empty() {
                get("note")
            } else {
                String::new()
            },
            completion,
            ..LogInput::default()
        });
        names.push(get(&format!("e{n}.name")));
    }
    (inputs, names)
}

async fn me_session(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = own_patient(&user)?;
    let (inputs, names) = session_inputs(&fields);
    let kept: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    // "exercises[2].pain_after" → "Bridge: Pain after: …"
    let words = |f: &rapport_domain::FieldError| -> String {
        let (item, field) = f
            .field
            .strip_prefix("exercises[")
            .and_then(|r| r.split_once("]."))
            .and_then(|(n, field)| Some((n.parse::<usize>().ok()?, field)))
            .unwrap_or((1, f.field.as_str()));
        let name = names.get(item - 1).map_or("", String::as_str);
        format!("{name}: {}: {}", field_label(field), f.message)
    };
    match state
        .store
        .session_add(&user.actor, id, &inputs, LogSource::Web, state.care.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/me?logged=1#today").into_response()),
        Err(StoreError::InvalidAll(all)) => {
            let errors = all.iter().map(words).collect();
            super::patients::render_me_session(&state, &user, errors, kept).await
        }
        Err(StoreError::Invalid(f)) => {
            let message = if f.field == "exercises" {
                format!(
                    "Say how at least one exercise went, or tap \"I did them all\": {}",
                    f.message
                )
            } else {
                words(&f)
            };
            super::patients::render_me_session(&state, &user, vec![message], kept).await
        }
        Err(StoreError::Conflict(m)) => Err(PageError(AppError::Conflict(m))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct MessageForm {
    #[serde(default)]
    body: String,
}

async fn me_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<MessageForm>,
) -> PageResult<Response> {
    let id = own_patient(&user)?;
    state
        .store
        .message_send(&user.actor, id, &form.body)
        .await?;
    Ok(Redirect::to("/me?sent=1#messages").into_response())
}

// ---------------------------------------------------------------------------
// The clinician's actions

fn invalid(field: &str, rule: &str, message: &str) -> AppError {
    AppError::Invalid(rapport_domain::FieldError::new(field, rule, message))
}

/// A yes / no / not-said answer of a form.
fn yes_no(field: &str, raw: &str) -> Result<Option<bool>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        _ => Err(invalid(field, "one_of", "must be yes, no or not said")),
    }
}

/// Records a contact: what was done, supervision, the patient's rating of
/// change, and maybe a step along an exercise's chain (a new plan version,
/// linked to the contact). The next contact is then dated by rule, counting
/// this one.
async fn follow_up(
    State(state): State<AppState>,
    user: May<Writes<ClinicalWork>>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let patient = PatientId(id);
    let mut one: std::collections::HashMap<String, String> = Default::default();
    let mut practices = std::collections::BTreeSet::new();
    for (k, v) in form_urlencoded::parse(&body) {
        if k == "practice" {
            practices.insert(Practice::parse(&v).ok_or_else(|| {
                invalid("practice", "one_of", "is not a practice of the checklist")
            })?);
        } else {
            one.insert(k.into_owned(), v.into_owned());
        }
    }
    let get = |k: &str| one.get(k).map(String::as_str).unwrap_or("");
    let date = match get("date").trim() {
        "" => None,
        s => Some(
            s.parse::<Date>()
                .map_err(|_| invalid("date", "format", "must be a date, YYYY-MM-DD"))?,
        ),
    };
    let kind = match get("kind").trim() {
        "" => None,
        s => Some(rapport_store::kind_parse(s).ok_or_else(|| {
            invalid(
                "kind",
                "one_of",
                "must be phone, video, in_person or supervised",
            )
        })?),
    };
    let benefit = match get("benefit").trim() {
        "" => None,
        s => Some(
            s.parse::<u8>()
                .map_err(|_| invalid("benefit", "range", "must be one of the ratings shown"))?,
        ),
    };
    let input = FollowUpInput {
        date,
        kind,
        feedback_given: yes_no("feedback_given", get("feedback_given"))?,
        feels_supported: yes_no("feels_supported", get("feels_supported"))?,
        notes: get("notes").to_string(),
        corrections: get("corrections").to_string(),
        contact: ContactPractice {
            practices,
            checklist_complete: get("checklist_complete") == "yes",
            corrected: yes_no("corrected", get("corrected"))?,
            progressed: yes_no("progressed", get("progressed"))?,
            benefit,
        },
        ..FollowUpInput::default()
    };
    let step = match get("step").trim() {
        "" => None,
        s => {
            let (index, step) = s
                .split_once(':')
                .and_then(|(i, d)| Some((i.parse::<usize>().ok()?, Step::parse(d)?)))
                .ok_or_else(|| {
                    invalid(
                        "step",
                        "one_of",
                        "must be an exercise made easier or harder",
                    )
                })?;
            Some(PlanStep {
                index,
                step,
                reason: String::new(),
            })
        }
    };
    state
        .care
        .record_contact(&user.actor, patient, input, step)
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}?recorded=1#monitoring")).into_response())
}

async fn comment(
    State(state): State<AppState>,
    user: May<Writes<CarePlan>>,
    Path((id, log)): Path<(i64, i64)>,
    Form(form): Form<MessageForm>,
) -> PageResult<Response> {
    state
        .store
        .log_comment_add(&user.actor, PatientId(id), log, &form.body)
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}#log-{log}")).into_response())
}

async fn clinician_message(
    State(state): State<AppState>,
    user: May<Writes<CarePlan>>,
    Path(id): Path<i64>,
    Form(form): Form<MessageForm>,
) -> PageResult<Response> {
    state
        .store
        .message_send(&user.actor, PatientId(id), &form.body)
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}#messages")).into_response())
}
