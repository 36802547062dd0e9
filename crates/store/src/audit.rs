//! The append-only audit log of every read and write of patient data.

use rapport_domain::identity::{ClinicId, PatientId, Role, UserId};
use serde::Serialize;

use crate::types::Ts;
use crate::{Actor, Result, Store, in_tx, on_read};

/// One thing to record. `outcome` is `ok`, `not_found` or `forbidden`, so that
/// refused attempts are kept as well as successful ones.
#[derive(Debug, Clone)]
pub(crate) struct Event<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub record_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub outcome: &'a str,
    pub detail: Option<String>,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, entity: &'a str) -> Self {
        Event {
            action,
            entity,
            record_id: None,
            patient_id: None,
            outcome: "ok",
            detail: None,
        }
    }
    pub fn patient(mut self, id: i64) -> Self {
        self.record_id = Some(id);
        self.patient_id = Some(id);
        self
    }
    pub fn record(mut self, id: i64) -> Self {
        self.record_id = Some(id);
        self
    }
    pub fn outcome(mut self, outcome: &'a str) -> Self {
        self.outcome = outcome;
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Inserts an audit row through any executor of either backend.
macro_rules! audit_insert {
    ($ex:expr, $actor:expr, $event:expr) => {{
        let actor: &$crate::Actor = $actor;
        let event: &$crate::audit::Event<'_> = $event;
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, role, clinic_id, action, entity, record_id, patient_id, outcome, address, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind($crate::types::Ts::now())
        .bind(actor.user_id_raw())
        .bind(actor.role.as_str())
        .bind(actor.clinic_id.0)
        .bind(event.action)
        .bind(event.entity)
        .bind(event.record_id)
        .bind(event.patient_id)
        .bind(event.outcome)
        .bind(actor.address.as_deref())
        .bind(event.detail.as_deref())
        .execute($ex)
        .await?;
    }};
}
pub(crate) use audit_insert;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: jiff::Timestamp,
    pub user_id: Option<UserId>,
    pub role: Option<Role>,
    pub clinic_id: Option<ClinicId>,
    pub action: String,
    pub entity: String,
    pub record_id: Option<i64>,
    pub patient_id: Option<PatientId>,
    pub outcome: String,
    pub address: Option<String>,
    pub detail: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: Ts,
    user_id: Option<i64>,
    role: Option<String>,
    clinic_id: Option<i64>,
    action: String,
    entity: String,
    record_id: Option<i64>,
    patient_id: Option<i64>,
    outcome: String,
    address: Option<String>,
    detail: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at.0,
            user_id: r.user_id.map(UserId),
            role: r.role.and_then(|r| r.parse().ok()),
            clinic_id: r.clinic_id.map(ClinicId),
            action: r.action,
            entity: r.entity,
            record_id: r.record_id,
            patient_id: r.patient_id.map(PatientId),
            outcome: r.outcome,
            address: r.address,
            detail: r.detail,
        }
    }
}

/// Which audit rows to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub clinic_id: Option<ClinicId>,
    /// Rows about this patient, including lists that showed them.
    pub patient_id: Option<PatientId>,
    /// Only rows older than this id (for paging).
    pub before_id: Option<i64>,
    pub limit: u32,
}

const AUDIT_SELECT: &str = "SELECT id, at, user_id, role, clinic_id, action, entity, record_id, patient_id, outcome, address, detail \
     FROM audit_log WHERE ($1 IS NULL OR clinic_id = $1) \
     AND ($2 IS NULL OR patient_id = $2 OR (action = 'patient.list' AND detail LIKE $3)) \
     AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5";

impl Store {
    /// Records an event that is not part of a store write (log-in, log-out,
    /// refused access decided before the store was asked).
    pub async fn audit_event(
        &self,
        actor: &Actor,
        action: &str,
        entity: &str,
        outcome: &str,
        detail: Option<String>,
    ) -> Result<()> {
        let mut event = Event::new(action, entity).outcome(outcome);
        event.detail = detail;
        in_tx!(self, |tx| {
            audit_insert!(&mut *tx, actor, &event);
        });
        Ok(())
    }

    /// The audit log of the actor's own clinic, for its administrators. Reading
    /// the log is itself recorded.
    pub async fn audit_list(&self, actor: &Actor, query: AuditQuery) -> Result<Vec<AuditEntry>> {
        actor.require_admin()?;
        let query = AuditQuery {
            clinic_id: Some(actor.clinic_id),
            ..query
        };
        let rows = self.audit_list_unscoped(&query).await?;
        let mut event =
            Event::new("audit.read", "audit_log").detail(format!("rows={}", rows.len()));
        if let Some(p) = query.patient_id {
            event.patient_id = Some(p.0);
        }
        in_tx!(self, |tx| {
            audit_insert!(&mut *tx, actor, &event);
        });
        Ok(rows)
    }

    /// The whole audit log, for an operator with access to the database itself
    /// (`rapport audit`).
    pub async fn audit_list_unscoped(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let pattern = query.patient_id.map(|p| format!("%,{},%", p.0));
        let limit = i64::from(query.limit.clamp(1, 100_000));
        let rows: Vec<AuditRow> = on_read!(self, |ex| {
            sqlx::query_as(AUDIT_SELECT)
                .bind(query.clinic_id.map(|c| c.0))
                .bind(query.patient_id.map(|p| p.0))
                .bind(pattern)
                .bind(query.before_id)
                .bind(limit)
                .fetch_all(ex)
                .await?
        });
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}
