//! Beliefs and fears about back pain that can stand in the way of exercise,
//! and expectations of care. Short labels of Rapport's own; the keys are
//! shared with the education library, which answers each belief.

use serde::{Deserialize, Serialize};

/// An unhelpful belief or fear the clinician may confirm with the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Belief {
    pub key: &'static str,
    /// As the patient might put it.
    pub label: &'static str,
    /// A note for the clinician on what tends to help.
    pub clinician_note: &'static str,
}

pub const BELIEFS: &[Belief] = &[
    Belief {
        key: "hurt_means_harm",
        label: "Pain means my back is being damaged",
        clinician_note: "Explain that in persistent pain, hurt and harm part ways; pain can be turned up without new damage.",
    },
    Belief {
        key: "scan_will_find_cause",
        label: "A scan will show what is wrong",
        clinician_note: "Scan findings are common in people without pain and rarely change care; say why none is planned.",
    },
    Belief {
        key: "bending_is_dangerous",
        label: "Bending or lifting will damage my back",
        clinician_note: "Backs are built to bend and lift; graded practice of the feared movement rebuilds trust in it.",
    },
    Belief {
        key: "rest_is_best",
        label: "Resting is the best cure",
        clinician_note: "Staying active helps recovery; prolonged rest tends to prolong pain and disability.",
    },
    Belief {
        key: "flare_means_reinjury",
        label: "A flare-up means I have injured it again",
        clinician_note: "Flare-ups are expected and usually settle; agree a flare-up plan in advance.",
    },
    Belief {
        key: "back_is_fragile",
        label: "My back is weak or fragile",
        clinician_note: "The spine is strong and adaptable; progress load gradually to show it.",
    },
    Belief {
        key: "posture_is_to_blame",
        label: "Bad posture is what causes my pain",
        clinician_note: "No single posture is right or wrong; variety and movement matter more.",
    },
    Belief {
        key: "exercise_will_worsen",
        label: "Exercise will make my pain worse",
        clinician_note: "Some soreness is expected and safe; start low, agree an acceptable pain level and progress.",
    },
    Belief {
        key: "needs_fixing_by_others",
        label: "Someone else has to fix my back",
        clinician_note: "Build the patient's own control: they do the work, the clinician guides.",
    },
    Belief {
        key: "will_never_improve",
        label: "My back will never get better",
        clinician_note: "Most people improve in pain and function with active care; set early, reachable goals.",
    },
    Belief {
        key: "wait_until_pain_free",
        label: "I must wait until the pain is gone before being active",
        clinician_note: "Activity can restart before pain is gone; pace and grade it.",
    },
];

pub fn belief(key: &str) -> Option<&'static Belief> {
    BELIEFS.iter().find(|b| b.key == key)
}

/// What a patient may expect from physiotherapy, as they tick it at intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    Exercises,
    /// A structural diagnosis: the cause found, e.g. on a scan.
    StructuralDiagnosis,
    /// Hands-on treatment such as massage or manipulation.
    HandsOnTreatment,
    Explanation,
    SelfManagementAdvice,
    Reassurance,
    /// To be free of pain.
    PainFree,
}

pub const EXPECTATIONS: &[Expectation] = &[
    Expectation::Exercises,
    Expectation::StructuralDiagnosis,
    Expectation::HandsOnTreatment,
    Expectation::Explanation,
    Expectation::SelfManagementAdvice,
    Expectation::Reassurance,
    Expectation::PainFree,
];

impl Expectation {
    pub fn as_str(self) -> &'static str {
        match self {
            Expectation::Exercises => "exercises",
            Expectation::StructuralDiagnosis => "structural_diagnosis",
            Expectation::HandsOnTreatment => "hands_on_treatment",
            Expectation::Explanation => "explanation",
            Expectation::SelfManagementAdvice => "self_management_advice",
            Expectation::Reassurance => "reassurance",
            Expectation::PainFree => "pain_free",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Expectation::Exercises => "Exercises to do",
            Expectation::StructuralDiagnosis => {
                "To find out exactly what is wrong (for example on a scan)"
            }
            Expectation::HandsOnTreatment => "Hands-on treatment such as massage",
            Expectation::Explanation => "An explanation of my pain",
            Expectation::SelfManagementAdvice => "Advice on how to manage it myself",
            Expectation::Reassurance => "Reassurance that nothing serious is wrong",
            Expectation::PainFree => "To become completely free of pain",
        }
    }

    pub fn parse(s: &str) -> Option<Expectation> {
        EXPECTATIONS.iter().copied().find(|e| e.as_str() == s)
    }
}

/// An expectation that the planned, exercise-based care will not meet as it
/// stands, and what the clinician can do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub expectation: Expectation,
    pub why: &'static str,
    pub suggestion: &'static str,
    /// The configurations behind the suggestion.
    pub cmocs: &'static [&'static str],
}

/// The mismatches between what the patient expects and exercise-based care.
/// Patients commonly expect a body-oriented diagnosis before treatment
/// (Unsgaard-Tøndel & Söderström 2021, Results, expectations before
/// treatment); left unaddressed it undermines trust (Wood et al. 2024,
/// Table 1, rows 4 and 6).
pub fn expectation_mismatches(intake: &super::Intake) -> Vec<Mismatch> {
    let e = &intake.expectations;
    let mut out = Vec::new();
    if e.contains(&Expectation::StructuralDiagnosis) {
        out.push(Mismatch {
            expectation: Expectation::StructuralDiagnosis,
            why: "Expects a structural diagnosis; in persistent low back pain a specific structural cause is rarely found and scans seldom change care.",
            suggestion: "Explain what the assessment shows in the patient's own terms and why no scan is planned; check the explanation made sense.",
            cmocs: &["T1.4", "T1.6", "M2.12"],
        });
    }
    if e.contains(&Expectation::HandsOnTreatment) && !e.contains(&Expectation::Exercises) {
        out.push(Mismatch {
            expectation: Expectation::HandsOnTreatment,
            why: "Expects hands-on treatment but not exercise, while the plan rests on exercise.",
            suggestion: "Talk through why active exercise is the core of care and design the plan together.",
            cmocs: &["M2.12", "M2.4"],
        });
    }
    if e.contains(&Expectation::PainFree) {
        out.push(Mismatch {
            expectation: Expectation::PainFree,
            why: "Expects to become completely pain free, which care may not achieve.",
            suggestion: "Agree goals in what the patient wants to do again, alongside pain, and set them together.",
            cmocs: &["M2.13"],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belief_keys_are_unique_and_labels_short() {
        let mut keys: Vec<_> = BELIEFS.iter().map(|b| b.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), BELIEFS.len());
        assert!(BELIEFS.iter().all(|b| b.label.len() <= 60));
        assert!(belief("rest_is_best").is_some() && belief("nope").is_none());
    }

    #[test]
    fn expectations_round_trip() {
        for e in EXPECTATIONS {
            assert_eq!(Expectation::parse(e.as_str()), Some(*e));
        }
    }
}
