//! One patient's current episode as stored, and as the theory engine sees it.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rapport_domain::assessment::{self, Intake, TimePoint};
use rapport_domain::identity::PatientId;
use rapport_domain::instruments::Score;
use rapport_domain::theory;
use rapport_store::{
    Actor, BeliefReview, CareEpisode, EducationAssignment, FormResponse, Prescription, StoredGoal,
};

use crate::AppState;
use crate::error::AppError;

/// Everything recorded in a patient's current episode.
pub struct EpisodeRecord {
    pub episode: CareEpisode,
    pub forms: Vec<FormResponse>,
    /// Only clinicians read the beliefs review.
    pub beliefs: Option<BeliefReview>,
    pub goals: Vec<StoredGoal>,
    pub education: Vec<EducationAssignment>,
    pub prescription: Option<Prescription>,
}

impl EpisodeRecord {
    pub async fn load(
        state: &AppState,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<EpisodeRecord>, AppError> {
        let Some(episode) = state.store.episode_current(actor, patient).await? else {
            return Ok(None);
        };
        // Independent reads, each audited: side by side rather than in turn.
        let (forms, beliefs, goals, education, prescription) = tokio::try_join!(
            state.store.forms_of_episode(actor, episode.id),
            async {
                if actor.role == rapport_domain::identity::Role::Clinician {
                    state.store.belief_review_latest(actor, episode.id).await
                } else {
                    Ok(None)
                }
            },
            state.store.goals_list(actor, patient),
            state.store.education_list(actor, patient),
            state.store.prescription_current(actor, patient),
        )?;
        Ok(Some(EpisodeRecord {
            episode,
            forms,
            beliefs,
            goals,
            education,
            prescription,
        }))
    }

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

    /// Completed questionnaire scores, oldest first.
    pub fn scores(&self) -> Vec<(&FormResponse, Score)> {
        self.forms
            .iter()
            .filter(|f| f.complete && f.form != "intake" && f.form != "red_flags")
            .filter_map(|f| Some((f, serde_json::from_value::<Score>(f.result.clone()?).ok()?)))
            .collect()
    }

    /// The completed questionnaires' scores, as the theory engine and the
    /// monitoring rules read them.
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

    /// The episode as the theory engine sees it: what has been recorded so far.
    pub fn theory_episode(
        &self,
        education: &rapport_domain::education::Library,
    ) -> theory::Episode {
        let intake = self.intake();
        let confirmed = self
            .beliefs
            .as_ref()
            .map(|b| (b.confirmed.as_slice(), b.reviewed_on));
        let (assessment, beliefs) =
            assessment::theory_facts(intake.as_ref().map(|(i, d)| (i, *d)), confirmed);
        let scores = self.instrument_scores();
        let goals = self
            .goals
            .iter()
            .map(|g| theory::episode::Goal {
                id: g.id.to_string(),
                text: g.goal.activity.clone(),
                agreed_together: g.goal.agreed_together,
                agreed_on: g.goal.agreed_on.unwrap_or(self.episode.opened_on),
            })
            .collect();
        let education_given = self
            .education
            .iter()
            .map(|a| theory::episode::EducationGiven {
                item_id: a.item_id.clone(),
                answers_beliefs: education
                    .get(&a.item_id)
                    .map(|i| i.beliefs.clone())
                    .unwrap_or_default(),
                date: day_of(a.assigned_at),
                read: Some(a.read_at.is_some()),
            })
            .collect();
        let likes: Vec<String> = intake
            .as_ref()
            .map(|(i, _)| i.preferences.iter().map(|p| p.to_string()).collect())
            .unwrap_or_default();
        let prescriptions = self
            .prescription
            .iter()
            .flat_map(|p| p.versions.iter())
            .map(|v| theory::episode::Prescription {
                date: v.created_on,
                items: v
                    .plan
                    .items
                    .iter()
                    .map(|i| theory::episode::PrescriptionItem {
                        exercise_id: i.exercise_id.clone(),
                        setting: match i.delivery {
                            rapport_domain::prescription::Delivery::Home => {
                                theory::episode::Setting::Home
                            }
                            rapport_domain::prescription::Delivery::Supervised => {
                                theory::episode::Setting::Supervised
                            }
                            rapport_domain::prescription::Delivery::Group => {
                                theory::episode::Setting::Group
                            }
                        },
                        // Individualised: linked to one of the patient's goals or
                        // explained in terms of their own situation.
                        individualised: i.goal.is_some() || !i.why.is_empty(),
                        tailored_to_preferences: likes
                            .iter()
                            .any(|l| i.why.to_lowercase().contains(l.as_str())),
                        goal_id: i
                            .goal
                            .and_then(|n| self.goals.get(n))
                            .map(|g| g.id.to_string()),
                    })
                    .collect(),
                co_designed: Some(v.plan.co_designed),
                holistic_plan: Some(!self.education.is_empty()),
            })
            .collect();
        theory::Episode {
            assessment,
            beliefs,
            scores,
            goals,
            prescriptions,
            education: education_given,
            discharged_on: self.episode.discharged_on,
            ..Default::default()
        }
    }
}

/// The calendar day of an instant, in the server's time zone.
pub fn day_of(t: jiff::Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::system()).date()
}
