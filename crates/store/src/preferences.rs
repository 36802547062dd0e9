//! A patient's own choices for reminders: the time zone their calendar runs
//! in (their clinic's unless they chose one), the time of day a reminder may
//! come, and whether reminders come at all. No row means the defaults:
//! the clinic's zone, 18:00, reminders on.
//!
//! A patient reads and changes their own; a clinician of the clinic may do
//! it with them. Both are audited.

use jiff::civil::Time;
use rapport_domain::FieldError;
use rapport_domain::access::{Action, Area};
use rapport_domain::identity::PatientId;
use serde::Serialize;

use crate::audit::{Event, audit_insert};
use crate::clinics::time_zone_name;
use crate::types::Ts;
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

/// The time a reminder comes when the patient has not chosen one.
pub const DEFAULT_REMINDER_TIME: Time = Time::constant(18, 0, 0, 0);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preferences {
    pub patient_id: PatientId,
    /// The zone the patient chose; `None` = their clinic's.
    pub time_zone: Option<String>,
    /// The zone in force: the patient's, or else the clinic's.
    pub effective_time_zone: String,
    /// When in the day (on the patient's clock) a reminder may come.
    pub reminder_time: Time,
    pub reminders_on: bool,
}

/// Preferences as typed in a form or sent by an app. Every field is text
/// so that an error can name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PreferencesInput {
    /// An IANA zone such as `Europe/Oslo`; empty = the clinic's.
    pub time_zone: String,
    /// `HH:MM`, 24-hour clock.
    pub reminder_time: String,
    pub reminders_on: bool,
}

/// `HH:MM` (24-hour) to a time of day; anything else is refused naming the field.
pub fn parse_reminder_time(raw: &str) -> Result<Time> {
    let bad = || {
        StoreError::Invalid(FieldError::new(
            "reminder_time",
            "format",
            "must be a time of day as HH:MM on a 24-hour clock, e.g. 18:00",
        ))
    };
    let s = raw.trim();
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

/// A time of day as stored: `HH:MM`.
pub(crate) fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A stored `HH:MM`, falling back to the default if unreadable.
pub(crate) fn stored_time(raw: Option<&str>) -> Time {
    raw.and_then(|s| parse_reminder_time(s).ok())
        .unwrap_or(DEFAULT_REMINDER_TIME)
}

#[derive(sqlx::FromRow)]
struct PrefRow {
    clinic_zone: String,
    time_zone: Option<String>,
    reminder_time: Option<String>,
    reminders_on: Option<bool>,
}

const PREFS_SELECT: &str = "SELECT c.time_zone AS clinic_zone, pp.time_zone, pp.reminder_time, pp.reminders_on \
     FROM patients p JOIN clinics c ON c.id = p.clinic_id \
     LEFT JOIN patient_preferences pp ON pp.patient_id = p.id \
     WHERE p.id = $1 AND p.clinic_id = $2";

fn preferences(patient: PatientId, row: PrefRow) -> Preferences {
    Preferences {
        patient_id: patient,
        effective_time_zone: row
            .time_zone
            .clone()
            .unwrap_or_else(|| row.clinic_zone.clone()),
        time_zone: row.time_zone,
        reminder_time: stored_time(row.reminder_time.as_deref()),
        reminders_on: row.reminders_on.unwrap_or(true),
    }
}

impl Store {
    /// A patient's reminder choices, with the defaults filled in.
    pub async fn preferences(&self, actor: &Actor, patient: PatientId) -> Result<Preferences> {
        let result = self.preferences_inner(actor, patient).await;
        self.audited(actor, "preferences.read", Some(patient), result)
            .await
    }

    async fn preferences_inner(&self, actor: &Actor, patient: PatientId) -> Result<Preferences> {
        actor.require_for(patient, Area::PatientReports, Action::Read)?;
        let row: Option<PrefRow> = on_read!(self, |ex| {
            sqlx::query_as(PREFS_SELECT)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(ex)
                .await?
        });
        let prefs = preferences(patient, row.ok_or(StoreError::NotFound)?);
        self.audit_record(
            actor,
            &Event::new("preferences.read", "patient_preferences").patient(patient.0),
        )
        .await?;
        Ok(prefs)
    }

    /// Saves a patient's reminder choices. Turning reminders off also
    /// cancels any reminder still waiting in the outbox.
    pub async fn preferences_set(
        &self,
        actor: &Actor,
        patient: PatientId,
        input: &PreferencesInput,
    ) -> Result<Preferences> {
        let result = self.preferences_set_inner(actor, patient, input).await;
        self.audited(actor, "preferences.update", Some(patient), result)
            .await
    }

    async fn preferences_set_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        input: &PreferencesInput,
    ) -> Result<Preferences> {
        actor.require_for(patient, Area::PatientReports, Action::Write)?;
        let zone = match input.time_zone.trim() {
            "" => None,
            z => Some(time_zone_name(z)?),
        };
        let time = parse_reminder_time(&input.reminder_time)?;
        let row: PrefRow = in_tx!(self, |tx| {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2")
                    .bind(patient.0)
                    .bind(actor.clinic_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO patient_preferences (patient_id, clinic_id, time_zone, reminder_time, reminders_on, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (patient_id) DO UPDATE SET \
                 time_zone = excluded.time_zone, reminder_time = excluded.reminder_time, \
                 reminders_on = excluded.reminders_on, updated_at = excluded.updated_at",
            )
            .bind(patient.0)
            .bind(actor.clinic_id.0)
            .bind(zone.as_deref())
            .bind(hhmm(time))
            .bind(input.reminders_on)
            .bind(Ts::now())
            .execute(&mut *tx)
            .await?;
            let mut cancelled = 0;
            if !input.reminders_on {
                cancelled = sqlx::query(
                    "UPDATE outbox SET status = 'cancelled', claimed_until = NULL \
                     WHERE patient_id = $1 AND clinic_id = $2 AND kind = 'reminder' AND status = 'pending'",
                )
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            let event = Event::new("preferences.update", "patient_preferences")
                .patient(patient.0)
                .detail(format!(
                    "time_zone={} reminder_time={} reminders_on={} cancelled={cancelled}",
                    zone.as_deref().unwrap_or("clinic"),
                    hhmm(time),
                    input.reminders_on
                ));
            audit_insert!(&mut *tx, actor, &event);
            let row: PrefRow = sqlx::query_as(PREFS_SELECT)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_one(&mut *tx)
                .await?;
            row
        });
        Ok(preferences(patient, row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_times_are_hh_mm() {
        assert_eq!(
            parse_reminder_time("18:00").ok(),
            Some(Time::constant(18, 0, 0, 0))
        );
        assert_eq!(
            parse_reminder_time(" 7:05 ").ok(),
            Some(Time::constant(7, 5, 0, 0))
        );
        for bad in [
            "", "18", "24:00", "18:60", "18:0", "6pm", "18:00:00", "-1:00", "+1:00",
        ] {
            match parse_reminder_time(bad) {
                Err(StoreError::Invalid(f)) => {
                    assert_eq!(
                        (f.field.as_str(), f.rule.as_str()),
                        ("reminder_time", "format")
                    )
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        assert_eq!(hhmm(Time::constant(7, 5, 0, 0)), "07:05");
    }
}
