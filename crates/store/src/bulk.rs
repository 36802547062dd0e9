//! Bulk import of generated records (the synthetic clinic of `rapport demo`).
//!
//! Unlike the rest of the store, nothing here is scoped by an actor or
//! audited row by row: the caller is an operator at the command line loading
//! a whole clinic, and one audit row records the import
//! ([`Store::bulk_record_import`]). Every row carries its id, chosen by the
//! caller, so that the same input always makes the same database.
//!
//! Speed: rows go in with multi-row `INSERT`s of a fixed size (the statement
//! is prepared once and reused), one transaction per [`SyntheticBatch`]. On
//! SQLite the import connection runs with `synchronous = OFF` and a larger
//! page cache during each batch and is set back afterwards; a crash in the
//! middle may leave a batch half written, so an import is run into a new
//! database (the command refuses one that already has patients). On
//! PostgreSQL the identity sequences are moved past the imported ids at the
//! end ([`Store::bulk_finish`]), so that later inserts by the application do
//! not collide.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use rapport_domain::identity::{ClinicId, Role};

use crate::audit::{Event, audit_insert};
use crate::types::{Day, Ts};
use crate::{Actor, Db, Result, Store, in_tx, on_read};

#[derive(Debug, Clone, PartialEq)]
pub struct BulkClinic {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkUser {
    pub id: i64,
    pub clinic_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkPatient {
    pub id: i64,
    pub clinic_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Date,
    pub external_ref: String,
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkEpisode {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub opened_on: Date,
    pub discharged_on: Option<Date>,
    /// `clear` for every synthetic episode (the screen was negative).
    pub red_flag: &'static str,
    pub red_flag_at: Option<jiff::Timestamp>,
    pub created_at: jiff::Timestamp,
}

/// A completed form, as `Store::form_save` keeps it: `answers` and `result`
/// are the JSON texts.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkForm {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub episode_id: i64,
    pub time_point: &'static str,
    pub form: &'static str,
    pub version: &'static str,
    pub answers: String,
    pub result: String,
    pub total: Option<f64>,
    pub band: Option<String>,
    pub entered_by: i64,
    pub on_behalf: bool,
    pub completed_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkGoal {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub episode_id: i64,
    /// The goal's JSON (a domain `Goal`).
    pub goal: String,
    pub created_by: i64,
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkPrescription {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub episode_id: i64,
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkPrescriptionVersion {
    pub id: i64,
    pub prescription_id: i64,
    pub version: i64,
    /// JSON of the domain `Plan` and of the `Change` list.
    pub plan: String,
    pub changes: String,
    pub reason: String,
    pub created_by: i64,
    pub created_on: Date,
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkLog {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub episode_id: i64,
    pub exercise_id: String,
    pub log_date: Date,
    pub at: Option<jiff::Timestamp>,
    /// `done`, `partly` or `skipped`.
    pub completion: &'static str,
    pub skip_reason: Option<&'static str>,
    pub sets: Option<i32>,
    pub reps: Option<i32>,
    pub minutes: Option<i32>,
    pub pain_before: Option<i32>,
    pub pain_after: Option<i32>,
    pub difficulty: Option<i32>,
    pub enjoyment: Option<i32>,
    pub source: &'static str,
    pub entered_by: Option<i64>,
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkFollowUp {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub episode_id: i64,
    pub contact_on: Date,
    /// `phone`, `video`, `in_person` or `supervised`.
    pub kind: &'static str,
    pub feedback_given: Option<bool>,
    pub feels_supported: Option<bool>,
    pub notes: String,
    pub corrections: String,
    pub plan_version: Option<i32>,
    pub next_contact_on: Option<Date>,
    pub next_reason: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: jiff::Timestamp,
    /// Practice keys ticked (`Practice::key`), comma-separated, as
    /// `Store::follow_up_add` keeps them.
    pub practices: String,
    /// The whole checklist was gone through: a practice not ticked was not done.
    pub checklist_complete: bool,
    /// Supervised contacts: technique corrected, dose progressed.
    pub corrected: Option<bool>,
    pub progressed: Option<bool>,
    /// The patient's rating of change at the contact (PGIC scale, 1–7).
    pub benefit: Option<i32>,
}

/// The beliefs-and-fears checklist gone through with the patient, as
/// `Store::belief_review_save` keeps it: `confirmed` and `reconciled` are
/// JSON lists of belief keys.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkBeliefReview {
    pub id: i64,
    pub clinic_id: i64,
    pub episode_id: i64,
    pub reviewed_by: i64,
    pub confirmed: String,
    pub reconciled: String,
    pub note: String,
    pub reviewed_on: Date,
    pub reviewed_at: jiff::Timestamp,
}

/// An education item assigned in an episode (`Store::education_assign`),
/// read once `read_at` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkEducation {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub episode_id: i64,
    pub item_id: String,
    pub assigned_by: i64,
    pub assigned_at: jiff::Timestamp,
    pub read_at: Option<jiff::Timestamp>,
}

/// A clinician's feedback on one session log (`Store::log_comment_add`).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkLogComment {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub log_id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: jiff::Timestamp,
    pub seen_at: Option<jiff::Timestamp>,
}

/// A version of a self-management plan, as `Store::self_management_save`
/// keeps it: `plan` is the JSON of the domain's `SelfManagementPlan`.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkSelfManagementPlan {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    pub episode_id: i64,
    pub version: i64,
    pub plan: String,
    pub written_by: i64,
    pub written_on: Date,
    pub written_at: jiff::Timestamp,
}

/// Rows to write in one transaction. Parents come before children in the
/// order the tables are written, so a batch may hold both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyntheticBatch {
    pub clinics: Vec<BulkClinic>,
    pub users: Vec<BulkUser>,
    pub patients: Vec<BulkPatient>,
    pub episodes: Vec<BulkEpisode>,
    pub forms: Vec<BulkForm>,
    pub goals: Vec<BulkGoal>,
    pub prescriptions: Vec<BulkPrescription>,
    pub versions: Vec<BulkPrescriptionVersion>,
    pub logs: Vec<BulkLog>,
    pub follow_ups: Vec<BulkFollowUp>,
    pub belief_reviews: Vec<BulkBeliefReview>,
    pub education: Vec<BulkEducation>,
    pub log_comments: Vec<BulkLogComment>,
    pub self_management: Vec<BulkSelfManagementPlan>,
}

impl SyntheticBatch {
    pub fn rows(&self) -> u64 {
        [
            self.clinics.len(),
            self.users.len(),
            self.patients.len(),
            self.episodes.len(),
            self.forms.len(),
            self.goals.len(),
            self.prescriptions.len(),
            self.versions.len(),
            self.logs.len(),
            self.follow_ups.len(),
            self.belief_reviews.len(),
            self.education.len(),
            self.log_comments.len(),
            self.self_management.len(),
        ]
        .iter()
        .map(|n| *n as u64)
        .sum()
    }
}

/// The largest id in each table the import writes, so that a generator can
/// number its rows after them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct IdBases {
    pub clinics: i64,
    pub users: i64,
    pub patients: i64,
    pub episodes: i64,
    pub form_responses: i64,
    pub goals: i64,
    pub prescriptions: i64,
    pub prescription_versions: i64,
    pub session_logs: i64,
    pub follow_ups: i64,
    pub belief_reviews: i64,
    pub education_assignments: i64,
    pub log_comments: i64,
    pub self_management_plans: i64,
}

/// The tables [`Store::bulk_import`] writes, in the order it writes them.
pub const BULK_TABLES: [&str; 14] = [
    "clinics",
    "users",
    "patients",
    "episodes",
    "form_responses",
    "goals",
    "prescriptions",
    "prescription_versions",
    "session_logs",
    "follow_ups",
    "belief_reviews",
    "education_assignments",
    "log_comments",
    "self_management_plans",
];

/// Parameters per statement stay well under SQLite's limit (32766) and
/// PostgreSQL's (65535).
const MAX_PARAMS: usize = 2000;

/// The multi-row INSERT texts, made once per (table, rows) and shared.
#[derive(Debug, Default)]
pub(crate) struct InsertCache(Mutex<HashMap<InsertKey, Arc<str>>>);

/// (table, rows, numbered placeholders).
type InsertKey = (&'static str, usize, bool);

impl InsertCache {
    /// `numbered`: `$1, $2…` (PostgreSQL); else `?` (SQLite, where sqlx looks
    /// each numbered parameter up by name, which is quadratic in a long statement).
    fn get(&self, table: &'static str, cols: &[&str], rows: usize, numbered: bool) -> Arc<str> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry((table, rows, numbered))
            .or_insert_with(|| {
                let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
                let mut n = 0;
                for r in 0..rows {
                    if r > 0 {
                        sql.push_str(", ");
                    }
                    sql.push('(');
                    for c in 0..cols.len() {
                        if c > 0 {
                            sql.push_str(", ");
                        }
                        n += 1;
                        if numbered {
                            sql.push('$');
                            sql.push_str(&n.to_string());
                        } else {
                            sql.push('?');
                        }
                    }
                    sql.push(')');
                }
                Arc::from(sql)
            })
            .clone()
    }
}

fn insert_cache() -> &'static InsertCache {
    static CACHE: std::sync::OnceLock<InsertCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(InsertCache::default)
}

/// Inserts `$rows` into `$table` in multi-row statements of a fixed size
/// (and one shorter one for the remainder), binding each row with `$bind`.
macro_rules! insert_rows {
    ($tx:expr, $numbered:expr, $table:literal, [$($col:literal),+ $(,)?], $rows:expr, |$q:ident, $r:ident| $bind:expr) => {{
        const COLS: &[&str] = &[$($col),+];
        let per = (MAX_PARAMS / COLS.len()).max(1);
        for chunk in $rows.chunks(per) {
            let sql = insert_cache().get($table, COLS, chunk.len(), $numbered);
            let mut $q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for $r in chunk {
                $q = $bind;
            }
            $q.execute(&mut *$tx).await?;
        }
    }};
}

/// Writes every table of a batch through one open transaction `$tx`.
macro_rules! write_batch {
    ($tx:ident, $numbered:expr, $b:expr) => {{
        let b: &SyntheticBatch = $b;
        let numbered: bool = $numbered;
        insert_rows!(
            $tx,
            numbered,
            "clinics",
            ["id", "name", "time_zone", "created_at"],
            b.clinics,
            |q, r| q
                .bind(r.id)
                .bind(&r.name)
                .bind(&r.time_zone)
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "users",
            [
                "id",
                "clinic_id",
                "email",
                "display_name",
                "role",
                "password_hash",
                "created_at"
            ],
            b.users,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(&r.email)
                .bind(&r.display_name)
                .bind(r.role.as_str())
                .bind(&r.password_hash)
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "patients",
            [
                "id",
                "clinic_id",
                "given_name",
                "family_name",
                "birth_date",
                "external_ref",
                "created_at",
                "updated_at"
            ],
            b.patients,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(&r.given_name)
                .bind(&r.family_name)
                .bind(Day::from(r.birth_date))
                .bind(&r.external_ref)
                .bind(Ts(r.created_at))
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "episodes",
            [
                "id",
                "clinic_id",
                "patient_id",
                "opened_on",
                "discharged_on",
                "red_flag",
                "red_flag_at",
                "created_at"
            ],
            b.episodes,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(Day::from(r.opened_on))
                .bind(r.discharged_on.map(Day::from))
                .bind(r.red_flag)
                .bind(r.red_flag_at.map(Ts))
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "form_responses",
            [
                "id",
                "clinic_id",
                "patient_id",
                "episode_id",
                "time_point",
                "form",
                "version",
                "answers",
                "result",
                "total",
                "band",
                "complete",
                "entered_by",
                "on_behalf",
                "updated_at",
                "completed_at"
            ],
            b.forms,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.episode_id)
                .bind(r.time_point)
                .bind(r.form)
                .bind(r.version)
                .bind(&r.answers)
                .bind(&r.result)
                .bind(r.total)
                .bind(r.band.as_deref())
                .bind(true)
                .bind(r.entered_by)
                .bind(r.on_behalf)
                .bind(Ts(r.completed_at))
                .bind(Ts(r.completed_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "goals",
            [
                "id",
                "clinic_id",
                "patient_id",
                "episode_id",
                "goal",
                "created_by",
                "created_at"
            ],
            b.goals,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.episode_id)
                .bind(&r.goal)
                .bind(r.created_by)
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "prescriptions",
            ["id", "clinic_id", "patient_id", "episode_id", "created_at"],
            b.prescriptions,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.episode_id)
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "prescription_versions",
            [
                "id",
                "prescription_id",
                "version",
                "plan",
                "changes",
                "reason",
                "created_by",
                "created_on",
                "created_at"
            ],
            b.versions,
            |q, r| q
                .bind(r.id)
                .bind(r.prescription_id)
                .bind(r.version)
                .bind(&r.plan)
                .bind(&r.changes)
                .bind(&r.reason)
                .bind(r.created_by)
                .bind(Day::from(r.created_on))
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "session_logs",
            [
                "id",
                "clinic_id",
                "patient_id",
                "episode_id",
                "exercise_id",
                "log_date",
                "at",
                "completion",
                "skip_reason",
                "sets",
                "reps",
                "minutes",
                "pain_before",
                "pain_after",
                "difficulty",
                "enjoyment",
                "source",
                "entered_by",
                "created_at"
            ],
            b.logs,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.episode_id)
                .bind(&r.exercise_id)
                .bind(Day::from(r.log_date))
                .bind(r.at.map(Ts))
                .bind(r.completion)
                .bind(r.skip_reason)
                .bind(r.sets)
                .bind(r.reps)
                .bind(r.minutes)
                .bind(r.pain_before)
                .bind(r.pain_after)
                .bind(r.difficulty)
                .bind(r.enjoyment)
                .bind(r.source)
                .bind(r.entered_by)
                .bind(Ts(r.created_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "follow_ups",
            [
                "id",
                "clinic_id",
                "patient_id",
                "episode_id",
                "contact_on",
                "kind",
                "feedback_given",
                "feels_supported",
                "notes",
                "corrections",
                "plan_version",
                "next_contact_on",
                "next_reason",
                "recorded_by",
                "created_at",
                "practices",
                "checklist_complete",
                "corrected",
                "progressed",
                "benefit"
            ],
            b.follow_ups,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.episode_id)
                .bind(Day::from(r.contact_on))
                .bind(r.kind)
                .bind(r.feedback_given)
                .bind(r.feels_supported)
                .bind(&r.notes)
                .bind(&r.corrections)
                .bind(r.plan_version)
                .bind(r.next_contact_on.map(Day::from))
                .bind(r.next_reason.as_deref())
                .bind(r.recorded_by)
                .bind(Ts(r.created_at))
                .bind(&r.practices)
                .bind(r.checklist_complete)
                .bind(r.corrected)
                .bind(r.progressed)
                .bind(r.benefit)
        );
        insert_rows!(
            $tx,
            numbered,
            "belief_reviews",
            [
                "id",
                "clinic_id",
                "episode_id",
                "reviewed_by",
                "confirmed",
                "reconciled",
                "note",
                "reviewed_on",
                "reviewed_at"
            ],
            b.belief_reviews,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.episode_id)
                .bind(r.reviewed_by)
                .bind(&r.confirmed)
                .bind(&r.reconciled)
                .bind(&r.note)
                .bind(Day::from(r.reviewed_on))
                .bind(Ts(r.reviewed_at))
        );
        insert_rows!(
            $tx,
            numbered,
            "education_assignments",
            [
                "id",
                "clinic_id",
                "patient_id",
                "episode_id",
                "item_id",
                "assigned_by",
                "assigned_at",
                "read_at"
            ],
            b.education,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.episode_id)
                .bind(&r.item_id)
                .bind(r.assigned_by)
                .bind(Ts(r.assigned_at))
                .bind(r.read_at.map(Ts))
        );
        insert_rows!(
            $tx,
            numbered,
            "log_comments",
            [
                "id",
                "clinic_id",
                "patient_id",
                "log_id",
                "author_id",
                "body",
                "created_at",
                "seen_at"
            ],
            b.log_comments,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.log_id)
                .bind(r.author_id)
                .bind(&r.body)
                .bind(Ts(r.created_at))
                .bind(r.seen_at.map(Ts))
        );
        insert_rows!(
            $tx,
            numbered,
            "self_management_plans",
            [
                "id",
                "clinic_id",
                "patient_id",
                "episode_id",
                "version",
                "plan",
                "written_by",
                "written_on",
                "written_at"
            ],
            b.self_management,
            |q, r| q
                .bind(r.id)
                .bind(r.clinic_id)
                .bind(r.patient_id)
                .bind(r.episode_id)
                .bind(r.version)
                .bind(&r.plan)
                .bind(r.written_by)
                .bind(Day::from(r.written_on))
                .bind(Ts(r.written_at))
        );
    }};
}

impl Store {
    /// How many patients the database holds, in every clinic.
    pub async fn patient_count_all(&self) -> Result<i64> {
        let n: i64 = on_read!(self, |ex| {
            sqlx::query_scalar("SELECT COUNT(*) FROM patients")
                .fetch_one(ex)
                .await?
        });
        Ok(n)
    }

    /// The largest id of each table a bulk import writes (0 for an empty one).
    pub async fn bulk_id_bases(&self) -> Result<IdBases> {
        let mut v = [0i64; BULK_TABLES.len()];
        for (slot, table) in v.iter_mut().zip(BULK_TABLES) {
            let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
            *slot = on_read!(self, |ex| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(ex)
                    .await?
            });
        }
        Ok(IdBases {
            clinics: v[0],
            users: v[1],
            patients: v[2],
            episodes: v[3],
            form_responses: v[4],
            goals: v[5],
            prescriptions: v[6],
            prescription_versions: v[7],
            session_logs: v[8],
            follow_ups: v[9],
            belief_reviews: v[10],
            education_assignments: v[11],
            log_comments: v[12],
            self_management_plans: v[13],
        })
    }

    /// Writes one batch in one transaction; returns the rows written.
    pub async fn bulk_import(&self, batch: &SyntheticBatch) -> Result<u64> {
        match &self.db {
            Db::Sqlite { write, .. } => {
                let mut conn = write.acquire().await?;
                let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(&mut *conn)
                    .await?;
                let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(&mut *conn)
                    .await?;
                sqlx::query("PRAGMA synchronous = OFF")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("PRAGMA cache_size = -262144")
                    .execute(&mut *conn)
                    .await?;
                let result = async {
                    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                    write_batch!(tx, false, batch);
                    tx.commit().await?;
                    Ok::<(), crate::StoreError>(())
                }
                .await;
                // Set back whatever happened: the pool reuses this connection.
                let restore_sync = format!("PRAGMA synchronous = {}", sync.clamp(0, 3));
                let restore_cache = format!("PRAGMA cache_size = {cache}");
                sqlx::query(sqlx::AssertSqlSafe(restore_sync))
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(restore_cache))
                    .execute(&mut *conn)
                    .await?;
                result?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                write_batch!(tx, true, batch);
                tx.commit().await?;
            }
        }
        // The batch's active episodes get their digests as any reader would
        // build them, read back from the rows just written: one builder.
        let active = batch.episodes.iter().filter(|e| e.discharged_on.is_none());
        let (lo, hi) = active.fold((i64::MAX, i64::MIN), |(lo, hi), e| {
            (lo.min(e.id), hi.max(e.id))
        });
        if lo <= hi {
            self.refresh_records(lo, hi).await?;
        }
        Ok(batch.rows())
    }

    /// Ends an import: on PostgreSQL, moves each identity sequence past the
    /// largest id now in its table. Nothing to do on SQLite.
    pub async fn bulk_finish(&self) -> Result<()> {
        if let Db::Postgres(pool) = &self.db {
            for table in BULK_TABLES {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// The one audit row of an import: who (an operator at the command
    /// line), which clinic, and what was loaded (`detail`).
    pub async fn bulk_record_import(&self, clinic: ClinicId, detail: &str) -> Result<()> {
        let actor = Actor::operator(clinic, Role::Admin);
        let event = Event::new("demo.import", "clinic")
            .record(clinic.0)
            .detail(detail);
        in_tx!(self, |tx| {
            audit_insert!(&mut *tx, &actor, &event);
        });
        Ok(())
    }
}
