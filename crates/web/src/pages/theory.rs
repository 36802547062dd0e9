//! The programme theory: the C→M→O map, each CMOC's detail, and the
//! mechanisms panel shown on a patient's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rapport_domain::theory::{Cmoc, Evaluation, Mechanism, MechanismStatus, Theme};

use super::Layout;
use crate::AppState;
use crate::auth::Theory;
use crate::auth::{May, Reads};
use crate::error::{AppError, PageResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/theory", get(map))
        .route("/theory/{id}", get(detail))
}

pub struct Row {
    pub id: String,
    pub mechanism: &'static str,
    pub summary: String,
    pub grade: &'static str,
    pub outcomes: String,
    pub hinders: bool,
}

pub struct Group {
    pub theme: &'static str,
    pub rows: Vec<Row>,
}

#[derive(Template, WebTemplate)]
#[template(path = "theory.html")]
struct MapPage {
    layout: Layout,
    version: String,
    source: String,
    count: usize,
    svg: String,
    groups: Vec<Group>,
}

fn outcomes_text(c: &Cmoc) -> String {
    c.outcomes
        .iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn map(State(state): State<AppState>, user: May<Reads<Theory>>) -> PageResult<Response> {
    let kb = &state.care.theory;
    let groups = Theme::ALL
        .iter()
        .map(|theme| Group {
            theme: theme.label(),
            rows: kb
                .cmocs()
                .iter()
                .filter(|c| c.theme == *theme)
                .map(|c| Row {
                    id: c.id.clone(),
                    mechanism: c.mechanism.as_str(),
                    summary: c.summary.clone(),
                    grade: c.grade.as_str(),
                    outcomes: outcomes_text(c),
                    hinders: c.effect == rapport_domain::theory::Effect::Hinders,
                })
                .collect(),
        })
        .collect();
    Ok(MapPage {
        layout: Layout::user(&user.auth, "Programme theory", "/theory"),
        version: kb.version().to_string(),
        source: kb.source().to_string(),
        count: kb.cmocs().len(),
        svg: crate::theory_map::svg(kb),
        groups,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "cmoc.html")]
struct DetailPage {
    layout: Layout,
    cmoc: Cmoc,
    outcomes: String,
    action_text: String,
    /// (signal name, what it means)
    signals: Vec<(&'static str, &'static str)>,
    applies_when: Option<String>,
    context_expr: String,
}

async fn detail(
    State(state): State<AppState>,
    user: May<Reads<Theory>>,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let kb = &state.care.theory;
    let cmoc = kb
        .get(&id.to_uppercase())
        .map_err(|_| AppError::NotFound)?
        .clone();
    let used = cmoc
        .applies_when
        .iter()
        .fold(cmoc.context_expr.signals(), |acc, e| acc.union(e.signals()));
    let signals: Vec<(&'static str, &'static str)> =
        used.iter().map(|s| (s.name(), s.description())).collect();
    Ok(DetailPage {
        layout: Layout::user(
            &user.auth,
            format!("{} {}", cmoc.id, cmoc.summary),
            "/theory",
        ),
        outcomes: outcomes_text(&cmoc),
        action_text: kb
            .action(&cmoc.action)
            .map(|a| a.text.clone())
            .unwrap_or_default(),
        signals,
        applies_when: cmoc.applies_when.as_ref().map(|e| e.to_string()),
        context_expr: cmoc.context_expr.to_string(),
        cmoc,
    }
    .into_response())
}

/// One mechanism's line on a patient's page.
pub struct MechanismView {
    pub name: &'static str,
    pub key: &'static str,
    pub status: &'static str,
    pub reason: String,
}

/// One suggestion on a patient's page, with the CMOCs behind it.
pub struct SuggestionView {
    pub action_text: String,
    pub reason: String,
    /// (CMOC id, grade)
    pub cmocs: Vec<(String, &'static str)>,
}

pub struct MechanismsPanel {
    pub as_of: String,
    pub version: String,
    pub mechanisms: Vec<MechanismView>,
    pub suggestions: Vec<SuggestionView>,
}

/// How many suggestions a patient's page lists.
const SUGGESTIONS_SHOWN: usize = 5;

impl MechanismsPanel {
    pub fn from_evaluation(e: &Evaluation<'_>) -> Self {
        MechanismsPanel {
            as_of: e.as_of.to_string(),
            version: e.knowledge_base.to_string(),
            mechanisms: Mechanism::ALL
                .iter()
                .map(|m| {
                    let r = e.mechanism(*m);
                    MechanismView {
                        name: match m {
                            Mechanism::Trust => "Trust",
                            Mechanism::Motivation => "Motivation",
                            Mechanism::Confidence => "Confidence",
                        },
                        key: match r.status {
                            MechanismStatus::AtRisk => "at-risk",
                            MechanismStatus::Unknown => "unknown",
                            MechanismStatus::Supported => "supported",
                        },
                        status: match r.status {
                            MechanismStatus::AtRisk => "at risk",
                            MechanismStatus::Unknown => "not known yet",
                            MechanismStatus::Supported => "supported",
                        },
                        reason: r.reason.clone(),
                    }
                })
                .collect(),
            suggestions: e
                .suggestions
                .iter()
                .take(SUGGESTIONS_SHOWN)
                .map(|s| SuggestionView {
                    action_text: s.action_text.to_string(),
                    reason: s.reason.to_string(),
                    cmocs: s
                        .cmocs
                        .iter()
                        .map(|c| (c.id.to_string(), c.grade.as_str()))
                        .collect(),
                })
                .collect(),
        }
    }
}
