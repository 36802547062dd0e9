//! The clinic's exercise library: browse, look at one exercise and its
//! chain, add the clinic's own exercises and pictures.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rapport_domain::assessment::intake::{Equipment, Setting};
use rapport_domain::exercise::{
    Category, Exercise, ExerciseInput, FearedMovement, Position, Target, Task,
};
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::auth::ExerciseLibrary;
use crate::auth::{CurrentUser, May, Reads, Writes};
use crate::error::{AppError, PageError, PageResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exercises", get(list))
        .route("/exercises/new", get(new_form).post(create))
        .route("/exercises/{id}", get(detail))
        .route("/exercises/{id}/image", get(image).post(upload))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "exercises.html")]
struct ListPage {
    layout: Layout,
    q: String,
    category: String,
    categories: Vec<(&'static str, &'static str)>,
    exercises: Vec<Exercise>,
    total: usize,
}

async fn list(
    State(state): State<AppState>,
    user: May<Reads<ExerciseLibrary>>,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let lib = state.care.library(user.auth.user.clinic_id).await?;
    let needle = q.q.trim().to_lowercase();
    let exercises: Vec<Exercise> = lib
        .all()
        .iter()
        .filter(|e| q.category.is_empty() || e.category.as_str() == q.category)
        .filter(|e| {
            needle.is_empty() || e.name.to_lowercase().contains(&needle) || e.id.contains(&needle)
        })
        .cloned()
        .collect();
    Ok(ListPage {
        layout: Layout::user(&user.auth, "Exercise library", "/exercises"),
        total: lib.len(),
        q: q.q,
        category: q.category,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        exercises,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "exercise.html")]
struct DetailPage {
    layout: Layout,
    e: Exercise,
    chain: Vec<(String, String, u8)>,
    has_image: bool,
    equipment: String,
    targets: String,
    settings: String,
}

async fn detail(
    State(state): State<AppState>,
    user: May<Reads<ExerciseLibrary>>,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let lib = state.care.library(user.auth.user.clinic_id).await?;
    let e = lib.get(&id).cloned().ok_or(PageError(AppError::NotFound))?;
    let chain = lib
        .chain(&id)
        .iter()
        .map(|x| (x.id.clone(), x.name.clone(), x.level))
        .collect();
    let has_image = state
        .store
        .exercise_image(user.auth.user.clinic_id, &id)
        .await?
        .is_some();
    Ok(DetailPage {
        layout: Layout::user(&user.auth, e.name.clone(), "/exercises"),
        equipment: if e.equipment.is_empty() {
            "none".into()
        } else {
            e.equipment
                .iter()
                .map(|q| q.label())
                .collect::<Vec<_>>()
                .join(", ")
        },
        targets: e
            .targets
            .iter()
            .map(|t| t.label())
            .collect::<Vec<_>>()
            .join(", "),
        settings: e
            .settings
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join(", "),
        chain,
        has_image,
        e,
    }
    .into_response())
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

fn choices<T: Copy>(
    all: &[T],
    key: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: key(*v),
            label: label(*v),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "exercise_form.html")]
struct FormPage {
    layout: Layout,
    input: ExerciseInput,
    error: Option<String>,
    categories: Vec<Choice>,
    positions: Vec<Choice>,
    targets: Vec<Choice>,
    equipment: Vec<Choice>,
    settings: Vec<Choice>,
    feared: Vec<Choice>,
    tasks: Vec<Choice>,
    kinds: Vec<Choice>,
}

impl FormPage {
    fn new(user: &CurrentUser, input: ExerciseInput, error: Option<String>) -> Self {
        FormPage {
            layout: Layout::user(&user.auth, "New exercise", "/exercises"),
            input,
            error,
            categories: choices(Category::ALL, |x| x.as_str(), |x| x.label()),
            positions: choices(Position::ALL, |x| x.as_str(), |x| x.label()),
            targets: choices(Target::ALL, |x| x.as_str(), |x| x.label()),
            equipment: choices(Equipment::ALL, |x| x.as_str(), |x| x.label()),
            settings: choices(Setting::ALL, |x| x.as_str(), |x| x.label()),
            feared: choices(FearedMovement::ALL, |x| x.as_str(), |x| x.label()),
            tasks: choices(Task::ALL, |x| x.as_str(), |x| x.label()),
            kinds: choices(
                rapport_domain::assessment::intake::ExerciseKind::ALL,
                |x| x.as_str(),
                |x| x.label(),
            ),
        }
    }

    fn ticked(&self, list: &[String], v: &&str) -> bool {
        list.iter().any(|x| x == v)
    }
}

async fn new_form(user: May<Writes<ExerciseLibrary>>) -> PageResult<Response> {
    let input = ExerciseInput {
        level: "1".into(),
        sets: "2".into(),
        per_week: "3".into(),
        weeks: "6".into(),
        rest_seconds: "30".into(),
        seconds_per_set: "60".into(),
        ..Default::default()
    };
    Ok(FormPage::new(&user, input, None).into_response())
}

async fn create(
    State(state): State<AppState>,
    user: May<Writes<ExerciseLibrary>>,
    body: Bytes,
) -> PageResult<Response> {
    let mut input = ExerciseInput::default();
    for (k, v) in form_urlencoded::parse(&body) {
        let v = v.into_owned();
        match k.as_ref() {
            "id" => input.id = v,
            "name" => input.name = v,
            "category" => input.category = v,
            "targets" => input.targets.push(v),
            "position" => input.position = v,
            "equipment" => input.equipment.push(v),
            "level" => input.level = v,
            "seconds_per_set" => input.seconds_per_set = v,
            "sets" => input.sets = v,
            "reps" => input.reps = v,
            "hold_seconds" => input.hold_seconds = v,
            "duration_minutes" => input.duration_minutes = v,
            "rest_seconds" => input.rest_seconds = v,
            "per_week" => input.per_week = v,
            "weeks" => input.weeks = v,
            "load" => input.load = v,
            "intensity" => input.intensity = v,
            "cautions" => input.cautions = v,
            "instructions" => input.instructions = v,
            "easier" => input.easier = v,
            "harder" => input.harder = v,
            "feared_movement" => input.feared_movement = v,
            "tasks" => input.tasks.push(v),
            "settings" => input.settings.push(v),
            "kinds" => input.kinds.push(v),
            _ => {}
        }
    }
    let refuse = |input: ExerciseInput, msg: String| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormPage::new(&user, input, Some(msg)),
        )
            .into_response()
    };
    let exercise = match input.validate() {
        Ok(e) => e,
        Err(rapport_domain::Error::Invalid(f)) => {
            return Ok(refuse(input, format!("{}: {}", f.field, f.message)));
        }
        Err(e) => return Ok(refuse(input, e.to_string())),
    };
    // The library with the new exercise must still hold together (links, chains).
    let lib = state.care.library(user.auth.user.clinic_id).await?;
    if let Err(e) = lib.with(vec![exercise.clone()]) {
        return Ok(refuse(input, e.to_string()));
    }
    state
        .store
        .clinic_exercise_put(&user.actor, &exercise)
        .await?;
    Ok(Redirect::to(&format!("/exercises/{}", exercise.id)).into_response())
}

async fn image(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let (kind, bytes) = state
        .store
        .exercise_image(user.auth.user.clinic_id, &id)
        .await?
        .ok_or(PageError(AppError::NotFound))?;
    let mut res = bytes.into_response();
    if let Ok(v) = HeaderValue::from_str(&kind) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok(res)
}

const IMAGE_MAX: usize = 200 * 1024;

async fn upload(
    State(state): State<AppState>,
    user: May<Writes<ExerciseLibrary>>,
    Path(id): Path<String>,
    mut form: Multipart,
) -> PageResult<Response> {
    let lib = state.care.library(user.auth.user.clinic_id).await?;
    lib.get(&id).ok_or(PageError(AppError::NotFound))?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() != Some("image") {
            continue;
        }
        let bytes = field.bytes().await.map_err(|_| {
            AppError::Invalid(rapport_domain::FieldError::new(
                "image",
                "readable",
                "the upload could not be read",
            ))
        })?;
        // Trust the bytes, not the browser's label: only PNG and JPEG are kept.
        let kind = match bytes.get(..4) {
            Some([0x89, b'P', b'N', b'G']) => "image/png",
            Some([0xFF, 0xD8, 0xFF, _]) => "image/jpeg",
            _ => {
                return Err(PageError(AppError::Invalid(
                    rapport_domain::FieldError::new(
                        "image",
                        "png_or_jpeg",
                        "must be a PNG or JPEG picture",
                    ),
                )));
            }
        };
        if bytes.len() > IMAGE_MAX {
            return Err(PageError(AppError::Invalid(
                rapport_domain::FieldError::new("image", "max_size", "must be at most 200 KB"),
            )));
        }
        state
            .store
            .exercise_image_put(&user.actor, &id, kind, &bytes)
            .await?;
        return Ok(Redirect::to(&format!("/exercises/{id}")).into_response());
    }
    Err(PageError(AppError::Invalid(
        rapport_domain::FieldError::new("image", "required", "choose a picture to upload"),
    )))
}
