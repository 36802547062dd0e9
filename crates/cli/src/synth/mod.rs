//! `rapport demo`: a reproducible synthetic clinic for research.
//!
//! One clinic (Europe/Oslo), `--clinicians` clinician accounts and
//! `--patients` patients, each with an episode (red-flag screen clear), the
//! intake and baseline questionnaires (STarT Back, NPRS, RMDQ, PSEQ, TSK-11),
//! the beliefs checklist and reading answering it, goals, a prescription with
//! one to three versions, months of session logs (some answered by the
//! clinician), contacts with their checklist, supervision and ratings of
//! change, the WAI-SR after the second contact and, once discharged, the
//! discharge and six-month outcomes. The generating model and its planted
//! effects are in [`model`], the care record around them in [`record`], and
//! both in `docs/synthetic-clinic.md`. `serve --demo` makes its patients with
//! the same code ([`Shared::patient_as`] and a [`Scenario`] each).
//!
//! Reproducible: patient `i` draws only from its own random stream
//! (ChaCha8 seeded with `--seed`, stream `i`; the care record from word
//! [`record::EXTRA_WORDS`] of it on), every date and timestamp is
//! derived from `--today`, and ids are numbered in patient order after the
//! largest id already in each table; so generating in parallel (rayon) never
//! changes the result, and the same seed and `--today` on an empty database
//! always write the same rows. Questionnaire answers are generated item by
//! item from the latent traits and scored by the domain's own scoring, so
//! `answers`, `result`, `total` and `band` are what the application stores.

mod import;
pub mod model;
mod record;

pub use import::{Format, run};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{Result, bail};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapport_domain::assessment::intake::{Equipment, ExerciseKind, Setting};
use rapport_domain::education::Stratum;
use rapport_domain::exercise::{Exercise, Library};
use rapport_domain::instruments::{self, Instrument};
use rapport_domain::monitoring::Thresholds;
use rapport_domain::monitoring::follow_up::routine_interval;
use rapport_domain::prescription::builder::{PatientProfile, propose, suggest_plan};
use rapport_domain::prescription::plan::{default_rules, diff};
use rapport_domain::prescription::{Delivery, Goal, Plan, PlanItem};
use rapport_store::bulk::*;
use rapport_store::{IdBases, SyntheticBatch};

use model::*;

/// The password of every synthetic clinician account. Public: never load a
/// synthetic clinic into a database with real patients.
pub const PASSWORD: &str = "synthetic-clinician-pass";
pub const TIME_ZONE: &str = "Europe/Oslo";

/// The most patients one run generates.
pub const MAX_PATIENTS: u64 = 5_000_000;

/// Patients generated and written together (one transaction).
pub const CHUNK: u64 = 2000;

#[derive(Debug, Clone)]
pub struct Options {
    pub patients: u64,
    pub seed: u64,
    pub clinicians: u64,
    pub today: Date,
}

/// What every patient's generation reads.
pub struct Shared {
    pub opts: Options,
    pub bases: IdBases,
    pub clinic_id: i64,
    pub clinician_ids: Vec<i64>,
    clinician_effects: Vec<f64>,
    lib: Library,
    education: rapport_domain::education::Library,
    tz: TimeZone,
    red_flags: (String, String),
    plans: Mutex<HashMap<PlanKey, Arc<Vec<PlanItem>>>>,
    thresholds: Thresholds,
}

/// Per-patient facts kept for the summary and the sample estimates.
#[derive(Debug, Clone, Copy, Default)]
pub struct PatientStats {
    pub active: bool,
    pub six_months: bool,
    pub pseq: f64,
    pub adherence: f64,
    pub rmdq_change: Option<f64>,
}

/// One patient's rows, ids of the per-patient tables not yet numbered. A
/// log comment's `log_id` is the index of its log in `logs` until
/// [`assemble`] numbers them.
pub struct PatientRows {
    pub(crate) patient: BulkPatient,
    pub(crate) episode: BulkEpisode,
    pub(crate) forms: Vec<BulkForm>,
    pub(crate) goals: Vec<BulkGoal>,
    pub(crate) prescription: BulkPrescription,
    pub(crate) versions: Vec<BulkPrescriptionVersion>,
    pub(crate) logs: Vec<BulkLog>,
    pub(crate) follow_ups: Vec<BulkFollowUp>,
    pub(crate) belief_reviews: Vec<BulkBeliefReview>,
    pub(crate) education: Vec<BulkEducation>,
    pub(crate) log_comments: Vec<BulkLogComment>,
    /// Written at discharge.
    pub(crate) self_management: Option<BulkSelfManagementPlan>,
    pub stats: PatientStats,
}

/// What `serve --demo` makes one patient be. The default leaves every draw
/// as drawn, which is what `rapport demo` generates; each field given
/// replaces its draw after the draw is made, so the rest of the patient's
/// stream is unchanged.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// The clinician (index into the clinicians) instead of patient mod K.
    pub clinician: Option<usize>,
    /// Days from the episode's opening to `today`; discharged when the
    /// planned length has passed.
    pub age_days: Option<i64>,
    /// The planned length in weeks.
    pub weeks: Option<i32>,
    pub self_efficacy: Option<f64>,
    pub fear: Option<f64>,
    pub bond: Option<f64>,
    pub enjoy: Option<f64>,
    pub goals_agreed: Option<bool>,
    pub declining: Option<bool>,
    pub late: Option<bool>,
    pub too_hard: Option<bool>,
    pub pain_rise: Option<bool>,
    /// Every kind of record the product keeps, each at least once: the
    /// whole checklist at every contact, a supervised session that
    /// corrected and progressed, ratings of change, reading read and
    /// beliefs reconciled, feedback on logs, a whole-person plan whose every
    /// exercise serves a goal.
    pub documented: bool,
}

/// The patient's stream for the care record's draws (see [`record`]).
fn extra_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut q = rng_for(seed, stream);
    q.set_word_pos(record::EXTRA_WORDS);
    q
}

fn days(d: Date, n: i64) -> Date {
    d.checked_add(Span::new().days(n)).unwrap_or(d)
}

/// The day of the episode opened on `opened` that `d` is (0 = the opening).
fn day_of_episode(opened: Date, d: Date) -> i64 {
    opened
        .until(d)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

fn normal(r: &mut ChaCha8Rng) -> f64 {
    // Box–Muller; one of the pair is enough.
    let u1: f64 = r.random::<f64>().max(1e-12);
    let u2: f64 = r.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn chance(r: &mut ChaCha8Rng, p: f64) -> bool {
    r.random::<f64>() < p
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn int_in(x: f64, lo: i32, hi: i32) -> i32 {
    (x.round() as i32).clamp(lo, hi)
}

fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// Stream numbers outside the patients' range, for clinic-level draws.
const CLINIC_STREAM: u64 = 1 << 62;

impl Shared {
    pub fn new(opts: Options, bases: IdBases) -> Result<Shared> {
        Shared::in_zone(opts, bases, TIME_ZONE)
    }

    /// A generator whose times are local times in `time_zone` (IANA).
    pub fn in_zone(opts: Options, bases: IdBases, time_zone: &str) -> Result<Shared> {
        let clinic_id = bases.clinics + 1;
        let clinician_ids = (1..=opts.clinicians as i64)
            .map(|i| bases.users + i)
            .collect();
        let mut r = rng_for(opts.seed, CLINIC_STREAM);
        let clinician_effects = (0..opts.clinicians).map(|_| normal(&mut r)).collect();
        let answers: Vec<Option<bool>> = rapport_domain::assessment::red_flags::RED_FLAGS
            .iter()
            .map(|_| Some(false))
            .collect();
        let result = rapport_domain::assessment::red_flags::screen(&answers)?;
        Ok(Shared {
            opts,
            bases,
            clinic_id,
            clinician_ids,
            clinician_effects,
            lib: Library::builtin()?,
            education: rapport_domain::education::Library::builtin()?,
            tz: jiff::tz::db().get(time_zone)?,
            red_flags: (
                serde_json::to_string(&answers)?,
                serde_json::to_string(&result)?,
            ),
            plans: Mutex::new(HashMap::new()),
            thresholds: Thresholds::default(),
        })
    }

    /// The local time `hh:mm` on `d` in the clinic's zone.
    fn at(&self, d: Date, minute_of_day: i32) -> Timestamp {
        let m = minute_of_day.clamp(0, 24 * 60 - 1);
        let dt = DateTime::from_parts(d, Time::constant((m / 60) as i8, (m % 60) as i8, 0, 0));
        self.tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The clinic row and the clinician accounts, with one Argon2id hash
    /// (salt derived from the seed, so the hash is reproducible too).
    pub fn clinic_batch(&self) -> Result<SyntheticBatch> {
        use argon2::password_hash::PasswordHasher;
        let mut r = rng_for(self.opts.seed, CLINIC_STREAM + 1);
        let salt: [u8; 16] = r.random();
        let hash = argon2::Argon2::default()
            .hash_password_with_salt(PASSWORD.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
            .to_string();
        let opened = days(self.opts.today, -400);
        let created = self.at(opened, 8 * 60);
        let mut batch = SyntheticBatch::default();
        batch.clinics.push(BulkClinic {
            id: self.clinic_id,
            name: format!("Rapport Synthetic Clinic (seed {})", self.opts.seed),
            time_zone: TIME_ZONE.into(),
            created_at: created,
        });
        for (i, id) in self.clinician_ids.iter().enumerate() {
            let n = i + 1;
            // Beside an earlier synthetic clinic the addresses must differ.
            let email = if self.bases.clinics == 0 {
                format!("clinician{n}@synthetic.example")
            } else {
                format!("clinician{n}.clinic{}@synthetic.example", self.clinic_id)
            };
            batch.users.push(BulkUser {
                id: *id,
                clinic_id: self.clinic_id,
                email,
                display_name: format!("Synthetic Clinician {n}"),
                role: rapport_domain::identity::Role::Clinician,
                password_hash: hash.clone(),
                created_at: created,
            });
        }
        Ok(batch)
    }
}

// ---------------------------------------------------------------------------
// Questionnaires: item answers from latent traits, scored by the domain.

struct Scored {
    answers: String,
    result: String,
    total: Option<f64>,
    band: Option<String>,
}

fn score(instrument: &Instrument, answers: &[i32]) -> Result<Scored> {
    let answers: Vec<Option<i32>> = answers.iter().map(|a| Some(*a)).collect();
    let s = instrument.score(&answers)?;
    Ok(Scored {
        answers: serde_json::to_string(&answers)?,
        result: serde_json::to_string(&s)?,
        total: s.total,
        band: s.band.as_ref().map(|b| b.code.clone()),
    })
}

fn likert(r: &mut ChaCha8Rng, centre: f64, sd: f64, lo: i32, hi: i32) -> i32 {
    int_in(centre + sd * normal(r), lo, hi)
}

fn startback(r: &mut ChaCha8Rng, risk: f64, fear: f64) -> Vec<i32> {
    let mut a = Vec::with_capacity(9);
    for i in 0..8 {
        let x = if i < 4 {
            -0.2 + 1.2 * risk
        } else {
            -0.7 + 1.3 * risk + 0.5 * fear
        };
        a.push(i32::from(chance(r, logistic(x))));
    }
    a.push(likert(r, 2.0 + 0.9 * risk, 0.7, 0, 4));
    a
}

fn pseq(r: &mut ChaCha8Rng, s: f64) -> Vec<i32> {
    (0..10)
        .map(|_| likert(r, 3.0 + 1.3 * s, 0.9, 0, 6))
        .collect()
}

fn tsk(r: &mut ChaCha8Rng, fear: f64) -> Vec<i32> {
    (0..11)
        .map(|_| likert(r, 2.2 + 0.55 * fear, 0.6, 1, 4))
        .collect()
}

fn waisr(r: &mut ChaCha8Rng, bond: f64, goals_agreed: bool) -> Vec<i32> {
    let g = if goals_agreed { 0.4 } else { -0.3 };
    (1..=12)
        .map(|n| match n {
            3 | 5 | 7 | 9 => likert(r, 3.8 + 0.7 * bond, 0.6, 1, 5),
            4 | 6 | 8 | 11 => likert(r, 3.6 + 0.4 * bond + g, 0.6, 1, 5),
            _ => likert(r, 3.6 + 0.4 * bond, 0.6, 1, 5),
        })
        .collect()
}

fn rmdq(r: &mut ChaCha8Rng, total: i32) -> Vec<i32> {
    // `total` of the 24 statements marked, chosen at random.
    let mut items = [0i32; 24];
    let mut idx: Vec<usize> = (0..24).collect();
    for i in 0..(total.clamp(0, 24) as usize) {
        let j = i + r.random_range(0..(24 - i));
        idx.swap(i, j);
        items[idx[i]] = 1;
    }
    items.to_vec()
}

/// The end-of-care questions (1 disagree strongly … 5 agree strongly):
/// taken seriously and reassured with the bond, understanding with the bond
/// and confidence, managing alone and having exercises to keep with
/// adherence.
fn end_of_care(r: &mut ChaCha8Rng, bond: f64, adherence: f64, confidence: f64) -> Vec<i32> {
    let centres = [
        3.7 + 0.8 * bond,
        3.5 + 0.6 * bond,
        3.2 + 0.5 * bond + 0.3 * confidence,
        2.9 + 1.2 * adherence + 0.3 * confidence,
        3.0 + 1.0 * adherence,
        2.8 + 1.6 * adherence,
    ];
    centres.iter().map(|c| likert(r, *c, 0.7, 1, 5)).collect()
}

/// Streams of their own for the end-of-care answers, so that adding them
/// left every other draw of a patient as it was.
const END_OF_CARE_STREAM: [u64; 2] = [1 << 61, 1 << 60];

fn ears(r: &mut ChaCha8Rng, adherence: f64) -> Vec<i32> {
    (1..=6)
        .map(|n| match n {
            // Items 1, 4, 6 are worded for adherence: agreeing (0) is good.
            1 | 4 | 6 => likert(r, 4.0 * (1.0 - adherence), 0.6, 0, 4),
            _ => likert(r, 4.0 * adherence, 0.6, 0, 4),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Plans: the domain's builder, remembered per profile.

const MINUTES: [u16; 4] = [10, 15, 20, 30];
const EQUIPMENT: [&[Equipment]; 3] = [
    &[],
    &[Equipment::Mat],
    &[Equipment::Mat, Equipment::ResistanceBand],
];
const LIKES: [ExerciseKind; 4] = [
    ExerciseKind::Walking,
    ExerciseKind::Stretching,
    ExerciseKind::Strength,
    ExerciseKind::Yoga,
];
const DISLIKES: [&[ExerciseKind]; 3] = [&[], &[ExerciseKind::Running], &[ExerciseKind::Group]];

/// Goal sets: activities worded so that the builder finds their tasks.
const GOALS: [&[(&str, u8, u8)]; 10] = [
    &[("Lift my grandchild from the floor", 2, 7)],
    &[("Walk to work, about 30 minutes", 3, 8)],
    &[
        ("Garden for an hour", 2, 7),
        ("Carry the shopping bags home", 3, 8),
    ],
    &[("Tie my shoes without pain", 4, 9)],
    &[
        ("Sit through a working day", 3, 7),
        ("Walk the dog for 45 minutes", 4, 8),
    ],
    &[("Lift boxes at work", 2, 7)],
    &[
        ("Climb the stairs at home without stopping", 4, 9),
        ("Carry firewood in", 2, 6),
    ],
    &[("Get up from a low chair easily", 3, 8)],
    &[
        ("Bend to load the dishwasher", 3, 8),
        ("Walk in the forest for an hour", 2, 7),
        ("Lift a suitcase into the car", 2, 6),
    ],
    &[("Play with the children on the floor", 3, 8)],
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PlanKey {
    minutes: usize,
    equipment: usize,
    like: usize,
    dislike: usize,
    fearful: bool,
    stratum: u8,
    goals: usize,
}

fn stratum_code(s: Option<&str>) -> u8 {
    match s {
        Some("low") => 0,
        Some("medium") => 1,
        Some("high") => 2,
        _ => 3,
    }
}

impl Shared {
    fn base_plan(&self, key: PlanKey, goals: &[Goal]) -> Arc<Vec<PlanItem>> {
        if let Some(p) = self
            .plans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return p.clone();
        }
        let profile = PatientProfile {
            minutes_per_day: Some(MINUTES[key.minutes]),
            equipment: EQUIPMENT[key.equipment].iter().copied().collect(),
            settings: [Setting::Home, Setting::Outdoors].into(),
            likes: [LIKES[key.like]].into(),
            dislikes: DISLIKES[key.dislike].iter().copied().collect(),
            fearful: key.fearful,
            feared: Default::default(),
            stratum: match key.stratum {
                0 => Some(rapport_domain::education::Stratum::Low),
                1 => Some(rapport_domain::education::Stratum::Medium),
                2 => Some(rapport_domain::education::Stratum::High),
                _ => None,
            },
            goals: goals.to_vec(),
        };
        let all = self.lib.all();
        let proposals = propose(all, &profile);
        let suggested = suggest_plan(all, &proposals, &profile);
        let items: Vec<PlanItem> = suggested
            .items
            .iter()
            .take(5)
            .filter_map(|p| {
                let e = self.lib.get(&p.exercise_id)?;
                let why =
                    p.reasons.first().cloned().unwrap_or_else(|| {
                        "Chosen to keep your back moving and build strength".into()
                    });
                Some(self.item(e, why, p.goal))
            })
            .collect();
        let items = Arc::new(items);
        self.plans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, items.clone());
        items
    }

    fn item(&self, e: &Exercise, why: String, goal: Option<usize>) -> PlanItem {
        let (up, down) = default_rules(e, self.lib.harder(&e.id), self.lib.easier(&e.id));
        PlanItem {
            exercise_id: e.id.clone(),
            dose: e.dose.clone(),
            progression_rule: up,
            regression_rule: down,
            delivery: Delivery::Home,
            goal,
            why,
        }
    }

    fn chain_step(&self, a: &str, b: &str) -> i32 {
        let chain = self.lib.chain(a);
        let pos = |id: &str| chain.iter().position(|e| e.id == id);
        match (pos(a), pos(b)) {
            (Some(x), Some(y)) if y > x => 1,
            (Some(x), Some(y)) if y < x => -1,
            _ => 0,
        }
    }

    fn name(&self, id: &str) -> String {
        self.lib
            .get(id)
            .map(|e| e.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

// ---------------------------------------------------------------------------
// One patient.

const GIVEN: [&str; 24] = [
    "Kari", "Ola", "Ingrid", "Per", "Lise", "Tor", "Anne", "Jonas", "Marit", "Lars", "Sofie",
    "Erik", "Nora", "Ahmed", "Hanne", "Bjørn", "Sara", "Ali", "Eva", "Knut", "Maja", "Even", "Ida",
    "Sindre",
];
const FAMILY: [&str; 24] = [
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Solberg",
    "Karimi",
    "Bakke",
    "Lie",
    "Dahl",
    "Moen",
    "Strand",
];
const SUPERVISED_NOTES: [&str; 4] = [
    "Kept the back neutral while hinging at the hips",
    "Slowed the movement down and breathed out on effort",
    "Shortened the range until it felt manageable",
    "Feet set wider for a steadier base",
];

struct Version {
    day: i64,
    plan: Plan,
    changes: String,
    reason: String,
    number: i32,
    /// The review made an exercise harder (a progression).
    harder: bool,
}

impl Shared {
    /// Generates patient `i` (0-based) of this run.
    pub fn patient(&self, i: u64) -> Result<PatientRows> {
        self.patient_as(i, &Scenario::default())
    }

    /// Generates patient `i` made to be what `sc` says.
    pub fn patient_as(&self, i: u64, sc: &Scenario) -> Result<PatientRows> {
        let o = &self.opts;
        let mut r = rng_for(o.seed, i);
        let mut q = extra_rng(o.seed, i);
        let idx = i as i64;
        let patient_id = self.bases.patients + idx + 1;
        let episode_id = self.bases.episodes + idx + 1;
        let prescription_id = self.bases.prescriptions + idx + 1;
        let clinic_id = self.clinic_id;
        let k = sc
            .clinician
            .filter(|k| *k < self.clinician_ids.len())
            .unwrap_or((i % self.clinician_ids.len() as u64) as usize);
        let clinician = self.clinician_ids[k];

        // Contexts.
        let s = normal(&mut r);
        let fear = normal(&mut r);
        let risk = normal(&mut r);
        let bond = PATIENT_SHARE * normal(&mut r) + CLINICIAN_SHARE * self.clinician_effects[k];
        let goals_agreed = chance(&mut r, P_GOALS_AGREED);
        let enjoy = normal(&mut r);
        let severity = normal(&mut r);
        let pain_z = normal(&mut r);
        let declining = chance(&mut r, P_DECLINING);
        let late = chance(&mut r, P_LATE_FOLLOW_UP);
        let s = sc.self_efficacy.unwrap_or(s);
        let fear = sc.fear.unwrap_or(fear);
        let bond = sc.bond.unwrap_or(bond);
        let enjoy = sc.enjoy.unwrap_or(enjoy);
        let goals_agreed = sc.goals_agreed.unwrap_or(goals_agreed);
        let declining = sc.declining.unwrap_or(declining);
        let late = sc.late.unwrap_or(late);

        // Timeline.
        let weeks = r.random_range(WEEKS_MIN..=WEEKS_MAX);
        let weeks = sc.weeks.unwrap_or(weeks);
        let length = i64::from(weeks) * 7;
        let active = chance(&mut r, ACTIVE_SHARE);
        let age_days = if active {
            r.random_range(1..length)
        } else {
            r.random_range(length + 1..=length + 300)
        };
        let (active, age_days) = match sc.age_days {
            Some(a) => (a < length, a.max(0)),
            None => (active, age_days),
        };
        let opened = days(o.today, -age_days);
        let discharged = (!active).then(|| days(opened, length));
        let end_day = if active { age_days } else { length };
        let six_months_day = length + 182;
        let has_six = !active && six_months_day <= age_days;

        let birth = days(
            o.today,
            -(r.random_range(20..=80i64) * 365 + r.random_range(0..365)),
        );
        let given = GIVEN[r.random_range(0..GIVEN.len())];
        let family = FAMILY[r.random_range(0..FAMILY.len())];
        let start_minute = r.random_range(8 * 60..15 * 60);
        let created = self.at(opened, start_minute);

        // Baseline forms.
        let mut forms = Vec::with_capacity(16);
        let mut form_at = start_minute + 5;
        let push_form = |forms: &mut Vec<BulkForm>,
                         tp: &'static str,
                         day: i64,
                         minute: i32,
                         form: &'static str,
                         version: &'static str,
                         sc: Scored| {
            forms.push(BulkForm {
                id: 0,
                clinic_id,
                patient_id,
                episode_id,
                time_point: tp,
                form,
                version,
                answers: sc.answers,
                result: sc.result,
                total: sc.total,
                band: sc.band,
                entered_by: clinician,
                on_behalf: true,
                completed_at: self.at(days(opened, day), minute),
            });
        };
        let red_flag_at = self.at(opened, form_at);
        push_form(
            &mut forms,
            "baseline",
            0,
            form_at,
            "red_flags",
            "1",
            Scored {
                answers: self.red_flags.0.clone(),
                result: self.red_flags.1.clone(),
                total: Some(0.0),
                band: Some("clear".into()),
            },
        );
        let sb = instruments::find("startback")?;
        let nprs = instruments::find("nprs")?;
        let rmdq_i = instruments::find("rmdq")?;
        let pseq_i = instruments::find("pseq")?;
        let tsk_i = instruments::find("tsk11")?;
        let wai = instruments::find("waisr")?;
        let pgic = instruments::find("pgic")?;
        let ears_i = instruments::find("ears")?;
        let eoc_i = instruments::find("endofcare")?;

        let sb_score = score(sb, &startback(&mut r, risk, fear))?;
        let stratum = sb_score.band.clone();
        let high_risk = stratum.as_deref() == Some("high");
        let pain0 = int_in(6.0 + 1.5 * pain_z, 1, 10);
        let rmdq0 = int_in(13.0 + 3.5 * severity, 4, 24);
        let pseq_score = score(pseq_i, &pseq(&mut r, s))?;
        let pseq0 = pseq_score.total.unwrap_or(0.0);
        let tsk_score = score(tsk_i, &tsk(&mut r, fear))?;
        let fearful = tsk_score.total.unwrap_or(0.0)
            >= rapport_domain::theory::signals::TSK11_FEARFUL_AT_OR_ABOVE;
        for (code, inst, sc) in [
            ("startback", sb, sb_score),
            ("nprs", nprs, score(nprs, &[pain0])?),
            ("rmdq", rmdq_i, score(rmdq_i, &rmdq(&mut r, rmdq0))?),
            ("pseq", pseq_i, pseq_score),
            ("tsk11", tsk_i, tsk_score),
        ] {
            form_at += 4;
            push_form(&mut forms, "baseline", 0, form_at, code, inst.version, sc);
        }
        // The alliance during care, asked after the second contact (its
        // answers drawn here, where the stream has always drawn them).
        let wai_during = if end_day >= 14 {
            Some(score(wai, &waisr(&mut r, bond, goals_agreed))?)
        } else {
            None
        };

        // Mechanisms and the adherence target.
        let g = if goals_agreed { 1.0 } else { 0.0 };
        let trust = TRUST_FROM_BOND * bond + TRUST_FROM_GOALS * g;
        let motivation =
            MOTIVATION_FROM_ENJOY * enjoy + MOTIVATION_FROM_GOALS * g + MOTIVATION_FROM_FEAR * fear;
        let confidence = s + CONFIDENCE_FROM_FEAR * fear;
        let target = (ADHERENCE_BASE
            + ADHERENCE_FROM_TRUST * trust
            + ADHERENCE_FROM_MOTIVATION * motivation
            + ADHERENCE_FROM_CONFIDENCE * confidence
            + if high_risk { ADHERENCE_HIGH_RISK } else { 0.0 }
            + ADHERENCE_NOISE_SD * normal(&mut r))
        .clamp(ADHERENCE_MIN, ADHERENCE_MAX);

        // Goals.
        let goal_set = r.random_range(0..GOALS.len());
        let goal_by = days(opened, length);
        let goals: Vec<Goal> = GOALS[goal_set]
            .iter()
            .map(|(activity, now, target)| Goal {
                activity: (*activity).to_string(),
                current_level: *now,
                target_level: *target,
                by: goal_by,
                agreed_together: goals_agreed,
                agreed_on: goals_agreed.then_some(opened),
            })
            .collect();
        let goal_rows: Vec<BulkGoal> = goals
            .iter()
            .enumerate()
            .map(|(n, goal)| {
                Ok(BulkGoal {
                    id: 0,
                    clinic_id,
                    patient_id,
                    episode_id,
                    goal: serde_json::to_string(goal)?,
                    created_by: clinician,
                    created_at: self.at(opened, start_minute + 40 + n as i32),
                })
            })
            .collect::<Result<_>>()?;

        // The first plan.
        let key = PlanKey {
            minutes: r.random_range(0..MINUTES.len()),
            equipment: r.random_range(0..EQUIPMENT.len()),
            like: r.random_range(0..LIKES.len()),
            dislike: r.random_range(0..DISLIKES.len()),
            fearful,
            stratum: stratum_code(stratum.as_deref()),
            goals: goal_set,
        };
        let days_per_week: u8 = r.random_range(2..=5);
        let base = self.base_plan(key, &goals);
        let dose_weeks = |from_day: i64| -> u8 {
            let left = (length - from_day + 6) / 7 + 1;
            u8::try_from(left.clamp(4, 52)).unwrap_or(4)
        };
        let mut plan = Plan {
            items: base
                .iter()
                .cloned()
                .map(|mut it| {
                    it.dose.per_week = it.dose.per_week.min(days_per_week).max(1);
                    it.dose.weeks = dose_weeks(0);
                    if sc.documented && it.goal.is_none() {
                        it.goal = Some(0);
                    }
                    it
                })
                .collect(),
            co_designed: goals_agreed,
            whole_person: record::whole_person(&mut q, bond, sc.documented),
        };
        if plan.items.is_empty() {
            bail!("the builder proposed no exercise for a synthetic profile");
        }
        let too_hard = chance(&mut r, P_TOO_HARD);
        let pain_rise = chance(
            &mut r,
            if fearful {
                P_PAIN_RISE_FEARFUL
            } else {
                P_PAIN_RISE
            },
        );
        let too_hard = sc.too_hard.unwrap_or(too_hard);
        let pain_rise = sc.pain_rise.unwrap_or(pain_rise);
        let problem_item = r.random_range(0..plan.items.len());
        let mut problem: Option<String> =
            (too_hard || pain_rise).then(|| plan.items[problem_item].exercise_id.clone());

        // Follow-ups, with plan reviews at the first contact from day 26 and 54.
        let stratum_e = stratum.as_deref().and_then(Stratum::parse);
        let mut follow_days = Vec::new();
        let mut last = 0i64;
        loop {
            let concerns = problem.is_some() && last < 26;
            let (interval, _) =
                routine_interval(stratum_e, Some(pseq0), concerns, true, 0, &self.thresholds);
            let slack = if late {
                r.random_range(10..=25)
            } else {
                r.random_range(0..=3)
            };
            let next = last + i64::from(interval) + slack;
            if next > end_day || (!active && next >= length) {
                break;
            }
            follow_days.push(next);
            last = next;
        }
        let mut versions: Vec<Version> = vec![Version {
            day: 0,
            changes: serde_json::to_string(&diff(&Plan::default(), &plan, &|a, b| {
                self.chain_step(a, b)
            }))?,
            plan: plan.clone(),
            reason: "First plan, agreed at the assessment".into(),
            number: 1,
            harder: false,
        }];
        let mut problem_until = i64::MAX;
        for review in [26i64, 54] {
            let Some(&day) = follow_days.iter().find(|d| **d >= review) else {
                continue;
            };
            if versions.iter().any(|v| v.day == day) {
                continue;
            }
            let mut next = plan.clone();
            for it in &mut next.items {
                it.dose.weeks = dose_weeks(day);
            }
            let reason;
            let harder = problem.is_none();
            if let Some(pid) = problem.take() {
                let pos = next
                    .items
                    .iter()
                    .position(|it| it.exercise_id == pid)
                    .unwrap_or(0);
                let old = next.items[pos].clone();
                if let Some(e) = self.lib.easier(&old.exercise_id) {
                    let mut it = self.item(e, old.why.clone(), old.goal);
                    it.dose.per_week = old.dose.per_week;
                    it.dose.weeks = old.dose.weeks;
                    next.items[pos] = it;
                } else {
                    let d = &mut next.items[pos].dose;
                    d.sets = d.sets.saturating_sub(1).max(1);
                    d.reps = d.reps.map(|x| (x * 2 / 3).max(1));
                    d.duration_minutes = d.duration_minutes.map(|x| (x * 2 / 3).max(1));
                    d.hold_seconds = d.hold_seconds.map(|x| (x * 2 / 3).max(1));
                }
                reason = format!(
                    "{} made easier: {}",
                    self.name(&old.exercise_id),
                    if too_hard {
                        "rated too hard"
                    } else {
                        "pain rose after it"
                    }
                );
                problem_until = day;
            } else {
                let cap = if fearful || high_risk { 3 } else { 4 };
                let pos = next.items.iter().position(|it| {
                    self.lib
                        .harder(&it.exercise_id)
                        .is_some_and(|h| h.level <= cap)
                });
                if let Some(pos) = pos {
                    let old = next.items[pos].clone();
                    if let Some(h) = self.lib.harder(&old.exercise_id) {
                        let mut it = self.item(h, old.why.clone(), old.goal);
                        it.dose.per_week = old.dose.per_week;
                        it.dose.weeks = old.dose.weeks;
                        next.items[pos] = it;
                    }
                    reason = format!(
                        "{} made harder: easy for three sessions running, no rise in pain",
                        self.name(&old.exercise_id)
                    );
                } else {
                    let d = &mut next.items[0].dose;
                    d.sets = (d.sets + 1).min(20);
                    reason = "One more set: the plan has become easy".into();
                }
            }
            let changes = diff(&plan, &next, &|a, b| self.chain_step(a, b));
            let number = versions.len() as i32 + 1;
            versions.push(Version {
                day,
                plan: next.clone(),
                changes: serde_json::to_string(&changes)?,
                reason,
                number,
                harder,
            });
            plan = next;
        }
        let problem_id = (too_hard || pain_rise).then(|| base[problem_item].exercise_id.clone());

        // Sessions, day by day.
        let spw = versions[0].plan.sessions_per_week().clamp(1, 7);
        let offset: i64 = r.random_range(0..7);
        let slots: Vec<i64> = (0..i64::from(spw))
            .map(|j| (offset + j * 7 / i64::from(spw)) % 7)
            .collect();
        let reminder = r.random_range(7 * 60..21 * 60);
        let mut logs = Vec::with_capacity(64);
        let (mut prescribed, mut credit) = (0.0f64, 0.0f64);
        let mut week_p = target;
        let mut current_week = -1i64;
        let mut day_date = days(opened, 1);
        for day in 1..=end_day {
            if day > 1 {
                day_date = day_date.tomorrow().unwrap_or(day_date);
            }
            let week = (day - 1) / 7;
            if week != current_week {
                current_week = week;
                let decline = if declining && week as i32 >= DECLINE_FROM_WEEK {
                    DECLINE_PER_WEEK * f64::from(week as i32 - DECLINE_FROM_WEEK + 1)
                } else {
                    0.0
                };
                week_p = (target - decline + WEEKLY_NOISE_SD * normal(&mut r))
                    .clamp(ADHERENCE_MIN / 2.0, ADHERENCE_MAX);
            }
            let Some(slot) = slots.iter().position(|d| *d == (day - 1) % 7) else {
                continue;
            };
            let plan_now = &versions
                .iter()
                .rev()
                .find(|v| v.day < day)
                .unwrap_or(&versions[0])
                .plan;
            prescribed += 1.0;
            let progress = day as f64 / length as f64;
            let pain_today = pain0 as f64 * (1.0 - 0.35 * progress * (0.5 + target));
            let minute = reminder + r.random_range(-40..=40);
            let at = self.at(day_date, minute);
            let created_at =
                at.checked_add(jiff::SignedDuration::from_mins(r.random_range(2..30)))?;
            let done = chance(&mut r, week_p);
            if !done && !chance(&mut r, P_LOG_SKIPPED) {
                continue;
            }
            let skip_reason = if done {
                None
            } else {
                let pain_skip = if pain_rise { 0.35 } else { 0.12 };
                let u: f64 = r.random();
                Some(if u < pain_skip {
                    "pain"
                } else if u < pain_skip + 0.38 {
                    "no_time"
                } else if u < pain_skip + 0.62 {
                    "forgot"
                } else if u < pain_skip + 0.78 {
                    "unwell"
                } else {
                    "other"
                })
            };
            let pain_before = int_in(pain_today + normal(&mut r), 0, 10);
            let mut any_done = false;
            let mut any_partly = false;
            for it in plan_now.items.iter() {
                if slot >= usize::from(it.dose.per_week) {
                    continue;
                }
                let mut row = BulkLog {
                    id: 0,
                    clinic_id,
                    patient_id,
                    episode_id,
                    exercise_id: it.exercise_id.clone(),
                    log_date: day_date,
                    at: Some(at),
                    completion: "skipped",
                    skip_reason,
                    sets: None,
                    reps: None,
                    minutes: None,
                    pain_before: Some(pain_before),
                    pain_after: None,
                    difficulty: None,
                    enjoyment: None,
                    source: "demo",
                    entered_by: None,
                    created_at,
                };
                if done {
                    let is_problem = problem_id.as_deref() == Some(it.exercise_id.as_str())
                        && day < problem_until;
                    let partly = chance(&mut r, 0.12);
                    let d = &it.dose;
                    let half = |x: u16| i32::from(if partly { x.div_ceil(2) } else { x });
                    row.completion = if partly { "partly" } else { "done" };
                    row.sets = Some(i32::from(if partly { d.sets.div_ceil(2) } else { d.sets }));
                    row.reps = d.reps.map(half).map(|x| x.clamp(1, 200));
                    row.minutes = d.duration_minutes.map(half).map(|x| x.clamp(1, 240));
                    let rise = if is_problem && pain_rise && chance(&mut r, 0.75) {
                        2 + r.random_range(0..=2)
                    } else {
                        int_in(-0.3 + 0.8 * normal(&mut r), -3, 1)
                    };
                    row.pain_after = Some((pain_before + rise).clamp(0, 10));
                    row.difficulty = Some(if is_problem && too_hard {
                        int_in(4.4 + 0.5 * normal(&mut r), 4, 5)
                    } else {
                        int_in(
                            3.0 - 0.3 * confidence - 0.8 * progress + 0.7 * normal(&mut r),
                            1,
                            5,
                        )
                    });
                    row.enjoyment = Some(int_in(3.2 + 0.8 * enjoy + 0.7 * normal(&mut r), 1, 5));
                    if partly {
                        any_partly = true;
                    } else {
                        any_done = true;
                    }
                } else {
                    row.pain_before = None;
                }
                logs.push(row);
            }
            if any_done {
                credit += 1.0;
            } else if any_partly {
                credit += 0.5;
            }
        }
        let adherence = if prescribed > 0.0 {
            credit / prescribed
        } else {
            0.0
        };

        // Outcomes.
        let rmdq_change = RMDQ_BASE + B * adherence + C_PRIME * s + RMDQ_NOISE_SD * normal(&mut r);
        let nprs_change =
            NPRS_BASE + NPRS_B * adherence + NPRS_C_PRIME * s + NPRS_NOISE_SD * normal(&mut r);
        let rmdq6 = SIX_MONTH_KEEP * rmdq_change + 1.5 * normal(&mut r);
        let nprs6 = SIX_MONTH_KEEP * nprs_change + 0.8 * normal(&mut r);
        let mut stored_change = None;
        let outcome = |forms: &mut Vec<BulkForm>,
                       r: &mut ChaCha8Rng,
                       tp: &'static str,
                       day: i64,
                       rmdq_drop: f64,
                       nprs_drop: f64,
                       with_wai: bool|
         -> Result<f64> {
            let rm = int_in(f64::from(rmdq0) - rmdq_drop, 0, 24);
            let np = int_in(f64::from(pain0) - nprs_drop, 0, 10);
            let s_after = s + 0.3 + 0.5 * adherence;
            let fear_after = fear - 0.3 - 0.3 * adherence;
            let pg = int_in(4.0 - rmdq_drop / 3.0 + 0.7 * normal(r), 1, 7);
            let mut m = start_minute;
            let mut list = vec![
                ("nprs", nprs, score(nprs, &[np])?),
                ("rmdq", rmdq_i, score(rmdq_i, &rmdq(r, rm))?),
                ("pseq", pseq_i, score(pseq_i, &pseq(r, s_after))?),
                ("tsk11", tsk_i, score(tsk_i, &tsk(r, fear_after))?),
                ("pgic", pgic, score(pgic, &[pg])?),
            ];
            if with_wai {
                list.push(("waisr", wai, score(wai, &waisr(r, bond, goals_agreed))?));
            }
            list.push(("ears", ears_i, score(ears_i, &ears(r, adherence))?));
            let stream = if with_wai {
                END_OF_CARE_STREAM[0]
            } else {
                END_OF_CARE_STREAM[1]
            };
            let mut own = rng_for(o.seed, stream | i);
            list.push((
                "endofcare",
                eoc_i,
                score(eoc_i, &end_of_care(&mut own, bond, adherence, s_after))?,
            ));
            for (code, inst, sc) in list {
                m += 3;
                push_form(forms, tp, day, m, code, inst.version, sc);
            }
            Ok(f64::from(rmdq0 - rm))
        };
        if let (Some(sc), Some(&day)) = (wai_during, follow_days.get(1)) {
            push_form(
                &mut forms,
                "during_care",
                day,
                start_minute + 100,
                "waisr",
                wai.version,
                sc,
            );
        }
        if !active {
            stored_change = Some(outcome(
                &mut forms,
                &mut r,
                "discharge",
                length,
                rmdq_change,
                nprs_change,
                true,
            )?);
            if has_six {
                outcome(
                    &mut forms,
                    &mut r,
                    "six_months",
                    six_months_day,
                    rmdq6,
                    nprs6,
                    false,
                )?;
            }
        }

        // Rows for versions and follow-ups.
        let version_rows = versions
            .iter()
            .map(|v| {
                Ok(BulkPrescriptionVersion {
                    id: 0,
                    prescription_id,
                    version: i64::from(v.number),
                    plan: serde_json::to_string(&v.plan)?,
                    changes: v.changes.clone(),
                    reason: v.reason.clone(),
                    created_by: clinician,
                    created_on: days(opened, v.day),
                    created_at: self.at(days(opened, v.day), start_minute + 60),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // The fully documented patient is supervised at the contact that
        // made the plan harder (else the last contact).
        let supervised_on = sc
            .documented
            .then(|| {
                versions
                    .iter()
                    .find(|v| v.harder)
                    .map(|v| v.day)
                    .or(follow_days.last().copied())
            })
            .flatten();
        let mut follow_ups = Vec::with_capacity(follow_days.len());
        for (n, day) in follow_days.iter().enumerate() {
            let on = days(opened, *day);
            let u: f64 = r.random();
            let kind = if u < 0.4 {
                "phone"
            } else if u < 0.55 {
                "video"
            } else if u < 0.8 {
                "in_person"
            } else {
                "supervised"
            };
            let kind = if supervised_on == Some(*day) {
                "supervised"
            } else {
                kind
            };
            let concerns = problem_id.is_some() && *day < problem_until;
            let (interval, basis) =
                routine_interval(stratum_e, Some(pseq0), concerns, true, 0, &self.thresholds);
            let version = versions.iter().find(|v| v.day == *day);
            let checklist = record::checklist(&mut q, n == 0, bond, goals_agreed, sc.documented);
            let supervised = kind == "supervised";
            // A supervised contact corrects (its note) and progresses when
            // the plan was made harder with it; without a plan change the
            // clinician may still move the dose on within the plan.
            let progressed = supervised.then(|| match version {
                Some(v) => v.harder,
                None => chance(&mut q, 0.35),
            });
            let asked = (sc.documented && n > 0) || chance(&mut q, record::P_BENEFIT_ASKED);
            let benefit = asked.then(|| record::benefit(&mut q, *day, length, rmdq_change));
            follow_ups.push(BulkFollowUp {
                id: 0,
                clinic_id,
                patient_id,
                episode_id,
                contact_on: on,
                kind,
                feedback_given: Some(chance(&mut r, 0.5 + 0.3 * logistic(trust))),
                feels_supported: Some(chance(&mut r, logistic(0.5 + trust))),
                notes: String::new(),
                corrections: if kind == "supervised" {
                    SUPERVISED_NOTES[n % SUPERVISED_NOTES.len()].to_string()
                } else {
                    String::new()
                },
                plan_version: version.map(|v| v.number),
                next_contact_on: Some(days(on, i64::from(interval))),
                next_reason: Some(format!(
                    "Routine: every {interval} days, {}",
                    basis.describe(Some(pseq0), 0)
                )),
                recorded_by: Some(clinician),
                created_at: self.at(on, start_minute + 90),
                practices: checklist
                    .practices
                    .iter()
                    .map(|p| p.key())
                    .collect::<Vec<_>>()
                    .join(","),
                checklist_complete: checklist.complete,
                corrected: supervised.then_some(true),
                progressed,
                benefit,
            });
        }

        // The intake, the beliefs checklist and the reading answering it.
        let expectations = record::expectations(&mut q, fear);
        let expects_scan = expectations.iter().any(|e| e == "structural_diagnosis");
        let reviewed = sc.documented || chance(&mut q, record::P_BELIEFS_REVIEWED);
        let confirmed = if reviewed {
            record::confirmed_beliefs(&mut q, fear, s, expects_scan, sc.documented)
        } else {
            Vec::new()
        };
        let worries = record::worries(&mut q, &confirmed);
        let intake_input = record::intake(
            &mut q,
            &record::IntakeFacts {
                s,
                activities: GOALS[goal_set].iter().map(|g| g.0).collect(),
                minutes: MINUTES[key.minutes],
                days_per_week,
                equipment: EQUIPMENT[key.equipment],
                like: LIKES[key.like],
                dislikes: DISLIKES[key.dislike],
                usual_minute: reminder,
                documented: sc.documented,
            },
            expectations,
            worries,
        );
        let intake = rapport_care::forms::form_input(
            rapport_domain::assessment::TimePoint::Baseline,
            rapport_domain::assessment::Form::Intake,
            &rapport_care::forms::Answers::Intake {
                input: Box::new(intake_input),
                finish: true,
            },
        )?;
        forms.insert(
            1.min(forms.len()),
            BulkForm {
                id: 0,
                clinic_id,
                patient_id,
                episode_id,
                time_point: "baseline",
                form: "intake",
                version: "1",
                answers: intake.answers.to_string(),
                result: intake.result.map(|v| v.to_string()).unwrap_or_default(),
                total: None,
                band: None,
                entered_by: clinician,
                on_behalf: true,
                completed_at: self.at(opened, start_minute + 7),
            },
        );
        let motivation_read = logistic(0.6 + 0.8 * motivation);
        let mut education = Vec::new();
        let mut read_beliefs: Vec<&str> = Vec::new();
        let proposals = self.education.propose(
            &confirmed,
            stratum
                .as_deref()
                .and_then(rapport_domain::education::Stratum::parse),
            &[],
        );
        let mut chosen: Vec<&str> = Vec::new();
        if confirmed.is_empty() {
            if chance(&mut q, record::P_GENERAL_READING)
                && let Some(p) = proposals.first()
            {
                chosen.push(&p.item_id);
            }
        } else {
            // Each item answers a belief not yet answered; after the first,
            // a clinician with a better bond gives more.
            let mut open: Vec<&str> = confirmed.iter().map(String::as_str).collect();
            for p in &proposals {
                if open.is_empty() || chosen.len() >= record::MAX_READING {
                    break;
                }
                if !p.beliefs.iter().any(|b| open.contains(&b.as_str())) {
                    continue;
                }
                if !chosen.is_empty() && !sc.documented && !chance(&mut q, logistic(0.8 + bond)) {
                    break;
                }
                open.retain(|b| !p.beliefs.iter().any(|x| x == b));
                chosen.push(&p.item_id);
            }
        }
        for (n, item) in chosen.iter().enumerate() {
            let read_day: i64 = q.random_range(1..=10);
            let read = (sc.documented || chance(&mut q, motivation_read)) && read_day <= end_day;
            if read {
                for p in proposals.iter().filter(|p| p.item_id == *item) {
                    read_beliefs.extend(p.beliefs.iter().map(String::as_str));
                }
            }
            education.push(BulkEducation {
                id: 0,
                clinic_id,
                patient_id,
                episode_id,
                item_id: (*item).to_string(),
                assigned_by: clinician,
                assigned_at: self.at(opened, start_minute + 35 + n as i32),
                read_at: read
                    .then(|| self.at(days(opened, read_day), q.random_range(18 * 60..22 * 60))),
            });
        }
        let mut belief_reviews = Vec::new();
        if reviewed {
            let keys = serde_json::to_string(&confirmed)?;
            belief_reviews.push(BulkBeliefReview {
                id: 0,
                clinic_id,
                episode_id,
                reviewed_by: clinician,
                confirmed: keys.clone(),
                reconciled: "[]".into(),
                note: String::new(),
                reviewed_on: opened,
                reviewed_at: self.at(opened, start_minute + 30),
            });
            // Reviewed again at a later contact: a belief the reading answered
            // and the patient read, with a good bond, is likelier let go.
            let again = follow_days
                .iter()
                .find(|d| **d >= record::SECOND_REVIEW_FROM_DAY)
                .copied();
            if let Some(day) =
                again.filter(|_| sc.documented || chance(&mut q, record::P_SECOND_REVIEW))
                && !confirmed.is_empty()
            {
                let reconciled: Vec<&String> = confirmed
                    .iter()
                    .filter(|b| {
                        let read = read_beliefs.contains(&b.as_str());
                        let p = logistic(-1.0 + if read { 1.6 } else { 0.0 } + 0.9 * bond);
                        sc.documented || chance(&mut q, p)
                    })
                    .collect();
                belief_reviews.push(BulkBeliefReview {
                    id: 0,
                    clinic_id,
                    episode_id,
                    reviewed_by: clinician,
                    confirmed: keys,
                    reconciled: serde_json::to_string(&reconciled)?,
                    note: String::new(),
                    reviewed_on: days(opened, day),
                    reviewed_at: self.at(days(opened, day), start_minute + 95),
                });
            }
        }

        // Feedback on logs: some weeks the clinician answers the week's last
        // session the next working day; more often with a better bond.
        let p_feedback = if sc.documented {
            0.7
        } else {
            0.15 + 0.3 * logistic(bond)
        };
        // The week's last session done, for each week with one, whose next
        // day the episode reached.
        let mut week_ends: Vec<(usize, i64)> = Vec::new();
        let mut last_week = None;
        for (li, l) in logs.iter().enumerate() {
            if l.completion == "skipped" {
                continue;
            }
            let day = day_of_episode(opened, l.log_date);
            let week = (day - 1).div_euclid(7);
            match week_ends.last_mut() {
                Some(last) if last_week == Some(week) => *last = (li, day),
                _ => week_ends.push((li, day)),
            }
            last_week = Some(week);
        }
        week_ends.retain(|(_, day)| *day < end_day);
        let mut answered: Vec<(usize, i64)> = week_ends
            .iter()
            .copied()
            .filter(|_| chance(&mut q, p_feedback))
            .collect();
        if sc.documented && answered.is_empty() {
            answered.extend(week_ends.last().copied());
        }
        let mut log_comments = Vec::with_capacity(answered.len());
        for (li, day) in answered {
            let l = &logs[li];
            let rise = l.pain_after.zip(l.pain_before).map(|(a, b)| a - b);
            log_comments.push(BulkLogComment {
                id: 0,
                clinic_id,
                patient_id,
                log_id: li as i64,
                author_id: clinician,
                body: record::feedback(
                    &self.name(&l.exercise_id),
                    l.completion,
                    rise,
                    l.difficulty,
                ),
                created_at: self.at(days(opened, day + 1), q.random_range(12 * 60..16 * 60)),
                seen_at: None,
            });
        }

        // At discharge, the self-management plan, written as the product
        // writes it: drafted from the record, a goal marked reached when
        // function improved by the RMDQ's minimal important change, checked
        // by the domain's own rules.
        let self_management = match (discharged, stored_change) {
            (Some(on), Some(change)) => Some(BulkSelfManagementPlan {
                id: 0,
                clinic_id,
                patient_id,
                episode_id,
                version: 1,
                plan: serde_json::to_string(&record::self_management(
                    &self.lib,
                    opened,
                    &versions
                        .iter()
                        .map(|v| (days(opened, v.day), &v.plan))
                        .collect::<Vec<_>>(),
                    &goals,
                    &belief_reviews,
                    change >= record::GOAL_REACHED_RMDQ_CHANGE,
                )?)?,
                written_by: clinician,
                written_on: on,
                written_at: self.at(on, start_minute + 120),
            }),
            _ => None,
        };

        Ok(PatientRows {
            patient: BulkPatient {
                id: patient_id,
                clinic_id,
                given_name: given.into(),
                family_name: family.into(),
                birth_date: birth,
                external_ref: format!("SYN-{}", idx + 1),
                created_at: created,
            },
            episode: BulkEpisode {
                id: episode_id,
                clinic_id,
                patient_id,
                opened_on: opened,
                discharged_on: discharged,
                red_flag: "clear",
                red_flag_at: Some(red_flag_at),
                created_at: created,
            },
            forms,
            goals: goal_rows,
            prescription: BulkPrescription {
                id: prescription_id,
                clinic_id,
                patient_id,
                episode_id,
                created_at: self.at(opened, start_minute + 60),
            },
            versions: version_rows,
            logs,
            follow_ups,
            belief_reviews,
            education,
            log_comments,
            self_management,
            stats: PatientStats {
                active,
                six_months: has_six,
                pseq: pseq0,
                adherence,
                rmdq_change: stored_change,
            },
        })
    }
}

/// Running ids of the per-patient tables, continued from chunk to chunk.
#[derive(Debug, Clone, Copy)]
pub struct Counters {
    forms: i64,
    goals: i64,
    versions: i64,
    logs: i64,
    follow_ups: i64,
    belief_reviews: i64,
    education: i64,
    log_comments: i64,
    self_management: i64,
}

impl Counters {
    pub fn after(b: &IdBases) -> Counters {
        Counters {
            forms: b.form_responses,
            goals: b.goals,
            versions: b.prescription_versions,
            logs: b.session_logs,
            follow_ups: b.follow_ups,
            belief_reviews: b.belief_reviews,
            education: b.education_assignments,
            log_comments: b.log_comments,
            self_management: b.self_management_plans,
        }
    }
}

/// Puts patients' rows (in patient order) into one batch, numbering them.
pub fn assemble(
    rows: Vec<PatientRows>,
    c: &mut Counters,
    batch: &mut SyntheticBatch,
    stats: &mut Vec<PatientStats>,
) {
    for p in rows {
        batch.patients.push(p.patient);
        batch.episodes.push(p.episode);
        batch.prescriptions.push(p.prescription);
        for mut f in p.forms {
            c.forms += 1;
            f.id = c.forms;
            batch.forms.push(f);
        }
        for mut g in p.goals {
            c.goals += 1;
            g.id = c.goals;
            batch.goals.push(g);
        }
        for mut v in p.versions {
            c.versions += 1;
            v.id = c.versions;
            batch.versions.push(v);
        }
        let first_log = c.logs + 1;
        for mut l in p.logs {
            c.logs += 1;
            l.id = c.logs;
            batch.logs.push(l);
        }
        for mut f in p.follow_ups {
            c.follow_ups += 1;
            f.id = c.follow_ups;
            batch.follow_ups.push(f);
        }
        for mut b in p.belief_reviews {
            c.belief_reviews += 1;
            b.id = c.belief_reviews;
            batch.belief_reviews.push(b);
        }
        for mut e in p.education {
            c.education += 1;
            e.id = c.education;
            batch.education.push(e);
        }
        for mut m in p.log_comments {
            c.log_comments += 1;
            m.id = c.log_comments;
            m.log_id += first_log;
            batch.log_comments.push(m);
        }
        if let Some(mut s) = p.self_management {
            c.self_management += 1;
            s.id = c.self_management;
            batch.self_management.push(s);
        }
        stats.push(p.stats);
    }
}

/// Least squares of y on (1, x1, x2): the coefficients of x1 and x2.
fn ols2(rows: &[(f64, f64, f64)]) -> Option<(f64, f64)> {
    let n = rows.len() as f64;
    if n < 4.0 {
        return None;
    }
    let (m1, m2, my) = rows.iter().fold((0.0, 0.0, 0.0), |a, r| {
        (a.0 + r.0 / n, a.1 + r.1 / n, a.2 + r.2 / n)
    });
    let (mut s11, mut s22, mut s12, mut s1y, mut s2y) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (x1, x2, y) in rows {
        let (d1, d2, dy) = (x1 - m1, x2 - m2, y - my);
        s11 += d1 * d1;
        s22 += d2 * d2;
        s12 += d1 * d2;
        s1y += d1 * dy;
        s2y += d2 * dy;
    }
    let det = s11 * s22 - s12 * s12;
    (det.abs() > 1e-12).then(|| ((s22 * s1y - s12 * s2y) / det, (s11 * s2y - s12 * s1y) / det))
}

/// What the stored data should show: counts, means, and the mediation paths
/// estimated on the observed PSEQ total, realised adherence and RMDQ change
/// of the discharged patients (per PSEQ point, so they differ from the
/// latent-scale truth by the PSEQ's scale, ≈ 13 points per SD).
pub fn sample_summary(stats: &[PatientStats]) -> serde_json::Value {
    let n = stats.len() as f64;
    let active = stats.iter().filter(|s| s.active).count();
    let mean = |f: &dyn Fn(&PatientStats) -> f64| stats.iter().map(f).sum::<f64>() / n.max(1.0);
    let pseq_mean = mean(&|s| s.pseq);
    let pseq_sd = (stats
        .iter()
        .map(|s| (s.pseq - pseq_mean).powi(2))
        .sum::<f64>()
        / (n - 1.0).max(1.0))
    .sqrt();
    let discharged: Vec<(f64, f64, f64)> = stats
        .iter()
        .filter_map(|s| s.rmdq_change.map(|y| (s.pseq, s.adherence, y)))
        .collect();
    let a_simple = {
        let xs: Vec<(f64, f64)> = stats.iter().map(|s| (s.pseq, s.adherence)).collect();
        let mx = xs.iter().map(|p| p.0).sum::<f64>() / n.max(1.0);
        let my = xs.iter().map(|p| p.1).sum::<f64>() / n.max(1.0);
        let sxy: f64 = xs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = xs.iter().map(|p| (p.0 - mx).powi(2)).sum();
        (sxx > 0.0).then(|| sxy / sxx)
    };
    let bc = ols2(
        &discharged
            .iter()
            .map(|(x, m, y)| (*m, *x, *y))
            .collect::<Vec<_>>(),
    );
    serde_json::json!({
        "patients": stats.len(),
        "active_episodes": active,
        "discharged": stats.len() - active,
        "with_six_month_outcome": stats.iter().filter(|s| s.six_months).count(),
        "mean_adherence": mean(&|s| s.adherence),
        "pseq_baseline": { "mean": pseq_mean, "sd": pseq_sd },
        "estimates_per_pseq_point": {
            "a": a_simple,
            "b": bc.map(|v| v.0),
            "c_prime": bc.map(|v| v.1),
            "n_discharged": discharged.len(),
        },
    })
}
