//! The caseload dashboard: the clinic's patients ranked by need, each with
//! the flags raised, their reasons and CMOCs, the next contact and the theory
//! engine's suggestion. The clinician's home page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rapport_domain::FieldError;
use rapport_domain::identity::Role;
use rapport_domain::monitoring::{FlagKind, Severity};
use serde::Deserialize;

use super::Layout;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::caseload::{CaseloadRow, local_date, rank, suggestions};
use crate::error::{AppError, PageResult};
use rayon::prelude::*;

pub fn routes() -> Router<AppState> {
    Router::new().route("/caseload", get(page))
}

/// Suggestions shown per patient.
const SUGGESTIONS: usize = 2;

/// The query string: every field optional; unknown values are refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filter {
    /// A flag kind, e.g. `pain_rising`.
    #[serde(default)]
    pub kind: String,
    /// `urgent`, `attention` or `info`: rows with a flag of this severity.
    #[serde(default)]
    pub severity: String,
    /// Any value: only rows whose next contact is overdue.
    #[serde(default)]
    pub overdue: String,
    /// Part of the patient's name.
    #[serde(default)]
    pub q: String,
}

impl Filter {
    fn check(&self) -> Result<(Option<FlagKind>, Option<Severity>), AppError> {
        let kind = match self.kind.trim() {
            "" => None,
            k => Some(
                FlagKind::ALL
                    .into_iter()
                    .find(|f| f.as_str() == k)
                    .ok_or_else(|| {
                        AppError::Invalid(FieldError::new(
                            "kind",
                            "one_of",
                            "is not a kind of flag",
                        ))
                    })?,
            ),
        };
        let severity = match self.severity.trim() {
            "" => None,
            s => Some(
                Severity::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        AppError::Invalid(FieldError::new(
                            "severity",
                            "one_of",
                            "must be urgent, attention or info",
                        ))
                    })?,
            ),
        };
        rapport_domain::patient::search_text(Some(&self.q))?;
        Ok((kind, severity))
    }

    /// Keeps the rows that pass every filter given.
    pub fn apply(&self, rows: Vec<CaseloadRow>) -> Result<Vec<CaseloadRow>, AppError> {
        let (kind, severity) = self.check()?;
        let q = self.q.trim().to_lowercase();
        let overdue = !self.overdue.trim().is_empty();
        Ok(rows
            .into_iter()
            .filter(|r| kind.is_none_or(|k| r.flags.iter().any(|f| f.kind == k.as_str())))
            .filter(|r| severity.is_none_or(|s| r.flags.iter().any(|f| f.severity == s.as_str())))
            .filter(|r| !overdue || r.next_contact.overdue_days > 0)
            .filter(|r| q.is_empty() || r.patient.name.to_lowercase().contains(&q))
            .collect())
    }
}

/// The whole caseload of the actor's clinic, ranked; suggestions for the
/// rows that pass the filter. The triage and the theory engine run off the
/// async workers, on every core.
pub async fn ranked_rows(
    state: &AppState,
    user: &rapport_store::Actor,
    filter: &Filter,
) -> Result<(Vec<CaseloadRow>, usize), AppError> {
    filter.check()?;
    let caseload = state.store.caseload(user).await?;
    let library = state.library(caseload.clinic_id).await?;
    let kb = state.theory.clone();
    let filter = filter.clone();
    let now = jiff::Timestamp::now();
    tokio::task::spawn_blocking(move || {
        let rows = rank(
            &caseload.episodes,
            &|e| local_date(e, now),
            &|_| &caseload.thresholds,
            &|_| &library,
            &kb,
        );
        let total = rows.len();
        let mut rows = filter.apply(rows)?;
        let by_episode: std::collections::HashMap<i64, &rapport_store::CaseloadEpisode> = caseload
            .episodes
            .iter()
            .map(|e| (e.episode_id, e))
            .collect();
        rows.par_iter_mut().for_each(|r| {
            if let Some(e) = by_episode.get(&r.episode) {
                r.suggestions = suggestions(&kb, e, r, SUGGESTIONS);
            }
        });
        Ok((rows, total))
    })
    .await
    .map_err(|e| AppError::Internal(format!("the caseload triage stopped: {e}")))?
}

#[derive(Template, WebTemplate)]
#[template(path = "caseload.html")]
struct Page {
    layout: Layout,
    rows: Vec<CaseloadRow>,
    total: usize,
    filter: Filter,
    kinds: Vec<(&'static str, &'static str)>,
    filtered: bool,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> PageResult<Response> {
    match user.auth.user.role {
        Role::Patient => return Ok(Redirect::to("/me").into_response()),
        Role::Clinician | Role::Admin => {}
        Role::Researcher => return Err(AppError::Forbidden.into()),
    }
    let (rows, total) = ranked_rows(&state, &user.actor, &filter).await?;
    let filtered = !(filter.kind.is_empty()
        && filter.severity.is_empty()
        && filter.overdue.is_empty()
        && filter.q.trim().is_empty());
    Ok(Page {
        layout: Layout::user(&user.auth, "Caseload", "/caseload"),
        rows,
        total,
        filter,
        kinds: FlagKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        filtered,
    }
    .into_response())
}
