//! Support between visits: the patient's session logs and the clinician's
//! feedback on them, follow-up contacts, messages, and a clinic's monitoring
//! thresholds. Scoped and audited like every patient record: a patient logs,
//! reads and writes messages for themself only; clinicians of the clinic do
//! the rest.

use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};
use rapport_domain::FieldError;
use rapport_domain::access::{Action, Area};
use rapport_domain::identity::{PatientId, Role};
use rapport_domain::monitoring::{LogInput, PlanVersion, SessionLog, SkipReason, Thresholds};
use rapport_domain::theory::episode::{Completion, FollowUp, FollowUpKind, Practice};
use serde::Serialize;

use crate::audit::{Event, audit_insert};
use crate::episodes::missing_in_clinic;
use crate::types::{Day, Ts};
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

/// Longest comment, message or follow-up note, in characters.
pub const TEXT_MAX: usize = 2000;

/// Where a log came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogSource {
    /// The patient's own pages.
    Web,
    /// Another app through the API.
    Api,
    /// Entered by a clinician for the patient (e.g. at a supervised session).
    Clinician,
}

impl LogSource {
    fn as_str(self) -> &'static str {
        match self {
            LogSource::Web => "web",
            LogSource::Api => "api",
            LogSource::Clinician => "clinician",
        }
    }
}

/// A stored session log with the clinician's comments on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredLog {
    pub id: i64,
    pub episode_id: i64,
    #[serde(flatten)]
    pub log: SessionLog,
    pub source: String,
    pub created_at: Timestamp,
    pub comments: Vec<LogComment>,
}

/// A clinician's feedback on one log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogComment {
    pub id: i64,
    pub log_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: Timestamp,
    /// Whether the patient has opened it.
    pub seen: bool,
}

/// A follow-up contact as the clinician records it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowUpInput {
    pub date: Option<Date>,
    pub kind: Option<FollowUpKind>,
    pub feedback_given: Option<bool>,
    pub feels_supported: Option<bool>,
    pub notes: String,
    /// Technique corrections made at a supervised session.
    pub corrections: String,
    /// The plan version this contact produced, if the plan was changed.
    pub plan_version: Option<i64>,
    /// The next contact as computed after this one, and why.
    pub next_contact_on: Option<Date>,
    pub next_reason: Option<String>,
    /// What the clinician did at the contact, and whether they went through
    /// the whole checklist (then a practice not ticked was not done).
    pub contact: ContactPractice,
}

/// What a contact recorded besides its date and kind: the consultation
/// practices, supervision and the patient's rating of change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContactPractice {
    pub practices: std::collections::BTreeSet<Practice>,
    pub checklist_complete: bool,
    /// Supervised only: technique corrected.
    pub corrected: Option<bool>,
    /// Supervised only: the dose progressed (linked to the plan step in
    /// `plan_version` when the plan was changed with it).
    pub progressed: Option<bool>,
    /// The patient's global impression of change, 1 (very much improved) to
    /// 7 (very much worse), the PGIC's scale.
    pub benefit: Option<u8>,
}

impl FollowUpInput {
    /// Every check but the plan version's: a date in the episode
    /// (`opened_on` on) and not in the future, a kind, notes of sensible
    /// length, corrections only at a supervised session. A caller that
    /// changes the plan with the contact checks first, so a refused contact
    /// changes nothing.
    pub fn validate(&self, today: Date, opened_on: Date) -> Result<()> {
        self.checked(today, opened_on).map(|_| ())
    }

    fn checked(
        &self,
        today: Date,
        opened_on: Date,
    ) -> Result<(Date, FollowUpKind, String, String)> {
        let date = self
            .date
            .ok_or_else(|| invalid("date", "required", "is required"))?;
        if date > today {
            return Err(invalid(
                "date",
                "not_future",
                "a contact is recorded once it has happened",
            ));
        }
        if date < opened_on {
            return Err(invalid(
                "date",
                "in_episode",
                "must be on or after the day the episode was opened",
            ));
        }
        let kind = self
            .kind
            .ok_or_else(|| invalid("kind", "required", "is required"))?;
        let notes = text("notes", &self.notes, false)?;
        let corrections = text("corrections", &self.corrections, false)?;
        if !corrections.is_empty() && kind != FollowUpKind::Supervised {
            return Err(invalid(
                "corrections",
                "only_when_supervised",
                "corrections are recorded for a supervised session",
            ));
        }
        let c = &self.contact;
        for (field, given) in [("corrected", c.corrected), ("progressed", c.progressed)] {
            if given.is_some() && kind != FollowUpKind::Supervised {
                return Err(invalid(
                    field,
                    "only_when_supervised",
                    "is recorded for a supervised session",
                ));
            }
        }
        if c.benefit.is_some_and(|b| !(1..=7).contains(&b)) {
            return Err(invalid(
                "benefit",
                "range",
                "must be from 1 (very much improved) to 7 (very much worse)",
            ));
        }
        Ok((date, kind, notes, corrections))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFollowUp {
    pub id: i64,
    pub episode_id: i64,
    #[serde(flatten)]
    pub follow_up: FollowUp,
    pub notes: String,
    pub corrections: String,
    pub plan_version: Option<i64>,
    pub next_contact_on: Option<Date>,
    pub next_reason: Option<String>,
    pub recorded_by: Option<String>,
    pub contact: ContactPractice,
}

/// A message between the patient and the clinic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: i64,
    pub from_patient: bool,
    pub sender: String,
    pub body: String,
    pub created_at: Timestamp,
    pub read: bool,
}

/// What the monitoring pages read about a patient's current episode.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringRecord {
    pub episode_id: i64,
    pub opened_on: Date,
    pub discharged_on: Option<Date>,
    /// The patient's IANA time zone (their own choice, or the clinic's).
    pub time_zone: String,
    pub plans: Vec<PlanVersion>,
    /// Oldest first.
    pub logs: Vec<StoredLog>,
    /// Oldest first.
    pub follow_ups: Vec<StoredFollowUp>,
    pub thresholds: Thresholds,
}

impl MonitoringRecord {
    pub fn session_logs(&self) -> Vec<SessionLog> {
        self.logs.iter().map(|l| l.log.clone()).collect()
    }

    pub fn domain_follow_ups(&self) -> Vec<FollowUp> {
        self.follow_ups
            .iter()
            .map(|f| f.follow_up.clone())
            .collect()
    }

    pub fn zone(&self) -> TimeZone {
        crate::outbox::zone_or_utc(&self.time_zone)
    }
}

fn invalid(field: &str, rule: &str, message: &str) -> StoreError {
    StoreError::Invalid(FieldError::new(field, rule, message))
}

/// Trimmed free text: required or not, at most [`TEXT_MAX`] characters, no
/// control characters but line breaks and tabs.
fn text(field: &str, raw: &str, required: bool) -> Result<String> {
    let t = raw.trim();
    if required && t.is_empty() {
        return Err(invalid(field, "required", "is required"));
    }
    if t.chars().count() > TEXT_MAX {
        return Err(invalid(
            field,
            "max_length",
            "must be at most 2000 characters",
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(
            field,
            "characters",
            "must not contain control characters",
        ));
    }
    Ok(t.to_string())
}

// The codes stored in `session_logs.completion` and `follow_ups.kind` (see
// the CHECK constraints of migration 0004), and back. Every reader and writer
// of those columns goes through these.

pub(crate) fn completion_str(c: Completion) -> &'static str {
    match c {
        Completion::Completed => "done",
        Completion::Partly => "partly",
        Completion::Skipped => "skipped",
    }
}

pub(crate) fn completion_parse(s: &str) -> Option<Completion> {
    Some(match s {
        "done" => Completion::Completed,
        "partly" => Completion::Partly,
        "skipped" => Completion::Skipped,
        _ => return None,
    })
}

/// A stored value that no longer reads as what was written.
pub(crate) fn unreadable(
    what: &str,
    id: impl std::fmt::Display,
    why: impl std::fmt::Display,
) -> StoreError {
    StoreError::Conflict(format!("stored {what} {id} is unreadable: {why}"))
}

pub(crate) fn kind_str(k: FollowUpKind) -> &'static str {
    match k {
        FollowUpKind::Phone => "phone",
        FollowUpKind::Video => "video",
        FollowUpKind::InPerson => "in_person",
        FollowUpKind::Supervised => "supervised",
    }
}

pub fn kind_parse(s: &str) -> Option<FollowUpKind> {
    Some(match s {
        "phone" => FollowUpKind::Phone,
        "video" => FollowUpKind::Video,
        "in_person" => FollowUpKind::InPerson,
        "supervised" => FollowUpKind::Supervised,
        _ => return None,
    })
}

#[derive(sqlx::FromRow)]
struct LogRow {
    id: i64,
    episode_id: i64,
    exercise_id: String,
    log_date: Day,
    at: Option<Ts>,
    completion: String,
    skip_reason: Option<String>,
    sets: Option<i32>,
    reps: Option<i32>,
    minutes: Option<i32>,
    pain_before: Option<i32>,
    pain_after: Option<i32>,
    difficulty: Option<i32>,
    enjoyment: Option<i32>,
    note: Option<String>,
    source: String,
    created_at: Ts,
}

macro_rules! log_columns {
    () => {
        "l.id, l.episode_id, l.exercise_id, l.log_date, l.at, l.completion, l.skip_reason, l.sets, l.reps, \
         l.minutes, l.pain_before, l.pain_after, l.difficulty, l.enjoyment, l.note, l.source, l.created_at"
    };
}

impl LogRow {
    fn into_log(self) -> Result<StoredLog> {
        let small = |v: Option<i32>| v.and_then(|v| u8::try_from(v).ok());
        let short = |v: Option<i32>| v.and_then(|v| u16::try_from(v).ok());
        let completion = completion_parse(&self.completion)
            .ok_or_else(|| unreadable("session log", self.id, &self.completion))?;
        Ok(StoredLog {
            id: self.id,
            episode_id: self.episode_id,
            log: SessionLog {
                exercise_id: self.exercise_id,
                date: self.log_date.to_jiff(),
                at: self.at.map(|t| t.0),
                completion,
                skip_reason: self.skip_reason.as_deref().and_then(SkipReason::parse),
                sets: small(self.sets),
                reps: short(self.reps),
                minutes: short(self.minutes),
                pain_before: small(self.pain_before),
                pain_after: small(self.pain_after),
                difficulty: small(self.difficulty),
                enjoyment: small(self.enjoyment),
                note: self.note,
            },
            source: self.source,
            created_at: self.created_at.0,
            comments: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct FollowUpRow {
    id: i64,
    episode_id: i64,
    contact_on: Day,
    kind: String,
    feedback_given: Option<bool>,
    feels_supported: Option<bool>,
    notes: String,
    corrections: String,
    plan_version: Option<i32>,
    next_contact_on: Option<Day>,
    next_reason: Option<String>,
    recorded_by: Option<String>,
    practices: String,
    checklist_complete: bool,
    corrected: Option<bool>,
    progressed: Option<bool>,
    benefit: Option<i32>,
}

impl FollowUpRow {
    fn into_follow_up(self) -> Result<StoredFollowUp> {
        let kind =
            kind_parse(&self.kind).ok_or_else(|| unreadable("follow-up", self.id, &self.kind))?;
        Ok(StoredFollowUp {
            id: self.id,
            episode_id: self.episode_id,
            follow_up: FollowUp {
                date: self.contact_on.to_jiff(),
                kind,
                feedback_given: self.feedback_given,
                patient_feels_supported: self.feels_supported,
            },
            notes: self.notes,
            corrections: self.corrections,
            plan_version: self.plan_version.map(i64::from),
            next_contact_on: self.next_contact_on.map(|d| d.to_jiff()),
            next_reason: self.next_reason,
            recorded_by: self.recorded_by,
            contact: ContactPractice {
                practices: crate::caseload::practices_parse(&self.practices)
                    .ok_or_else(|| unreadable("follow-up", self.id, &self.practices))?,
                checklist_complete: self.checklist_complete,
                corrected: self.corrected,
                progressed: self.progressed,
                benefit: self.benefit.and_then(|b| u8::try_from(b).ok()),
            },
        })
    }
}

/// The patient's time zone: their own choice, else the clinic's. `$1` the
/// patient, `$2` the clinic, `$3` the one patient a patient account may see
/// (NULL for staff).
const ZONE: &str = "SELECT COALESCE(pp.time_zone, c.time_zone) FROM patients p JOIN clinics c ON c.id = p.clinic_id \
     LEFT JOIN patient_preferences pp ON pp.patient_id = p.id WHERE p.id = $1 AND p.clinic_id = $2 AND ($3 IS NULL OR p.id = $3)";

/// The name shown for the author of a comment, follow-up or message, read
/// through any executor of either backend.
macro_rules! display_name {
    ($ex:expr, $user:expr) => {{
        let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind($user)
            .fetch_one($ex)
            .await?;
        name
    }};
}

const OPEN_EPISODE: &str =
    "SELECT id FROM episodes WHERE patient_id = $1 AND clinic_id = $2 AND discharged_on IS NULL";

const PLAN_VERSIONS: &str = "SELECT v.created_on, v.plan FROM prescriptions p JOIN prescription_versions v ON v.prescription_id = p.id \
     WHERE p.episode_id = $1 ORDER BY v.version";

fn plan_versions(rows: Vec<(Day, String)>, episode: i64) -> Result<Vec<PlanVersion>> {
    rows.into_iter()
        .map(|(on, text)| {
            Ok(PlanVersion {
                starts_on: on.to_jiff(),
                plan: serde_json::from_str(&text).map_err(|_| {
                    StoreError::Conflict(format!("stored plan of episode {episode} is unreadable"))
                })?,
            })
        })
        .collect()
}

impl Store {
    /// Records a session for the patient's open episode, validated by the
    /// domain against the plan in force on the day and the patient's time
    /// zone. `now` is the server's clock (a parameter so tests can move it).
    pub async fn log_add(
        &self,
        actor: &Actor,
        patient: PatientId,
        input: &LogInput,
        source: LogSource,
        now: Timestamp,
    ) -> Result<StoredLog> {
        let result = self
            .logs_add_inner(actor, patient, std::slice::from_ref(input), source, now)
            .await
            .map(|mut logs| logs.remove(0));
        self.audited(actor, "log.add", Some(patient), result).await
    }

    /// Records a whole session, one log per exercise, in one transaction:
    /// all are stored or none. Every log that breaks a rule is named
    /// (`exercises[N].field`, N from 1) in one [`StoreError::InvalidAll`].
    pub async fn session_add(
        &self,
        actor: &Actor,
        patient: PatientId,
        inputs: &[LogInput],
        source: LogSource,
        now: Timestamp,
    ) -> Result<Vec<StoredLog>> {
        if inputs.is_empty() {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "exercises",
                "required",
                "say how at least one exercise went",
            )));
        }
        let result = self
            .logs_add_inner(actor, patient, inputs, source, now)
            .await;
        self.audited(actor, "log.add", Some(patient), result).await
    }

    async fn logs_add_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        inputs: &[LogInput],
        source: LogSource,
        now: Timestamp,
    ) -> Result<Vec<StoredLog>> {
        actor.require_for(patient, Area::PatientReports, Action::Write)?;
        in_tx!(self, |tx| {
            let zone: Option<String> = sqlx::query_scalar(ZONE)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .bind(None::<i64>)
                .fetch_optional(&mut *tx)
                .await?;
            let episode: Option<i64> = sqlx::query_scalar(OPEN_EPISODE)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let (Some(zone), Some(episode)) = (zone, episode) else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "the patient has no open episode of care"
                ));
            };
            // The episode's revision, locked before the log is added (SQLite's
            // write transaction already holds every writer off) so that no
            // other writer of the episode comes between it and the digest's
            // update below; then the digest, read under that lock.
            let revision: i64 = sqlx::query_scalar(match self.kind() {
                crate::DbKind::Sqlite => "SELECT revision FROM episodes WHERE id = $1",
                crate::DbKind::Postgres => "SELECT revision FROM episodes WHERE id = $1 FOR UPDATE",
            })
            .bind(episode)
            .fetch_one(&mut *tx)
            .await?;
            let digest: Option<(i64, i32, Vec<u8>)> = sqlx::query_as(
                "SELECT revision, format, digest FROM monitoring_digests WHERE episode_id = $1",
            )
            .bind(episode)
            .fetch_optional(&mut *tx)
            .await?;
            let rows: Vec<(Day, String)> = sqlx::query_as(PLAN_VERSIONS)
                .bind(episode)
                .fetch_all(&mut *tx)
                .await?;
            let plans = plan_versions(rows, episode)?;
            if plans.is_empty() {
                return Err(StoreError::Conflict(
                    "the patient has no exercise plan to log against yet".into(),
                ));
            }
            let zone = rapport_domain::monitoring::patient_zone(&zone)?;
            let in_plan = |id: &str, day| {
                rapport_domain::monitoring::plan_on(&plans, day)
                    .is_some_and(|p| p.items.iter().any(|i| i.exercise_id == id))
            };
            let mut valid = Vec::with_capacity(inputs.len());
            let mut faults = Vec::new();
            for (n, input) in inputs.iter().enumerate() {
                match input.validate(&zone, now, &in_plan) {
                    Ok(log) => valid.push(log),
                    Err(rapport_domain::Error::Invalid(f)) if inputs.len() > 1 => {
                        faults.push(rapport_domain::FieldError::new(
                            format!("exercises[{}].{}", n + 1, f.field),
                            f.rule,
                            f.message,
                        ));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if !faults.is_empty() {
                return Err(StoreError::InvalidAll(faults));
            }
            let created = Ts::now();
            let mut stored = Vec::with_capacity(valid.len());
            for log in valid {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO session_logs (clinic_id, patient_id, episode_id, exercise_id, log_date, at, completion, skip_reason, \
                     sets, reps, minutes, pain_before, pain_after, difficulty, enjoyment, note, source, entered_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
                )
                .bind(actor.clinic_id.0)
                .bind(patient.0)
                .bind(episode)
                .bind(&log.exercise_id)
                .bind(Day::from(log.date))
                .bind(log.at.map(Ts))
                .bind(completion_str(log.completion))
                .bind(log.skip_reason.map(|r| r.as_str()))
                .bind(log.sets.map(i32::from))
                .bind(log.reps.map(i32::from))
                .bind(log.minutes.map(i32::from))
                .bind(log.pain_before.map(i32::from))
                .bind(log.pain_after.map(i32::from))
                .bind(log.difficulty.map(i32::from))
                .bind(log.enjoyment.map(i32::from))
                .bind(log.note.as_deref())
                .bind(source.as_str())
                .bind(actor.user_id_raw())
                .bind(created)
                .fetch_one(&mut *tx)
                .await?;
                let event = Event::new("log.add", "session_log")
                    .record(id)
                    .detail(format!(
                        "source={} completion={}",
                        source.as_str(),
                        completion_str(log.completion)
                    ));
                audit_insert!(
                    &mut *tx,
                    actor,
                    &Event {
                        patient_id: Some(patient.0),
                        ..event
                    }
                );
                stored.push(StoredLog {
                    id,
                    episode_id: episode,
                    log,
                    source: source.as_str().to_string(),
                    created_at: created.0,
                    comments: Vec::new(),
                });
            }
            // A digest that was current takes the session's logs too, written
            // once (each insert's trigger raised the episode's revision by
            // one); any other digest is stale already and is rebuilt when
            // next read.
            if let Some((at, format, bytes)) = digest
                && at == revision
                && format == crate::digest::FORMAT
            {
                let grown = stored.iter().try_fold(bytes, |bytes, s| {
                    crate::digest::with_log(&bytes, s.id, &s.log)
                });
                match grown {
                    Ok(grown) => {
                        sqlx::query(
                            "UPDATE monitoring_digests SET revision = $2, digest = $3 WHERE episode_id = $1",
                        )
                        .bind(episode)
                        .bind(revision + stored.len() as i64)
                        .bind(grown)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Err(e) => {
                        tracing::warn!(episode, error = %e, "monitoring digest left to rebuild")
                    }
                }
            }
            Ok(stored)
        })
    }

    /// Everything monitoring reads about the patient's current episode:
    /// plan versions, logs with comments, follow-ups, the patient's time zone
    /// and the clinic's thresholds. `None` when the patient has no episode.
    pub async fn monitoring(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<MonitoringRecord>> {
        let result = self.monitoring_inner(actor, patient).await;
        self.audited(actor, "monitoring.read", Some(patient), result)
            .await
    }

    async fn monitoring_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<MonitoringRecord>> {
        let scope = actor.scope(Area::PatientReports, Action::Read)?;
        let zone: Option<String> = on_read!(self, |ex| {
            sqlx::query_scalar(ZONE)
                .bind(patient.0)
                .bind(scope.clinic)
                .bind(scope.only)
                .fetch_optional(ex)
                .await?
        });
        let time_zone = zone.ok_or(StoreError::NotFound)?;
        let episode: Option<(i64, Day, Option<Day>)> = on_read!(self, |ex| {
            sqlx::query_as(concat!(
                "SELECT e.id, e.opened_on, e.discharged_on FROM episodes e WHERE e.patient_id = $1 AND e.clinic_id = $2 ",
                crate::episodes::current_episode_first!()
            ))
            .bind(patient.0)
            .bind(scope.clinic)
            .fetch_optional(ex)
            .await?
        });
        let Some((episode, opened_on, discharged_on)) = episode else {
            return Ok(None);
        };
        let (plan_rows, log_rows, comment_rows, follow_rows, thresholds) = on_read!(self, |ex| {
            let plans: Vec<(Day, String)> = sqlx::query_as(PLAN_VERSIONS)
                .bind(episode)
                .fetch_all(ex)
                .await?;
            let logs: Vec<LogRow> = sqlx::query_as(concat!(
                "SELECT ",
                log_columns!(),
                " FROM session_logs l WHERE l.episode_id = $1 AND l.clinic_id = $2 ORDER BY l.log_date, l.id"
            ))
            .bind(episode)
            .bind(scope.clinic)
            .fetch_all(ex)
            .await?;
            // `+c.clinic_id`: the episode's logs lead to their comments, rather
            // than a scan of every comment of the clinic.
            let comments: Vec<(i64, i64, String, String, Ts, Option<Ts>)> = sqlx::query_as(
                "SELECT c.id, c.log_id, u.display_name, c.body, c.created_at, c.seen_at FROM log_comments c \
                 JOIN session_logs l ON l.id = c.log_id JOIN users u ON u.id = c.author_id \
                 WHERE l.episode_id = $1 AND +c.clinic_id = $2 ORDER BY c.id",
            )
            .bind(episode)
            .bind(scope.clinic)
            .fetch_all(ex)
            .await?;
            let follows: Vec<FollowUpRow> = sqlx::query_as(
                "SELECT f.id, f.episode_id, f.contact_on, f.kind, f.feedback_given, f.feels_supported, f.notes, f.corrections, \
                 f.plan_version, f.next_contact_on, f.next_reason, u.display_name AS recorded_by, \
                 f.practices, f.checklist_complete, f.corrected, f.progressed, f.benefit \
                 FROM follow_ups f LEFT JOIN users u ON u.id = f.recorded_by \
                 WHERE f.episode_id = $1 AND f.clinic_id = $2 ORDER BY f.contact_on, f.id",
            )
            .bind(episode)
            .bind(scope.clinic)
            .fetch_all(ex)
            .await?;
            let thresholds: Option<String> =
                sqlx::query_scalar("SELECT thresholds FROM clinic_thresholds WHERE clinic_id = $1")
                    .bind(scope.clinic)
                    .fetch_optional(ex)
                    .await?;
            (plans, logs, comments, follows, thresholds)
        });
        let mut logs = log_rows
            .into_iter()
            .map(LogRow::into_log)
            .collect::<Result<Vec<_>>>()?;
        let at: std::collections::HashMap<i64, usize> =
            logs.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
        for (id, log_id, author, body, created_at, seen_at) in comment_rows {
            if let Some(l) = at.get(&log_id).map(|i| &mut logs[*i]) {
                l.comments.push(LogComment {
                    id,
                    log_id,
                    author,
                    body,
                    created_at: created_at.0,
                    seen: seen_at.is_some(),
                });
            }
        }
        let record = MonitoringRecord {
            episode_id: episode,
            opened_on: opened_on.to_jiff(),
            discharged_on: discharged_on.map(|d| d.to_jiff()),
            time_zone,
            plans: plan_versions(plan_rows, episode)?,
            logs,
            follow_ups: follow_rows
                .into_iter()
                .map(FollowUpRow::into_follow_up)
                .collect::<Result<_>>()?,
            thresholds: parse_thresholds(thresholds)?,
        };
        self.audit_record(
            actor,
            &Event::new("monitoring.read", "episode")
                .patient(patient.0)
                .record(episode),
        )
        .await?;
        Ok(Some(record))
    }

    /// A clinician's feedback on one of the patient's logs.
    pub async fn log_comment_add(
        &self,
        actor: &Actor,
        patient: PatientId,
        log_id: i64,
        body: &str,
    ) -> Result<LogComment> {
        let result = self
            .log_comment_add_inner(actor, patient, log_id, body)
            .await;
        self.audited(actor, "log.comment", Some(patient), result)
            .await
    }

    async fn log_comment_add_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        log_id: i64,
        body: &str,
    ) -> Result<LogComment> {
        actor.require(Area::CarePlan, Action::Write)?;
        let body = text("body", body, true)?;
        let author = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        in_tx!(self, |tx| {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM session_logs WHERE id = $1 AND patient_id = $2 AND clinic_id = $3",
            )
            .bind(log_id)
            .bind(patient.0)
            .bind(actor.clinic_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            let created = Ts::now();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO log_comments (clinic_id, patient_id, log_id, author_id, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(actor.clinic_id.0)
            .bind(patient.0)
            .bind(log_id)
            .bind(author)
            .bind(&body)
            .bind(created)
            .fetch_one(&mut *tx)
            .await?;
            let name = display_name!(&mut *tx, author);
            let event = Event::new("log.comment", "log_comment")
                .record(id)
                .detail(format!("log={log_id}"));
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            Ok(LogComment {
                id,
                log_id,
                author: name,
                body,
                created_at: created.0,
                seen: false,
            })
        })
    }

    /// The patient has seen every comment on their logs.
    pub async fn log_comments_seen(&self, actor: &Actor) -> Result<u64> {
        let Some(patient) = actor.patient_id.filter(|_| actor.role == Role::Patient) else {
            return Err(StoreError::Forbidden);
        };
        let n = in_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE log_comments SET seen_at = $1 WHERE patient_id = $2 AND clinic_id = $3 AND seen_at IS NULL",
            )
            .bind(Ts::now())
            .bind(patient.0)
            .bind(actor.clinic_id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                audit_insert!(
                    &mut *tx,
                    actor,
                    &Event::new("log.comment_seen", "log_comment")
                        .patient(patient.0)
                        .detail(format!("comments={n}"))
                );
            }
            n
        });
        Ok(n)
    }

    /// Records a contact with the patient in their open episode.
    pub async fn follow_up_add(
        &self,
        actor: &Actor,
        patient: PatientId,
        input: &FollowUpInput,
        today: Date,
    ) -> Result<StoredFollowUp> {
        let result = self.follow_up_add_inner(actor, patient, input, today).await;
        self.audited(actor, "follow_up.add", Some(patient), result)
            .await
    }

    async fn follow_up_add_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        input: &FollowUpInput,
        today: Date,
    ) -> Result<StoredFollowUp> {
        actor.require(Area::ClinicalWork, Action::Write)?;
        let user = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        in_tx!(self, |tx| {
            let episode: Option<(i64, Day)> = sqlx::query_as(
                "SELECT id, opened_on FROM episodes WHERE patient_id = $1 AND clinic_id = $2 AND discharged_on IS NULL",
            )
            .bind(patient.0)
            .bind(actor.clinic_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((episode, opened_on)) = episode else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "the patient has no open episode of care"
                ));
            };
            let (date, kind, notes, corrections) = input.checked(today, opened_on.to_jiff())?;
            if let Some(v) = input.plan_version {
                let exists: Option<i64> = sqlx::query_scalar(
                    "SELECT v.id FROM prescription_versions v JOIN prescriptions p ON p.id = v.prescription_id \
                     WHERE p.episode_id = $1 AND v.version = $2",
                )
                .bind(episode)
                .bind(v)
                .fetch_optional(&mut *tx)
                .await?;
                if exists.is_none() {
                    return Err(invalid(
                        "plan_version",
                        "known",
                        "is not a version of this patient's plan",
                    ));
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO follow_ups (clinic_id, patient_id, episode_id, contact_on, kind, feedback_given, feels_supported, \
                 notes, corrections, plan_version, next_contact_on, next_reason, recorded_by, created_at, \
                 practices, checklist_complete, corrected, progressed, benefit) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
            )
            .bind(actor.clinic_id.0)
            .bind(patient.0)
            .bind(episode)
            .bind(Day::from(date))
            .bind(kind_str(kind))
            .bind(input.feedback_given)
            .bind(input.feels_supported)
            .bind(&notes)
            .bind(&corrections)
            .bind(input.plan_version.and_then(|v| i32::try_from(v).ok()))
            .bind(input.next_contact_on.map(Day::from))
            .bind(input.next_reason.as_deref())
            .bind(user)
            .bind(Ts::now())
            .bind(crate::caseload::practices_text(&input.contact.practices))
            .bind(input.contact.checklist_complete)
            .bind(input.contact.corrected)
            .bind(input.contact.progressed)
            .bind(input.contact.benefit.map(i32::from))
            .fetch_one(&mut *tx)
            .await?;
            let name = display_name!(&mut *tx, user);
            let event = Event::new("follow_up.add", "follow_up")
                .record(id)
                .detail(format!("kind={}", kind_str(kind)));
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            Ok(StoredFollowUp {
                id,
                episode_id: episode,
                follow_up: FollowUp {
                    date,
                    kind,
                    feedback_given: input.feedback_given,
                    patient_feels_supported: input.feels_supported,
                },
                notes,
                corrections,
                plan_version: input.plan_version,
                next_contact_on: input.next_contact_on,
                next_reason: input.next_reason.clone(),
                recorded_by: Some(name),
                contact: input.contact.clone(),
            })
        })
    }

    /// Sends a message in the patient's thread: from the patient, or from a
    /// clinician of their clinic.
    pub async fn message_send(
        &self,
        actor: &Actor,
        patient: PatientId,
        body: &str,
    ) -> Result<Message> {
        let result = self.message_send_inner(actor, patient, body).await;
        self.audited(actor, "message.send", Some(patient), result)
            .await
    }

    async fn message_send_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        body: &str,
    ) -> Result<Message> {
        actor.require_for(patient, Area::PatientReports, Action::Write)?;
        let body = text("body", body, true)?;
        let sender = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        let from_patient = actor.role == Role::Patient;
        in_tx!(self, |tx| {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2")
                    .bind(patient.0)
                    .bind(actor.clinic_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let created = Ts::now();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (clinic_id, patient_id, sender_id, from_patient, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(actor.clinic_id.0)
            .bind(patient.0)
            .bind(sender)
            .bind(from_patient)
            .bind(&body)
            .bind(created)
            .fetch_one(&mut *tx)
            .await?;
            let name = display_name!(&mut *tx, sender);
            let event = Event::new("message.send", "message").record(id);
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            Ok(Message {
                id,
                from_patient,
                sender: name,
                body,
                created_at: created.0,
                read: false,
            })
        })
    }

    /// The patient's message thread, oldest first. Reading it marks the
    /// other side's messages read.
    pub async fn messages(&self, actor: &Actor, patient: PatientId) -> Result<Vec<Message>> {
        let result = self.messages_inner(actor, patient).await;
        self.audited(actor, "message.read", Some(patient), result)
            .await
    }

    async fn messages_inner(&self, actor: &Actor, patient: PatientId) -> Result<Vec<Message>> {
        actor.require_for(patient, Area::PatientReports, Action::Read)?;
        let reader_is_patient = actor.role == Role::Patient;
        // Read on the read side; the write lock is taken only when there is
        // something unread to mark, not on every view of the page.
        let (exists, rows) = on_read!(self, |ex| {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2")
                    .bind(patient.0)
                    .bind(actor.clinic_id.0)
                    .fetch_optional(ex)
                    .await?;
            let rows: Vec<(i64, bool, String, String, Ts, Option<Ts>)> = sqlx::query_as(
                "SELECT m.id, m.from_patient, u.display_name, m.body, m.created_at, m.read_at FROM messages m \
                 JOIN users u ON u.id = m.sender_id WHERE m.patient_id = $1 AND m.clinic_id = $2 ORDER BY m.id",
            )
            .bind(patient.0)
            .bind(actor.clinic_id.0)
            .fetch_all(ex)
            .await?;
            (exists, rows)
        });
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let unread_for_reader = rows.iter().any(|(_, from_patient, _, _, _, read_at)| {
            *from_patient != reader_is_patient && read_at.is_none()
        });
        if unread_for_reader {
            // Only what was shown: a message sent meanwhile stays unread.
            let shown = rows.last().map_or(0, |r| r.0);
            in_tx!(self, |tx| {
                sqlx::query(
                    "UPDATE messages SET read_at = $1 WHERE patient_id = $2 AND clinic_id = $3 AND from_patient = $4 \
                     AND read_at IS NULL AND id <= $5",
                )
                .bind(Ts::now())
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .bind(!reader_is_patient)
                .bind(shown)
                .execute(&mut *tx)
                .await?;
            });
        }
        self.audit_record(
            actor,
            &Event::new("message.read", "message").patient(patient.0),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, from_patient, sender, body, created_at, read_at)| Message {
                    id,
                    from_patient,
                    sender,
                    body,
                    created_at: created_at.0,
                    read: read_at.is_some(),
                },
            )
            .collect())
    }

    /// Unread messages from patients of the clinic, per patient, for the
    /// clinician's lists.
    pub async fn messages_unread(&self, actor: &Actor) -> Result<Vec<(PatientId, i64)>> {
        let result = actor.require(Area::ClinicalWork, Action::Read);
        self.audited(actor, "patient.list", None, result).await?;
        let rows: Vec<(i64, i64)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT patient_id, COUNT(*) FROM messages WHERE clinic_id = $1 AND from_patient = $2 AND read_at IS NULL \
                 GROUP BY patient_id ORDER BY patient_id",
            )
            .bind(actor.clinic_id.0)
            .bind(true)
            .fetch_all(ex)
            .await?
        });
        let ids: String = rows.iter().map(|(p, _)| format!("{p},")).collect();
        self.audit_record(
            actor,
            &Event::new("patient.list", "messages_unread")
                .detail(format!("patients={};,{ids}", rows.len())),
        )
        .await?;
        Ok(rows.into_iter().map(|(p, n)| (PatientId(p), n)).collect())
    }

    /// The clinic's monitoring thresholds (the defaults unless changed).
    pub async fn thresholds(&self, actor: &Actor) -> Result<Thresholds> {
        actor.require(Area::ClinicSettings, Action::Read)?;
        let text: Option<String> = on_read!(self, |ex| {
            sqlx::query_scalar("SELECT thresholds FROM clinic_thresholds WHERE clinic_id = $1")
                .bind(actor.clinic_id.0)
                .fetch_optional(ex)
                .await?
        });
        parse_thresholds(text)
    }

    /// Replaces the clinic's thresholds (admins), after the domain's checks.
    pub async fn thresholds_set(&self, actor: &Actor, thresholds: &Thresholds) -> Result<()> {
        let result = self.thresholds_set_inner(actor, thresholds).await;
        self.audited(actor, "thresholds.set", None, result).await
    }

    async fn thresholds_set_inner(&self, actor: &Actor, thresholds: &Thresholds) -> Result<()> {
        actor.require(Area::ClinicSettings, Action::Write)?;
        thresholds.validate()?;
        let text =
            serde_json::to_string(thresholds).map_err(|e| StoreError::Conflict(e.to_string()))?;
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO clinic_thresholds (clinic_id, thresholds, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (clinic_id) DO UPDATE SET thresholds = excluded.thresholds, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            )
            .bind(actor.clinic_id.0)
            .bind(&text)
            .bind(actor.user_id_raw())
            .bind(Ts::now())
            .execute(&mut *tx)
            .await?;
            audit_insert!(
                &mut *tx,
                actor,
                &Event::new("thresholds.set", "clinic").record(actor.clinic_id.0)
            );
        });
        Ok(())
    }
}

pub(crate) fn parse_thresholds(text: Option<String>) -> Result<Thresholds> {
    match text {
        None => Ok(Thresholds::default()),
        Some(t) => serde_json::from_str(&t).map_err(|_| {
            StoreError::Conflict("the clinic's stored thresholds are unreadable".into())
        }),
    }
}
