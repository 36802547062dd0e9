//! The data model of one exercise. The built-in library is data
//! (`crates/domain/exercises/library.toml`); clinics add their own.

use serde::{Deserialize, Serialize};

use crate::assessment::intake::{Equipment, ExerciseKind, Setting};

macro_rules! keyed {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $key:literal : $label:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyed!(
    /// The kind of exercise, as the library is organised.
    Category {
        MotorControl = "motor_control": "Motor control",
        CoreEndurance = "core_endurance": "Core endurance",
        Strengthening = "strengthening": "Strengthening",
        Mobility = "mobility": "Mobility and stretching",
        Aerobic = "aerobic": "Aerobic",
        Pilates = "pilates": "Pilates-style",
        Yoga = "yoga": "Yoga-style",
        Functional = "functional": "Functional tasks",
        GradedExposure = "graded_exposure": "Graded exposure",
    }
);

keyed!(
    /// What the exercise works on.
    Target {
        DeepTrunk = "deep_trunk": "Deep trunk muscles",
        TrunkFlexors = "trunk_flexors": "Trunk flexors",
        TrunkExtensors = "trunk_extensors": "Back extensors",
        Obliques = "obliques": "Obliques",
        Glutes = "glutes": "Buttock muscles",
        Hips = "hips": "Hips",
        Legs = "legs": "Legs",
        SpineMobility = "spine_mobility": "Spine mobility",
        HipMobility = "hip_mobility": "Hip mobility",
        Fitness = "fitness": "Fitness",
        Balance = "balance": "Balance",
        Confidence = "confidence": "Confidence in movement",
    }
);

keyed!(
    /// The starting position.
    Position {
        LyingOnBack = "lying_on_back": "Lying on your back",
        LyingOnFront = "lying_on_front": "Lying on your front",
        SideLying = "side_lying": "Lying on your side",
        HandsAndKnees = "hands_and_knees": "On hands and knees",
        Kneeling = "kneeling": "Kneeling",
        Sitting = "sitting": "Sitting",
        Standing = "standing": "Standing",
        Moving = "moving": "On the move",
        InWater = "in_water": "In water",
    }
);

keyed!(
    /// A movement people with back pain often fear, practised step by step in
    /// graded exposure.
    FearedMovement {
        Bending = "bending": "Bending forward",
        Lifting = "lifting": "Lifting",
        Twisting = "twisting": "Twisting",
        Carrying = "carrying": "Carrying",
        ArchingBack = "arching_back": "Bending backward",
        ProlongedSitting = "prolonged_sitting": "Sitting for long",
    }
);

keyed!(
    /// An everyday task the exercise trains directly.
    Task {
        Lifting = "lifting": "Lifting",
        Bending = "bending": "Bending",
        Carrying = "carrying": "Carrying",
        SitToStand = "sit_to_stand": "Getting up from a chair",
        Walking = "walking": "Walking",
        Stairs = "stairs": "Stairs",
        Reaching = "reaching": "Reaching",
        Gardening = "gardening": "Gardening",
    }
);

keyed!(
    /// Where an exercise comes from.
    Source {
        Rapport = "rapport": "Rapport library",
        Clinic = "clinic": "Added by the clinic",
        Wger = "wger": "Imported from wger",
    }
);

/// A full dose, as CERT asks it to be reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dose {
    pub sets: u8,
    /// Repetitions per set, for counted exercises.
    #[serde(default)]
    pub reps: Option<u16>,
    /// Seconds each repetition is held, for holds.
    #[serde(default)]
    pub hold_seconds: Option<u16>,
    /// Minutes per session, for continuous exercise (walking, cycling).
    #[serde(default)]
    pub duration_minutes: Option<u16>,
    /// Rest between sets, in seconds.
    pub rest_seconds: u16,
    pub per_week: u8,
    pub weeks: u8,
    /// Load: body weight, a band colour, kilograms…
    #[serde(default)]
    pub load: Option<String>,
    /// Intensity: effort rating, pace, how it should feel.
    #[serde(default)]
    pub intensity: Option<String>,
}

/// One exercise of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// A stable slug, e.g. `mc-abdominal-brace`.
    pub id: String,
    pub name: String,
    pub category: Category,
    pub targets: Vec<Target>,
    pub position: Position,
    /// Equipment needed; empty when none is.
    #[serde(default)]
    pub equipment: Vec<Equipment>,
    /// 1 (easiest) to 5 (hardest).
    pub level: u8,
    /// Seconds one set takes, with its repetitions or hold.
    pub seconds_per_set: u16,
    pub dose: Dose,
    #[serde(default)]
    pub cautions: Vec<String>,
    /// Plain-language steps, in order.
    pub instructions: Vec<String>,
    /// Id of the easier variant (regression).
    #[serde(default)]
    pub easier: Option<String>,
    /// Id of the harder variant (progression).
    #[serde(default)]
    pub harder: Option<String>,
    /// For graded exposure: the feared movement practised.
    #[serde(default)]
    pub feared_movement: Option<FearedMovement>,
    /// Everyday tasks it trains directly.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Where it can be done.
    pub settings: Vec<Setting>,
    /// Kinds of exercise a patient may say they like that this one is.
    #[serde(default)]
    pub kinds: Vec<ExerciseKind>,
    #[serde(default = "rapport_source")]
    pub source: Source,
    /// Where the text comes from and under what licence, for imported exercises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

fn rapport_source() -> Source {
    Source::Rapport
}

impl Exercise {
    /// Minutes one session of this exercise takes at its default dose,
    /// rests included.
    pub fn minutes_per_session(&self) -> f64 {
        if let Some(m) = self.dose.duration_minutes {
            return f64::from(m);
        }
        let sets = f64::from(self.dose.sets.max(1));
        (sets * f64::from(self.seconds_per_set) + (sets - 1.0) * f64::from(self.dose.rest_seconds))
            / 60.0
    }
}
