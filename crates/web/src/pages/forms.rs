//! Filling in the forms of a time point: the red-flag screen, the intake and
//! the questionnaires, one page each, phone-first. A patient fills in their
//! own at `/me/forms/…`; a clinician can enter them on the patient's behalf at
//! `/patients/{id}/forms/…`, and the store records that they did.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rapport_domain::FieldError;
use rapport_domain::assessment::intake::{Equipment, ExerciseKind, Experience, Setting, TimeOfDay};
use rapport_domain::assessment::{BELIEFS, EXPECTATIONS, Form, IntakeInput, RED_FLAGS, TimePoint};
use rapport_domain::identity::{PatientId, Role};
use rapport_domain::instruments::{self, Instrument, MissingRule, WordingSet};

use super::Layout;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, PageError, PageResult};
use rapport_care::chart::Chart;
use rapport_care::forms::Answers;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/forms/{tp}", get(patient_next))
        .route(
            "/me/forms/{tp}/{form}",
            get(patient_form).post(patient_submit),
        )
        .route("/patients/{id}/forms/{tp}", get(clinician_next))
        .route(
            "/patients/{id}/forms/{tp}/{form}",
            get(clinician_form).post(clinician_submit),
        )
}

/// Whose forms, and where the pages live.
struct Subject {
    patient: PatientId,
    patient_name: String,
    record: Chart,
    base: String,
    finished: String,
    on_behalf: bool,
}

async fn subject(
    state: &AppState,
    user: &CurrentUser,
    patient: Option<PatientId>,
) -> Result<Subject, PageError> {
    let (id, base, finished) = match (user.auth.user.role, patient) {
        (Role::Patient, None) => {
            let id = user
                .auth
                .user
                .patient_id
                .ok_or(PageError(AppError::NotFound))?;
            (id, "/me/forms".to_string(), "/me?done=1".to_string())
        }
        (Role::Clinician, Some(id)) => (
            id,
            format!("/patients/{id}/forms"),
            format!("/patients/{id}/assessment"),
        ),
        _ => return Err(PageError(AppError::Forbidden)),
    };
    let patient = state.store.patient_get(&user.actor, id).await?.value;
    let record = state.care.chart(&user.actor, id).await?.ok_or_else(|| {
        PageError(AppError::Conflict(
            "there is no episode of care yet; a clinician opens one on the patient's page".into(),
        ))
    })?;
    Ok(Subject {
        patient: id,
        patient_name: patient.display_name(),
        record,
        base,
        finished,
        on_behalf: user.auth.user.role == Role::Clinician,
    })
}

fn time_point(raw: &str) -> Result<TimePoint, PageError> {
    TimePoint::parse(raw).ok_or(PageError(AppError::NotFound))
}

impl Subject {
    /// The time point must be open: patients may not fill in forms before
    /// their window; clinicians may once the episode has reached it.
    fn check_open(&self, tp: TimePoint, actor: &rapport_store::Actor) -> Result<(), PageError> {
        rapport_care::forms::check_open(&self.record, tp, actor).map_err(|e| match e {
            rapport_care::CareError::Invalid(f) if f.rule == "open" => {
                PageError(AppError::Conflict(f.message))
            }
            rapport_care::CareError::Invalid(_) => PageError(AppError::NotFound),
            other => PageError(other.into()),
        })
    }

    fn next_missing(&self, tp: TimePoint) -> Option<Form> {
        tp.forms()
            .iter()
            .copied()
            .find(|f| !self.record.is_done(tp, f.key()))
    }

    fn step(&self, tp: TimePoint, form: Form) -> String {
        let forms = tp.forms();
        let n = forms.iter().position(|f| *f == form).map_or(0, |i| i + 1);
        format!("{} · form {n} of {}", tp.label(), forms.len())
    }
}

fn form_of(tp: TimePoint, key: &str) -> Result<Form, PageError> {
    tp.forms()
        .iter()
        .copied()
        .find(|f| f.key() == key)
        .ok_or(PageError(AppError::NotFound))
}

async fn next(
    state: AppState,
    user: CurrentUser,
    patient: Option<PatientId>,
    tp: String,
) -> PageResult<Response> {
    let tp = time_point(&tp)?;
    let s = subject(&state, &user, patient).await?;
    s.check_open(tp, &user.actor)?;
    Ok(match s.next_missing(tp) {
        Some(f) => Redirect::to(&format!("{}/{}/{}", s.base, tp.as_str(), f.key())).into_response(),
        None => Redirect::to(&s.finished).into_response(),
    })
}

async fn patient_next(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(tp): Path<String>,
) -> PageResult<Response> {
    next(state, user, None, tp).await
}

async fn clinician_next(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, tp)): Path<(i64, String)>,
) -> PageResult<Response> {
    next(state, user, Some(PatientId(id)), tp).await
}

/// `?saved=1`: the page is shown again after "save and finish later".
fn just_saved(q: &Option<String>) -> bool {
    q.as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "saved=1"))
}

async fn patient_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((tp, form)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> PageResult<Response> {
    show(state, user, None, tp, form, just_saved(&q)).await
}

async fn clinician_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, tp, form)): Path<(i64, String, String)>,
    RawQuery(q): RawQuery,
) -> PageResult<Response> {
    show(state, user, Some(PatientId(id)), tp, form, just_saved(&q)).await
}

async fn patient_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((tp, form)): Path<(String, String)>,
    body: Bytes,
) -> PageResult<Response> {
    submit(state, user, None, tp, form, body).await
}

async fn clinician_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, tp, form)): Path<(i64, String, String)>,
    body: Bytes,
) -> PageResult<Response> {
    submit(state, user, Some(PatientId(id)), tp, form, body).await
}

// ---------------------------------------------------------------------------
// Pages

/// What every form page shows around its questions.
struct Frame {
    step: String,
    on_behalf: bool,
    patient_name: String,
    error: Option<String>,
    saved: bool,
    notice: Option<String>,
}

impl Frame {
    fn new(s: &Subject, tp: TimePoint, form: Form) -> Frame {
        Frame {
            step: s.step(tp, form),
            on_behalf: s.on_behalf,
            patient_name: s.patient_name.clone(),
            error: None,
            saved: s.record.is_done(tp, form.key()),
            notice: None,
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct Question {
    pub name: String,
    pub number: u16,
    pub text: String,
    pub choices: Vec<Choice>,
    /// Tick-box items (a statement the patient marks or leaves).
    pub tick: bool,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "form_questionnaire.html")]
struct QuestionnairePage {
    frame: Frame,
    layout: Layout,
    title: String,
    intro: String,
    licence: Option<String>,
    questions: Vec<Question>,
}

pub struct Group {
    pub name: &'static str,
    pub legend: &'static str,
    pub hint: &'static str,
    pub multiple: bool,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

pub struct TextField {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub multiline: bool,
    pub numeric: bool,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "form_intake.html")]
struct IntakePage {
    frame: Frame,
    layout: Layout,
    about: Vec<TextField>,
    expectations: Group,
    experience: Vec<Group>,
    previous_note: TextField,
    six_months: TextField,
    likes: Vec<Group>,
    time: Vec<TextField>,
    time_of_day: Group,
    place: Vec<Group>,
    worries: Group,
}

async fn show(
    state: AppState,
    user: CurrentUser,
    patient: Option<PatientId>,
    tp: String,
    form: String,
    just_saved: bool,
) -> PageResult<Response> {
    let tp = time_point(&tp)?;
    let s = subject(&state, &user, patient).await?;
    s.check_open(tp, &user.actor)?;
    let form = form_of(tp, &form)?;
    let saved = s.record.form(tp, form.key());
    Ok(match form {
        Form::RedFlags => {
            let answers: Vec<Option<bool>> = saved
                .and_then(|f| serde_json::from_value(f.answers.clone()).ok())
                .unwrap_or_default();
            red_flag_page(&user, &s, tp, &answers, None).into_response()
        }
        Form::Intake => {
            let input: IntakeInput = saved
                .and_then(|f| serde_json::from_value(f.answers.clone()).ok())
                .unwrap_or_default();
            let mut page = intake_page(&user, &s, tp, &input, None);
            if just_saved {
                page.frame.notice = Some("Saved. You can come back and finish it later.".into());
            }
            page.into_response()
        }
        Form::Instrument(code) => {
            let instrument = instruments::find(code)?;
            let answers: Vec<Option<i32>> = saved
                .and_then(|f| serde_json::from_value(f.answers.clone()).ok())
                .unwrap_or_default();
            let wording = wording(&state, &user, instrument).await?;
            questionnaire_page(
                &user,
                &s,
                tp,
                form,
                instrument,
                wording.as_ref(),
                &answers,
                None,
            )
            .into_response()
        }
    })
}

/// Licensed wording the clinic loaded for this instrument version, if any.
async fn wording(
    state: &AppState,
    user: &CurrentUser,
    instrument: &Instrument,
) -> Result<Option<WordingSet>, AppError> {
    let stored = state
        .store
        .wording_latest(
            user.auth.user.clinic_id,
            instrument.code,
            instrument.version,
        )
        .await?;
    Ok(stored.and_then(|(source, text)| WordingSet::from_toml(&source, &text).ok()))
}

fn red_flag_page(
    user: &CurrentUser,
    s: &Subject,
    tp: TimePoint,
    answers: &[Option<bool>],
    error: Option<FieldError>,
) -> QuestionnairePage {
    let mut frame = Frame::new(s, tp, Form::RedFlags);
    frame.error = error
        .as_ref()
        .map(|_| "Please answer every question.".to_string());
    let questions = RED_FLAGS
        .iter()
        .enumerate()
        .map(|(i, f)| Question {
            name: format!("rf_{}", f.key),
            number: u16::try_from(i + 1).unwrap_or(0),
            text: f.question.to_string(),
            tick: false,
            error: error
                .as_ref()
                .filter(|e| e.field == f.key)
                .map(|e| e.message.clone()),
            choices: [("yes", "Yes", true), ("no", "No", false)]
                .into_iter()
                .map(|(v, l, b)| Choice {
                    value: v.into(),
                    label: l.into(),
                    checked: answers.get(i).copied().flatten() == Some(b),
                })
                .collect(),
        })
        .collect();
    QuestionnairePage {
        layout: Layout::user(&user.auth, "Safety questions", ""),
        frame,
        title: "Safety questions".into(),
        intro: "Before any exercise, tell us whether you have any of these now. If you answer yes to any, your clinician will arrange a medical review first.".into(),
        licence: None,
        questions,
    }
}

#[allow(clippy::too_many_arguments)]
fn questionnaire_page(
    user: &CurrentUser,
    s: &Subject,
    tp: TimePoint,
    form: Form,
    instrument: &Instrument,
    wording: Option<&WordingSet>,
    answers: &[Option<i32>],
    error: Option<FieldError>,
) -> QuestionnairePage {
    let mut frame = Frame::new(s, tp, form);
    let tick = matches!(instrument.missing, MissingRule::UnmarkedIsNo);
    let error_item: Option<u16> = error.as_ref().and_then(|e| item_number(&e.field));
    // The patient reads these: plain words, not the scoring rule.
    let plain = |e: &FieldError| match e.rule.as_str() {
        "missing" => "Please answer this question.".to_string(),
        "range" | "number" => "Please choose one of the answers shown.".to_string(),
        _ => e.message.clone(),
    };
    frame.error = error.as_ref().map(|e| match error_item {
        Some(n) => format!("Question {n}: {}", plain(e)),
        None => plain(e),
    });
    let questions = instrument
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let licensed = wording.and_then(|w| w.item(item.number));
            let answer = answers.get(i).copied().flatten();
            let choices = (item.min..=item.max)
                .map(|v| {
                    let k = usize::try_from(v - item.min).unwrap_or(0);
                    let label = match licensed.and_then(|t| t.responses.get(k)) {
                        Some(r) => r.clone(),
                        None if v == item.min => format!("{v} – {}", item.anchors.0),
                        None if v == item.max => format!("{v} – {}", item.anchors.1),
                        None => v.to_string(),
                    };
                    Choice {
                        value: v.to_string(),
                        label,
                        checked: answer == Some(v),
                    }
                })
                .collect();
            Question {
                name: format!("q{}", item.number),
                number: item.number,
                text: licensed.map_or_else(|| sentence_case(item.label), |t| t.text.clone()),
                choices,
                tick,
                error: error
                    .as_ref()
                    .filter(|_| error_item == Some(item.number))
                    .map(plain),
            }
        })
        .collect();
    QuestionnairePage {
        layout: Layout::user(&user.auth, instrument.name, ""),
        frame,
        title: instrument.name.to_string(),
        intro: wording
            .and_then(|w| w.instructions.clone())
            .unwrap_or_else(|| {
                if tick {
                    "Tick each statement that describes you today.".into()
                } else {
                    "Choose one answer for each question.".into()
                }
            }),
        licence: wording.map(|w| w.licence.clone()),
        questions,
    }
}

/// `answers[7]` → 7.
fn item_number(field: &str) -> Option<u16> {
    field
        .strip_prefix("answers[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Choices as (key, label) pairs.
type Options = Vec<(&'static str, &'static str)>;

fn options<T: Copy>(
    all: &[T],
    key: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Options {
    all.iter().map(|v| (key(*v), label(*v))).collect()
}

fn group(
    name: &'static str,
    legend: &'static str,
    hint: &'static str,
    multiple: bool,
    options: Options,
    selected: &[String],
    error: Option<&FieldError>,
) -> Group {
    Group {
        name,
        legend,
        hint,
        multiple,
        choices: options
            .into_iter()
            .map(|(key, label)| Choice {
                value: key.into(),
                label: label.into(),
                checked: selected.iter().any(|s| s == key),
            })
            .collect(),
        error: error.filter(|e| e.field == name).map(|e| e.message.clone()),
    }
}

fn text_field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: &str,
    multiline: bool,
    error: Option<&FieldError>,
) -> TextField {
    TextField {
        name,
        label,
        hint,
        value: value.to_string(),
        multiline,
        numeric: false,
        error: error.filter(|e| e.field == name).map(|e| e.message.clone()),
    }
}

fn intake_page(
    user: &CurrentUser,
    s: &Subject,
    tp: TimePoint,
    i: &IntakeInput,
    error: Option<FieldError>,
) -> IntakePage {
    let e = error.as_ref();
    let mut frame = Frame::new(s, tp, Form::Intake);
    frame.error = e.map(|e| e.message.clone());
    let one = |v: &str| {
        if v.is_empty() {
            Vec::new()
        } else {
            vec![v.to_string()]
        }
    };
    let numeric = |mut f: TextField| {
        f.numeric = true;
        f
    };
    IntakePage {
        layout: Layout::user(&user.auth, "About you and your back", ""),
        frame,
        about: vec![
            text_field(
                "everyday_life",
                "Your everyday life now",
                "Work, home, family: what does a normal day look like?",
                &i.everyday_life,
                true,
                e,
            ),
            text_field(
                "limited_activities",
                "Things you value that your back now stops or limits",
                "One per line, for example: gardening, lifting my grandchild.",
                &i.limited_activities,
                true,
                e,
            ),
            text_field(
                "cause_belief",
                "What do you think is causing your pain?",
                "In your own words.",
                &i.cause_belief,
                true,
                e,
            ),
        ],
        expectations: group(
            "expectations",
            "What do you hope to get from physiotherapy?",
            "Tick all that apply.",
            true,
            options(EXPECTATIONS, |x| x.as_str(), |x| x.label()),
            &i.expectations,
            e,
        ),
        experience: vec![
            group(
                "previous_exercise",
                "Your experience of exercise so far",
                "",
                false,
                options(Experience::ALL, |x| x.as_str(), |x| x.label()),
                &one(&i.previous_exercise),
                e,
            ),
            group(
                "previous_physio",
                "Your experience of physiotherapy so far",
                "",
                false,
                options(Experience::ALL, |x| x.as_str(), |x| x.label()),
                &one(&i.previous_physio),
                e,
            ),
        ],
        previous_note: text_field(
            "previous_note",
            "Anything about earlier exercise or treatment we should know?",
            "What helped, what did not.",
            &i.previous_note,
            true,
            e,
        ),
        six_months: text_field(
            "six_months",
            "Six months from now, where would you like to be?",
            "What would you be doing again?",
            &i.six_months,
            true,
            e,
        ),
        likes: vec![
            group(
                "preferences",
                "Kinds of exercise you like",
                "Tick all that apply.",
                true,
                options(ExerciseKind::ALL, |x| x.as_str(), |x| x.label()),
                &i.preferences,
                e,
            ),
            group(
                "dislikes",
                "Kinds of exercise you dislike",
                "Tick all that apply.",
                true,
                options(ExerciseKind::ALL, |x| x.as_str(), |x| x.label()),
                &i.dislikes,
                e,
            ),
        ],
        time: vec![
            numeric(text_field(
                "minutes_per_day",
                "Minutes a day you could spend on exercise",
                "0 to 240.",
                &i.minutes_per_day,
                false,
                e,
            )),
            numeric(text_field(
                "days_per_week",
                "Days a week",
                "0 to 7.",
                &i.days_per_week,
                false,
                e,
            )),
        ],
        time_of_day: group(
            "time_of_day",
            "When in the day suits you best?",
            "",
            false,
            options(TimeOfDay::ALL, |x| x.as_str(), |x| x.label()),
            &one(&i.time_of_day),
            e,
        ),
        place: vec![
            group(
                "equipment",
                "Equipment you have",
                "Tick all that apply.",
                true,
                options(Equipment::ALL, |x| x.as_str(), |x| x.label()),
                &i.equipment,
                e,
            ),
            group(
                "settings",
                "Where you could exercise",
                "Tick all that apply.",
                true,
                options(Setting::ALL, |x| x.as_str(), |x| x.label()),
                &i.settings,
                e,
            ),
        ],
        worries: group(
            "worries",
            "Do any of these worry you?",
            "Tick any you agree with. Your clinician will talk them through with you.",
            true,
            options(BELIEFS, |b| b.key, |b| b.label),
            &i.worries,
            e,
        ),
    }
}

// ---------------------------------------------------------------------------
// Submissions

/// Form fields, with repeated keys (tick boxes) kept.
fn fields(body: &[u8]) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        map.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    map
}

fn one(map: &HashMap<String, Vec<String>>, key: &str) -> String {
    map.get(key)
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default()
}

fn many(map: &HashMap<String, Vec<String>>, key: &str) -> Vec<String> {
    map.get(key).cloned().unwrap_or_default()
}

async fn submit(
    state: AppState,
    user: CurrentUser,
    patient: Option<PatientId>,
    tp: String,
    form: String,
    body: Bytes,
) -> PageResult<Response> {
    let tp = time_point(&tp)?;
    let s = subject(&state, &user, patient).await?;
    s.check_open(tp, &user.actor)?;
    let form = form_of(tp, &form)?;
    let map = fields(&body);
    let answers = match form {
        Form::RedFlags => Answers::RedFlags(
            RED_FLAGS
                .iter()
                .map(|f| match one(&map, &format!("rf_{}", f.key)).as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                })
                .collect(),
        ),
        Form::Intake => Answers::Intake {
            input: Box::new(IntakeInput {
                everyday_life: one(&map, "everyday_life"),
                limited_activities: one(&map, "limited_activities"),
                cause_belief: one(&map, "cause_belief"),
                expectations: many(&map, "expectations"),
                expectations_note: one(&map, "expectations_note"),
                previous_exercise: one(&map, "previous_exercise"),
                previous_physio: one(&map, "previous_physio"),
                previous_note: one(&map, "previous_note"),
                six_months: one(&map, "six_months"),
                preferences: many(&map, "preferences"),
                dislikes: many(&map, "dislikes"),
                minutes_per_day: one(&map, "minutes_per_day"),
                days_per_week: one(&map, "days_per_week"),
                time_of_day: one(&map, "time_of_day"),
                equipment: many(&map, "equipment"),
                settings: many(&map, "settings"),
                worries: many(&map, "worries"),
            }),
            finish: one(&map, "action") != "save",
        },
        Form::Instrument(code) => {
            let instrument = instruments::find(code)?;
            let mut bad_number = None;
            let answers: Vec<Option<i32>> = instrument
                .items
                .iter()
                .map(|item| {
                    let raw = one(&map, &format!("q{}", item.number));
                    match raw.trim() {
                        "" => None,
                        v => v.parse().ok().or_else(|| {
                            bad_number.get_or_insert(item.number);
                            None
                        }),
                    }
                })
                .collect();
            if let Some(n) = bad_number {
                let e = rapport_domain::FieldError::new(
                    format!("answers[{n}]"),
                    "number",
                    "must be one of the answers shown",
                );
                let wording = wording(&state, &user, instrument).await?;
                let page = questionnaire_page(
                    &user,
                    &s,
                    tp,
                    form,
                    instrument,
                    wording.as_ref(),
                    &answers,
                    Some(e),
                );
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            Answers::Instrument(answers)
        }
    };
    let input = match rapport_care::forms::form_input(tp, form, &answers) {
        Ok(input) => input,
        Err(rapport_domain::Error::Invalid(e)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(match (&answers, form) {
                (Answers::RedFlags(a), _) => {
                    (status, red_flag_page(&user, &s, tp, a, Some(e))).into_response()
                }
                (Answers::Intake { input, .. }, _) => {
                    (status, intake_page(&user, &s, tp, input, Some(e))).into_response()
                }
                (Answers::Instrument(a), Form::Instrument(code)) => {
                    let instrument = instruments::find(code)?;
                    let wording = wording(&state, &user, instrument).await?;
                    let page = questionnaire_page(
                        &user,
                        &s,
                        tp,
                        form,
                        instrument,
                        wording.as_ref(),
                        a,
                        Some(e),
                    );
                    (status, page).into_response()
                }
                _ => return Err(AppError::NotFound.into()),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let complete = input.complete;
    state
        .store
        .form_save(&user.actor, s.record.episode.id, &input)
        .await?;
    if !complete {
        return Ok(
            Redirect::to(&format!("{}/{}/intake?saved=1", s.base, tp.as_str())).into_response(),
        );
    }
    // On to the next form of the time point, or back home when all are done.
    let reloaded = subject(&state, &user, Some(s.patient).filter(|_| s.on_behalf)).await?;
    Ok(match reloaded.next_missing(tp) {
        Some(f) => Redirect::to(&format!("{}/{}/{}", s.base, tp.as_str(), f.key())).into_response(),
        None => Redirect::to(&s.finished).into_response(),
    })
}

/// Our short labels are lower case; a question starts with a capital.
fn sentence_case(label: &str) -> String {
    let mut c = label.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
