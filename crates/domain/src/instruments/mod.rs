//! Validated questionnaires and their exact scoring.
