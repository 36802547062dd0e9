//! Outcomes: the clinician's view of a patient's change (with discharge),
//! the patient's own before and after in plain words, and the clinic's
//! outcomes for whoever leads the service.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rapport_care::outcomes::{OutcomesReport, PatientOutcomes};
use rapport_domain::assessment::{DueItem, DueStatus};
use rapport_domain::education::Stratum;
use rapport_domain::identity::PatientId;
use rapport_domain::instruments::{self, Polarity};
use rapport_domain::outcomes::{self as domain, FollowUp, ReportRow};
use serde::Deserialize;

use super::{Layout, require_patient, today};
use crate::AppState;
use crate::auth::{ClinicOutcomes, ClinicalWork, CurrentUser, May, Reads};
use crate::charts::{self, ScoreSeries, ShareBar};
use crate::error::{AppError, PageError, PageResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/outcomes", get(clinician))
        .route("/me/outcomes", get(patient))
        .route("/reports/outcomes", get(report))
}

/// A number as people write it; a dash where there is none.
fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), rapport_domain::monitoring::num)
}

fn signed(v: Option<f64>) -> String {
    match v {
        Some(x) if x > 0.0 => format!("+{}", num(Some(x))),
        other => num(other),
    }
}

fn reached_words(r: Option<bool>) -> &'static str {
    match r {
        Some(true) => "yes",
        Some(false) => "no",
        None => "—",
    }
}

pub struct OutcomeRow {
    pub name: String,
    pub direction: &'static str,
    pub baseline: String,
    pub discharge: String,
    pub six_months: String,
    pub change_discharge: String,
    pub change_six: String,
    pub mic: String,
    pub reached_discharge: &'static str,
    pub reached_six: &'static str,
}

pub struct DueRow {
    pub label: &'static str,
    pub status: &'static str,
    pub due_on: String,
    pub missing: String,
    pub time_point: &'static str,
    pub open: bool,
}

pub struct ExpectationRow {
    pub label: &'static str,
    pub discharge: String,
    pub six_months: String,
}

fn status_words(s: DueStatus) -> &'static str {
    match s {
        DueStatus::Upcoming => "not open yet",
        DueStatus::Due => "due",
        DueStatus::Overdue => "overdue",
        DueStatus::Done => "done",
    }
}

fn form_name(key: &str) -> String {
    instruments::find(key)
        .map(|i| i.name.to_string())
        .unwrap_or_else(|_| key.to_string())
}

fn due_rows(due: &[DueItem], plain: bool) -> Vec<DueRow> {
    due.iter()
        .map(|d| DueRow {
            label: d.time_point.label(),
            status: status_words(d.status),
            due_on: super::date_words(d.due_on),
            missing: if plain {
                format!("{} questionnaires", d.forms_missing.len())
            } else {
                d.forms_missing
                    .iter()
                    .map(|f| form_name(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            time_point: d.time_point.as_str(),
            open: matches!(d.status, DueStatus::Due | DueStatus::Overdue),
        })
        .collect()
}

pub(crate) fn pgic_words(v: Option<f64>) -> String {
    let Some(v) = v else {
        return "—".into();
    };
    format!("{} ({})", num(Some(v)), domain::pgic_label(v))
}

#[derive(Template, WebTemplate)]
#[template(path = "outcomes_patient.html")]
struct ClinicianPage {
    layout: Layout,
    patient_id: i64,
    name: String,
    opened_on: String,
    discharged_on: Option<String>,
    today: String,
    six_months_from: String,
    rows: Vec<OutcomeRow>,
    pgic_discharge: String,
    pgic_six: String,
    expectations: Vec<ExpectationRow>,
    due: Vec<DueRow>,
}

pub(crate) fn clinician_rows(o: &PatientOutcomes) -> Vec<OutcomeRow> {
    o.instruments
        .iter()
        .map(|i| {
            let info = i.info();
            OutcomeRow {
                name: info.map_or(i.instrument.to_string(), |x| x.name.to_string()),
                direction: match info.map(|x| x.polarity) {
                    Some(Polarity::HigherIsBetter) => "higher is better",
                    _ => "lower is better",
                },
                baseline: num(i.baseline),
                discharge: num(i.discharge),
                six_months: num(i.six_months),
                change_discharge: signed(i.change.discharge),
                change_six: signed(i.change.six_months),
                mic: info
                    .and_then(|x| x.mic.as_ref())
                    .map(|m| m.describe())
                    .unwrap_or_else(|| "none published".into()),
                reached_discharge: reached_words(i.mcid.as_ref().and_then(|m| m.reached.discharge)),
                reached_six: reached_words(i.mcid.as_ref().and_then(|m| m.reached.six_months)),
            }
        })
        .collect()
}

async fn clinician(
    State(state): State<AppState>,
    user: May<Reads<ClinicalWork>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let id = PatientId(id);
    let (patient, outcomes) = tokio::try_join!(
        async { Ok::<_, AppError>(state.store.patient_get(&user.actor, id).await?.value) },
        async { Ok(state.care.outcomes(&user.actor, id).await?) },
    )?;
    let name = patient.display_name();
    let Some(o) = outcomes else {
        return Err(PageError(AppError::Conflict(format!(
            "{name} has no episode of care yet: open one from the assessment page"
        ))));
    };
    let words = |list: &[domain::ExpectationOutcome], i: usize| -> String {
        list.get(i)
            .map(|e| {
                if e.because.is_empty() {
                    e.verdict.label().to_string()
                } else {
                    format!("{} ({})", e.verdict.label(), e.because)
                }
            })
            .unwrap_or_default()
    };
    let expectations = o
        .expectations
        .discharge
        .iter()
        .enumerate()
        .map(|(i, e)| ExpectationRow {
            label: e.expectation.label(),
            discharge: words(&o.expectations.discharge, i),
            six_months: words(&o.expectations.six_months, i),
        })
        .collect();
    let today = today();
    Ok(ClinicianPage {
        layout: Layout::user(&user.auth, format!("Outcomes: {name}"), "/patients"),
        patient_id: id.0,
        opened_on: super::date_words(o.opened_on),
        discharged_on: o.discharged_on.map(super::date_words),
        six_months_from: super::date_words(
            today
                .checked_add(jiff::Span::new().months(6))
                .unwrap_or(today),
        ),
        today: today.to_string(),
        rows: clinician_rows(&o),
        pgic_discharge: pgic_words(o.pgic.discharge),
        pgic_six: pgic_words(o.pgic.six_months),
        expectations,
        due: due_rows(&o.due, false),
        name,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "outcomes_me.html")]
struct PatientPage {
    layout: Layout,
    discharged: bool,
    sentences: Vec<String>,
    chart: String,
    due: Vec<DueRow>,
}

async fn patient(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    require_patient(&user.auth)?;
    let id = user
        .auth
        .user
        .patient_id
        .ok_or(PageError(AppError::NotFound))?;
    let o = state.care.outcomes(&user.actor, id).await?;
    let (discharged, sentences, chart, due) = match &o {
        None => (false, Vec::new(), String::new(), Vec::new()),
        Some(o) => {
            let sentences: Vec<String> = FollowUp::ALL
                .iter()
                .flat_map(|at| {
                    o.instruments
                        .iter()
                        .filter_map(|i| domain::plain_words(i, *at))
                })
                .collect();
            let series: Vec<ScoreSeries> = o
                .instruments
                .iter()
                .filter_map(|i| {
                    let info = i.info()?;
                    let points: Vec<(String, f64)> = [
                        ("Before", i.baseline),
                        ("End", i.discharge),
                        ("6 months", i.six_months),
                    ]
                    .into_iter()
                    .filter_map(|(l, v)| Some((l.to_string(), v?)))
                    .collect();
                    (points.len() > 1).then(|| ScoreSeries {
                        name: domain::plain_name(i.instrument).to_string(),
                        points,
                        min: info.total_min,
                        max: info.total_max,
                        lower_is_better: info.polarity == Polarity::HigherIsWorse,
                    })
                })
                .collect();
            let chart = if series.is_empty() {
                String::new()
            } else {
                charts::figure(
                    &charts::scores_svg("before-after", &series),
                    &charts::scores_table(&series),
                )
            };
            (
                o.discharged_on.is_some(),
                sentences,
                chart,
                due_rows(&o.due, true),
            )
        }
    };
    Ok(PatientPage {
        layout: Layout::user(&user.auth, "My before and after", "/me/outcomes"),
        discharged,
        sentences,
        chart,
        due,
    }
    .into_response())
}

#[derive(Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

pub struct ReportTableRow {
    pub instrument: String,
    pub time_point: &'static str,
    pub n: usize,
    pub mean_change: String,
    pub reached: String,
}

pub struct StratumChart {
    pub title: String,
    pub html: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "outcomes_report.html")]
struct ReportPage {
    layout: Layout,
    from: String,
    to: String,
    discharged: usize,
    rows: Vec<ReportTableRow>,
    charts: Vec<StratumChart>,
    error: Option<String>,
}

fn table_rows(rows: &[ReportRow]) -> Vec<ReportTableRow> {
    rows.iter()
        .map(|r| ReportTableRow {
            instrument: form_name(r.instrument),
            time_point: r.time_point.time_point().label(),
            n: r.n,
            mean_change: signed(r.mean_change),
            reached: match r.reached_mcid {
                Some(k) => format!("{k} of {}", r.n),
                None => "no published threshold".into(),
            },
        })
        .collect()
}

fn stratum_charts(r: &OutcomesReport) -> Vec<StratumChart> {
    let mut out = Vec::new();
    for row in r.rows.iter().filter(|x| x.reached_mcid.is_some()) {
        let bars: Vec<ShareBar> = Stratum::ALL
            .iter()
            .filter_map(|s| {
                let b = r.by_stratum.iter().find(|x| {
                    x.instrument == row.instrument
                        && x.time_point == row.time_point
                        && x.stratum == Some(*s)
                })?;
                Some(ShareBar {
                    label: format!("{} risk", s.as_str()),
                    n: b.n,
                    reached: b.reached_mcid.unwrap_or(0),
                })
            })
            .chain(std::iter::once(ShareBar {
                label: "All patients".into(),
                n: row.n,
                reached: row.reached_mcid.unwrap_or(0),
            }))
            .collect();
        let title = format!(
            "{}, {}: share reaching the minimal important change by STarT Back risk",
            form_name(row.instrument),
            row.time_point.time_point().label().to_lowercase()
        );
        let prefix = format!("share-{}-{}", row.instrument, row.time_point.as_str());
        let what = "the minimal important change";
        out.push(StratumChart {
            html: charts::figure(
                &charts::share_svg(&prefix, &title, what, &bars),
                &charts::share_table(what, &bars),
            ),
            title,
        });
    }
    out
}

async fn report(
    State(state): State<AppState>,
    user: May<Reads<ClinicOutcomes>>,
    Query(q): Query<PeriodQuery>,
) -> PageResult<Response> {
    let parse = |field: &str, v: &Option<String>| -> Result<Option<jiff::civil::Date>, String> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| format!("{field}: write the date as YYYY-MM-DD")),
        }
    };
    let asked = parse("From", &q.from).and_then(|f| Ok((f, parse("To", &q.to)?)));
    let result = match asked {
        Ok((from, to)) => match state.care.outcomes_report(&user.actor, from, to).await {
            Ok(r) => Ok(r),
            Err(rapport_care::CareError::Invalid(f)) => Err(format!("To: {}", f.message)),
            Err(e) => return Err(e.into()),
        },
        Err(e) => Err(e),
    };
    let layout = Layout::user(&user.auth, "Clinic outcomes", "/reports/outcomes");
    // A period that cannot be read is refused with what was typed, not
    // replaced by another.
    let page = match result {
        Ok(r) => ReportPage {
            layout,
            from: r.from.to_string(),
            to: r.to.to_string(),
            discharged: r.discharged,
            rows: table_rows(&r.rows),
            charts: stratum_charts(&r),
            error: None,
        },
        Err(message) => {
            let page = ReportPage {
                layout,
                from: q.from.unwrap_or_default(),
                to: q.to.unwrap_or_default(),
                discharged: 0,
                rows: Vec::new(),
                charts: Vec::new(),
                error: Some(message),
            };
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    Ok(page.into_response())
}
