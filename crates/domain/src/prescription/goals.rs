//! Patient-specific functional goals: an activity, where the patient is now
//! and where they want to be (0 = unable, 10 = as before the problem, the
//! scale of the Patient-Specific Functional Scale), by when, and whether it
//! was agreed together.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::exercise::Task;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub activity: String,
    pub current_level: u8,
    pub target_level: u8,
    pub by: Date,
    pub agreed_together: bool,
    pub agreed_on: Option<Date>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalInput {
    pub activity: String,
    pub current_level: String,
    pub target_level: String,
    pub by: String,
    pub agreed_together: bool,
}

fn level(field: &str, raw: &str) -> Result<u8> {
    raw.trim()
        .parse::<u8>()
        .ok()
        .filter(|v| *v <= 10)
        .ok_or_else(|| {
            Error::invalid(
                field,
                "range",
                "must be a whole number from 0 (unable) to 10 (as before)",
            )
        })
}

impl GoalInput {
    pub fn validate(&self, today: Date) -> Result<Goal> {
        let activity = self.activity.trim();
        if activity.is_empty() {
            return Err(Error::invalid(
                "activity",
                "required",
                "say which activity the goal is about",
            ));
        }
        if activity.chars().count() > 200 || activity.chars().any(char::is_control) {
            return Err(Error::invalid(
                "activity",
                "max_length",
                "must be at most 200 characters on one line",
            ));
        }
        let current_level = level("current_level", &self.current_level)?;
        let target_level = level("target_level", &self.target_level)?;
        if target_level <= current_level {
            return Err(Error::invalid(
                "target_level",
                "above_current",
                "must be higher than the current level",
            ));
        }
        let by: Date = self
            .by
            .trim()
            .parse()
            .map_err(|_| Error::invalid("by", "date", "must be a date written YYYY-MM-DD"))?;
        if by <= today {
            return Err(Error::invalid("by", "future", "must be after today"));
        }
        Ok(Goal {
            activity: activity.to_string(),
            current_level,
            target_level,
            by,
            agreed_together: self.agreed_together,
            agreed_on: self.agreed_together.then_some(today),
        })
    }
}

/// Everyday tasks a goal's activity names, read from its words, so that the
/// builder can propose functional work for them.
pub fn tasks_in(activity: &str) -> Vec<Task> {
    let text = activity.to_lowercase();
    let words: &[(&[&str], Task)] = &[
        (&["lift", "lifting", "pick up", "picking up"], Task::Lifting),
        (
            &["bend", "bending", "stoop", "tie my shoe", "shoes", "socks"],
            Task::Bending,
        ),
        (&["carry", "carrying", "shopping", "bags"], Task::Carrying),
        (
            &["sit", "chair", "stand up", "getting up", "get up"],
            Task::SitToStand,
        ),
        (
            &["walk", "walking", "hike", "hiking", "stroll"],
            Task::Walking,
        ),
        (&["stair", "stairs", "steps"], Task::Stairs),
        (
            &["reach", "reaching", "shelf", "shelves", "cupboard"],
            Task::Reaching,
        ),
        (&["garden", "gardening", "weeding", "dig"], Task::Gardening),
    ];
    let mut found = Vec::new();
    for (keys, task) in words {
        if keys.iter().any(|k| text.contains(k)) && !found.contains(task) {
            found.push(*task);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_goal_is_checked_and_dated_when_agreed() {
        let today = date(2026, 3, 2);
        let input = GoalInput {
            activity: "Lift boxes at work".into(),
            current_level: "3".into(),
            target_level: "8".into(),
            by: "2026-06-01".into(),
            agreed_together: true,
        };
        let g = input.validate(today).unwrap();
        assert_eq!(
            (g.current_level, g.target_level, g.agreed_on),
            (3, 8, Some(today))
        );
        for (bad, field) in [
            (
                GoalInput {
                    activity: " ".into(),
                    ..input.clone()
                },
                "activity",
            ),
            (
                GoalInput {
                    current_level: "11".into(),
                    ..input.clone()
                },
                "current_level",
            ),
            (
                GoalInput {
                    target_level: "2".into(),
                    ..input.clone()
                },
                "target_level",
            ),
            (
                GoalInput {
                    by: "2026-03-01".into(),
                    ..input.clone()
                },
                "by",
            ),
            (
                GoalInput {
                    by: "June".into(),
                    ..input.clone()
                },
                "by",
            ),
        ] {
            match bad.validate(today) {
                Err(Error::Invalid(f)) => assert_eq!(f.field, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn tasks_are_read_from_the_activity() {
        assert_eq!(tasks_in("Lift boxes at work"), [Task::Lifting]);
        assert_eq!(
            tasks_in("Walk the dog and carry the shopping"),
            [Task::Carrying, Task::Walking]
        );
        assert!(tasks_in("Play the piano").is_empty());
    }
}
