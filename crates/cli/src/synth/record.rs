//! The care record around the exercise: what the clinic records besides
//! questionnaires, plans, logs and contact dates, each only as the product
//! itself collects it: the holistic intake, the beliefs checklist and the
//! reading answering it, the consultation practices ticked at a contact,
//! supervision, the patient's rating of change, the parts of life a plan
//! covers and the clinician's feedback on logged sessions.
//!
//! Every draw here comes from the patient's own stream, from word
//! [`EXTRA_WORDS`] on (see [`super::extra_rng`]), so that the draws of the
//! model's planted effects (traits, adherence, outcomes) are exactly those
//! they were before these records existed. The records follow the latent
//! traits of [`super::model`]: a better bond ticks more of the checklist,
//! gives more of the reading and reconciles more beliefs; motivation reads
//! more; the rating of change follows the model's improvement.

use std::collections::BTreeSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapport_domain::assessment::intake::{Experience, IntakeInput};
use rapport_domain::prescription::plan::LifeArea;
use rapport_domain::theory::episode::Practice;

use super::{chance, int_in, logistic, normal};

/// Where in each patient's stream the draws of the care record begin:
/// far past anything a patient's model draws use (a few thousand words).
pub const EXTRA_WORDS: u128 = 1 << 40;

/// Share of contacts whose clinician goes through the whole checklist (an
/// unticked practice then counts as not done).
pub const P_CHECKLIST_COMPLETE: f64 = 0.4;
/// Share of contacts at which the patient is asked to rate their change.
pub const P_BENEFIT_ASKED: f64 = 0.45;
/// Share of episodes whose beliefs checklist is gone through at the assessment.
pub const P_BELIEFS_REVIEWED: f64 = 0.85;
/// Share of reviewed episodes whose beliefs are reviewed again at the first
/// contact from day [`SECOND_REVIEW_FROM_DAY`].
pub const P_SECOND_REVIEW: f64 = 0.6;
pub const SECOND_REVIEW_FROM_DAY: i64 = 21;
/// Share of plans whose clinician records which parts of life besides the
/// exercises the plan covers (possibly none).
pub const P_WHOLE_PERSON_ASKED: f64 = 0.75;
/// Share of intakes that leave out the six-month hope (so not holistic).
pub const P_INTAKE_PARTIAL: f64 = 0.1;
/// Share of previous physiotherapy that is recorded at all.
pub const P_PHYSIO_RECORDED: f64 = 0.55;
/// Reading when no belief was confirmed: general reading for the stratum.
pub const P_GENERAL_READING: f64 = 0.4;
/// Most items given to answer the confirmed beliefs.
pub const MAX_READING: usize = 3;

/// Each practice's log-odds of being ticked at the first contact and at a
/// later one, before the bond (+1 per SD of the latent bond).
const PRACTICE_LOGIT: [(Practice, f64, f64); 9] = [
    (Practice::RapportBuilt, 1.2, -0.3),
    (Practice::DisclosureInvited, 0.6, 0.0),
    (Practice::SharedDecisions, 0.0, -0.4),
    (Practice::ReassuranceIndividualised, 0.3, 0.0),
    (Practice::ConditionExplained, 0.9, -1.0),
    (Practice::GoalLinkExplained, 0.2, -0.2),
    (Practice::DailyLifeFitPlanned, 0.3, 0.1),
    (Practice::SafeEnvironmentConfirmed, -0.2, 0.0),
    (Practice::BiopsychosocialFraming, 0.0, -0.3),
];
/// Shared decisions are likelier when the goals were agreed together.
const SHARED_WITH_GOALS: f64 = 0.8;

/// What a contact recorded of the consultation checklist.
pub struct Checklist {
    pub practices: BTreeSet<Practice>,
    pub complete: bool,
}

/// The practices ticked at a contact (the first of the episode or a later
/// one). `documented`: the whole checklist, everything ticked at the first
/// contact.
pub fn checklist(
    q: &mut ChaCha8Rng,
    first: bool,
    bond: f64,
    goals_agreed: bool,
    documented: bool,
) -> Checklist {
    let complete = documented || chance(q, P_CHECKLIST_COMPLETE);
    let mut practices = BTreeSet::new();
    for (p, at_first, later) in PRACTICE_LOGIT {
        let mut x = if first { at_first } else { later } + bond;
        if p == Practice::SharedDecisions && goals_agreed {
            x += SHARED_WITH_GOALS;
        }
        let ticked = chance(q, logistic(x));
        if ticked || (documented && (first || chance(q, 0.5))) {
            practices.insert(p);
        }
    }
    Checklist {
        practices,
        complete,
    }
}

/// The parts of life a plan covers besides the exercises: `None` when the
/// clinician was not asked, else the areas (possibly none).
pub fn whole_person(q: &mut ChaCha8Rng, bond: f64, documented: bool) -> Option<BTreeSet<LifeArea>> {
    if documented {
        return Some([LifeArea::DailyActivity, LifeArea::Sleep, LifeArea::Worries].into());
    }
    if !chance(q, P_WHOLE_PERSON_ASKED) {
        return None;
    }
    Some(
        LifeArea::ALL
            .into_iter()
            .filter(|_| chance(q, logistic(-0.6 + 0.8 * bond)))
            .collect(),
    )
}

/// The patient's rating of change (PGIC, 1 very much improved … 7 very
/// much worse) on `day` of a `length`-day episode whose improvement by
/// discharge is `rmdq_change` RMDQ points: the discharge PGIC's rule, on
/// the improvement so far.
pub fn benefit(q: &mut ChaCha8Rng, day: i64, length: i64, rmdq_change: f64) -> i32 {
    let so_far = rmdq_change * (day as f64 / length.max(1) as f64).min(1.0);
    int_in(4.0 - so_far / 3.0 + 0.7 * normal(q), 1, 7)
}

// ---------------------------------------------------------------------------
// The intake and the beliefs checklist.

const EVERYDAY: [&str; 8] = [
    "Full-time office work, mostly sitting; two children at school.",
    "Work in a shop, on my feet most of the day; live alone with a dog.",
    "Retired; look after the grandchildren two afternoons a week.",
    "Nurse on shifts; a lot of lifting and bending at work.",
    "Work from home at a desk; we have a toddler.",
    "Drive a delivery van; coach the children's football team at weekends.",
    "Student, part-time job in a café; cycle everywhere.",
    "Farm work and a big garden; care for my mother.",
];
const CAUSES: [&str; 6] = [
    "I think a disc has slipped or is worn.",
    "I lifted something heavy the wrong way.",
    "Years of bad posture at work.",
    "I do not know; it came on slowly.",
    "Stress and too little sleep make it worse.",
    "My back is weak after an old injury.",
];
const HOPES: [&str; 6] = [
    "Back at work without worrying about my back.",
    "Walking in the forest again at weekends.",
    "Playing with the grandchildren on the floor.",
    "Sleeping through the night.",
    "Gardening and carrying things without thinking about it.",
    "Training again, at my own pace.",
];
const PREVIOUS_NOTES: [&str; 4] = [
    "",
    "Walking helped before; sit-ups made it worse.",
    "Physio years ago with massage, it helped for a while.",
    "Tried a gym once but stopped after a few weeks.",
];

/// Beliefs that fear of movement makes likelier to be confirmed, with each
/// one's log-odds at average fear (+1 per SD of fear).
const FEARFUL_BELIEFS: [(&str, f64); 5] = [
    ("bending_is_dangerous", -1.2),
    ("hurt_means_harm", -1.0),
    ("exercise_will_worsen", -1.6),
    ("back_is_fragile", -1.8),
    ("flare_means_reinjury", -2.0),
];
/// Beliefs that low self-efficacy makes likelier (−0.8 per SD of s).
const DOUBTING_BELIEFS: [(&str, f64); 4] = [
    ("will_never_improve", -2.0),
    ("needs_fixing_by_others", -2.2),
    ("wait_until_pain_free", -2.2),
    ("rest_is_best", -2.0),
];
const OTHER_BELIEFS: [(&str, f64); 2] = [
    ("posture_is_to_blame", -1.6),
    ("scan_will_find_cause", -2.4),
];

/// The beliefs the clinician confirms with the patient at the assessment.
/// `expects_scan`: the patient expects a structural diagnosis.
/// `documented`: at least the fear of bending, which the plan then answers.
pub fn confirmed_beliefs(
    q: &mut ChaCha8Rng,
    fear: f64,
    s: f64,
    expects_scan: bool,
    documented: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, x) in FEARFUL_BELIEFS {
        if chance(q, logistic(x + fear)) {
            out.push(key.to_string());
        }
    }
    for (key, x) in DOUBTING_BELIEFS {
        if chance(q, logistic(x - 0.8 * s)) {
            out.push(key.to_string());
        }
    }
    for (key, x) in OTHER_BELIEFS {
        let x = if key == "scan_will_find_cause" && expects_scan {
            x + 2.4
        } else {
            x
        };
        if chance(q, logistic(x)) {
            out.push(key.to_string());
        }
    }
    if documented && out.is_empty() {
        out.push("bending_is_dangerous".to_string());
    }
    out
}

/// A previous experience of exercise or physiotherapy, better with
/// self-efficacy.
fn experience(q: &mut ChaCha8Rng, s: f64) -> Experience {
    let x = 0.7 * s + 0.9 * normal(q);
    if x > 0.2 {
        Experience::Positive
    } else if x < -1.1 {
        Experience::Negative
    } else if chance(q, 0.6) {
        Experience::Mixed
    } else {
        Experience::None
    }
}

/// What the intake asks that the rest of the record already fixed.
pub struct IntakeFacts<'a> {
    pub s: f64,
    /// The goals' activities, in order.
    pub activities: Vec<&'a str>,
    pub minutes: u16,
    pub days_per_week: u8,
    pub equipment: &'a [rapport_domain::assessment::intake::Equipment],
    pub like: rapport_domain::assessment::intake::ExerciseKind,
    pub dislikes: &'a [rapport_domain::assessment::intake::ExerciseKind],
    /// The minute of the day the patient usually exercises.
    pub usual_minute: i32,
    pub documented: bool,
}

/// What the patient expects of physiotherapy, as ticked at intake (keys of
/// [`rapport_domain::assessment::Expectation`]); fear makes a structural
/// diagnosis likelier.
pub fn expectations(q: &mut ChaCha8Rng, fear: f64) -> Vec<String> {
    use rapport_domain::assessment::Expectation as E;
    let mut out: Vec<String> = [
        (E::Exercises, 0.75),
        (E::Explanation, 0.5),
        (E::SelfManagementAdvice, 0.35),
        (E::Reassurance, 0.45),
        (E::StructuralDiagnosis, (0.2 + 0.1 * fear).clamp(0.05, 0.6)),
        (E::HandsOnTreatment, 0.3),
        (E::PainFree, 0.12),
    ]
    .into_iter()
    .filter(|(_, p)| chance(q, *p))
    .map(|(e, _)| e.as_str().to_string())
    .collect();
    if out.is_empty() {
        out.push(E::Exercises.as_str().to_string());
    }
    out
}

/// The intake as the patient (or the clinician with them) typed it: the
/// form's fields, which [`IntakeInput::validate`] turns into the stored
/// intake.
pub fn intake(
    q: &mut ChaCha8Rng,
    f: &IntakeFacts,
    expectations: Vec<String>,
    worries: Vec<String>,
) -> IntakeInput {
    let (exercise, physio) = if f.documented {
        (Experience::Positive, Some(Experience::Positive))
    } else {
        let e = experience(q, f.s);
        let p = chance(q, P_PHYSIO_RECORDED).then(|| experience(q, f.s));
        (e, p)
    };
    let partial = !f.documented && chance(q, P_INTAKE_PARTIAL);
    let time_of_day = match f.usual_minute / 60 {
        ..=10 => "morning",
        11..=13 => "midday",
        14..=16 => "afternoon",
        _ => "evening",
    };
    IntakeInput {
        everyday_life: EVERYDAY[q.random_range(0..EVERYDAY.len())].into(),
        limited_activities: f.activities.join("\n"),
        cause_belief: CAUSES[q.random_range(0..CAUSES.len())].into(),
        expectations,
        expectations_note: String::new(),
        previous_exercise: exercise.as_str().into(),
        previous_physio: physio.map(|p| p.as_str().to_string()).unwrap_or_default(),
        previous_note: PREVIOUS_NOTES[q.random_range(0..PREVIOUS_NOTES.len())].into(),
        six_months: if partial {
            String::new()
        } else {
            HOPES[q.random_range(0..HOPES.len())].into()
        },
        preferences: vec![f.like.as_str().into()],
        dislikes: f.dislikes.iter().map(|k| k.as_str().to_string()).collect(),
        minutes_per_day: f.minutes.to_string(),
        days_per_week: f.days_per_week.to_string(),
        time_of_day: time_of_day.into(),
        equipment: f.equipment.iter().map(|e| e.as_str().to_string()).collect(),
        settings: vec!["home".into(), "outdoors".into()],
        worries,
    }
}

/// The worries the patient ticks at intake: most of the beliefs the
/// clinician then confirms, and now and then another.
pub fn worries(q: &mut ChaCha8Rng, confirmed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = confirmed
        .iter()
        .filter(|_| chance(q, 0.7))
        .cloned()
        .collect();
    if chance(q, 0.1) {
        let all = rapport_domain::assessment::BELIEFS;
        let extra = all[q.random_range(0..all.len())].key;
        if !out.iter().any(|k| k == extra) {
            out.push(extra.to_string());
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Feedback on logs.

/// The clinician's feedback on a logged session, from what it recorded.
pub fn feedback(
    name: &str,
    completion: &str,
    pain_rise: Option<i32>,
    difficulty: Option<i32>,
) -> String {
    if pain_rise.is_some_and(|r| r >= 2) {
        format!(
            "Thanks for logging. Pain went up after {name}: do fewer repetitions next time, \
             and tell me if it keeps happening."
        )
    } else if difficulty.is_some_and(|d| d >= 4) {
        format!("{name} looks hard at the moment. The easier version is fine until we meet.")
    } else if completion == "partly" {
        format!("Good that you did part of {name} on a busy day: every session counts.")
    } else {
        format!("Well done keeping {name} going. Your log shows steady progress.")
    }
}

/// The RMDQ points of improvement by discharge at which the synthetic
/// clinician marks the patient's goals reached (the RMDQ's minimal
/// important change in persistent low back pain is about 5 points).
pub const GOAL_REACHED_RMDQ_CHANGE: f64 = 5.0;

/// The self-management plan a clinician writes at discharge: the domain's
/// draft from the episode's plan versions (`plans`: the day each started
/// and the plan), goals and belief reviews, with the goals marked reached
/// or not, checked by the domain's own rules.
pub(super) fn self_management(
    lib: &rapport_domain::exercise::Library,
    opened: jiff::civil::Date,
    plans: &[(jiff::civil::Date, &rapport_domain::prescription::Plan)],
    goals: &[rapport_domain::prescription::Goal],
    reviews: &[rapport_store::bulk::BulkBeliefReview],
    reached: bool,
) -> anyhow::Result<rapport_domain::self_management::SelfManagementPlan> {
    use rapport_domain::monitoring::PlanVersion;
    use rapport_domain::record::{BeliefReviewFacts, EpisodeRecord};
    let mut record = EpisodeRecord {
        opened_on: opened,
        plans: plans
            .iter()
            .map(|(starts_on, plan)| PlanVersion {
                starts_on: *starts_on,
                plan: (*plan).clone(),
            })
            .collect(),
        ..Default::default()
    };
    for (i, b) in reviews.iter().enumerate() {
        record.belief_reviews.push(BeliefReviewFacts {
            id: i as i64 + 1,
            date: b.reviewed_on,
            confirmed: serde_json::from_str(&b.confirmed)?,
            reconciled: serde_json::from_str(&b.reconciled)?,
        });
    }
    let mut plan = rapport_domain::self_management::draft(&record, goals, lib);
    for a in &mut plan.activities {
        a.reached = reached;
    }
    plan.to_input().validate(lib).map_err(|errors| {
        anyhow::anyhow!(
            "the synthetic self-management plan breaks rules: {}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}
