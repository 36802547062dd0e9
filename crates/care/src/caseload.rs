//! The caseload: a clinic's open episodes ranked by need, shared by the
//! dashboard (`GET /caseload`), the API (`GET /api/v1/caseload`) and the
//! nightly `rapport triage`. Each episode is judged by [`assess`] on the
//! patient's own date: flags with their CMOCs and evidence grade, the next
//! contact by rule, the three mechanisms and the theory's top suggestions.

use jiff::civil::Date;
use rapport_domain::FieldError;
use std::sync::{Arc, Weak};

use rapport_domain::exercise::Library;
use rapport_domain::monitoring::{
    Flag, FlagKind, NeedLevel, NextContact, Severity, Thresholds, triage,
};
use rapport_domain::record::EpisodeRecord;
use rapport_domain::theory::KnowledgeBase;
use rapport_store::{Actor, StoredEpisode};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::judgement::{Assessed, Ground, MechanismState, Sources, assess, local_date, mechanisms};
use crate::{Care, CareError, Result};

/// A CMOC named on a row, with its CERQual grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CmocRef {
    pub id: &'static str,
    /// `high`, `moderate`, `low`; `unknown` if the knowledge base in use
    /// does not hold the id.
    pub grade: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub severity: &'static str,
    pub reason: String,
    pub cmoc: Vec<CmocRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_exercise: Option<String>,
    pub since: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextContactRow {
    pub date: Date,
    pub overdue_days: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestionRow {
    pub action: String,
    pub text: String,
    pub grade: &'static str,
    pub cmoc: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientRef {
    pub id: i64,
    pub name: String,
}

/// One patient's row of the caseload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseloadRow {
    pub patient: PatientRef,
    pub clinic: i64,
    pub episode: i64,
    /// Higher is more urgent ([`triage::need_score`]); for sorting.
    pub need: u32,
    /// The need in words: `urgent`, `soon`, `watch` or `settled`.
    pub need_level: NeedLevel,
    /// The words to show for it, and why.
    pub need_label: &'static str,
    pub need_reason: String,
    /// Messages from the patient not yet read (the caseload fills it in).
    pub messages_waiting: i64,
    /// The patient's local date the triage ran for.
    pub today: Date,
    pub flags: Vec<FlagRow>,
    pub next_contact: NextContactRow,
    /// Trust, motivation and confidence, as the patient's page shows them.
    pub mechanisms: Vec<MechanismState>,
    /// The theory engine's best suggestions (empty unless asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<SuggestionRow>,
}

/// The grade of a CMOC id in `kb`.
pub fn grade_of(kb: &KnowledgeBase, id: &str) -> &'static str {
    kb.get(id).map_or("unknown", |c| c.grade.as_str())
}

/// Episodes judged per parallel task by [`rank`].
const RANK_PIECE: usize = 128;

/// Judges `episodes` (all of one clinic, or a chunk) and ranks them: need
/// highest first, ties in the order given. Each episode is judged on
/// `today(e)` (the patient's local date, or a date chosen for a report) with
/// its clinic's ground, and carries its `suggestions` best suggestions.
/// Pieces are judged on every core; call it off the async workers.
pub fn rank<'k, 'g>(
    episodes: &[StoredEpisode],
    today: &(dyn Fn(&StoredEpisode) -> Date + Sync),
    ground: &(dyn Fn(&StoredEpisode) -> Ground<'k, 'g> + Sync),
    suggestions: usize,
) -> Vec<CaseloadRow> {
    rank_reusing(episodes, today, ground, suggestions, None)
}

/// [`rank`], reusing the rows of `reuse` that are still current and
/// remembering the ones judged anew.
fn rank_reusing<'k, 'g>(
    episodes: &[StoredEpisode],
    today: &(dyn Fn(&StoredEpisode) -> Date + Sync),
    ground: &(dyn Fn(&StoredEpisode) -> Ground<'k, 'g> + Sync),
    suggestions: usize,
    reuse: Option<(&Judged, &Arc<Library>)>,
) -> Vec<CaseloadRow> {
    let judge = |e: &StoredEpisode| -> Option<CaseloadRow> {
        let day = today(e);
        let with = ground(e);
        let remembered = reuse.and_then(|(judged, library)| {
            judged.get(e, day, library, with.thresholds, suggestions)
        });
        if let Some(mut row) = remembered {
            // Names are read with every caseload, not kept in the record.
            if let Some(r) = &mut row {
                r.patient.name = e.display_name();
            }
            return row;
        }
        let a = assess(e, day, &with, Sources::Left);
        let row = a.monitoring.as_ref().map(|(flags, next)| {
            let need = triage::need_score(flags, next);
            row(e, &a, need, flags, next, with.kb, suggestions)
        });
        if let Some((judged, library)) = reuse {
            judged.put(e, day, library, with.thresholds, suggestions, row.clone());
        }
        row
    };
    let mut rows: Vec<CaseloadRow> = episodes
        .par_chunks(RANK_PIECE)
        .flat_map_iter(|piece| piece.iter().filter_map(judge))
        .collect();
    // Stable: equal needs keep the order given.
    rows.sort_by_key(|r| std::cmp::Reverse(r.need));
    rows
}

/// Caseload rows judged earlier, by episode. A row is reused only for the
/// same decoded record (a write makes a new one), the same day, the same
/// clinic library and thresholds; the theory and the education library are
/// fixed for a running Rapport. The caseload is opened between patients
/// many times a day, while a patient's record changes a few times.
#[derive(Clone)]
pub struct Judged(Arc<quick_cache::sync::Cache<i64, Arc<JudgedRow>>>);

struct JudgedRow {
    record: Weak<EpisodeRecord>,
    library: Weak<Library>,
    thresholds: Thresholds,
    today: Date,
    suggestions: usize,
    /// `None`: not on the caseload that day (the episode had ended).
    row: Option<CaseloadRow>,
}

/// Rows kept: a few clinics' caseloads (a row is one or two kilobytes).
const JUDGED_ROWS: usize = 20_000;

impl Judged {
    pub fn new() -> Judged {
        Judged(Arc::new(quick_cache::sync::Cache::new(JUDGED_ROWS)))
    }

    fn get(
        &self,
        e: &StoredEpisode,
        today: Date,
        library: &Arc<Library>,
        thresholds: &Thresholds,
        suggestions: usize,
    ) -> Option<Option<CaseloadRow>> {
        let j = self.0.get(&e.episode_id())?;
        // Weak pointers keep their allocation, so an address is never
        // reused while it is compared here.
        let current = Weak::ptr_eq(&j.record, &Arc::downgrade(&e.record))
            && Weak::ptr_eq(&j.library, &Arc::downgrade(library))
            && j.today == today
            && j.suggestions == suggestions
            && j.thresholds == *thresholds;
        current.then(|| j.row.clone())
    }

    fn put(
        &self,
        e: &StoredEpisode,
        today: Date,
        library: &Arc<Library>,
        thresholds: &Thresholds,
        suggestions: usize,
        row: Option<CaseloadRow>,
    ) {
        self.0.insert(
            e.episode_id(),
            Arc::new(JudgedRow {
                record: Arc::downgrade(&e.record),
                library: Arc::downgrade(library),
                thresholds: thresholds.clone(),
                today,
                suggestions,
                row,
            }),
        );
    }
}

impl Default for Judged {
    fn default() -> Judged {
        Judged::new()
    }
}

/// One row from a judged episode.
pub fn row(
    e: &StoredEpisode,
    a: &Assessed,
    need: u32,
    flags: &[Flag],
    next: &NextContact,
    kb: &KnowledgeBase,
    suggestions: usize,
) -> CaseloadRow {
    let (need_level, need_reason) = triage::need_level(flags, next);
    CaseloadRow {
        patient: PatientRef {
            id: e.patient_id.0,
            name: e.display_name(),
        },
        clinic: e.clinic_id.0,
        episode: e.episode_id(),
        need,
        need_level,
        need_label: need_level.label(),
        need_reason,
        messages_waiting: 0,
        today: a.today,
        flags: flags
            .iter()
            .map(|f| FlagRow {
                kind: f.kind.as_str(),
                label: f.kind.label(),
                severity: f.severity.as_str(),
                reason: f.reason.clone(),
                cmoc: f
                    .cmoc
                    .iter()
                    .map(|id| CmocRef {
                        id,
                        grade: grade_of(kb, id),
                    })
                    .collect(),
                exercise_id: f.exercise_id.clone(),
                suggested_exercise: f.suggested_exercise.clone(),
                since: f.since,
            })
            .collect(),
        next_contact: NextContactRow {
            date: next.date,
            overdue_days: next.overdue_days,
            reason: next.reason.to_string(),
        },
        mechanisms: mechanisms(&a.judgement),
        suggestions: a
            .judgement
            .evaluation
            .suggestions
            .iter()
            .take(suggestions)
            .map(|s| SuggestionRow {
                action: s.action.to_string(),
                text: s.action_text.to_string(),
                grade: s.grade.as_str(),
                cmoc: s.cmoc_ids().map(str::to_string).collect(),
            })
            .collect(),
    }
}

/// What the caseload may be narrowed to: every field optional; unknown
/// values are refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filter {
    /// A flag kind, e.g. `pain_rising`.
    #[serde(default)]
    pub kind: String,
    /// `urgent`, `attention` or `info`: rows with a flag of this severity.
    #[serde(default)]
    pub severity: String,
    /// Any value: only rows whose next contact is overdue.
    #[serde(default)]
    pub overdue: String,
    /// Part of the patient's name.
    #[serde(default)]
    pub q: String,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.kind.trim().is_empty()
            && self.severity.trim().is_empty()
            && self.overdue.trim().is_empty()
            && self.q.trim().is_empty()
    }

    /// The filter's values, checked.
    pub fn check(&self) -> Result<(Option<FlagKind>, Option<Severity>)> {
        let kind = match self.kind.trim() {
            "" => None,
            k => Some(
                FlagKind::ALL
                    .into_iter()
                    .find(|f| f.as_str() == k)
                    .ok_or_else(|| {
                        CareError::Invalid(FieldError::new(
                            "kind",
                            "one_of",
                            "is not a kind of flag",
                        ))
                    })?,
            ),
        };
        let severity = match self.severity.trim() {
            "" => None,
            s => Some(
                Severity::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        CareError::Invalid(FieldError::new(
                            "severity",
                            "one_of",
                            "must be urgent, attention or info",
                        ))
                    })?,
            ),
        };
        rapport_domain::patient::search_text(Some(&self.q))?;
        Ok((kind, severity))
    }

    /// Keeps the rows that pass every filter given.
    pub fn apply(&self, rows: Vec<CaseloadRow>) -> Result<Vec<CaseloadRow>> {
        let (kind, severity) = self.check()?;
        let q = self.q.trim().to_lowercase();
        let overdue = !self.overdue.trim().is_empty();
        Ok(rows
            .into_iter()
            .filter(|r| kind.is_none_or(|k| r.flags.iter().any(|f| f.kind == k.as_str())))
            .filter(|r| severity.is_none_or(|s| r.flags.iter().any(|f| f.severity == s.as_str())))
            .filter(|r| !overdue || r.next_contact.overdue_days > 0)
            .filter(|r| q.is_empty() || r.patient.name.to_lowercase().contains(&q))
            .collect())
    }
}

/// Suggestions shown per patient on the caseload.
pub const SUGGESTIONS: usize = 2;

impl Care {
    /// The actor's clinic's caseload, ranked, and how many open episodes it
    /// has before filtering. Judged off the async workers, on every core.
    pub async fn caseload(
        &self,
        actor: &Actor,
        filter: &Filter,
    ) -> Result<(Vec<CaseloadRow>, usize)> {
        filter.check()?;
        let (caseload, waiting) = tokio::try_join!(
            self.store.caseload(actor),
            self.store.messages_unread(actor),
        )?;
        let waiting: std::collections::HashMap<i64, i64> =
            waiting.into_iter().map(|(p, n)| (p.0, n)).collect();
        let library = self.library(caseload.clinic_id).await?;
        let care = self.clone();
        let filter = filter.clone();
        let now = self.now();
        tokio::task::spawn_blocking(move || {
            let ground = Ground {
                kb: &care.theory,
                exercises: &library,
                education: &care.education,
                thresholds: &caseload.thresholds,
            };
            let rows = rank_reusing(
                &caseload.episodes,
                &|e| local_date(e, now),
                &|_| ground,
                SUGGESTIONS,
                Some((&care.judged, &library)),
            );
            let total = rows.len();
            let mut rows = filter.apply(rows)?;
            for r in &mut rows {
                r.messages_waiting = waiting.get(&r.patient.id).copied().unwrap_or(0);
            }
            Ok((rows, total))
        })
        .await
        .map_err(|e| CareError::Internal(format!("the caseload triage stopped: {e}")))?
    }
}
