//! The assessment: the holistic intake, beliefs and expectations, the
//! red-flag screen and the three time points at which outcomes are measured.
//!
//! The intake follows the first-interview guide of Unsgaard-Tøndel &
//! Söderström 2021 (Phys Ther, Figure 2): everyday life and valued
//! activities, beliefs about the cause, expectations, previous experience,
//! the picture six months on, preferences, time, equipment and setting. The
//! time points are that study's: before treatment, right after it, and six
//! months later.

pub mod beliefs;
pub mod intake;
pub mod red_flags;
pub mod schedule;

pub use beliefs::{BELIEFS, Belief, EXPECTATIONS, Expectation, Mismatch, expectation_mismatches};
pub use intake::{Intake, IntakeInput};
pub use red_flags::{RED_FLAGS, RedFlag, RedFlagResult, RedFlagState};
pub use schedule::{DueItem, DueStatus, Form, TimePoint};

use crate::theory::episode::{Assessment, BeliefsRecord};
use jiff::civil::Date;

/// What the theory engine learns from the assessment: the holistic
/// assessment (if the intake is complete) and the exploration of beliefs
/// (once the clinician has gone through the checklist with the patient).
pub fn theory_facts(
    intake: Option<(&Intake, Date)>,
    confirmed: Option<(&[String], Date)>,
) -> (Option<Assessment>, Vec<BeliefsRecord>) {
    let assessment = intake.map(|(i, date)| Assessment {
        date,
        holistic_intake_done: Some(i.is_holistic()),
        previous_experience: i.previous_experience(),
        preferences: i.preferences.iter().map(|p| p.to_string()).collect(),
    });
    let mut beliefs = Vec::new();
    if let Some((keys, date)) = confirmed {
        let mismatch = intake.map(|(i, _)| !expectation_mismatches(i).is_empty());
        beliefs.push(BeliefsRecord {
            date,
            explored: true,
            confirmed_beliefs: keys.to_vec(),
            resolved_beliefs: Vec::new(),
            expectations: intake
                .map(|(i, _)| {
                    i.expectations
                        .iter()
                        .map(|e| e.as_str().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            expectation_mismatch: mismatch,
        });
    }
    (assessment, beliefs)
}
