//! Saving a form: the red-flag screen, the intake or a questionnaire, from
//! the answers as given (a page's fields or an API body), scored by the
//! domain, checked against the episode's schedule, then stored. The page and
//! `POST /api/v1/patients/{id}/forms` both save through [`Care::save_form`].

use rapport_domain::assessment::{DueStatus, Form, IntakeInput, TimePoint, red_flags};
use rapport_domain::identity::{PatientId, Role};
use rapport_domain::instruments;
use rapport_domain::{Error, FieldError};
use rapport_store::{Actor, FormInput, FormResponse};

use crate::chart::{Chart, today_of};
use crate::{Care, CareError, Result};

/// The answers to one form, as given.
#[derive(Debug, Clone, PartialEq)]
pub enum Answers {
    /// One answer per red flag, in [`red_flags::RED_FLAGS`] order; `None`
    /// unanswered.
    RedFlags(Vec<Option<bool>>),
    /// The intake as typed; `finish` marks it complete, else it is kept to
    /// finish later.
    Intake {
        input: Box<IntakeInput>,
        finish: bool,
    },
    /// Each item's raw answer in item order; `None` unanswered.
    Instrument(Vec<Option<i32>>),
}

/// The form of `tp` with key `key`, if the time point has one.
pub fn form_of(tp: TimePoint, key: &str) -> Option<Form> {
    tp.forms().iter().copied().find(|f| f.key() == key)
}

/// The stored form the answers make, scored and checked by the domain; an
/// error names the answer at fault.
pub fn form_input(tp: TimePoint, form: Form, answers: &Answers) -> Result<FormInput, Error> {
    match (form, answers) {
        (Form::RedFlags, Answers::RedFlags(answers)) => {
            let result = red_flags::screen(answers)?;
            Ok(FormInput {
                time_point: tp,
                form: "red_flags".into(),
                version: "1".into(),
                answers: serde_json::json!(answers),
                result: Some(serde_json::json!(result)),
                total: Some(result.positive.len() as f64),
                band: Some(
                    if result.is_positive() {
                        "positive"
                    } else {
                        "clear"
                    }
                    .into(),
                ),
                complete: true,
                red_flag_positive: Some(result.is_positive()),
            })
        }
        (Form::Intake, Answers::Intake { input, finish }) => {
            let intake = input.validate()?;
            Ok(FormInput {
                time_point: tp,
                form: "intake".into(),
                version: "1".into(),
                answers: serde_json::json!(input),
                result: Some(serde_json::json!(intake)),
                total: None,
                band: None,
                complete: *finish,
                red_flag_positive: None,
            })
        }
        (Form::Instrument(code), Answers::Instrument(answers)) => {
            let instrument = instruments::find(code)?;
            let score = instrument.score(answers)?;
            Ok(FormInput {
                time_point: tp,
                form: code.into(),
                version: instrument.version.into(),
                answers: serde_json::json!(answers),
                total: score.total,
                band: score.band.as_ref().map(|b| b.code.clone()),
                result: Some(serde_json::json!(score)),
                complete: true,
                red_flag_positive: None,
            })
        }
        _ => Err(Error::invalid(
            "answers",
            "form",
            format!("are not answers to the {} form", form.key()),
        )),
    }
}

/// Whether `tp`'s forms are open in `chart` for `actor`: a patient waits for
/// the time point's window; a clinician may enter them once the episode has
/// reached the time point.
pub fn check_open(chart: &Chart, tp: TimePoint, actor: &Actor) -> Result<()> {
    let today = today_of(chart);
    match chart
        .schedule(today)
        .into_iter()
        .find(|i| i.time_point == tp)
    {
        Some(i) if i.status != DueStatus::Upcoming || actor.role == Role::Clinician => Ok(()),
        Some(i) => Err(CareError::Invalid(FieldError::new(
            "time_point",
            "open",
            format!("these forms open on {}; come back then", i.opens_on),
        ))),
        None => Err(CareError::Invalid(FieldError::new(
            "time_point",
            "in_schedule",
            format!(
                "the {} forms are not part of this episode yet",
                tp.label().to_lowercase()
            ),
        ))),
    }
}

impl Care {
    /// Saves a form of the patient's current episode: the patient's own, or
    /// a clinician's entry on their behalf.
    pub async fn save_form(
        &self,
        actor: &Actor,
        patient: PatientId,
        tp: TimePoint,
        form: Form,
        answers: &Answers,
    ) -> Result<FormResponse> {
        let Some(chart) = self.chart(actor, patient).await? else {
            return Err(self
                .no_chart(
                    actor,
                    patient,
                    "there is no episode of care yet; a clinician opens one on the patient's page",
                )
                .await);
        };
        check_open(&chart, tp, actor)?;
        let input = form_input(tp, form, answers)?;
        Ok(self
            .store
            .form_save(actor, chart.episode.id, &input)
            .await?)
    }
}
