//! Recording a contact with the clinician: its kind, what was done
//! (the consultation practices), for a supervised contact what was corrected
//! and whether the dose progressed (optionally a step along an exercise's
//! chain, saved as a new plan version linked to the contact), and the
//! patient's rating of change. The next contact is then dated by the same
//! rule the caseload uses, counting this contact. The page and `POST
//! /api/v1/patients/{id}/contacts` both record through
//! [`Care::record_contact`].

use rapport_domain::identity::PatientId;
use rapport_domain::monitoring::PlanVersion;
use rapport_domain::prescription::{Step, step_item};
use rapport_domain::theory::episode::FollowUp;
use rapport_store::{Actor, FollowUpInput, StoreError, StoredFollowUp};

use crate::judgement::monitor;
use crate::{Care, CareError, Result};

/// A step along one exercise's chain made at the contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStep {
    /// The exercise's place in the current plan (0-based).
    pub index: usize,
    pub step: Step,
    /// Why, for the plan version; a default names the contact.
    pub reason: String,
}

impl Care {
    /// Records a contact of the patient's open episode. The input is checked
    /// before the plan is touched, so a refused contact changes nothing.
    pub async fn record_contact(
        &self,
        actor: &Actor,
        patient: PatientId,
        mut input: FollowUpInput,
        step: Option<PlanStep>,
    ) -> Result<StoredFollowUp> {
        let Some(chart) = self.chart(actor, patient).await? else {
            return Err(self
                .no_chart(actor, patient, "the patient has no episode of care")
                .await);
        };
        let today = crate::chart::today_of(&chart);
        if input.date.is_none() {
            input.date = Some(today);
        }
        input.validate(today, chart.episode.opened_on)?;
        let library = self.library(chart.record.clinic_id).await?;
        let thresholds = self.store.thresholds(actor).await?;
        let mut counted = (*chart.record.record).clone();
        if let Some(s) = step {
            let current = chart
                .prescription
                .as_ref()
                .and_then(|p| p.current())
                .map(|v| v.plan.clone())
                .ok_or_else(|| {
                    CareError::Store(StoreError::Conflict(
                        "there is no plan to change yet".into(),
                    ))
                })?;
            let (plan, changes) = step_item(&current, s.index, s.step, &library)?;
            let reason = match s.reason.trim() {
                "" => format!(
                    "Changed at a {} contact",
                    input.kind.map_or("follow-up", |k| k.label())
                ),
                r => r.to_string(),
            };
            let saved = self
                .store
                .prescription_save(actor, patient, &plan, &changes, &reason, today)
                .await?;
            if let Some(v) = saved.current() {
                input.plan_version = Some(v.version);
                // In force from today: counted in the schedule.
                counted.plans.push(PlanVersion {
                    starts_on: v.created_on,
                    plan: v.plan.clone(),
                });
            }
        }
        if let (Some(date), Some(kind)) = (input.date, input.kind) {
            counted.follow_ups.push(FollowUp {
                date,
                kind,
                feedback_given: input.feedback_given,
                patient_feels_supported: input.feels_supported,
            });
            counted.contacts.push(Default::default());
        }
        let now_today = crate::judgement::local_date(&chart.record, self.now());
        if let Some((_, next)) = monitor(&counted, now_today, &thresholds, &library) {
            input.next_contact_on = Some(next.date);
            input.next_reason = Some(next.reason.to_string());
        }
        Ok(self
            .store
            .follow_up_add(actor, patient, &input, today)
            .await?)
    }
}
