//! The exercise library: what each exercise is, who it suits, its default
//! dose, and its easier and harder variants.

pub mod model;

pub use model::{Category, Dose, Exercise, FearedMovement, Position, Source, Target, Task};
