//! Mail waiting to be sent: reminders to patients and follow-up notices to
//! clinicians. A background scheduler enqueues and delivers; this module
//! keeps the rules that make delivery safe to repeat.
//!
//! - **Queued once.** Every mail has a `dedupe_key` (e.g.
//!   `reminder:{patient}:{local date}`), unique in the table; enqueueing the
//!   same key again does nothing, however often or from however many servers
//!   the scheduler runs.
//! - **Claimed before sending.** [`Store::outbox_claim_due`] marks due rows
//!   `sending` with `claimed_until = now + OUTBOX_CLAIM` in one statement, so
//!   two workers never hold the same row. A claim that lapses (its worker
//!   died) makes the row due again.
//! - **Marked by the claim holder only.** [`Store::outbox_sent`] and
//!   [`Store::outbox_failed`] take the claim they were given and change
//!   nothing if it is no longer the row's claim.
//! - **Back-off.** A failed attempt waits 1, 2, 4, 8 … minutes (at most
//!   [`OUTBOX_BACKOFF_MAX`]) before the next; after [`OUTBOX_MAX_ATTEMPTS`]
//!   the row is `failed` for good.
//!
//! The one window for a duplicate: a worker that crashes after the SMTP
//! server accepted a message but before [`Store::outbox_sent`] committed. The
//! claim lapses and the mail is sent again (at-least-once). In normal
//! operation — an SMTP attempt bounded well below the claim — nothing is
//! sent twice.

use rapport_domain::access::{Action, Area};
use std::time::Duration;

use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};
use rapport_domain::identity::{ClinicId, PatientId, UserId};
use serde::Serialize;

use crate::audit::Event;
use crate::preferences::stored_time;
use crate::types::{Day, Ts};
use crate::{Actor, DbKind, Result, Store, in_tx, on_read};

/// How long a claim lasts: far longer than one SMTP attempt may take.
pub const OUTBOX_CLAIM: Duration = Duration::from_secs(5 * 60);
/// The wait after the first failed attempt; it doubles with each failure.
pub const OUTBOX_BACKOFF_BASE: Duration = Duration::from_secs(60);
/// The longest wait between attempts.
pub const OUTBOX_BACKOFF_MAX: Duration = Duration::from_secs(60 * 60);
/// Attempts before a mail is given up (`failed`).
pub const OUTBOX_MAX_ATTEMPTS: i32 = 8;
/// A reminder is not sent more than this long after the chosen time (e.g.
/// after the server was down all evening): a late-night reminder helps no one.
pub const REMINDER_LATEST_AFTER: Duration = Duration::from_secs(3 * 60 * 60);

/// The wait before the next attempt after `attempts` failed ones (1-based).
pub fn outbox_backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(0);
    OUTBOX_BACKOFF_BASE
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(OUTBOX_BACKOFF_MAX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    Reminder,
    FollowUpDue,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Reminder => "reminder",
            MailKind::FollowUpDue => "follow_up_due",
        }
    }
    fn parse(s: &str) -> MailKind {
        if s == "reminder" {
            MailKind::Reminder
        } else {
            MailKind::FollowUpDue
        }
    }
}

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub clinic_id: ClinicId,
    pub kind: MailKind,
    pub dedupe_key: String,
    pub user_id: Option<UserId>,
    pub patient_id: Option<PatientId>,
    pub to_address: String,
    pub subject: String,
    pub body: String,
}

/// A row of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMail {
    pub id: i64,
    pub clinic_id: ClinicId,
    pub kind: MailKind,
    pub dedupe_key: String,
    pub user_id: Option<UserId>,
    pub patient_id: Option<PatientId>,
    pub to_address: String,
    pub subject: String,
    #[serde(skip)]
    pub body: String,
    /// `pending`, `sending`, `sent`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    /// The claim of the worker sending it, while `sending`.
    pub claimed_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    clinic_id: i64,
    kind: String,
    dedupe_key: String,
    user_id: Option<i64>,
    patient_id: Option<i64>,
    to_address: String,
    subject: String,
    body: String,
    status: String,
    attempts: i32,
    next_attempt_at: Ts,
    claimed_until: Option<Ts>,
    last_error: Option<String>,
    created_at: Ts,
    sent_at: Option<Ts>,
}

impl From<OutboxRow> for OutboxMail {
    fn from(r: OutboxRow) -> Self {
        OutboxMail {
            id: r.id,
            clinic_id: ClinicId(r.clinic_id),
            kind: MailKind::parse(&r.kind),
            dedupe_key: r.dedupe_key,
            user_id: r.user_id.map(UserId),
            patient_id: r.patient_id.map(PatientId),
            to_address: r.to_address,
            subject: r.subject,
            body: r.body,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at.0,
            claimed_until: r.claimed_until.map(|t| t.0),
            last_error: r.last_error,
            created_at: r.created_at.0,
            sent_at: r.sent_at.map(|t| t.0),
        }
    }
}

macro_rules! outbox_columns {
    () => {
        "id, clinic_id, kind, dedupe_key, user_id, patient_id, to_address, subject, body, status, attempts, \
         next_attempt_at, claimed_until, last_error, created_at, sent_at"
    };
}

/// A patient due a reminder now: what the scheduler needs to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderDue {
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub user_id: UserId,
    pub to_address: String,
    /// The patient's local date today: the reminder is for this day.
    pub local_date: Date,
    /// `reminder:{patient_id}:{local_date}`.
    pub dedupe_key: String,
}

/// A clinician to tell that a follow-up contact with a patient is due.
/// Produced by the caseload triage; `reason` says why for the producer's
/// own records and is never put in a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueContact {
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    /// The episode the contact belongs to, when known; the notice's key
    /// names it (else the patient).
    pub episode_id: Option<i64>,
    pub user_id: UserId,
    pub to_address: String,
    pub due: Date,
    pub reason: String,
}

impl DueContact {
    /// `follow_up:{episode or p<patient>}:{due}:{user}`.
    pub fn dedupe_key(&self) -> String {
        let subject = match self.episode_id {
            Some(e) => e.to_string(),
            None => format!("p{}", self.patient_id.0),
        };
        format!("follow_up:{subject}:{}:{}", self.due, self.user_id.0)
    }
}

#[derive(sqlx::FromRow)]
struct ReminderRow {
    clinic_id: i64,
    patient_id: i64,
    user_id: i64,
    email: String,
    time_zone: Option<String>,
    clinic_zone: String,
    reminder_time: Option<String>,
    last_log: Option<Day>,
}

/// A stored zone name as a zone; UTC when it is not a known zone (stored
/// names were checked when written).
pub(crate) fn zone_or_utc(name: &str) -> TimeZone {
    rapport_domain::monitoring::patient_zone(name).unwrap_or(TimeZone::UTC)
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl Store {
    /// Queues a mail unless one with its key was ever queued; answers
    /// whether it was queued now.
    pub async fn outbox_enqueue(&self, mail: &NewMail, now: Timestamp) -> Result<bool> {
        Ok(self
            .outbox_enqueue_all(std::slice::from_ref(mail), now)
            .await?
            == 1)
    }

    /// Queues many mails in one transaction; answers how many were new.
    pub async fn outbox_enqueue_all(&self, mails: &[NewMail], now: Timestamp) -> Result<u64> {
        if mails.is_empty() {
            return Ok(0);
        }
        let now = Ts(now);
        let n = in_tx!(self, |tx| {
            let mut n = 0;
            for mail in mails {
                n += sqlx::query(
                    "INSERT INTO outbox (clinic_id, kind, dedupe_key, user_id, patient_id, to_address, subject, body, \
                     status, attempts, next_attempt_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9) ON CONFLICT (dedupe_key) DO NOTHING",
                )
                .bind(mail.clinic_id.0)
                .bind(mail.kind.as_str())
                .bind(&mail.dedupe_key)
                .bind(mail.user_id.map(|u| u.0))
                .bind(mail.patient_id.map(|p| p.0))
                .bind(&mail.to_address)
                .bind(&mail.subject)
                .bind(&mail.body)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            n
        });
        Ok(n)
    }

    /// Claims up to `limit` mails due at `now` — pending ones whose next
    /// attempt has come, and ones whose claim has lapsed — marking them
    /// `sending` until `now + OUTBOX_CLAIM`. Oldest due first.
    pub async fn outbox_claim_due(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxMail>> {
        let now = Ts(now);
        let until = now.plus(OUTBOX_CLAIM);
        // PostgreSQL: skip rows another worker is claiming right now. SQLite
        // has one writer, so the statement is already alone.
        let sql = match self.kind() {
            DbKind::Postgres => concat!(
                "UPDATE outbox SET status = 'sending', claimed_until = $2 WHERE id IN (",
                "SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= $1) ",
                "OR (status = 'sending' AND claimed_until <= $1) ",
                "ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING ",
                outbox_columns!()
            ),
            DbKind::Sqlite => concat!(
                "UPDATE outbox SET status = 'sending', claimed_until = $2 WHERE id IN (",
                "SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= $1) ",
                "OR (status = 'sending' AND claimed_until <= $1) ",
                "ORDER BY next_attempt_at, id LIMIT $3) RETURNING ",
                outbox_columns!()
            ),
        };
        let rows: Vec<OutboxRow> = in_tx!(self, |tx| {
            sqlx::query_as(sql)
                .bind(now)
                .bind(until)
                .bind(i64::from(limit.clamp(1, 1000)))
                .fetch_all(&mut *tx)
                .await?
        });
        let mut mails: Vec<OutboxMail> = rows.into_iter().map(OutboxMail::from).collect();
        mails.sort_by_key(|m| (m.next_attempt_at, m.id));
        Ok(mails)
    }

    /// Marks a claimed mail sent. `claim` is the `claimed_until` the claim
    /// returned; answers false (and changes nothing) if the row is no longer
    /// held by that claim.
    pub async fn outbox_sent(&self, mail: &OutboxMail, now: Timestamp) -> Result<bool> {
        let Some(claim) = mail.claimed_until else {
            return Ok(false);
        };
        let n = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL \
                 WHERE id = $2 AND status = 'sending' AND claimed_until = $3",
            )
            .bind(Ts(now))
            .bind(mail.id)
            .bind(Ts(claim))
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Records a failed attempt of a claimed mail: one more attempt, and the
    /// next after the back-off, or `failed` after the last. Answers the
    /// row's new status (`None` if the claim was no longer held).
    pub async fn outbox_failed(
        &self,
        mail: &OutboxMail,
        error: &str,
        now: Timestamp,
    ) -> Result<Option<String>> {
        let Some(claim) = mail.claimed_until else {
            return Ok(None);
        };
        let attempts = mail.attempts.saturating_add(1);
        let status = if attempts >= OUTBOX_MAX_ATTEMPTS {
            "failed"
        } else {
            "pending"
        };
        let next = Ts(now).plus(outbox_backoff(attempts));
        let n = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, claimed_until = NULL, last_error = $4 \
                 WHERE id = $5 AND status = 'sending' AND claimed_until = $6",
            )
            .bind(status)
            .bind(attempts)
            .bind(next)
            .bind(truncate(error, 500))
            .bind(mail.id)
            .bind(Ts(claim))
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok((n == 1).then(|| status.to_string()))
    }

    /// The outbox of the administrator's clinic, newest first. Reading it is
    /// audited (it names patients' and clinicians' addresses).
    pub async fn outbox_list(&self, actor: &Actor, limit: u32) -> Result<Vec<OutboxMail>> {
        actor.require(Area::AuditLog, Action::Read)?;
        let sql = concat!(
            "SELECT ",
            outbox_columns!(),
            " FROM outbox WHERE clinic_id = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows: Vec<OutboxRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(actor.clinic_id.0)
                .bind(i64::from(limit.clamp(1, 1000)))
                .fetch_all(ex)
                .await?
        });
        self.audit_record(
            actor,
            &Event::new("outbox.read", "outbox").detail(format!("rows={}", rows.len())),
        )
        .await?;
        Ok(rows.into_iter().map(OutboxMail::from).collect())
    }

    /// Every mail of every clinic, oldest first: for operators and tests.
    pub async fn outbox_all(&self) -> Result<Vec<OutboxMail>> {
        let sql = concat!("SELECT ", outbox_columns!(), " FROM outbox ORDER BY id");
        let rows: Vec<OutboxRow> = on_read!(self, |ex| sqlx::query_as(sql).fetch_all(ex).await?);
        Ok(rows.into_iter().map(OutboxMail::from).collect())
    }

    /// The patients due a reminder at `now`: reminders on (no preferences =
    /// on), an active patient account with an e-mail, an open episode with a
    /// prescription and exercise not held back by red flags; whose local time
    /// today (in their own zone, else their clinic's) has passed their
    /// reminder time by less than [`REMINDER_LATEST_AFTER`]; who have not
    /// logged a session today and have not had today's reminder queued.
    pub async fn reminders_due(&self, now: Timestamp) -> Result<Vec<ReminderDue>> {
        let rows: Vec<ReminderRow> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT p.clinic_id, p.id AS patient_id, u.id AS user_id, u.email, pp.time_zone, \
                 c.time_zone AS clinic_zone, pp.reminder_time, \
                 (SELECT MAX(s.log_date) FROM session_logs s WHERE s.episode_id = e.id) AS last_log \
                 FROM patients p \
                 JOIN clinics c ON c.id = p.clinic_id \
                 JOIN users u ON u.patient_id = p.id AND u.clinic_id = p.clinic_id AND u.role = 'patient' AND u.active \
                 JOIN episodes e ON e.patient_id = p.id AND e.clinic_id = p.clinic_id AND e.discharged_on IS NULL \
                     AND e.red_flag IN ('clear', 'cleared') \
                 JOIN prescriptions pr ON pr.episode_id = e.id \
                 LEFT JOIN patient_preferences pp ON pp.patient_id = p.id \
                 WHERE (pp.reminders_on IS NULL OR pp.reminders_on) \
                 ORDER BY p.id",
            )
            .fetch_all(ex)
            .await?
        });
        let late = jiff::SignedDuration::try_from(REMINDER_LATEST_AFTER)
            .unwrap_or(jiff::SignedDuration::ZERO);
        let mut due = Vec::new();
        for r in rows {
            if r.email.trim().is_empty() {
                continue;
            }
            let zone = zone_or_utc(r.time_zone.as_deref().unwrap_or(&r.clinic_zone));
            let local = now.to_zoned(zone.clone());
            let today = local.date();
            let at = stored_time(r.reminder_time.as_deref());
            // The reminder instant today on the patient's clock (a time that
            // a clock change skips comes just after the gap).
            let Ok(when) = today.to_datetime(at).to_zoned(zone) else {
                continue;
            };
            let since = now.duration_since(when.timestamp());
            if since < jiff::SignedDuration::ZERO || since > late {
                continue;
            }
            if r.last_log.is_some_and(|d| d.to_jiff() >= today) {
                continue;
            }
            let key = format!("reminder:{}:{today}", r.patient_id);
            due.push(ReminderDue {
                clinic_id: ClinicId(r.clinic_id),
                patient_id: PatientId(r.patient_id),
                user_id: UserId(r.user_id),
                to_address: r.email,
                local_date: today,
                dedupe_key: key,
            });
        }
        // Leave out the reminders already queued, by their unique key.
        let keys: Vec<String> = due.iter().map(|d| d.dedupe_key.clone()).collect();
        let queued = self.outbox_keys_queued(&keys).await?;
        due.retain(|d| !queued.contains(&d.dedupe_key));
        Ok(due)
    }

    /// Queues a notice to each clinician of `contacts` (once per key), with
    /// the patient's initials only. `text` writes subject and body from the
    /// contact and the initials (the caller knows the public address for the
    /// link; nothing clinical goes in). Contacts whose patient is not in the named
    /// clinic are skipped. Answers how many were queued now.
    pub async fn enqueue_follow_up_notices(
        &self,
        contacts: &[DueContact],
        now: Timestamp,
        text: impl Fn(&DueContact, &str) -> (String, String),
    ) -> Result<u64> {
        let mut mails = Vec::with_capacity(contacts.len());
        for c in contacts {
            let names: Option<(String, String)> = on_read!(self, |ex| {
                sqlx::query_as(
                    "SELECT given_name, family_name FROM patients WHERE id = $1 AND clinic_id = $2",
                )
                .bind(c.patient_id.0)
                .bind(c.clinic_id.0)
                .fetch_optional(ex)
                .await?
            });
            let Some((given, family)) = names else {
                continue;
            };
            let (subject, body) = text(c, &initials(&given, &family));
            mails.push(NewMail {
                clinic_id: c.clinic_id,
                kind: MailKind::FollowUpDue,
                dedupe_key: c.dedupe_key(),
                user_id: Some(c.user_id),
                patient_id: Some(c.patient_id),
                to_address: c.to_address.clone(),
                subject,
                body,
            });
        }
        self.outbox_enqueue_all(&mails, now).await
    }
}

/// `Kari Nordmann` → `K.N.`; a blank name part is left out.
pub fn initials(given: &str, family: &str) -> String {
    [given, family]
        .iter()
        .filter_map(|n| n.trim().chars().next())
        .flat_map(|c| c.to_uppercase().chain(std::iter::once('.')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_caps() {
        let mins = |n| outbox_backoff(n).as_secs() / 60;
        assert_eq!(
            (1..=8).map(mins).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32, 60, 60]
        );
        assert_eq!(mins(0), 1);
        assert_eq!(mins(i32::MAX), 60);
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Kari", "Nordmann"), "K.N.");
        assert_eq!(initials(" øystein", "Ås"), "Ø.Å.");
        assert_eq!(initials("", "Berg"), "B.");
    }
}
