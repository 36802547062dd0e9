//! Shared goals and the individualised prescription: the builder that
//! proposes exercises from the person's goals, preferences, time, equipment,
//! fear and risk; the plan with full doses; its versions; and its CERT and
//! TIDieR description.

pub mod builder;
pub mod cert;
pub mod goals;
pub mod plan;

pub use builder::{PatientProfile, Proposal, fits_preferences, propose, suggest_plan};
pub use goals::{Goal, GoalInput};
pub use plan::{
    Change, ChangeKind, Delivery, LifeArea, MAX_ITEMS, Plan, PlanItem, PlanItemInput, Step,
    default_item, diff, step_item, validate_items,
};
