//! Runs over every open episode of every clinic: the nightly `rapport
//! triage`, and the follow-up notices the mail scheduler sends. Both judge
//! each episode exactly as the caseload does ([`crate::caseload::rank`],
//! [`crate::judgement::monitor`]).

use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::Date;
use rapport_domain::identity::{ClinicId, PatientId};
use rapport_store::{DueContact, TriageLoadSummary};

use crate::caseload::{CaseloadRow, rank};
use crate::judgement::{Ground, local_date, monitor};
use crate::{Care, Result};

/// What a nightly run went through and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct TriageRun {
    pub loaded: TriageLoadSummary,
    pub took: Duration,
}

/// An episode due a contact, before its clinician is known.
struct Due {
    clinic_id: ClinicId,
    patient_id: PatientId,
    episode_id: i64,
    due: Date,
    reason: String,
}

impl Care {
    /// Every open episode (of one clinic, or all), judged on each patient's
    /// own date, or on `today` for every one; ranked by need, then episode.
    /// Rows carry the mechanisms and `suggestions` suggestions each.
    pub async fn triage(
        &self,
        clinic: Option<ClinicId>,
        today: Option<Date>,
        suggestions: usize,
    ) -> Result<(Vec<CaseloadRow>, TriageRun)> {
        let started = Instant::now();
        let libraries = self.libraries(clinic).await?;
        let now = self.now();
        let mut rows: Vec<CaseloadRow> = Vec::new();
        let loaded = self
            .store
            .triage_load_all(clinic, 0, |thresholds, chunk| {
                // Judged on every core while the store decodes the next chunks.
                rows.extend(rank(
                    &chunk,
                    &|e| today.unwrap_or_else(|| local_date(e, now)),
                    &|e| Ground {
                        kb: &self.theory,
                        exercises: libraries.of(e.clinic_id),
                        education: &self.education,
                        thresholds: thresholds.get(e.clinic_id),
                    },
                    suggestions,
                ));
                Ok(())
            })
            .await?;
        // Chunks are ranked each; rank the whole: need, then episode.
        rows.sort_by(|a, b| b.need.cmp(&a.need).then(a.episode.cmp(&b.episode)));
        Ok((
            rows,
            TriageRun {
                loaded,
                took: started.elapsed(),
            },
        ))
    }

    /// The follow-up notices due at `now`: every open episode whose next
    /// contact by rule (the caseload's) has come on the patient's own date,
    /// addressed to its clinician of record, less those already queued.
    pub async fn due_contacts(&self, now: Timestamp) -> Result<Vec<DueContact>> {
        let libraries = self.libraries(None).await?;
        let mut due: Vec<Due> = Vec::new();
        self.store
            .triage_load_all(None, 0, |thresholds, chunk| {
                for e in &chunk {
                    let today = local_date(e, now);
                    let library = libraries.of(e.clinic_id);
                    let Some((_, next)) =
                        monitor(&e.record, today, thresholds.get(e.clinic_id), library)
                    else {
                        continue;
                    };
                    // The next contact is never before today: today means due.
                    if next.date <= today {
                        due.push(Due {
                            clinic_id: e.clinic_id,
                            patient_id: e.patient_id,
                            episode_id: e.episode_id(),
                            due: next.rule_date(),
                            reason: next.reason.to_string(),
                        });
                    }
                }
                Ok(())
            })
            .await?;
        let episodes: Vec<i64> = due.iter().map(|d| d.episode_id).collect();
        let recipients = self.store.follow_up_recipients(&episodes).await?;
        let mut contacts: Vec<DueContact> = due
            .into_iter()
            .filter_map(|d| {
                let (user_id, to_address) = recipients.get(&d.episode_id)?.clone();
                Some(DueContact {
                    clinic_id: d.clinic_id,
                    patient_id: d.patient_id,
                    episode_id: Some(d.episode_id),
                    user_id,
                    to_address,
                    due: d.due,
                    reason: d.reason,
                })
            })
            .collect();
        // Leave out the notices already queued, so that a contact overdue for
        // weeks costs nothing at each later run.
        let keys: Vec<String> = contacts.iter().map(DueContact::dedupe_key).collect();
        let queued = self.store.outbox_keys_queued(&keys).await?;
        contacts.retain(|c| !queued.contains(&c.dedupe_key()));
        Ok(contacts)
    }
}
