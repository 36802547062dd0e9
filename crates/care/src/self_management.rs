//! The self-management plan the patient keeps: drafted from what is on
//! record, agreed with the patient and saved by a clinician, read by the
//! patient. The page and `/api/v1/patients/{id}/self-management-plan` both
//! go through these functions.
//!
//! When: the plan is written at discharge. It is saved for the patient's
//! current episode once its discharge is recorded (the day of discharge or
//! later), never while the episode is still open; the store checks this in
//! the same transaction as the write. Every save is a new version, and
//! every version is kept.

use rapport_domain::access::{Action, Area};
use rapport_domain::identity::PatientId;
use rapport_domain::self_management::{SelfManagementInput, SelfManagementPlan, draft};
use rapport_store::{Actor, StoredSelfManagementPlan};

use crate::chart::today_of;
use crate::{Care, CareError, Result};

/// A draft and what it was made for.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub plan: SelfManagementPlan,
    /// The episode it is drafted from.
    pub episode_id: i64,
    /// Whether that episode is discharged, so the plan can be saved.
    pub discharged: bool,
}

impl Care {
    /// A first version of the plan from the patient's current episode: its
    /// latest plan version, its goals and the beliefs the patient let go
    /// of. `None` when the patient has no episode of care. For clinicians
    /// (who write the plan).
    pub async fn self_management_draft(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<Draft>> {
        actor.require(Area::CarePlan, Action::Write)?;
        let Some(chart) = self.chart(actor, patient).await? else {
            return Ok(None);
        };
        let library = self.library(chart.record.clinic_id).await?;
        let goals: Vec<_> = chart.goals.iter().map(|g| g.goal.clone()).collect();
        Ok(Some(Draft {
            plan: draft(&chart.record.record, &goals, &library),
            episode_id: chart.episode.id,
            discharged: chart.episode.discharged_on.is_some(),
        }))
    }

    /// Checks a plan as written (every broken rule at once) and saves it as
    /// a new version for the patient's current, discharged episode, dated
    /// the patient's today.
    pub async fn self_management_save(
        &self,
        actor: &Actor,
        patient: PatientId,
        input: &SelfManagementInput,
    ) -> Result<StoredSelfManagementPlan> {
        actor.require(Area::CarePlan, Action::Write)?;
        let Some(chart) = self.chart(actor, patient).await? else {
            return Err(self
                .no_chart(actor, patient, "the patient has no episode of care")
                .await);
        };
        let library = self.library(chart.record.clinic_id).await?;
        let plan = input.validate(&library).map_err(CareError::InvalidAll)?;
        Ok(self
            .store
            .self_management_save(actor, patient, &plan, today_of(&chart))
            .await?)
    }

    /// The patient's plan: `version`, or the latest (see
    /// [`rapport_store::Store::self_management_get`]).
    pub async fn self_management(
        &self,
        actor: &Actor,
        patient: PatientId,
        version: Option<i64>,
    ) -> Result<Option<StoredSelfManagementPlan>> {
        Ok(self
            .store
            .self_management_get(actor, patient, version)
            .await?)
    }
}
