//! Logging a session: the raw input, as a phone form or another app sends it,
//! and the validated [`SessionLog`].
//!
//! Rules (each failure is [`Error::Invalid`] naming the field and the rule):
//! - `exercise_id` is required and must be in the patient's plan on the day
//!   of the session (`known`); the caller answers through a closure.
//! - `completion` is `done` (or `completed`), `partly` or `skipped`
//!   (`one_of`).
//! - A skipped session needs a `skip_reason` from a short list — `no_time`,
//!   `pain`, `forgot`, `unwell`, `other` (`required`, `one_of`) — and has no
//!   sets, repetitions, minutes, pain after, difficulty or enjoyment
//!   (`not_when_skipped`); a reason is only given for a skipped session
//!   (`only_when_skipped`).
//! - A session done or partly done needs `pain_after` (`required`);
//!   `pain_before` is optional, but the pain-rise and mastery rules only
//!   read sessions with both, so forms should ask for it.
//! - Numbers are whole and in range, refused and never clamped (`range`):
//!   pain 0–10, difficulty 1–5 (1 very easy … 3 about right … 5 too hard),
//!   enjoyment 1–5 (1 not at all … 5 very much), sets 1–20, repetitions
//!   1–200, minutes 1–240 (the plan's own limits).
//! - `note`: at most [`NOTE_MAX`] characters, no control characters other
//!   than line breaks and tabs (`max_length`, `characters`).
//! - When: `datetime` — an instant with an offset (`…Z`, `…+02:00`), a zoned
//!   datetime (`…[Europe/Oslo]`) or a local datetime (`2024-03-10T23:30`) — or
//!   `date` with an optional `time`, or neither for "now". Local times are
//!   read in `time_zone` if given (the sending device's zone) or else in the
//!   patient's; a local time skipped by a daylight-saving change moves
//!   forward, a repeated one takes the earlier instant (`format`, `one_of`,
//!   `iana`). A session in the future is refused (`not_future`), allowing
//!   [`CLOCK_SKEW_MINUTES`] for a phone's clock.
//!
//! The log's calendar `date` is the day in the PATIENT's time zone: a session
//! at 23:30 local time is that day, whatever the date in UTC.

use std::fmt;

use jiff::civil::{self, Date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::theory::episode::{Completion, ExerciseLog};
use crate::{Error, Result};

/// Longest note, in characters.
pub const NOTE_MAX: usize = 1000;

/// Minutes a session may lie ahead of `now` before it counts as in the
/// future: phones' clocks drift.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

/// Why a session was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    NoTime,
    Pain,
    Forgot,
    Unwell,
    Other,
}

impl SkipReason {
    pub const ALL: [SkipReason; 5] = [
        SkipReason::NoTime,
        SkipReason::Pain,
        SkipReason::Forgot,
        SkipReason::Unwell,
        SkipReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NoTime => "no_time",
            SkipReason::Pain => "pain",
            SkipReason::Forgot => "forgot",
            SkipReason::Unwell => "unwell",
            SkipReason::Other => "other",
        }
    }

    /// The words a patient sees.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::NoTime => "No time",
            SkipReason::Pain => "Pain",
            SkipReason::Forgot => "Forgot",
            SkipReason::Unwell => "Unwell",
            SkipReason::Other => "Something else",
        }
    }

    /// `no_time` (also `no time`, `No-Time`), `pain`, `forgot`, `unwell`, `other`.
    pub fn parse(s: &str) -> Option<SkipReason> {
        let key: String = s
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        SkipReason::ALL.into_iter().find(|r| r.as_str() == key)
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A session as typed or sent. Every field is text (empty = not given) so an
/// error can name the field; from JSON, numbers and `null` are accepted too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogInput {
    #[serde(deserialize_with = "text")]
    pub exercise_id: String,
    /// `done` (or `completed`), `partly`, `skipped`.
    #[serde(deserialize_with = "text")]
    pub completion: String,
    #[serde(deserialize_with = "text")]
    pub skip_reason: String,
    #[serde(deserialize_with = "text")]
    pub sets: String,
    #[serde(deserialize_with = "text")]
    pub reps: String,
    #[serde(deserialize_with = "text")]
    pub minutes: String,
    #[serde(deserialize_with = "text")]
    pub pain_before: String,
    #[serde(deserialize_with = "text")]
    pub pain_after: String,
    #[serde(deserialize_with = "text")]
    pub difficulty: String,
    #[serde(deserialize_with = "text")]
    pub enjoyment: String,
    #[serde(deserialize_with = "text")]
    pub note: String,
    /// `YYYY-MM-DD`, the local calendar day.
    #[serde(deserialize_with = "text")]
    pub date: String,
    /// `HH:MM` or `HH:MM:SS`, local time on `date`.
    #[serde(deserialize_with = "text")]
    pub time: String,
    /// Instead of `date` and `time`: an RFC 3339 / RFC 9557 datetime, with or
    /// without an offset.
    #[serde(deserialize_with = "text")]
    pub datetime: String,
    /// IANA time zone that local times are given in; the patient's if empty.
    #[serde(deserialize_with = "text")]
    pub time_zone: String,
}

/// Accepts a string, a number, a boolean or null as text.
fn text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    struct Text;
    impl<'de> Visitor<'de> for Text {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<String, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<String, E> {
            Ok(String::new())
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(Text)
}

/// A validated session log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLog {
    pub exercise_id: String,
    /// The calendar day of the session in the patient's time zone.
    pub date: Date,
    /// The instant, when a time was given (or the log was made "now").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    pub completion: Completion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<SkipReason>,
    #[serde(default)]
    pub sets: Option<u8>,
    #[serde(default)]
    pub reps: Option<u16>,
    #[serde(default)]
    pub minutes: Option<u16>,
    /// 0–10.
    #[serde(default)]
    pub pain_before: Option<u8>,
    /// 0–10.
    #[serde(default)]
    pub pain_after: Option<u8>,
    /// 1 very easy … 3 about right … 5 too hard.
    #[serde(default)]
    pub difficulty: Option<u8>,
    /// 1 not at all … 5 very much.
    #[serde(default)]
    pub enjoyment: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SessionLog {
    /// Done or partly done (a session took place).
    pub fn is_session(&self) -> bool {
        self.completion != Completion::Skipped
    }

    /// Pain after minus pain before, when both were rated.
    pub fn pain_change(&self) -> Option<i32> {
        Some(i32::from(self.pain_after?) - i32::from(self.pain_before?))
    }

    /// The theory engine's view of this log.
    pub fn to_exercise_log(&self) -> ExerciseLog {
        ExerciseLog {
            date: self.date,
            exercise_id: Some(self.exercise_id.clone()),
            completion: self.completion,
            pain_before: self.pain_before,
            pain_after: self.pain_after,
            difficulty: self.difficulty,
            enjoyment: self.enjoyment,
        }
    }

    /// A total order on logs: by date, then time, then content. Anything that
    /// picks "the latest" logs uses it, so results never depend on the order
    /// the logs were stored in.
    pub fn chronological(&self, other: &SessionLog) -> std::cmp::Ordering {
        let rank = |c: Completion| match c {
            Completion::Skipped => 0u8,
            Completion::Partly => 1,
            Completion::Completed => 2,
        };
        self.date
            .cmp(&other.date)
            .then_with(|| self.at.cmp(&other.at))
            .then_with(|| rank(self.completion).cmp(&rank(other.completion)))
            .then_with(|| self.pain_before.cmp(&other.pain_before))
            .then_with(|| self.pain_after.cmp(&other.pain_after))
            .then_with(|| self.difficulty.cmp(&other.difficulty))
            .then_with(|| self.enjoyment.cmp(&other.enjoyment))
            .then_with(|| self.skip_reason.cmp(&other.skip_reason))
            .then_with(|| self.sets.cmp(&other.sets))
            .then_with(|| self.reps.cmp(&other.reps))
            .then_with(|| self.minutes.cmp(&other.minutes))
            .then_with(|| self.exercise_id.cmp(&other.exercise_id))
            .then_with(|| self.note.cmp(&other.note))
    }
}

/// The time zone named by an IANA identifier (as stored with the patient).
pub fn patient_zone(name: &str) -> Result<TimeZone> {
    zone("time_zone", name)
}

fn zone(field: &str, name: &str) -> Result<TimeZone> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "required", "is required"));
    }
    jiff::tz::db().get(name).map_err(|_| {
        Error::invalid(
            field,
            "iana",
            format!("`{name}` is not an IANA time zone (e.g. Europe/Oslo)"),
        )
    })
}

/// Today's date in the patient's time zone.
pub fn local_today(now: Timestamp, zone: &TimeZone) -> Date {
    now.to_zoned(zone.clone()).date()
}

fn int(field: &str, raw: &str, lo: u32, hi: u32) -> Result<Option<u32>> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse::<u32>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .map(Some)
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    "range",
                    format!("must be a whole number from {lo} to {hi}"),
                )
            }),
    }
}

fn small(v: Option<u32>) -> Option<u8> {
    v.and_then(|v| u8::try_from(v).ok())
}

fn short(v: Option<u32>) -> Option<u16> {
    v.and_then(|v| u16::try_from(v).ok())
}

/// When the session took place: its instant (if known) and its day in the
/// patient's zone, with the field to blame if it lies in the future.
struct When {
    at: Option<Timestamp>,
    date: Date,
    field: &'static str,
}

impl LogInput {
    /// Validates the input. `zone` is the patient's time zone, `now` the
    /// current instant, and `in_plan(exercise_id, date)` answers whether the
    /// exercise is in the patient's plan on that day (the current plan, for
    /// a session logged today).
    pub fn validate(
        &self,
        zone: &TimeZone,
        now: Timestamp,
        in_plan: &dyn Fn(&str, Date) -> bool,
    ) -> Result<SessionLog> {
        let exercise_id = self.exercise_id.trim();
        if exercise_id.is_empty() {
            return Err(Error::invalid("exercise_id", "required", "is required"));
        }
        let completion = match self.completion.trim().to_ascii_lowercase().as_str() {
            "done" | "completed" => Completion::Completed,
            "partly" => Completion::Partly,
            "skipped" => Completion::Skipped,
            "" => return Err(Error::invalid("completion", "required", "is required")),
            _ => {
                return Err(Error::invalid(
                    "completion",
                    "one_of",
                    "must be done, partly or skipped",
                ));
            }
        };
        let when = self.when(zone, now)?;
        if !in_plan(exercise_id, when.date) {
            return Err(Error::invalid(
                "exercise_id",
                "known",
                format!(
                    "`{exercise_id}` is not in the patient's plan on {}",
                    when.date
                ),
            ));
        }
        let skip_reason = match (completion, self.skip_reason.trim()) {
            (Completion::Skipped, "") => {
                return Err(Error::invalid(
                    "skip_reason",
                    "required",
                    "say why the session was skipped",
                ));
            }
            (Completion::Skipped, r) => Some(SkipReason::parse(r).ok_or_else(|| {
                Error::invalid(
                    "skip_reason",
                    "one_of",
                    "must be no_time, pain, forgot, unwell or other",
                )
            })?),
            (_, "") => None,
            (_, _) => {
                return Err(Error::invalid(
                    "skip_reason",
                    "only_when_skipped",
                    "is only given for a skipped session",
                ));
            }
        };
        let sets = small(int("sets", &self.sets, 1, 20)?);
        let reps = short(int("reps", &self.reps, 1, 200)?);
        let minutes = short(int("minutes", &self.minutes, 1, 240)?);
        let pain_before = small(int("pain_before", &self.pain_before, 0, 10)?);
        let pain_after = small(int("pain_after", &self.pain_after, 0, 10)?);
        let difficulty = small(int("difficulty", &self.difficulty, 1, 5)?);
        let enjoyment = small(int("enjoyment", &self.enjoyment, 1, 5)?);
        if completion == Completion::Skipped {
            let given = [
                ("sets", sets.is_some()),
                ("reps", reps.is_some()),
                ("minutes", minutes.is_some()),
                ("pain_after", pain_after.is_some()),
                ("difficulty", difficulty.is_some()),
                ("enjoyment", enjoyment.is_some()),
            ];
            if let Some((field, _)) = given.iter().find(|(_, g)| *g) {
                return Err(Error::invalid(
                    *field,
                    "not_when_skipped",
                    "is not given for a skipped session",
                ));
            }
        } else if pain_after.is_none() {
            return Err(Error::invalid(
                "pain_after",
                "required",
                "give pain after the session, 0 to 10",
            ));
        }
        let note = self.note.trim();
        if note.chars().count() > NOTE_MAX {
            return Err(Error::invalid(
                "note",
                "max_length",
                format!("must be at most {NOTE_MAX} characters"),
            ));
        }
        if note
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(Error::invalid(
                "note",
                "characters",
                "must not contain control characters",
            ));
        }
        Ok(SessionLog {
            exercise_id: exercise_id.to_string(),
            date: when.date,
            at: when.at,
            completion,
            skip_reason,
            sets,
            reps,
            minutes,
            pain_before,
            pain_after,
            difficulty,
            enjoyment,
            note: (!note.is_empty()).then(|| note.to_string()),
        })
    }

    fn when(&self, patient: &TimeZone, now: Timestamp) -> Result<When> {
        let (date, time, datetime) = (self.date.trim(), self.time.trim(), self.datetime.trim());
        let input_zone = match self.time_zone.trim() {
            "" => patient.clone(),
            name => zone("time_zone", name)?,
        };
        let local = |dt: civil::DateTime, field: &str| -> Result<Timestamp> {
            dt.to_zoned(input_zone.clone())
                .map(|z| z.timestamp())
                .map_err(|_| Error::invalid(field, "range", "is outside the supported range"))
        };
        let when = if !datetime.is_empty() {
            if !date.is_empty() || !time.is_empty() {
                return Err(Error::invalid(
                    "datetime",
                    "one_of",
                    "give either datetime, or date with an optional time",
                ));
            }
            let at = if let Ok(z) = datetime.parse::<Zoned>() {
                z.timestamp()
            } else if let Ok(ts) = datetime.parse::<Timestamp>() {
                ts
            } else if let Ok(dt) = datetime.parse::<civil::DateTime>() {
                local(dt, "datetime")?
            } else {
                return Err(Error::invalid(
                    "datetime",
                    "format",
                    "must be a date and time like 2024-03-10T23:30 or 2024-03-10T22:30:00Z",
                ));
            };
            When {
                at: Some(at),
                date: at.to_zoned(patient.clone()).date(),
                field: "datetime",
            }
        } else if !date.is_empty() {
            let day = date
                .parse::<Date>()
                .map_err(|_| Error::invalid("date", "format", "must be a date like 2024-03-10"))?;
            if time.is_empty() {
                When {
                    at: None,
                    date: day,
                    field: "date",
                }
            } else {
                let t = time
                    .parse::<civil::Time>()
                    .map_err(|_| Error::invalid("time", "format", "must be a time like 23:30"))?;
                let at = local(day.to_datetime(t), "time")?;
                When {
                    at: Some(at),
                    date: at.to_zoned(patient.clone()).date(),
                    field: "time",
                }
            }
        } else if !time.is_empty() {
            return Err(Error::invalid(
                "date",
                "required",
                "give the date with the time",
            ));
        } else {
            When {
                at: Some(now),
                date: local_today(now, patient),
                field: "date",
            }
        };
        let future = match when.at {
            Some(at) => {
                at > now
                    .saturating_add(SignedDuration::from_mins(CLOCK_SKEW_MINUTES))
                    .unwrap_or(now)
            }
            None => when.date > local_today(now, patient),
        };
        if future {
            return Err(Error::invalid(
                when.field,
                "not_future",
                "a session cannot be logged before it happens",
            ));
        }
        Ok(when)
    }
}
