//! The theory's contract with the record: for each of the review's CMOCs,
//! recording what creates its context (through the product's own use cases)
//! moves the context from unknown to present, and recording the opposite
//! moves it to absent; and the patient's page, the caseload and the nightly
//! triage report the same judgement of every patient, because they all judge
//! through `rapport_care::judgement::assess`.
//!
//! Run on SQLite, and on PostgreSQL with `RAPPORT_TEST_PG_URL` set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use std::collections::BTreeMap;

use harness::{Backend, Clinic, Contact, today};
use rapport_care::caseload::Filter;
use rapport_domain::assessment::TimePoint;
use rapport_domain::identity::PatientId;
use rapport_domain::prescription::LifeArea;
use rapport_domain::theory::episode::{FollowUpKind, Practice};
use rapport_domain::theory::{ContextStatus, KnowledgeBase};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Present,
    Absent,
}

fn practice_of(cmoc: &str) -> Option<Practice> {
    Some(match cmoc {
        "T1.1" => Practice::RapportBuilt,
        "T1.5" => Practice::ReassuranceIndividualised,
        "T1.7" => Practice::DisclosureInvited,
        "M2.7" => Practice::DailyLifeFitPlanned,
        "M2.12" => Practice::ConditionExplained,
        "M2.18" => Practice::SafeEnvironmentConfirmed,
        "C3.6" => Practice::BiopsychosocialFraming,
        _ => return None,
    })
}

/// Two contacts, so the alliance is asked during care, then the WAI-SR with
/// every item at `answer` (5: the bond and alliance strong; 1: weak).
async fn alliance(c: &Clinic, p: PatientId, answer: i32, contact: Contact) {
    c.contact(p, 10, contact.clone()).await;
    c.contact(p, 3, contact).await;
    c.questionnaire(p, TimePoint::DuringCare, "waisr", answer)
        .await;
}

/// Three sessions in the last week of a plan running for 20 days.
async fn sessions(
    c: &Clinic,
    p: PatientId,
    completion: &str,
    pain: (u8, u8),
    difficulty: u8,
    enjoyment: u8,
) {
    c.plan(p, 20, None, false, None).await;
    for d in [6, 4, 2] {
        c.log(p, d, completion, pain, difficulty, enjoyment).await;
    }
}

/// Records what creates (or rules out) the context of `cmoc`.
async fn record(c: &Clinic, p: PatientId, cmoc: &str, want: Want) {
    use Want::*;
    let present = want == Present;
    let checklist_without = Contact {
        checklist_complete: true,
        ..Contact::default()
    };
    if let Some(practice) = practice_of(cmoc) {
        let contact = if present {
            Contact {
                practices: vec![practice],
                ..Contact::default()
            }
        } else {
            checklist_without
        };
        c.contact(p, 2, contact).await;
        return;
    }
    match cmoc {
        "T1.2" => {
            if present {
                c.contact(
                    p,
                    2,
                    Contact {
                        practices: vec![Practice::RapportBuilt],
                        ..Contact::default()
                    },
                )
                .await;
            } else {
                alliance(c, p, 1, checklist_without).await;
            }
        }
        "T1.3" | "M2.8" => c.intake(p, present, "positive").await,
        "T1.4" => {
            c.beliefs(p, &["hurt_means_harm"], &[]).await;
            if present {
                c.reading_for(p, "hurt_means_harm").await;
            }
        }
        "T1.6" => {
            if present {
                c.beliefs(p, &["hurt_means_harm"], &["hurt_means_harm"])
                    .await;
            } else {
                c.beliefs(p, &["hurt_means_harm"], &[]).await;
            }
        }
        "T1.8" => {
            if present {
                c.contact(
                    p,
                    2,
                    Contact {
                        practices: vec![Practice::SharedDecisions],
                        ..Contact::default()
                    },
                )
                .await;
            } else {
                c.plan(p, 20, None, false, None).await;
                c.contact(p, 2, checklist_without).await;
            }
        }
        "T1.9" => {
            c.intake(p, true, "positive").await;
            let areas: &[LifeArea] = if present {
                &[LifeArea::Sleep, LifeArea::Work]
            } else {
                &[]
            };
            c.plan(p, 0, None, false, Some(areas)).await;
        }
        "T1.10" => {
            if present {
                // Feedback written on a logged session counts, well into a plan.
                c.plan(p, 40, None, false, None).await;
                let log = c.log(p, 3, "done", (2, 2), 3, 4).await;
                c.feedback(p, log).await;
            } else {
                c.contact(
                    p,
                    2,
                    Contact {
                        feedback: Some(false),
                        ..Contact::default()
                    },
                )
                .await;
            }
        }
        "M2.1" | "M2.2" | "M2.10" => {
            alliance(c, p, if present { 5 } else { 1 }, Contact::default()).await;
        }
        "M2.3" => {
            c.contact(
                p,
                2,
                Contact {
                    supported: Some(present),
                    ..Contact::default()
                },
            )
            .await;
        }
        "M2.4" => c.plan(p, 20, None, present, None).await,
        "M2.5" | "M2.6" => {
            if present {
                c.plan(p, 20, None, false, None).await;
                c.contact(p, 2, Contact::default()).await;
            } else {
                c.plan(p, 45, None, false, None).await;
            }
        }
        "M2.11" => {
            c.intake(p, present, "positive").await;
            c.plan(p, 0, None, false, None).await;
        }
        "M2.13" => c.goal(p, present).await,
        "M2.14" => {
            c.contact(
                p,
                2,
                Contact {
                    benefit: Some(if present { 2 } else { 5 }),
                    ..Contact::default()
                },
            )
            .await;
        }
        "M2.15" => sessions(c, p, "done", (2, 2), 3, if present { 5 } else { 1 }).await,
        "M2.16" => {
            if present {
                sessions(c, p, "done", (2, 2), 5, 4).await;
            } else {
                sessions(c, p, "done", (2, 2), 3, 4).await;
            }
        }
        "M2.17" => {
            let pain = if present { (2, 5) } else { (3, 3) };
            sessions(c, p, "done", pain, 3, 4).await;
        }
        "C3.1" => {
            c.intake(p, true, if present { "positive" } else { "negative" })
                .await
        }
        "C3.2" => {
            if present {
                c.plan(p, 20, None, false, None).await;
                c.contact(
                    p,
                    2,
                    Contact {
                        kind: FollowUpKind::Supervised,
                        ..Contact::default()
                    },
                )
                .await;
            } else {
                sessions(c, p, "skipped", (0, 0), 3, 3).await;
            }
        }
        "C3.3" => {
            c.goal(p, true).await;
            if present {
                c.plan(p, 20, Some(0), false, None).await;
                c.contact(
                    p,
                    2,
                    Contact {
                        practices: vec![Practice::GoalLinkExplained],
                        ..Contact::default()
                    },
                )
                .await;
            } else {
                c.plan(p, 20, None, false, None).await;
            }
        }
        "C3.4" => {
            c.plan(p, 20, None, false, None).await;
            if present {
                c.contact(
                    p,
                    2,
                    Contact {
                        kind: FollowUpKind::Supervised,
                        ..Contact::default()
                    },
                )
                .await;
            }
        }
        "C3.5" => {
            c.plan(p, 20, None, false, None).await;
            c.contact(
                p,
                2,
                Contact {
                    kind: FollowUpKind::Supervised,
                    corrected: Some(present),
                    progressed: Some(present),
                    ..Contact::default()
                },
            )
            .await;
        }
        other => panic!("no scenario for {other}"),
    }
}

/// Every CMOC, from the record to each view.
async fn contract(backend: Backend) {
    let Some(c) = Clinic::on(backend).await else {
        return;
    };
    let kb = KnowledgeBase::builtin().unwrap();
    let now = jiff::Timestamp::now();
    // (cmoc, patient, the context it should have)
    let mut cases: Vec<(String, PatientId, ContextStatus)> = Vec::new();
    for cmoc in kb.cmocs() {
        let id = cmoc.id.as_str();
        // Groups are not recorded yet: M2.9 applies only to a group member.
        if id == "M2.9" {
            continue;
        }
        let unknown = c.patient(&format!("{id} unknown")).await;
        cases.push((id.into(), unknown, ContextStatus::Unknown));
        for (want, status) in [
            (Want::Present, ContextStatus::Present),
            (Want::Absent, ContextStatus::Absent),
        ] {
            let p = c.patient(&format!("{id} {want:?}")).await;
            record(&c, p, id, want).await;
            cases.push((id.into(), p, status));
        }
    }

    // The page's judgement (and the API's: both are `Care::theory`).
    let mut page_mechanisms = BTreeMap::new();
    let mut wrong = Vec::new();
    for (cmoc, p, want) in &cases {
        let view = c
            .care
            .theory(&c.clinician, *p, now)
            .await
            .unwrap()
            .expect("an episode");
        let got = view.cmocs.iter().find(|x| &x.id == cmoc).unwrap();
        if got.context != *want {
            wrong.push(format!(
                "{cmoc}: wanted {want:?}, got {:?} — {}",
                got.context,
                got.signals
                    .iter()
                    .map(|s| format!("{}={} ({})", s.name, s.value, s.evidence))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        if *want != ContextStatus::Unknown {
            assert!(
                got.signals.iter().any(|s| !s.records.is_empty()),
                "{cmoc} {want:?}: the page names the records it judged from: {got:?}"
            );
        }
        let mechanisms: Vec<_> = view
            .mechanisms
            .iter()
            .map(|m| (m.mechanism, m.status))
            .collect();
        page_mechanisms.insert(p.0, mechanisms);
    }
    assert!(wrong.is_empty(), "{backend:?}:\n{}", wrong.join("\n"));

    // The caseload and the nightly triage say the same of every patient.
    let (rows, total) = c
        .care
        .caseload(&c.clinician, &Filter::default())
        .await
        .unwrap();
    assert_eq!(total, cases.len());
    let (night, _) = c.care.triage(None, Some(today()), 2).await.unwrap();
    assert_eq!(night.len(), cases.len());
    for r in rows.iter().chain(&night) {
        let mechanisms: Vec<_> = r
            .mechanisms
            .iter()
            .map(|m| (m.mechanism, m.status))
            .collect();
        assert_eq!(
            Some(&mechanisms),
            page_mechanisms.get(&r.patient.id),
            "{backend:?}: {} is judged the same on the page and in the list",
            r.patient.name
        );
    }
    let by_patient = |rows: &[rapport_care::caseload::CaseloadRow]| {
        rows.iter()
            .map(|r| (r.patient.id, r.suggestions.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        by_patient(&rows),
        by_patient(&night),
        "the dashboard and the night's run suggest the same"
    );
}

#[tokio::test]
async fn every_context_follows_the_record_on_sqlite() {
    contract(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_context_follows_the_record_on_postgres() {
    contract(Backend::Postgres).await;
}
