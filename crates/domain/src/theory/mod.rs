//! The programme theory: the review's context-mechanism-outcome configurations
//! as data, and the engine.
//!
//! - [`kb`]: the knowledge base of Wood et al. 2024 (Tables 1–3, 34 CMOCs),
//!   a reviewed TOML file embedded at build time, validated at load.
//! - [`episode`]: one patient's course of care as the engine sees it.
//! - [`signals`]: named, documented facts computed from an episode and a date.
//! - [`expr`]: the context expression language (Kleene logic over signals).
//! - [`engine`]: [`evaluate`] → contexts, mechanism status, ranked suggestions.
//! - [`render`]: text table, detail, DOT and JSON for the command line.
//! - [`synthetic`]: deterministic synthetic episodes for tests and benchmarks.
//!
//! Everything here is pure: no I/O, no clock, no randomness.

pub mod engine;
pub mod episode;
pub mod expr;
pub mod kb;
pub mod render;
pub mod signals;
pub mod synthetic;

pub use engine::{
    CmocResult, ContextStatus, Evaluation, MechanismResult, MechanismStatus, Reason, Standing,
    SuggestedCmoc, Suggestion, Tally, evaluate,
};
pub use episode::Episode;
pub use expr::{Expr, Truth};
pub use kb::{
    Action, Cmoc, Concerns, Effect, Grade, KnowledgeBase, Mechanism, Outcome, OutcomeSet,
    References, Theme,
};
pub use signals::{
    Evidence, Item, Signal, SignalSet, SignalValue, Signals, compute_all, recent_window, sources,
};
