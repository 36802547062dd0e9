//! Discharge and outcomes: ending an episode, each patient's change at
//! discharge and six months on, the end-of-care questions beside the
//! expectations at intake, and the clinic's outcomes as the sum of its
//! patients' own (one domain function, [`rapport_domain::outcomes::outcomes`],
//! for both).

use jiff::civil::Date;
use rapport_domain::assessment::{DueItem, Expectation, TimePoint};
use rapport_domain::education::Stratum;
use rapport_domain::identity::PatientId;
use rapport_domain::outcomes::{
    self, AtFollowUp, EpisodeOutcomes, ExpectationOutcome, FollowUp, InstrumentOutcome, ReportRow,
    ScoreAt, end_of_care,
};
use rapport_store::{Actor, DischargedEpisode};

use crate::chart::Chart;
use crate::{Care, CareError, Result};

/// One patient's outcomes in their current (or last) episode.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientOutcomes {
    pub opened_on: Date,
    pub discharged_on: Option<Date>,
    pub instruments: Vec<InstrumentOutcome>,
    /// The global rating of change (1 very much improved … 7 very much worse).
    pub pgic: AtFollowUp<Option<f64>>,
    /// The expectations ticked at intake, and what became of each.
    pub expectations: AtFollowUp<Vec<ExpectationOutcome>>,
    /// The end-of-care answers, item by item (`None` where not answered yet).
    pub end_of_care: AtFollowUp<Option<Vec<Option<i32>>>>,
    /// The discharge and six-month forms, as they stand today.
    pub due: Vec<DueItem>,
}

fn scores_of(chart: &Chart) -> Vec<ScoreAt<'_>> {
    chart
        .questionnaires()
        .map(|f| ScoreAt {
            instrument: &f.form,
            time_point: f.time_point,
            at: f.completed_at.unwrap_or(f.updated_at),
            total: f.total,
        })
        .collect()
}

impl Chart {
    /// The outcomes of this chart's episode on `today`.
    pub fn outcomes(&self, today: Date) -> PatientOutcomes {
        let scores = scores_of(self);
        let instruments = outcomes::outcomes(&scores);
        let expected: Vec<Expectation> = self
            .intake()
            .map(|(i, _)| i.expectations.into_iter().collect())
            .unwrap_or_default();
        let answers = |tp: TimePoint| -> Option<Vec<Option<i32>>> {
            let f = self
                .forms
                .iter()
                .filter(|f| f.complete && f.time_point == tp && f.form == end_of_care::CODE)
                .max_by_key(|f| f.completed_at)?;
            serde_json::from_value(f.answers.clone()).ok()
        };
        let eoc = AtFollowUp {
            discharge: answers(TimePoint::Discharge),
            six_months: answers(TimePoint::SixMonths),
        };
        let pain_free = |at: FollowUp| {
            instruments
                .iter()
                .find(|o| o.instrument == "nprs")
                .and_then(|o| o.at(at))
                .map(|v| v == 0.0)
        };
        let expectations = AtFollowUp {
            discharge: outcomes::expectations_met(
                &expected,
                eoc.discharge.as_deref(),
                pain_free(FollowUp::Discharge),
            ),
            six_months: outcomes::expectations_met(
                &expected,
                eoc.six_months.as_deref(),
                pain_free(FollowUp::SixMonths),
            ),
        };
        PatientOutcomes {
            opened_on: self.episode.opened_on,
            discharged_on: self.episode.discharged_on,
            pgic: outcomes::global_change(&scores),
            expectations,
            end_of_care: eoc,
            due: self
                .schedule(today)
                .into_iter()
                .filter(|d| matches!(d.time_point, TimePoint::Discharge | TimePoint::SixMonths))
                .collect(),
            instruments,
        }
    }
}

/// The clinic's outcomes over the episodes discharged in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomesReport {
    pub from: Date,
    pub to: Date,
    /// Episodes discharged in the period.
    pub discharged: usize,
    pub rows: Vec<ReportRow>,
    pub by_stratum: Vec<ReportRow>,
}

/// The outcomes of one discharged episode, from its stored forms, as the
/// patient's own page works them out.
pub fn episode_outcomes(e: &DischargedEpisode) -> EpisodeOutcomes {
    let scores: Vec<ScoreAt<'_>> = e
        .forms
        .iter()
        .map(|f| ScoreAt {
            instrument: &f.form,
            time_point: f.time_point,
            at: f.completed_at,
            total: f.total,
        })
        .collect();
    let stratum = e
        .forms
        .iter()
        .filter(|f| f.time_point == TimePoint::Baseline && f.form == "startback")
        .max_by_key(|f| f.completed_at)
        .and_then(|f| f.band.as_deref())
        .and_then(Stratum::parse);
    EpisodeOutcomes {
        stratum,
        outcomes: outcomes::outcomes(&scores),
    }
}

impl Care {
    /// A patient's outcomes on their own today; `None` without an episode.
    pub async fn outcomes(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<PatientOutcomes>> {
        let Some(chart) = self.chart(actor, patient).await? else {
            return Ok(None);
        };
        let today = crate::judgement::local_date(&chart.record, self.now());
        Ok(Some(chart.outcomes(today)))
    }

    /// Ends the patient's open episode on `on` (the patient's today when not
    /// given; never a day still to come): the discharge forms fall due at
    /// once and the six-month ones from six months later. Answers the
    /// outcomes as they then stand.
    pub async fn discharge(
        &self,
        actor: &Actor,
        patient: PatientId,
        on: Option<Date>,
    ) -> Result<PatientOutcomes> {
        let Some(mut chart) = self.chart(actor, patient).await? else {
            return Err(self
                .no_chart(actor, patient, "the patient has no episode to discharge")
                .await);
        };
        let today = crate::judgement::local_date(&chart.record, self.now());
        let on = on.unwrap_or(today);
        if on > today {
            return Err(CareError::Invalid(rapport_domain::FieldError::new(
                "discharged_on",
                "not_in_future",
                "must not be in the future",
            )));
        }
        chart.episode = self.store.episode_discharge(actor, patient, on).await?;
        Ok(chart.outcomes(today))
    }

    /// The clinic's outcomes for the episodes discharged from `from` to `to`
    /// (by default the year up to today), both days included.
    pub async fn outcomes_report(
        &self,
        actor: &Actor,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<OutcomesReport> {
        let to = to.unwrap_or_else(crate::clock::today);
        let from = from.unwrap_or_else(|| to.checked_sub(jiff::Span::new().years(1)).unwrap_or(to));
        if to < from {
            return Err(CareError::Invalid(rapport_domain::FieldError::new(
                "to",
                "after_from",
                "the end of the period must not be before its start",
            )));
        }
        let episodes = self.store.discharged_episodes(actor, from, to).await?;
        let each: Vec<EpisodeOutcomes> = episodes.iter().map(episode_outcomes).collect();
        Ok(OutcomesReport {
            from,
            to,
            discharged: episodes.len(),
            rows: outcomes::report(&each, false),
            by_stratum: outcomes::report(&each, true),
        })
    }
}
