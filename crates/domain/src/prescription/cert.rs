//! CERT (Consensus on Exercise Reporting Template, Slade et al. 2016,
//! Br J Sports Med 50:1428; 16 items, 19 with the a/b parts of 7, 14 and 16)
//! and TIDieR (Hoffmann et al. 2014, BMJ 348:g1687; 12 items), filled from a
//! prescription and its context. Each item is marked complete or missing, so
//! that a report shows what the record cannot yet say.

use serde::Serialize;

use super::plan::{Change, ChangeKind, Delivery, Plan, describe_dose};
use crate::exercise::Exercise;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportItem {
    /// The checklist's item number, e.g. `7a`.
    pub number: &'static str,
    /// Rapport's short label of the item.
    pub item: &'static str,
    pub complete: bool,
    /// What the record says, or why it is missing.
    pub value: String,
}

/// What a report is made from.
pub struct ReportContext<'a> {
    pub plan: &'a Plan,
    pub exercises: Vec<Exercise>,
    /// Changes over the versions so far, oldest first.
    pub changes: &'a [Change],
    /// The prescribing clinician's professional background, if recorded.
    pub provider: Option<String>,
    /// Education items assigned to the patient (titles).
    pub education: Vec<String>,
    /// Goals agreed together with the patient.
    pub goals_agreed: usize,
    /// Whether the plan was built from the patient's own assessment.
    pub tailored_from: Vec<String>,
    /// Logged sessions, once the patient logs (None until logging exists for them).
    pub adherence_logged: Option<String>,
    pub adverse_events: Option<String>,
}

fn item(
    number: &'static str,
    item: &'static str,
    value: Option<String>,
    missing: &str,
) -> ReportItem {
    match value.filter(|v| !v.trim().is_empty()) {
        Some(v) => ReportItem {
            number,
            item,
            complete: true,
            value: v,
        },
        None => ReportItem {
            number,
            item,
            complete: false,
            value: missing.to_string(),
        },
    }
}

fn deliveries(plan: &Plan) -> Vec<Delivery> {
    let mut d: Vec<Delivery> = plan.items.iter().map(|i| i.delivery).collect();
    d.sort_by_key(|x| x.as_str());
    d.dedup();
    d
}

fn name_of(ctx: &ReportContext<'_>, id: &str) -> String {
    ctx.exercises
        .iter()
        .find(|e| e.id == id)
        .map_or_else(|| id.to_string(), |e| e.name.clone())
}

pub fn cert(ctx: &ReportContext<'_>) -> Vec<ReportItem> {
    let plan = ctx.plan;
    let exercises = &ctx.exercises;
    let mut equipment: Vec<&str> = exercises
        .iter()
        .flat_map(|e| e.equipment.iter().map(|q| q.label()))
        .collect();
    equipment.sort_unstable();
    equipment.dedup();
    let d = deliveries(plan);
    let group = d.contains(&Delivery::Group);
    let individual = d.iter().any(|x| *x != Delivery::Group);
    let progressed: Vec<String> = ctx
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ChangeKind::Progression | ChangeKind::Regression | ChangeKind::DoseChange
            )
        })
        .map(|c| {
            format!(
                "{}: {}{}",
                c.kind.label(),
                c.to.as_deref()
                    .or(c.from.as_deref())
                    .map(|id| name_of(ctx, id))
                    .unwrap_or_default(),
                if c.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", c.detail)
                }
            )
        })
        .collect();
    vec![
        item(
            "1",
            "Equipment",
            Some(if equipment.is_empty() { "None needed".to_string() } else { equipment.join(", ") }),
            "",
        ),
        item("2", "Provider's qualifications and training", ctx.provider.clone(), "The prescribing clinician's background is not recorded"),
        item(
            "3",
            "Individual or group",
            Some(match (individual, group) {
                (true, true) => "Both individual and group exercise".into(),
                (false, true) => "Group".into(),
                _ => "Individual".into(),
            }),
            "",
        ),
        item(
            "4",
            "Supervised or unsupervised; how delivered",
            Some(d.iter().map(|x| x.report_label()).collect::<Vec<_>>().join("; ")).filter(|_| !plan.items.is_empty()),
            "No exercises yet",
        ),
        item(
            "5",
            "How adherence is measured",
            Some(format!(
                "Exercise Adherence Rating Scale at the end of treatment and six months later{}",
                ctx.adherence_logged.as_deref().map(|s| format!("; {s}")).unwrap_or_default()
            )),
            "",
        ),
        item(
            "6",
            "Motivation strategies",
            {
                let mut m = Vec::new();
                if ctx.goals_agreed > 0 {
                    m.push(format!("{} goal(s) agreed together", ctx.goals_agreed));
                }
                if !ctx.education.is_empty() {
                    m.push(format!("education: {}", ctx.education.join(", ")));
                }
                if !plan.items.is_empty() && plan.items.iter().all(|i| !i.why.is_empty()) {
                    m.push("each exercise linked to the patient's goals in plain language".into());
                }
                Some(m.join("; "))
            },
            "No goals agreed or education given yet",
        ),
        item(
            "7a",
            "Rule for progressing",
            Some(
                plan.items
                    .iter()
                    .map(|i| format!("{}: {}", name_of(ctx, &i.exercise_id), i.progression_rule))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            "No exercises yet",
        ),
        item("7b", "How the programme was progressed", Some(progressed.join("; ")), "Not progressed or regressed yet"),
        item(
            "8",
            "Description of each exercise",
            Some(
                exercises
                    .iter()
                    .map(|e| format!("{} ({}, {}): {}", e.name, e.category.label(), e.position.label(), e.instructions.join(" ")))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            "No exercises yet",
        ),
        item(
            "9",
            "Home programme",
            plan.items
                .iter()
                .any(|i| i.delivery == Delivery::Home)
                .then(|| format!("{} exercise(s) at home", plan.items.iter().filter(|i| i.delivery == Delivery::Home).count())),
            "No home component",
        ),
        item("10", "Non-exercise components", Some(ctx.education.join(", ")), "None recorded"),
        item("11", "Adverse events", ctx.adverse_events.clone(), "Not recorded yet"),
        item(
            "12",
            "Setting",
            Some(
                d.iter()
                    .map(|x| match x {
                        Delivery::Home => "the patient's home",
                        Delivery::Supervised => "the clinic, supervised",
                        Delivery::Group => "a group class",
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            "No exercises yet",
        ),
        item(
            "13",
            "Dose of each exercise",
            Some(
                plan.items
                    .iter()
                    .map(|i| format!("{}: {}", name_of(ctx, &i.exercise_id), describe_dose(&i.dose)))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            "No exercises yet",
        ),
        item(
            "14a",
            "Generic or tailored",
            Some(if ctx.tailored_from.is_empty() { String::new() } else { "Tailored to the individual".into() }),
            "No assessment recorded to tailor from",
        ),
        item("14b", "How it was tailored", Some(ctx.tailored_from.join("; ")), "No assessment recorded to tailor from"),
        item(
            "15",
            "Rule for the starting level",
            Some("Start at level 1 of each chain for high STarT Back risk or fear of movement, otherwise level 2; never above level 2 or 3 respectively".into()),
            "",
        ),
        item("16a", "How adherence and fidelity are assessed", ctx.adherence_logged.clone(), "Not assessed yet"),
        item("16b", "Extent delivered as planned", ctx.adherence_logged.clone(), "Not known yet"),
    ]
    .into_iter()
    .map(|mut i| {
        if i.value.is_empty() {
            i.complete = false;
        }
        i
    })
    .collect()
}

pub fn tidier(ctx: &ReportContext<'_>) -> Vec<ReportItem> {
    let cert = cert(ctx);
    let get = |n: &str| {
        cert.iter()
            .find(|i| i.number == n)
            .filter(|i| i.complete)
            .map(|i| i.value.clone())
    };
    let plan = ctx.plan;
    let sessions = plan.sessions_per_week();
    let weeks = plan.items.iter().map(|i| i.dose.weeks).max().unwrap_or(0);
    vec![
        item(
            "1",
            "Brief name",
            Some("Individualised therapeutic exercise for persistent low back pain".into()),
            "",
        ),
        item(
            "2",
            "Why",
            Some(
                plan.items
                    .iter()
                    .filter(|i| !i.why.is_empty())
                    .map(|i| format!("{}: {}", name_of(ctx, &i.exercise_id), i.why))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            "No rationale recorded for the exercises",
        ),
        item(
            "3",
            "What: materials",
            get("1")
                .map(|e| format!("Equipment: {e}; a printed or on-screen plan with instructions")),
            "",
        ),
        item("4", "What: procedures", get("8"), "No exercises yet"),
        item(
            "5",
            "Who provided",
            get("2"),
            "The prescribing clinician's background is not recorded",
        ),
        item("6", "How", get("4"), "No exercises yet"),
        item("7", "Where", get("12"), "No exercises yet"),
        item(
            "8",
            "When and how much",
            (!plan.items.is_empty()).then(|| {
                format!(
                    "Up to {sessions} sessions a week for {weeks} weeks; {}",
                    get("13").unwrap_or_default()
                )
            }),
            "No exercises yet",
        ),
        item(
            "9",
            "Tailoring",
            get("14b"),
            "No assessment recorded to tailor from",
        ),
        item("10", "Modifications", get("7b"), "No changes yet"),
        item("11", "How well: planned", get("16a"), "Not assessed yet"),
        item("12", "How well: actual", get("16b"), "Not known yet"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::intake::{Equipment, Setting};
    use crate::exercise::{Category, Dose, Position, Source, Target};
    use crate::prescription::plan::PlanItem;

    fn exercise() -> Exercise {
        Exercise {
            id: "st-band-row".into(),
            name: "Band row".into(),
            category: Category::Strengthening,
            targets: vec![Target::TrunkExtensors],
            position: Position::Standing,
            equipment: vec![Equipment::ResistanceBand],
            level: 2,
            seconds_per_set: 40,
            dose: Dose {
                sets: 3,
                reps: Some(10),
                hold_seconds: None,
                duration_minutes: None,
                rest_seconds: 60,
                per_week: 3,
                weeks: 8,
                load: Some("light band".into()),
                intensity: None,
            },
            cautions: vec![],
            instructions: vec!["Stand tall.".into(), "Pull the band to your ribs.".into()],
            easier: None,
            harder: None,
            feared_movement: None,
            tasks: vec![],
            settings: vec![Setting::Home],
            kinds: vec![],
            source: Source::Rapport,
            attribution: None,
        }
    }

    fn plan() -> Plan {
        Plan {
            items: vec![PlanItem {
                exercise_id: "st-band-row".into(),
                dose: exercise().dose,
                progression_rule: "Add a set when easy.".into(),
                regression_rule: "Fewer reps if sore.".into(),
                delivery: Delivery::Home,
                goal: Some(0),
                why: "Stronger back for lifting your grandchild".into(),
            }],
            co_designed: false,
            whole_person: None,
        }
    }

    fn status(items: &[ReportItem]) -> Vec<(&'static str, bool)> {
        items.iter().map(|i| (i.number, i.complete)).collect()
    }

    #[test]
    fn an_empty_plan_reports_what_is_missing() {
        let empty = Plan::default();
        let ctx = ReportContext {
            plan: &empty,
            exercises: vec![],
            changes: &[],
            provider: None,
            education: vec![],
            goals_agreed: 0,
            tailored_from: vec![],
            adherence_logged: None,
            adverse_events: None,
        };
        let items = cert(&ctx);
        assert_eq!(items.len(), 19, "16 items, 7, 14 and 16 in two parts");
        let missing: Vec<&str> = items
            .iter()
            .filter(|i| !i.complete)
            .map(|i| i.number)
            .collect();
        for n in [
            "2", "4", "6", "7a", "7b", "8", "9", "10", "11", "13", "14a", "14b", "16a", "16b",
        ] {
            assert!(missing.contains(&n), "{n} should be missing");
        }
        assert_eq!(tidier(&ctx).len(), 12);
    }

    #[test]
    fn a_tailored_plan_with_a_progression_is_mostly_complete() {
        let p = plan();
        let changes = vec![Change {
            kind: ChangeKind::DoseChange,
            from: Some("st-band-row".into()),
            to: Some("st-band-row".into()),
            detail: "3 × 10 → 3 × 12".into(),
        }];
        let ctx = ReportContext {
            plan: &p,
            exercises: vec![exercise()],
            changes: &changes,
            provider: Some("Physiotherapist".into()),
            education: vec!["Hurt is not harm".into()],
            goals_agreed: 1,
            tailored_from: vec!["goals: lifting".into()],
            adherence_logged: None,
            adverse_events: None,
        };
        let items = cert(&ctx);
        let s = status(&items);
        for n in [
            "1", "2", "3", "4", "5", "6", "7a", "7b", "8", "9", "10", "12", "13", "14a", "14b",
            "15",
        ] {
            assert!(s.contains(&(n, true)), "{n} should be complete: {items:#?}");
        }
        assert!(s.contains(&("11", false)) && s.contains(&("16b", false)));
        let by = |n: &str| items.iter().find(|i| i.number == n).unwrap().value.clone();
        assert_eq!(by("1"), "Resistance band");
        assert!(
            by("13").contains("3 × 10, 3×/week for 8 weeks") && by("13").contains("light band")
        );
        assert!(by("7b").contains("3 × 12"));
        let t = tidier(&ctx);
        assert!(
            t.iter()
                .find(|i| i.number == "2")
                .unwrap()
                .value
                .contains("grandchild")
        );
    }
}
