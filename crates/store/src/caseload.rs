//! Episodes with their whole record (the domain's [`EpisodeRecord`]),
//! loaded one at a time for a patient's page and in bulk for the caseload
//! dashboard and the nightly `rapport triage`, by the same code, so every
//! view reads the same record.
//!
//! An episode is active while it has no discharge date. Everything is loaded
//! with one set-based query per table over a range of episodes (never one
//! query per patient) and grouped in Rust:
//!
//! 1. the episodes with their patient's name and effective time zone (the
//!    patient's own choice, else the clinic's);
//! 2. the plan versions (`prescription_versions.plan`, in version order, each
//!    starting on the day it was made);
//! 3. the session logs (without the free-text note, which no rule reads);
//! 4. the contacts, with the practices, supervision and rating each recorded;
//! 5. the completed questionnaires other than the intake and the red-flag
//!    screen, each dated on the day it was completed in the patient's zone;
//! 6. the intake's facts, the belief reviews, the goals, the reading given
//!    and the clinician's feedback on logs.
//!
//! [`Store::episode_record`] is one patient's current episode (audited);
//! [`Store::caseload`] is one clinic's list for a clinician or an
//! administrator (audited as one `patient.list` row naming the patients
//! shown); [`Store::triage_load_all`] walks every clinic's active episodes in
//! chunks, several loading at once, for the command line.

use rapport_domain::access::{Action, Area};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use jiff::tz::TimeZone;
use rapport_domain::assessment::Intake;
use rapport_domain::identity::{ClinicId, PatientId, Role};
use rapport_domain::monitoring::{EpisodeData, PlanVersion, SessionLog, SkipReason, Thresholds};
use rapport_domain::prescription::{Goal, Plan};
use rapport_domain::record::{
    BeliefReviewFacts, ContactFacts, EducationFacts, EpisodeRecord, FeedbackFacts, GoalFacts,
    IntakeFacts,
};
use rapport_domain::theory::episode::{FollowUp, InstrumentScore, Practice};
use serde::Deserialize;

use crate::audit::Event;
use crate::digest::{self, History};
use crate::monitoring::{completion_parse, kind_parse, unreadable};
use crate::types::{Day, Ts};
use crate::{Actor, Result, Store, StoreError, on_read};

/// One episode: whose it is, their zone, and its whole record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEpisode {
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub given_name: String,
    pub family_name: String,
    /// The patient's IANA zone, else the clinic's (as stored; not checked).
    pub time_zone: String,
    /// Shared with the store's cache of decoded digests. Logs come without
    /// their free-text note, which no rule reads.
    pub record: Arc<EpisodeRecord>,
}

impl StoredEpisode {
    /// "Given Family".
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    pub fn episode_id(&self) -> i64 {
        self.record.episode_id
    }

    /// The rules' view of the episode.
    pub fn data(&self) -> EpisodeData<'_> {
        self.record.monitoring_data()
    }

    /// The patient's zone; UTC when the stored name is not a known zone.
    pub fn zone(&self) -> TimeZone {
        crate::outbox::zone_or_utc(&self.time_zone)
    }
}

/// An episode's record as last decoded: used while the episode's revision
/// and the patient's zone (which dates what an instant dates) are the ones it
/// was decoded at.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    revision: i64,
    zone: String,
    record: Arc<EpisodeRecord>,
}

/// Weighs a cached record by its logs, which are most of its size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ByLogs;

impl quick_cache::Weighter<i64, Cached> for ByLogs {
    fn weight(&self, _: &i64, v: &Cached) -> u64 {
        v.record.logs.len() as u64 + 1
    }
}

/// The store's cache of decoded histories.
pub(crate) type HistoryCache = quick_cache::sync::Cache<i64, Cached, ByLogs>;

/// Session logs the cache holds at most (about 100 bytes each): the
/// caseloads of some dozen busy clinicians.
const CACHED_LOGS: u64 = 500_000;

pub(crate) fn history_cache() -> HistoryCache {
    HistoryCache::with_weighter(10_000, CACHED_LOGS, ByLogs)
}

/// One clinic's active episodes and its monitoring thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Caseload {
    pub clinic_id: ClinicId,
    pub thresholds: Thresholds,
    /// Ordered by family name, given name, episode id.
    pub episodes: Vec<StoredEpisode>,
}

/// Every clinic's thresholds, for the nightly triage.
#[derive(Debug, Clone, Default)]
pub struct ClinicThresholds {
    by_clinic: HashMap<i64, Thresholds>,
    default: Thresholds,
}

impl ClinicThresholds {
    /// The clinic's own thresholds, or the defaults.
    pub fn get(&self, clinic: ClinicId) -> &Thresholds {
        self.by_clinic.get(&clinic.0).unwrap_or(&self.default)
    }
}

/// What [`Store::triage_load_all`] went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TriageLoadSummary {
    pub clinics: usize,
    pub episodes: usize,
    pub logs: usize,
}

/// Active episodes per chunk of the nightly load, by default.
pub const TRIAGE_CHUNK: usize = 2_000;
/// Chunks loading at once (SQLite has four readers).
const TRIAGE_IN_FLIGHT: usize = 3;

/// The episodes of one load: a clinic, or an id range across clinics;
/// the active ones only, unless `discharged` (one patient's latest episode).
#[derive(Debug, Clone, Copy)]
struct Scope {
    clinic: Option<i64>,
    lo: i64,
    hi: i64,
    discharged: bool,
}

/// The episodes of a scope: `$1` the clinic (or NULL for all), `$2`..`$3`
/// the id range, `$4` whether discharged episodes count too.
macro_rules! active_episodes {
    () => {
        "(e.discharged_on IS NULL OR $4) AND ($1 IS NULL OR e.clinic_id = $1) AND e.id BETWEEN $2 AND $3 "
    };
}

#[derive(sqlx::FromRow)]
struct EpisodeRow {
    id: i64,
    clinic_id: i64,
    patient_id: i64,
    opened_on: Day,
    discharged_on: Option<Day>,
    given_name: String,
    family_name: String,
    time_zone: String,
    revision: i64,
    digest_revision: Option<i64>,
    digest_format: Option<i32>,
    digest: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    episode_id: i64,
    id: i64,
    plan: String,
    created_on: Day,
}

#[derive(sqlx::FromRow)]
pub(crate) struct FollowUpRow {
    pub id: i64,
    pub episode_id: i64,
    pub contact_on: Day,
    pub kind: String,
    pub feedback_given: Option<bool>,
    pub feels_supported: Option<bool>,
    pub practices: String,
    pub checklist_complete: bool,
    pub corrected: Option<bool>,
    pub progressed: Option<bool>,
    pub benefit: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct IntakeRow {
    id: i64,
    episode_id: i64,
    result: Option<String>,
    completed_at: Option<Ts>,
    updated_at: Ts,
}

#[derive(sqlx::FromRow)]
struct BeliefReviewRow {
    id: i64,
    episode_id: i64,
    confirmed: String,
    reconciled: String,
    reviewed_on: Day,
}

#[derive(sqlx::FromRow)]
struct GoalRow {
    id: i64,
    episode_id: i64,
    goal: String,
    created_at: Ts,
}

#[derive(sqlx::FromRow)]
struct EducationRow {
    id: i64,
    episode_id: i64,
    item_id: String,
    assigned_at: Ts,
    read_at: Option<Ts>,
}

#[derive(sqlx::FromRow)]
struct FeedbackRow {
    id: i64,
    episode_id: i64,
    log_id: i64,
    created_at: Ts,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ScoreRow {
    pub id: i64,
    pub episode_id: i64,
    pub form: String,
    pub version: String,
    pub result: Option<String>,
    pub total: Option<f64>,
    pub band: Option<String>,
    pub completed_at: Option<Ts>,
}

/// The part of a stored score the rules read besides the total and band.
#[derive(Deserialize)]
struct ScorePart {
    #[serde(default)]
    instrument: Option<String>,
    #[serde(default)]
    subscales: BTreeMap<String, Option<f64>>,
}

/// Separates the fields of one log, and the logs of one episode, in the
/// packed column of the logs query: ASCII unit and record separators, which
/// neither exercise ids (slugs) nor dates nor numbers can hold.
const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// The logs of one episode as one text per episode: decoding 100,000 packed
/// texts instead of millions of rows is most of the speed of the caseload
/// and of the nightly triage. Fields: id, exercise, date, instant (epoch
/// microseconds), completion, skip reason, sets, reps, minutes, pain before,
/// pain after, difficulty, enjoyment; an absent value is empty.
macro_rules! packed_log {
    ($sep:literal, $at:literal, $date:literal, $int:literal) => {
        concat!(
            $int,
            "(l.id) || ",
            $sep,
            " || l.exercise_id || ",
            $sep,
            " || ",
            $date,
            " || ",
            $sep,
            " || COALESCE(",
            $at,
            ", '') || ",
            $sep,
            " || l.completion || ",
            $sep,
            " || COALESCE(l.skip_reason, '')",
            " || ",
            $sep,
            " || COALESCE(",
            $int,
            "(l.sets), '')",
            " || ",
            $sep,
            " || COALESCE(",
            $int,
            "(l.reps), '')",
            " || ",
            $sep,
            " || COALESCE(",
            $int,
            "(l.minutes), '')",
            " || ",
            $sep,
            " || COALESCE(",
            $int,
            "(l.pain_before), '')",
            " || ",
            $sep,
            " || COALESCE(",
            $int,
            "(l.pain_after), '')",
            " || ",
            $sep,
            " || COALESCE(",
            $int,
            "(l.difficulty), '')",
            " || ",
            $sep,
            " || COALESCE(",
            $int,
            "(l.enjoyment), '')"
        )
    };
}

const LOGS_SQLITE: &str = concat!(
    "SELECT l.episode_id, group_concat(",
    packed_log!("char(31)", "l.at", "l.log_date", ""),
    ", char(30)) FROM episodes e JOIN session_logs l ON l.episode_id = e.id AND l.clinic_id = e.clinic_id WHERE ",
    active_episodes!(),
    "GROUP BY l.episode_id"
);

const LOGS_POSTGRES: &str = concat!(
    "SELECT l.episode_id, string_agg(",
    packed_log!(
        "chr(31)",
        "(extract(epoch FROM l.at) * 1000000)::bigint::text",
        "l.log_date::text",
        "text"
    ),
    ", chr(30)) FROM episodes e JOIN session_logs l ON l.episode_id = e.id AND l.clinic_id = e.clinic_id WHERE ",
    active_episodes!(),
    "GROUP BY l.episode_id"
);

/// Gives an episode its record, read from a digest or the tables.
fn fill(e: &mut StoredEpisode, mut record: EpisodeRecord) {
    record.episode_id = e.record.episode_id;
    record.opened_on = e.record.opened_on;
    record.discharged_on = e.record.discharged_on;
    e.record = Arc::new(record);
}

/// Unpacks one episode's logs (see [`LOGS_SQLITE`]).
fn logs_of(
    episode: i64,
    packed: &str,
    out: &mut Vec<SessionLog>,
    ids: &mut Vec<i64>,
) -> Result<()> {
    let bad = |why: &str| unreadable("session log of episode", episode, why);
    for record in packed.split(RECORD) {
        let f: Vec<&str> = record.split(FIELD).collect();
        let [
            id,
            exercise,
            date,
            at,
            completion,
            skip,
            sets,
            reps,
            minutes,
            before,
            after,
            difficulty,
            enjoyment,
        ] = f[..]
        else {
            return Err(bad("wrong number of fields"));
        };
        let int = |v: &str| -> Result<Option<i64>> {
            match v {
                "" => Ok(None),
                v => v.parse().map(Some).map_err(|_| bad(v)),
            }
        };
        let small =
            |v: &str| -> Result<Option<u8>> { Ok(int(v)?.and_then(|v| u8::try_from(v).ok())) };
        let short =
            |v: &str| -> Result<Option<u16>> { Ok(int(v)?.and_then(|v| u16::try_from(v).ok())) };
        ids.push(int(id)?.ok_or_else(|| bad("no id"))?);
        out.push(SessionLog {
            exercise_id: exercise.to_string(),
            date: date.parse().map_err(|_| bad(date))?,
            at: int(at)?
                .map(jiff::Timestamp::from_microsecond)
                .transpose()
                .map_err(|_| bad(at))?,
            completion: completion_parse(completion).ok_or_else(|| bad(completion))?,
            skip_reason: SkipReason::parse(skip),
            sets: small(sets)?,
            reps: short(reps)?,
            minutes: short(minutes)?,
            pain_before: small(before)?,
            pain_after: small(after)?,
            difficulty: small(difficulty)?,
            enjoyment: small(enjoyment)?,
            note: None,
        });
    }
    Ok(())
}

/// A contact as the rules read it, and what else it recorded.
pub(crate) fn follow_up_of(r: FollowUpRow) -> Result<(FollowUp, ContactFacts)> {
    let bad = |why: &str| unreadable("contact", r.id, why);
    let kind = kind_parse(&r.kind).ok_or_else(|| bad(&r.kind))?;
    Ok((
        FollowUp {
            date: r.contact_on.to_jiff(),
            kind,
            feedback_given: r.feedback_given,
            patient_feels_supported: r.feels_supported,
        },
        ContactFacts {
            id: r.id,
            practices: practices_parse(&r.practices).ok_or_else(|| bad(&r.practices))?,
            checklist_complete: r.checklist_complete,
            corrected: r.corrected,
            progressed: r.progressed,
            benefit: r.benefit.and_then(|b| u8::try_from(b).ok()),
        },
    ))
}

/// The stored form of a set of practices: their keys, comma-separated.
pub(crate) fn practices_text(practices: &std::collections::BTreeSet<Practice>) -> String {
    practices
        .iter()
        .map(|p| p.key())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn practices_parse(text: &str) -> Option<std::collections::BTreeSet<Practice>> {
    text.split(',')
        .filter(|k| !k.is_empty())
        .map(Practice::parse)
        .collect()
}

/// A completed score, dated in the patient's zone, with its instant (epoch
/// microseconds); `None` without a total.
pub(crate) fn score_of(r: ScoreRow, zone: &TimeZone) -> Result<Option<(InstrumentScore, i64)>> {
    let (Some(total), Some(at)) = (r.total, r.completed_at) else {
        return Ok(None);
    };
    let part: ScorePart = match r.result.as_deref() {
        Some(text) => serde_json::from_str(text).map_err(|e| unreadable("form", r.id, e))?,
        None => ScorePart {
            instrument: None,
            subscales: BTreeMap::new(),
        },
    };
    Ok(Some((
        InstrumentScore {
            instrument: part.instrument.unwrap_or(r.form),
            version: r.version,
            date: at.0.to_zoned(zone.clone()).date(),
            total,
            subscales: part
                .subscales
                .into_iter()
                .filter_map(|(k, v)| Some((k, v?)))
                .collect(),
            band: r.band,
        },
        at.0.as_microsecond(),
    )))
}

impl Store {
    /// The active episodes of the actor's clinic with their records, for the
    /// caseload dashboard. Clinicians only (see `rapport_domain::access`). One
    /// audit row (`patient.list`, entity `caseload`) names every patient shown.
    pub async fn caseload(&self, actor: &Actor) -> Result<Caseload> {
        let result = actor.require(Area::ClinicalWork, Action::Read);
        self.audited(actor, "patient.list", None, result).await?;
        let clinic = actor.clinic_id;
        let scope = Scope {
            clinic: Some(clinic.0),
            lo: i64::MIN,
            hi: i64::MAX,
            discharged: false,
        };
        let mut rows = self.scope_rows(scope, false).await?;
        rows.sort_by(|a, b| {
            (&a.family_name, &a.given_name, a.id).cmp(&(&b.family_name, &b.given_name, b.id))
        });
        let ids: String = rows.iter().map(|e| format!("{},", e.patient_id)).collect();
        let event = Event::new("patient.list", "caseload")
            .detail(format!("patients={};,{ids}", rows.len()));
        // The audit row's commit and the thresholds' read wait on the
        // database while the digests are decoded; nothing is returned
        // unless the audit row is written.
        let (_, thresholds, episodes) = tokio::try_join!(
            self.audit_record(actor, &event),
            self.thresholds_of(Some(clinic.0)),
            self.scope_build(rows, true),
        )?;
        Ok(Caseload {
            clinic_id: clinic,
            thresholds: thresholds.get(clinic).clone(),
            episodes,
        })
    }

    /// Every clinic's thresholds (or one clinic's): stored JSON, or the
    /// defaults where a clinic has none. A stored value that no longer reads
    /// is reported and the defaults are used, so that triage still runs.
    async fn thresholds_of(&self, clinic: Option<i64>) -> Result<ClinicThresholds> {
        let rows: Vec<(i64, String)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT clinic_id, thresholds FROM clinic_thresholds WHERE ($1 IS NULL OR clinic_id = $1)",
            )
            .bind(clinic)
            .fetch_all(ex)
            .await?
        });
        let mut out = ClinicThresholds::default();
        for (clinic, text) in rows {
            match serde_json::from_str::<Thresholds>(&text) {
                Ok(t) => {
                    out.by_clinic.insert(clinic, t);
                }
                Err(e) => tracing::warn!(
                    clinic,
                    error = %e,
                    "stored monitoring thresholds do not read; using the defaults"
                ),
            }
        }
        Ok(out)
    }

    /// Loads the monitoring data of every active episode of every clinic (or
    /// of one), chunk by chunk in episode order, handing each chunk to
    /// `each` while the next ones load. No actor: this is the operator's
    /// nightly run; before a chunk is handed on, one audit row per clinic in
    /// it names the patients read. `chunk` is the number of episodes per chunk ([`TRIAGE_CHUNK`]
    /// is a good size; 0 means that).
    pub async fn triage_load_all(
        &self,
        clinic: Option<ClinicId>,
        chunk: usize,
        mut each: impl FnMut(&ClinicThresholds, Vec<StoredEpisode>) -> Result<()>,
    ) -> Result<TriageLoadSummary> {
        let clinic = clinic.map(|c| c.0);
        let thresholds = self.thresholds_of(clinic).await?;
        let ids: Vec<i64> = on_read!(self, |ex| {
            sqlx::query_scalar(
                "SELECT e.id FROM episodes e WHERE e.discharged_on IS NULL AND ($1 IS NULL OR e.clinic_id = $1) ORDER BY e.id",
            )
            .bind(clinic)
            .fetch_all(ex)
            .await?
        });
        let mut scopes = ids
            .chunks(if chunk == 0 { TRIAGE_CHUNK } else { chunk })
            .map(|c| Scope {
                clinic,
                lo: c[0],
                hi: c[c.len() - 1],
                discharged: false,
            });
        let mut summary = TriageLoadSummary::default();
        let mut per_clinic: BTreeMap<i64, usize> = BTreeMap::new();
        let mut pending = VecDeque::new();
        loop {
            while pending.len() < TRIAGE_IN_FLIGHT {
                let Some(scope) = scopes.next() else { break };
                let store = self.clone();
                pending.push_back(tokio::spawn(
                    async move { store.caseload_scope(scope).await },
                ));
            }
            let Some(next) = pending.pop_front() else {
                break;
            };
            let chunk = next
                .await
                .map_err(|e| StoreError::Conflict(format!("a loader stopped: {e}")))??;
            summary.episodes += chunk.len();
            // Each clinic's patients of the chunk are recorded as read
            // before anything is handed on, as the caseload does.
            let mut shown: BTreeMap<i64, String> = BTreeMap::new();
            for e in &chunk {
                summary.logs += e.record.logs.len();
                *per_clinic.entry(e.clinic_id.0).or_default() += 1;
                shown
                    .entry(e.clinic_id.0)
                    .or_default()
                    .push_str(&format!("{},", e.patient_id.0));
            }
            for (clinic, ids) in shown {
                let n = ids.matches(',').count();
                self.audit_record(
                    &Actor::operator(ClinicId(clinic), Role::Admin),
                    &Event::new("patient.list", "triage").detail(format!("patients={n};,{ids}")),
                )
                .await?;
            }
            each(&thresholds, chunk)?;
        }
        summary.clinics = per_clinic.len();
        Ok(summary)
    }

    /// Builds and stores the digests of the active episodes with ids from
    /// `lo` to `hi` (after a bulk import).
    pub(crate) async fn refresh_records(&self, lo: i64, hi: i64) -> Result<()> {
        let s = Scope {
            clinic: None,
            lo,
            hi,
            discharged: false,
        };
        self.caseload_scope(s).await.map(|_| ())
    }

    /// The active episodes of one scope with their records.
    async fn caseload_scope(&self, s: Scope) -> Result<Vec<StoredEpisode>> {
        let rows = self.scope_rows(s, true).await?;
        self.scope_build(rows, false).await
    }

    /// The whole record of a patient's current episode (the open one, else
    /// the latest): what their page, the API and every judgement of the
    /// theory read. A clinician of the patient's clinic, or the patient.
    /// Audited as `episode.record`.
    pub async fn episode_record(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<StoredEpisode>> {
        let result = self.episode_record_inner(actor, patient).await;
        self.audited(actor, "episode.record", Some(patient), result)
            .await
    }

    async fn episode_record_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<StoredEpisode>> {
        let scope = actor.scope(Area::CarePlan, Action::Read)?;
        if scope.only.is_some_and(|p| p != patient.0) {
            return Err(StoreError::NotFound);
        }
        let episode: Option<i64> = on_read!(self, |ex| {
            sqlx::query_scalar(
                "SELECT e.id FROM episodes e WHERE e.patient_id = $1 AND e.clinic_id = $2 \
                 ORDER BY e.discharged_on IS NULL DESC, e.opened_on DESC, e.id DESC LIMIT 1",
            )
            .bind(patient.0)
            .bind(scope.clinic)
            .fetch_optional(ex)
            .await?
        });
        let Some(id) = episode else {
            return Ok(None);
        };
        let s = Scope {
            clinic: Some(scope.clinic),
            lo: id,
            hi: id,
            discharged: true,
        };
        let rows = self.scope_rows(s, false).await?;
        Ok(self.scope_build(rows, true).await?.into_iter().next())
    }

    /// The active episodes of one scope, in id order, with their digests
    /// (`digests`) or without (their revisions only).
    async fn scope_rows(&self, s: Scope, digests: bool) -> Result<Vec<EpisodeRow>> {
        macro_rules! episodes_sql {
            ($digest:literal) => {
                concat!(
                    "SELECT e.id, e.clinic_id, e.patient_id, e.opened_on, e.discharged_on, p.given_name, p.family_name, ",
                    "COALESCE(pp.time_zone, c.time_zone) AS time_zone, e.revision, ",
                    "d.revision AS digest_revision, d.format AS digest_format, ",
                    $digest,
                    " AS digest FROM episodes e JOIN patients p ON p.id = e.patient_id AND p.clinic_id = e.clinic_id ",
                    "JOIN clinics c ON c.id = e.clinic_id ",
                    "LEFT JOIN patient_preferences pp ON pp.patient_id = e.patient_id AND pp.clinic_id = e.clinic_id ",
                    "LEFT JOIN monitoring_digests d ON d.episode_id = e.id AND d.clinic_id = e.clinic_id ",
                    "WHERE ",
                    active_episodes!(),
                    "ORDER BY e.id"
                )
            };
        }
        let episodes_sql = if digests {
            episodes_sql!("d.digest")
        } else {
            episodes_sql!("NULL")
        };
        let rows: Vec<EpisodeRow> = on_read!(self, |ex| {
            sqlx::query_as(episodes_sql)
                .bind(s.clinic)
                .bind(s.lo)
                .bind(s.hi)
                .bind(s.discharged)
                .fetch_all(ex)
                .await?
        });
        Ok(rows)
    }

    /// Episodes with their history: from the cache of decoded digests
    /// (`cache`, for rows read without digests), else from the digests that
    /// are current, else read from the tables (four set-based queries over
    /// the id range of the stale ones), whose digests are then stored.
    async fn scope_build(
        &self,
        mut rows: Vec<EpisodeRow>,
        cache: bool,
    ) -> Result<Vec<StoredEpisode>> {
        let clinic = rows.first().map(|r| r.clinic_id);
        let one_clinic = rows.iter().all(|r| Some(r.clinic_id) == clinic);
        let discharged = rows.iter().any(|r| r.discharged_on.is_some());
        let scope_of = |ids: &mut dyn Iterator<Item = i64>| {
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            for id in ids {
                (lo, hi) = (lo.min(id), hi.max(id));
            }
            Scope {
                clinic: clinic.filter(|_| one_clinic),
                lo,
                hi,
                discharged,
            }
        };
        let hits: Vec<Option<Cached>> = rows
            .iter()
            .map(|r| {
                cache
                    .then(|| self.decoded.get(&r.id))
                    .flatten()
                    .filter(|c| c.revision == r.revision && c.zone == r.time_zone)
            })
            .collect();
        if cache && hits.iter().any(Option::is_none) {
            let mut missing = rows
                .iter()
                .zip(&hits)
                .filter(|(_, h)| h.is_none())
                .map(|(r, _)| r.id);
            let mut found = self.digests_of(scope_of(&mut missing)).await?;
            for (r, h) in rows.iter_mut().zip(&hits) {
                if h.is_none()
                    && let Some((revision, format, bytes)) = found.remove(&r.id)
                {
                    (r.digest_revision, r.digest_format, r.digest) =
                        (Some(revision), Some(format), Some(bytes));
                }
            }
        }
        let mut zones: HashMap<String, TimeZone> = HashMap::new();
        let mut out: Vec<StoredEpisode> = Vec::with_capacity(rows.len());
        // Episodes whose history is read from the tables: id → (slot, revision).
        let mut stale: HashMap<i64, (usize, i64)> = HashMap::new();
        let mut stale_zones: Vec<TimeZone> = Vec::new();
        // Episodes decoded or read here, with their revision, to remember.
        let mut fills: Vec<(usize, i64)> = Vec::new();
        for (r, hit) in rows.into_iter().zip(hits) {
            let zone = zones
                .entry(r.time_zone.clone())
                .or_insert_with(|| crate::outbox::zone_or_utc(&r.time_zone))
                .clone();
            let mut e = StoredEpisode {
                clinic_id: ClinicId(r.clinic_id),
                patient_id: PatientId(r.patient_id),
                given_name: r.given_name,
                family_name: r.family_name,
                time_zone: r.time_zone,
                record: Arc::new(EpisodeRecord {
                    episode_id: r.id,
                    opened_on: r.opened_on.to_jiff(),
                    discharged_on: r.discharged_on.map(|d| d.to_jiff()),
                    ..Default::default()
                }),
            };
            if let Some(c) = hit {
                e.record = c.record;
                out.push(e);
                continue;
            }
            let fresh =
                r.digest_revision == Some(r.revision) && r.digest_format == Some(digest::FORMAT);
            let history = match r.digest.as_deref().filter(|_| fresh) {
                // The digest's revision is the one the episode had when read.
                Some(bytes) => match digest::decode(bytes, &zone) {
                    Ok(h) => Some(h),
                    Err(err) => {
                        tracing::warn!(episode = r.id, error = %err, "rebuilding a monitoring digest");
                        None
                    }
                },
                None => None,
            };
            match history {
                Some(h) => fill(&mut e, h.record),
                None => {
                    stale.insert(r.id, (stale_zones.len(), r.revision));
                    stale_zones.push(zone);
                }
            }
            fills.push((out.len(), r.revision));
            out.push(e);
        }
        let remember = |out: &[StoredEpisode]| {
            if !cache {
                return;
            }
            for &(i, revision) in &fills {
                let e = &out[i];
                self.decoded.insert(
                    e.episode_id(),
                    Cached {
                        revision,
                        zone: e.time_zone.clone(),
                        record: e.record.clone(),
                    },
                );
            }
        };
        if stale.is_empty() {
            remember(&out);
            return Ok(out);
        }

        // Read after the revisions above: a write in between leaves the
        // digest stored below at an older revision than the episode's, so
        // stale, never wrong.
        let slots: HashMap<i64, usize> = stale.iter().map(|(id, (slot, _))| (*id, *slot)).collect();
        let scope = scope_of(&mut stale.keys().copied());
        let mut histories = self.histories(scope, &slots, &stale_zones).await?;
        let mut puts = Vec::with_capacity(stale.len());
        for e in &mut out {
            let Some(&(slot, revision)) = stale.get(&e.episode_id()) else {
                continue;
            };
            let h = std::mem::take(&mut histories[slot]);
            puts.push((e.episode_id(), e.clinic_id.0, revision, digest::encode(&h)?));
            fill(e, h.record);
        }
        remember(&out);
        // The digests are a cache: failing to store them costs speed only.
        if let Err(e) = self.digests_put(&puts).await {
            tracing::warn!(error = %e, episodes = puts.len(), "monitoring digests not stored");
        }
        Ok(out)
    }

    /// The digests of the active episodes of a scope, by episode, with the
    /// revision and format they were written at.
    async fn digests_of(&self, s: Scope) -> Result<HashMap<i64, (i64, i32, Vec<u8>)>> {
        let rows: Vec<(i64, i64, i32, Vec<u8>)> = on_read!(self, |ex| {
            sqlx::query_as(concat!(
                "SELECT d.episode_id, d.revision, d.format, d.digest FROM episodes e ",
                "JOIN monitoring_digests d ON d.episode_id = e.id AND d.clinic_id = e.clinic_id WHERE ",
                active_episodes!()
            ))
            .bind(s.clinic)
            .bind(s.lo)
            .bind(s.hi)
            .bind(s.discharged)
            .fetch_all(ex)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, revision, format, digest)| (id, (revision, format, digest)))
            .collect())
    }

    /// The records, read from the tables, of the episodes of a scope named
    /// in `slots` (episode id → place in the answer), with what an instant
    /// dates dated in `zones[slot]`.
    async fn histories(
        &self,
        s: Scope,
        slots: &HashMap<i64, usize>,
        zones: &[TimeZone],
    ) -> Result<Vec<History>> {
        let plans_sql = concat!(
            "SELECT e.id AS episode_id, v.id, v.plan, v.created_on ",
            "FROM episodes e JOIN prescriptions r ON r.episode_id = e.id AND r.clinic_id = e.clinic_id ",
            "JOIN prescription_versions v ON v.prescription_id = r.id ",
            "WHERE ",
            active_episodes!(),
            "ORDER BY e.id, v.version"
        );
        let follow_ups_sql = concat!(
            "SELECT f.id, f.episode_id, f.contact_on, f.kind, f.feedback_given, f.feels_supported, ",
            "f.practices, f.checklist_complete, f.corrected, f.progressed, f.benefit ",
            "FROM episodes e JOIN follow_ups f ON f.episode_id = e.id AND f.clinic_id = e.clinic_id ",
            "WHERE ",
            active_episodes!(),
            "ORDER BY f.id"
        );
        let scores_sql = concat!(
            "SELECT f.id, f.episode_id, f.form, f.version, f.result, f.total, f.band, f.completed_at ",
            "FROM episodes e JOIN form_responses f ON f.episode_id = e.id AND f.clinic_id = e.clinic_id ",
            "WHERE ",
            active_episodes!(),
            "AND f.complete AND f.form <> 'intake' AND f.form <> 'red_flags' ORDER BY f.id"
        );
        let intake_sql = concat!(
            "SELECT f.id, f.episode_id, f.result, f.completed_at, f.updated_at ",
            "FROM episodes e JOIN form_responses f ON f.episode_id = e.id AND f.clinic_id = e.clinic_id ",
            "WHERE ",
            active_episodes!(),
            "AND f.form = 'intake' AND f.result IS NOT NULL ORDER BY f.id"
        );
        let beliefs_sql = concat!(
            "SELECT b.id, b.episode_id, b.confirmed, b.reconciled, b.reviewed_on ",
            "FROM episodes e JOIN belief_reviews b ON b.episode_id = e.id AND b.clinic_id = e.clinic_id ",
            "WHERE ",
            active_episodes!(),
            "ORDER BY b.id"
        );
        let goals_sql = concat!(
            "SELECT g.id, g.episode_id, g.goal, g.created_at ",
            "FROM episodes e JOIN goals g ON g.episode_id = e.id AND g.clinic_id = e.clinic_id ",
            "WHERE ",
            active_episodes!(),
            "ORDER BY g.id"
        );
        let education_sql = concat!(
            "SELECT a.id, a.episode_id, a.item_id, a.assigned_at, a.read_at ",
            "FROM episodes e JOIN education_assignments a ON a.episode_id = e.id AND a.clinic_id = e.clinic_id ",
            "WHERE ",
            active_episodes!(),
            "ORDER BY a.id"
        );
        let feedback_sql = concat!(
            "SELECT c.id, l.episode_id, c.log_id, c.created_at ",
            "FROM episodes e JOIN session_logs l ON l.episode_id = e.id AND l.clinic_id = e.clinic_id ",
            // `+c.clinic_id`: find each log's comments by its log, never by
            // scanning the clinic's comments for every log.
            "JOIN log_comments c ON c.log_id = l.id AND +c.clinic_id = e.clinic_id ",
            "WHERE ",
            active_episodes!(),
            "ORDER BY c.id"
        );
        macro_rules! fetch {
            ($sql:expr) => {
                on_read!(self, |ex| {
                    sqlx::query_as($sql)
                        .bind(s.clinic)
                        .bind(s.lo)
                        .bind(s.hi)
                        .bind(s.discharged)
                        .fetch_all(ex)
                        .await?
                })
            };
        }
        // The reads run side by side on the reader pool.
        let (plans, logs, follow_ups, scores) = tokio::try_join!(
            async { Ok::<Vec<PlanRow>, StoreError>(fetch!(plans_sql)) },
            async {
                let packed: Vec<(i64, String)> = match &self.db {
                    crate::Db::Sqlite { read, .. } => {
                        sqlx::query_as(LOGS_SQLITE)
                            .bind(s.clinic)
                            .bind(s.lo)
                            .bind(s.hi)
                            .bind(s.discharged)
                            .fetch_all(read)
                            .await?
                    }
                    crate::Db::Postgres(pool) => {
                        sqlx::query_as(LOGS_POSTGRES)
                            .bind(s.clinic)
                            .bind(s.lo)
                            .bind(s.hi)
                            .bind(s.discharged)
                            .fetch_all(pool)
                            .await?
                    }
                };
                Ok::<_, StoreError>(packed)
            },
            async { Ok::<Vec<FollowUpRow>, StoreError>(fetch!(follow_ups_sql)) },
            async { Ok::<Vec<ScoreRow>, StoreError>(fetch!(scores_sql)) },
        )?;
        let (intakes, beliefs, goals, education, feedback) = tokio::try_join!(
            async { Ok::<Vec<IntakeRow>, StoreError>(fetch!(intake_sql)) },
            async { Ok::<Vec<BeliefReviewRow>, StoreError>(fetch!(beliefs_sql)) },
            async { Ok::<Vec<GoalRow>, StoreError>(fetch!(goals_sql)) },
            async { Ok::<Vec<EducationRow>, StoreError>(fetch!(education_sql)) },
            async { Ok::<Vec<FeedbackRow>, StoreError>(fetch!(feedback_sql)) },
        )?;

        let mut out = vec![History::default(); zones.len()];
        // An episode not in `slots` (not asked for, or discharged between
        // two of the reads) has its rows dropped.
        for r in plans {
            if let Some(&i) = slots.get(&r.episode_id) {
                let plan: Plan = serde_json::from_str(&r.plan)
                    .map_err(|e| unreadable("plan version", r.id, e))?;
                out[i].record.plans.push(PlanVersion {
                    starts_on: r.created_on.to_jiff(),
                    plan,
                });
                out[i].record.plan_ids.push(r.id);
            }
        }
        for (episode, packed) in logs {
            if let Some(&i) = slots.get(&episode) {
                let r = &mut out[i].record;
                logs_of(episode, &packed, &mut r.logs, &mut r.log_ids)?;
            }
        }
        for r in follow_ups {
            if let Some(&i) = slots.get(&r.episode_id) {
                let (f, c) = follow_up_of(r)?;
                out[i].record.follow_ups.push(f);
                out[i].record.contacts.push(c);
            }
        }
        for r in scores {
            if let Some(&i) = slots.get(&r.episode_id) {
                let id = r.id;
                if let Some((score, at)) = score_of(r, &zones[i])? {
                    out[i].record.scores.push(score);
                    out[i].record.score_ids.push(id);
                    out[i].at.scores.push(at);
                }
            }
        }
        let day = |t: Ts, i: usize| t.0.to_zoned(zones[i].clone()).date();
        // The latest intake of an episode counts (there is one per time point).
        for r in intakes {
            if let Some(&i) = slots.get(&r.episode_id)
                && let Some(text) = r.result.as_deref()
            {
                let intake: Intake =
                    serde_json::from_str(text).map_err(|e| unreadable("intake", r.id, e))?;
                let at = r.completed_at.unwrap_or(r.updated_at);
                out[i].record.intake = Some(IntakeFacts::of(r.id, day(at, i), &intake));
                out[i].at.intake = Some(at.0.as_microsecond());
            }
        }
        for r in beliefs {
            if let Some(&i) = slots.get(&r.episode_id) {
                let keys = |text: &str| -> Result<Vec<String>> {
                    serde_json::from_str(text).map_err(|e| unreadable("belief review", r.id, e))
                };
                out[i].record.belief_reviews.push(BeliefReviewFacts {
                    id: r.id,
                    date: r.reviewed_on.to_jiff(),
                    confirmed: keys(&r.confirmed)?,
                    reconciled: keys(&r.reconciled)?,
                });
            }
        }
        for r in goals {
            if let Some(&i) = slots.get(&r.episode_id) {
                let goal: Goal =
                    serde_json::from_str(&r.goal).map_err(|e| unreadable("goal", r.id, e))?;
                out[i].record.goals.push(GoalFacts {
                    id: r.id,
                    agreed_together: goal.agreed_together,
                    agreed_on: goal.agreed_on,
                    set_on: day(r.created_at, i),
                });
                out[i].at.goals.push(r.created_at.0.as_microsecond());
            }
        }
        for r in education {
            if let Some(&i) = slots.get(&r.episode_id) {
                out[i].record.education.push(EducationFacts {
                    id: r.id,
                    item_id: r.item_id,
                    date: day(r.assigned_at, i),
                    read: r.read_at.is_some(),
                });
                out[i].at.education.push(r.assigned_at.0.as_microsecond());
            }
        }
        for r in feedback {
            if let Some(&i) = slots.get(&r.episode_id) {
                out[i].record.feedback.push(FeedbackFacts {
                    id: r.id,
                    log_id: r.log_id,
                    date: day(r.created_at, i),
                });
                out[i].at.feedback.push(r.created_at.0.as_microsecond());
            }
        }
        Ok(out)
    }
}
