//! Change that matters: each instrument's score before treatment, at its end
//! and six months on (the alliance study's three time points,
//! Unsgaard-Tøndel & Söderström 2021), the change, and whether the change
//! reaches the minimal important change published for the instrument in low
//! back pain (`Instrument::mic`, with its source), and the clinic's outcomes
//! as the sum of its patients' own.
//!
//! The rule is written once here: the monitoring rule `no_benefit` and the
//! theory's benefit signal call [`reaches_mic`] too.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::assessment::Expectation;
use crate::assessment::schedule::TimePoint;
use crate::education::Stratum;
use crate::instruments::{self, Instrument, Mic, Polarity};
use crate::monitoring::num;

/// Slack for totals that are not whole numbers (the ODI is a per cent of the
/// sections answered): a change within a millionth of the threshold reaches it.
const EPS: f64 = 1e-6;

/// How much better `later` is than `baseline` on `instrument` (negative: worse).
pub fn improvement(instrument: &Instrument, baseline: f64, later: f64) -> f64 {
    match instrument.polarity {
        Polarity::HigherIsWorse => baseline - later,
        Polarity::HigherIsBetter => later - baseline,
    }
}

/// Whether an improvement from `baseline` reaches `mic`: at least its points
/// (the lower end of a published range) or, where the source gives one, its
/// per cent of the baseline, whichever comes first. A worse score or no change
/// never reaches it, even from a baseline of 0.
pub fn improvement_reaches(mic: &Mic, baseline: f64, improvement: f64) -> bool {
    if improvement <= 0.0 {
        return false;
    }
    // Compared as products so that 3 of 10 is exactly 30 %.
    improvement + EPS >= mic.points
        || mic
            .percent
            .is_some_and(|p| baseline != 0.0 && improvement * 100.0 + EPS >= p * baseline.abs())
}

/// Whether the change from `baseline` to `later` reaches the instrument's
/// minimal important change; `None` where none is published.
pub fn reaches_mic(instrument: &Instrument, baseline: f64, later: f64) -> Option<bool> {
    let mic = instrument.mic.as_ref()?;
    Some(improvement_reaches(
        mic,
        baseline,
        improvement(instrument, baseline, later),
    ))
}

/// One completed questionnaire of an episode, as the outcomes read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreAt<'a> {
    pub instrument: &'a str,
    pub time_point: TimePoint,
    /// When it was completed; of two at one time point the later counts
    /// (a correction replaces what it corrects).
    pub at: jiff::Timestamp,
    /// `None` when the answers could not be scored (too many unanswered).
    pub total: Option<f64>,
}

/// A value at each follow-up time point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct AtFollowUp<T> {
    pub discharge: T,
    pub six_months: T,
}

impl<T: Copy> AtFollowUp<T> {
    pub fn get(&self, at: FollowUp) -> T {
        match at {
            FollowUp::Discharge => self.discharge,
            FollowUp::SixMonths => self.six_months,
        }
    }
}

/// The time points change is measured at, against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    Discharge,
    SixMonths,
}

impl FollowUp {
    pub const ALL: [FollowUp; 2] = [FollowUp::Discharge, FollowUp::SixMonths];

    pub fn time_point(self) -> TimePoint {
        match self {
            FollowUp::Discharge => TimePoint::Discharge,
            FollowUp::SixMonths => TimePoint::SixMonths,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.time_point().as_str()
    }
}

/// The published minimal important change and whether each follow-up reached it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MicOutcome {
    pub points: f64,
    pub percent: Option<f64>,
    pub source: &'static str,
    /// `None` where the follow-up (or the baseline) was not scored.
    pub reached: AtFollowUp<Option<bool>>,
}

/// One instrument's outcome over an episode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentOutcome {
    pub instrument: &'static str,
    pub baseline: Option<f64>,
    pub discharge: Option<f64>,
    pub six_months: Option<f64>,
    /// Later minus baseline, in the instrument's own points (its sign is the
    /// scale's, not "better"; [`InstrumentOutcome::better`] says which way).
    pub change: AtFollowUp<Option<f64>>,
    pub mcid: Option<MicOutcome>,
}

impl InstrumentOutcome {
    pub fn at(&self, at: FollowUp) -> Option<f64> {
        match at {
            FollowUp::Discharge => self.discharge,
            FollowUp::SixMonths => self.six_months,
        }
    }

    pub fn info(&self) -> Option<&'static Instrument> {
        instruments::find(self.instrument).ok()
    }

    /// Whether the score at `at` is better than at baseline (`None` if either
    /// is missing or they are equal).
    pub fn better(&self, at: FollowUp) -> Option<bool> {
        let (b, l) = (self.baseline?, self.at(at)?);
        let info = self.info()?;
        let imp = improvement(info, b, l);
        (imp.abs() > EPS).then_some(imp > 0.0)
    }
}

/// The outcome of every instrument scored at baseline that is measured again
/// at discharge or six months (or was scored at one of them), in the order of
/// the instrument registry. The PGIC and the alliance have no baseline: see
/// [`global_change`].
pub fn outcomes(scores: &[ScoreAt<'_>]) -> Vec<InstrumentOutcome> {
    let latest = |code: &str, tp: TimePoint| -> Option<f64> {
        scores
            .iter()
            .filter(|s| s.time_point == tp && s.instrument.eq_ignore_ascii_case(code))
            .max_by_key(|s| s.at)
            .and_then(|s| s.total)
    };
    let asked_later = |code: &str| {
        FollowUp::ALL
            .iter()
            .any(|f| f.time_point().forms().iter().any(|form| form.key() == code))
    };
    let mut out = Vec::new();
    for info in instruments::registry() {
        let code = info.code;
        let has = |tp| {
            scores
                .iter()
                .any(|s| s.time_point == tp && s.instrument.eq_ignore_ascii_case(code))
        };
        if !has(TimePoint::Baseline) {
            continue;
        }
        if !asked_later(code) && !has(TimePoint::Discharge) && !has(TimePoint::SixMonths) {
            continue;
        }
        let baseline = latest(code, TimePoint::Baseline);
        let discharge = latest(code, TimePoint::Discharge);
        let six_months = latest(code, TimePoint::SixMonths);
        let change = |later: Option<f64>| Some(later? - baseline?);
        let reached = |later: Option<f64>| reaches_mic(info, baseline?, later?);
        out.push(InstrumentOutcome {
            instrument: code,
            baseline,
            discharge,
            six_months,
            change: AtFollowUp {
                discharge: change(discharge),
                six_months: change(six_months),
            },
            mcid: info.mic.as_ref().map(|m| MicOutcome {
                points: m.points,
                percent: m.percent,
                source: m.source,
                reached: AtFollowUp {
                    discharge: reached(discharge),
                    six_months: reached(six_months),
                },
            }),
        });
    }
    out
}

/// The patient's global rating of change (PGIC, 1 very much improved … 7
/// very much worse) at each follow-up, shown beside the outcomes.
pub fn global_change(scores: &[ScoreAt<'_>]) -> AtFollowUp<Option<f64>> {
    let at = |tp: TimePoint| {
        scores
            .iter()
            .filter(|s| s.time_point == tp && s.instrument.eq_ignore_ascii_case("pgic"))
            .max_by_key(|s| s.at)
            .and_then(|s| s.total)
    };
    AtFollowUp {
        discharge: at(TimePoint::Discharge),
        six_months: at(TimePoint::SixMonths),
    }
}

/// The words of a PGIC answer (1 very much improved … 7 very much worse).
pub fn pgic_label(v: f64) -> &'static str {
    match v.round() as i64 {
        1 => "very much improved",
        2 => "much improved",
        3 => "minimally improved",
        4 => "no change",
        5 => "minimally worse",
        6 => "much worse",
        _ => "very much worse",
    }
}

/// What an instrument measures, in words for the patient (no instrument
/// names, no scale jargon).
pub fn plain_name(code: &str) -> &'static str {
    match code {
        "nprs" => "Your pain",
        "rmdq" | "odi" => "How much your back gets in the way of daily life",
        "pseq" => "Your confidence doing things despite pain",
        "tsk11" | "tsk17" => "Worry that moving will harm your back",
        "psfs" => "The activities you chose to work on",
        "fabq" => "Worry that activity will make your back worse",
        _ => "Your questionnaire",
    }
}

/// A sentence for the patient on one outcome at one follow-up, or `None` when
/// there is nothing to compare yet.
pub fn plain_words(o: &InstrumentOutcome, at: FollowUp) -> Option<String> {
    let (b, l) = (o.baseline?, o.at(at)?);
    let info = o.info()?;
    let when = match at {
        FollowUp::Discharge => "at the end of treatment",
        FollowUp::SixMonths => "six months later",
    };
    let direction = match info.polarity {
        Polarity::HigherIsWorse => "lower is better",
        Polarity::HigherIsBetter => "higher is better",
    };
    let scale = format!(
        "{} before treatment and {} {when} (on a scale of {} to {}, {direction})",
        num(b),
        num(l),
        num(info.total_min),
        num(info.total_max)
    );
    let verdict = match (
        o.better(at),
        o.mcid.as_ref().and_then(|m| m.reached.get(at)),
    ) {
        (Some(true), Some(true)) => "a change large enough to make a real difference",
        (Some(true), Some(false)) => "better, though by less than usually makes a real difference",
        (Some(true), None) => "better",
        (Some(false), _) => "worse than before; worth talking over with your physiotherapist",
        (None, _) => "about the same as before",
    };
    Some(format!("{}: {scale}: {verdict}.", plain_name(o.instrument)))
}

/// What became of an expectation ticked at intake, read from the end-of-care
/// questions (instrument `endofcare`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationVerdict {
    Met,
    Partly,
    NotMet,
    /// Care did not give what was expected but the patient came to something
    /// else that serves them (the alliance study's adjusted expectations).
    Changed,
    /// The end-of-care questions are not answered yet.
    NotAsked,
}

impl ExpectationVerdict {
    /// The key, as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectationVerdict::Met => "met",
            ExpectationVerdict::Partly => "partly",
            ExpectationVerdict::NotMet => "not_met",
            ExpectationVerdict::Changed => "changed",
            ExpectationVerdict::NotAsked => "not_asked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExpectationVerdict::Met => "met",
            ExpectationVerdict::Partly => "partly met",
            ExpectationVerdict::NotMet => "not met",
            ExpectationVerdict::Changed => "changed",
            ExpectationVerdict::NotAsked => "not asked yet",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectationOutcome {
    pub expectation: Expectation,
    pub verdict: ExpectationVerdict,
    /// What the verdict was read from, for the clinician.
    pub because: String,
}

/// The end-of-care item numbers (see the `endofcare` instrument).
pub mod end_of_care {
    pub const CODE: &str = "endofcare";
    pub const TAKEN_SERIOUSLY: usize = 1;
    pub const REASSURED: usize = 2;
    pub const UNDERSTANDS: usize = 3;
    pub const MANAGES_ALONE: usize = 4;
    pub const KNOWS_FLARE_UP: usize = 5;
    pub const HAS_EXERCISES: usize = 6;
}

/// Each expectation ticked at intake beside the end-of-care answers
/// (`answers[n - 1]` is item n, 1 disagree strongly … 5 agree strongly) and
/// whether the patient was free of pain at the end. Agreement (4–5) meets an
/// expectation, 3 partly, 1–2 not. Expectations exercise-based care does not
/// set out to meet — a structural diagnosis, hands-on treatment, no pain at
/// all — count as changed when the patient now understands the pain, has
/// exercises to keep, or manages on their own (Unsgaard-Tøndel & Söderström
/// 2021, Table 3: experiences after treatment differed from expectations
/// before it).
pub fn expectations_met(
    expectations: &[Expectation],
    answers: Option<&[Option<i32>]>,
    pain_free_at_end: Option<bool>,
) -> Vec<ExpectationOutcome> {
    use end_of_care::*;
    let item = |n: usize| answers.and_then(|a| a.get(n - 1).copied().flatten());
    let label = |n: usize| {
        instruments::find(CODE)
            .ok()
            .and_then(|i| i.items.get(n - 1))
            .map_or("", |i| i.label)
    };
    let graded = |n: usize| -> (ExpectationVerdict, String) {
        match item(n) {
            None => (ExpectationVerdict::NotAsked, String::new()),
            Some(v) => (
                match v {
                    4.. => ExpectationVerdict::Met,
                    3 => ExpectationVerdict::Partly,
                    _ => ExpectationVerdict::NotMet,
                },
                format!("{} {v} of 5", label(n)),
            ),
        }
    };
    // Met by something else, or not met.
    let changed = |n: usize| -> (ExpectationVerdict, String) {
        match graded(n) {
            (ExpectationVerdict::Met, why) => (ExpectationVerdict::Changed, why),
            (ExpectationVerdict::NotAsked, why) => (ExpectationVerdict::NotAsked, why),
            (_, why) => (ExpectationVerdict::NotMet, why),
        }
    };
    expectations
        .iter()
        .map(|&e| {
            let (verdict, because) = match e {
                Expectation::Exercises => graded(HAS_EXERCISES),
                Expectation::Explanation => graded(UNDERSTANDS),
                Expectation::Reassurance => graded(REASSURED),
                Expectation::SelfManagementAdvice => {
                    match (graded(MANAGES_ALONE), graded(KNOWS_FLARE_UP)) {
                        ((a, wa), (b, wb)) if a == b => (a, format!("{wa}; {wb}")),
                        ((ExpectationVerdict::NotAsked, _), other)
                        | (other, (ExpectationVerdict::NotAsked, _)) => other,
                        ((a, wa), (b, wb)) => {
                            let worst = if a == ExpectationVerdict::NotMet
                                || b == ExpectationVerdict::NotMet
                            {
                                ExpectationVerdict::NotMet
                            } else {
                                ExpectationVerdict::Partly
                            };
                            (worst, format!("{wa}; {wb}"))
                        }
                    }
                }
                Expectation::StructuralDiagnosis => changed(UNDERSTANDS),
                Expectation::HandsOnTreatment => changed(HAS_EXERCISES),
                Expectation::PainFree => match pain_free_at_end {
                    Some(true) => (ExpectationVerdict::Met, "pain 0 of 10 at the end".into()),
                    _ => changed(MANAGES_ALONE),
                },
            };
            ExpectationOutcome {
                expectation: e,
                verdict,
                because,
            }
        })
        .collect()
}

/// One discharged episode as the clinic's report counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeOutcomes {
    /// The STarT Back stratum at baseline, where screened.
    pub stratum: Option<Stratum>,
    pub outcomes: Vec<InstrumentOutcome>,
}

/// One row of the clinic's outcomes: patients with a baseline and a score at
/// the follow-up, their mean change and how many reached the minimal
/// important change (`None` for an instrument without one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    pub instrument: &'static str,
    pub time_point: FollowUp,
    /// `None` for all strata together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stratum: Option<Stratum>,
    pub n: usize,
    pub mean_change: Option<f64>,
    pub reached_mcid: Option<usize>,
}

/// The clinic's outcomes, from its patients' own: one row per instrument and
/// follow-up with at least one patient, for all patients together
/// (`by_stratum == false`) or for each baseline stratum (patients never
/// screened are left out of the strata, not of the whole).
pub fn report(episodes: &[EpisodeOutcomes], by_stratum: bool) -> Vec<ReportRow> {
    #[derive(Default)]
    struct Acc {
        n: usize,
        sum: f64,
        reached: usize,
        has_mic: bool,
    }
    let mut acc: BTreeMap<(usize, FollowUp, Option<Stratum>), (&'static str, Acc)> =
        BTreeMap::new();
    let order = |code: &str| {
        instruments::registry()
            .iter()
            .position(|i| i.code == code)
            .unwrap_or(usize::MAX)
    };
    for e in episodes {
        let key_stratum = if by_stratum {
            match e.stratum {
                Some(s) => Some(s),
                None => continue,
            }
        } else {
            None
        };
        for o in &e.outcomes {
            for at in FollowUp::ALL {
                let Some(change) = o.change.get(at) else {
                    continue;
                };
                let (_, a) = acc
                    .entry((order(o.instrument), at, key_stratum))
                    .or_insert_with(|| (o.instrument, Acc::default()));
                a.n += 1;
                a.sum += change;
                if let Some(m) = &o.mcid {
                    a.has_mic = true;
                    if m.reached.get(at) == Some(true) {
                        a.reached += 1;
                    }
                }
            }
        }
    }
    acc.into_iter()
        .map(|((_, at, stratum), (instrument, a))| ReportRow {
            instrument,
            time_point: at,
            stratum,
            n: a.n,
            mean_change: (a.n > 0).then(|| a.sum / a.n as f64),
            reached_mcid: a.has_mic.then_some(a.reached),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn day(y: i16, m: i8, d: i8) -> jiff::Timestamp {
        date(y, m, d)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
    }

    fn at<'a>(code: &'a str, tp: TimePoint, total: Option<f64>) -> ScoreAt<'a> {
        ScoreAt {
            instrument: code,
            time_point: tp,
            at: match tp {
                TimePoint::Baseline => day(2026, 1, 5),
                TimePoint::DuringCare => day(2026, 2, 1),
                TimePoint::Discharge => day(2026, 3, 2),
                TimePoint::SixMonths => day(2026, 9, 2),
            },
            total,
        }
    }

    fn one(code: &str, b: Option<f64>, d: Option<f64>, s: Option<f64>) -> InstrumentOutcome {
        let mut scores = vec![at(code, TimePoint::Baseline, b)];
        if d.is_some() {
            scores.push(at(code, TimePoint::Discharge, d));
        }
        if s.is_some() {
            scores.push(at(code, TimePoint::SixMonths, s));
        }
        outcomes(&scores)
            .into_iter()
            .find(|o| o.instrument == code)
            .expect("an outcome")
    }

    fn reached(o: &InstrumentOutcome) -> (Option<bool>, Option<bool>) {
        let r = o.mcid.as_ref().expect("a published MIC").reached;
        (r.discharge, r.six_months)
    }

    // Worked by hand from clinical-facts.md §2: NPRS 2 points or 30 %
    // (Ostelo 2008), lower is better.
    #[test]
    fn pain_by_points_or_per_cent_at_both_time_points() {
        // 7 → 5: exactly 2 points; 7 → 6: 1 point (14 %), not enough.
        let o = one("nprs", Some(7.0), Some(5.0), Some(6.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
        assert_eq!(o.change.discharge, Some(-2.0));
        assert_eq!(o.change.six_months, Some(-1.0));
        // A low baseline: 3 → 2 is 1 point but 33 % of 3, so it counts.
        let o = one("nprs", Some(3.0), Some(2.0), Some(3.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
        // Worse is never important improvement.
        let o = one("nprs", Some(4.0), Some(7.0), None);
        assert_eq!(reached(&o), (Some(false), None));
        assert_eq!(o.better(FollowUp::Discharge), Some(false));
        // From no pain there is no per cent to take and nothing to improve.
        let o = one("nprs", Some(0.0), Some(0.0), None);
        assert_eq!(reached(&o), (Some(false), None));
    }

    // RMDQ: 5 points or 30 % (Ostelo 2008).
    #[test]
    fn function_at_exactly_thirty_per_cent() {
        // 10 → 7: 3 points, exactly 30 % of 10 (3 × 100 = 30 × 10).
        let o = one("rmdq", Some(10.0), Some(7.0), Some(8.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
        // 20 → 15: exactly 5 points (25 %).
        let o = one("rmdq", Some(20.0), Some(15.0), Some(16.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
        // 3 → 2: 33 % of a low baseline.
        let o = one("rmdq", Some(3.0), Some(2.0), None);
        assert_eq!(reached(&o), (Some(true), None));
    }

    // ODI: 10 points or 30 % of a per-cent score.
    #[test]
    fn oswestry_with_an_unanswered_section_is_prorated() {
        let odi = instruments::find("odi").unwrap();
        // Ten sections scored 0–5; one unanswered: 18 of 45 = 40 %.
        let base = odi
            .score(&[
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                Some(2),
                None,
            ])
            .unwrap()
            .total
            .unwrap();
        assert!((base - 40.0).abs() < 1e-9, "{base}");
        // 40 → 30: 10 points exactly (and 25 %).
        let o = one("odi", Some(base), Some(30.0), Some(31.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
        // 35.6 → 24.9: 10.7 points.
        let o = one("odi", Some(35.6), Some(24.9), None);
        assert_eq!(reached(&o), (Some(true), None));
        // A low baseline: 12 → 8 is 4 points, 33 %.
        let o = one("odi", Some(12.0), Some(8.0), None);
        assert_eq!(reached(&o), (Some(true), None));
    }

    // PSEQ: 5.5 points, higher is better, no per-cent rule (Chiarotto 2016).
    #[test]
    fn self_efficacy_rises_by_points_only() {
        // 30 → 35.5 would be exact; totals are whole: 30 → 36 yes, 30 → 35 no.
        let o = one("pseq", Some(30.0), Some(36.0), Some(35.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
        assert_eq!(o.change.discharge, Some(6.0));
        // A low baseline has no per-cent rule: 4 → 8 is 100 % but 4 points.
        let o = one("pseq", Some(4.0), Some(8.0), None);
        assert_eq!(reached(&o), (Some(false), None));
        // Falling confidence.
        let o = one("pseq", Some(40.0), Some(30.0), None);
        assert_eq!(reached(&o), (Some(false), None));
        assert_eq!(o.better(FollowUp::Discharge), Some(false));
    }

    // TSK-11: 4 points (Woby 2005), lower is better.
    #[test]
    fn fear_of_movement_by_four_points() {
        let o = one("tsk11", Some(30.0), Some(26.0), Some(27.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
    }

    // EARS: 5.5 points (EARS-Br), higher is better adherence. The schedule
    // asks it only after treatment, so it has an outcome only where a clinic
    // also scored it at baseline.
    #[test]
    fn exercise_adherence_by_five_and_a_half_points() {
        // 12 → 18: 6 points; 12 → 17: 5 (short of 5.5); 12 → 10: worse.
        let o = one("ears", Some(12.0), Some(18.0), Some(17.0));
        assert_eq!(reached(&o), (Some(true), Some(false)));
        let o = one("ears", Some(12.0), Some(10.0), None);
        assert_eq!(reached(&o), (Some(false), None));
        // Not scored at baseline: no outcome at all.
        let outs = outcomes(&[at("ears", TimePoint::Discharge, Some(20.0))]);
        assert!(outs.iter().all(|o| o.instrument != "ears"));
    }

    // The PSFS has a MIC but no baseline in the schedule; scored at baseline
    // by a clinic that asks it, the rule applies.
    #[test]
    fn the_activities_the_patient_chose() {
        // PSFS mean of the activities: 2 points, higher is better.
        let o = one("psfs", Some(3.0), Some(5.0), Some(4.5));
        assert_eq!(reached(&o), (Some(true), Some(false)));
    }

    #[test]
    fn a_missing_score_is_null_not_a_change() {
        // Baseline unscorable (too many unanswered): nothing to compare.
        let o = one("nprs", None, Some(3.0), None);
        assert_eq!(o.change.discharge, None);
        assert_eq!(reached(&o), (None, None));
        // Discharge not yet done: the instrument is still listed.
        let outs = outcomes(&[at("rmdq", TimePoint::Baseline, Some(12.0))]);
        let o = outs.iter().find(|o| o.instrument == "rmdq").unwrap();
        assert_eq!((o.discharge, o.change.discharge), (None, None));
        // STarT Back is not asked again: no outcome.
        let outs = outcomes(&[at("startback", TimePoint::Baseline, Some(6.0))]);
        assert!(outs.is_empty());
    }

    #[test]
    fn a_correction_replaces_the_score_it_corrects() {
        let mut later = at("nprs", TimePoint::Discharge, Some(6.0));
        later.at = day(2026, 3, 4);
        let scores = [
            at("nprs", TimePoint::Baseline, Some(7.0)),
            at("nprs", TimePoint::Discharge, Some(3.0)),
            later,
        ];
        let o = &outcomes(&scores)[0];
        assert_eq!(o.discharge, Some(6.0));
        assert_eq!(reached(o), (Some(false), None));
    }

    #[test]
    fn the_clinic_report_is_the_sum_of_its_patients() {
        let p1 = EpisodeOutcomes {
            stratum: Some(Stratum::High),
            outcomes: vec![one("nprs", Some(8.0), Some(4.0), Some(5.0))],
        };
        let p2 = EpisodeOutcomes {
            stratum: Some(Stratum::Low),
            outcomes: vec![one("nprs", Some(4.0), Some(3.0), None)],
        };
        let p3 = EpisodeOutcomes {
            stratum: None,
            outcomes: vec![one("nprs", Some(6.0), Some(6.0), None)],
        };
        let all = report(&[p1.clone(), p2.clone(), p3.clone()], false);
        let d = all
            .iter()
            .find(|r| r.time_point == FollowUp::Discharge)
            .unwrap();
        assert_eq!((d.n, d.reached_mcid), (3, Some(1)));
        assert!((d.mean_change.unwrap() - (-5.0 / 3.0)).abs() < 1e-9);
        let s = all
            .iter()
            .find(|r| r.time_point == FollowUp::SixMonths)
            .unwrap();
        assert_eq!(
            (s.n, s.mean_change, s.reached_mcid),
            (1, Some(-3.0), Some(1))
        );
        let by = report(&[p1, p2, p3], true);
        assert_eq!(
            by.iter()
                .filter(|r| r.time_point == FollowUp::Discharge)
                .map(|r| (r.stratum, r.n))
                .collect::<Vec<_>>(),
            vec![(Some(Stratum::Low), 1), (Some(Stratum::High), 1)]
        );
    }

    #[test]
    fn the_patient_reads_plain_words() {
        let o = one("nprs", Some(7.0), Some(3.0), None);
        let w = plain_words(&o, FollowUp::Discharge).unwrap();
        assert!(
            w.starts_with("Your pain: 7 before treatment and 3 at the end"),
            "{w}"
        );
        assert!(w.contains("real difference"), "{w}");
        assert!(!w.contains("NPRS") && !w.contains("MCID"), "{w}");
        assert_eq!(plain_words(&o, FollowUp::SixMonths), None);
    }

    #[test]
    fn expectations_beside_the_end_of_care_answers() {
        use Expectation::*;
        let ticked = [
            Reassurance,
            StructuralDiagnosis,
            SelfManagementAdvice,
            PainFree,
            Exercises,
        ];
        // Reassured 5, understands 4, manages 4, flare-up 2, exercises 3.
        let answers = [Some(5), Some(5), Some(4), Some(4), Some(2), Some(3)];
        let got = expectations_met(&ticked, Some(&answers), Some(false));
        let v: Vec<_> = got.iter().map(|o| (o.expectation, o.verdict)).collect();
        assert_eq!(
            v,
            vec![
                (Reassurance, ExpectationVerdict::Met),
                (StructuralDiagnosis, ExpectationVerdict::Changed),
                (SelfManagementAdvice, ExpectationVerdict::NotMet),
                (PainFree, ExpectationVerdict::Changed),
                (Exercises, ExpectationVerdict::Partly),
            ]
        );
        assert!(got[0].because.contains("5 of 5"), "{:?}", got[0]);
        // Free of pain at the end meets it outright; nothing answered is not asked.
        let got = expectations_met(&[PainFree, Explanation], None, Some(true));
        assert_eq!(got[0].verdict, ExpectationVerdict::Met);
        assert_eq!(got[1].verdict, ExpectationVerdict::NotAsked);
    }
}
