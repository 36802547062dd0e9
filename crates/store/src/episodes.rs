//! Episodes of care and what the assessment records in them: questionnaire,
//! intake and red-flag responses, red-flag clearances and belief reviews.
//! Scoped like patient records: a clinician reaches the episodes of their
//! clinic, a patient only their own.

use jiff::civil::Date;
use rapport_domain::access::{Action, Area};
use rapport_domain::assessment::{RedFlagState, TimePoint};
use rapport_domain::identity::{ClinicId, PatientId, Role, UserId};
use serde::Serialize;

use crate::audit::{Event, audit_insert};
use crate::types::{Day, Ts};
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

/// One course of care of one patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CareEpisode {
    pub id: i64,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub opened_on: Date,
    pub discharged_on: Option<Date>,
    pub red_flag: RedFlagState,
    pub red_flag_at: Option<jiff::Timestamp>,
}

#[derive(sqlx::FromRow)]
struct EpisodeRow {
    id: i64,
    clinic_id: i64,
    patient_id: i64,
    opened_on: Day,
    discharged_on: Option<Day>,
    red_flag: String,
    red_flag_at: Option<Ts>,
}

impl From<EpisodeRow> for CareEpisode {
    fn from(r: EpisodeRow) -> Self {
        CareEpisode {
            id: r.id,
            clinic_id: ClinicId(r.clinic_id),
            patient_id: PatientId(r.patient_id),
            opened_on: r.opened_on.to_jiff(),
            discharged_on: r.discharged_on.map(|d| d.to_jiff()),
            red_flag: RedFlagState::parse(&r.red_flag).unwrap_or(RedFlagState::Unscreened),
            red_flag_at: r.red_flag_at.map(|t| t.0),
        }
    }
}

/// Why a write about a patient's episode found nothing to act on: `NotFound`
/// when the patient is not one of the actor's clinic (its existence is not
/// revealed), otherwise a conflict that says what the record lacks.
macro_rules! missing_in_clinic {
    ($tx:expr, $actor:expr, $patient:expr, $why:expr) => {{
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2")
                .bind($patient.0)
                .bind($actor.clinic_id.0)
                .fetch_optional($tx)
                .await?;
        match exists {
            None => $crate::StoreError::NotFound,
            Some(_) => $crate::StoreError::Conflict(String::from($why)),
        }
    }};
}
pub(crate) use missing_in_clinic;

/// Puts a patient's current episode first: the open one, else the latest.
macro_rules! current_episode_first {
    () => {
        "ORDER BY (e.discharged_on IS NULL) DESC, e.opened_on DESC, e.id DESC LIMIT 1"
    };
}
pub(crate) use current_episode_first;

/// The id of the current episode of patient `$1` in clinic `$2`, as a subquery.
macro_rules! current_episode_id {
    () => {
        concat!(
            "(SELECT e.id FROM episodes e WHERE e.patient_id = $1 AND e.clinic_id = $2 ",
            crate::episodes::current_episode_first!(),
            ")"
        )
    };
}
pub(crate) use current_episode_id;

macro_rules! episode_columns {
    () => {
        "e.id, e.clinic_id, e.patient_id, e.opened_on, e.discharged_on, e.red_flag, e.red_flag_at"
    };
}

/// SQLite's RETURNING takes unqualified column names only.
macro_rules! episode_returning {
    () => {
        "id, clinic_id, patient_id, opened_on, discharged_on, red_flag, red_flag_at"
    };
}

/// A saved form: a questionnaire, the intake or the red-flag screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormResponse {
    pub id: i64,
    pub episode_id: i64,
    pub patient_id: PatientId,
    pub time_point: TimePoint,
    /// `red_flags`, `intake` or an instrument code.
    pub form: String,
    pub version: String,
    /// The raw answers as given.
    pub answers: serde_json::Value,
    /// What was computed from them: the score, the screen result, the intake.
    pub result: Option<serde_json::Value>,
    pub total: Option<f64>,
    pub band: Option<String>,
    pub complete: bool,
    pub entered_by: UserId,
    /// Entered by a clinician for the patient.
    pub on_behalf: bool,
    pub updated_at: jiff::Timestamp,
    pub completed_at: Option<jiff::Timestamp>,
}

#[derive(sqlx::FromRow)]
struct FormRow {
    id: i64,
    episode_id: i64,
    patient_id: i64,
    time_point: String,
    form: String,
    version: String,
    answers: String,
    result: Option<String>,
    total: Option<f64>,
    band: Option<String>,
    complete: bool,
    entered_by: i64,
    on_behalf: bool,
    updated_at: Ts,
    completed_at: Option<Ts>,
}

impl FormRow {
    fn into_response(self) -> Result<FormResponse> {
        let bad = |what: &str| {
            StoreError::Conflict(format!("stored form {} has an unreadable {what}", self.id))
        };
        Ok(FormResponse {
            id: self.id,
            episode_id: self.episode_id,
            patient_id: PatientId(self.patient_id),
            time_point: TimePoint::parse(&self.time_point).ok_or_else(|| bad("time point"))?,
            answers: serde_json::from_str(&self.answers).map_err(|_| bad("answers"))?,
            result: self
                .result
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| bad("result"))?,
            form: self.form,
            version: self.version,
            total: self.total,
            band: self.band,
            complete: self.complete,
            entered_by: UserId(self.entered_by),
            on_behalf: self.on_behalf,
            updated_at: self.updated_at.0,
            completed_at: self.completed_at.map(|t| t.0),
        })
    }
}

macro_rules! form_columns {
    () => {
        "f.id, f.episode_id, f.patient_id, f.time_point, f.form, f.version, f.answers, f.result, f.total, f.band, \
         f.complete, f.entered_by, f.on_behalf, f.updated_at, f.completed_at"
    };
}

macro_rules! form_returning {
    () => {
        "id, episode_id, patient_id, time_point, form, version, answers, result, total, band, \
         complete, entered_by, on_behalf, updated_at, completed_at"
    };
}

/// A form to save. `complete` forms are final; an incomplete one (a partly
/// filled intake) can be saved again.
#[derive(Debug, Clone)]
pub struct FormInput {
    pub time_point: TimePoint,
    pub form: String,
    pub version: String,
    pub answers: serde_json::Value,
    pub result: Option<serde_json::Value>,
    pub total: Option<f64>,
    pub band: Option<String>,
    pub complete: bool,
    /// For the red-flag screen: whether it was positive.
    pub red_flag_positive: Option<bool>,
}

/// The clinician's review of the beliefs checklist with the patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeliefReview {
    pub id: i64,
    pub episode_id: i64,
    pub reviewed_by: UserId,
    pub confirmed: Vec<String>,
    /// Confirmed beliefs the patient no longer holds.
    pub reconciled: Vec<String>,
    pub note: String,
    pub reviewed_on: Date,
}

#[derive(sqlx::FromRow)]
struct BeliefRow {
    id: i64,
    episode_id: i64,
    reviewed_by: i64,
    confirmed: String,
    reconciled: String,
    note: String,
    reviewed_on: Day,
}

/// A positive red-flag screen awaiting clearance, for the clinician's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedFlagAlert {
    pub patient_id: PatientId,
    pub given_name: String,
    pub family_name: String,
    pub episode_id: i64,
    pub since: Option<jiff::Timestamp>,
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    patient_id: i64,
    given_name: String,
    family_name: String,
    episode_id: i64,
    red_flag_at: Option<Ts>,
}

/// An episode and the forms completed in it, for the schedule of a clinic.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeForms {
    pub episode: CareEpisode,
    pub given_name: String,
    pub family_name: String,
    /// (time point, form key) of each completed form.
    pub done: Vec<(TimePoint, String)>,
    /// The day of the episode's second contact, from which the alliance is
    /// asked during care.
    pub second_contact: Option<Date>,
}

impl Store {
    /// Opens a new episode for a patient of the clinician's clinic. A patient
    /// has at most one open episode.
    pub async fn episode_open(
        &self,
        actor: &Actor,
        patient: PatientId,
        opened_on: Date,
    ) -> Result<CareEpisode> {
        let result = self.episode_open_inner(actor, patient, opened_on).await;
        self.audited(actor, "episode.open", Some(patient), result)
            .await
    }

    async fn episode_open_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        opened_on: Date,
    ) -> Result<CareEpisode> {
        actor.require(Area::ClinicalWork, Action::Write)?;
        let sql = concat!(
            "INSERT INTO episodes (clinic_id, patient_id, opened_on, created_at) VALUES ($1, $2, $3, $4) RETURNING ",
            episode_returning!()
        );
        let row: EpisodeRow = in_tx!(self, |tx| {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2")
                    .bind(patient.0)
                    .bind(actor.clinic_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            found.ok_or(StoreError::NotFound)?;
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM episodes WHERE patient_id = $1 AND discharged_on IS NULL",
            )
            .bind(patient.0)
            .fetch_optional(&mut *tx)
            .await?;
            if open.is_some() {
                return Err(StoreError::Conflict(
                    "the patient already has an open episode of care".into(),
                ));
            }
            let row: EpisodeRow = sqlx::query_as(sql)
                .bind(actor.clinic_id.0)
                .bind(patient.0)
                .bind(Day::from(opened_on))
                .bind(Ts::now())
                .fetch_one(&mut *tx)
                .await?;
            let event = Event::new("episode.open", "episode")
                .record(row.id)
                .detail(format!("opened_on={opened_on}"));
            let event = crate::audit::Event {
                patient_id: Some(patient.0),
                ..event
            };
            audit_insert!(&mut *tx, actor, &event);
            row
        });
        Ok(row.into())
    }

    /// Discharges the open episode of a patient.
    pub async fn episode_discharge(
        &self,
        actor: &Actor,
        patient: PatientId,
        on: Date,
    ) -> Result<CareEpisode> {
        let result = self.episode_discharge_inner(actor, patient, on).await;
        self.audited(actor, "episode.discharge", Some(patient), result)
            .await
    }

    async fn episode_discharge_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        on: Date,
    ) -> Result<CareEpisode> {
        actor.require(Area::ClinicalWork, Action::Write)?;
        let sql = concat!(
            "UPDATE episodes SET discharged_on = $1 WHERE patient_id = $2 AND clinic_id = $3 ",
            "AND discharged_on IS NULL AND opened_on <= $1 RETURNING ",
            episode_returning!()
        );
        let row: EpisodeRow = in_tx!(self, |tx| {
            let row: Option<EpisodeRow> = sqlx::query_as(sql)
                .bind(Day::from(on))
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "no open episode to discharge, or the date is before the episode opened"
                ));
            };
            let event = Event::new("episode.discharge", "episode")
                .record(row.id)
                .detail(format!("discharged_on={on}"));
            audit_insert!(
                &mut *tx,
                actor,
                &crate::audit::Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            row
        });
        Ok(row.into())
    }

    /// The patient's current episode: the open one, or else the latest.
    pub async fn episode_current(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<CareEpisode>> {
        let result = self.episode_current_inner(actor, patient).await;
        self.audited(actor, "episode.read", Some(patient), result)
            .await
    }

    async fn episode_current_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<CareEpisode>> {
        let scope = actor.scope(Area::CarePlan, Action::Read)?;
        let sql = concat!(
            "SELECT ",
            episode_columns!(),
            " FROM episodes e WHERE e.patient_id = $1 AND e.clinic_id = $2 AND ($3 IS NULL OR e.patient_id = $3) ",
            current_episode_first!()
        );
        let row: Option<EpisodeRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(patient.0)
                .bind(scope.clinic)
                .bind(scope.only)
                .fetch_optional(ex)
                .await?
        });
        if row.is_none() && scope.only.is_some_and(|p| p != patient.0) {
            return Err(StoreError::NotFound);
        }
        Ok(row.map(CareEpisode::from))
    }

    /// Saves a form of an episode. A patient saves their own; a clinician's
    /// entry is recorded as made on the patient's behalf. A completed red-flag
    /// screen sets the episode's red-flag state in the same transaction.
    pub async fn form_save(
        &self,
        actor: &Actor,
        episode_id: i64,
        input: &FormInput,
    ) -> Result<FormResponse> {
        let result = self
            .form_save_inner(actor, episode_id, input, Ts::now())
            .await;
        self.audited(actor, "form.save", actor.patient_id, result)
            .await
    }

    /// [`Store::form_save`] for a form filled in at `at`, not now: a record
    /// entered afterwards, or the demo clinic's history. Never in the future.
    pub async fn form_save_at(
        &self,
        actor: &Actor,
        episode_id: i64,
        input: &FormInput,
        at: jiff::Timestamp,
    ) -> Result<FormResponse> {
        let result = if at > jiff::Timestamp::now() {
            Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "completed_at",
                "not_future",
                "a form is saved once it has been filled in",
            )))
        } else {
            let micros = jiff::Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at);
            self.form_save_inner(actor, episode_id, input, Ts(micros))
                .await
        };
        self.audited(actor, "form.save", actor.patient_id, result)
            .await
    }

    async fn form_save_inner(
        &self,
        actor: &Actor,
        episode_id: i64,
        input: &FormInput,
        now: Ts,
    ) -> Result<FormResponse> {
        let scope = actor.scope(Area::PatientReports, Action::Write)?;
        let answers = serde_json::to_string(&input.answers)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let result = input
            .result
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let on_behalf = actor.role == Role::Clinician;
        let entered_by = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        let select = concat!(
            "SELECT ",
            form_columns!(),
            " FROM form_responses f WHERE f.episode_id = $1 AND f.time_point = $2 AND f.form = $3"
        );
        let upsert = concat!(
            "INSERT INTO form_responses (clinic_id, patient_id, episode_id, time_point, form, version, answers, result, total, band, ",
            "complete, entered_by, on_behalf, updated_at, completed_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ",
            "ON CONFLICT (episode_id, time_point, form) DO UPDATE SET version = excluded.version, answers = excluded.answers, ",
            "result = excluded.result, total = excluded.total, band = excluded.band, complete = excluded.complete, ",
            "entered_by = excluded.entered_by, on_behalf = excluded.on_behalf, updated_at = excluded.updated_at, ",
            "completed_at = excluded.completed_at RETURNING ",
            form_returning!()
        );
        let row: FormRow = in_tx!(self, |tx| {
            let patient: Option<i64> = sqlx::query_scalar(
                "SELECT patient_id FROM episodes WHERE id = $1 AND clinic_id = $2 AND ($3 IS NULL OR patient_id = $3)",
            )
            .bind(episode_id)
            .bind(scope.clinic)
            .bind(scope.only)
            .fetch_optional(&mut *tx)
            .await?;
            let patient = patient.ok_or(StoreError::NotFound)?;
            let existing: Option<FormRow> = sqlx::query_as(select)
                .bind(episode_id)
                .bind(input.time_point.as_str())
                .bind(&input.form)
                .fetch_optional(&mut *tx)
                .await?;
            if existing.is_some_and(|f| f.complete) {
                return Err(StoreError::Conflict(
                    "this form has already been completed".into(),
                ));
            }
            let row: FormRow = sqlx::query_as(upsert)
                .bind(scope.clinic)
                .bind(patient)
                .bind(episode_id)
                .bind(input.time_point.as_str())
                .bind(&input.form)
                .bind(&input.version)
                .bind(&answers)
                .bind(result.as_deref())
                .bind(input.total)
                .bind(input.band.as_deref())
                .bind(input.complete)
                .bind(entered_by)
                .bind(on_behalf)
                .bind(now)
                .bind(input.complete.then_some(now))
                .fetch_one(&mut *tx)
                .await?;
            if input.complete
                && let Some(positive) = input.red_flag_positive
            {
                let state = if positive {
                    RedFlagState::Positive
                } else {
                    RedFlagState::Clear
                };
                sqlx::query("UPDATE episodes SET red_flag = $1, red_flag_at = $2 WHERE id = $3")
                    .bind(state.as_str())
                    .bind(now)
                    .bind(episode_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let detail = format!(
                "form={} time_point={} complete={} on_behalf={on_behalf}{}",
                input.form,
                input.time_point.as_str(),
                input.complete,
                match input.red_flag_positive {
                    Some(true) => " red_flag=positive",
                    Some(false) => " red_flag=clear",
                    None => "",
                }
            );
            let event = Event::new("form.save", "form")
                .record(row.id)
                .detail(detail);
            audit_insert!(
                &mut *tx,
                actor,
                &crate::audit::Event {
                    patient_id: Some(patient),
                    ..event
                }
            );
            row
        });
        row.into_response()
    }

    /// Every form saved in an episode.
    pub async fn forms_of_episode(
        &self,
        actor: &Actor,
        episode_id: i64,
    ) -> Result<Vec<FormResponse>> {
        let result = self.forms_of_episode_inner(actor, episode_id).await;
        self.audited(actor, "form.read", None, result).await
    }

    async fn forms_of_episode_inner(
        &self,
        actor: &Actor,
        episode_id: i64,
    ) -> Result<Vec<FormResponse>> {
        let scope = actor.scope(Area::PatientReports, Action::Read)?;
        let sql = concat!(
            "SELECT ",
            form_columns!(),
            " FROM form_responses f WHERE f.episode_id = $1 AND f.clinic_id = $2 AND ($3 IS NULL OR f.patient_id = $3) ",
            "ORDER BY f.id"
        );
        let rows: Vec<FormRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(episode_id)
                .bind(scope.clinic)
                .bind(scope.only)
                .fetch_all(ex)
                .await?
        });
        let patient = rows.first().map(|r| r.patient_id);
        let forms = rows
            .into_iter()
            .map(FormRow::into_response)
            .collect::<Result<Vec<_>>>()?;
        if let Some(p) = patient {
            let event = Event::new("form.read", "form")
                .detail(format!("episode={episode_id} forms={}", forms.len()));
            self.audit_record(
                actor,
                &crate::audit::Event {
                    patient_id: Some(p),
                    ..event
                },
            )
            .await?;
        }
        Ok(forms)
    }

    /// A clinician records that a positive red-flag screen has been dealt
    /// with (e.g. medical review found no serious pathology), with the reason.
    pub async fn red_flag_clear(
        &self,
        actor: &Actor,
        patient: PatientId,
        reason: &str,
    ) -> Result<CareEpisode> {
        let result = self.red_flag_clear_inner(actor, patient, reason).await;
        self.audited(actor, "red_flag.clear", Some(patient), result)
            .await
    }

    async fn red_flag_clear_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        reason: &str,
    ) -> Result<CareEpisode> {
        actor.require(Area::ClinicalWork, Action::Write)?;
        let reason = reason.trim();
        if reason.chars().count() < 10 || reason.chars().count() > 2000 {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "reason",
                "length",
                "say in 10 to 2000 characters why exercise is now safe (e.g. the outcome of the medical review)",
            )));
        }
        let now = Ts::now();
        let sql = concat!(
            "UPDATE episodes SET red_flag = 'cleared', red_flag_at = $1 WHERE patient_id = $2 AND clinic_id = $3 ",
            "AND discharged_on IS NULL AND red_flag = 'positive' RETURNING ",
            episode_returning!()
        );
        let row: EpisodeRow = in_tx!(self, |tx| {
            let row: Option<EpisodeRow> = sqlx::query_as(sql)
                .bind(now)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "the open episode has no positive red-flag screen to clear"
                ));
            };
            sqlx::query(
                "INSERT INTO red_flag_clearances (clinic_id, episode_id, cleared_by, reason, cleared_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(actor.clinic_id.0)
            .bind(row.id)
            .bind(actor.user_id_raw().ok_or(StoreError::Forbidden)?)
            .bind(reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let event = Event::new("red_flag.clear", "episode")
                .record(row.id)
                .detail(format!("reason={reason}"));
            audit_insert!(
                &mut *tx,
                actor,
                &crate::audit::Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            row
        });
        Ok(row.into())
    }

    /// Open episodes of the clinician's clinic with a positive red-flag screen
    /// not yet cleared, oldest first.
    pub async fn red_flag_alerts(&self, actor: &Actor) -> Result<Vec<RedFlagAlert>> {
        actor.require(Area::ClinicalWork, Action::Read)?;
        let rows: Vec<AlertRow> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT p.id AS patient_id, p.given_name, p.family_name, e.id AS episode_id, e.red_flag_at \
                 FROM episodes e JOIN patients p ON p.id = e.patient_id AND p.clinic_id = e.clinic_id \
                 WHERE e.clinic_id = $1 AND e.red_flag = 'positive' AND e.discharged_on IS NULL ORDER BY e.red_flag_at, e.id",
            )
            .bind(actor.clinic_id.0)
            .fetch_all(ex)
            .await?
        });
        let ids: String = rows.iter().map(|r| format!("{},", r.patient_id)).collect();
        self.audit_record(
            actor,
            &Event::new("patient.list", "red_flag_alerts").detail(format!(",{ids}")),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| RedFlagAlert {
                patient_id: PatientId(r.patient_id),
                given_name: r.given_name,
                family_name: r.family_name,
                episode_id: r.episode_id,
                since: r.red_flag_at.map(|t| t.0),
            })
            .collect())
    }

    /// The clinic's episodes that are open or were discharged within the last
    /// `days`, each with its completed forms, for the schedule of time points.
    pub async fn episodes_with_forms(
        &self,
        actor: &Actor,
        discharged_within_days: i64,
        today: Date,
    ) -> Result<Vec<EpisodeForms>> {
        actor.require(Area::ClinicalWork, Action::Read)?;
        let since = today
            .checked_sub(jiff::Span::new().days(discharged_within_days))
            .unwrap_or(today);
        let sql = concat!(
            "SELECT ",
            episode_columns!(),
            ", p.given_name, p.family_name FROM episodes e JOIN patients p ON p.id = e.patient_id AND p.clinic_id = e.clinic_id ",
            "WHERE e.clinic_id = $1 AND (e.discharged_on IS NULL OR e.discharged_on >= $2) ORDER BY e.id"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            e: EpisodeRow,
            given_name: String,
            family_name: String,
        }
        let rows: Vec<Row> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(actor.clinic_id.0)
                .bind(Day::from(since))
                .fetch_all(ex)
                .await?
        });
        let done: Vec<(i64, String, String)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT f.episode_id, f.time_point, f.form FROM form_responses f JOIN episodes e ON e.id = f.episode_id \
                 WHERE f.clinic_id = $1 AND f.complete AND (e.discharged_on IS NULL OR e.discharged_on >= $2)",
            )
            .bind(actor.clinic_id.0)
            .bind(Day::from(since))
            .fetch_all(ex)
            .await?
        });
        let contacts: Vec<(i64, Day)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT f.episode_id, f.contact_on FROM follow_ups f JOIN episodes e ON e.id = f.episode_id \
                 WHERE f.clinic_id = $1 AND (e.discharged_on IS NULL OR e.discharged_on >= $2) \
                 ORDER BY f.episode_id, f.contact_on",
            )
            .bind(actor.clinic_id.0)
            .bind(Day::from(since))
            .fetch_all(ex)
            .await?
        });
        let mut second: std::collections::HashMap<i64, Date> = std::collections::HashMap::new();
        for pair in contacts.windows(2) {
            if pair[0].0 == pair[1].0 {
                second.entry(pair[1].0).or_insert(pair[1].1.to_jiff());
            }
        }
        let mut by_episode: std::collections::HashMap<i64, Vec<(TimePoint, String)>> =
            std::collections::HashMap::new();
        for (episode, tp, form) in done {
            if let Some(tp) = TimePoint::parse(&tp) {
                by_episode.entry(episode).or_default().push((tp, form));
            }
        }
        let ids: String = rows
            .iter()
            .map(|r| format!("{},", r.e.patient_id))
            .collect();
        self.audit_record(
            actor,
            &Event::new("patient.list", "schedule").detail(format!(",{ids}")),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| EpisodeForms {
                done: by_episode.remove(&r.e.id).unwrap_or_default(),
                second_contact: second.get(&r.e.id).copied(),
                given_name: r.given_name,
                family_name: r.family_name,
                episode: r.e.into(),
            })
            .collect())
    }

    /// Records the beliefs and fears the clinician confirmed with the patient.
    pub async fn belief_review_save(
        &self,
        actor: &Actor,
        episode_id: i64,
        confirmed: &[String],
        reconciled: &[String],
        note: &str,
        on: Date,
    ) -> Result<BeliefReview> {
        let result = self
            .belief_review_save_inner(actor, episode_id, confirmed, reconciled, note, on)
            .await;
        self.audited(actor, "beliefs.review", None, result).await
    }

    async fn belief_review_save_inner(
        &self,
        actor: &Actor,
        episode_id: i64,
        confirmed: &[String],
        reconciled: &[String],
        note: &str,
        on: Date,
    ) -> Result<BeliefReview> {
        actor.require(Area::ClinicalWork, Action::Write)?;
        // A belief is reconciled once the patient held it: it is one they confirm.
        if let Some(bad) = reconciled.iter().find(|k| !confirmed.contains(k)) {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "reconciled",
                "confirmed",
                format!("`{bad}` can be marked as no longer held only if it is ticked as held"),
            )));
        }
        if let Some(bad) = confirmed
            .iter()
            .find(|k| rapport_domain::assessment::beliefs::belief(k).is_none())
        {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "confirmed",
                "one_of",
                format!("`{bad}` is not a belief of the checklist"),
            )));
        }
        let note = note.trim();
        if note.chars().count() > 2000 {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "note",
                "max_length",
                "must be at most 2000 characters",
            )));
        }
        let keys =
            serde_json::to_string(confirmed).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let settled =
            serde_json::to_string(reconciled).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let row: BeliefRow = in_tx!(self, |tx| {
            let patient: Option<i64> = sqlx::query_scalar(
                "SELECT patient_id FROM episodes WHERE id = $1 AND clinic_id = $2",
            )
            .bind(episode_id)
            .bind(actor.clinic_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            let patient = patient.ok_or(StoreError::NotFound)?;
            let row: BeliefRow = sqlx::query_as(
                "INSERT INTO belief_reviews (clinic_id, episode_id, reviewed_by, confirmed, note, reviewed_on, reviewed_at, reconciled) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, episode_id, reviewed_by, confirmed, reconciled, note, reviewed_on",
            )
            .bind(actor.clinic_id.0)
            .bind(episode_id)
            .bind(actor.user_id_raw().ok_or(StoreError::Forbidden)?)
            .bind(&keys)
            .bind(note)
            .bind(Day::from(on))
            .bind(Ts::now())
            .bind(&settled)
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::new("beliefs.review", "episode")
                .record(episode_id)
                .detail(format!(
                    "confirmed={} reconciled={}",
                    confirmed.join(","),
                    reconciled.join(",")
                ));
            audit_insert!(
                &mut *tx,
                actor,
                &crate::audit::Event {
                    patient_id: Some(patient),
                    ..event
                }
            );
            row
        });
        belief_review(row)
    }

    /// The latest beliefs review of an episode.
    pub async fn belief_review_latest(
        &self,
        actor: &Actor,
        episode_id: i64,
    ) -> Result<Option<BeliefReview>> {
        actor.require(Area::ClinicalWork, Action::Read)?;
        let row: Option<BeliefRow> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT id, episode_id, reviewed_by, confirmed, reconciled, note, reviewed_on FROM belief_reviews \
                 WHERE episode_id = $1 AND clinic_id = $2 ORDER BY id DESC LIMIT 1",
            )
            .bind(episode_id)
            .bind(actor.clinic_id.0)
            .fetch_optional(ex)
            .await?
        });
        row.map(belief_review).transpose()
    }

    /// Licensed item wording loaded for a clinic (TOML or JSON text as loaded).
    pub async fn wording_put(
        &self,
        clinic: ClinicId,
        instrument: &str,
        version: &str,
        language: &str,
        source: &str,
        wording: &str,
    ) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO instrument_wording (clinic_id, instrument, version, language, source, wording, loaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (clinic_id, instrument, version, language) \
                 DO UPDATE SET source = excluded.source, wording = excluded.wording, loaded_at = excluded.loaded_at",
            )
            .bind(clinic.0)
            .bind(instrument)
            .bind(version)
            .bind(language)
            .bind(source)
            .bind(wording)
            .bind(Ts::now())
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The wording a clinic loaded last for an instrument version, in any
    /// language: (source, text).
    pub async fn wording_latest(
        &self,
        clinic: ClinicId,
        instrument: &str,
        version: &str,
    ) -> Result<Option<(String, String)>> {
        Ok(on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT source, wording FROM instrument_wording WHERE clinic_id = $1 AND instrument = $2 AND version = $3 \
                 ORDER BY loaded_at DESC LIMIT 1",
            )
            .bind(clinic.0)
            .bind(instrument)
            .bind(version)
            .fetch_optional(ex)
            .await?
        }))
    }

    /// The wording a clinic loaded for an instrument version, if any: (source, text).
    pub async fn wording_get(
        &self,
        clinic: ClinicId,
        instrument: &str,
        version: &str,
        language: &str,
    ) -> Result<Option<(String, String)>> {
        Ok(on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT source, wording FROM instrument_wording WHERE clinic_id = $1 AND instrument = $2 AND version = $3 AND language = $4",
            )
            .bind(clinic.0)
            .bind(instrument)
            .bind(version)
            .bind(language)
            .fetch_optional(ex)
            .await?
        }))
    }
}

fn belief_review(r: BeliefRow) -> Result<BeliefReview> {
    Ok(BeliefReview {
        id: r.id,
        episode_id: r.episode_id,
        reviewed_by: UserId(r.reviewed_by),
        confirmed: serde_json::from_str(&r.confirmed)
            .map_err(|_| StoreError::Conflict(format!("belief review {} is unreadable", r.id)))?,
        reconciled: serde_json::from_str(&r.reconciled)
            .map_err(|_| StoreError::Conflict(format!("belief review {} is unreadable", r.id)))?,
        note: r.note,
        reviewed_on: r.reviewed_on.to_jiff(),
    })
}
