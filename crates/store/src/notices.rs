//! What a producer of follow-up notices needs beyond the caseload data:
//! the clinician of each episode due a contact, and which notices are
//! already in the outbox (so a run that finds the same due contacts again
//! costs one query per 500 keys, not one per notice).
//!
//! The caseload triage in `rapport_web::mail` uses both: it decides which
//! episodes are due from [`Store::triage_load_all`], then asks here whom to
//! tell.

use std::collections::{HashMap, HashSet};

use rapport_domain::identity::UserId;

use crate::{Result, Store, on_read};

/// Ids bound per statement: far below either engine's limit on parameters.
const PER_QUERY: usize = 500;

#[derive(sqlx::FromRow)]
struct RecipientRow {
    episode_id: i64,
    recorder: Option<i64>,
    recorder_email: Option<String>,
    prescriber: Option<i64>,
    prescriber_email: Option<String>,
}

/// `$1, $2, … $n`: the SQL holds numbered placeholders only; values are bound.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// The clinician to tell that a contact is due, for each of `episodes`
    /// that is still open: the one who recorded its latest follow-up, else
    /// the one who made the latest version of its prescription — an active
    /// clinician account of the episode's clinic with an address. An
    /// episode with neither has no clinician of record and is left out.
    /// Keyed by episode id.
    pub async fn follow_up_recipients(
        &self,
        episodes: &[i64],
    ) -> Result<HashMap<i64, (UserId, String)>> {
        let mut out = HashMap::with_capacity(episodes.len());
        for chunk in episodes.chunks(PER_QUERY) {
            let sql = format!(
                "SELECT e.id AS episode_id, ru.id AS recorder, ru.email AS recorder_email, \
                 pu.id AS prescriber, pu.email AS prescriber_email \
                 FROM episodes e \
                 LEFT JOIN follow_ups f ON f.episode_id = e.id AND f.clinic_id = e.clinic_id \
                     AND f.id = (SELECT MAX(f2.id) FROM follow_ups f2 WHERE f2.episode_id = e.id) \
                 LEFT JOIN users ru ON ru.id = f.recorded_by AND ru.clinic_id = e.clinic_id \
                     AND ru.active AND ru.role = 'clinician' \
                 LEFT JOIN prescriptions pr ON pr.episode_id = e.id AND pr.clinic_id = e.clinic_id \
                 LEFT JOIN prescription_versions pv ON pv.prescription_id = pr.id \
                     AND pv.version = (SELECT MAX(v2.version) FROM prescription_versions v2 WHERE v2.prescription_id = pr.id) \
                 LEFT JOIN users pu ON pu.id = pv.created_by AND pu.clinic_id = e.clinic_id \
                     AND pu.active AND pu.role = 'clinician' \
                 WHERE e.discharged_on IS NULL AND e.id IN ({})",
                placeholders(chunk.len())
            );
            let rows: Vec<RecipientRow> = on_read!(self, |ex| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(ex).await?
            });
            for r in rows {
                let recorder = r.recorder.zip(r.recorder_email);
                let prescriber = r.prescriber.zip(r.prescriber_email);
                let who = [recorder, prescriber]
                    .into_iter()
                    .flatten()
                    .find(|(_, email)| !email.trim().is_empty());
                if let Some((user, email)) = who {
                    out.insert(r.episode_id, (UserId(user), email));
                }
            }
        }
        Ok(out)
    }

    /// Which of `keys` were ever queued in the outbox (in any state).
    pub async fn outbox_keys_queued(&self, keys: &[String]) -> Result<HashSet<String>> {
        let mut queued = HashSet::new();
        for chunk in keys.chunks(PER_QUERY) {
            let sql = format!(
                "SELECT dedupe_key FROM outbox WHERE dedupe_key IN ({})",
                placeholders(chunk.len())
            );
            let found: Vec<String> = on_read!(self, |ex| {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
                for k in chunk {
                    q = q.bind(k.as_str());
                }
                q.fetch_all(ex).await?
            });
            queued.extend(found);
        }
        Ok(queued)
    }
}
