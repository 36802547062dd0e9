//! `serve --demo`: a demo clinic, loaded once, with known logins. About a
//! dozen patients at every stage of care, as on an ordinary working day,
//! dated back from the day the demo is loaded so that it never goes stale:
//! a referral not yet screened, a red flag waiting for clearance, baseline
//! done, goals agreed, plans running for weeks (one with pain rising after
//! an exercise, one finding an exercise too hard, one with adherence falling,
//! one overdue for follow-up), one discharged with outcomes, one six months
//! on with the six-month forms due, and Kari Nordmann, whose record holds
//! every kind of record the product keeps.
//!
//! Each record comes from the synthetic clinic's generator
//! ([`crate::synth`]): the same model and code as `rapport demo`, each
//! patient made to be what their [`Scenario`] says; where a patient is to
//! show something (a flag, a fully judged record), the first of their
//! generated candidates that does so by the product's own rules is taken.
//! The generator sees the clinic from yesterday, so every time it makes lies
//! before the load. The record is then written through the store's own
//! functions, as the product writes every row: forms scored by the care
//! layer ([`rapport_care::forms::form_input`]) and saved at the time they
//! were filled in, the plan version by version, contacts and session logs
//! validated as when entered (a session logged on the day the plan changed,
//! of an exercise the change replaced, is left out: the product files a
//! session under the plan of its day). Reading, goals, feedback on logs and
//! messages are stamped by the store at the time of loading. A discharged
//! patient's self-management plan is saved once the discharge is recorded.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use jiff::Timestamp;
use jiff::civil::{Date, date};
use rapport_care::forms::{Answers, form_input, form_of};
use rapport_care::judgement::{Ground, assess, monitor};
use rapport_domain::assessment::{IntakeInput, RED_FLAGS, TimePoint};
use rapport_domain::identity::{ClinicId, Email, PatientId, Role};
use rapport_domain::instruments::Score;
use rapport_domain::monitoring::{
    FlagKind, LogInput, PlanVersion, SessionLog, SkipReason, Thresholds, plan_on,
};
use rapport_domain::patient::PatientDetails;
use rapport_domain::prescription::plan::Change;
use rapport_domain::prescription::{Goal, Plan};
use rapport_domain::record::{
    BeliefReviewFacts, ContactFacts, EducationFacts, EpisodeRecord, FeedbackFacts, GoalFacts,
    IntakeFacts,
};
use rapport_domain::theory::KnowledgeBase;
use rapport_domain::theory::episode::{Completion, FollowUp, InstrumentScore, Practice};
use rapport_store::bulk::{BulkForm, BulkLog};
use rapport_store::{
    Actor, ContactPractice, FollowUpInput, IdBases, LogSource, NewUser, Store, StoredEpisode,
    kind_parse,
};

use crate::synth::{Options, PatientRows, Scenario, Shared};

const DEMO_KEY: &str = "demo_clinic_id";

/// (e-mail, password, role, name). Known passwords: this is demo data and
/// must never be loaded into a database that holds real patients.
const ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    (
        "admin@demo.example",
        "demo-admin-pass",
        Role::Admin,
        "Demo Administrator",
    ),
    (
        "anna.berg@demo.example",
        "demo-clinician-pass",
        Role::Clinician,
        "Anna Berg",
    ),
    (
        "jonas.lie@demo.example",
        "demo-clinician-pass",
        Role::Clinician,
        "Jonas Lie",
    ),
    (
        "researcher@demo.example",
        "demo-researcher-pass",
        Role::Researcher,
        "Demo Researcher",
    ),
];
const PATIENT_PASSWORD: &str = "demo-patient-pass";

/// The generator's seed for the demo clinic.
const SEED: u64 = 2024;
/// Candidates tried for a patient who is to show something.
const CANDIDATES: u64 = 200;

/// How far into care a demo patient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// Referred today: nothing recorded yet.
    Referred,
    /// The red-flag screen was positive: exercise waits for a clearance.
    RedFlag,
    /// The baseline forms and the intake are done.
    Baseline,
    /// And the beliefs checklist, the reading for it and the goals.
    Goals,
    /// Everything the generator made: plan, logs, contacts, outcomes.
    Care,
}

/// What a demo patient's record is to show, by the product's own rules.
#[derive(Debug, Clone, Copy)]
enum Want {
    Nothing,
    /// This monitoring flag today.
    Flag(FlagKind),
    /// Every kind of record, and at least this many of the 34 contexts judged.
    Documented(usize),
}

struct DemoPatient {
    given: &'static str,
    family: &'static str,
    birth: (i16, i8, i8),
    reference: &'static str,
    /// Their login (with [`PATIENT_PASSWORD`]), if they have one.
    login: Option<&'static str>,
    stage: Stage,
    /// The generator stream the search for them starts at.
    stream: u64,
    scenario: Scenario,
    want: Want,
}

/// The demo patients, Kari (the fully documented record) first.
/// `care(age, weeks)`: `age` days into a plan of `weeks` weeks, with none of
/// the planted problems unless a patient is given one.
fn patients() -> Vec<DemoPatient> {
    let care = |age: i64, weeks: i32| Scenario {
        age_days: Some(age),
        weeks: Some(weeks),
        declining: Some(false),
        late: Some(false),
        too_hard: Some(false),
        pain_rise: Some(false),
        ..Scenario::default()
    };
    vec![
        DemoPatient {
            given: "Kari",
            family: "Nordmann",
            birth: (1971, 3, 14),
            reference: "D-1001",
            login: Some("kari.nordmann@demo.example"),
            stage: Stage::Care,
            stream: 0,
            scenario: Scenario {
                clinician: Some(0),
                self_efficacy: Some(0.4),
                fear: Some(1.3),
                bond: Some(1.2),
                enjoy: Some(0.8),
                goals_agreed: Some(true),
                documented: true,
                ..care(47, 12)
            },
            want: Want::Documented(31),
        },
        DemoPatient {
            given: "Per",
            family: "Hansen",
            birth: (1958, 11, 2),
            reference: "D-1002",
            login: None,
            stage: Stage::Care,
            stream: 1000,
            scenario: Scenario {
                clinician: Some(0),
                ..care(38, 12)
            },
            want: Want::Nothing,
        },
        DemoPatient {
            given: "Ingrid",
            family: "Solberg",
            birth: (1985, 6, 23),
            reference: "D-1003",
            login: Some("ingrid.solberg@demo.example"),
            stage: Stage::Referred,
            stream: 2000,
            scenario: Scenario::default(),
            want: Want::Nothing,
        },
        DemoPatient {
            given: "Ahmed",
            family: "Karimi",
            birth: (1979, 1, 9),
            reference: "D-1004",
            login: None,
            stage: Stage::RedFlag,
            stream: 3000,
            scenario: Scenario {
                clinician: Some(1),
                ..care(0, 10)
            },
            want: Want::Nothing,
        },
        DemoPatient {
            given: "Lise",
            family: "Johansen",
            birth: (1992, 9, 30),
            reference: "D-1005",
            login: None,
            stage: Stage::Baseline,
            stream: 4000,
            scenario: Scenario {
                clinician: Some(0),
                ..care(2, 10)
            },
            want: Want::Nothing,
        },
        DemoPatient {
            given: "Tor",
            family: "Bakke",
            birth: (1966, 4, 18),
            reference: "D-1006",
            login: None,
            stage: Stage::Goals,
            stream: 5000,
            scenario: Scenario {
                clinician: Some(1),
                goals_agreed: Some(true),
                ..care(5, 10)
            },
            want: Want::Nothing,
        },
        DemoPatient {
            given: "Marit",
            family: "Olsen",
            birth: (1974, 8, 5),
            reference: "D-1007",
            login: None,
            stage: Stage::Care,
            stream: 6000,
            scenario: Scenario {
                clinician: Some(0),
                fear: Some(1.0),
                pain_rise: Some(true),
                ..care(20, 10)
            },
            want: Want::Flag(FlagKind::PainRising),
        },
        DemoPatient {
            given: "Lars",
            family: "Andersen",
            birth: (1969, 12, 1),
            reference: "D-1008",
            login: None,
            stage: Stage::Care,
            stream: 7000,
            scenario: Scenario {
                clinician: Some(1),
                declining: Some(true),
                ..care(56, 12)
            },
            want: Want::Flag(FlagKind::AdherenceFalling),
        },
        DemoPatient {
            given: "Sofie",
            family: "Pedersen",
            birth: (1988, 2, 17),
            reference: "D-1009",
            login: None,
            stage: Stage::Care,
            stream: 8000,
            scenario: Scenario {
                clinician: Some(1),
                late: Some(true),
                ..care(41, 12)
            },
            want: Want::Flag(FlagKind::FollowUpOverdue),
        },
        DemoPatient {
            given: "Bjørn",
            family: "Haugen",
            birth: (1981, 5, 28),
            reference: "D-1010",
            login: None,
            stage: Stage::Care,
            stream: 9000,
            scenario: Scenario {
                clinician: Some(0),
                too_hard: Some(true),
                ..care(17, 10)
            },
            want: Want::Flag(FlagKind::TooHard),
        },
        DemoPatient {
            given: "Erik",
            family: "Nilsen",
            birth: (1962, 10, 12),
            reference: "D-1011",
            login: None,
            stage: Stage::Care,
            stream: 10000,
            scenario: Scenario {
                clinician: Some(0),
                ..care(8 * 7 + 19, 8)
            },
            want: Want::Nothing,
        },
        DemoPatient {
            given: "Nora",
            family: "Berg",
            birth: (1990, 7, 3),
            reference: "D-1012",
            login: None,
            stage: Stage::Care,
            stream: 11000,
            // Discharged 178 days ago: the six-month forms are open, not done.
            scenario: Scenario {
                clinician: Some(1),
                ..care(10 * 7 + 178, 10)
            },
            want: Want::Nothing,
        },
    ]
}

pub struct DemoLogins {
    pub created: bool,
    pub clinic: ClinicId,
}

impl DemoLogins {
    pub fn print(&self) -> anyhow::Result<()> {
        let what = if self.created {
            "Loaded"
        } else {
            "Using the earlier"
        };
        outln!("{what} demo clinic (id {}). Demo logins:", self.clinic)?;
        for (email, password, role, _) in ACCOUNTS {
            outln!("  {:<10} {email:<28} {password}", role.as_str())?;
        }
        for email in patients().iter().filter_map(|p| p.login) {
            outln!("  {:<10} {email:<28} {PATIENT_PASSWORD}", "patient")?;
        }
        Ok(())
    }
}

/// Loads the demo clinic unless this database already has it.
pub async fn ensure(store: &Store) -> Result<DemoLogins> {
    if let Some(id) = store.setting_get(DEMO_KEY).await? {
        return Ok(DemoLogins {
            created: false,
            clinic: ClinicId(id.parse()?),
        });
    }
    let clinic = store.clinic_create("Rapport Demo Clinic").await?;
    // Claim first, so that two servers starting at once load it only once.
    if !store
        .setting_claim(DEMO_KEY, &clinic.id.to_string())
        .await?
    {
        let id = store.setting_get(DEMO_KEY).await?.unwrap_or_default();
        return Ok(DemoLogins {
            created: false,
            clinic: ClinicId(id.parse()?),
        });
    }
    let mut clinicians = Vec::new();
    for (email, password, role, name) in ACCOUNTS {
        let user = store
            .user_create(&NewUser {
                clinic_id: clinic.id,
                role: *role,
                email: Email::parse(email)?,
                display_name: (*name).to_string(),
                password_hash: hash(password).await?,
                patient_id: None,
            })
            .await?;
        if *role == Role::Clinician {
            clinicians.push(user.actor(Some("demo".into())));
        }
    }
    if clinicians.is_empty() {
        return Err(anyhow!("demo has no clinician"));
    }
    let now = Timestamp::now();
    let zone = rapport_domain::monitoring::patient_zone(&clinic.time_zone)?;
    let today = now.to_zoned(zone.clone()).date();
    let yesterday = today.yesterday()?;
    let list = patients();
    let shared = Shared::in_zone(
        Options {
            patients: list.len() as u64,
            seed: SEED,
            clinicians: clinicians.len() as u64,
            today: yesterday,
        },
        IdBases::default(),
        &clinic.time_zone,
    )?;
    let judge = Judge::new()?;
    let loader = Loader {
        store,
        clinic: clinic.id,
        zone,
        today,
        now,
    };
    for p in &list {
        let clinician = &clinicians[p.scenario.clinician.unwrap_or(0) % clinicians.len()];
        let rows = if p.stage == Stage::Referred {
            None
        } else {
            Some(judge.pick(&shared, p, &loader.zone, today)?)
        };
        loader
            .patient(p, clinician, rows.as_ref())
            .await
            .with_context(|| format!("loading demo patient {} {}", p.given, p.family))?;
    }
    Ok(DemoLogins {
        created: true,
        clinic: clinic.id,
    })
}

async fn hash(password: &str) -> Result<String> {
    Ok(rapport_care::accounts::hash_password(password.to_string()).await?)
}

// ---------------------------------------------------------------------------
// Choosing each patient's record.

/// What the product judges with.
struct Judge {
    kb: KnowledgeBase,
    exercises: rapport_domain::exercise::Library,
    education: rapport_domain::education::Library,
    thresholds: Thresholds,
}

impl Judge {
    fn new() -> Result<Judge> {
        Ok(Judge {
            kb: KnowledgeBase::builtin()?,
            exercises: rapport_domain::exercise::Library::builtin()?,
            education: rapport_domain::education::Library::builtin()?,
            thresholds: Thresholds::default(),
        })
    }

    /// The first of the patient's candidates that shows what they are to
    /// show, judged on `today` by the product's rules (the first candidate
    /// if none does, with a warning).
    fn pick(
        &self,
        shared: &Shared,
        p: &DemoPatient,
        zone: &jiff::tz::TimeZone,
        today: Date,
    ) -> Result<PatientRows> {
        let mut first = None;
        for n in 0..CANDIDATES {
            let rows = shared.patient_as(p.stream + n, &p.scenario)?;
            if self.shows(&rows, p.want, zone, today)? {
                return Ok(rows);
            }
            if first.is_none() {
                first = Some(rows);
            }
            if matches!(p.want, Want::Nothing) {
                break;
            }
        }
        tracing::warn!(
            patient = p.reference,
            "no generated record shows {:?}; the first one is used",
            p.want
        );
        first.ok_or_else(|| anyhow!("no record generated for {}", p.reference))
    }

    fn shows(
        &self,
        rows: &PatientRows,
        want: Want,
        zone: &jiff::tz::TimeZone,
        today: Date,
    ) -> Result<bool> {
        if matches!(want, Want::Nothing) {
            return Ok(true);
        }
        let episode = StoredEpisode {
            clinic_id: ClinicId(1),
            patient_id: PatientId(1),
            given_name: String::new(),
            family_name: String::new(),
            time_zone: zone.iana_name().unwrap_or("UTC").to_string(),
            record: Arc::new(record_of(rows, zone)?),
        };
        let ground = Ground {
            kb: &self.kb,
            exercises: &self.exercises,
            education: &self.education,
            thresholds: &self.thresholds,
        };
        Ok(match want {
            Want::Nothing => true,
            Want::Flag(kind) => monitor(&episode.record, today, &self.thresholds, &self.exercises)
                .is_some_and(|(flags, _)| flags.iter().any(|f| f.kind == kind)),
            Want::Documented(n) => {
                every_kind(rows)
                    && assess(
                        &episode,
                        today,
                        &ground,
                        rapport_care::judgement::Sources::Left,
                    )
                    .judgement
                    .judged()
                        >= n
            }
        })
    }
}

/// Whether the rows hold every kind of record the product keeps.
fn every_kind(rows: &PatientRows) -> bool {
    let form = |tp: &str, key: &str| {
        rows.forms
            .iter()
            .any(|f| f.time_point == tp && f.form == key)
    };
    let all_practices = Practice::ALL.iter().map(|p| p.key()).collect::<Vec<_>>();
    form("baseline", "intake")
        && ["red_flags", "startback", "nprs", "rmdq", "pseq", "tsk11"]
            .iter()
            .all(|k| form("baseline", k))
        && form("during_care", "waisr")
        && rows.belief_reviews.iter().any(|b| b.reconciled != "[]")
        && rows
            .goals
            .iter()
            .any(|g| g.goal.contains("\"agreed_together\":true"))
        && rows.versions.iter().all(|v| {
            serde_json::from_str::<Plan>(&v.plan).is_ok_and(|p| {
                p.co_designed
                    && p.whole_person.as_ref().is_some_and(|a| !a.is_empty())
                    && p.items.iter().all(|i| i.goal.is_some())
            })
        })
        && rows.education.iter().any(|e| e.read_at.is_some())
        && !rows.log_comments.is_empty()
        && rows.logs.iter().any(|l| l.enjoyment.is_some())
        && rows
            .follow_ups
            .iter()
            .any(|f| f.checklist_complete && all_practices.iter().all(|k| f.practices.contains(k)))
        && rows
            .follow_ups
            .iter()
            .any(|f| f.corrected == Some(true) && f.progressed == Some(true))
        && rows.follow_ups.iter().any(|f| f.benefit.is_some())
}

/// The local day of an instant.
fn day_in(t: Timestamp, zone: &jiff::tz::TimeZone) -> Date {
    t.to_zoned(zone.clone()).date()
}

fn completion(s: &str) -> Completion {
    match s {
        "partly" => Completion::Partly,
        "skipped" => Completion::Skipped,
        _ => Completion::Completed,
    }
}

fn session(l: &BulkLog) -> SessionLog {
    let small = |v: Option<i32>| v.and_then(|v| u8::try_from(v).ok());
    let short = |v: Option<i32>| v.and_then(|v| u16::try_from(v).ok());
    SessionLog {
        exercise_id: l.exercise_id.clone(),
        date: l.log_date,
        at: l.at,
        completion: completion(l.completion),
        skip_reason: l.skip_reason.and_then(SkipReason::parse),
        sets: small(l.sets),
        reps: short(l.reps),
        minutes: short(l.minutes),
        pain_before: small(l.pain_before),
        pain_after: small(l.pain_after),
        difficulty: small(l.difficulty),
        enjoyment: small(l.enjoyment),
        note: None,
    }
}

fn plans(rows: &PatientRows) -> Result<Vec<PlanVersion>> {
    rows.versions
        .iter()
        .map(|v| {
            Ok(PlanVersion {
                starts_on: v.created_on,
                plan: serde_json::from_str(&v.plan)?,
            })
        })
        .collect()
}

/// The record the rows make, as the store builds it from its tables, for
/// choosing a candidate before anything is written.
fn record_of(rows: &PatientRows, zone: &jiff::tz::TimeZone) -> Result<EpisodeRecord> {
    let mut r = EpisodeRecord {
        episode_id: 1,
        opened_on: rows.episode.opened_on,
        discharged_on: rows.episode.discharged_on,
        plans: plans(rows)?,
        ..Default::default()
    };
    r.plan_ids = (1..=r.plans.len() as i64).collect();
    for (i, l) in rows.logs.iter().enumerate() {
        r.logs.push(session(l));
        r.log_ids.push(i as i64 + 1);
    }
    for (i, f) in rows.follow_ups.iter().enumerate() {
        r.follow_ups.push(FollowUp {
            date: f.contact_on,
            kind: kind_parse(f.kind).ok_or_else(|| anyhow!("contact kind {}", f.kind))?,
            feedback_given: f.feedback_given,
            patient_feels_supported: f.feels_supported,
        });
        r.contacts.push(ContactFacts {
            id: i as i64 + 1,
            practices: practices(&f.practices),
            checklist_complete: f.checklist_complete,
            corrected: f.corrected,
            progressed: f.progressed,
            benefit: f.benefit.and_then(|b| u8::try_from(b).ok()),
        });
    }
    for (i, f) in rows.forms.iter().enumerate() {
        let id = i as i64 + 1;
        let date = day_in(f.completed_at, zone);
        match f.form {
            "red_flags" => {}
            "intake" => {
                let intake = serde_json::from_str(&f.result)?;
                r.intake = Some(IntakeFacts::of(id, date, &intake));
            }
            _ => {
                let s: Score = serde_json::from_str(&f.result)?;
                let Some(total) = s.total else { continue };
                r.scores.push(InstrumentScore {
                    instrument: s.instrument,
                    version: s.version,
                    date,
                    total,
                    subscales: s
                        .subscales
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, v?)))
                        .collect(),
                    band: s.band.map(|b| b.code),
                });
                r.score_ids.push(id);
            }
        }
    }
    for (i, b) in rows.belief_reviews.iter().enumerate() {
        r.belief_reviews.push(BeliefReviewFacts {
            id: i as i64 + 1,
            date: b.reviewed_on,
            confirmed: serde_json::from_str(&b.confirmed)?,
            reconciled: serde_json::from_str(&b.reconciled)?,
        });
    }
    for (i, g) in rows.goals.iter().enumerate() {
        let goal: Goal = serde_json::from_str(&g.goal)?;
        r.goals.push(GoalFacts {
            id: i as i64 + 1,
            agreed_together: goal.agreed_together,
            agreed_on: goal.agreed_on,
            set_on: day_in(g.created_at, zone),
        });
    }
    for (i, e) in rows.education.iter().enumerate() {
        r.education.push(EducationFacts {
            id: i as i64 + 1,
            item_id: e.item_id.clone(),
            date: day_in(e.assigned_at, zone),
            read: e.read_at.is_some(),
        });
    }
    for (i, c) in rows.log_comments.iter().enumerate() {
        r.feedback.push(FeedbackFacts {
            id: i as i64 + 1,
            log_id: c.log_id + 1,
            date: day_in(c.created_at, zone),
        });
    }
    Ok(r)
}

fn practices(keys: &str) -> BTreeSet<Practice> {
    keys.split(',').filter_map(Practice::parse).collect()
}

// ---------------------------------------------------------------------------
// Writing a patient through the store's functions.

struct Loader<'a> {
    store: &'a Store,
    clinic: ClinicId,
    zone: jiff::tz::TimeZone,
    today: Date,
    now: Timestamp,
}

fn opt(v: Option<i32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Loader<'_> {
    async fn patient(
        &self,
        p: &DemoPatient,
        clinician: &Actor,
        rows: Option<&PatientRows>,
    ) -> Result<()> {
        let store = self.store;
        let email = p.login.map(Email::parse).transpose()?;
        let opened = rows.map_or(self.today, |r| r.episode.opened_on);
        let (y, m, d) = p.birth;
        let created = store
            .patient_admit(
                clinician,
                &PatientDetails {
                    given_name: p.given.into(),
                    family_name: p.family.into(),
                    birth_date: date(y, m, d),
                    email: email.clone(),
                    phone: None,
                    external_ref: Some(p.reference.into()),
                },
                opened,
            )
            .await?;
        let patient = created.value.id;
        let own = match email {
            Some(email) => store
                .user_create(&NewUser {
                    clinic_id: self.clinic,
                    role: Role::Patient,
                    email,
                    display_name: format!("{} {}", p.given, p.family),
                    password_hash: hash(PATIENT_PASSWORD).await?,
                    patient_id: Some(patient),
                })
                .await?
                .actor(Some("demo".into())),
            // A patient without an account logs from the clinic's app.
            None => Actor {
                user_id: None,
                clinic_id: self.clinic,
                role: Role::Patient,
                patient_id: Some(patient),
                address: Some("demo".into()),
            },
        };
        let Some(rows) = rows else {
            return Ok(());
        };
        let episode = store
            .episode_current(clinician, patient)
            .await?
            .ok_or_else(|| anyhow!("no episode"))?
            .id;

        // The red-flag screen first: it decides whether exercise may start.
        if p.stage == Stage::RedFlag {
            let Some(screen) = rows.forms.iter().find(|f| f.form == "red_flags") else {
                return Ok(());
            };
            // Weight lost without trying: exercise waits for a medical review.
            let answers = RED_FLAGS
                .iter()
                .map(|f| Some(f.key == "weight_loss"))
                .collect();
            self.form(clinician, episode, screen, Some(Answers::RedFlags(answers)))
                .await?;
            return Ok(());
        }
        let baseline = rows.forms.iter().filter(|f| f.time_point == "baseline");
        for f in baseline {
            self.form(clinician, episode, f, None).await?;
        }
        if p.stage == Stage::Baseline {
            return Ok(());
        }

        // The beliefs checklist at the assessment and the goals.
        let reviews = &rows.belief_reviews;
        if let Some(b) = reviews.first() {
            self.beliefs(clinician, episode, b).await?;
        }
        for g in &rows.goals {
            let goal: Goal = serde_json::from_str(&g.goal)?;
            store.goal_add(clinician, patient, &goal).await?;
        }
        let mut assigned = Vec::new();
        for e in &rows.education {
            let a = store
                .education_assign(clinician, patient, &e.item_id)
                .await?;
            assigned.push((a.id, e.read_at.is_some()));
        }
        if p.stage == Stage::Goals {
            return Ok(());
        }

        // The plan, version by version; contacts; the sessions logged.
        let versions = plans(rows)?;
        for (v, row) in versions.iter().zip(&rows.versions) {
            let changes: Vec<Change> = serde_json::from_str(&row.changes)?;
            store
                .prescription_save(
                    clinician,
                    patient,
                    &v.plan,
                    &changes,
                    &row.reason,
                    v.starts_on,
                )
                .await?;
        }
        for f in &rows.follow_ups {
            let input = FollowUpInput {
                date: Some(f.contact_on),
                kind: kind_parse(f.kind),
                feedback_given: f.feedback_given,
                feels_supported: f.feels_supported,
                notes: f.notes.clone(),
                corrections: f.corrections.clone(),
                plan_version: f.plan_version.map(i64::from),
                next_contact_on: f.next_contact_on,
                next_reason: f.next_reason.clone(),
                contact: ContactPractice {
                    practices: practices(&f.practices),
                    checklist_complete: f.checklist_complete,
                    corrected: f.corrected,
                    progressed: f.progressed,
                    benefit: f.benefit.and_then(|b| u8::try_from(b).ok()),
                },
            };
            store
                .follow_up_add(clinician, patient, &input, self.today)
                .await?;
        }
        let mut stored_logs: Vec<Option<i64>> = Vec::with_capacity(rows.logs.len());
        for l in &rows.logs {
            let in_plan = plan_on(&versions, l.log_date)
                .is_some_and(|plan| plan.items.iter().any(|i| i.exercise_id == l.exercise_id));
            if !in_plan {
                stored_logs.push(None);
                continue;
            }
            let input = LogInput {
                exercise_id: l.exercise_id.clone(),
                completion: l.completion.into(),
                skip_reason: l.skip_reason.unwrap_or_default().into(),
                sets: opt(l.sets),
                reps: opt(l.reps),
                minutes: opt(l.minutes),
                pain_before: opt(l.pain_before),
                pain_after: opt(l.pain_after),
                difficulty: opt(l.difficulty),
                enjoyment: opt(l.enjoyment),
                datetime: l.at.map(|t| t.to_string()).unwrap_or_default(),
                date: if l.at.is_none() {
                    l.log_date.to_string()
                } else {
                    String::new()
                },
                ..LogInput::default()
            };
            let stored = store
                .log_add(&own, patient, &input, LogSource::Web, self.now)
                .await?;
            stored_logs.push(Some(stored.id));
        }
        for c in &rows.log_comments {
            let log = usize::try_from(c.log_id)
                .ok()
                .and_then(|i| stored_logs.get(i).copied().flatten());
            if let Some(log) = log {
                store
                    .log_comment_add(clinician, patient, log, &c.body)
                    .await?;
            }
        }
        for (id, read) in assigned {
            if read {
                store.education_mark_read(&own, id).await?;
            }
        }
        // The forms of care and after, and the beliefs reviewed again.
        for f in rows.forms.iter().filter(|f| f.time_point != "baseline") {
            self.form(clinician, episode, f, None).await?;
        }
        for b in reviews.iter().skip(1) {
            self.beliefs(clinician, episode, b).await?;
        }
        if p.want.documented() {
            self.messages(clinician, &own, patient).await?;
        }
        if let Some(on) = rows.episode.discharged_on {
            store.episode_discharge(clinician, patient, on).await?;
            // The plan the patient keeps, written with them at discharge.
            if let Some(s) = &rows.self_management {
                let plan = serde_json::from_str(&s.plan)?;
                store
                    .self_management_save(clinician, patient, &plan, s.written_on)
                    .await?;
            }
        }
        Ok(())
    }

    /// Saves a generated form as the product saves it: the answers given,
    /// scored by the care layer, at the time it was filled in.
    async fn form(
        &self,
        clinician: &Actor,
        episode: i64,
        f: &BulkForm,
        answers: Option<Answers>,
    ) -> Result<()> {
        let tp =
            TimePoint::parse(f.time_point).ok_or_else(|| anyhow!("time point {}", f.time_point))?;
        let form =
            form_of(tp, f.form).ok_or_else(|| anyhow!("no form {} at {}", f.form, f.time_point))?;
        let answers = match answers {
            Some(a) => a,
            None => match f.form {
                "red_flags" => Answers::RedFlags(serde_json::from_str(&f.answers)?),
                "intake" => Answers::Intake {
                    input: Box::new(serde_json::from_str::<IntakeInput>(&f.answers)?),
                    finish: true,
                },
                _ => Answers::Instrument(serde_json::from_str(&f.answers)?),
            },
        };
        let input = form_input(tp, form, &answers)?;
        self.store
            .form_save_at(clinician, episode, &input, f.completed_at)
            .await?;
        Ok(())
    }

    async fn beliefs(
        &self,
        clinician: &Actor,
        episode: i64,
        b: &rapport_store::bulk::BulkBeliefReview,
    ) -> Result<()> {
        let confirmed: Vec<String> = serde_json::from_str(&b.confirmed)?;
        let reconciled: Vec<String> = serde_json::from_str(&b.reconciled)?;
        self.store
            .belief_review_save(
                clinician,
                episode,
                &confirmed,
                &reconciled,
                &b.note,
                b.reviewed_on,
            )
            .await?;
        Ok(())
    }

    /// The fully documented patient's thread with her clinician.
    async fn messages(&self, clinician: &Actor, own: &Actor, patient: PatientId) -> Result<()> {
        let thread: [(bool, &str); 3] = [
            (
                true,
                "Hi Anna, the exercises felt much easier this week. Is it fine to do them on \
                 the days I walk as well?",
            ),
            (
                false,
                "Hi Kari, yes: on walking days do one set fewer. Keep logging how it feels \
                 and we will look at it together next time.",
            ),
            (
                true,
                "Thank you! I carried the shopping home today without thinking about my back.",
            ),
        ];
        for (from_patient, body) in thread {
            let actor = if from_patient { own } else { clinician };
            self.store.message_send(actor, patient, body).await?;
        }
        Ok(())
    }
}

impl Want {
    fn documented(self) -> bool {
        matches!(self, Want::Documented(_))
    }
}
