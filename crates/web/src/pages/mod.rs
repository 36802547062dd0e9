//! Server-rendered pages. Every page that shows patient data goes through
//! the store with the logged-in actor, so scoping and audit apply.

mod account;
mod admin;
mod assessment;
mod caseload;
mod exercises;
mod forms;
mod monitor;
mod monitor_charts;
mod outcomes;
mod patients;
mod plan;
pub(crate) mod prescribe;
mod reminders;
mod self_management;
pub mod theory;

pub(crate) use patients::today;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rapport_domain::access::{self, Action, Area};
use rapport_domain::identity::Role;

use crate::AppState;
use crate::auth::{MaybeUser, WebAuth};
use crate::error::AppError;

/// A date as the pages write it: "4 December 2026".
pub(crate) fn date_words(d: jiff::civil::Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .merge(account::routes())
        .merge(caseload::routes())
        .merge(patients::routes())
        .merge(admin::routes())
        .merge(theory::routes())
        .merge(forms::routes())
        .merge(assessment::routes())
        .merge(plan::routes())
        .merge(prescribe::routes())
        .merge(self_management::routes())
        .merge(exercises::routes())
        .merge(monitor::routes())
        .merge(reminders::routes())
        .merge(outcomes::routes())
}

#[derive(Clone)]
pub struct NavUser {
    pub name: String,
    pub role: &'static str,
}

/// What every page's frame needs.
#[derive(Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub nav: Vec<(&'static str, &'static str)>,
    pub current: String,
    pub csrf: String,
    pub version: &'static str,
}

fn nav_for(role: Role) -> Vec<(&'static str, &'static str)> {
    match role {
        Role::Clinician => vec![
            ("Caseload", "/caseload"),
            ("Patients", "/patients"),
            ("New patient", "/patients/new"),
            ("Exercises", "/exercises"),
            ("Outcomes", "/reports/outcomes"),
            ("Theory", "/theory"),
        ],
        Role::Patient => vec![
            ("My record", "/me"),
            ("My plan", "/me/plan"),
            ("Before and after", "/me/outcomes"),
            ("Reminders", "/me/reminders"),
        ],
        Role::Admin => vec![
            ("Caseload", "/caseload"),
            ("Accounts", "/admin/users"),
            ("Audit log", "/admin/audit"),
            ("Clinic", "/admin/clinic"),
            ("Outcomes", "/reports/outcomes"),
            ("Theory", "/theory"),
        ],
        Role::Researcher => vec![
            ("Overview", "/research"),
            ("Outcomes", "/reports/outcomes"),
            ("Theory", "/theory"),
        ],
    }
}

impl Layout {
    pub fn user(auth: &WebAuth, title: impl Into<String>, current: &str) -> Layout {
        Layout {
            title: title.into(),
            user: Some(NavUser {
                name: auth.user.display_name.clone(),
                role: auth.user.role.as_str(),
            }),
            nav: nav_for(auth.user.role),
            current: current.to_string(),
            csrf: auth.csrf.clone(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    pub fn anonymous(title: impl Into<String>, csrf: String) -> Layout {
        Layout {
            title: title.into(),
            user: None,
            nav: Vec::new(),
            current: String::new(),
            csrf,
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
}

/// A plain error page. It carries no user data, so it needs no session.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        StatusCode::CONFLICT => "Changed meanwhile",
        s if s.is_server_error() => "Something went wrong",
        _ => "That did not work",
    };
    // "Not found" twice says nothing: say what it may mean and what to do.
    let message = match (status, message) {
        (StatusCode::NOT_FOUND, "not found") => {
            "There is no such page, or it is not yours to see. Check the address, or start again from your first page."
        }
        (_, m) => m,
    };
    let page = ErrorPage {
        layout: Layout::anonymous(heading, String::new()),
        heading: heading.into(),
        message: message.into(),
    };
    (status, page).into_response()
}

pub async fn not_found() -> Response {
    crate::error::PageError(AppError::NotFound).into_response()
}

/// Each role starts on its own page.
async fn home(MaybeUser(auth): MaybeUser) -> Redirect {
    match auth.map(|a| a.user.role) {
        None => Redirect::to("/login"),
        Some(Role::Clinician) => Redirect::to("/caseload"),
        Some(Role::Patient) => Redirect::to("/me"),
        Some(Role::Admin) => Redirect::to("/admin/users"),
        Some(Role::Researcher) => Redirect::to("/research"),
    }
}

const APP_CSS: &str = include_str!("../../static/app.css");
const ICON_SVG: &str = include_str!("../../static/icon.svg");

/// Static assets, compiled into the binary.
pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "icon.svg" => (ICON_SVG, "image/svg+xml"),
        _ => return not_found().await,
    };
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// Refuses a page to roles it is not for.
/// Refuses a user whose role does not reach `area` for `action`
/// (`rapport_domain::access`). Routes declare this with `May` where they can;
/// loaders shared by several routes check it themselves.
pub(crate) fn require(auth: &WebAuth, area: Area, action: Action) -> Result<(), AppError> {
    if access::allowed(auth.user.role, area, action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The patient's own pages (`/me…`) are for a patient account.
pub(crate) fn require_patient(auth: &WebAuth) -> Result<(), AppError> {
    if auth.user.role == Role::Patient {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
