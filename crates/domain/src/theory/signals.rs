//! Signals: named, documented facts computed from an [`Episode`] and a date.
//!
//! Every signal is a pure function `(episode, as_of) -> SignalValue`: a
//! three-valued [`Truth`] and the [`Evidence`] that decided it, which renders
//! as one plain-language sentence. Only data dated on or before `as_of`
//! counts. A signal is `Unknown` when the data that would decide it is
//! missing; it is `False` only when recorded data shows the fact is absent.
//!
//! Thresholds are constants below, each with the reason for its value. They
//! are Rapport's reviewable choices where no validated cut-off exists; change
//! them here (with the reason) rather than in callers.
//!
//! Windows ("the last 28 days") end at the evaluation date, or at discharge if
//! the episode ended earlier, so a discharged patient is not reported overdue.

use std::fmt;

use jiff::Span;
use jiff::civil::Date;
use serde::{Serialize, Serializer};

use super::episode::{
    Completion, Episode, FollowUpKind, InstrumentScore, Practice, PreviousExperience,
};
use super::expr::Truth;

// ---------------------------------------------------------------------------
// Thresholds

/// TSK-11 total (11–44) at or above which a patient counts as fearful of
/// movement. No validated TSK-11 cut-off exists; 25 is the proportional
/// equivalent of the widely used TSK-17 "high kinesiophobia" cut-off (> 37 of
/// 68, i.e. a mean item score above 2.18 → > 23.9 of 44).
pub const TSK11_FEARFUL_AT_OR_ABOVE: f64 = 25.0;

/// PSEQ total (0–60) at or below which self-efficacy counts as low: the
/// "moderate" and "severe" bands of the ePPOC reference bands (0–19 severe,
/// 20–30 moderate).
pub const PSEQ_LOW_AT_OR_BELOW: f64 = 30.0;

/// WAI-SR bond subscale (sum of 4 items rated 1–5, so 4–20) at or below which
/// the bond counts as low: a mean item score under 3 ("fairly often"), i.e.
/// the patient does not at least fairly often feel liked, respected and cared
/// about. Rapport's choice: the WAI-SR has no validated bands.
pub const WAISR_BOND_LOW_AT_OR_BELOW: f64 = 11.0;

/// WAI-SR total (12 items rated 1–5, so 12–60) at or above which the alliance
/// counts as positive: a mean item score of at least 4 ("very often"). Rapport's
/// choice; physiotherapy alliance scores are typically high, so this marks a
/// clearly positive relationship, not merely an absent problem.
pub const WAISR_POSITIVE_AT_OR_ABOVE: f64 = 48.0;

/// Follow-up target when the episode carries no monitoring schedule
/// ([`Episode::scheduled_contact`]; e.g. an imported or research episode):
/// longest acceptable gap, in days, between the prescription, consecutive
/// contacts and today while an exercise programme runs (gaps that ended before
/// the recent window are not held against the present). The review says
/// "timely" without a number; two weeks matches common review intervals and
/// dose-progression steps, and is the schedule's own interval while a concern
/// is open — the strictest reading short of high risk, since without the
/// monitoring data the engine cannot tell that all is well (when the schedule
/// allows 21 or 28 days).
pub const FOLLOW_UP_TARGET_DAYS: i32 = 14;

/// Shorter fallback target for patients at higher risk (STarT Back "high"
/// stratum or low pain self-efficacy), who need support sooner (DESIGN:
/// follow-up by rule); the schedule's interval for them too.
pub const FOLLOW_UP_TARGET_DAYS_HIGH_RISK: i32 = 7;

/// Window, in days, over which logs and feedback are judged ("recent").
pub const RECENT_WINDOW_DAYS: i32 = 28;

/// Pain rise (after minus before, 0–10 scale) that counts as a rise: 2 points,
/// the minimal clinically important change of the NPRS (Ostelo 2008).
pub const PAIN_RISE_POINTS: i32 = 2;

/// Sessions with a pain rise needed for a pattern ("repeated"): at least 2, and
/// at least a third of the sessions with both ratings.
pub const PAIN_RISE_MIN_SESSIONS: u32 = 2;

/// Mean enjoyment (1–5) at or above which exercise counts as enjoyed: above the
/// neutral midpoint, halfway to "a lot".
pub const ENJOYED_MEAN_AT_OR_ABOVE: f64 = 3.5;

/// Mean enjoyment (1–5) at or below which exercise counts as disliked: below
/// the neutral midpoint, halfway to "a little". Between the two the patient is
/// neither enjoying nor disliking it.
pub const DISLIKED_MEAN_AT_OR_BELOW: f64 = 2.5;

/// Mean difficulty (1–5) at or above which exercise counts as too hard: on
/// average rated "hard" or "too hard".
pub const TOO_HARD_MEAN_AT_OR_ABOVE: f64 = 4.0;

/// PGIC (1 very much improved … 4 no change … 7 very much worse) at or below
/// which the patient perceives benefit: any improvement, since the review's
/// context is recognising an improvement, not a clinically important one.
pub const PGIC_IMPROVED_AT_OR_BELOW: f64 = 3.0;

/// The pain and function instruments whose change stands in for a PGIC when
/// none is recorded, judged by their minimal important change
/// ([`crate::outcomes::reaches_mic`]).
pub const OUTCOME_INSTRUMENTS: [&str; 3] = ["nprs", "rmdq", "odi"];

// ---------------------------------------------------------------------------
// Signal names

macro_rules! signals {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $desc:literal; )*) => {
        /// A named signal. The discriminant is its index in [`Signal::ALL`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Signal { $( $(#[$doc])* $variant, )* }

        impl Signal {
            /// Every signal, in registry order.
            pub const ALL: &'static [Signal] = &[ $( Signal::$variant, )* ];
            pub const COUNT: usize = Signal::ALL.len();

            /// The signal's name as used in context expressions.
            pub fn name(self) -> &'static str {
                match self { $( Signal::$variant => $name, )* }
            }

            /// What the signal means and how it is decided, in plain language.
            pub fn description(self) -> &'static str {
                match self { $( Signal::$variant => $desc, )* }
            }

            pub fn from_name(name: &str) -> Option<Signal> {
                match name { $( $name => Some(Signal::$variant), )* _ => None }
            }
        }
    };
}

signals! {
    HolisticAssessmentDone = "holistic_assessment_done",
        "The assessment recorded the holistic intake (life, activities, beliefs, expectations, experience, preferences) as done.";
    BeliefsExplored = "beliefs_explored",
        "Beliefs and fears were explored with the patient (any beliefs record saying so).";
    ExplanationTailoredToBeliefs = "explanation_tailored_to_beliefs",
        "Every unhelpful belief the patient confirmed has been answered by an education item given; true when beliefs were explored and none was confirmed.";
    UnhelpfulBeliefsReconciled = "unhelpful_beliefs_reconciled",
        "Every confirmed unhelpful belief is recorded as resolved; unknown while beliefs are addressed but not yet confirmed resolved; false if any is not even addressed.";
    PreviousPositiveExperience = "previous_positive_experience",
        "The patient's previous experience of exercise or physiotherapy was positive (false if negative or none).";
    FearfulOfMovement = "fearful_of_movement",
        "Latest TSK-11 total is 25 or more (of 44).";
    SelfEfficacyLow = "self_efficacy_low",
        "Latest PSEQ total is 30 or less (of 60).";
    RapportBuilt = "rapport_built",
        "A consultation recorded rapport building; false when completed checklists never did.";
    DisclosureFacilitated = "disclosure_facilitated",
        "A consultation recorded inviting the patient to disclose worries and context.";
    CollaborationInCare = "collaboration_in_care",
        "Decisions were shared in a consultation, or a prescription was designed together with the patient.";
    ReassuranceIndividualised = "reassurance_individualised",
        "A consultation recorded reassurance specific to the patient's concerns.";
    ConditionExplained = "condition_explained",
        "A consultation recorded explaining the condition and reasonable treatment options.";
    GoalLinkExplained = "goal_link_explained",
        "A consultation recorded explaining how the exercises serve the patient's goals.";
    DailyLifeFitPlanned = "daily_life_fit_planned",
        "A consultation recorded planning with the patient how exercise fits into daily life.";
    SafeExerciseEnvironment = "safe_exercise_environment",
        "A consultation recorded that the patient feels safe exercising in the chosen setting.";
    BiopsychosocialFraming = "biopsychosocial_framing",
        "A consultation recorded framing the prescription within a biopsychosocial explanation.";
    GoalsAgreed = "goals_agreed",
        "At least one goal was agreed together with the patient (false if goals exist but none was agreed together).";
    PrescriptionIndividualised = "prescription_individualised",
        "Every item of the current prescription is individualised to the assessment.";
    ExerciseMatchesPreferences = "exercise_matches_preferences",
        "Every item of the current prescription matches the patient's stated preferences.";
    ExercisesLinkedToGoals = "exercises_linked_to_goals",
        "Every item of the current prescription is linked to a recorded goal.";
    CollaborativePlan = "collaborative_plan",
        "The current prescription was designed together with the patient.";
    TreatmentPlanHolistic = "treatment_plan_holistic",
        "The current prescription addresses the whole person, not only exercises.";
    FollowUpWithinTarget = "follow_up_within_target",
        "Once a prescription exists: when the monitoring schedule's routine next-contact date is known, true until that date has passed and false after it; otherwise, no gap ending in the last 28 days between the prescription, contacts (follow-ups, supervised sessions) and today exceeds 14 days (7 for STarT Back high risk or low self-efficacy), unknown before the first contact is due.";
    FeedbackGiven = "feedback_given",
        "In the last 28 days the clinician gave feedback on the exercise, at a follow-up or on a logged session; false if none did once the programme has run 28 days.";
    PatientFeelsSupported = "patient_feels_supported",
        "At the latest follow-up that asked, the patient said they feel supported.";
    SupervisedSessionHeld = "supervised_session_held",
        "The patient has exercised with the clinician present; false once a prescription exists without one.";
    CorrectionGiven = "correction_given",
        "A supervised session recorded correcting the patient's exercise.";
    ProgressionGiven = "progression_given",
        "A supervised session recorded progressing the exercise.";
    InGroup = "in_group",
        "The patient is currently a member of an exercise group.";
    InGroupWithSharedGoals = "in_group_with_shared_goals",
        "The patient is currently in an exercise group whose members share their interests or goals.";
    ExercisePractised = "exercise_practised",
        "In the last 28 days the patient logged at least one session done (completed or partly); false if every logged session was skipped.";
    ExerciseEnjoyed = "exercise_enjoyed",
        "Mean enjoyment of sessions logged in the last 28 days is 3.5 or more (1–5).";
    ExerciseDisliked = "exercise_disliked",
        "Mean enjoyment of sessions logged in the last 28 days is 2.5 or less (1–5).";
    ExerciseTooHard = "exercise_too_hard",
        "Mean difficulty of sessions logged in the last 28 days is 4 (hard) or more (1–5).";
    PainUpAfterExercise = "pain_up_after_exercise",
        "In the last 28 days pain rose by 2 or more points after at least 2 sessions, and after at least a third of the sessions with both ratings.";
    PerceivedBenefit = "perceived_benefit",
        "Latest PGIC is 3 (a little improved) or better; without a PGIC, pain (NPRS) or function (RMDQ, ODI) improved by the minimal important change or 30 %.";
    AlliancePositive = "alliance_positive",
        "Latest WAI-SR total is 48 or more (of 60).";
    AllianceBondLow = "alliance_bond_low",
        "Latest WAI-SR bond subscale is 11 or less (of 20).";
}

const _: () = assert!(Signal::COUNT <= 64, "SignalSet is a u64 bitset");

impl Signal {
    pub fn index(self) -> usize {
        self as usize
    }

    /// Compute this one signal. To compute many, use [`compute_all`].
    pub fn compute(self, episode: &Episode, as_of: Date) -> SignalValue {
        let facts = Facts::new(episode, as_of);
        facts.compute(self)
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Signal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One signal's entry in the registry, for listing.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SignalInfo {
    pub name: &'static str,
    pub description: &'static str,
}

/// Every signal with its description, in registry order.
pub fn registry() -> Vec<SignalInfo> {
    Signal::ALL
        .iter()
        .map(|s| SignalInfo {
            name: s.name(),
            description: s.description(),
        })
        .collect()
}

/// A set of signals (a bitset; serialises as a list of names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SignalSet(u64);

impl SignalSet {
    pub const EMPTY: SignalSet = SignalSet(0);

    pub fn single(s: Signal) -> SignalSet {
        SignalSet(1u64 << s.index())
    }

    pub fn union(self, other: SignalSet) -> SignalSet {
        SignalSet(self.0 | other.0)
    }

    pub fn contains(self, s: Signal) -> bool {
        self.0 & (1u64 << s.index()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Members in registry order.
    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::ALL
            .iter()
            .copied()
            .filter(move |s| self.contains(*s))
    }
}

impl Serialize for SignalSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Signal::name))
    }
}

// ---------------------------------------------------------------------------
// Values and evidence

/// A signal's value with the evidence that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SignalValue {
    pub value: Truth,
    pub evidence: Evidence,
}

impl SignalValue {
    fn new(value: Truth, evidence: Evidence) -> SignalValue {
        SignalValue { value, evidence }
    }
}

/// Which data decided a signal. Cheap to build (no allocation); renders as one
/// plain-language sentence through `Display`, and serialises as that sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// Nothing of this kind is recorded on or before the evaluation date.
    NotRecorded { what: &'static str },
    /// A yes/no fact recorded on a date.
    Recorded {
        what: &'static str,
        date: Date,
        yes: bool,
    },
    /// A record exists but does not say.
    Unstated { what: &'static str, date: Date },
    /// A category recorded on a date.
    Category {
        what: &'static str,
        value: &'static str,
        date: Date,
    },
    /// A score compared with a threshold.
    Score {
        instrument: &'static str,
        part: &'static str,
        date: Date,
        value: f64,
        rule: &'static str,
    },
    /// A score outside the instrument's range, so ignored.
    OutOfRange {
        instrument: &'static str,
        part: &'static str,
        date: Date,
        value: f64,
    },
    /// A change between two scores.
    Change {
        instrument: &'static str,
        from: f64,
        from_date: Date,
        to: f64,
        to_date: Date,
        rule: &'static str,
    },
    /// `n` of `of` things satisfy a condition.
    Count { n: u32, of: u32, what: &'static str },
    /// A practice never ticked in completed consultation checklists.
    NotInChecklists { what: &'static str, checklists: u32 },
    /// The prescription and contacts met the follow-up target.
    FollowUpMet {
        since: Date,
        contacts: u32,
        longest_gap: i32,
        target: i32,
    },
    /// A gap exceeded the follow-up target.
    FollowUpOverdue {
        gap: i32,
        from: Date,
        target: i32,
        ongoing: bool,
    },
    /// No contact yet, but the first one is not yet due.
    FollowUpNotDue { since: Date, target: i32 },
    /// The monitoring schedule's routine next contact has not passed.
    FollowUpScheduled { anchor: Date, due: Date },
    /// The monitoring schedule's routine next contact passed `overdue` days ago.
    FollowUpScheduleMissed {
        anchor: Date,
        due: Date,
        overdue: i32,
    },
    /// A mean rating over recent logs.
    Mean {
        what: &'static str,
        mean: f64,
        n: u32,
        rule: &'static str,
    },
    /// A fixed sentence.
    Text(&'static str),
    /// A fixed sentence about a date.
    Dated { text: &'static str, date: Date },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Evidence::NotRecorded { what } => write!(f, "no {what} recorded yet"),
            Evidence::Recorded { what, date, yes } => {
                write!(
                    f,
                    "{what}: {} (recorded {date})",
                    if yes { "yes" } else { "no" }
                )
            }
            Evidence::Unstated { what, date } => {
                write!(f, "{what}: not stated in the record of {date}")
            }
            Evidence::Category { what, value, date } => {
                write!(f, "{what}: {value} (recorded {date})")
            }
            Evidence::Score {
                instrument,
                part,
                date,
                value,
                rule,
            } => write!(f, "{instrument} {part} {value} on {date} ({rule})"),
            Evidence::OutOfRange {
                instrument,
                part,
                date,
                value,
            } => write!(
                f,
                "{instrument} {part} {value} on {date} is out of range, so ignored"
            ),
            Evidence::Change {
                instrument,
                from,
                from_date,
                to,
                to_date,
                rule,
            } => write!(
                f,
                "{instrument} went from {from} ({from_date}) to {to} ({to_date}) ({rule})"
            ),
            Evidence::Count { n, of, what } => write!(f, "{n} of {of} {what}"),
            Evidence::NotInChecklists { what, checklists } => write!(
                f,
                "{what} not ticked in {checklists} completed consultation checklist{}",
                if checklists == 1 { "" } else { "s" }
            ),
            Evidence::FollowUpMet {
                since,
                contacts,
                longest_gap,
                target,
            } => write!(
                f,
                "{contacts} contact{} since the prescription of {since}; longest gap {longest_gap} days (target {target})",
                if contacts == 1 { "" } else { "s" }
            ),
            Evidence::FollowUpOverdue {
                gap,
                from,
                target,
                ongoing,
            } => {
                if ongoing {
                    write!(
                        f,
                        "no contact for {gap} days since {from} (target {target})"
                    )
                } else {
                    write!(
                        f,
                        "a gap of {gap} days without contact after {from} (target {target})"
                    )
                }
            }
            Evidence::FollowUpNotDue { since, target } => write!(
                f,
                "prescribed {since}; first follow-up not yet due (target {target} days)"
            ),
            Evidence::FollowUpScheduled { anchor, due } => write!(
                f,
                "next contact scheduled for {due} ({} days after {anchor}); not yet due",
                day_number(due) - day_number(anchor)
            ),
            Evidence::FollowUpScheduleMissed {
                anchor,
                due,
                overdue,
            } => write!(
                f,
                "next contact was scheduled for {due} ({} days after {anchor}); {overdue} day{} overdue",
                day_number(due) - day_number(anchor),
                if overdue == 1 { "" } else { "s" }
            ),
            Evidence::Mean {
                what,
                mean,
                n,
                rule,
            } => write!(
                f,
                "mean {what} {mean:.1} over {n} session{} in the last {RECENT_WINDOW_DAYS} days ({rule})",
                if n == 1 { "" } else { "s" }
            ),
            Evidence::Text(text) => f.write_str(text),
            Evidence::Dated { text, date } => write!(f, "{text} {date}"),
        }
    }
}

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Every signal's value for one episode and date, indexed by [`Signal`].
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    values: [SignalValue; Signal::COUNT],
}

impl Signals {
    pub fn get(&self, s: Signal) -> SignalValue {
        self.values[s.index()]
    }

    pub fn value(&self, s: Signal) -> Truth {
        self.values[s.index()].value
    }

    /// `(signal, value)` pairs in registry order.
    pub fn iter(&self) -> impl Iterator<Item = (Signal, SignalValue)> + '_ {
        Signal::ALL.iter().map(|s| (*s, self.values[s.index()]))
    }
}

impl Serialize for Signals {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(Signal::COUNT))?;
        for (sig, v) in self.iter() {
            m.serialize_entry(sig.name(), &v)?;
        }
        m.end()
    }
}

/// Compute every signal once for an episode and date.
pub fn compute_all(episode: &Episode, as_of: Date) -> Signals {
    let facts = Facts::new(episode, as_of);
    let mut values = [SignalValue::new(Truth::Unknown, Evidence::Text("")); Signal::COUNT];
    for s in Signal::ALL {
        values[s.index()] = facts.compute(*s);
    }
    Signals { values }
}

// ---------------------------------------------------------------------------
// Computation

/// Days since 1970-01-01 (proleptic Gregorian), for cheap date arithmetic.
fn day_number(d: Date) -> i32 {
    // Howard Hinnant's days_from_civil.
    let (y, m, dd) = (
        i32::from(d.year()),
        i32::from(d.month()),
        i32::from(d.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Summary of the logs in the recent window, built in one pass.
#[derive(Default)]
struct LogStats {
    in_window: u32,
    done: u32,
    enjoy_sum: u32,
    enjoy_n: u32,
    diff_sum: u32,
    diff_n: u32,
    paired: u32,
    rises: u32,
}

/// Instruments the signals read; `Facts::scores` is indexed like this.
const CODES: [&str; 8] = [
    "tsk11",
    "pseq",
    "waisr",
    "startback",
    "pgic",
    "nprs",
    "rmdq",
    "odi",
];

fn code_index(code: &str) -> Option<usize> {
    CODES.iter().position(|c| c.eq_ignore_ascii_case(code))
}

/// `a` sorts after `b`: later date, then higher total. A total order, so the
/// choice of "latest" never depends on list order.
fn sorts_after(a: &InstrumentScore, b: &InstrumentScore) -> bool {
    a.date
        .cmp(&b.date)
        .then(a.total.total_cmp(&b.total))
        .is_gt()
}

/// The first and the latest score of one instrument.
#[derive(Clone, Copy, Default)]
struct ScoreSpan<'e> {
    first: Option<&'e InstrumentScore>,
    last: Option<&'e InstrumentScore>,
}

/// Everything the signals need, gathered in one pass over each list.
struct Facts<'e> {
    ep: &'e Episode,
    as_of: Date,
    /// Day number of the end of windows (as_of, or discharge if earlier).
    end: i32,
    first_rx: Option<Date>,
    latest_rx: Option<Date>,
    logs: LogStats,
    /// Per instrument of `CODES`, scores dated on or before as_of with a
    /// finite total.
    scores: [ScoreSpan<'e>; CODES.len()],
    /// Per practice: the first consultation that recorded it, and how many
    /// completed checklists did not.
    practice_done: [Option<Date>; Practice::ALL.len()],
    practice_not_ticked: [u32; Practice::ALL.len()],
}

/// The days the recent-window signals read, first and last: the
/// [`RECENT_WINDOW_DAYS`] up to the evaluation date, or up to discharge if
/// the episode ended earlier.
pub fn recent_window(as_of: Date, discharged_on: Option<Date>) -> (Date, Date) {
    let end_date = match discharged_on {
        Some(d) if d < as_of => d,
        _ => as_of,
    };
    let start = end_date
        .checked_sub(Span::new().days(i64::from(RECENT_WINDOW_DAYS - 1)))
        .unwrap_or(Date::MIN);
    (start, end_date)
}

impl<'e> Facts<'e> {
    fn new(ep: &'e Episode, as_of: Date) -> Facts<'e> {
        let (window_start, end_date) = recent_window(as_of, ep.discharged_on);
        let end = day_number(end_date);
        let mut first_rx: Option<Date> = None;
        let mut latest_rx: Option<Date> = None;
        for p in ep.prescriptions.iter().filter(|p| p.date <= as_of) {
            first_rx = Some(first_rx.map_or(p.date, |d| d.min(p.date)));
            latest_rx = Some(latest_rx.map_or(p.date, |d| d.max(p.date)));
        }
        let mut logs = LogStats::default();
        for l in &ep.logs {
            if l.date < window_start || l.date > end_date {
                continue;
            }
            logs.in_window += 1;
            if l.completion == Completion::Skipped {
                continue;
            }
            logs.done += 1;
            if let Some(e) = l.enjoyment.filter(|e| (1..=5).contains(e)) {
                logs.enjoy_sum += u32::from(e);
                logs.enjoy_n += 1;
            }
            if let Some(d) = l.difficulty.filter(|d| (1..=5).contains(d)) {
                logs.diff_sum += u32::from(d);
                logs.diff_n += 1;
            }
            if let (Some(b), Some(a)) = (
                l.pain_before.filter(|p| *p <= 10),
                l.pain_after.filter(|p| *p <= 10),
            ) {
                logs.paired += 1;
                if i32::from(a) - i32::from(b) >= PAIN_RISE_POINTS {
                    logs.rises += 1;
                }
            }
        }
        let mut scores = [ScoreSpan::default(); CODES.len()];
        for sc in &ep.scores {
            if sc.date > as_of || !sc.total.is_finite() {
                continue;
            }
            let Some(i) = code_index(&sc.instrument) else {
                continue;
            };
            let span = &mut scores[i];
            if span.first.is_none_or(|f| sorts_after(f, sc)) {
                span.first = Some(sc);
            }
            if span.last.is_none_or(|l| sorts_after(sc, l)) {
                span.last = Some(sc);
            }
        }
        let mut practice_done = [None; Practice::ALL.len()];
        let mut practice_not_ticked = [0u32; Practice::ALL.len()];
        for c in ep.consultations.iter().filter(|c| c.date <= as_of) {
            let mut ticked = [false; Practice::ALL.len()];
            for p in &c.practices {
                ticked[p.index()] = true;
            }
            for (i, t) in ticked.iter().enumerate() {
                if *t {
                    let d: &mut Option<Date> = &mut practice_done[i];
                    *d = Some(d.map_or(c.date, |d| d.min(c.date)));
                } else if c.checklist_complete {
                    practice_not_ticked[i] += 1;
                }
            }
        }
        Facts {
            ep,
            as_of,
            end,
            first_rx,
            latest_rx,
            logs,
            scores,
            practice_done,
            practice_not_ticked,
        }
    }

    fn compute(&self, s: Signal) -> SignalValue {
        use Signal::*;
        match s {
            HolisticAssessmentDone => self.holistic_assessment_done(),
            BeliefsExplored => self.beliefs_explored(),
            ExplanationTailoredToBeliefs => self.explanation_tailored(),
            UnhelpfulBeliefsReconciled => self.beliefs_reconciled(),
            PreviousPositiveExperience => self.previous_positive_experience(),
            FearfulOfMovement => self.threshold_score(
                "tsk11",
                "TSK-11",
                None,
                (11.0, 44.0),
                |v| v >= TSK11_FEARFUL_AT_OR_ABOVE,
                "25 or more counts as fearful",
            ),
            SelfEfficacyLow => self.self_efficacy_low(),
            RapportBuilt => self.practice(Practice::RapportBuilt),
            DisclosureFacilitated => self.practice(Practice::DisclosureInvited),
            CollaborationInCare => self.collaboration_in_care(),
            ReassuranceIndividualised => self.practice(Practice::ReassuranceIndividualised),
            ConditionExplained => self.practice(Practice::ConditionExplained),
            GoalLinkExplained => self.practice(Practice::GoalLinkExplained),
            DailyLifeFitPlanned => self.practice(Practice::DailyLifeFitPlanned),
            SafeExerciseEnvironment => self.practice(Practice::SafeEnvironmentConfirmed),
            BiopsychosocialFraming => self.practice(Practice::BiopsychosocialFraming),
            GoalsAgreed => self.goals_agreed(),
            PrescriptionIndividualised => self.items_all(
                |i| i.individualised,
                "current prescription items individualised",
            ),
            ExerciseMatchesPreferences => self.items_all_known(
                |i| i.tailored_to_preferences,
                "current prescription items match the patient's preferences",
            ),
            ExercisesLinkedToGoals => self.exercises_linked_to_goals(),
            CollaborativePlan => {
                self.latest_rx_flag(|p| p.co_designed, "current plan designed together")
            }
            TreatmentPlanHolistic => self.latest_rx_flag(
                |p| p.holistic_plan,
                "current plan addresses the whole person",
            ),
            FollowUpWithinTarget => self.follow_up_within_target(),
            FeedbackGiven => self.feedback_given(),
            PatientFeelsSupported => self.patient_feels_supported(),
            SupervisedSessionHeld => self.supervised_session_held(),
            CorrectionGiven => {
                self.session_flag(|s| s.correction_given, "correction in a supervised session")
            }
            ProgressionGiven => self.session_flag(
                |s| s.progression_given,
                "progression in a supervised session",
            ),
            InGroup => self.in_group(),
            InGroupWithSharedGoals => self.in_group_with_shared_goals(),
            ExercisePractised => self.exercise_practised(),
            ExerciseEnjoyed => self.log_mean(
                self.logs.enjoy_sum,
                self.logs.enjoy_n,
                "enjoyment",
                |sum, n| 2 * sum >= 7 * n,
                "3.5 or more of 5 counts as enjoyed",
            ),
            ExerciseDisliked => self.log_mean(
                self.logs.enjoy_sum,
                self.logs.enjoy_n,
                "enjoyment",
                |sum, n| 2 * sum <= 5 * n,
                "2.5 or less of 5 counts as disliked",
            ),
            ExerciseTooHard => self.log_mean(
                self.logs.diff_sum,
                self.logs.diff_n,
                "difficulty",
                |sum, n| sum >= 4 * n,
                "4 (hard) or more of 5 counts as too hard",
            ),
            PainUpAfterExercise => self.pain_up(),
            PerceivedBenefit => self.perceived_benefit(),
            AlliancePositive => self.threshold_score(
                "waisr",
                "WAI-SR",
                None,
                (12.0, 60.0),
                |v| v >= WAISR_POSITIVE_AT_OR_ABOVE,
                "48 or more of 60 counts as positive",
            ),
            AllianceBondLow => self.threshold_score(
                "waisr",
                "WAI-SR",
                Some("bond"),
                (4.0, 20.0),
                |v| v <= WAISR_BOND_LOW_AT_OR_BELOW,
                "11 or less of 20 counts as low",
            ),
        }
    }

    /// The latest score of an instrument dated on or before `as_of`; ties on the
    /// date go to the higher total, so the choice never depends on list order.
    fn latest_score(&self, code: &str) -> Option<&'e InstrumentScore> {
        code_index(code).and_then(|i| self.scores[i].last)
    }

    fn threshold_score(
        &self,
        code: &str,
        label: &'static str,
        subscale: Option<&'static str>,
        range: (f64, f64),
        test: impl Fn(f64) -> bool,
        rule: &'static str,
    ) -> SignalValue {
        let Some(score) = self.latest_score(code) else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: match label {
                        "TSK-11" => "TSK-11 score",
                        "PSEQ" => "PSEQ score",
                        _ => "WAI-SR score",
                    },
                },
            );
        };
        let (part, value) = match subscale {
            None => ("total", Some(score.total)),
            Some(name) => (
                "bond subscale",
                score
                    .subscales
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| *v),
            ),
        };
        let Some(value) = value else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::Unstated {
                    what: "WAI-SR bond subscale",
                    date: score.date,
                },
            );
        };
        if !(range.0..=range.1).contains(&value) {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::OutOfRange {
                    instrument: label,
                    part,
                    date: score.date,
                    value,
                },
            );
        }
        SignalValue::new(
            Truth::from_bool(test(value)),
            Evidence::Score {
                instrument: label,
                part,
                date: score.date,
                value,
                rule,
            },
        )
    }

    fn self_efficacy_low(&self) -> SignalValue {
        self.threshold_score(
            "pseq",
            "PSEQ",
            None,
            (0.0, 60.0),
            |v| v <= PSEQ_LOW_AT_OR_BELOW,
            "30 or less of 60 counts as low",
        )
    }

    fn holistic_assessment_done(&self) -> SignalValue {
        const WHAT: &str = "holistic intake done at assessment";
        match self.ep.assessment.as_ref().filter(|a| a.date <= self.as_of) {
            None => SignalValue::new(Truth::Unknown, Evidence::NotRecorded { what: "assessment" }),
            Some(a) => match a.holistic_intake_done {
                Some(yes) => SignalValue::new(
                    Truth::from_bool(yes),
                    Evidence::Recorded {
                        what: WHAT,
                        date: a.date,
                        yes,
                    },
                ),
                None => SignalValue::new(
                    Truth::Unknown,
                    Evidence::Unstated {
                        what: WHAT,
                        date: a.date,
                    },
                ),
            },
        }
    }

    fn previous_positive_experience(&self) -> SignalValue {
        const WHAT: &str = "previous experience of exercise or physiotherapy";
        match self.ep.assessment.as_ref().filter(|a| a.date <= self.as_of) {
            None => SignalValue::new(Truth::Unknown, Evidence::NotRecorded { what: "assessment" }),
            Some(a) => {
                let value = match a.previous_experience {
                    PreviousExperience::Positive => Truth::True,
                    PreviousExperience::Negative | PreviousExperience::None => Truth::False,
                    PreviousExperience::Unknown => Truth::Unknown,
                };
                SignalValue::new(
                    value,
                    Evidence::Category {
                        what: WHAT,
                        value: a.previous_experience.as_str(),
                        date: a.date,
                    },
                )
            }
        }
    }

    fn beliefs_explored(&self) -> SignalValue {
        const WHAT: &str = "beliefs and fears explored";
        let mut any = None;
        let mut explored: Option<Date> = None;
        for b in self.ep.beliefs.iter().filter(|b| b.date <= self.as_of) {
            any = Some(any.map_or(b.date, |d: Date| d.max(b.date)));
            if b.explored {
                explored = Some(explored.map_or(b.date, |d| d.min(b.date)));
            }
        }
        match (explored, any) {
            (Some(date), _) => SignalValue::new(
                Truth::True,
                Evidence::Recorded {
                    what: WHAT,
                    date,
                    yes: true,
                },
            ),
            (None, Some(date)) => SignalValue::new(
                Truth::False,
                Evidence::Recorded {
                    what: WHAT,
                    date,
                    yes: false,
                },
            ),
            (None, None) => SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "exploration of beliefs",
                },
            ),
        }
    }

    /// Distinct confirmed beliefs (records on or before as_of), without allocating:
    /// calls `f` once per distinct key.
    fn each_confirmed_belief(&self, mut f: impl FnMut(&str)) {
        let beliefs = &self.ep.beliefs;
        for (i, b) in beliefs.iter().enumerate() {
            if b.date > self.as_of {
                continue;
            }
            for (j, key) in b.confirmed_beliefs.iter().enumerate() {
                let seen_before = beliefs[..i]
                    .iter()
                    .filter(|e| e.date <= self.as_of)
                    .any(|e| e.confirmed_beliefs.contains(key))
                    || b.confirmed_beliefs[..j].contains(key);
                if !seen_before {
                    f(key);
                }
            }
        }
    }

    fn belief_addressed(&self, key: &str) -> bool {
        self.ep
            .education
            .iter()
            .any(|e| e.date <= self.as_of && e.answers_beliefs.iter().any(|b| b == key))
    }

    fn belief_resolved(&self, key: &str) -> bool {
        self.ep
            .beliefs
            .iter()
            .any(|b| b.date <= self.as_of && b.resolved_beliefs.iter().any(|r| r == key))
    }

    fn beliefs_summary(&self) -> Option<(bool, Date)> {
        let mut any: Option<Date> = None;
        let mut explored = false;
        for b in self.ep.beliefs.iter().filter(|b| b.date <= self.as_of) {
            any = Some(any.map_or(b.date, |d| d.max(b.date)));
            explored |= b.explored;
        }
        any.map(|d| (explored, d))
    }

    fn explanation_tailored(&self) -> SignalValue {
        let Some((explored, _)) = self.beliefs_summary() else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "exploration of beliefs",
                },
            );
        };
        let (mut total, mut covered) = (0u32, 0u32);
        self.each_confirmed_belief(|key| {
            total += 1;
            if self.belief_addressed(key) {
                covered += 1;
            }
        });
        if total == 0 {
            return if explored {
                SignalValue::new(
                    Truth::True,
                    Evidence::Text("beliefs explored and no unhelpful belief confirmed"),
                )
            } else {
                SignalValue::new(
                    Truth::False,
                    Evidence::Text("beliefs not yet explored, so explanations cannot be tailored"),
                )
            };
        }
        SignalValue::new(
            Truth::from_bool(covered == total),
            Evidence::Count {
                n: covered,
                of: total,
                what: "confirmed beliefs answered by education given",
            },
        )
    }

    fn beliefs_reconciled(&self) -> SignalValue {
        let Some((explored, _)) = self.beliefs_summary() else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "exploration of beliefs",
                },
            );
        };
        let (mut total, mut resolved, mut unaddressed) = (0u32, 0u32, 0u32);
        self.each_confirmed_belief(|key| {
            total += 1;
            if self.belief_resolved(key) {
                resolved += 1;
            } else if !self.belief_addressed(key) {
                unaddressed += 1;
            }
        });
        if total == 0 {
            return if explored {
                SignalValue::new(
                    Truth::True,
                    Evidence::Text("beliefs explored and no unhelpful belief confirmed"),
                )
            } else {
                SignalValue::new(Truth::Unknown, Evidence::Text("beliefs not yet explored"))
            };
        }
        if resolved == total {
            return SignalValue::new(
                Truth::True,
                Evidence::Count {
                    n: resolved,
                    of: total,
                    what: "confirmed beliefs recorded as resolved",
                },
            );
        }
        if unaddressed > 0 {
            return SignalValue::new(
                Truth::False,
                Evidence::Count {
                    n: unaddressed,
                    of: total,
                    what: "confirmed beliefs neither resolved nor yet addressed by education",
                },
            );
        }
        SignalValue::new(
            Truth::Unknown,
            Evidence::Count {
                n: total - resolved,
                of: total,
                what: "confirmed beliefs addressed but not yet recorded as resolved",
            },
        )
    }

    fn practice(&self, p: Practice) -> SignalValue {
        let done = self.practice_done[p.index()];
        let checklists = self.practice_not_ticked[p.index()];
        match done {
            Some(date) => SignalValue::new(
                Truth::True,
                Evidence::Recorded {
                    what: p.label(),
                    date,
                    yes: true,
                },
            ),
            None if checklists > 0 => SignalValue::new(
                Truth::False,
                Evidence::NotInChecklists {
                    what: p.label(),
                    checklists,
                },
            ),
            None => SignalValue::new(Truth::Unknown, Evidence::NotRecorded { what: p.label() }),
        }
    }

    fn collaboration_in_care(&self) -> SignalValue {
        let shared = self.practice(Practice::SharedDecisions);
        let mut yes: Option<Date> = None;
        let mut no: Option<Date> = None;
        for p in self
            .ep
            .prescriptions
            .iter()
            .filter(|p| p.date <= self.as_of)
        {
            match p.co_designed {
                Some(true) => yes = Some(yes.map_or(p.date, |d| d.min(p.date))),
                Some(false) => no = Some(no.map_or(p.date, |d| d.max(p.date))),
                None => {}
            }
        }
        const WHAT: &str = "a prescription designed together";
        let codesign = match (yes, no, self.latest_rx) {
            (Some(date), _, _) => SignalValue::new(
                Truth::True,
                Evidence::Recorded {
                    what: WHAT,
                    date,
                    yes: true,
                },
            ),
            (None, Some(date), _) => SignalValue::new(
                Truth::False,
                Evidence::Recorded {
                    what: WHAT,
                    date,
                    yes: false,
                },
            ),
            (None, None, Some(date)) => {
                SignalValue::new(Truth::Unknown, Evidence::Unstated { what: WHAT, date })
            }
            (None, None, None) => SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "prescription",
                },
            ),
        };
        // Kleene OR, with the evidence of the operand that decided it.
        if codesign.value > shared.value {
            codesign
        } else {
            shared
        }
    }

    fn goals_agreed(&self) -> SignalValue {
        let (mut n, mut agreed) = (0u32, 0u32);
        let mut first_agreed: Option<Date> = None;
        for g in self.ep.goals.iter().filter(|g| g.agreed_on <= self.as_of) {
            n += 1;
            if g.agreed_together {
                agreed += 1;
                first_agreed = Some(first_agreed.map_or(g.agreed_on, |d| d.min(g.agreed_on)));
            }
        }
        match first_agreed {
            Some(date) => SignalValue::new(
                Truth::True,
                Evidence::Recorded {
                    what: "goal agreed together with the patient",
                    date,
                    yes: true,
                },
            ),
            None if n > 0 => SignalValue::new(
                Truth::False,
                Evidence::Count {
                    n: agreed,
                    of: n,
                    what: "goals agreed together with the patient",
                },
            ),
            None => SignalValue::new(Truth::Unknown, Evidence::NotRecorded { what: "goal" }),
        }
    }

    fn current_prescriptions(&self) -> impl Iterator<Item = &'e super::episode::Prescription> + '_ {
        let latest = self.latest_rx;
        self.ep
            .prescriptions
            .iter()
            .filter(move |p| Some(p.date) == latest)
    }

    fn items_all(
        &self,
        test: impl Fn(&super::episode::PrescriptionItem) -> bool,
        what: &'static str,
    ) -> SignalValue {
        let Some(date) = self.latest_rx else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "prescription",
                },
            );
        };
        let (mut n, mut ok) = (0u32, 0u32);
        for item in self.current_prescriptions().flat_map(|p| p.items.iter()) {
            n += 1;
            if test(item) {
                ok += 1;
            }
        }
        if n == 0 {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::Dated {
                    text: "no exercise items in the prescription of",
                    date,
                },
            );
        }
        SignalValue::new(
            Truth::from_bool(ok == n),
            Evidence::Count { n: ok, of: n, what },
        )
    }

    /// Like [`Facts::items_all`] for a fact that may not be known of an item:
    /// false if any item is known not to hold, unknown if any is not known.
    fn items_all_known(
        &self,
        test: impl Fn(&super::episode::PrescriptionItem) -> Option<bool>,
        what: &'static str,
    ) -> SignalValue {
        let Some(date) = self.latest_rx else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "prescription",
                },
            );
        };
        let (mut n, mut ok, mut known) = (0u32, 0u32, 0u32);
        for item in self.current_prescriptions().flat_map(|p| p.items.iter()) {
            n += 1;
            if let Some(v) = test(item) {
                known += 1;
                if v {
                    ok += 1;
                }
            }
        }
        if n == 0 {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::Dated {
                    text: "no exercise items in the prescription of",
                    date,
                },
            );
        }
        let value = if ok < known {
            Truth::False
        } else if known < n {
            Truth::Unknown
        } else {
            Truth::True
        };
        SignalValue::new(value, Evidence::Count { n: ok, of: n, what })
    }

    fn exercises_linked_to_goals(&self) -> SignalValue {
        let goals = &self.ep.goals;
        let as_of = self.as_of;
        self.items_all(
            |i| {
                i.goal_id.as_deref().is_some_and(|g| {
                    goals
                        .iter()
                        .any(|goal| goal.id == g && goal.agreed_on <= as_of)
                })
            },
            "current prescription items linked to a recorded goal",
        )
    }

    fn latest_rx_flag(
        &self,
        flag: impl Fn(&super::episode::Prescription) -> Option<bool>,
        what: &'static str,
    ) -> SignalValue {
        let Some(date) = self.latest_rx else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "prescription",
                },
            );
        };
        // Several prescriptions on the same date are read together (Kleene AND).
        let value = self
            .current_prescriptions()
            .map(|p| Truth::from_option(flag(p)))
            .min()
            .unwrap_or(Truth::Unknown);
        match value {
            Truth::Unknown => SignalValue::new(value, Evidence::Unstated { what, date }),
            v => SignalValue::new(
                v,
                Evidence::Recorded {
                    what,
                    date,
                    yes: v == Truth::True,
                },
            ),
        }
    }

    fn follow_up_target(&self) -> i32 {
        let high_risk = self
            .latest_score("startback")
            .and_then(|s| s.band.as_deref())
            .is_some_and(|b| b.eq_ignore_ascii_case("high"));
        if high_risk || self.self_efficacy_low().value == Truth::True {
            FOLLOW_UP_TARGET_DAYS_HIGH_RISK
        } else {
            FOLLOW_UP_TARGET_DAYS
        }
    }

    /// Contact dates (follow-ups and supervised sessions) strictly after `after`
    /// and on or before the end of the window.
    fn contacts(&self, after: i32) -> impl Iterator<Item = i32> + '_ {
        let end = self.end;
        let as_of = self.as_of;
        self.ep
            .follow_ups
            .iter()
            .map(|f| f.date)
            .chain(self.ep.supervised_sessions.iter().map(|s| s.date))
            .filter(move |d| *d <= as_of)
            .map(day_number)
            .filter(move |d| *d > after && *d <= end)
    }

    fn follow_up_within_target(&self) -> SignalValue {
        let Some(rx) = self.first_rx else {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "prescription",
                },
            );
        };
        // The monitoring schedule, when known, is the target: the caseload's
        // `follow_up_overdue` flag and this signal then agree (a patient
        // doing well on a 21- or 28-day interval is not late at day 15). A
        // schedule counted from after the evaluation date is not the one of
        // that date, so the fallback judges it.
        if let Some(s) = self.ep.scheduled_contact.filter(|s| s.anchor <= self.as_of) {
            let overdue = self.end - day_number(s.due);
            return if overdue > 0 {
                SignalValue::new(
                    Truth::False,
                    Evidence::FollowUpScheduleMissed {
                        anchor: s.anchor,
                        due: s.due,
                        overdue,
                    },
                )
            } else {
                SignalValue::new(
                    Truth::True,
                    Evidence::FollowUpScheduled {
                        anchor: s.anchor,
                        due: s.due,
                    },
                )
            };
        }
        // Fallback without a schedule: every recent gap against a fixed target.
        let start = day_number(rx);
        if self.end <= start {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::Dated {
                    text: "the programme starts on",
                    date: rx,
                },
            );
        }
        let target = self.follow_up_target();
        // Longest recent gap between consecutive points of {start, contacts…,
        // end}, found without sorting: each point's successor is the least later
        // point. Gaps that ended before the recent window are forgiven, so one
        // missed interval long ago does not mark follow-up untimely for ever.
        let window_start = self.end - (RECENT_WINDOW_DAYS - 1);
        let mut longest = 0;
        let mut longest_from = start;
        let mut contacts = 0u32;
        let points = std::iter::once(start).chain(self.contacts(start));
        for (k, p) in points.enumerate() {
            if k > 0 {
                contacts += 1;
            }
            let next = self.contacts(p).min().unwrap_or(self.end);
            if next < window_start {
                continue;
            }
            let gap = next - p;
            if gap > longest || (gap == longest && p < longest_from) {
                longest = gap;
                longest_from = p;
            }
        }
        if longest > target {
            let from = self.date_of(longest_from, rx);
            let ongoing = self.contacts(longest_from).next().is_none();
            return SignalValue::new(
                Truth::False,
                Evidence::FollowUpOverdue {
                    gap: longest,
                    from,
                    target,
                    ongoing,
                },
            );
        }
        if contacts == 0 {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::FollowUpNotDue { since: rx, target },
            );
        }
        SignalValue::new(
            Truth::True,
            Evidence::FollowUpMet {
                since: rx,
                contacts,
                longest_gap: longest,
                target,
            },
        )
    }

    /// The date with day number `dn` among the prescription and contact dates.
    fn date_of(&self, dn: i32, rx: Date) -> Date {
        if day_number(rx) == dn {
            return rx;
        }
        self.ep
            .follow_ups
            .iter()
            .map(|f| f.date)
            .chain(self.ep.supervised_sessions.iter().map(|s| s.date))
            .find(|d| day_number(*d) == dn)
            .unwrap_or(rx)
    }

    fn feedback_given(&self) -> SignalValue {
        let start = self.end - (RECENT_WINDOW_DAYS - 1);
        let mut given: Option<Date> = None;
        let mut not_given: Option<Date> = None;
        for f in self.ep.follow_ups.iter().filter(|f| f.date <= self.as_of) {
            let dn = day_number(f.date);
            if dn < start || dn > self.end {
                continue;
            }
            match f.feedback_given {
                Some(true) => given = Some(given.map_or(f.date, |d| d.max(f.date))),
                Some(false) => not_given = Some(not_given.map_or(f.date, |d| d.max(f.date))),
                None => {}
            }
        }
        for d in &self.ep.log_feedback {
            let dn = day_number(*d);
            if *d <= self.as_of && dn >= start && dn <= self.end {
                given = Some(given.map_or(*d, |g| g.max(*d)));
            }
        }
        const WHAT: &str = "feedback on the exercise, at a follow-up or on a logged session";
        if let Some(date) = given {
            return SignalValue::new(
                Truth::True,
                Evidence::Recorded {
                    what: WHAT,
                    date,
                    yes: true,
                },
            );
        }
        if let Some(date) = not_given {
            return SignalValue::new(
                Truth::False,
                Evidence::Recorded {
                    what: WHAT,
                    date,
                    yes: false,
                },
            );
        }
        match self.first_rx {
            Some(rx) if day_number(rx) < start => SignalValue::new(
                Truth::False,
                Evidence::Dated {
                    text: "no feedback recorded in the last 28 days of a programme running since",
                    date: rx,
                },
            ),
            Some(rx) => SignalValue::new(
                Truth::Unknown,
                Evidence::Dated {
                    text: "no feedback recorded yet for the programme started",
                    date: rx,
                },
            ),
            None => SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "prescription",
                },
            ),
        }
    }

    fn patient_feels_supported(&self) -> SignalValue {
        let mut latest: Option<(Date, bool)> = None;
        for f in self.ep.follow_ups.iter().filter(|f| f.date <= self.as_of) {
            if let Some(v) = f.patient_feels_supported {
                latest = match latest {
                    Some((d, _)) if d > f.date => latest,
                    Some((d, w)) if d == f.date => Some((d, w && v)),
                    _ => Some((f.date, v)),
                };
            }
        }
        match latest {
            Some((date, yes)) => SignalValue::new(
                Truth::from_bool(yes),
                Evidence::Recorded {
                    what: "patient feels supported",
                    date,
                    yes,
                },
            ),
            None => SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "answer to whether the patient feels supported",
                },
            ),
        }
    }

    fn supervised_session_held(&self) -> SignalValue {
        let dates = self
            .ep
            .supervised_sessions
            .iter()
            .map(|s| s.date)
            .chain(
                self.ep
                    .follow_ups
                    .iter()
                    .filter(|f| f.kind == FollowUpKind::Supervised)
                    .map(|f| f.date),
            )
            .filter(|d| *d <= self.as_of);
        let (mut n, mut first) = (0u32, None::<Date>);
        for d in dates {
            n += 1;
            first = Some(first.map_or(d, |f| f.min(d)));
        }
        match (first, self.first_rx) {
            (Some(date), _) => SignalValue::new(
                Truth::True,
                Evidence::Recorded {
                    what: if n == 1 {
                        "a supervised session held"
                    } else {
                        "supervised sessions held, the first"
                    },
                    date,
                    yes: true,
                },
            ),
            (None, Some(rx)) => SignalValue::new(
                Truth::False,
                Evidence::Dated {
                    text: "no supervised session since the prescription of",
                    date: rx,
                },
            ),
            (None, None) => SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "prescription or supervised session",
                },
            ),
        }
    }

    fn session_flag(
        &self,
        flag: impl Fn(&super::episode::SupervisedSession) -> Option<bool>,
        what: &'static str,
    ) -> SignalValue {
        let mut yes: Option<Date> = None;
        let mut no: Option<Date> = None;
        let mut any: Option<Date> = None;
        for s in self
            .ep
            .supervised_sessions
            .iter()
            .filter(|s| s.date <= self.as_of)
        {
            any = Some(any.map_or(s.date, |d| d.max(s.date)));
            match flag(s) {
                Some(true) => yes = Some(yes.map_or(s.date, |d| d.min(s.date))),
                Some(false) => no = Some(no.map_or(s.date, |d| d.max(s.date))),
                None => {}
            }
        }
        match (yes, no, any) {
            (Some(date), _, _) => SignalValue::new(
                Truth::True,
                Evidence::Recorded {
                    what,
                    date,
                    yes: true,
                },
            ),
            (None, Some(date), _) => SignalValue::new(
                Truth::False,
                Evidence::Recorded {
                    what,
                    date,
                    yes: false,
                },
            ),
            (None, None, Some(date)) => {
                SignalValue::new(Truth::Unknown, Evidence::Unstated { what, date })
            }
            (None, None, None) => SignalValue::new(
                Truth::Unknown,
                Evidence::NotRecorded {
                    what: "supervised session",
                },
            ),
        }
    }

    fn active_groups(&self) -> impl Iterator<Item = &'e super::episode::GroupMembership> + '_ {
        let as_of = self.as_of;
        self.ep
            .groups
            .iter()
            .filter(move |g| g.joined_on <= as_of && g.left_on.is_none_or(|l| l > as_of))
    }

    fn in_group(&self) -> SignalValue {
        match self.active_groups().map(|g| g.joined_on).min() {
            Some(date) => SignalValue::new(
                Truth::True,
                Evidence::Dated {
                    text: "member of an exercise group since",
                    date,
                },
            ),
            None => SignalValue::new(
                Truth::False,
                Evidence::Text("not currently a member of an exercise group"),
            ),
        }
    }

    fn in_group_with_shared_goals(&self) -> SignalValue {
        let mut value: Option<Truth> = None;
        let mut date: Option<Date> = None;
        for g in self.active_groups() {
            let v = Truth::from_option(g.shared_goals);
            if value
                .is_none_or(|cur| v > cur || (v == cur && date.is_some_and(|d| g.joined_on < d)))
            {
                value = Some(v);
                date = Some(g.joined_on);
            }
        }
        const WHAT: &str = "current group shares the patient's interests or goals";
        match (value, date) {
            (Some(Truth::Unknown), Some(date)) => {
                SignalValue::new(Truth::Unknown, Evidence::Unstated { what: WHAT, date })
            }
            (Some(v), Some(date)) => SignalValue::new(
                v,
                Evidence::Recorded {
                    what: WHAT,
                    date,
                    yes: v == Truth::True,
                },
            ),
            _ => SignalValue::new(
                Truth::False,
                Evidence::Text("not currently a member of an exercise group"),
            ),
        }
    }

    fn exercise_practised(&self) -> SignalValue {
        let l = &self.logs;
        if l.in_window == 0 {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::Text("no exercise sessions logged in the last 28 days"),
            );
        }
        SignalValue::new(
            Truth::from_bool(l.done > 0),
            Evidence::Count {
                n: l.done,
                of: l.in_window,
                what: "sessions logged in the last 28 days were done (completed or partly)",
            },
        )
    }

    fn log_mean(
        &self,
        sum: u32,
        n: u32,
        what: &'static str,
        test: impl Fn(u32, u32) -> bool,
        rule: &'static str,
    ) -> SignalValue {
        if n == 0 {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::Text(if what == "enjoyment" {
                    "no enjoyment rating logged in the last 28 days"
                } else {
                    "no difficulty rating logged in the last 28 days"
                }),
            );
        }
        SignalValue::new(
            Truth::from_bool(test(sum, n)),
            Evidence::Mean {
                what,
                mean: f64::from(sum) / f64::from(n),
                n,
                rule,
            },
        )
    }

    fn pain_up(&self) -> SignalValue {
        let l = &self.logs;
        if l.paired == 0 {
            return SignalValue::new(
                Truth::Unknown,
                Evidence::Text("no session with pain rated before and after in the last 28 days"),
            );
        }
        let pattern = l.rises >= PAIN_RISE_MIN_SESSIONS && 3 * l.rises >= l.paired;
        SignalValue::new(
            Truth::from_bool(pattern),
            Evidence::Count {
                n: l.rises,
                of: l.paired,
                what: "sessions in the last 28 days raised pain by 2 or more points",
            },
        )
    }

    fn perceived_benefit(&self) -> SignalValue {
        if let Some(p) = self.latest_score("pgic") {
            if !(1.0..=7.0).contains(&p.total) {
                return SignalValue::new(
                    Truth::Unknown,
                    Evidence::OutOfRange {
                        instrument: "PGIC",
                        part: "rating",
                        date: p.date,
                        value: p.total,
                    },
                );
            }
            return SignalValue::new(
                Truth::from_bool(p.total <= PGIC_IMPROVED_AT_OR_BELOW),
                Evidence::Score {
                    instrument: "PGIC",
                    part: "rating",
                    date: p.date,
                    value: p.total,
                    rule: "3 (a little improved) or better counts as benefit",
                },
            );
        }
        // No PGIC: fall back on change in pain or function (Kleene OR over
        // instruments: improved by the MCID or 30 % → true; no change or worse
        // → false; a smaller improvement → unknown).
        let mut best: Option<SignalValue> = None;
        for code in OUTCOME_INSTRUMENTS {
            let Some(v) = self.outcome_change(code) else {
                continue;
            };
            if best.is_none_or(|b| v.value > b.value) {
                best = Some(v);
            }
        }
        best.unwrap_or(SignalValue::new(
            Truth::Unknown,
            Evidence::NotRecorded {
                what: "PGIC, or two pain or function scores to compare",
            },
        ))
    }

    fn outcome_change(&self, code: &'static str) -> Option<SignalValue> {
        let span = self.scores[code_index(code)?];
        let (first, last) = (span.first, span.last);
        let (first, last) = (first?, last?);
        if first.date >= last.date {
            return None;
        }
        let info = crate::instruments::find(code).ok()?;
        let improvement = crate::outcomes::improvement(info, first.total, last.total);
        let (value, rule) =
            if crate::outcomes::reaches_mic(info, first.total, last.total) == Some(true) {
                (Truth::True, "an important improvement")
            } else if improvement <= 0.0 {
                (Truth::False, "no improvement")
            } else {
                (
                    Truth::Unknown,
                    "a small improvement, below the minimal important change",
                )
            };
        let instrument = match code {
            "nprs" => "NPRS",
            "rmdq" => "RMDQ",
            _ => "ODI",
        };
        Some(SignalValue::new(
            value,
            Evidence::Change {
                instrument,
                from: first.total,
                from_date: first.date,
                to: last.total,
                to_date: last.date,
                rule,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn day_numbers() {
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        assert_eq!(
            day_number(date(2000, 3, 1)) - day_number(date(2000, 2, 28)),
            2
        );
        assert_eq!(
            day_number(date(2024, 1, 1)) - day_number(date(2023, 1, 1)),
            365
        );
        assert_eq!(
            day_number(date(2025, 1, 1)) - day_number(date(2024, 1, 1)),
            366
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Signal::ALL {
            assert_eq!(Signal::from_name(s.name()), Some(*s));
            assert_eq!(s.index(), Signal::ALL.iter().position(|x| x == s).unwrap());
        }
    }
}

// ---------------------------------------------------------------------------
// Sources: which recorded items a signal read

/// One item of an [`Episode`], by list and place in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "list", content = "index", rename_all = "snake_case")]
pub enum Item {
    Assessment,
    Score(usize),
    Beliefs(usize),
    Consultation(usize),
    Goal(usize),
    Prescription(usize),
    Log(usize),
    FollowUp(usize),
    SupervisedSession(usize),
    Group(usize),
    Education(usize),
    LogFeedback(usize),
}

/// The items of `episode` that `signal` read on `as_of`, in list order: what
/// a clinician asking "why does it say this?" should be shown. Empty when
/// nothing recorded bears on it (the signal is then unknown, or false by the
/// absence of a record the rule expects, e.g. no supervised session).
pub fn sources(signal: Signal, episode: &Episode, as_of: Date) -> Vec<Item> {
    Facts::new(episode, as_of).sources(signal)
}

impl Facts<'_> {
    fn window(&self) -> (i32, i32) {
        (self.end - (RECENT_WINDOW_DAYS - 1), self.end)
    }

    fn latest_score_item(&self, code: &str) -> Vec<Item> {
        let Some(latest) = self.latest_score(code) else {
            return Vec::new();
        };
        self.ep
            .scores
            .iter()
            .position(|s| std::ptr::eq(s, latest))
            .map(Item::Score)
            .into_iter()
            .collect()
    }

    fn score_span_items(&self, code: &str) -> Vec<Item> {
        let Some(i) = code_index(code) else {
            return Vec::new();
        };
        let span = self.scores[i];
        let mut out: Vec<Item> = [span.first, span.last]
            .into_iter()
            .flatten()
            .filter_map(|s| self.ep.scores.iter().position(|x| std::ptr::eq(x, s)))
            .map(Item::Score)
            .collect();
        out.dedup();
        out
    }

    fn beliefs_items(&self) -> Vec<Item> {
        (0..self.ep.beliefs.len())
            .filter(|i| self.ep.beliefs[*i].date <= self.as_of)
            .map(Item::Beliefs)
            .collect()
    }

    fn current_rx_items(&self) -> Vec<Item> {
        (0..self.ep.prescriptions.len())
            .filter(|i| Some(self.ep.prescriptions[*i].date) == self.latest_rx)
            .map(Item::Prescription)
            .collect()
    }

    fn first_rx_items(&self) -> Vec<Item> {
        (0..self.ep.prescriptions.len())
            .filter(|i| Some(self.ep.prescriptions[*i].date) == self.first_rx)
            .map(Item::Prescription)
            .collect()
    }

    fn practice_items(&self, p: Practice) -> Vec<Item> {
        (0..self.ep.consultations.len())
            .filter(|i| {
                let c = &self.ep.consultations[*i];
                c.date <= self.as_of && (c.practices.contains(&p) || c.checklist_complete)
            })
            .map(Item::Consultation)
            .collect()
    }

    fn recent_logs(&self, keep: impl Fn(&super::episode::ExerciseLog) -> bool) -> Vec<Item> {
        let (start, end) = self.window();
        (0..self.ep.logs.len())
            .filter(|i| {
                let l = &self.ep.logs[*i];
                let d = day_number(l.date);
                d >= start && d <= end && keep(l)
            })
            .map(Item::Log)
            .collect()
    }

    fn sources(&self, s: Signal) -> Vec<Item> {
        use Signal::*;
        let as_of = self.as_of;
        let dated = |d: Date| d <= as_of;
        let education = |pick: &dyn Fn(&super::episode::EducationGiven) -> bool| -> Vec<Item> {
            (0..self.ep.education.len())
                .filter(|i| dated(self.ep.education[*i].date) && pick(&self.ep.education[*i]))
                .map(Item::Education)
                .collect()
        };
        let supervised = || -> Vec<Item> {
            (0..self.ep.supervised_sessions.len())
                .filter(|i| dated(self.ep.supervised_sessions[*i].date))
                .map(Item::SupervisedSession)
                .collect()
        };
        let assessment = || -> Vec<Item> {
            self.ep
                .assessment
                .as_ref()
                .filter(|a| dated(a.date))
                .map(|_| Item::Assessment)
                .into_iter()
                .collect()
        };
        match s {
            HolisticAssessmentDone | PreviousPositiveExperience => assessment(),
            BeliefsExplored => self.beliefs_items(),
            ExplanationTailoredToBeliefs | UnhelpfulBeliefsReconciled => {
                let mut out = self.beliefs_items();
                out.extend(education(&|e| !e.answers_beliefs.is_empty()));
                out
            }
            FearfulOfMovement => self.latest_score_item("tsk11"),
            SelfEfficacyLow => self.latest_score_item("pseq"),
            AlliancePositive | AllianceBondLow => self.latest_score_item("waisr"),
            PerceivedBenefit => {
                let pgic = self.latest_score_item("pgic");
                if !pgic.is_empty() {
                    return pgic;
                }
                let mut out: Vec<Item> = OUTCOME_INSTRUMENTS
                    .iter()
                    .flat_map(|code| self.score_span_items(code))
                    .collect();
                out.sort();
                out
            }
            RapportBuilt => self.practice_items(Practice::RapportBuilt),
            DisclosureFacilitated => self.practice_items(Practice::DisclosureInvited),
            ReassuranceIndividualised => self.practice_items(Practice::ReassuranceIndividualised),
            ConditionExplained => self.practice_items(Practice::ConditionExplained),
            GoalLinkExplained => self.practice_items(Practice::GoalLinkExplained),
            DailyLifeFitPlanned => self.practice_items(Practice::DailyLifeFitPlanned),
            SafeExerciseEnvironment => self.practice_items(Practice::SafeEnvironmentConfirmed),
            BiopsychosocialFraming => self.practice_items(Practice::BiopsychosocialFraming),
            CollaborationInCare => {
                let mut out = self.practice_items(Practice::SharedDecisions);
                out.extend(
                    (0..self.ep.prescriptions.len())
                        .filter(|i| {
                            let p = &self.ep.prescriptions[*i];
                            dated(p.date) && p.co_designed.is_some()
                        })
                        .map(Item::Prescription),
                );
                out
            }
            GoalsAgreed => (0..self.ep.goals.len())
                .filter(|i| dated(self.ep.goals[*i].agreed_on))
                .map(Item::Goal)
                .collect(),
            PrescriptionIndividualised
            | ExerciseMatchesPreferences
            | CollaborativePlan
            | TreatmentPlanHolistic => self.current_rx_items(),
            ExercisesLinkedToGoals => {
                let mut out = self.current_rx_items();
                out.extend(
                    (0..self.ep.goals.len())
                        .filter(|i| dated(self.ep.goals[*i].agreed_on))
                        .map(Item::Goal),
                );
                out
            }
            FollowUpWithinTarget => {
                let mut out = self.first_rx_items();
                // The contacts of the recent window, and the latest before it
                // (the one the next contact is counted from).
                let (start, end) = self.window();
                let latest = self
                    .ep
                    .follow_ups
                    .iter()
                    .map(|f| f.date)
                    .filter(|d| dated(*d))
                    .max();
                out.extend(
                    (0..self.ep.follow_ups.len())
                        .filter(|i| {
                            let date = self.ep.follow_ups[*i].date;
                            let d = day_number(date);
                            dated(date) && d <= end && (d >= start || Some(date) == latest)
                        })
                        .map(Item::FollowUp),
                );
                out
            }
            FeedbackGiven => {
                let (start, end) = self.window();
                let within = |d: Date| {
                    let n = day_number(d);
                    dated(d) && n >= start && n <= end
                };
                let mut out: Vec<Item> = (0..self.ep.follow_ups.len())
                    .filter(|i| {
                        let f = &self.ep.follow_ups[*i];
                        within(f.date) && f.feedback_given.is_some()
                    })
                    .map(Item::FollowUp)
                    .collect();
                out.extend(
                    (0..self.ep.log_feedback.len())
                        .filter(|i| within(self.ep.log_feedback[*i]))
                        .map(Item::LogFeedback),
                );
                // With no feedback recorded, the programme's start decided it.
                if out.is_empty() {
                    out.extend(self.first_rx_items());
                }
                out
            }
            PatientFeelsSupported => {
                let latest = self
                    .ep
                    .follow_ups
                    .iter()
                    .filter(|f| dated(f.date) && f.patient_feels_supported.is_some())
                    .map(|f| f.date)
                    .max();
                (0..self.ep.follow_ups.len())
                    .filter(|i| {
                        let f = &self.ep.follow_ups[*i];
                        Some(f.date) == latest && f.patient_feels_supported.is_some()
                    })
                    .map(Item::FollowUp)
                    .collect()
            }
            SupervisedSessionHeld => {
                let mut out = supervised();
                out.extend(
                    (0..self.ep.follow_ups.len())
                        .filter(|i| {
                            let f = &self.ep.follow_ups[*i];
                            dated(f.date) && f.kind == FollowUpKind::Supervised
                        })
                        .map(Item::FollowUp),
                );
                // With none held, the prescription without one decided it.
                if out.is_empty() {
                    out.extend(self.first_rx_items());
                }
                out
            }
            CorrectionGiven | ProgressionGiven => supervised(),
            InGroup | InGroupWithSharedGoals => (0..self.ep.groups.len())
                .filter(|i| {
                    let g = &self.ep.groups[*i];
                    g.joined_on <= as_of && g.left_on.is_none_or(|l| l > as_of)
                })
                .map(Item::Group)
                .collect(),
            ExercisePractised => self.recent_logs(|_| true),
            ExerciseEnjoyed | ExerciseDisliked => {
                self.recent_logs(|l| l.completion != Completion::Skipped && l.enjoyment.is_some())
            }
            ExerciseTooHard => {
                self.recent_logs(|l| l.completion != Completion::Skipped && l.difficulty.is_some())
            }
            PainUpAfterExercise => self.recent_logs(|l| {
                l.completion != Completion::Skipped
                    && l.pain_before.is_some()
                    && l.pain_after.is_some()
            }),
        }
    }
}
