//! The programme theory: the C→M→O map, each CMOC's detail, and the
//! mechanisms panel shown on a patient's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rapport_domain::theory::{Cmoc, ContextStatus, Evaluation, Mechanism, MechanismStatus, Theme};

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
    /// Where on the patient's record the action is done: (link text, path
    /// under `/patients/{id}`), when a form does it.
    pub form: Option<(&'static str, &'static str)>,
}

/// The form that does each of the theory's actions, relative to the
/// patient's page: what a consultation does is recorded as a contact, the
/// rest on the page that holds it.
pub fn form_for(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "build_rapport"
        | "individual_reassurance"
        | "invite_disclosure"
        | "explain_condition"
        | "fit_into_daily_life"
        | "safe_environment"
        | "bps_framing"
        | "give_feedback"
        | "check_feeling_supported"
        | "timely_follow_up"
        | "supervise"
        | "review_progress" => ("Record a contact", "#fu-h"),
        "holistic_assessment" => ("Open the holistic assessment", "/assessment"),
        "tailor_explanation" => ("Review beliefs and fears", "/assessment#beliefs"),
        "strengthen_alliance" => ("Ask the alliance questions", "/forms/during_care"),
        "agree_goals" => ("Agree a goal", "/plan#goals"),
        "collaborate"
        | "individualise_prescription"
        | "match_preferences"
        | "adjust_exercise"
        | "familiarise"
        | "graded_practice"
        | "link_exercise_to_goals" => ("Open the prescription", "/prescription"),
        _ => return None,
    })
}

pub struct MechanismsPanel {
    pub as_of: String,
    pub version: String,
    pub mechanisms: Vec<MechanismView>,
    pub suggestions: Vec<SuggestionView>,
    /// Every context, by mechanism, with what it was judged from.
    pub contexts: Vec<ContextRow>,
    /// Contexts judged present or absent, of all.
    pub judged: usize,
}

/// One CMOC's context on the patient's page: "why does it say this?".
pub struct ContextRow {
    pub id: String,
    pub mechanism: &'static str,
    /// `present`, `absent`, `not known yet`, `does not apply`.
    pub status: &'static str,
    pub key: &'static str,
    pub grade: &'static str,
    pub summary: String,
    /// (signal, evidence, the records it was judged from)
    pub signals: Vec<(String, String, String)>,
}

/// How many suggestions a patient's page lists.
const SUGGESTIONS_SHOWN: usize = 5;

fn mechanism_name(m: Mechanism) -> &'static str {
    match m {
        Mechanism::Trust => "Trust",
        Mechanism::Motivation => "Motivation",
        Mechanism::Confidence => "Confidence",
    }
}

impl MechanismsPanel {
    /// The panel of a judgement, with the record behind every context.
    pub fn from_judgement(j: &rapport_domain::record::Judgement<'_>) -> Self {
        let view = rapport_care::judgement::TheoryView::of(j);
        let mut panel = Self::from_evaluation(&j.evaluation);
        panel.judged = view.judged;
        panel.contexts = view
            .cmocs
            .into_iter()
            .map(|c| {
                let (status, key) = match c.context {
                    ContextStatus::Present => ("present", "present"),
                    ContextStatus::Absent => ("absent", "absent"),
                    ContextStatus::Unknown => ("not known yet", "unknown"),
                    ContextStatus::NotApplicable => ("does not apply", "na"),
                };
                ContextRow {
                    id: c.id,
                    mechanism: mechanism_name(c.mechanism),
                    status,
                    key,
                    grade: c.grade,
                    summary: c.summary,
                    signals: c
                        .signals
                        .into_iter()
                        .map(|s| {
                            let records = s
                                .records
                                .iter()
                                .map(|r| format!("{} {} ({})", r.kind.label(), r.id, r.date))
                                .collect::<Vec<_>>()
                                .join(", ");
                            (s.name.replace('_', " "), s.evidence, records)
                        })
                        .collect(),
                }
            })
            .collect();
        panel
    }

    pub fn from_evaluation(e: &Evaluation<'_>) -> Self {
        MechanismsPanel {
            contexts: Vec::new(),
            judged: 0,
            as_of: e.as_of.to_string(),
            version: e.knowledge_base.to_string(),
            mechanisms: Mechanism::ALL
                .iter()
                .map(|m| {
                    let r = e.mechanism(*m);
                    MechanismView {
                        name: mechanism_name(*m),
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
                        reason: r.reason(),
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
                    form: form_for(s.action),
                })
                .collect(),
        }
    }
}
