//! Logging a session: validation names the field and the rule; the log's
//! date is the patient's local calendar day, around midnight and across
//! daylight-saving changes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

use jiff::Timestamp;
use jiff::civil::{Date, date};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use rapport_domain::Error;
use rapport_domain::monitoring::{LogInput, SessionLog, SkipReason, local_today, patient_zone};
use rapport_domain::theory::episode::Completion;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn oslo() -> TimeZone {
    patient_zone("Europe/Oslo").unwrap()
}

fn any_plan(id: &str, _: Date) -> bool {
    id == "ex-a"
}

fn ok_input() -> LogInput {
    LogInput {
        exercise_id: "ex-a".into(),
        completion: "done".into(),
        pain_before: "3".into(),
        pain_after: "4".into(),
        difficulty: "3".into(),
        enjoyment: "4".into(),
        sets: "2".into(),
        reps: "10".into(),
        date: "2024-06-03".into(),
        time: "18:00".into(),
        ..Default::default()
    }
}

const NOW: &str = "2024-06-05T12:00:00Z";

fn check(input: &LogInput) -> Result<SessionLog, Error> {
    input.validate(&oslo(), ts(NOW), &any_plan)
}

fn refused(input: LogInput, field: &str, rule: &str) {
    match check(&input) {
        Err(Error::Invalid(f)) => {
            assert_eq!(
                (f.field.as_str(), f.rule.as_str()),
                (field, rule),
                "{input:?}"
            );
            assert!(!f.message.is_empty());
        }
        other => panic!("{field}/{rule}: expected refusal, got {other:?}"),
    }
}

#[test]
fn a_full_log_is_accepted() {
    let l = check(&ok_input()).unwrap();
    assert_eq!(l.exercise_id, "ex-a");
    assert_eq!(l.date, date(2024, 6, 3));
    assert_eq!(l.at, Some(ts("2024-06-03T16:00:00Z")));
    assert_eq!(l.completion, Completion::Completed);
    assert_eq!(
        (l.pain_before, l.pain_after, l.difficulty, l.enjoyment),
        (Some(3), Some(4), Some(3), Some(4))
    );
    assert_eq!((l.sets, l.reps, l.minutes), (Some(2), Some(10), None));
    assert_eq!(l.pain_change(), Some(1));
    let e = l.to_exercise_log();
    assert_eq!(e.exercise_id.as_deref(), Some("ex-a"));
    assert_eq!(e.pain_after, Some(4));
    // Serde round trip.
    let json = serde_json::to_string(&l).unwrap();
    let back: SessionLog = serde_json::from_str(&json).unwrap();
    assert_eq!(back, l);
}

#[test]
fn ranges_are_refused_never_clamped() {
    type Edit = fn(&mut LogInput);
    let cases: [(Edit, &str); 12] = [
        (|i| i.pain_before = "11".into(), "pain_before"),
        (|i| i.pain_before = "-1".into(), "pain_before"),
        (|i| i.pain_after = "10.5".into(), "pain_after"),
        (|i| i.pain_after = "ten".into(), "pain_after"),
        (|i| i.difficulty = "0".into(), "difficulty"),
        (|i| i.difficulty = "6".into(), "difficulty"),
        (|i| i.enjoyment = "0".into(), "enjoyment"),
        (|i| i.enjoyment = "6".into(), "enjoyment"),
        (|i| i.sets = "0".into(), "sets"),
        (|i| i.sets = "21".into(), "sets"),
        (|i| i.reps = "201".into(), "reps"),
        (|i| i.minutes = "241".into(), "minutes"),
    ];
    for (edit, field) in cases {
        let mut input = ok_input();
        edit(&mut input);
        refused(input, field, "range");
    }
    // The edges themselves are fine.
    let mut input = ok_input();
    input.pain_before = "0".into();
    input.pain_after = "10".into();
    input.difficulty = "5".into();
    input.enjoyment = "1".into();
    input.minutes = "240".into();
    let l = check(&input).unwrap();
    assert_eq!((l.pain_before, l.pain_after), (Some(0), Some(10)));
}

#[test]
fn completion_and_skip_reasons() {
    refused(
        LogInput {
            completion: String::new(),
            ..ok_input()
        },
        "completion",
        "required",
    );
    refused(
        LogInput {
            completion: "finished".into(),
            ..ok_input()
        },
        "completion",
        "one_of",
    );
    // Done and partly need pain after.
    for c in ["done", "partly", "completed"] {
        refused(
            LogInput {
                completion: c.into(),
                pain_after: String::new(),
                ..ok_input()
            },
            "pain_after",
            "required",
        );
    }
    let skipped = LogInput {
        exercise_id: "ex-a".into(),
        completion: "skipped".into(),
        date: "2024-06-04".into(),
        ..Default::default()
    };
    refused(skipped.clone(), "skip_reason", "required");
    refused(
        LogInput {
            skip_reason: "lazy".into(),
            ..skipped.clone()
        },
        "skip_reason",
        "one_of",
    );
    for (raw, reason) in [
        ("no_time", SkipReason::NoTime),
        ("No time", SkipReason::NoTime),
        ("pain", SkipReason::Pain),
        ("forgot", SkipReason::Forgot),
        ("unwell", SkipReason::Unwell),
        ("other", SkipReason::Other),
    ] {
        let l = check(&LogInput {
            skip_reason: raw.into(),
            ..skipped.clone()
        })
        .unwrap();
        assert_eq!(l.completion, Completion::Skipped);
        assert_eq!(l.skip_reason, Some(reason));
        assert!(!l.is_session());
    }
    // A skipped session has no "after"; pain before may say why.
    refused(
        LogInput {
            skip_reason: "pain".into(),
            pain_after: "6".into(),
            ..skipped.clone()
        },
        "pain_after",
        "not_when_skipped",
    );
    refused(
        LogInput {
            skip_reason: "pain".into(),
            difficulty: "3".into(),
            ..skipped.clone()
        },
        "difficulty",
        "not_when_skipped",
    );
    let l = check(&LogInput {
        skip_reason: "pain".into(),
        pain_before: "7".into(),
        ..skipped.clone()
    })
    .unwrap();
    assert_eq!(l.pain_before, Some(7));
    // A reason only for a skipped session.
    refused(
        LogInput {
            skip_reason: "forgot".into(),
            ..ok_input()
        },
        "skip_reason",
        "only_when_skipped",
    );
}

#[test]
fn the_exercise_must_be_in_the_plan_on_that_day() {
    refused(
        LogInput {
            exercise_id: " ".into(),
            ..ok_input()
        },
        "exercise_id",
        "required",
    );
    refused(
        LogInput {
            exercise_id: "ex-zz".into(),
            ..ok_input()
        },
        "exercise_id",
        "known",
    );
    // The closure sees the session's local date.
    let regressed_on = date(2024, 6, 4);
    let in_plan = |id: &str, day: Date| (id == "ex-a") == (day < regressed_on);
    let zone = oslo();
    assert!(ok_input().validate(&zone, ts(NOW), &in_plan).is_ok());
    let late = LogInput {
        date: "2024-06-04".into(),
        ..ok_input()
    };
    assert!(late.validate(&zone, ts(NOW), &in_plan).is_err());
    let late_easier = LogInput {
        exercise_id: "ex-easy".into(),
        ..late
    };
    assert!(late_easier.validate(&zone, ts(NOW), &in_plan).is_ok());
}

#[test]
fn notes_are_bounded() {
    let l = check(&LogInput {
        note: "  Felt fine.\nA bit stiff after.  ".into(),
        ..ok_input()
    })
    .unwrap();
    assert_eq!(l.note.as_deref(), Some("Felt fine.\nA bit stiff after."));
    refused(
        LogInput {
            note: "x".repeat(1001),
            ..ok_input()
        },
        "note",
        "max_length",
    );
    refused(
        LogInput {
            note: "bell\u{7}".into(),
            ..ok_input()
        },
        "note",
        "characters",
    );
}

#[test]
fn a_session_in_the_future_is_refused() {
    // NOW is 14:00 in Oslo on 2024-06-05.
    refused(
        LogInput {
            date: "2024-06-06".into(),
            time: String::new(),
            ..ok_input()
        },
        "date",
        "not_future",
    );
    refused(
        LogInput {
            date: "2024-06-05".into(),
            time: "15:00".into(),
            ..ok_input()
        },
        "time",
        "not_future",
    );
    refused(
        LogInput {
            date: String::new(),
            time: String::new(),
            datetime: "2024-06-05T12:30:00Z".into(),
            ..ok_input()
        },
        "datetime",
        "not_future",
    );
    // Within a phone's clock drift, and today without a time, are fine.
    for (date, time) in [("2024-06-05", "14:04"), ("2024-06-05", "")] {
        assert!(
            check(&LogInput {
                date: date.into(),
                time: time.into(),
                ..ok_input()
            })
            .is_ok(),
            "{date} {time}"
        );
    }
    // Nothing given: now.
    let l = check(&LogInput {
        date: String::new(),
        time: String::new(),
        ..ok_input()
    })
    .unwrap();
    assert_eq!((l.date, l.at), (date(2024, 6, 5), Some(ts(NOW))));
}

#[test]
fn when_fields_are_checked() {
    refused(
        LogInput {
            date: "2024-02-30".into(),
            ..ok_input()
        },
        "date",
        "format",
    );
    refused(
        LogInput {
            time: "25:00".into(),
            ..ok_input()
        },
        "time",
        "format",
    );
    refused(
        LogInput {
            date: String::new(),
            ..ok_input()
        },
        "date",
        "required",
    );
    refused(
        LogInput {
            datetime: "2024-06-03T18:00".into(),
            ..ok_input()
        },
        "datetime",
        "one_of",
    );
    refused(
        LogInput {
            date: String::new(),
            time: String::new(),
            datetime: "yesterday".into(),
            ..ok_input()
        },
        "datetime",
        "format",
    );
    refused(
        LogInput {
            time_zone: "Mars/Olympus".into(),
            ..ok_input()
        },
        "time_zone",
        "iana",
    );
    assert!(matches!(
        patient_zone("Not/AZone"),
        Err(Error::Invalid(f)) if f.field == "time_zone" && f.rule == "iana"
    ));
    assert!(matches!(
        patient_zone(""),
        Err(Error::Invalid(f)) if f.rule == "required"
    ));
}

/// Validates a session given as a local datetime for a patient in `zone`.
fn day_of(zone: &str, input: LogInput, now: &str) -> SessionLog {
    let tz = patient_zone(zone).unwrap();
    input.validate(&tz, ts(now), &any_plan).unwrap()
}

fn at_local(date: &str, time: &str) -> LogInput {
    LogInput {
        date: date.into(),
        time: time.into(),
        ..ok_input()
    }
}

fn at(datetime: &str) -> LogInput {
    LogInput {
        date: String::new(),
        time: String::new(),
        datetime: datetime.into(),
        ..ok_input()
    }
}

#[test]
fn late_evening_sessions_belong_to_that_day_in_the_patients_zone() {
    const LATER: &str = "2024-12-31T00:00:00Z";
    // 23:30 on Sunday 2024-03-10 in New York is Monday 03:30 UTC: the log is
    // Sunday's, so it counts in ISO week 10, not 11.
    let l = day_of("America/New_York", at_local("2024-03-10", "23:30"), LATER);
    assert_eq!(l.date, date(2024, 3, 10));
    assert_eq!(l.at, Some(ts("2024-03-11T03:30:00Z")));
    assert_eq!(l.date.iso_week_date().week(), 10);
    // The same instant sent by another app in UTC is still Sunday for her.
    let l = day_of("America/New_York", at("2024-03-11T03:30:00Z"), LATER);
    assert_eq!(l.date, date(2024, 3, 10));
    // …and Monday for a patient in Oslo.
    let l = day_of("Europe/Oslo", at("2024-03-11T03:30:00Z"), LATER);
    assert_eq!(l.date, date(2024, 3, 11));
    // 00:30 in Oslo is the new day though it is still the day before in UTC.
    let l = day_of("Europe/Oslo", at_local("2024-06-03", "00:30"), LATER);
    assert_eq!(l.date, date(2024, 6, 3));
    assert_eq!(l.at, Some(ts("2024-06-02T22:30:00Z")));
    // A zoned datetime in another zone is converted to the patient's day.
    let l = day_of(
        "Asia/Tokyo",
        at("2024-06-02T20:00:00-04:00[America/New_York]"),
        LATER,
    );
    assert_eq!(l.date, date(2024, 6, 3));
    // A local datetime sent with the device's zone.
    let l = day_of(
        "Europe/Oslo",
        LogInput {
            time_zone: "America/New_York".into(),
            ..at("2024-06-02T23:30")
        },
        LATER,
    );
    assert_eq!(l.date, date(2024, 6, 3), "05:30 in Oslo");
    // The patient's "today" is local too.
    let tz = patient_zone("America/New_York").unwrap();
    assert_eq!(
        local_today(ts("2024-03-11T03:30:00Z"), &tz),
        date(2024, 3, 10)
    );
}

#[test]
fn daylight_saving_changes_keep_the_local_day() {
    const LATER: &str = "2024-12-31T00:00:00Z";
    // Oslo springs forward on 2024-03-31 at 02:00: 02:30 does not exist and
    // moves to 03:30, the same day.
    let l = day_of("Europe/Oslo", at_local("2024-03-31", "02:30"), LATER);
    assert_eq!(l.date, date(2024, 3, 31));
    assert_eq!(l.at, Some(ts("2024-03-31T01:30:00Z")));
    // 23:30 that evening is summer time (UTC+2): 21:30 UTC, still the 31st.
    let l = day_of("Europe/Oslo", at_local("2024-03-31", "23:30"), LATER);
    assert_eq!(l.date, date(2024, 3, 31));
    assert_eq!(l.at, Some(ts("2024-03-31T21:30:00Z")));
    // Falling back on 2024-10-27: 02:30 happens twice; the earlier is taken.
    let l = day_of("Europe/Oslo", at_local("2024-10-27", "02:30"), LATER);
    assert_eq!(l.date, date(2024, 10, 27));
    assert_eq!(l.at, Some(ts("2024-10-27T00:30:00Z")));
    // 23:30 after the change is winter time (UTC+1).
    let l = day_of("Europe/Oslo", at_local("2024-10-27", "23:30"), LATER);
    assert_eq!(l.at, Some(ts("2024-10-27T22:30:00Z")));
    assert_eq!(l.date, date(2024, 10, 27));
    // New York, spring forward 2024-03-10 at 02:00 local.
    let l = day_of("America/New_York", at_local("2024-03-10", "02:15"), LATER);
    assert_eq!(l.date, date(2024, 3, 10));
    assert_eq!(l.at, Some(ts("2024-03-10T07:15:00Z")));
    // "Now" on the night of the change: a session a minute ago is today.
    let l = day_of(
        "Europe/Oslo",
        LogInput {
            date: String::new(),
            time: String::new(),
            ..ok_input()
        },
        "2024-10-26T22:59:00Z",
    );
    assert_eq!(l.date, date(2024, 10, 27), "00:59 summer time");
}

#[test]
fn the_api_may_send_numbers_and_nulls() {
    let json = r#"{"exercise_id":"ex-a","completion":"partly","pain_before":2,
        "pain_after":3,"difficulty":4,"enjoyment":null,"minutes":12.0,
        "datetime":"2024-06-04T07:15:00+02:00"}"#;
    let input: LogInput = serde_json::from_str(json).unwrap();
    assert_eq!(input.pain_after, "3");
    assert_eq!(input.enjoyment, "");
    let l = check(&input).unwrap();
    assert_eq!(l.completion, Completion::Partly);
    assert_eq!((l.minutes, l.enjoyment), (Some(12), None));
    assert_eq!(l.date, date(2024, 6, 4));
    // A fractional rating is refused, not rounded.
    let input: LogInput =
        serde_json::from_str(r#"{"exercise_id":"ex-a","completion":"done","pain_after":3.5}"#)
            .unwrap();
    refused(input, "pain_after", "range");
    // Unknown fields are refused by serde.
    assert!(serde_json::from_str::<LogInput>(r#"{"pain":3}"#).is_err());
}

/// If a machine has no /usr/share/zoneinfo, jiff falls back on its bundled
/// copy of the time zone database (feature `tzdb-bundle-always`): the zones
/// patients live in are there.
#[test]
fn the_bundled_time_zone_database_is_available() {
    let db = TimeZoneDatabase::bundled();
    for name in [
        "Europe/Oslo",
        "America/New_York",
        "Australia/Lord_Howe",
        "UTC",
    ] {
        let tz = db.get(name).unwrap();
        let local = ts("2024-03-31T01:30:00Z").to_zoned(tz).date();
        assert!(local >= date(2024, 3, 30) && local <= date(2024, 3, 31));
    }
}
