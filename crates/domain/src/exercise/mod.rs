//! The exercise library: what each exercise is, who it suits, its default
//! dose, and its easier and harder variants.
//!
//! - [`model`]: the data model of one exercise.
//! - [`library`]: the built-in library (`crates/domain/exercises/library.toml`),
//!   its validation and chain walking; a clinic's exercises join it with
//!   [`Library::with`].
//! - [`input`]: a clinic's own exercise as its form submits it.
//! - [`wger`]: exercises exported by wger (`/api/v2/exerciseinfo/`) imported.

pub mod input;
pub mod library;
pub mod model;
pub mod wger;

pub use input::ExerciseInput;
pub use library::{Library, check_exercise, problems};
pub use model::{Category, Dose, Exercise, FearedMovement, Position, Source, Target, Task};
pub use wger::{WgerImport, WgerSkipped};
