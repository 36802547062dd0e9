//! The programme theory: the review's context-mechanism-outcome configurations as data, and the engine.
