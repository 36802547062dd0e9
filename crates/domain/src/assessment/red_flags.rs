//! The red-flag screen that comes before any exercise. A positive answer
//! marks the episode for urgent medical review and holds the prescription
//! until a clinician records a clearance with a reason. Labels are Rapport's
//! own; the items are the commonly screened signs of serious spinal
//! pathology (cauda equina syndrome, malignancy, infection, fracture,
//! progressive neurological deficit).

use serde::Serialize;

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RedFlag {
    pub key: &'static str,
    /// The question as the patient reads it.
    pub question: &'static str,
    /// Signs of cauda equina syndrome need same-day emergency care.
    pub emergency: bool,
}

pub const RED_FLAGS: &[RedFlag] = &[
    RedFlag {
        key: "saddle_numbness",
        question: "Numbness or tingling around your bottom, genitals or inner thighs",
        emergency: true,
    },
    RedFlag {
        key: "bladder_bowel_change",
        question: "New trouble passing urine, or losing control of your bladder or bowel",
        emergency: true,
    },
    RedFlag {
        key: "leg_weakness_worsening",
        question: "Weakness in your legs that is getting worse",
        emergency: true,
    },
    RedFlag {
        key: "both_legs",
        question: "Pain, numbness or weakness in both legs",
        emergency: true,
    },
    RedFlag {
        key: "cancer_history",
        question: "Ever had cancer",
        emergency: false,
    },
    RedFlag {
        key: "weight_loss",
        question: "Lost weight recently without trying",
        emergency: false,
    },
    RedFlag {
        key: "fever_unwell",
        question: "Fever, chills or feeling generally unwell with the back pain",
        emergency: false,
    },
    RedFlag {
        key: "trauma",
        question: "The pain began after a fall, accident or other injury",
        emergency: false,
    },
    RedFlag {
        key: "constant_night_pain",
        question: "Constant pain that no position or rest eases, worst at night",
        emergency: false,
    },
    RedFlag {
        key: "immune_or_steroids",
        question: "A weakened immune system, long-term steroid tablets, or injecting drugs",
        emergency: false,
    },
];

/// The outcome of one screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedFlagResult {
    /// Keys answered yes.
    pub positive: Vec<&'static str>,
    /// Any emergency sign among them.
    pub emergency: bool,
}

impl RedFlagResult {
    pub fn is_positive(&self) -> bool {
        !self.positive.is_empty()
    }
}

/// Screens a full set of yes/no answers, one per item in [`RED_FLAGS`] order.
/// Every item must be answered: an unanswered item is not a "no".
pub fn screen(answers: &[Option<bool>]) -> Result<RedFlagResult> {
    if answers.len() != RED_FLAGS.len() {
        return Err(Error::invalid(
            "answers",
            "count",
            format!(
                "the screen has {} questions; got {} answers",
                RED_FLAGS.len(),
                answers.len()
            ),
        ));
    }
    let mut positive = Vec::new();
    for (flag, answer) in RED_FLAGS.iter().zip(answers) {
        match answer {
            None => return Err(Error::invalid(flag.key, "required", "answer yes or no")),
            Some(true) => positive.push(flag.key),
            Some(false) => {}
        }
    }
    let emergency = RED_FLAGS
        .iter()
        .any(|f| f.emergency && positive.contains(&f.key));
    Ok(RedFlagResult {
        positive,
        emergency,
    })
}

pub fn question(key: &str) -> Option<&'static RedFlag> {
    RED_FLAGS.iter().find(|f| f.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_yes_is_positive_and_cauda_equina_signs_are_emergencies() {
        let mut answers = vec![Some(false); RED_FLAGS.len()];
        assert!(!screen(&answers).unwrap().is_positive());
        answers[4] = Some(true);
        let r = screen(&answers).unwrap();
        assert_eq!(r.positive, ["cancer_history"]);
        assert!(!r.emergency);
        answers[1] = Some(true);
        let r = screen(&answers).unwrap();
        assert!(r.emergency && r.positive.len() == 2);
    }

    #[test]
    fn unanswered_or_missing_items_are_refused() {
        let mut answers = vec![Some(false); RED_FLAGS.len()];
        answers[3] = None;
        match screen(&answers) {
            Err(Error::Invalid(f)) => assert_eq!(
                (f.field.as_str(), f.rule.as_str()),
                ("both_legs", "required")
            ),
            other => panic!("{other:?}"),
        }
        assert!(screen(&answers[..5]).is_err());
    }
}

/// Where an episode stands with red flags. Exercise may be prescribed only
/// once the screen is clear, or a positive screen has been cleared by a
/// clinician with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlagState {
    Unscreened,
    Clear,
    Positive,
    Cleared,
}

impl RedFlagState {
    pub fn as_str(self) -> &'static str {
        match self {
            RedFlagState::Unscreened => "unscreened",
            RedFlagState::Clear => "clear",
            RedFlagState::Positive => "positive",
            RedFlagState::Cleared => "cleared",
        }
    }

    pub fn parse(s: &str) -> Option<RedFlagState> {
        [
            RedFlagState::Unscreened,
            RedFlagState::Clear,
            RedFlagState::Positive,
            RedFlagState::Cleared,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Whether exercise may be prescribed; if not, why not.
    pub fn exercise_gate(self) -> std::result::Result<(), &'static str> {
        match self {
            RedFlagState::Clear | RedFlagState::Cleared => Ok(()),
            RedFlagState::Unscreened => Err(
                "the red-flag screen has not been done; complete it before prescribing exercise",
            ),
            RedFlagState::Positive => Err(
                "the red-flag screen was positive: the patient needs urgent medical review, and a clinician must record a clearance with a reason before exercise is prescribed",
            ),
        }
    }
}
