//! The engine: for an episode and a date, every CMOC's context, each
//! mechanism's status and ranked suggestions. Pure, deterministic, no I/O.
//!
//! # Per CMOC
//!
//! The signals are computed once. For each CMOC, `applies_when` (if any) and
//! `context_expr` are evaluated in Kleene logic:
//! - `applies_when` false → context `not_applicable`, standing `not_applicable`;
//! - otherwise the context is `present` / `absent` / `unknown` as the expression
//!   is true / false / unknown, and its *standing* for the mechanism is
//!   `favourable` (a facilitating context present, or a barrier absent),
//!   `unfavourable` (a facilitating context absent, or a barrier present) or
//!   `unknown` (context unknown, or applicability unknown).
//!
//! # Per mechanism (trust, motivation, confidence)
//!
//! Over the mechanism's applicable CMOCs, with grade weights high 3,
//! moderate 2, low 1 (`F` = weight favourable, `U` = weight unfavourable, `W` =
//! weight of all applicable CMOCs, including those of unknown standing):
//! 1. **at risk** if any high- or moderate-grade CMOC is unfavourable, or if
//!    there is unfavourable weight and it is at least the favourable weight
//!    (`U > 0 && U >= F`: low-grade barriers alone tip it only when nothing
//!    favourable outweighs them);
//! 2. otherwise **supported** if `F > 0` and `2F >= W` (at least half the
//!    evidence weight is known to be favourable);
//! 3. otherwise **unknown** (too little is known).
//!
//! The rule is monotone: turning any CMOC from unfavourable to unknown or
//! favourable, or from unknown to favourable, or a not-applicable CMOC into a
//! favourable one, never lowers the status (order: at risk < unknown <
//! supported).
//!
//! # Suggestions
//!
//! Every applicable CMOC whose standing is unfavourable or unknown contributes
//! to the suggestion of its action. A CMOC's score is
//! `grade weight × standing weight × outcome weight`, with standing weight
//! unfavourable 2, unknown 1, and outcome weight the sum over its outcomes of
//! engagement 1, adherence 2, clinical 3. A suggestion's score is the sum over
//! its CMOCs, so one action that serves several CMOCs ranks higher. Suggestions
//! are sorted by score (highest first), then those with an unfavourable CMOC
//! first, then by best grade, then by the knowledge-base position of their
//! first CMOC; the CMOCs inside a suggestion by their own score, then position.

use std::cmp::Reverse;
use std::fmt;

use jiff::civil::Date;
use serde::{Serialize, Serializer};

use super::episode::Episode;
use super::expr::Truth;
use super::kb::{Cmoc, Effect, Grade, KnowledgeBase, Mechanism, OutcomeSet};
use super::signals::{Evidence, Signal, SignalSet, Signals, compute_all};

/// Whether a CMOC's context holds for the episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextStatus {
    Present,
    Absent,
    Unknown,
    /// `applies_when` is false for this episode.
    NotApplicable,
}

/// What the context means for the mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Unfavourable,
    Unknown,
    Favourable,
    NotApplicable,
}

/// A mechanism's status, ordered `AtRisk < Unknown < Supported`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MechanismStatus {
    AtRisk,
    Unknown,
    Supported,
}

impl MechanismStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MechanismStatus::AtRisk => "at risk",
            MechanismStatus::Unknown => "unknown",
            MechanismStatus::Supported => "supported",
        }
    }
}

fn serialize_cmoc_id<S: Serializer>(c: &&Cmoc, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.id)
}

/// One CMOC evaluated for the episode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmocResult<'kb> {
    #[serde(rename = "id", serialize_with = "serialize_cmoc_id")]
    pub cmoc: &'kb Cmoc,
    /// `applies_when` (true when the CMOC has none).
    pub applicable: Truth,
    pub context: ContextStatus,
    pub standing: Standing,
    /// The signals that decided the context (and applicability).
    pub decided_by: SignalSet,
}

/// Counts and grade weights behind a mechanism's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub favourable: u32,
    pub unfavourable: u32,
    pub unknown: u32,
    pub not_applicable: u32,
    pub weight_favourable: u32,
    pub weight_unfavourable: u32,
    /// Weight of all applicable CMOCs (favourable, unfavourable, unknown).
    pub weight_applicable: u32,
    /// Whether a high- or moderate-grade CMOC is unfavourable.
    pub unfavourable_high_or_moderate: bool,
}

impl Tally {
    fn add(&mut self, standing: Standing, grade: Grade) {
        let w = grade.weight();
        match standing {
            Standing::NotApplicable => {
                self.not_applicable += 1;
                return;
            }
            Standing::Favourable => {
                self.favourable += 1;
                self.weight_favourable += w;
            }
            Standing::Unfavourable => {
                self.unfavourable += 1;
                self.weight_unfavourable += w;
                if grade != Grade::Low {
                    self.unfavourable_high_or_moderate = true;
                }
            }
            Standing::Unknown => self.unknown += 1,
        }
        self.weight_applicable += w;
    }

    /// The aggregation rule (see the module docs).
    pub fn status(&self) -> MechanismStatus {
        if self.unfavourable_high_or_moderate
            || (self.weight_unfavourable > 0 && self.weight_unfavourable >= self.weight_favourable)
        {
            MechanismStatus::AtRisk
        } else if self.weight_favourable > 0 && 2 * self.weight_favourable >= self.weight_applicable
        {
            MechanismStatus::Supported
        } else {
            MechanismStatus::Unknown
        }
    }
}

/// A mechanism's status, with the CMOCs that decided it and a plain reason
/// ([`MechanismResult::reason`], written only when asked for: the caseload
/// and the nightly run judge every patient and show the status alone).
#[derive(Debug, Clone, PartialEq)]
pub struct MechanismResult<'kb> {
    pub mechanism: Mechanism,
    pub status: MechanismStatus,
    pub tally: Tally,
    /// At risk: the unfavourable CMOCs; supported: the favourable ones;
    /// unknown: those of unknown standing.
    pub decided_by: Vec<&'kb str>,
}

impl MechanismResult<'_> {
    /// Why the mechanism has its status, in one line.
    pub fn reason(&self) -> String {
        let (m, tally) = (self.mechanism, &self.tally);
        let applicable = tally.favourable + tally.unfavourable + tally.unknown;
        match self.status {
            MechanismStatus::AtRisk => format!(
                "{m} at risk: {} not in place or a barrier present ({} of {applicable} applicable CMOCs in place)",
                self.decided_by.join(", "),
                tally.favourable
            ),
            MechanismStatus::Supported => format!(
                "{m} supported: {} of {applicable} applicable CMOCs in place (grade weight {} of {}), none unfavourable at high or moderate grade",
                tally.favourable, tally.weight_favourable, tally.weight_applicable
            ),
            MechanismStatus::Unknown => format!(
                "{m} unknown: {} of {applicable} applicable CMOCs in place and {} not yet known",
                tally.favourable, tally.unknown
            ),
        }
    }
}

impl Serialize for MechanismResult<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("MechanismResult", 5)?;
        s.serialize_field("mechanism", &self.mechanism)?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("tally", &self.tally)?;
        s.serialize_field("decided_by", &self.decided_by)?;
        s.serialize_field("reason", &self.reason())?;
        s.end()
    }
}

/// Why a CMOC is suggested, as one plain-language line (through `Display`; it
/// serialises as that line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reason<'kb> {
    pub cmoc: &'kb Cmoc,
    pub standing: Standing,
    /// The first deciding signal and its evidence.
    pub evidence: Option<(Signal, Evidence)>,
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = &self.cmoc.summary;
        match (self.standing, self.cmoc.effect) {
            (Standing::Unfavourable, Effect::Facilitates) => write!(f, "Not in place: {what}")?,
            (Standing::Unfavourable, Effect::Hinders) => write!(f, "Barrier present: {what}")?,
            (Standing::Unknown, _) => write!(f, "Not known yet: {what}")?,
            (Standing::Favourable, _) => write!(f, "In place: {what}")?,
            (Standing::NotApplicable, _) => write!(f, "Does not apply: {what}")?,
        }
        if let Some((_, evidence)) = self.evidence {
            write!(f, " — {evidence}")?;
        }
        Ok(())
    }
}

impl Serialize for Reason<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One CMOC inside a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestedCmoc<'kb> {
    pub id: &'kb str,
    pub mechanism: Mechanism,
    pub grade: Grade,
    pub outcomes: OutcomeSet,
    pub standing: Standing,
    pub score: u32,
    pub reason: Reason<'kb>,
}

/// "Create this context": one action, every CMOC it would serve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion<'kb> {
    /// Action key from the knowledge base.
    pub action: &'kb str,
    /// What the clinician can do.
    pub action_text: &'kb str,
    pub score: u32,
    /// The best grade among its CMOCs.
    pub grade: Grade,
    /// The CMOCs it serves, most important first.
    pub cmocs: Vec<SuggestedCmoc<'kb>>,
    /// The reason of its first CMOC.
    pub reason: Reason<'kb>,
}

impl Suggestion<'_> {
    /// Ids of the CMOCs the action serves.
    pub fn cmoc_ids(&self) -> impl Iterator<Item = &str> {
        self.cmocs.iter().map(|c| c.id)
    }
}

/// The engine's answer for one episode and date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation<'kb> {
    pub as_of: Date,
    /// Version of the knowledge base used.
    pub knowledge_base: &'kb str,
    pub signals: Signals,
    /// One per CMOC, in knowledge-base order.
    pub cmocs: Vec<CmocResult<'kb>>,
    /// Trust, motivation, confidence, in that order.
    pub mechanisms: Vec<MechanismResult<'kb>>,
    /// Ranked, best first.
    pub suggestions: Vec<Suggestion<'kb>>,
}

impl<'kb> Evaluation<'kb> {
    pub fn mechanism(&self, m: Mechanism) -> &MechanismResult<'kb> {
        // Built in Mechanism::ALL order, one per mechanism.
        &self.mechanisms[Mechanism::ALL.iter().position(|x| *x == m).unwrap_or(0)]
    }

    pub fn cmoc(&self, id: &str) -> Option<&CmocResult<'kb>> {
        self.cmocs.iter().find(|c| c.cmoc.id == id)
    }
}

fn standing_weight(s: Standing) -> u32 {
    match s {
        Standing::Unfavourable => 2,
        Standing::Unknown => 1,
        Standing::Favourable | Standing::NotApplicable => 0,
    }
}

fn cmoc_score(c: &Cmoc, s: Standing) -> u32 {
    c.grade.weight() * standing_weight(s) * c.outcomes.weight()
}

/// Evaluate every CMOC of `kb` for `episode` as of `as_of`.
pub fn evaluate<'kb>(kb: &'kb KnowledgeBase, episode: &Episode, as_of: Date) -> Evaluation<'kb> {
    let signals = compute_all(episode, as_of);
    let value = |s: Signal| signals.value(s);

    let mut cmocs = Vec::with_capacity(kb.cmocs().len());
    for c in kb.cmocs() {
        let (applicable, applies_mask) = match &c.applies_when {
            Some(e) => e.eval(value),
            None => (Truth::True, SignalSet::EMPTY),
        };
        let result = if applicable == Truth::False {
            CmocResult {
                cmoc: c,
                applicable,
                context: ContextStatus::NotApplicable,
                standing: Standing::NotApplicable,
                decided_by: applies_mask,
            }
        } else {
            let (v, mask) = c.context_expr.eval(value);
            let context = match v {
                Truth::True => ContextStatus::Present,
                Truth::False => ContextStatus::Absent,
                Truth::Unknown => ContextStatus::Unknown,
            };
            let standing = match (applicable, v, c.effect) {
                (Truth::Unknown, _, _) | (_, Truth::Unknown, _) => Standing::Unknown,
                (_, Truth::True, Effect::Facilitates) | (_, Truth::False, Effect::Hinders) => {
                    Standing::Favourable
                }
                _ => Standing::Unfavourable,
            };
            CmocResult {
                cmoc: c,
                applicable,
                context,
                standing,
                decided_by: mask.union(applies_mask),
            }
        };
        cmocs.push(result);
    }

    let mechanisms = Mechanism::ALL
        .iter()
        .map(|m| mechanism_result(*m, &cmocs))
        .collect();
    let suggestions = suggestions(kb, &cmocs, &signals);

    Evaluation {
        as_of,
        knowledge_base: kb.version(),
        signals,
        cmocs,
        mechanisms,
        suggestions,
    }
}

fn mechanism_result<'kb>(m: Mechanism, cmocs: &[CmocResult<'kb>]) -> MechanismResult<'kb> {
    let mut tally = Tally::default();
    for r in cmocs.iter().filter(|r| r.cmoc.mechanism == m) {
        tally.add(r.standing, r.cmoc.grade);
    }
    let status = tally.status();
    let wanted = match status {
        MechanismStatus::AtRisk => Standing::Unfavourable,
        MechanismStatus::Supported => Standing::Favourable,
        MechanismStatus::Unknown => Standing::Unknown,
    };
    let decided_by: Vec<&str> = cmocs
        .iter()
        .filter(|r| r.cmoc.mechanism == m && r.standing == wanted)
        .map(|r| r.cmoc.id.as_str())
        .collect();
    MechanismResult {
        mechanism: m,
        status,
        tally,
        decided_by,
    }
}

fn reason<'kb>(r: &CmocResult<'kb>, signals: &Signals) -> Reason<'kb> {
    // Prefer an applicability signal when applicability is what is unknown.
    let applies = r
        .cmoc
        .applies_when
        .as_ref()
        .map_or(SignalSet::EMPTY, |e| e.signals());
    let from = |set: SignalSet, want: Option<Truth>| {
        set.iter()
            .filter(|s| r.decided_by.contains(*s))
            .find(|s| want.is_none_or(|w| signals.value(*s) == w))
    };
    let signal = if r.applicable == Truth::Unknown {
        from(applies, Some(Truth::Unknown))
    } else {
        None
    }
    .or_else(|| from(r.cmoc.context_expr.signals(), None))
    .or_else(|| from(r.decided_by, None));
    Reason {
        cmoc: r.cmoc,
        standing: r.standing,
        evidence: signal.map(|s| (s, signals.get(s).evidence)),
    }
}

#[derive(Clone, Copy, Default)]
struct Acc {
    score: u32,
    unfavourable: bool,
    best_grade: Option<Grade>,
    first: usize,
    count: usize,
}

fn suggestions<'kb>(
    kb: &'kb KnowledgeBase,
    cmocs: &[CmocResult<'kb>],
    signals: &Signals,
) -> Vec<Suggestion<'kb>> {
    let actions = kb.actions();
    let mut acc = vec![Acc::default(); actions.len()];
    for (i, r) in cmocs.iter().enumerate() {
        let score = cmoc_score(r.cmoc, r.standing);
        if score == 0 {
            continue;
        }
        let a = &mut acc[r.cmoc.action_index];
        if a.count == 0 {
            a.first = i;
        }
        a.count += 1;
        a.score += score;
        a.unfavourable |= r.standing == Standing::Unfavourable;
        a.best_grade = Some(a.best_grade.map_or(r.cmoc.grade, |g| g.min(r.cmoc.grade)));
    }
    let mut order: Vec<usize> = (0..actions.len()).filter(|i| acc[*i].count > 0).collect();
    order.sort_by_key(|i| {
        let a = &acc[*i];
        (
            Reverse(a.score),
            Reverse(a.unfavourable),
            a.best_grade,
            a.first,
        )
    });
    order
        .into_iter()
        .map(|ai| {
            let a = acc[ai];
            let mut members: Vec<SuggestedCmoc<'kb>> = Vec::with_capacity(a.count);
            for r in cmocs.iter().skip(a.first) {
                if r.cmoc.action_index != ai {
                    continue;
                }
                let score = cmoc_score(r.cmoc, r.standing);
                if score == 0 {
                    continue;
                }
                members.push(SuggestedCmoc {
                    id: &r.cmoc.id,
                    mechanism: r.cmoc.mechanism,
                    grade: r.cmoc.grade,
                    outcomes: r.cmoc.outcomes,
                    standing: r.standing,
                    score,
                    reason: reason(r, signals),
                });
            }
            // Stable sort by score; ties keep knowledge-base order.
            members.sort_by_key(|m| Reverse(m.score));
            let lead = members[0].reason;
            Suggestion {
                action: &actions[ai].key,
                action_text: &actions[ai].text,
                score: a.score,
                grade: a.best_grade.unwrap_or(Grade::Low),
                cmocs: members,
                reason: lead,
            }
        })
        .collect()
}
