//! The forms of a time point: the red-flag screen, the intake and the
//! questionnaires. Scored by the domain and checked against the episode's
//! schedule in the care layer ([`rapport_care::Care::save_form`]), exactly as
//! the pages save them; this module only reads the body.

use axum::extract::State;
use axum::response::Response;
use rapport_care::CareError;
use rapport_care::forms::{Answers, form_of};
use rapport_domain::FieldError;
use rapport_domain::assessment::{Form, IntakeInput, RED_FLAGS, TimePoint};
use rapport_domain::identity::PatientId;
use rapport_store::FormResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::{created, current_episode, invalid, one_of, unreadable};
use super::{ApiJson, Id};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_forms, save_form))
}

/// One form's answers.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormSubmit {
    /// Required: one of the time point's forms: `red_flags` and `intake`
    /// (baseline), or an instrument code the time point lists (`startback`,
    /// `nprs`, `rmdq`, `pseq`, `tsk11` at baseline; `waisr` during care;
    /// `pgic`, `ears` and the baseline questionnaires later).
    #[schema(value_type = String, required = true, example = "tsk11")]
    pub instrument: Option<String>,
    /// Required: `baseline`, `during_care`, `discharge` or `six_months`. A
    /// patient waits for the time point's window; a clinician may enter the
    /// forms once the episode has reached it.
    #[schema(value_type = String, required = true, example = "baseline")]
    pub time_point: Option<String>,
    /// Required. For an instrument, one whole number per item in published
    /// order, `null` for an unanswered item; for `red_flags`, one `true` or
    /// `false` per question in the screen's order (every one answered); for
    /// `intake`, an object with the intake's fields (`everyday_life`,
    /// `limited_activities`, `expectations`, …) and an optional `finish`
    /// (default `true`; `false` keeps it to finish later). An error names
    /// the answer at fault as `answers[N]`, N counting items (or questions)
    /// from 1, or as `answers.FIELD` for the intake.
    #[schema(value_type = Value, required = true, example = json!([3, 3, 2, 4, 1, 2, 3, 3, 2, 1, 2]))]
    pub answers: Option<Value>,
}

/// A stored form.
#[derive(Serialize, ToSchema)]
pub struct FormOut {
    pub id: i64,
    pub episode_id: i64,
    /// `baseline`, `during_care`, `discharge` or `six_months`.
    #[schema(value_type = String)]
    pub time_point: TimePoint,
    /// `red_flags`, `intake` or the instrument code.
    pub form: String,
    /// The version of the form that was scored.
    pub version: String,
    /// The answers as given.
    #[schema(value_type = Value)]
    pub answers: Value,
    /// What the domain made of them: the instrument's score (`total`,
    /// `subscales`, `band`, how missing items were handled), the screen's
    /// positive flags, or the intake as read.
    #[schema(value_type = Option<Value>)]
    pub result: Option<Value>,
    pub total: Option<f64>,
    /// The score's band code, e.g. `high` for STarT Back; `positive` or
    /// `clear` for the red-flag screen.
    pub band: Option<String>,
    /// `false` only for an intake kept to finish later.
    pub complete: bool,
    /// Entered by a clinician on the patient's behalf.
    pub on_behalf: bool,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<jiff::Timestamp>,
}

impl From<FormResponse> for FormOut {
    fn from(f: FormResponse) -> Self {
        FormOut {
            id: f.id,
            episode_id: f.episode_id,
            time_point: f.time_point,
            form: f.form,
            version: f.version,
            answers: f.answers,
            result: f.result,
            total: f.total,
            band: f.band,
            complete: f.complete,
            on_behalf: f.on_behalf,
            updated_at: f.updated_at,
            completed_at: f.completed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FormList {
    pub episode_id: i64,
    /// Oldest first.
    pub forms: Vec<FormOut>,
}

/// The forms saved in the patient's current episode. The patient reads their
/// own; clinicians those of their clinic.
#[utoipa::path(get, path = "/patients/{id}/forms", tag = "forms",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = FormList),
        (status = 404, description = "No such patient in your clinic, or no episode of care", body = ErrorBody)))]
pub async fn list_forms(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<FormList>> {
    let episode = current_episode(&state, &user, PatientId(id)).await?;
    let forms = state
        .store
        .forms_of_episode(&user.actor, episode.id)
        .await?;
    Ok(axum::Json(FormList {
        episode_id: episode.id,
        forms: forms.into_iter().map(FormOut::from).collect(),
    }))
}

/// Saves a form of the patient's current episode, scored by the domain: the
/// patient's own, or a clinician's entry on their behalf.
#[utoipa::path(post, path = "/patients/{id}/forms", tag = "forms",
    params(("id" = i64, Path, description = "Patient id")), request_body = FormSubmit, security(("bearer" = [])),
    responses((status = 201, description = "The stored form with its score", body = FormOut),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "No episode of care yet, or the form is already complete", body = ErrorBody),
        (status = 422, description = "A value breaks a rule: `time_point` not open yet (rule `open`), `instrument` not a form of the time point, or an answer out of range or missing (`answers[N]`)", body = ErrorBody)))]
pub async fn save_form(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<FormSubmit>,
) -> ApiResult<Response> {
    let tp = time_point(body.time_point.as_deref())?;
    let form = form(tp, body.instrument.as_deref())?;
    let answers = answers(form, body.answers)?;
    let saved = state
        .care
        .save_form(&user.actor, PatientId(id), tp, form, &answers)
        .await
        .map_err(|e| in_answers(form, e))?;
    Ok(created(FormOut::from(saved)))
}

/// The domain names an intake field by its own name and a red flag by its
/// key, as the page's inputs are named; in the body both live in `answers`.
fn in_answers(form: Form, e: CareError) -> ApiError {
    let CareError::Invalid(f) = e else {
        return e.into();
    };
    let field = match form {
        Form::RedFlags => RED_FLAGS
            .iter()
            .position(|flag| flag.key == f.field)
            .map(|i| format!("answers[{}]", i + 1)),
        Form::Intake => intake_fields()
            .contains(&f.field)
            .then(|| format!("answers.{}", f.field)),
        Form::Instrument(_) => None,
    };
    ApiError(AppError::Invalid(FieldError {
        field: field.unwrap_or(f.field),
        ..f
    }))
}

fn time_point(raw: Option<&str>) -> ApiResult<TimePoint> {
    let raw = raw.ok_or_else(|| invalid("time_point", "required", "is required"))?;
    TimePoint::parse(raw.trim()).ok_or_else(|| {
        invalid(
            "time_point",
            "one_of",
            format!(
                "must be {}",
                one_of(TimePoint::ALL.iter().map(|t| t.as_str()))
            ),
        )
    })
}

fn form(tp: TimePoint, raw: Option<&str>) -> ApiResult<Form> {
    let raw = raw.ok_or_else(|| invalid("instrument", "required", "is required"))?;
    form_of(tp, raw.trim()).ok_or_else(|| {
        invalid(
            "instrument",
            "one_of",
            format!(
                "the {} forms are {}",
                tp.as_str(),
                one_of(tp.forms().iter().map(|f| f.key()))
            ),
        )
    })
}

/// The answers read as the form takes them. Only their shape is checked
/// here; what they may be is the domain's to judge.
fn answers(form: Form, raw: Option<Value>) -> ApiResult<Answers> {
    let raw = raw.ok_or_else(|| invalid("answers", "required", "is required"))?;
    Ok(match form {
        Form::RedFlags => Answers::RedFlags(items(
            raw,
            "a list of true or false, one per question",
            |v| v.as_bool(),
        )?),
        Form::Intake => intake(raw)?,
        Form::Instrument(_) => {
            Answers::Instrument(items(raw, "a list of whole numbers, one per item", |v| {
                v.as_i64().and_then(|n| i32::try_from(n).ok())
            })?)
        }
    })
}

/// A list of answers, `null` for one not given. An answer of the wrong type
/// is named by its item number, as the domain names the items.
fn items<T>(
    raw: Value,
    what: &str,
    read: impl Fn(&Value) -> Option<T>,
) -> ApiResult<Vec<Option<T>>> {
    let Value::Array(list) = raw else {
        return Err(unreadable("answers", format!("must be {what}")));
    };
    list.iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Null => Ok(None),
            v => read(v).map(Some).ok_or_else(|| {
                unreadable(
                    format!("answers[{}]", i + 1),
                    format!("must be {what} or null for an unanswered one; got {v}"),
                )
            }),
        })
        .collect()
}

/// The fields of the domain's [`IntakeInput`], read from the type itself, so
/// that the API takes whatever the intake form takes.
fn intake_fields() -> Vec<String> {
    serde_json::to_value(IntakeInput::default())
        .ok()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default()
}

/// The intake's fields and `finish`.
fn intake(raw: Value) -> ApiResult<Answers> {
    let Value::Object(mut fields) = raw else {
        return Err(unreadable(
            "answers",
            "must be an object with the intake's fields",
        ));
    };
    let finish = match fields.remove("finish") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => b,
        Some(other) => {
            return Err(unreadable(
                "answers.finish",
                format!("must be true or false; got {other}"),
            ));
        }
    };
    let known = intake_fields();
    if let Some(unknown) = fields.keys().find(|k| !known.contains(k)) {
        return Err(unreadable(
            format!("answers.{unknown}"),
            format!(
                "is not a field of the intake; they are {}",
                one_of(known.iter().map(String::as_str))
            ),
        ));
    }
    let input: IntakeInput =
        serde_path_to_error::deserialize(Value::Object(fields)).map_err(|e| {
            let field = format!("answers.{}", e.path());
            unreadable(field, e.into_inner().to_string())
        })?;
    Ok(Answers::Intake {
        input: Box::new(input),
        finish,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(r: ApiResult<Answers>) -> (u16, Option<String>) {
        let e = match r {
            Err(e) => e.0,
            Ok(a) => panic!("read {a:?}"),
        };
        let field = match &e {
            AppError::Invalid(f) => Some(f.field.clone()),
            AppError::BadRequest { field, .. } => field.clone(),
            _ => None,
        };
        (e.status().as_u16(), field)
    }

    #[test]
    fn instrument_answers_are_whole_numbers_or_null() {
        let tsk = Form::Instrument("tsk11");
        assert_eq!(
            answers(tsk, Some(json!([1, null, 4]))).ok(),
            Some(Answers::Instrument(vec![Some(1), None, Some(4)]))
        );
        for (bad, field) in [
            (json!([1, "2"]), "answers[2]"),
            (json!([1.5]), "answers[1]"),
            (json!([1, 2, 3_000_000_000_i64]), "answers[3]"),
            (json!({"1": 2}), "answers"),
        ] {
            assert_eq!(
                field_of(answers(tsk, Some(bad.clone()))),
                (400, Some(field.into())),
                "{bad}"
            );
        }
        assert_eq!(field_of(answers(tsk, None)), (422, Some("answers".into())));
    }

    #[test]
    fn red_flag_answers_are_booleans() {
        let n = RED_FLAGS.len();
        let mut given = vec![json!(false); n];
        given[0] = json!(true);
        given[1] = Value::Null;
        let Ok(Answers::RedFlags(read)) = answers(Form::RedFlags, Some(json!(given))) else {
            panic!("not read");
        };
        assert_eq!(read.len(), n);
        assert_eq!((read[0], read[1], read[2]), (Some(true), None, Some(false)));
        assert_eq!(
            field_of(answers(Form::RedFlags, Some(json!([true, "no"])))),
            (400, Some("answers[2]".into()))
        );
    }

    #[test]
    fn the_intake_takes_its_own_fields_and_finish() {
        let Ok(Answers::Intake { input, finish }) = answers(
            Form::Intake,
            Some(json!({"everyday_life": "Office work", "expectations": ["exercise"]})),
        ) else {
            panic!("not read");
        };
        assert!(finish, "finished unless told otherwise");
        assert_eq!(input.everyday_life, "Office work");
        assert_eq!(input.expectations, vec!["exercise".to_string()]);
        let Ok(Answers::Intake { finish, .. }) =
            answers(Form::Intake, Some(json!({"finish": false})))
        else {
            panic!("not read");
        };
        assert!(!finish);
        for (bad, field) in [
            (json!({"shoe_size": 44}), "answers.shoe_size"),
            (json!({"everyday_life": 3}), "answers.everyday_life"),
            (json!({"finish": "yes"}), "answers.finish"),
            (json!([1, 2]), "answers"),
        ] {
            assert_eq!(
                field_of(answers(Form::Intake, Some(bad.clone()))),
                (400, Some(field.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_domains_names_are_given_as_places_in_answers() {
        let named = |form, field: &str| match in_answers(
            form,
            CareError::Invalid(FieldError::new(field, "rule", "message")),
        )
        .0
        {
            AppError::Invalid(f) => f.field,
            other => panic!("{other:?}"),
        };
        assert_eq!(named(Form::RedFlags, RED_FLAGS[2].key), "answers[3]");
        assert_eq!(named(Form::RedFlags, "answers"), "answers");
        assert_eq!(named(Form::Intake, "expectations"), "answers.expectations");
        assert_eq!(named(Form::Intake, "time_point"), "time_point");
        assert_eq!(named(Form::Instrument("tsk11"), "answers[2]"), "answers[2]");
    }

    #[test]
    fn time_points_and_forms_are_named_in_errors() {
        assert_eq!(time_point(Some("baseline")).ok(), Some(TimePoint::Baseline));
        let e = time_point(Some("later")).err().map(|e| e.0);
        assert!(
            matches!(&e, Some(AppError::Invalid(f)) if f.field == "time_point" && f.rule == "one_of" && f.message.contains("`six_months`")),
            "{e:?}"
        );
        assert!(form(TimePoint::Baseline, Some("tsk11")).is_ok());
        let e = form(TimePoint::DuringCare, Some("tsk11"))
            .err()
            .map(|e| e.0);
        assert!(
            matches!(&e, Some(AppError::Invalid(f)) if f.field == "instrument" && f.message.contains("`waisr`")),
            "{e:?}"
        );
    }
}
