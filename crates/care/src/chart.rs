//! One patient's chart: their current episode with everything the clinic
//! recorded in it, as their page and the API show it, and the judgement of
//! the programme theory on it, read from the same record the caseload reads.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_domain::assessment::{self, Intake, TimePoint};
use rapport_domain::education::Stratum;
use rapport_domain::identity::{PatientId, Role};
use rapport_domain::instruments::Score;
use rapport_domain::theory;
use rapport_store::{
    Actor, BeliefReview, CareEpisode, EducationAssignment, FormResponse, Prescription, StoreError,
    StoredEpisode, StoredGoal,
};

use crate::judgement::{Assessed, Ground, Sources, TheoryView, assess, local_date};
use crate::{Care, CareError, Result};

/// Everything recorded in a patient's current episode.
pub struct Chart {
    pub episode: CareEpisode,
    pub forms: Vec<FormResponse>,
    /// The latest beliefs review; only clinicians read it.
    pub beliefs: Option<BeliefReview>,
    pub goals: Vec<StoredGoal>,
    pub education: Vec<EducationAssignment>,
    pub prescription: Option<Prescription>,
    /// The record every judgement reads (the caseload's too).
    pub record: StoredEpisode,
}

impl Chart {
    pub fn form(&self, tp: TimePoint, key: &str) -> Option<&FormResponse> {
        self.forms
            .iter()
            .find(|f| f.time_point == tp && f.form == key)
    }

    pub fn is_done(&self, tp: TimePoint, key: &str) -> bool {
        self.form(tp, key).is_some_and(|f| f.complete)
    }

    /// The time points of the episode as they stand on `today`.
    pub fn schedule(&self, today: Date) -> Vec<assessment::DueItem> {
        assessment::schedule::schedule(
            self.episode.opened_on,
            self.episode.discharged_on,
            self.record.record.second_contact(),
            &|tp, key| self.is_done(tp, key),
            today,
        )
    }

    /// The intake, once saved (complete or not), with the day it was last saved.
    pub fn intake(&self) -> Option<(Intake, Date)> {
        let f = self.forms.iter().find(|f| f.form == "intake")?;
        let intake: Intake = serde_json::from_value(f.result.clone()?).ok()?;
        Some((intake, day_of(f.completed_at.unwrap_or(f.updated_at))))
    }

    /// The completed questionnaires (not the intake or the red-flag screen),
    /// oldest first.
    pub fn questionnaires(&self) -> impl Iterator<Item = &FormResponse> {
        self.forms
            .iter()
            .filter(|f| f.complete && f.form != "intake" && f.form != "red_flags")
    }

    /// Completed questionnaire scores, oldest first.
    pub fn scores(&self) -> Vec<(&FormResponse, Score)> {
        self.questionnaires()
            .filter_map(|f| Some((f, serde_json::from_value::<Score>(f.result.clone()?).ok()?)))
            .collect()
    }

    /// The completed questionnaires' scores, as the rules read them.
    pub fn instrument_scores(&self) -> Vec<theory::episode::InstrumentScore> {
        self.scores()
            .into_iter()
            .filter_map(|(f, s)| {
                Some(theory::episode::InstrumentScore {
                    instrument: s.instrument,
                    version: s.version,
                    date: day_of(f.completed_at?),
                    total: s.total?,
                    subscales: s
                        .subscales
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, v?)))
                        .collect::<BTreeMap<_, _>>(),
                    band: s.band.map(|b| b.code),
                })
            })
            .collect()
    }

    /// The latest STarT Back stratum on `today`.
    pub fn stratum(&self, today: Date) -> Option<Stratum> {
        self.record.record.stratum(today)
    }
}

/// The patient's own today on the clinical clock, for their chart.
pub fn today_of(chart: &Chart) -> Date {
    local_date(&chart.record, crate::clock::now())
}

/// The calendar day of an instant, in the server's time zone.
pub fn day_of(t: Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::system()).date()
}

impl Care {
    /// The chart of a patient's current episode; `None` when they have none.
    /// Each read is audited; another clinic's patient is not found.
    pub async fn chart(&self, actor: &Actor, patient: PatientId) -> Result<Option<Chart>> {
        let Some(episode) = self.store.episode_current(actor, patient).await? else {
            return Ok(None);
        };
        // Independent reads, each audited: side by side rather than in turn.
        let (forms, beliefs, goals, education, prescription, record) = tokio::try_join!(
            self.store.forms_of_episode(actor, episode.id),
            async {
                if actor.role == Role::Clinician {
                    self.store.belief_review_latest(actor, episode.id).await
                } else {
                    Ok(None)
                }
            },
            self.store.goals_list(actor, patient),
            self.store.education_list(actor, patient),
            self.store.prescription_current(actor, patient),
            self.store.episode_record(actor, patient),
        )?;
        let Some(record) = record else {
            return Ok(None);
        };
        Ok(Some(Chart {
            episode,
            forms,
            beliefs,
            goals,
            education,
            prescription,
            record,
        }))
    }

    /// Why a write found no chart to act on: a patient out of the actor's
    /// reach is not found (as the store answers for another clinic's
    /// record); one that is in reach has no episode yet, which `why` says.
    pub(crate) async fn no_chart(&self, actor: &Actor, patient: PatientId, why: &str) -> CareError {
        match self.store.patient_get(actor, patient).await {
            Ok(_) => CareError::Store(StoreError::Conflict(why.into())),
            Err(e) => CareError::Store(e),
        }
    }

    /// A patient's current episode judged on their own today: the monitoring
    /// rules and the programme theory, from the record the caseload reads.
    pub async fn judge_patient(
        &self,
        actor: &Actor,
        patient: PatientId,
        now: Timestamp,
    ) -> Result<Option<(StoredEpisode, Assessed<'_>)>> {
        let Some(record) = self.store.episode_record(actor, patient).await? else {
            return Ok(None);
        };
        let assessed = self.judge_record(actor, &record, now).await?;
        Ok(Some((record, assessed)))
    }

    /// One stored episode judged on the patient's own today.
    pub async fn judge_record(
        &self,
        actor: &Actor,
        record: &StoredEpisode,
        now: Timestamp,
    ) -> Result<Assessed<'_>> {
        let (library, thresholds) = tokio::try_join!(self.library(record.clinic_id), async {
            Ok(self.store.thresholds(actor).await?)
        },)?;
        let ground = Ground {
            kb: &self.theory,
            exercises: &library,
            education: &self.education,
            thresholds: &thresholds,
        };
        Ok(assess(
            record,
            local_date(record, now),
            &ground,
            Sources::Kept,
        ))
    }

    /// The theory applied to a patient, with the records behind each
    /// judgement: `GET /api/v1/patients/{id}/theory` and their page.
    pub async fn theory(
        &self,
        actor: &Actor,
        patient: PatientId,
        now: Timestamp,
    ) -> Result<Option<TheoryView>> {
        // The judgement is the clinician's working record (rapport_domain::access).
        actor.require(
            rapport_domain::access::Area::ClinicalWork,
            rapport_domain::access::Action::Read,
        )?;
        Ok(self
            .judge_patient(actor, patient, now)
            .await?
            .map(|(_, a)| TheoryView::of(&a.judgement)))
    }
}
