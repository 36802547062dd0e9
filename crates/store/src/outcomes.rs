//! What the outcomes read: the scored forms of the episodes a clinic
//! discharged in a period (for its report), and the patients whose discharge
//! or six-month forms are due (for their reminder).

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_domain::access::{Action, Area};
use rapport_domain::assessment::TimePoint;
use rapport_domain::assessment::schedule::{self, DueStatus};
use rapport_domain::identity::{ClinicId, PatientId, UserId};

use crate::audit::Event;
use crate::outbox::zone_or_utc;
use crate::types::{Day, Ts};
use crate::{Actor, Result, Store, on_read};

/// One completed, scored form of a discharged episode.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredForm {
    pub time_point: TimePoint,
    pub form: String,
    pub total: Option<f64>,
    pub band: Option<String>,
    /// When it was completed (else last saved).
    pub completed_at: jiff::Timestamp,
}

/// A discharged episode with its scored forms.
#[derive(Debug, Clone, PartialEq)]
pub struct DischargedEpisode {
    pub episode_id: i64,
    pub patient_id: PatientId,
    pub discharged_on: Date,
    pub forms: Vec<ScoredForm>,
}

/// A patient whose forms of a time point are due, with where to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormsDue {
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub user_id: UserId,
    pub to_address: String,
    pub time_point: TimePoint,
    /// One reminder per episode and time point.
    pub dedupe_key: String,
}

/// Discharge and six-month forms are reminded of for this long after
/// discharge (the six-month window closes 28 days after six months).
const REMIND_WITHIN_DAYS: i64 = 7 * 31;

impl Store {
    /// The clinic's episodes discharged from `from` to `to` (both included),
    /// each with its completed forms. Counts without names: the report is
    /// audited as one read naming no patient.
    pub async fn discharged_episodes(
        &self,
        actor: &Actor,
        from: Date,
        to: Date,
    ) -> Result<Vec<DischargedEpisode>> {
        actor.require(Area::ClinicOutcomes, Action::Read)?;
        let episodes: Vec<(i64, i64, Day)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT id, patient_id, discharged_on FROM episodes \
                 WHERE clinic_id = $1 AND discharged_on IS NOT NULL AND discharged_on >= $2 AND discharged_on <= $3 \
                 ORDER BY id",
            )
            .bind(actor.clinic_id.0)
            .bind(Day::from(from))
            .bind(Day::from(to))
            .fetch_all(ex)
            .await?
        });
        #[derive(sqlx::FromRow)]
        struct Row {
            episode_id: i64,
            time_point: String,
            form: String,
            total: Option<f64>,
            band: Option<String>,
            completed_at: Option<Ts>,
            updated_at: Ts,
        }
        let rows: Vec<Row> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT f.episode_id, f.time_point, f.form, f.total, f.band, f.completed_at, f.updated_at \
                 FROM form_responses f JOIN episodes e ON e.id = f.episode_id AND e.clinic_id = f.clinic_id \
                 WHERE f.clinic_id = $1 AND f.complete AND e.discharged_on IS NOT NULL \
                 AND e.discharged_on >= $2 AND e.discharged_on <= $3 AND f.form NOT IN ('intake', 'red_flags') \
                 ORDER BY f.episode_id, f.id",
            )
            .bind(actor.clinic_id.0)
            .bind(Day::from(from))
            .bind(Day::from(to))
            .fetch_all(ex)
            .await?
        });
        let mut forms: HashMap<i64, Vec<ScoredForm>> = HashMap::new();
        for r in rows {
            let Some(tp) = TimePoint::parse(&r.time_point) else {
                continue;
            };
            let completed_at = r.completed_at.unwrap_or(r.updated_at).0;
            forms.entry(r.episode_id).or_default().push(ScoredForm {
                time_point: tp,
                form: r.form,
                total: r.total,
                band: r.band,
                completed_at,
            });
        }
        self.audit_record(
            actor,
            &Event::new("outcomes.report", "clinic")
                .detail(format!("from={from} to={to} episodes={}", episodes.len())),
        )
        .await?;
        Ok(episodes
            .into_iter()
            .map(|(id, patient, day)| DischargedEpisode {
                episode_id: id,
                patient_id: PatientId(patient),
                discharged_on: day.to_jiff(),
                forms: forms.remove(&id).unwrap_or_default(),
            })
            .collect())
    }

    /// Patients with an active account and an e-mail whose discharge forms,
    /// or six-month forms, are due or overdue on their clinic's today at
    /// `now` and not all done, and who have not had that reminder queued.
    pub async fn forms_reminders_due(&self, now: Timestamp) -> Result<Vec<FormsDue>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            clinic_id: i64,
            clinic_zone: String,
            episode_id: i64,
            patient_id: i64,
            user_id: i64,
            email: String,
            opened_on: Day,
            discharged_on: Day,
        }
        let earliest = now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .checked_sub(jiff::Span::new().days(REMIND_WITHIN_DAYS))
            .unwrap_or(Date::MIN);
        let rows: Vec<Row> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT p.clinic_id, c.time_zone AS clinic_zone, e.id AS episode_id, p.id AS patient_id, \
                 u.id AS user_id, u.email, e.opened_on, e.discharged_on \
                 FROM episodes e \
                 JOIN patients p ON p.id = e.patient_id AND p.clinic_id = e.clinic_id \
                 JOIN clinics c ON c.id = p.clinic_id \
                 JOIN users u ON u.patient_id = p.id AND u.clinic_id = p.clinic_id AND u.role = 'patient' AND u.active \
                 WHERE e.discharged_on IS NOT NULL AND e.discharged_on >= $1 \
                 ORDER BY e.id",
            )
            .bind(Day::from(earliest))
            .fetch_all(ex)
            .await?
        });
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let done: Vec<(i64, String, String)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT f.episode_id, f.time_point, f.form FROM form_responses f \
                 JOIN episodes e ON e.id = f.episode_id \
                 WHERE f.complete AND e.discharged_on IS NOT NULL AND e.discharged_on >= $1",
            )
            .bind(Day::from(earliest))
            .fetch_all(ex)
            .await?
        });
        let mut by_episode: HashMap<i64, Vec<(TimePoint, String)>> = HashMap::new();
        for (episode, tp, form) in done {
            if let Some(tp) = TimePoint::parse(&tp) {
                by_episode.entry(episode).or_default().push((tp, form));
            }
        }
        let mut due = Vec::new();
        for r in rows {
            if r.email.trim().is_empty() {
                continue;
            }
            let today = now.to_zoned(zone_or_utc(&r.clinic_zone)).date();
            let forms = by_episode.get(&r.episode_id);
            let is_done = |tp: TimePoint, key: &str| {
                forms.is_some_and(|f| f.iter().any(|(t, k)| *t == tp && k == key))
            };
            for item in schedule::schedule(
                r.opened_on.to_jiff(),
                Some(r.discharged_on.to_jiff()),
                None,
                &is_done,
                today,
            ) {
                if !matches!(item.time_point, TimePoint::Discharge | TimePoint::SixMonths)
                    || !matches!(item.status, DueStatus::Due | DueStatus::Overdue)
                {
                    continue;
                }
                due.push(FormsDue {
                    clinic_id: ClinicId(r.clinic_id),
                    patient_id: PatientId(r.patient_id),
                    user_id: UserId(r.user_id),
                    to_address: r.email.clone(),
                    time_point: item.time_point,
                    dedupe_key: format!("forms:{}:{}", r.episode_id, item.time_point.as_str()),
                });
            }
        }
        let keys: Vec<String> = due.iter().map(|d| d.dedupe_key.clone()).collect();
        let queued = self.outbox_keys_queued(&keys).await?;
        due.retain(|d| !queued.contains(&d.dedupe_key));
        Ok(due)
    }
}
