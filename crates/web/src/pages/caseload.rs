//! The caseload dashboard: the clinic's patients ranked by need, each with
//! the flags raised, their reasons and CMOCs, the next contact, the three
//! mechanisms and the theory engine's suggestions. The clinician's home page.
//! The ranking is `rapport_care::caseload`; this page renders it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rapport_care::caseload::{CaseloadRow, Filter};
use rapport_domain::access::{Action, Area};
use rapport_domain::identity::Role;
use rapport_domain::monitoring::FlagKind;

use super::Layout;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::PageResult;

pub fn routes() -> Router<AppState> {
    Router::new().route("/caseload", get(page))
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
    if user.auth.user.role == Role::Patient {
        return Ok(Redirect::to("/me").into_response());
    }
    super::require(&user.auth, Area::ClinicalWork, Action::Read)?;
    let (rows, total) = state.care.caseload(&user.actor, &filter).await?;
    Ok(Page {
        layout: Layout::user(&user.auth, "Caseload", "/caseload"),
        rows,
        total,
        filtered: !filter.is_empty(),
        filter,
        kinds: FlagKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
    }
    .into_response())
}
