//! Discharge and outcomes: ending an episode, a patient's change at
//! discharge and six months on, and the clinic's outcomes over a period.

use axum::extract::State;
use jiff::civil::Date;
use rapport_care::outcomes::{OutcomesReport, PatientOutcomes};
use rapport_domain::assessment::DueItem;
use rapport_domain::identity::PatientId;
use rapport_domain::outcomes::{AtFollowUp, ExpectationOutcome, InstrumentOutcome, ReportRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shared::unreadable;
use super::{ApiJson, ApiQuery, Id};
use crate::AppState;
use crate::auth::{ApiMay, ApiUser, ClinicOutcomes, ClinicalWork, Reads, Writes};
use crate::error::{ApiError, ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(discharge))
        .routes(routes!(patient_outcomes))
        .routes(routes!(report))
}

/// A value at discharge and at six months.
#[derive(Serialize, ToSchema)]
pub struct AtBoth<T> {
    pub discharge: T,
    pub six_months: T,
}

impl<T: Copy> From<AtFollowUp<T>> for AtBoth<T> {
    fn from(a: AtFollowUp<T>) -> Self {
        AtBoth {
            discharge: a.discharge,
            six_months: a.six_months,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct McidOut {
    /// The published minimal important change, in points of the total.
    pub points: f64,
    /// Per cent of the baseline that also counts, where the source gives one.
    pub percent: Option<f64>,
    pub source: String,
    /// Whether the change reached it; `null` where not scored.
    pub reached: AtBoth<Option<bool>>,
}

#[derive(Serialize, ToSchema)]
pub struct InstrumentOutcomeOut {
    pub instrument: String,
    /// Totals at each time point; `null` where not scored.
    pub baseline: Option<f64>,
    pub discharge: Option<f64>,
    pub six_months: Option<f64>,
    /// Later total minus baseline (the scale's sign: for pain, negative is better).
    pub change: AtBoth<Option<f64>>,
    /// `null` for an instrument without a published minimal important change.
    pub mcid: Option<McidOut>,
}

impl From<&InstrumentOutcome> for InstrumentOutcomeOut {
    fn from(o: &InstrumentOutcome) -> Self {
        InstrumentOutcomeOut {
            instrument: o.instrument.to_string(),
            baseline: o.baseline,
            discharge: o.discharge,
            six_months: o.six_months,
            change: o.change.into(),
            mcid: o.mcid.as_ref().map(|m| McidOut {
                points: m.points,
                percent: m.percent,
                source: m.source.to_string(),
                reached: m.reached.into(),
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExpectationOut {
    /// The key of the expectation ticked at intake.
    pub expectation: String,
    pub label: String,
    /// `met`, `partly`, `not_met`, `changed` or `not_asked`.
    pub verdict: String,
    /// The end-of-care answers it was read from.
    pub because: String,
}

fn expectations(list: &[ExpectationOutcome]) -> Vec<ExpectationOut> {
    list.iter()
        .map(|e| ExpectationOut {
            expectation: e.expectation.as_str().to_string(),
            label: e.expectation.label().to_string(),
            verdict: e.verdict.as_str().to_string(),
            because: e.because.clone(),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct FormsDueOut {
    /// `discharge` or `six_months`.
    pub time_point: String,
    /// `upcoming`, `due`, `overdue` or `done`.
    pub status: String,
    #[schema(value_type = String, format = Date)]
    pub opens_on: Date,
    #[schema(value_type = String, format = Date)]
    pub due_on: Date,
    pub forms_missing: Vec<String>,
}

fn forms_due(items: &[DueItem]) -> Vec<FormsDueOut> {
    items
        .iter()
        .map(|d| FormsDueOut {
            time_point: d.time_point.as_str().to_string(),
            status: d.status.as_str().to_string(),
            opens_on: d.opens_on,
            due_on: d.due_on,
            forms_missing: d.forms_missing.iter().map(|f| f.to_string()).collect(),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct OutcomesOut {
    #[schema(value_type = String, format = Date)]
    pub opened_on: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub discharged_on: Option<Date>,
    /// Each instrument scored at baseline and asked again.
    pub instruments: Vec<InstrumentOutcomeOut>,
    /// The global rating of change, 1 (very much improved) to 7 (very much worse).
    pub pgic: AtBoth<Option<f64>>,
    /// The expectations ticked at intake and what became of each.
    pub expectations: AtBoth<Vec<ExpectationOut>>,
    /// The discharge and six-month forms.
    pub forms_due: Vec<FormsDueOut>,
}

impl From<&PatientOutcomes> for OutcomesOut {
    fn from(o: &PatientOutcomes) -> Self {
        OutcomesOut {
            opened_on: o.opened_on,
            discharged_on: o.discharged_on,
            instruments: o.instruments.iter().map(Into::into).collect(),
            pgic: o.pgic.into(),
            expectations: AtBoth {
                discharge: expectations(&o.expectations.discharge),
                six_months: expectations(&o.expectations.six_months),
            },
            forms_due: forms_due(&o.due),
        }
    }
}

/// A discharge.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeIn {
    /// The day of discharge, YYYY-MM-DD, not in the future; default the patient's today.
    #[schema(value_type = Option<String>, format = Date, example = "2026-03-02")]
    pub discharged_on: Option<String>,
}

/// Ends the patient's open episode (clinicians). The discharge forms fall due
/// at once and the six-month forms from six months later; the answer is the
/// patient's outcomes as they then stand.
#[utoipa::path(post, path = "/patients/{id}/episode/discharge", tag = "outcomes",
    params(("id" = i64, Path, description = "Patient id")), request_body = DischargeIn, security(("bearer" = [])),
    responses((status = 200, description = "The outcomes after discharge, with the forms now due", body = OutcomesOut),
        (status = 404, description = "No such patient in your clinic", body = ErrorBody),
        (status = 409, description = "No open episode, or the date is before it opened", body = ErrorBody)))]
pub async fn discharge(
    State(state): State<AppState>,
    user: ApiMay<Writes<ClinicalWork>>,
    Id(id): Id,
    ApiJson(body): ApiJson<DischargeIn>,
) -> ApiResult<axum::Json<OutcomesOut>> {
    let patient = PatientId(id);
    let on = body
        .discharged_on
        .as_deref()
        .map(|s| {
            s.trim()
                .parse::<Date>()
                .map_err(|_| unreadable("discharged_on", "must be a date written YYYY-MM-DD"))
        })
        .transpose()?;
    let outcomes = state.care.discharge(&user.actor, patient, on).await?;
    Ok(axum::Json((&outcomes).into()))
}

/// The patient's outcomes: each instrument at baseline, discharge and six
/// months, the change and whether it reaches the minimal important change;
/// the PGIC; the expectations at intake beside the end-of-care answers. The
/// patient reads their own; clinicians those of their clinic.
#[utoipa::path(get, path = "/patients/{id}/outcomes", tag = "outcomes",
    params(("id" = i64, Path, description = "Patient id")), security(("bearer" = [])),
    responses((status = 200, body = OutcomesOut),
        (status = 404, description = "No such patient in your reach, or no episode of care", body = ErrorBody)))]
pub async fn patient_outcomes(
    State(state): State<AppState>,
    user: ApiUser,
    Id(id): Id,
) -> ApiResult<axum::Json<OutcomesOut>> {
    let outcomes = state
        .care
        .outcomes(&user.actor, PatientId(id))
        .await?
        .ok_or(ApiError(AppError::NotFound))?;
    Ok(axum::Json((&outcomes).into()))
}

/// The period of the clinic's report.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day of discharge counted, YYYY-MM-DD; default a year before `to`.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Last day of discharge counted, YYYY-MM-DD; default today.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
}

impl Period {
    /// The days given (the care layer supplies the defaults).
    pub fn days(&self) -> ApiResult<(Option<Date>, Option<Date>)> {
        let day = |field: &str, v: &Option<String>| -> ApiResult<Option<Date>> {
            v.as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    s.trim()
                        .parse::<Date>()
                        .map_err(|_| unreadable(field, "must be a date written YYYY-MM-DD"))
                })
                .transpose()
        };
        Ok((day("from", &self.from)?, day("to", &self.to)?))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportRowOut {
    pub instrument: String,
    /// `discharge` or `six_months`.
    pub time_point: String,
    /// Patients scored at baseline and at the time point.
    pub n: usize,
    /// Mean of (later − baseline), in the instrument's points.
    pub mean_change: Option<f64>,
    /// How many of them reached the minimal important change; `null` for an
    /// instrument without one.
    pub reached_mcid: Option<usize>,
    /// `low`, `medium` or `high` (baseline STarT Back) in `by_stratum`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stratum: Option<String>,
}

fn rows(list: &[ReportRow]) -> Vec<ReportRowOut> {
    list.iter()
        .map(|r| ReportRowOut {
            instrument: r.instrument.to_string(),
            time_point: r.time_point.as_str().to_string(),
            n: r.n,
            mean_change: r.mean_change,
            reached_mcid: r.reached_mcid,
            stratum: r.stratum.map(|s| s.as_str().to_string()),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Episodes discharged in the period.
    pub discharged: usize,
    pub rows: Vec<ReportRowOut>,
    /// The same rows for each baseline STarT Back stratum.
    pub by_stratum: Vec<ReportRowOut>,
}

impl From<&OutcomesReport> for ReportOut {
    fn from(r: &OutcomesReport) -> Self {
        ReportOut {
            from: r.from,
            to: r.to,
            discharged: r.discharged,
            rows: rows(&r.rows),
            by_stratum: rows(&r.by_stratum),
        }
    }
}

/// The clinic's outcomes over the episodes discharged in a period, without
/// names: for each instrument and follow-up, how many patients, their mean
/// change and how many reached the minimal important change — the sum of
/// the patients' own outcomes.
#[utoipa::path(get, path = "/reports/outcomes", tag = "outcomes",
    params(Period), security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    user: ApiMay<Reads<ClinicOutcomes>>,
    ApiQuery(period): ApiQuery<Period>,
) -> ApiResult<axum::Json<ReportOut>> {
    let (from, to) = period.days()?;
    let report = state.care.outcomes_report(&user.actor, from, to).await?;
    Ok(axum::Json((&report).into()))
}
