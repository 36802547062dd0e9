//! Record digests: an episode's whole record (the domain's
//! [`EpisodeRecord`]: plan versions, session logs, contacts with what each
//! recorded, completed scores, the intake's facts, belief reviews, goals,
//! reading and feedback on logs) as one compact row of `monitoring_digests`,
//! so that the caseload and the nightly triage read one row per episode
//! instead of every log, and every view reads the same record.
//!
//! A digest is a cache, never the record: it is used only while its revision
//! equals the episode's (`episodes.revision`, raised by triggers on every
//! change to the rows it is built from) and its format is [`FORMAT`]; else
//! the history is read from the tables and the digest rewritten. Logging a
//! session, the busiest write, appends to a current digest in the same
//! transaction ([`with_log`], from `Store::log_add`).
//!
//! The encoding is postcard over the private mirror types below: a head
//! (exercise ids, plans, contacts, scores, the rest of the record, the number
//! of logs) and then each log, so that a log is appended by rewriting the small head and
//! copying the rest, without reading the logs. Each
//! conversion names every field of the domain type it mirrors, so a field
//! added there fails to compile here instead of being silently dropped; a
//! change to the encoding raises [`FORMAT`], which makes every stored digest
//! stale.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rapport_domain::assessment::intake::ExerciseKind;
use rapport_domain::exercise::Dose;
use rapport_domain::monitoring::{PlanVersion, SessionLog, SkipReason};
use rapport_domain::prescription::{Delivery, LifeArea, Plan, PlanItem};
use rapport_domain::record::{
    BeliefReviewFacts, ContactFacts, EducationFacts, EpisodeRecord, FeedbackFacts, GoalFacts,
    IntakeFacts,
};
use rapport_domain::theory::episode::{
    Completion, FollowUp, InstrumentScore, Practice, PreviousExperience,
};
use serde::{Deserialize, Serialize};

use crate::monitoring::{kind_parse, kind_str};
use crate::{Result, Store, StoreError};

/// The encoding read and written by this build.
pub(crate) const FORMAT: i32 = 3;

/// An episode's record as the digest holds it. What is dated by an instant
/// (scores, the intake, goals set, reading, feedback) keeps the instant
/// (epoch microseconds, in `at`), so the day is worked out in the patient's
/// zone when read: a change of zone does not touch the digest. The record's
/// episode id and dates come from the episode's row, not from the digest.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct History {
    pub record: EpisodeRecord,
    pub at: Instants,
}

/// The instants behind the record's zone-dated facts, list by list.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Instants {
    pub scores: Vec<i64>,
    pub intake: Option<i64>,
    /// When each goal was set (its day counts when it has no agreed day).
    pub goals: Vec<i64>,
    pub education: Vec<i64>,
    pub feedback: Vec<i64>,
}

/// Text is borrowed from the bytes when reading (postcard reads `&str` in
/// place), so decoding allocates only what the domain types own.
#[derive(Serialize, Deserialize)]
struct Head<'a> {
    /// Exercise ids, referred to by index from plans and logs.
    #[serde(borrow)]
    exercises: Vec<&'a str>,
    #[serde(borrow)]
    plans: Vec<WirePlan<'a>>,
    #[serde(borrow)]
    follow_ups: Vec<WireFollowUp<'a>>,
    #[serde(borrow)]
    scores: Vec<WireScore<'a>>,
    #[serde(borrow)]
    intake: Option<WireIntake<'a>>,
    #[serde(borrow)]
    beliefs: Vec<WireBelief<'a>>,
    goals: Vec<WireGoal>,
    #[serde(borrow)]
    education: Vec<WireEducation<'a>>,
    feedback: Vec<WireFeedback>,
    /// The logs that follow the head, each on its own.
    logs: u32,
}

/// A log's encoding is far shorter than this (varints of a few numbers).
const LOG_MAX: usize = 64;

fn put_log(out: &mut Vec<u8>, log: &WireLog) -> Result<()> {
    let mut buf = [0u8; LOG_MAX];
    let used = postcard::to_slice(log, &mut buf).map_err(unreadable)?;
    out.extend_from_slice(used);
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct WirePlan<'a> {
    id: i64,
    starts_on: i32,
    co_designed: bool,
    /// Places in [`LifeArea::ALL`].
    whole_person: Option<Vec<u8>>,
    #[serde(borrow)]
    items: Vec<WireItem<'a>>,
}

#[derive(Serialize, Deserialize)]
struct WireItem<'a> {
    exercise: u32,
    sets: u8,
    reps: Option<u16>,
    hold_seconds: Option<u16>,
    duration_minutes: Option<u16>,
    rest_seconds: u16,
    per_week: u8,
    weeks: u8,
    load: Option<&'a str>,
    intensity: Option<&'a str>,
    progression_rule: &'a str,
    regression_rule: &'a str,
    delivery: &'a str,
    goal: Option<u64>,
    why: &'a str,
}

#[derive(Serialize, Deserialize)]
struct WireLog {
    id: i64,
    exercise: u32,
    date: i32,
    at: Option<i64>,
    completion: u8,
    skip_reason: u8,
    sets: Option<u8>,
    reps: Option<u16>,
    minutes: Option<u16>,
    pain_before: Option<u8>,
    pain_after: Option<u8>,
    difficulty: Option<u8>,
    enjoyment: Option<u8>,
}

#[derive(Serialize, Deserialize)]
struct WireFollowUp<'a> {
    id: i64,
    date: i32,
    kind: &'a str,
    feedback_given: Option<bool>,
    feels_supported: Option<bool>,
    /// Bit `i` set: [`Practice::ALL`]`[i]` ticked.
    practices: u16,
    checklist_complete: bool,
    corrected: Option<bool>,
    progressed: Option<bool>,
    benefit: Option<u8>,
}

#[derive(Serialize, Deserialize)]
struct WireIntake<'a> {
    form_id: i64,
    at: i64,
    holistic: bool,
    previous_experience: u8,
    #[serde(borrow)]
    likes: Vec<&'a str>,
    #[serde(borrow)]
    dislikes: Vec<&'a str>,
    #[serde(borrow)]
    expectations: Vec<&'a str>,
    expectation_mismatch: bool,
}

#[derive(Serialize, Deserialize)]
struct WireBelief<'a> {
    id: i64,
    date: i32,
    #[serde(borrow)]
    confirmed: Vec<&'a str>,
    #[serde(borrow)]
    reconciled: Vec<&'a str>,
}

#[derive(Serialize, Deserialize)]
struct WireGoal {
    id: i64,
    agreed_together: bool,
    agreed_on: Option<i32>,
    set_at: i64,
}

#[derive(Serialize, Deserialize)]
struct WireEducation<'a> {
    id: i64,
    item: &'a str,
    at: i64,
    read: bool,
}

#[derive(Serialize, Deserialize)]
struct WireFeedback {
    id: i64,
    log_id: i64,
    at: i64,
}

#[derive(Serialize, Deserialize)]
struct WireScore<'a> {
    id: i64,
    instrument: &'a str,
    version: &'a str,
    at: i64,
    total: f64,
    #[serde(borrow)]
    subscales: Vec<(&'a str, f64)>,
    band: Option<&'a str>,
}

/// A digest that does not read is stale, not an error for the reader: the
/// callers rebuild it from the tables.
fn unreadable<E: std::fmt::Display>(why: E) -> StoreError {
    StoreError::Conflict(format!("stored monitoring digest is unreadable: {why}"))
}

/// A date as `yyyymmdd`: cheap to write and to read back.
fn day(d: Date) -> i32 {
    i32::from(d.year()) * 10_000 + i32::from(d.month()) * 100 + i32::from(d.day())
}

fn date(n: i32) -> Result<Date> {
    let (y, m, d) = (n / 10_000, (n / 100) % 100, n % 100);
    let bad = || unreadable(format!("date {n}"));
    Date::new(
        i16::try_from(y).map_err(|_| bad())?,
        i8::try_from(m).map_err(|_| bad())?,
        i8::try_from(d).map_err(|_| bad())?,
    )
    .map_err(|_| bad())
}

fn completion_code(c: Completion) -> u8 {
    match c {
        Completion::Completed => 0,
        Completion::Partly => 1,
        Completion::Skipped => 2,
    }
}

fn completion_of(n: u8) -> Option<Completion> {
    Some(match n {
        0 => Completion::Completed,
        1 => Completion::Partly,
        2 => Completion::Skipped,
        _ => return None,
    })
}

/// 0 for none, else 1 + the reason's place in [`SkipReason::ALL`].
fn skip_code(r: Option<SkipReason>) -> u8 {
    match r {
        None => 0,
        Some(r) => SkipReason::ALL
            .iter()
            .position(|x| *x == r)
            .and_then(|i| u8::try_from(i + 1).ok())
            .unwrap_or(0),
    }
}

fn skip_of(n: u8) -> Option<Option<SkipReason>> {
    match n {
        0 => Some(None),
        n => SkipReason::ALL.get(usize::from(n) - 1).copied().map(Some),
    }
}

/// Interns exercise ids in first-seen order.
#[derive(Default)]
struct Names<'a> {
    list: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn index(&mut self, id: &'a str) -> u32 {
        // Episodes use a handful of exercises: a scan beats hashing.
        let i = match self.list.iter().position(|x| *x == id) {
            Some(i) => i,
            None => {
                self.list.push(id);
                self.list.len() - 1
            }
        };
        u32::try_from(i).unwrap_or(u32::MAX)
    }
}

fn wire_log<'a>(names: &mut Names<'a>, id: i64, l: &'a SessionLog) -> WireLog {
    let SessionLog {
        exercise_id,
        date,
        at,
        completion,
        skip_reason,
        sets,
        reps,
        minutes,
        pain_before,
        pain_after,
        difficulty,
        enjoyment,
        // The free-text note is not monitoring data and is not kept.
        note: _,
    } = l;
    WireLog {
        id,
        exercise: names.index(exercise_id),
        date: day(*date),
        at: at.map(|t| t.as_microsecond()),
        completion: completion_code(*completion),
        skip_reason: skip_code(*skip_reason),
        sets: *sets,
        reps: *reps,
        minutes: *minutes,
        pain_before: *pain_before,
        pain_after: *pain_after,
        difficulty: *difficulty,
        enjoyment: *enjoyment,
    }
}

fn wire_plan<'a>(names: &mut Names<'a>, id: i64, v: &'a PlanVersion) -> WirePlan<'a> {
    let PlanVersion { starts_on, plan } = v;
    let Plan {
        items,
        co_designed,
        whole_person,
    } = plan;
    WirePlan {
        id,
        starts_on: day(*starts_on),
        co_designed: *co_designed,
        whole_person: whole_person.as_ref().map(|areas| {
            areas
                .iter()
                .filter_map(|a| LifeArea::ALL.iter().position(|x| x == a))
                .filter_map(|i| u8::try_from(i).ok())
                .collect()
        }),
        items: items
            .iter()
            .map(|item| {
                let PlanItem {
                    exercise_id,
                    dose,
                    progression_rule,
                    regression_rule,
                    delivery,
                    goal,
                    why,
                } = item;
                let Dose {
                    sets,
                    reps,
                    hold_seconds,
                    duration_minutes,
                    rest_seconds,
                    per_week,
                    weeks,
                    load,
                    intensity,
                } = dose;
                WireItem {
                    exercise: names.index(exercise_id),
                    sets: *sets,
                    reps: *reps,
                    hold_seconds: *hold_seconds,
                    duration_minutes: *duration_minutes,
                    rest_seconds: *rest_seconds,
                    per_week: *per_week,
                    weeks: *weeks,
                    load: load.as_deref(),
                    intensity: intensity.as_deref(),
                    progression_rule,
                    regression_rule,
                    delivery: delivery.as_str(),
                    goal: goal.map(|g| g as u64),
                    why,
                }
            })
            .collect(),
    }
}

fn practice_bits(practices: &BTreeSet<Practice>) -> u16 {
    practices
        .iter()
        .fold(0u16, |bits, p| bits | (1 << p.index()))
}

fn practices_of(bits: u16) -> BTreeSet<Practice> {
    Practice::ALL
        .iter()
        .copied()
        .filter(|p| bits & (1 << p.index()) != 0)
        .collect()
}

fn experience_code(e: PreviousExperience) -> u8 {
    match e {
        PreviousExperience::Unknown => 0,
        PreviousExperience::Positive => 1,
        PreviousExperience::Negative => 2,
        PreviousExperience::None => 3,
    }
}

fn experience_of(n: u8) -> Option<PreviousExperience> {
    Some(match n {
        0 => PreviousExperience::Unknown,
        1 => PreviousExperience::Positive,
        2 => PreviousExperience::Negative,
        3 => PreviousExperience::None,
        _ => return None,
    })
}

fn id_at(ids: &[i64], i: usize) -> i64 {
    ids.get(i).copied().unwrap_or(0)
}

/// The digest of a record.
pub(crate) fn encode(h: &History) -> Result<Vec<u8>> {
    let r = &h.record;
    let mut names = Names::default();
    let plans = r
        .plans
        .iter()
        .enumerate()
        .map(|(i, v)| wire_plan(&mut names, id_at(&r.plan_ids, i), v))
        .collect();
    let logs: Vec<WireLog> = r
        .logs
        .iter()
        .enumerate()
        .map(|(i, l)| wire_log(&mut names, id_at(&r.log_ids, i), l))
        .collect();
    let follow_ups = r
        .follow_ups
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let FollowUp {
                date,
                kind,
                feedback_given,
                patient_feels_supported,
            } = f;
            let ContactFacts {
                id,
                practices,
                checklist_complete,
                corrected,
                progressed,
                benefit,
            } = r.contacts.get(i).cloned().unwrap_or_default();
            WireFollowUp {
                id,
                date: day(*date),
                kind: kind_str(*kind),
                feedback_given: *feedback_given,
                feels_supported: *patient_feels_supported,
                practices: practice_bits(&practices),
                checklist_complete,
                corrected,
                progressed,
                benefit,
            }
        })
        .collect();
    let scores = r
        .scores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let InstrumentScore {
                instrument,
                version,
                // The day is worked out from the instant when read.
                date: _,
                total,
                subscales,
                band,
            } = s;
            WireScore {
                id: id_at(&r.score_ids, i),
                instrument,
                version,
                at: id_at(&h.at.scores, i),
                total: *total,
                subscales: subscales.iter().map(|(k, v)| (k.as_str(), *v)).collect(),
                band: band.as_deref(),
            }
        })
        .collect();
    let intake = r.intake.as_ref().map(|i| {
        let IntakeFacts {
            form_id,
            date: _,
            holistic,
            previous_experience,
            likes,
            dislikes,
            expectations,
            expectation_mismatch,
        } = i;
        WireIntake {
            form_id: *form_id,
            at: h.at.intake.unwrap_or(0),
            holistic: *holistic,
            previous_experience: experience_code(*previous_experience),
            likes: likes.iter().map(|k| k.as_str()).collect(),
            dislikes: dislikes.iter().map(|k| k.as_str()).collect(),
            expectations: expectations.iter().map(String::as_str).collect(),
            expectation_mismatch: *expectation_mismatch,
        }
    });
    let beliefs = r
        .belief_reviews
        .iter()
        .map(|b| {
            let BeliefReviewFacts {
                id,
                date,
                confirmed,
                reconciled,
            } = b;
            WireBelief {
                id: *id,
                date: day(*date),
                confirmed: confirmed.iter().map(String::as_str).collect(),
                reconciled: reconciled.iter().map(String::as_str).collect(),
            }
        })
        .collect();
    let goals = r
        .goals
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let GoalFacts {
                id,
                agreed_together,
                agreed_on,
                // Worked out from the instant when read.
                set_on: _,
            } = g;
            WireGoal {
                id: *id,
                agreed_together: *agreed_together,
                agreed_on: agreed_on.map(day),
                set_at: id_at(&h.at.goals, i),
            }
        })
        .collect();
    let education = r
        .education
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let EducationFacts {
                id,
                item_id,
                date: _,
                read,
            } = e;
            WireEducation {
                id: *id,
                item: item_id,
                at: id_at(&h.at.education, i),
                read: *read,
            }
        })
        .collect();
    let feedback = r
        .feedback
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let FeedbackFacts {
                id,
                log_id,
                date: _,
            } = f;
            WireFeedback {
                id: *id,
                log_id: *log_id,
                at: id_at(&h.at.feedback, i),
            }
        })
        .collect();
    let head = Head {
        exercises: names.list,
        plans,
        follow_ups,
        scores,
        intake,
        beliefs,
        goals,
        education,
        feedback,
        logs: u32::try_from(logs.len()).map_err(unreadable)?,
    };
    let mut out = postcard::to_allocvec(&head).map_err(unreadable)?;
    out.reserve(logs.len() * 20);
    for l in &logs {
        put_log(&mut out, l)?;
    }
    Ok(out)
}

/// Reads a digest back; what an instant dates is dated in `zone`.
pub(crate) fn decode(bytes: &[u8], zone: &TimeZone) -> Result<History> {
    let bad = |what: &str| unreadable(what);
    let (wire, mut rest): (Head, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| bad(&e.to_string()))?;
    let name = |i: u32| -> Result<&str> {
        usize::try_from(i)
            .ok()
            .and_then(|i| wire.exercises.get(i).copied())
            .ok_or_else(|| bad("exercise index"))
    };
    let day_of = |micros: i64, what: &str| -> Result<Date> {
        Ok(Timestamp::from_microsecond(micros)
            .map_err(|_| bad(what))?
            .to_zoned(zone.clone())
            .date())
    };
    let kinds = |keys: &[&str]| -> Result<BTreeSet<ExerciseKind>> {
        keys.iter()
            .map(|k| ExerciseKind::parse(k).ok_or_else(|| bad("exercise kind")))
            .collect()
    };
    let mut r = EpisodeRecord::default();
    let mut at = Instants::default();
    for p in &wire.plans {
        let mut items = Vec::with_capacity(p.items.len());
        for i in &p.items {
            items.push(PlanItem {
                exercise_id: name(i.exercise)?.to_string(),
                dose: Dose {
                    sets: i.sets,
                    reps: i.reps,
                    hold_seconds: i.hold_seconds,
                    duration_minutes: i.duration_minutes,
                    rest_seconds: i.rest_seconds,
                    per_week: i.per_week,
                    weeks: i.weeks,
                    load: i.load.map(str::to_string),
                    intensity: i.intensity.map(str::to_string),
                },
                progression_rule: i.progression_rule.to_string(),
                regression_rule: i.regression_rule.to_string(),
                delivery: Delivery::parse(i.delivery).ok_or_else(|| bad(i.delivery))?,
                goal: i
                    .goal
                    .map(|g| usize::try_from(g).map_err(|_| bad("goal")))
                    .transpose()?,
                why: i.why.to_string(),
            });
        }
        let whole_person = match &p.whole_person {
            None => None,
            Some(codes) => Some(
                codes
                    .iter()
                    .map(|c| {
                        LifeArea::ALL
                            .get(usize::from(*c))
                            .copied()
                            .ok_or_else(|| bad("life area"))
                    })
                    .collect::<Result<BTreeSet<_>>>()?,
            ),
        };
        r.plans.push(PlanVersion {
            starts_on: date(p.starts_on)?,
            plan: Plan {
                items,
                co_designed: p.co_designed,
                whole_person,
            },
        });
        r.plan_ids.push(p.id);
    }
    r.logs.reserve(wire.logs as usize);
    r.log_ids.reserve(wire.logs as usize);
    for _ in 0..wire.logs {
        let (l, more): (WireLog, &[u8]) =
            postcard::take_from_bytes(rest).map_err(|e| bad(&e.to_string()))?;
        rest = more;
        r.logs.push(SessionLog {
            exercise_id: name(l.exercise)?.to_string(),
            date: date(l.date)?,
            at: l
                .at
                .map(Timestamp::from_microsecond)
                .transpose()
                .map_err(|_| bad("log instant"))?,
            completion: completion_of(l.completion).ok_or_else(|| bad("completion"))?,
            skip_reason: skip_of(l.skip_reason).ok_or_else(|| bad("skip reason"))?,
            sets: l.sets,
            reps: l.reps,
            minutes: l.minutes,
            pain_before: l.pain_before,
            pain_after: l.pain_after,
            difficulty: l.difficulty,
            enjoyment: l.enjoyment,
            note: None,
        });
        r.log_ids.push(l.id);
    }
    if !rest.is_empty() {
        return Err(bad("bytes after the last log"));
    }
    for f in &wire.follow_ups {
        r.follow_ups.push(FollowUp {
            date: date(f.date)?,
            kind: kind_parse(f.kind).ok_or_else(|| bad(f.kind))?,
            feedback_given: f.feedback_given,
            patient_feels_supported: f.feels_supported,
        });
        r.contacts.push(ContactFacts {
            id: f.id,
            practices: practices_of(f.practices),
            checklist_complete: f.checklist_complete,
            corrected: f.corrected,
            progressed: f.progressed,
            benefit: f.benefit,
        });
    }
    for s in wire.scores {
        r.scores.push(InstrumentScore {
            instrument: s.instrument.to_string(),
            version: s.version.to_string(),
            date: day_of(s.at, "score instant")?,
            total: s.total,
            subscales: s
                .subscales
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            band: s.band.map(str::to_string),
        });
        r.score_ids.push(s.id);
        at.scores.push(s.at);
    }
    if let Some(i) = &wire.intake {
        r.intake = Some(IntakeFacts {
            form_id: i.form_id,
            date: day_of(i.at, "intake instant")?,
            holistic: i.holistic,
            previous_experience: experience_of(i.previous_experience)
                .ok_or_else(|| bad("previous experience"))?,
            likes: kinds(&i.likes)?,
            dislikes: kinds(&i.dislikes)?,
            expectations: i.expectations.iter().map(|e| e.to_string()).collect(),
            expectation_mismatch: i.expectation_mismatch,
        });
        at.intake = Some(i.at);
    }
    for b in &wire.beliefs {
        r.belief_reviews.push(BeliefReviewFacts {
            id: b.id,
            date: date(b.date)?,
            confirmed: b.confirmed.iter().map(|k| k.to_string()).collect(),
            reconciled: b.reconciled.iter().map(|k| k.to_string()).collect(),
        });
    }
    for g in &wire.goals {
        r.goals.push(GoalFacts {
            id: g.id,
            agreed_together: g.agreed_together,
            agreed_on: g.agreed_on.map(date).transpose()?,
            set_on: day_of(g.set_at, "goal instant")?,
        });
        at.goals.push(g.set_at);
    }
    for e in &wire.education {
        r.education.push(EducationFacts {
            id: e.id,
            item_id: e.item.to_string(),
            date: day_of(e.at, "reading instant")?,
            read: e.read,
        });
        at.education.push(e.at);
    }
    for f in &wire.feedback {
        r.feedback.push(FeedbackFacts {
            id: f.id,
            log_id: f.log_id,
            date: day_of(f.at, "feedback instant")?,
        });
        at.feedback.push(f.at);
    }
    Ok(History { record: r, at })
}

/// Adds one log (stored with `id`) to a digest without decoding the rest of it.
pub(crate) fn with_log(bytes: &[u8], id: i64, log: &SessionLog) -> Result<Vec<u8>> {
    let (mut head, logs): (Head, &[u8]) = postcard::take_from_bytes(bytes).map_err(unreadable)?;
    let mut names = Names {
        list: std::mem::take(&mut head.exercises),
    };
    let added = wire_log(&mut names, id, log);
    head.exercises = names.list;
    head.logs = head
        .logs
        .checked_add(1)
        .ok_or_else(|| unreadable("too many logs"))?;
    let mut out = postcard::to_allocvec(&head).map_err(unreadable)?;
    out.reserve(logs.len() + LOG_MAX);
    out.extend_from_slice(logs);
    put_log(&mut out, &added)?;
    Ok(out)
}

impl Store {
    /// Stores digests read at the given revisions. A digest already stored
    /// at a later revision is kept.
    pub(crate) async fn digests_put(&self, rows: &[(i64, i64, i64, Vec<u8>)]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        const SQL: &str = "INSERT INTO monitoring_digests (episode_id, clinic_id, revision, format, digest) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (episode_id) DO UPDATE SET \
             revision = excluded.revision, format = excluded.format, digest = excluded.digest \
             WHERE monitoring_digests.revision < excluded.revision OR monitoring_digests.format <> excluded.format";
        crate::in_tx!(self, |tx| {
            for (episode, clinic, revision, digest) in rows {
                sqlx::query(SQL)
                    .bind(episode)
                    .bind(clinic)
                    .bind(revision)
                    .bind(FORMAT)
                    .bind(digest.as_slice())
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(id: &str, d: &str, at: Option<i64>, c: Completion) -> SessionLog {
        SessionLog {
            exercise_id: id.into(),
            date: d.parse().unwrap(),
            at: at.map(|m| Timestamp::from_microsecond(m).unwrap()),
            completion: c,
            skip_reason: (c == Completion::Skipped).then_some(SkipReason::Unwell),
            sets: Some(3),
            reps: Some(12),
            minutes: None,
            pain_before: Some(2),
            pain_after: Some(5),
            difficulty: Some(4),
            enjoyment: None,
            note: None,
        }
    }

    /// A record with something in every list.
    fn full(zone: &TimeZone) -> History {
        let plan: Plan = serde_json::from_value(serde_json::json!({
            "items": [{
                "exercise_id": "bridge",
                "dose": {"sets": 3, "reps": 10, "rest_seconds": 60, "per_week": 3, "weeks": 6, "load": "band"},
                "progression_rule": "add a set", "regression_rule": "fewer reps",
                "delivery": "home", "goal": 1, "why": "to lift the grandchild"
            }],
            "co_designed": true,
            "whole_person": ["sleep", "work"]
        }))
        .unwrap();
        // 23:30 UTC on 1 March is 2 March in Oslo.
        let at = jiff::Timestamp::from_second(1_772_407_800)
            .unwrap()
            .as_microsecond();
        let day = |micros: i64| {
            Timestamp::from_microsecond(micros)
                .unwrap()
                .to_zoned(zone.clone())
                .date()
        };
        let record = EpisodeRecord {
            plans: vec![PlanVersion {
                starts_on: "2026-02-02".parse().unwrap(),
                plan,
            }],
            plan_ids: vec![41],
            logs: vec![
                log(
                    "bridge",
                    "2026-02-03",
                    Some(1_770_100_000_000_000),
                    Completion::Completed,
                ),
                log("bridge", "2026-02-04", None, Completion::Skipped),
            ],
            log_ids: vec![900, 901],
            follow_ups: vec![FollowUp {
                date: "2026-02-16".parse().unwrap(),
                kind: rapport_domain::theory::episode::FollowUpKind::Supervised,
                feedback_given: Some(true),
                patient_feels_supported: None,
            }],
            contacts: vec![ContactFacts {
                id: 5,
                practices: [Practice::RapportBuilt, Practice::GoalLinkExplained].into(),
                checklist_complete: true,
                corrected: Some(true),
                progressed: Some(false),
                benefit: Some(3),
            }],
            scores: vec![InstrumentScore {
                instrument: "pseq".into(),
                version: "1".into(),
                date: day(at),
                total: 28.0,
                subscales: [("bond".to_string(), 9.5)].into_iter().collect(),
                band: Some("low".into()),
            }],
            score_ids: vec![77],
            intake: Some(IntakeFacts {
                form_id: 70,
                date: day(at),
                holistic: true,
                previous_experience: PreviousExperience::Negative,
                likes: [ExerciseKind::Walking].into(),
                dislikes: [ExerciseKind::Running].into(),
                expectations: vec!["scan".into()],
                expectation_mismatch: true,
            }),
            belief_reviews: vec![BeliefReviewFacts {
                id: 3,
                date: "2026-02-02".parse().unwrap(),
                confirmed: vec!["hurt_means_harm".into()],
                reconciled: vec!["hurt_means_harm".into()],
            }],
            goals: vec![
                GoalFacts {
                    id: 8,
                    agreed_together: true,
                    agreed_on: Some("2026-02-02".parse().unwrap()),
                    set_on: day(at),
                },
                GoalFacts {
                    id: 9,
                    agreed_together: false,
                    agreed_on: None,
                    set_on: day(at),
                },
            ],
            education: vec![EducationFacts {
                id: 12,
                item_id: "hurt-not-harm".into(),
                date: day(at),
                read: true,
            }],
            feedback: vec![FeedbackFacts {
                id: 30,
                log_id: 900,
                date: day(at),
            }],
            ..Default::default()
        };
        History {
            record,
            at: Instants {
                scores: vec![at],
                intake: Some(at),
                goals: vec![at, at],
                education: vec![at],
                feedback: vec![at],
            },
        }
    }

    #[test]
    fn a_record_reads_back_as_written_and_a_log_appends() {
        let zone = TimeZone::get("Europe/Oslo").unwrap();
        let h = full(&zone);
        let bytes = encode(&h).unwrap();
        assert_eq!(decode(&bytes, &zone).unwrap(), h);
        // The same instants are still 1 March in New York.
        let ny = decode(&bytes, &TimeZone::get("America/New_York").unwrap()).unwrap();
        let first_of_march = "2026-03-01".parse::<Date>().unwrap();
        assert_eq!(ny.record.scores[0].date, first_of_march);
        assert_eq!(ny.record.goals[1].on(), first_of_march);
        assert_eq!(ny.record.feedback[0].date, first_of_march);

        let new = log(
            "cat-camel",
            "2026-02-05",
            Some(1_770_300_000_000_000),
            Completion::Partly,
        );
        let grown = decode(&with_log(&bytes, 902, &new).unwrap(), &zone).unwrap();
        assert_eq!(grown.record.logs.len(), 3);
        assert_eq!(grown.record.logs[2], new);
        assert_eq!(grown.record.log_ids, [900, 901, 902]);
        assert_eq!(grown.record.plans, h.record.plans);
        assert_eq!(grown.record.contacts, h.record.contacts);
    }

    #[test]
    fn a_damaged_digest_is_refused_not_misread() {
        let zone = TimeZone::UTC;
        assert!(decode(&[0xff, 0xff, 0xff], &zone).is_err());
        let h = History {
            record: EpisodeRecord {
                logs: vec![log("bridge", "2026-02-03", None, Completion::Completed)],
                log_ids: vec![1],
                ..Default::default()
            },
            ..History::default()
        };
        let bytes = encode(&h).unwrap();
        let (head, rest): (Head, &[u8]) = postcard::take_from_bytes(&bytes).unwrap();
        let (mut log, _): (WireLog, &[u8]) = postcard::take_from_bytes(rest).unwrap();
        // Completion code 9 does not exist.
        log.completion = 9;
        let mut bad = postcard::to_allocvec(&head).unwrap();
        put_log(&mut bad, &log).unwrap();
        assert!(decode(&bad, &zone).is_err());
        // A log missing, or one too many bytes.
        assert!(decode(&bytes[..bytes.len() - 1], &zone).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, &zone).is_err());
    }
}
