//! Reminders to patients and follow-up notices to clinicians, by mail.
//!
//! A scheduler task ([`spawn_scheduler`]) calls [`tick`] every interval:
//! 1. patients due a reminder now ([`Store::reminders_due`]) get one queued
//!    in the outbox, keyed `reminder:{patient}:{local date}`, and patients
//!    whose discharge or six-month questionnaires are due
//!    ([`Store::forms_reminders_due`]) one per time point, keyed
//!    `forms:{episode}:{time point}`;
//! 2. the clinicians named by [`TriageDueContacts`], the caseload triage's
//!    next contact by rule —
//!    get a follow-up notice queued, keyed `follow_up:{episode}:{due date}:{user}`;
//! 3. due mail is claimed and sent over SMTP; each result is recorded
//!    against the claim (sent, or failed with back-off).
//!
//! Queueing is idempotent (unique keys), and a row is only sent while this
//! worker holds its claim; see `rapport_store::outbox` for the one
//! at-least-once edge (a crash between the SMTP server's "250 OK" and the
//! commit that marks the row sent).
//!
//! Mail says no more than "you have exercises planned today" or "a
//! follow-up with patient K.N. is due", with a link. Logs name outbox ids,
//! never addresses, message text or the SMTP password.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rapport_care::{Care, CareError};
use rapport_domain::assessment::TimePoint;
use rapport_store::{DueContact, FormsDue, MailKind, NewMail, OutboxMail, StoreError};

use crate::AppState;

/// How long one SMTP attempt may take: far below the outbox claim
/// (`rapport_store::OUTBOX_CLAIM`), so a claim never lapses mid-attempt.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Mails claimed per batch.
const BATCH: u32 = 50;
/// Batches per tick at most, so one tick cannot run for ever.
const MAX_BATCHES: usize = 20;

/// How to reach the mail server, from `rapport serve`'s flags.
#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, e.g. a relay on localhost), `smtp://host?tls=required`
    /// (STARTTLS) or `smtps://host` (TLS); a user name may be given as `smtp://user@host`.
    pub smtp_url: String,
    /// The SMTP password (from `RAPPORT_SMTP_PASSWORD`); never logged.
    pub password: Option<String>,
    /// The sender, e.g. `Rapport <rapport@clinic.example>`.
    pub from: String,
    /// The address links in mail point at, e.g. `https://rapport.clinic.example`.
    pub link_base: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &rapport_store::redact_url(&self.smtp_url))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("link_base", &self.link_base)
            .finish()
    }
}

/// The SMTP transport and what every mail carries.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    link_base: String,
    /// The URL without any password, for logs.
    pub server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish()
    }
}

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("--smtp-url: {0}")]
    Url(String),
    #[error("--mail-from: `{0}` is not a mail address (e.g. Rapport <rapport@clinic.example>)")]
    From(String),
}

/// The user name in `scheme://user[:pass]@host…`, if any.
fn url_user(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = rest.split(['/', '?']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let user = userinfo.split(':').next()?;
    (!user.is_empty()).then(|| user.to_string())
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailSetupError> {
        let server = rapport_store::redact_url(&settings.smtp_url);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            // lettre's message can quote the URL; say only what is wrong with it.
            .map_err(|_| {
                MailSetupError::Url(format!(
                    "`{server}` is not a usable SMTP URL (smtp://host:port, smtp://host?tls=required or smtps://host)"
                ))
            })?
            .timeout(Some(SMTP_TIMEOUT));
        if let (Some(user), Some(password)) = (url_user(&settings.smtp_url), &settings.password) {
            builder = builder.credentials(Credentials::new(user, password.clone()));
        }
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| MailSetupError::From(settings.from.clone()))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
            link_base: settings.link_base.trim_end_matches('/').to_string(),
            server,
        })
    }

    /// Sends one mail; the error is the server's answer or what went wrong.
    async fn send(&self, mail: &OutboxMail) -> Result<(), String> {
        let to: Mailbox = mail
            .to_address
            .parse()
            .map_err(|_| "the recipient is not a mail address".to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn reminder(&self) -> (String, String) {
        let base = &self.link_base;
        (
            "Your exercises for today".to_string(),
            format!(
                "Hello,\n\nYou have exercises planned today. When you have done them, you can log your session here:\n\
                 {base}/me/plan\n\n\
                 To change the time of these reminders, or to turn them off:\n{base}/me/reminders\n\n\
                 Rapport\n"
            ),
        )
    }

    fn forms_reminder(&self, due: &FormsDue) -> (String, String) {
        let base = &self.link_base;
        let when = match due.time_point {
            TimePoint::SixMonths => "six months after your treatment",
            _ => "at the end of your treatment",
        };
        (
            "Your questionnaires are ready".to_string(),
            format!(
                "Hello,\n\nA few short questionnaires {when} are ready for you. They help you and your physiotherapist \
                 see what has changed since you started:\n{base}/me/forms/{tp}\n\n\
                 Rapport\n",
                tp = due.time_point.as_str()
            ),
        )
    }

    fn notice(&self, contact: &DueContact, initials: &str) -> (String, String) {
        let base = &self.link_base;
        (
            "A follow-up is due".to_string(),
            format!(
                "A follow-up with patient {initials} is due ({due}).\n\n\
                 Open the patient in Rapport:\n{base}/patients/{patient}\n\n\
                 Rapport\n",
                due = contact.due,
                patient = contact.patient_id.0
            ),
        )
    }
}

/// The least time between two triage runs for notices. A due date is a
/// calendar day, and a run reads every active episode (and audits that read
/// per clinic), so the scheduler's default round of a minute is far more
/// often than notices need; a quarter of an hour still tells a clinician the
/// same morning.
pub const TRIAGE_EVERY: Duration = Duration::from_secs(15 * 60);

/// Follow-up notices from the caseload triage: every active episode whose
/// next contact by rule — the one `/caseload` shows: sooner for high risk,
/// low self-efficacy or a new urgent or attention flag, later when all is
/// well — falls on or before the patient's local today. The notice's date
/// is the date the rule gave ([`NextContact::rule_date`]), which stays put
/// while the contact is overdue, so each episode gets one notice per due
/// date; a new date (a contact recorded, a new flag bringing it forward) is
/// a new notice. It goes to the clinician who recorded the latest follow-up,
/// else to the one who made the latest version of the plan
/// ([`Store::follow_up_recipients`]); an episode with neither has no
/// clinician of record and no notice.
///
/// [`NextContact::rule_date`]: rapport_domain::monitoring::NextContact::rule_date
pub struct TriageDueContacts {
    /// When the last run that succeeded began.
    last_run: Mutex<Option<Timestamp>>,
}

impl Default for TriageDueContacts {
    fn default() -> Self {
        Self::new()
    }
}

impl TriageDueContacts {
    /// Runs at most every [`TRIAGE_EVERY`].
    pub fn new() -> Self {
        TriageDueContacts {
            last_run: Mutex::new(None),
        }
    }

    /// Whether a run at `now` would be too soon after the last one. A clock
    /// that went back runs again rather than waiting.
    fn too_soon(&self, now: Timestamp) -> bool {
        let last = *self.last_run.lock().unwrap_or_else(|e| e.into_inner());
        last.is_some_and(|last| {
            let since = now.duration_since(last);
            since >= jiff::SignedDuration::ZERO && since.unsigned_abs() < TRIAGE_EVERY
        })
    }

    async fn find(&self, care: &Care, now: Timestamp) -> Result<Vec<DueContact>, StoreError> {
        if self.too_soon(now) {
            return Ok(Vec::new());
        }
        let contacts = care.due_contacts(now).await.map_err(|e| match e {
            CareError::Store(e) => e,
            other => StoreError::Conflict(other.to_string()),
        })?;
        *self.last_run.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
        Ok(contacts)
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub reminders_queued: u64,
    pub notices_queued: u64,
    pub sent: usize,
    pub failed: usize,
}

/// One round of the scheduler at `now`: queue what is due, then deliver
/// what is due. Without a mailer (no `--smtp-url`) it does nothing. Public
/// so that tests can drive it with a clock of their choosing.
pub async fn tick(state: &AppState, now: Timestamp) -> Result<TickReport, StoreError> {
    let Some(mailer) = state.mail.as_deref() else {
        return Ok(TickReport::default());
    };
    let store = &state.store;
    let mut report = TickReport::default();

    // Queueing errors are logged and delivery still runs.
    match store.reminders_due(now).await {
        Ok(due) => {
            let (subject, body) = mailer.reminder();
            let mails: Vec<NewMail> = due
                .into_iter()
                .map(|r| NewMail {
                    clinic_id: r.clinic_id,
                    kind: MailKind::Reminder,
                    dedupe_key: r.dedupe_key,
                    user_id: Some(r.user_id),
                    patient_id: Some(r.patient_id),
                    to_address: r.to_address,
                    subject: subject.clone(),
                    body: body.clone(),
                })
                .collect();
            report.reminders_queued =
                store
                    .outbox_enqueue_all(&mails, now)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "could not queue reminders");
                        0
                    });
        }
        Err(e) => tracing::warn!(error = %e, "could not find the reminders due"),
    }
    // The discharge and six-month questionnaires, once per time point.
    match store.forms_reminders_due(now).await {
        Ok(due) => {
            let mails: Vec<NewMail> = due
                .iter()
                .map(|d| {
                    let (subject, body) = mailer.forms_reminder(d);
                    NewMail {
                        clinic_id: d.clinic_id,
                        kind: MailKind::Reminder,
                        dedupe_key: d.dedupe_key.clone(),
                        user_id: Some(d.user_id),
                        patient_id: Some(d.patient_id),
                        to_address: d.to_address.clone(),
                        subject,
                        body,
                    }
                })
                .collect();
            report.reminders_queued +=
                store
                    .outbox_enqueue_all(&mails, now)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "could not queue questionnaire reminders");
                        0
                    });
        }
        Err(e) => tracing::warn!(error = %e, "could not find the questionnaires due"),
    }
    match state.due_contacts.find(&state.care, now).await {
        Ok(contacts) => {
            let text = |c: &DueContact, initials: &str| mailer.notice(c, initials);
            report.notices_queued = store
                .enqueue_follow_up_notices(&contacts, now, text)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "could not queue follow-up notices");
                    0
                });
        }
        Err(e) => tracing::warn!(error = %e, "could not find the follow-ups due"),
    }

    for _ in 0..MAX_BATCHES {
        let batch = store.outbox_claim_due(now, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for mail in &batch {
            match mailer.send(mail).await {
                Ok(()) => {
                    if store.outbox_sent(mail, now).await? {
                        report.sent += 1;
                    } else {
                        tracing::warn!(outbox = mail.id, "mail sent after its claim lapsed");
                    }
                }
                Err(error) => {
                    report.failed += 1;
                    let status = store.outbox_failed(mail, &error, now).await?;
                    tracing::warn!(
                        outbox = mail.id,
                        attempts = mail.attempts + 1,
                        status = status.as_deref().unwrap_or("claim lapsed"),
                        "mail not delivered"
                    );
                }
            }
        }
        if batch.len() < BATCH as usize {
            break;
        }
    }
    if report != TickReport::default() {
        tracing::info!(
            reminders = report.reminders_queued,
            notices = report.notices_queued,
            sent = report.sent,
            failed = report.failed,
            "mail"
        );
    }
    Ok(report)
}

/// Runs [`tick`] every `interval` until the process ends. Without a mailer
/// it says once that mail is off and queues nothing.
pub fn spawn_scheduler(state: &AppState, interval: Duration) {
    let Some(mailer) = state.mail.clone() else {
        tracing::info!("mail is off (no --smtp-url): no reminders or follow-up notices are sent");
        return;
    };
    tracing::info!(server = %mailer.server, every_secs = interval.as_secs(), "mail scheduler started");
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(interval.max(Duration::from_secs(1)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = tick(&state, state.care.now()).await {
                tracing::warn!(error = %e, "mail scheduler round failed");
            }
        }
    });
}

impl AppState {
    /// Turns mail on: the scheduler will queue and send through `mailer`.
    pub fn with_mail(mut self, mailer: Mailer) -> Self {
        self.mail = Some(Arc::new(mailer));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_come_from_the_url_and_passwords_stay_out_of_debug() {
        assert_eq!(
            url_user("smtps://mailer@smtp.example.org:465").as_deref(),
            Some("mailer")
        );
        assert_eq!(url_user("smtp://127.0.0.1:2525"), None);
        assert_eq!(url_user("smtp://a:b@h/x?y=z@w").as_deref(), Some("a"));
        let s = MailSettings {
            smtp_url: "smtps://mailer:hunter2@smtp.example.org".into(),
            password: Some("s3cret".into()),
            from: "Rapport <r@example.org>".into(),
            link_base: "https://r.example.org".into(),
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let mut s = MailSettings {
            smtp_url: "ftp://x".into(),
            password: None,
            from: "Rapport <r@example.org>".into(),
            link_base: "http://localhost".into(),
        };
        assert!(matches!(Mailer::new(&s), Err(MailSetupError::Url(_))));
        s.smtp_url = "smtp://127.0.0.1:2525".into();
        s.from = "not an address".into();
        assert!(matches!(Mailer::new(&s), Err(MailSetupError::From(_))));
    }
}
