//! The knowledge base held to the paper (Wood et al. 2024, Tables 1-3), and
//! its loader's validation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test binary: a failed set-up should stop the test

use std::collections::BTreeSet;

use rapport_domain::Error;
use rapport_domain::theory::kb::BUILTIN_TOML;
use rapport_domain::theory::{
    Concerns, Grade, KnowledgeBase, Mechanism, Signal, Theme, expr::Expr, render,
};

/// One row of the paper's tables, transcribed by hand from the paper
/// independently of `cmocs.toml`: id, grade, person related to, sub-theme,
/// references with every range written out.
struct Row {
    id: &'static str,
    grade: Grade,
    concerns: Concerns,
    sub_theme: &'static str,
    refs: &'static [u16],
}

const fn row(
    id: &'static str,
    grade: Grade,
    concerns: Concerns,
    sub_theme: &'static str,
    refs: &'static [u16],
) -> Row {
    Row {
        id,
        grade,
        concerns,
        sub_theme,
        refs,
    }
}

use Concerns::{Both as B, Clinician as Cl, Patient as P};
use Grade::{High as H, Low as L, Moderate as Mo};

const WIN: &str = "Win, build and develop trust";
const KEEP: &str = "Maintain trust";
const SUP: &str = "Feeling of support";
const IND: &str = "Individualised assessment and explanations";
const BEN: &str = "Perceived benefit";

const TABLE_1: [Row; 10] = [
    row("T1.1", H, B, WIN, &[46, 48, 51, 56, 95, 96, 113]),
    row("T1.2", Mo, Cl, WIN, &[46, 54, 55, 56, 61, 113, 121]),
    row(
        "T1.3",
        H,
        Cl,
        WIN,
        &[43, 44, 47, 48, 54, 56, 60, 102, 103, 122],
    ),
    row("T1.4", H, Cl, WIN, &[21, 49, 55, 57, 62, 92, 96, 113]),
    row("T1.5", H, Cl, WIN, &[43, 44, 47, 48, 49, 54, 93, 101, 113]),
    row(
        "T1.6",
        Mo,
        B,
        WIN,
        &[
            22, 43, 50, 51, 54, 62, 66, 70, 74, 75, 81, 84, 90, 93, 96, 100, 101, 123,
        ],
    ),
    row("T1.7", H, B, KEEP, &[50, 54, 59]),
    row(
        "T1.8",
        H,
        B,
        KEEP,
        &[43, 45, 46, 53, 54, 56, 57, 58, 78, 95, 100, 101, 103, 109],
    ),
    row("T1.9", Mo, B, KEEP, &[45, 47, 53, 63, 75, 95, 101]),
    row("T1.10", H, Cl, KEEP, &[51, 61, 113]),
];

const TABLE_2: [Row; 18] = [
    row("M2.1", H, B, SUP, &[43, 54, 69]),
    row("M2.2", H, B, SUP, &[48, 51, 54, 92, 113]),
    row("M2.3", Mo, P, SUP, &[48, 61, 103]),
    row("M2.4", H, Cl, SUP, &[31, 42, 48, 49, 58, 61, 65, 69]),
    row("M2.5", H, Cl, SUP, &[31, 42, 48, 49, 57, 58, 61, 95]),
    row("M2.6", H, Cl, SUP, &[31, 42, 48, 49, 58, 61, 124]),
    row(
        "M2.7",
        H,
        Cl,
        SUP,
        &[31, 48, 49, 54, 56, 57, 58, 63, 65, 73, 102, 113, 124],
    ),
    row("M2.8", H, Cl, SUP, &[48, 54, 56, 61, 92, 93, 102, 103, 113]),
    row("M2.9", H, B, SUP, &[76, 80, 99, 102]),
    row("M2.10", Mo, B, IND, &[48, 54, 56, 61, 103, 113]),
    row(
        "M2.11",
        H,
        Cl,
        IND,
        &[31, 45, 48, 49, 54, 56, 57, 99, 103, 109, 113],
    ),
    row("M2.12", H, Cl, IND, &[31, 47, 48, 49, 54, 57, 93, 109]),
    row("M2.13", H, Cl, IND, &[32, 56, 58, 63, 80, 83, 93, 99]),
    row("M2.14", H, P, BEN, &[31, 42, 50, 53, 66, 113]),
    row("M2.15", H, P, BEN, &[46, 48, 53]),
    row("M2.16", H, P, BEN, &[22, 31, 42, 48, 59, 61, 65, 95, 102]),
    row("M2.17", L, P, BEN, &[31, 42, 66]),
    row("M2.18", H, Cl, BEN, &[22, 43, 58, 92]),
];

const TABLE_3: [Row; 6] = [
    row(
        "C3.1",
        H,
        P,
        "Previous positive experience",
        &[22, 55, 92, 93, 102],
    ),
    row(
        "C3.2",
        H,
        P,
        "Previous positive experience",
        &[31, 43, 92, 93, 95, 102, 109],
    ),
    row("C3.3", H, P, "Education", &[42, 43, 48, 54, 57, 95, 109]),
    row("C3.4", H, P, "Supervision", &[31, 32, 42, 92, 99, 109, 113]),
    row("C3.5", H, Cl, "Supervision", &[31, 42, 43, 44, 87, 92, 113]),
    row("C3.6", H, B, "Credibility", &[51, 57, 68, 72]),
];

fn kb() -> KnowledgeBase {
    KnowledgeBase::builtin().unwrap()
}

fn expected() -> Vec<(Mechanism, &'static Row)> {
    let mut rows = Vec::new();
    rows.extend(TABLE_1.iter().map(|r| (Mechanism::Trust, r)));
    rows.extend(TABLE_2.iter().map(|r| (Mechanism::Motivation, r)));
    rows.extend(TABLE_3.iter().map(|r| (Mechanism::Confidence, r)));
    rows
}

#[test]
fn builtin_loads_with_version_and_citation() {
    let kb = kb();
    assert_eq!(kb.version(), "1.0.0");
    assert!(kb.source().contains("Wood L"));
    assert!(kb.source().contains("Br J Sports Med 2024;58(4):222-230"));
    assert!(kb.source().contains("10.1136/bjsports-2023-107598"));
}

#[test]
fn every_table_row_is_present_exactly_once_as_published() {
    let kb = kb();
    let expected = expected();
    assert_eq!(kb.cmocs().len(), 34);
    assert_eq!(expected.len(), 34);
    for (mechanism, row) in &expected {
        let found: Vec<_> = kb.cmocs().iter().filter(|c| c.id == row.id).collect();
        assert_eq!(found.len(), 1, "{} present exactly once", row.id);
        let c = found[0];
        assert_eq!(c.mechanism, *mechanism, "{} mechanism", row.id);
        assert_eq!(c.grade, row.grade, "{} grade", row.id);
        assert_eq!(c.concerns, row.concerns, "{} person related to", row.id);
        assert_eq!(c.sub_theme, row.sub_theme, "{} sub-theme", row.id);
        assert_eq!(c.references.numbers, row.refs, "{} references", row.id);
        // Citation names the table and the row.
        let (table, r) = row.id[1..].split_once('.').unwrap();
        assert_eq!(c.table.to_string(), table);
        assert_eq!(c.row.to_string(), r);
        assert!(
            c.citation.contains(&format!("Table {table}, row {r}")),
            "{} citation {}",
            row.id,
            c.citation
        );
        assert!(c.citation.contains("Wood et al. 2024"));
    }
    // And in table order.
    let ids: Vec<&str> = kb.cmocs().iter().map(|c| c.id.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(_, r)| r.id).collect();
    assert_eq!(ids, want);
}

#[test]
fn counts_per_mechanism_and_grade_match_the_paper() {
    let kb = kb();
    let count = |m| kb.by_mechanism(m).count();
    assert_eq!(count(Mechanism::Trust), 10);
    assert_eq!(count(Mechanism::Motivation), 18);
    assert_eq!(count(Mechanism::Confidence), 6);
    // The text: trust moderate in three of ten; motivation two moderate and one
    // low; confidence all six high.
    let graded = |m, g| kb.by_mechanism(m).filter(|c| c.grade == g).count();
    assert_eq!(graded(Mechanism::Trust, Grade::Moderate), 3);
    assert_eq!(graded(Mechanism::Motivation, Grade::Moderate), 2);
    assert_eq!(graded(Mechanism::Motivation, Grade::Low), 1);
    assert_eq!(graded(Mechanism::Confidence, Grade::High), 6);
}

#[test]
fn ids_are_unique_and_follow_the_scheme() {
    let kb = kb();
    let ids: BTreeSet<&str> = kb.cmocs().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), kb.cmocs().len());
    for c in kb.cmocs() {
        let letter = match c.mechanism {
            Mechanism::Trust => 'T',
            Mechanism::Motivation => 'M',
            Mechanism::Confidence => 'C',
        };
        assert_eq!(c.id, format!("{letter}{}.{}", c.table, c.row));
    }
}

#[test]
fn every_expression_uses_only_defined_signals() {
    let kb = kb();
    for c in kb.cmocs() {
        let sources = std::iter::once(c.context_expr.source())
            .chain(c.applies_when.as_ref().map(Expr::source));
        for src in sources {
            for name in src
                .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .filter(|w| !w.is_empty() && !["all", "any", "not"].contains(w))
            {
                assert!(
                    Signal::from_name(name).is_some(),
                    "{}: `{name}` is not a defined signal",
                    c.id
                );
            }
        }
    }
    // The signals the issue names are all defined.
    for name in [
        "holistic_assessment_done",
        "beliefs_explored",
        "explanation_tailored_to_beliefs",
        "goals_agreed",
        "follow_up_within_target",
        "exercise_enjoyed",
        "exercise_too_hard",
        "pain_up_after_exercise",
        "perceived_benefit",
        "fearful_of_movement",
        "supervised_session_held",
        "in_group_with_shared_goals",
        "alliance_bond_low",
        "previous_positive_experience",
    ] {
        assert!(Signal::from_name(name).is_some(), "{name}");
    }
}

#[test]
fn records_are_complete() {
    let kb = kb();
    for c in kb.cmocs() {
        for (field, text) in [
            ("summary", &c.summary),
            ("context_text", &c.context_text),
            ("mechanism_text", &c.mechanism_text),
            ("outcome_text", &c.outcome_text),
            ("action_text", &c.action_text),
        ] {
            assert!(!text.trim().is_empty(), "{} {field}", c.id);
        }
        assert!(!c.outcomes.is_empty(), "{}", c.id);
        assert!(!c.references.numbers.is_empty(), "{}", c.id);
        assert_eq!(
            kb.action(&c.action).map(|a| a.text.as_str()),
            Some(c.action_text.as_str())
        );
    }
    for a in kb.actions() {
        assert!(!a.cmocs.is_empty(), "action {} serves a CMOC", a.key);
    }
    // Every theme is used, and the barriers are the two the paper frames negatively.
    for t in Theme::ALL {
        assert!(kb.cmocs().iter().any(|c| c.theme == *t), "{t}");
    }
    let barriers: Vec<&str> = kb
        .cmocs()
        .iter()
        .filter(|c| c.effect == rapport_domain::theory::Effect::Hinders)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(barriers, ["M2.16", "M2.17"]);
}

#[test]
fn get_finds_by_id_and_refuses_unknown() {
    let kb = kb();
    assert_eq!(kb.get("m2.11").unwrap().id, "M2.11");
    assert_eq!(
        kb.get("X9.9"),
        Err(Error::Unknown {
            kind: "CMOC",
            name: "X9.9".into()
        })
    );
}

// ---------------------------------------------------------------------------
// Load errors name the CMOC and the field.

fn load_error(text: &str) -> String {
    match KnowledgeBase::from_toml(text) {
        Ok(_) => panic!("expected an error"),
        Err(Error::Data {
            source_name,
            message,
        }) => {
            assert_eq!(source_name, "knowledge base file");
            message
        }
        Err(other) => panic!("unexpected error kind {other:?}"),
    }
}

/// The built-in file with the first occurrence of `from` replaced.
fn mutate(from: &str, to: &str) -> String {
    assert!(BUILTIN_TOML.contains(from), "fixture: `{from}` in the file");
    BUILTIN_TOML.replacen(from, to, 1)
}

#[test]
fn builtin_text_loads_via_from_toml() {
    assert_eq!(KnowledgeBase::from_toml(BUILTIN_TOML).unwrap(), kb());
}

#[test]
fn bad_grade_is_named() {
    let m = load_error(&mutate(
        "grade = \"high\"\nreferences = \"46,48,51",
        "grade = \"hi\"\nreferences = \"46,48,51",
    ));
    assert!(m.contains("CMOC `T1.1`, field `grade`"), "{m}");
    assert!(m.contains("`hi` is not one of: high, moderate, low"), "{m}");
}

#[test]
fn unknown_signal_is_named() {
    let m = load_error(&mutate(
        "context_expr = \"holistic_assessment_done\"",
        "context_expr = \"holistic_assesment_done\"",
    ));
    assert!(m.contains("CMOC `T1.3`, field `context_expr`"), "{m}");
    assert!(
        m.contains("`holistic_assesment_done` is not a defined signal"),
        "{m}"
    );
}

#[test]
fn expression_syntax_error_is_named() {
    let m = load_error(&mutate(
        "\"all(supervised_session_held, correction_given, progression_given)\"",
        "\"all(supervised_session_held, correction_given, progression_given\"",
    ));
    assert!(m.contains("CMOC `C3.5`, field `context_expr`"), "{m}");
    let m = load_error(&mutate(
        "applies_when = \"in_group\"",
        "applies_when = \"in_group)\"",
    ));
    assert!(m.contains("CMOC `M2.9`, field `applies_when`"), "{m}");
}

#[test]
fn duplicate_id_is_named() {
    let m = load_error(&mutate("id = \"T1.2\"", "id = \"T1.1\""));
    assert!(m.contains("CMOC `T1.1`, field `id`: duplicate id"), "{m}");
}

#[test]
fn id_must_match_mechanism() {
    let m = load_error(&mutate("id = \"C3.6\"", "id = \"T3.6\""));
    assert!(m.contains("CMOC `T3.6`, field `id`"), "{m}");
    let m = load_error(&mutate("id = \"C3.6\"", "id = \"C3-6\""));
    assert!(m.contains("CMOC `C3-6`, field `id`"), "{m}");
}

#[test]
fn missing_and_bad_references_are_named() {
    let m = load_error(&mutate("references = \"50,54,59\"\n", ""));
    assert!(
        m.contains("CMOC `T1.7`, field `references`: is missing"),
        "{m}"
    );
    let m = load_error(&mutate(
        "references = \"50,54,59\"",
        "references = \"50,,59\"",
    ));
    assert!(m.contains("CMOC `T1.7`, field `references`"), "{m}");
    let m = load_error(&mutate(
        "references = \"50,54,59\"",
        "references = \"59,54\"",
    ));
    assert!(m.contains("CMOC `T1.7`, field `references`"), "{m}");
}

#[test]
fn bad_outcomes_mechanism_theme_concerns_effect_are_named() {
    let cases = [
        (
            (
                "outcomes = [\"adherence\", \"clinical\"]",
                "outcomes = [\"adherence\", \"clinic\"]",
            ),
            "CMOC `C3.5`, field `outcomes`",
        ),
        (
            ("outcomes = [\"engagement\"]", "outcomes = []"),
            "CMOC `T1.1`, field `outcomes`",
        ),
        (
            ("mechanism = \"trust\"", "mechanism = \"faith\""),
            "CMOC `T1.1`, field `mechanism`",
        ),
        (
            (
                "theme = \"therapeutic_consultation\"",
                "theme = \"consultation\"",
            ),
            "CMOC `T1.1`, field `theme`",
        ),
        (
            ("concerns = \"both\"", "concerns = \"everyone\""),
            "CMOC `T1.1`, field `concerns`",
        ),
        (
            ("effect = \"hinders\"", "effect = \"blocks\""),
            "CMOC `M2.16`, field `effect`",
        ),
        (
            ("grade = \"low\"", "grade = 1"),
            "CMOC `M2.17`, field `grade`: must be a string",
        ),
    ];
    for ((from, to), want) in cases {
        let m = load_error(&mutate(from, to));
        assert!(m.contains(want), "{from}: {m}");
    }
}

#[test]
fn unknown_action_and_field_are_named() {
    let m = load_error(&mutate("action = \"bps_framing\"", "action = \"bps\""));
    assert!(
        m.contains("CMOC `C3.6`, field `action`: `bps` is not defined"),
        "{m}"
    );
    let m = load_error(&mutate(
        "id = \"M2.1\"\n",
        "id = \"M2.1\"\ncolour = \"red\"\n",
    ));
    assert!(
        m.contains("CMOC `M2.1`, field `colour`: unknown field"),
        "{m}"
    );
    let m = load_error(&mutate("summary = \"Regular feedback\"\n", ""));
    assert!(
        m.contains("CMOC `T1.10`, field `summary`: is missing"),
        "{m}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = mutate("grade = \"moderate\"", "grade = \"medium\"");
    let text = text.replacen("theme = \"provision_of_support\"", "theme = \"support\"", 1);
    let m = load_error(&text);
    assert_eq!(m.lines().count(), 2, "{m}");
    assert!(m.contains("CMOC `T1.2`, field `grade`"), "{m}");
    assert!(m.contains("CMOC `T1.10`, field `theme`"), "{m}");
}

#[test]
fn file_level_errors() {
    // Not TOML at all: still a Data error under the file's name.
    assert!(!load_error("this is = = not toml").is_empty());
    let m = load_error("version = \"1\"\nsource = \"x\"\n[actions]\n");
    assert!(m.contains("no CMOC defined"), "{m}");
    let m = load_error(&mutate("version = \"1.0.0\"\n", ""));
    assert!(m.contains("field `version`: is missing"), "{m}");
    let m = load_error(&format!("{BUILTIN_TOML}\n[extra]\nx = 1\n"));
    assert!(m.contains("field `extra`: unknown top-level field"), "{m}");
    // An action nobody uses is reported.
    let m = load_error(&mutate(
        "\n[actions]\n",
        "\n[actions]\nunused = \"Do nothing.\"\n",
    ));
    assert!(
        m.contains("action `unused`: defined but no CMOC uses it"),
        "{m}"
    );
}

#[test]
fn a_clinic_can_extend_the_file() {
    let extended = format!(
        "{}\n{}",
        BUILTIN_TOML.replacen(
            "\n[actions]\n",
            "\n[actions]\nmotivational_interview = \"Use a brief motivational interview.\"\n",
            1
        ),
        r#"
[[cmoc]]
id = "M4.1"
mechanism = "motivation"
sub_theme = "Clinic extension"
summary = "Motivational interviewing"
context_text = "A short motivational interview is held."
mechanism_text = "Ambivalence is resolved."
outcome_text = "Adherence rises."
outcomes = ["adherence"]
concerns = "both"
grade = "low"
references = "1"
theme = "provision_of_support"
context_expr = "all(goals_agreed, not(self_efficacy_low))"
action = "motivational_interview"
citation = "Clinic protocol 2025, Table 4, row 1"
"#
    );
    let kb = KnowledgeBase::from_toml(&extended).unwrap();
    assert_eq!(kb.cmocs().len(), 35);
    assert_eq!(kb.get("M4.1").unwrap().table, 4);
}

// ---------------------------------------------------------------------------
// Renderers

#[test]
fn table_lists_every_cmoc() {
    let kb = kb();
    let t = render::table(&kb);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 2 + 34, "title, header and one line per CMOC");
    assert!(lines[1].starts_with("ID "));
    for (line, c) in lines[2..].iter().zip(kb.cmocs()) {
        assert!(line.starts_with(&format!("{} ", c.id)), "{line}");
        assert!(line.contains(&c.references.published));
        assert!(line.contains(c.grade.as_str()));
    }
    assert!(t.contains("[hinders]"));
}

#[test]
fn detail_shows_every_field() {
    let kb = kb();
    let d = render::detail(kb.get("C3.2").unwrap());
    for needle in [
        "C3.2",
        "confidence",
        "Previous positive experience",
        "fearful_of_movement",
        "any(supervised_session_held, exercise_practised)",
        "graded_practice",
        "31,43,92,93,95,102,109",
        "Table 3, row 2",
        "high",
    ] {
        assert!(d.contains(needle), "{needle} in {d}");
    }
}

#[test]
fn dot_draws_contexts_mechanisms_and_outcomes() {
    let kb = kb();
    let d = render::dot(&kb);
    assert!(d.starts_with("digraph rapport_theory {"));
    assert!(d.trim_end().ends_with('}'));
    assert_eq!(d.matches('{').count(), d.matches('}').count());
    for c in kb.cmocs() {
        assert!(
            d.contains(&format!("\"{}\" -> \"mechanism_{}\"", c.id, c.mechanism)),
            "{} edge",
            c.id
        );
    }
    for t in Theme::ALL {
        assert!(d.contains(&format!("cluster_{t}")));
        assert!(d.contains(t.label()));
    }
    for m in ["trust", "motivation", "confidence"] {
        assert!(d.contains(&format!("\"mechanism_{m}\" [label=")));
    }
    assert!(d.contains("\"mechanism_confidence\" -> \"outcome_adherence\""));
    assert!(d.contains("\"mechanism_trust\" -> \"outcome_clinical\" [label=\"T1.6\"]"));
    assert!(d.contains("style=dashed"), "barriers are dashed");
    // Deterministic.
    assert_eq!(d, render::dot(&kb));
}

#[test]
fn json_carries_every_field() {
    let kb = kb();
    let v: serde_json::Value = serde_json::from_str(&render::json(&kb).unwrap()).unwrap();
    assert_eq!(v["version"], "1.0.0");
    let cmocs = v["cmocs"].as_array().unwrap();
    assert_eq!(cmocs.len(), 34);
    let keys = [
        "id",
        "table",
        "row",
        "mechanism",
        "sub_theme",
        "summary",
        "context_text",
        "mechanism_text",
        "outcome_text",
        "outcomes",
        "concerns",
        "grade",
        "references",
        "theme",
        "effect",
        "applies_when",
        "context_expr",
        "action",
        "action_text",
        "citation",
    ];
    for c in cmocs {
        let obj = c.as_object().unwrap();
        for k in keys {
            assert!(obj.contains_key(k), "{k} in {}", c["id"]);
        }
        assert_eq!(obj.len(), keys.len(), "no unexpected fields");
    }
    let t16 = &cmocs[10 + 15];
    assert_eq!(t16["id"], "M2.16");
    assert_eq!(t16["effect"], "hinders");
    assert_eq!(t16["outcomes"], serde_json::json!(["adherence"]));
    assert_eq!(
        t16["references"]["numbers"],
        serde_json::json!([22, 31, 42, 48, 59, 61, 65, 95, 102])
    );
    assert_eq!(
        t16["context_expr"],
        "any(exercise_too_hard, exercise_disliked)"
    );
    assert_eq!(cmocs[0]["applies_when"], serde_json::Value::Null);
    assert!(v["actions"].as_array().unwrap().len() >= 20);
}
