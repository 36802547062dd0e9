//! The self-management plan the patient keeps, every version kept. It is
//! part of the care plan (`rapport_domain::access::Area::CarePlan`): the
//! patient's clinicians write it, the patient reads their own, and another
//! clinic's patient is not found. It is written for the patient's current
//! episode once that episode is discharged, checked in the same transaction
//! as the write; reads show the plan of the patient's latest episode that
//! has one, so that it stays with them after discharge.

use jiff::civil::Date;
use rapport_domain::FieldError;
use rapport_domain::access::{Action, Area};
use rapport_domain::identity::{PatientId, UserId};
use rapport_domain::prescription::MAX_ITEMS;
use rapport_domain::self_management::SelfManagementPlan;
use serde::Serialize;

use crate::audit::{Event, audit_insert};
use crate::episodes::missing_in_clinic;
use crate::types::{Day, Ts};
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

/// One version of a patient's self-management plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredSelfManagementPlan {
    pub patient_id: PatientId,
    pub episode_id: i64,
    pub version: i64,
    pub plan: SelfManagementPlan,
    pub written_by: UserId,
    pub written_on: Date,
    pub written_at: jiff::Timestamp,
    /// Every version of the episode's plan, oldest first.
    pub versions: Vec<SelfManagementVersion>,
}

/// A version of the plan, as listed beside the one shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SelfManagementVersion {
    pub version: i64,
    pub written_on: Date,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    episode_id: i64,
    version: i64,
    plan: String,
    written_by: i64,
    written_on: Day,
    written_at: Ts,
}

fn stored(
    patient: PatientId,
    rows: Vec<Row>,
    version: Option<i64>,
) -> Result<Option<(i64, StoredSelfManagementPlan)>> {
    let versions: Vec<SelfManagementVersion> = rows
        .iter()
        .map(|r| SelfManagementVersion {
            version: r.version,
            written_on: r.written_on.to_jiff(),
        })
        .collect();
    let chosen = match version {
        Some(v) => rows.into_iter().find(|r| r.version == v),
        None => rows.into_iter().last(),
    };
    let Some(r) = chosen else { return Ok(None) };
    let plan: SelfManagementPlan = serde_json::from_str(&r.plan).map_err(|_| {
        StoreError::Conflict(format!(
            "stored self-management plan {} is unreadable",
            r.id
        ))
    })?;
    Ok(Some((
        r.id,
        StoredSelfManagementPlan {
            patient_id: patient,
            episode_id: r.episode_id,
            version: r.version,
            plan,
            written_by: UserId(r.written_by),
            written_on: r.written_on.to_jiff(),
            written_at: r.written_at.0,
            versions,
        },
    )))
}

impl Store {
    /// Saves a new version of the self-management plan of the patient's
    /// current episode, which must be discharged (a conflict while it is
    /// open). Clinicians of the patient's clinic only.
    pub async fn self_management_save(
        &self,
        actor: &Actor,
        patient: PatientId,
        plan: &SelfManagementPlan,
        on: Date,
    ) -> Result<StoredSelfManagementPlan> {
        let result = self
            .self_management_save_inner(actor, patient, plan, on)
            .await;
        self.audited(actor, "self_management.save", Some(patient), result)
            .await
    }

    async fn self_management_save_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        plan: &SelfManagementPlan,
        on: Date,
    ) -> Result<StoredSelfManagementPlan> {
        actor.require(Area::CarePlan, Action::Write)?;
        // Whoever made the plan, the same bounds hold.
        if plan.exercises.is_empty() {
            return Err(StoreError::Invalid(FieldError::new(
                "exercises",
                "required",
                "add at least one exercise to keep doing",
            )));
        }
        if plan.exercises.len() > MAX_ITEMS {
            return Err(StoreError::Invalid(FieldError::new(
                "exercises",
                "max_items",
                format!("a plan to keep holds at most {MAX_ITEMS} exercises"),
            )));
        }
        let text = serde_json::to_string(plan).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let user = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        let (episode, version) = in_tx!(self, |tx| {
            let episode: Option<(i64, Option<Day>)> = sqlx::query_as(concat!(
                "SELECT e.id, e.discharged_on FROM episodes e WHERE e.patient_id = $1 AND e.clinic_id = $2 ",
                crate::episodes::current_episode_first!()
            ))
            .bind(patient.0)
            .bind(actor.clinic_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((episode, discharged)) = episode else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "the patient has no episode of care"
                ));
            };
            if discharged.is_none() {
                return Err(StoreError::Conflict(
                    "the episode of care is still open: the self-management plan is written at discharge, once the discharge is recorded".into(),
                ));
            }
            let version: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM self_management_plans WHERE episode_id = $1",
            )
            .bind(episode)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO self_management_plans (clinic_id, patient_id, episode_id, version, plan, written_by, written_on, written_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(actor.clinic_id.0)
            .bind(patient.0)
            .bind(episode)
            .bind(version)
            .bind(&text)
            .bind(user)
            .bind(Day::from(on))
            .bind(Ts::now())
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::new("self_management.save", "self_management_plan")
                .record(id)
                .detail(format!(
                    "episode={episode} version={version} exercises={}",
                    plan.exercises.len()
                ));
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            (episode, version)
        });
        let rows = self
            .self_management_rows(actor.clinic_id.0, episode)
            .await?;
        let (_, plan) = stored(patient, rows, Some(version))?.ok_or(StoreError::NotFound)?;
        Ok(plan)
    }

    /// The patient's self-management plan: version `version`, or the latest,
    /// of their latest episode that has one. `None` when there is none (or no
    /// such version); another clinic's patient, or another patient's for a
    /// patient account, is not found. Each read is audited.
    pub async fn self_management_get(
        &self,
        actor: &Actor,
        patient: PatientId,
        version: Option<i64>,
    ) -> Result<Option<StoredSelfManagementPlan>> {
        let result = self
            .self_management_get_inner(actor, patient, version)
            .await;
        self.audited(actor, "self_management.read", Some(patient), result)
            .await
    }

    async fn self_management_get_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        version: Option<i64>,
    ) -> Result<Option<StoredSelfManagementPlan>> {
        let scope = actor.scope(Area::CarePlan, Action::Read)?;
        let found: Option<(i64, Option<i64>)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT p.id, (SELECT s.episode_id FROM self_management_plans s JOIN episodes e ON e.id = s.episode_id \
                 WHERE s.patient_id = p.id AND s.clinic_id = p.clinic_id ORDER BY e.opened_on DESC, e.id DESC LIMIT 1) \
                 FROM patients p WHERE p.id = $1 AND p.clinic_id = $2 AND ($3 IS NULL OR p.id = $3)",
            )
            .bind(patient.0)
            .bind(scope.clinic)
            .bind(scope.only)
            .fetch_optional(ex)
            .await?
        });
        let Some((_, episode)) = found else {
            return Err(StoreError::NotFound);
        };
        let Some(episode) = episode else {
            return Ok(None);
        };
        let rows = self.self_management_rows(scope.clinic, episode).await?;
        let Some((id, plan)) = stored(patient, rows, version)? else {
            return Ok(None);
        };
        self.audit_record(
            actor,
            &Event::new("self_management.read", "self_management_plan")
                .patient(patient.0)
                .record(id)
                .detail(format!("version={}", plan.version)),
        )
        .await?;
        Ok(Some(plan))
    }

    async fn self_management_rows(&self, clinic: i64, episode: i64) -> Result<Vec<Row>> {
        Ok(on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT id, episode_id, version, plan, written_by, written_on, written_at \
                 FROM self_management_plans WHERE episode_id = $1 AND clinic_id = $2 ORDER BY version",
            )
                .bind(episode)
                .bind(clinic)
                .fetch_all(ex)
                .await?
        }))
    }
}
