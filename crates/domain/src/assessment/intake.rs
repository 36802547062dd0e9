//! The holistic intake, as the patient fills it in before the first visit
//! (or the clinician with them). Structured after the first-interview guide
//! of Unsgaard-Tøndel & Söderström 2021 (Phys Ther, Figure 2).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::beliefs::{BELIEFS, Expectation};
use crate::theory::episode::PreviousExperience;
use crate::{Error, Result};

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

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyed!(
    /// Kinds of exercise a patient may like or dislike.
    ExerciseKind {
        Walking = "walking": "Walking",
        Cycling = "cycling": "Cycling",
        Swimming = "swimming": "Swimming or water exercise",
        Strength = "strength": "Strength training",
        Pilates = "pilates": "Pilates-style exercise",
        Yoga = "yoga": "Yoga-style exercise",
        Stretching = "stretching": "Stretching",
        Running = "running": "Running",
        Dance = "dance": "Dancing",
        Group = "group": "Exercising in a group",
        Alone = "alone": "Exercising on my own",
    }
);

keyed!(
    /// Equipment the patient has to hand.
    Equipment {
        Mat = "mat": "Exercise mat",
        ResistanceBand = "resistance_band": "Resistance band",
        Weights = "weights": "Dumbbells or other weights",
        Step = "step": "Step or stairs",
        Bike = "bike": "Bicycle or exercise bike",
        Gym = "gym": "Access to a gym",
        Pool = "pool": "Access to a pool",
    }
);

keyed!(
    /// Where the patient can exercise.
    Setting {
        Home = "home": "At home",
        Outdoors = "outdoors": "Outdoors",
        Gym = "gym": "In a gym",
        Clinic = "clinic": "At the clinic, supervised",
        Group = "group": "In a group class",
    }
);

keyed!(
    /// When in the day the patient can exercise.
    TimeOfDay {
        Morning = "morning": "Morning",
        Midday = "midday": "Around midday",
        Afternoon = "afternoon": "Afternoon",
        Evening = "evening": "Evening",
        Varies = "varies": "It varies",
    }
);

keyed!(
    /// What a previous experience was like.
    Experience {
        Positive = "positive": "Mostly good",
        Negative = "negative": "Mostly not good",
        Mixed = "mixed": "Mixed",
        None = "none": "I have not tried it",
    }
);

pub const TEXT_MAX: usize = 2000;
pub const ACTIVITY_MAX: usize = 200;
pub const ACTIVITIES_MAX: usize = 10;

/// A completed intake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    /// Everyday life now: work, family, what a day looks like.
    pub everyday_life: String,
    /// Valued activities the pain now limits, one per entry.
    pub limited_activities: Vec<String>,
    /// What the patient believes causes the pain, in their words.
    pub cause_belief: String,
    pub expectations: BTreeSet<Expectation>,
    pub expectations_note: String,
    pub previous_exercise: Option<Experience>,
    pub previous_physio: Option<Experience>,
    pub previous_note: String,
    /// Where the patient hopes to be six months from now.
    pub six_months: String,
    pub preferences: BTreeSet<ExerciseKind>,
    pub dislikes: BTreeSet<ExerciseKind>,
    pub minutes_per_day: Option<u16>,
    pub days_per_week: Option<u8>,
    pub time_of_day: Option<TimeOfDay>,
    pub equipment: BTreeSet<Equipment>,
    pub settings: BTreeSet<Setting>,
    /// Worries the patient ticked (keys of [`BELIEFS`]); the clinician confirms them.
    pub worries: BTreeSet<String>,
}

impl Intake {
    /// The intake covers the whole person: daily life and valued activities,
    /// beliefs, expectations, previous experience and preferences.
    pub fn is_holistic(&self) -> bool {
        !self.everyday_life.is_empty()
            && !self.limited_activities.is_empty()
            && !self.cause_belief.is_empty()
            && !self.expectations.is_empty()
            && self.previous_exercise.is_some()
            && !self.six_months.is_empty()
            && (!self.preferences.is_empty() || !self.dislikes.is_empty())
    }

    /// Previous experience as the theory engine sees it: positive if either
    /// exercise or physiotherapy went mostly well and neither went badly.
    pub fn previous_experience(&self) -> PreviousExperience {
        let all = [self.previous_exercise, self.previous_physio];
        if all.iter().all(Option::is_none) {
            return PreviousExperience::Unknown;
        }
        if all.contains(&Some(Experience::Negative)) {
            PreviousExperience::Negative
        } else if all.contains(&Some(Experience::Positive)) {
            PreviousExperience::Positive
        } else if all.iter().flatten().all(|e| *e == Experience::None) {
            PreviousExperience::None
        } else {
            PreviousExperience::Unknown
        }
    }
}

/// The intake as submitted by a form: text, and lists of ticked keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntakeInput {
    pub everyday_life: String,
    /// One activity per line.
    pub limited_activities: String,
    pub cause_belief: String,
    pub expectations: Vec<String>,
    pub expectations_note: String,
    pub previous_exercise: String,
    pub previous_physio: String,
    pub previous_note: String,
    pub six_months: String,
    pub preferences: Vec<String>,
    pub dislikes: Vec<String>,
    pub minutes_per_day: String,
    pub days_per_week: String,
    pub time_of_day: String,
    pub equipment: Vec<String>,
    pub settings: Vec<String>,
    pub worries: Vec<String>,
}

fn text(field: &str, raw: &str, max: usize) -> Result<String> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Error::invalid(
            field,
            "max_length",
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::invalid(
            field,
            "no_control_characters",
            "must not contain control characters",
        ));
    }
    Ok(s.replace("\r\n", "\n"))
}

fn keys<T: Ord>(
    field: &str,
    raw: &[String],
    parse: impl Fn(&str) -> Option<T>,
) -> Result<BTreeSet<T>> {
    raw.iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            parse(s.trim()).ok_or_else(|| {
                Error::invalid(
                    field,
                    "one_of",
                    format!("`{}` is not one of the choices", s.trim()),
                )
            })
        })
        .collect()
}

fn choice<T>(field: &str, raw: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
    match raw.trim() {
        "" => Ok(None),
        s => parse(s).map(Some).ok_or_else(|| {
            Error::invalid(field, "one_of", format!("`{s}` is not one of the choices"))
        }),
    }
}

fn number<T: TryFrom<u32>>(field: &str, raw: &str, max: u32) -> Result<Option<T>> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= max)
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    "range",
                    format!("must be a whole number from 0 to {max}"),
                )
            }),
    }
}

impl IntakeInput {
    /// Checks every field; the first broken rule is the error. Fields may be
    /// left empty (a partly filled intake can be saved); a complete one is
    /// recognised by [`Intake::is_holistic`].
    pub fn validate(&self) -> Result<Intake> {
        let activities: Vec<String> = self
            .limited_activities
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| text("limited_activities", l, ACTIVITY_MAX))
            .collect::<Result<_>>()?;
        if activities.len() > ACTIVITIES_MAX {
            return Err(Error::invalid(
                "limited_activities",
                "max_items",
                format!("list at most {ACTIVITIES_MAX} activities, one per line"),
            ));
        }
        let intake = Intake {
            everyday_life: text("everyday_life", &self.everyday_life, TEXT_MAX)?,
            limited_activities: activities,
            cause_belief: text("cause_belief", &self.cause_belief, TEXT_MAX)?,
            expectations: keys("expectations", &self.expectations, Expectation::parse)?,
            expectations_note: text("expectations_note", &self.expectations_note, TEXT_MAX)?,
            previous_exercise: choice(
                "previous_exercise",
                &self.previous_exercise,
                Experience::parse,
            )?,
            previous_physio: choice("previous_physio", &self.previous_physio, Experience::parse)?,
            previous_note: text("previous_note", &self.previous_note, TEXT_MAX)?,
            six_months: text("six_months", &self.six_months, TEXT_MAX)?,
            preferences: keys("preferences", &self.preferences, ExerciseKind::parse)?,
            dislikes: keys("dislikes", &self.dislikes, ExerciseKind::parse)?,
            minutes_per_day: number("minutes_per_day", &self.minutes_per_day, 240)?,
            days_per_week: number("days_per_week", &self.days_per_week, 7)?,
            time_of_day: choice("time_of_day", &self.time_of_day, TimeOfDay::parse)?,
            equipment: keys("equipment", &self.equipment, Equipment::parse)?,
            settings: keys("settings", &self.settings, Setting::parse)?,
            worries: keys("worries", &self.worries, |k| {
                BELIEFS
                    .iter()
                    .find(|b| b.key == k)
                    .map(|b| b.key.to_string())
            })?,
        };
        if let Some(both) = intake.preferences.intersection(&intake.dislikes).next() {
            return Err(Error::invalid(
                "dislikes",
                "not_also_preferred",
                format!("`{}` is ticked both as liked and as disliked", both.label()),
            ));
        }
        Ok(intake)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> IntakeInput {
        IntakeInput {
            everyday_life: "Office work, two children".into(),
            limited_activities: "Gardening\n  \nPlaying football with my son\n".into(),
            cause_belief: "A slipped disc".into(),
            expectations: vec!["exercises".into(), "structural_diagnosis".into()],
            previous_exercise: "positive".into(),
            previous_physio: "none".into(),
            six_months: "Back in the garden".into(),
            preferences: vec!["walking".into(), "swimming".into()],
            dislikes: vec!["running".into()],
            minutes_per_day: "20".into(),
            days_per_week: "5".into(),
            time_of_day: "morning".into(),
            equipment: vec!["mat".into()],
            settings: vec!["home".into()],
            worries: vec!["bending_is_dangerous".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_full_intake_is_holistic() {
        let i = full().validate().unwrap();
        assert!(i.is_holistic());
        assert_eq!(
            i.limited_activities,
            ["Gardening", "Playing football with my son"]
        );
        assert_eq!(i.minutes_per_day, Some(20));
        assert_eq!(i.previous_experience(), PreviousExperience::Positive);
        let partial = IntakeInput {
            six_months: String::new(),
            ..full()
        }
        .validate()
        .unwrap();
        assert!(!partial.is_holistic());
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            (
                IntakeInput {
                    expectations: vec!["miracle".into()],
                    ..full()
                },
                "expectations",
                "one_of",
            ),
            (
                IntakeInput {
                    minutes_per_day: "300".into(),
                    ..full()
                },
                "minutes_per_day",
                "range",
            ),
            (
                IntakeInput {
                    minutes_per_day: "-5".into(),
                    ..full()
                },
                "minutes_per_day",
                "range",
            ),
            (
                IntakeInput {
                    days_per_week: "8".into(),
                    ..full()
                },
                "days_per_week",
                "range",
            ),
            (
                IntakeInput {
                    time_of_day: "midnight".into(),
                    ..full()
                },
                "time_of_day",
                "one_of",
            ),
            (
                IntakeInput {
                    worries: vec!["ghosts".into()],
                    ..full()
                },
                "worries",
                "one_of",
            ),
            (
                IntakeInput {
                    dislikes: vec!["walking".into()],
                    ..full()
                },
                "dislikes",
                "not_also_preferred",
            ),
            (
                IntakeInput {
                    cause_belief: "x".repeat(2001),
                    ..full()
                },
                "cause_belief",
                "max_length",
            ),
            (
                IntakeInput {
                    limited_activities: "a\n".repeat(11),
                    ..full()
                },
                "limited_activities",
                "max_items",
            ),
        ];
        for (input, field, rule) in cases {
            match input.validate() {
                Err(Error::Invalid(f)) => {
                    assert_eq!((f.field.as_str(), f.rule.as_str()), (field, rule))
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn previous_experience_combines_exercise_and_physio() {
        let with = |e: Option<Experience>, p: Option<Experience>| {
            Intake {
                previous_exercise: e,
                previous_physio: p,
                ..Default::default()
            }
            .previous_experience()
        };
        assert_eq!(with(None, None), PreviousExperience::Unknown);
        assert_eq!(
            with(Some(Experience::Positive), Some(Experience::Negative)),
            PreviousExperience::Negative
        );
        assert_eq!(with(Some(Experience::None), None), PreviousExperience::None);
        assert_eq!(
            with(Some(Experience::Mixed), None),
            PreviousExperience::Unknown
        );
        assert_eq!(
            with(None, Some(Experience::Positive)),
            PreviousExperience::Positive
        );
    }
}
