//! The append-only audit log of every read and write of patient data.

use rapport_domain::access::{Action, Area};
use rapport_domain::identity::{ClinicId, PatientId, Role, UserId};
use serde::Serialize;

use crate::types::Ts;
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

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

/// An audit row with everything owned, to hand to the batch writer.
#[derive(Debug)]
pub(crate) struct AuditJob {
    actor: Actor,
    action: String,
    entity: String,
    record_id: Option<i64>,
    patient_id: Option<i64>,
    outcome: String,
    detail: Option<String>,
    done: tokio::sync::oneshot::Sender<std::result::Result<(), String>>,
}

/// Commits waiting audit rows in batches: one transaction for all rows that
/// queued while the previous batch was being written.
pub(crate) async fn write_batches(store: Store, mut rx: tokio::sync::mpsc::Receiver<AuditJob>) {
    const MAX_BATCH: usize = 512;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let result = store
            .insert_audit_batch(&batch)
            .await
            .map_err(|e| e.to_string());
        for job in batch {
            let _ = job.done.send(result.clone());
        }
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
    async fn insert_audit_batch(&self, batch: &[AuditJob]) -> Result<()> {
        in_tx!(self, |tx| {
            for job in batch {
                let event = Event {
                    action: &job.action,
                    entity: &job.entity,
                    record_id: job.record_id,
                    patient_id: job.patient_id,
                    outcome: &job.outcome,
                    detail: job.detail.clone(),
                };
                audit_insert!(&mut *tx, &job.actor, &event);
            }
        });
        Ok(())
    }

    /// Records one audit row on its own, and returns once it is committed.
    pub(crate) async fn audit_record(&self, actor: &Actor, event: &Event<'_>) -> Result<()> {
        let Some(sender) = &self.audit else {
            in_tx!(self, |tx| {
                audit_insert!(&mut *tx, actor, event);
            });
            return Ok(());
        };
        let (done, wait) = tokio::sync::oneshot::channel();
        let job = AuditJob {
            actor: actor.clone(),
            action: event.action.to_string(),
            entity: event.entity.to_string(),
            record_id: event.record_id,
            patient_id: event.patient_id,
            outcome: event.outcome.to_string(),
            detail: event.detail.clone(),
            done,
        };
        sender
            .send(job)
            .await
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?
            .map_err(StoreError::Audit)
    }

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
        self.audit_record(actor, &event).await
    }

    /// The audit log of the actor's own clinic, for its administrators. Reading
    /// the log is itself recorded.
    pub async fn audit_list(&self, actor: &Actor, query: AuditQuery) -> Result<Vec<AuditEntry>> {
        actor.require(Area::AuditLog, Action::Read)?;
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
        self.audit_record(actor, &event).await?;
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
