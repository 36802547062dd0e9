//! Pure renderers of the knowledge base for the command line: a text table, a
//! detail view of one CMOC, Graphviz DOT of the C→M→O map, and JSON.

use std::fmt::Write as _;

use super::kb::{Cmoc, Effect, Grade, KnowledgeBase, Mechanism, Outcome, Theme};
use crate::{Error, Result};

fn outcomes_list(c: &Cmoc) -> String {
    c.outcomes
        .iter()
        .map(Outcome::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// One line per CMOC: id, mechanism, grade, outcomes, theme, summary, references.
pub fn table(kb: &KnowledgeBase) -> String {
    let header = [
        "ID",
        "MECHANISM",
        "GRADE",
        "OUTCOMES",
        "THEME",
        "SUMMARY",
        "REFERENCES",
    ];
    let rows: Vec<[String; 7]> = kb
        .cmocs()
        .iter()
        .map(|c| {
            let summary = match c.effect {
                Effect::Facilitates => c.summary.clone(),
                Effect::Hinders => format!("{} [hinders]", c.summary),
            };
            [
                c.id.clone(),
                c.mechanism.to_string(),
                c.grade.to_string(),
                outcomes_list(c),
                c.theme.to_string(),
                summary,
                c.references.published.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Rapport knowledge base {} ({} CMOCs) — {}",
        kb.version(),
        kb.cmocs().len(),
        kb.source()
    );
    let line = |out: &mut String, cells: &[&str]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let _ = write!(s, "{cell:<w$}  ");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut out, &header);
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(&mut out, &cells);
    }
    out
}

/// Every field of one CMOC, labelled, for `rapport theory show ID`.
pub fn detail(c: &Cmoc) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", c.id, c.summary);
    let fields: [(&str, String); 17] = [
        ("mechanism", c.mechanism.to_string()),
        ("sub-theme", c.sub_theme.clone()),
        ("context", c.context_text.clone()),
        ("mechanism (how)", c.mechanism_text.clone()),
        ("outcome", c.outcome_text.clone()),
        ("outcomes", outcomes_list(c)),
        ("concerns", c.concerns.to_string()),
        ("grade (CERQual)", c.grade.to_string()),
        ("references", c.references.published.clone()),
        ("theme", c.theme.label().to_string()),
        ("effect", c.effect.to_string()),
        (
            "applies when",
            c.applies_when
                .as_ref()
                .map_or_else(|| "always".to_string(), |e| e.source().to_string()),
        ),
        ("context expression", c.context_expr.source().to_string()),
        ("action", c.action.clone()),
        ("action text", c.action_text.clone()),
        ("citation", c.citation.clone()),
        ("table/row", format!("Table {}, row {}", c.table, c.row)),
    ];
    for (label, value) in fields {
        let _ = writeln!(out, "  {label:<19} {value}");
    }
    out
}

/// The knowledge base as pretty JSON (every field).
pub fn json(kb: &KnowledgeBase) -> Result<String> {
    serde_json::to_string_pretty(kb).map_err(|e| Error::Data {
        source_name: "knowledge base".into(),
        message: e.to_string(),
    })
}

/// A DOT string literal.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn penwidth(g: Grade) -> &'static str {
    match g {
        Grade::High => "3",
        Grade::Moderate => "2",
        Grade::Low => "1",
    }
}

/// Graphviz DOT of the C→M→O map: context nodes (one per CMOC) clustered by
/// Figure 2 theme and, inside each theme, by mechanism; an edge from each
/// context to its mechanism (width by grade, dashed red for barriers); and an
/// edge from each mechanism to each outcome it leads to, labelled with the
/// CMOC ids behind it.
pub fn dot(kb: &KnowledgeBase) -> String {
    let mut out = String::new();
    out.push_str("digraph rapport_theory {\n");
    out.push_str("  rankdir=LR;\n  compound=true;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n");
    let _ = writeln!(
        out,
        "  label={};\n  labelloc=t;",
        q(&format!(
            "Rapport programme theory {} — {}",
            kb.version(),
            kb.source()
        ))
    );
    for theme in Theme::ALL {
        let _ = writeln!(out, "  subgraph {} {{", q(&format!("cluster_{theme}")));
        let _ = writeln!(out, "    label={};", q(theme.label()));
        for m in Mechanism::ALL {
            let members: Vec<&Cmoc> = kb
                .cmocs()
                .iter()
                .filter(|c| c.theme == *theme && c.mechanism == *m)
                .collect();
            if members.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "    subgraph {} {{",
                q(&format!("cluster_{theme}_{m}"))
            );
            let _ = writeln!(out, "      label={};", q(&format!("{m}")));
            for c in members {
                let _ = writeln!(
                    out,
                    "      {} [label={}, tooltip={}];",
                    q(&c.id),
                    q(&format!("{}\n{}\n({})", c.id, c.summary, c.grade)),
                    q(&c.context_text)
                );
            }
            out.push_str("    }\n");
        }
        out.push_str("  }\n");
    }
    out.push_str("  subgraph cluster_mechanisms {\n    label=\"Mechanisms\";\n");
    for m in Mechanism::ALL {
        let _ = writeln!(
            out,
            "    {} [label={}, shape=ellipse, style=filled, fillcolor=\"#fff3b0\"];",
            q(&format!("mechanism_{m}")),
            q(&capitalise(m.as_str()))
        );
    }
    out.push_str("  }\n  subgraph cluster_outcomes {\n    label=\"Outcomes\";\n");
    for o in Outcome::ALL {
        let label = match o {
            Outcome::Engagement => "Engagement",
            Outcome::Adherence => "Adherence",
            Outcome::Clinical => "Clinical outcomes",
        };
        let _ = writeln!(
            out,
            "    {} [label={}, shape=hexagon];",
            q(&format!("outcome_{o}")),
            q(label)
        );
    }
    out.push_str("  }\n");
    for c in kb.cmocs() {
        let style = match c.effect {
            Effect::Facilitates => String::new(),
            Effect::Hinders => ", style=dashed, color=\"#c0392b\", label=\"hinders\"".to_string(),
        };
        let _ = writeln!(
            out,
            "  {} -> {} [penwidth={}{style}];",
            q(&c.id),
            q(&format!("mechanism_{}", c.mechanism)),
            penwidth(c.grade)
        );
    }
    for m in Mechanism::ALL {
        for o in Outcome::ALL {
            let ids: Vec<&str> = kb
                .by_mechanism(*m)
                .filter(|c| c.outcomes.contains(*o))
                .map(|c| c.id.as_str())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                q(&format!("mechanism_{m}")),
                q(&format!("outcome_{o}")),
                q(&ids.join(", "))
            );
        }
    }
    out.push_str("}\n");
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The C→M→O map as data: the nodes and edges that [`dot`] draws, for tools
/// that want to lay it out themselves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GraphNode {
    pub id: String,
    /// `context`, `mechanism` or `outcome`.
    pub kind: &'static str,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    /// The CMOCs the edge stands for.
    pub cmocs: Vec<String>,
    pub hinders: bool,
}

pub fn graph(kb: &KnowledgeBase) -> Graph {
    let mut nodes: Vec<GraphNode> = kb
        .cmocs()
        .iter()
        .map(|c| GraphNode {
            id: c.id.clone(),
            kind: "context",
            label: c.summary.clone(),
            theme: Some(c.theme),
            grade: Some(c.grade),
        })
        .collect();
    nodes.extend(Mechanism::ALL.iter().map(|m| GraphNode {
        id: format!("mechanism_{m}"),
        kind: "mechanism",
        label: capitalise(m.as_str()),
        theme: None,
        grade: None,
    }));
    nodes.extend(Outcome::ALL.iter().map(|o| GraphNode {
        id: format!("outcome_{o}"),
        kind: "outcome",
        label: capitalise(o.as_str()),
        theme: None,
        grade: None,
    }));
    let mut edges: Vec<GraphEdge> = kb
        .cmocs()
        .iter()
        .map(|c| GraphEdge {
            from: c.id.clone(),
            to: format!("mechanism_{}", c.mechanism),
            cmocs: vec![c.id.clone()],
            hinders: c.effect == Effect::Hinders,
        })
        .collect();
    for m in Mechanism::ALL {
        for o in Outcome::ALL {
            let ids: Vec<String> = kb
                .by_mechanism(*m)
                .filter(|c| c.outcomes.contains(*o))
                .map(|c| c.id.clone())
                .collect();
            if !ids.is_empty() {
                edges.push(GraphEdge {
                    from: format!("mechanism_{m}"),
                    to: format!("outcome_{o}"),
                    cmocs: ids,
                    hinders: false,
                });
            }
        }
    }
    Graph { nodes, edges }
}
