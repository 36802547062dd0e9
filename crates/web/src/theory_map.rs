//! The C→M→O map of the programme theory, drawn as SVG on the server from the
//! knowledge base: contexts grouped by Figure 2 theme on the left, the three
//! mechanisms in the middle, the outcomes on the right. Each context links to
//! its detail page.

use std::fmt::Write as _;

use rapport_domain::theory::{Effect, Grade, KnowledgeBase, Mechanism, Outcome, Theme};

const WIDTH: u32 = 1120;
const ROW: u32 = 26;
const THEME_GAP: u32 = 44;
const CTX_X: u32 = 8;
const CTX_W: u32 = 470;
const MECH_X: u32 = 640;
const MECH_W: u32 = 170;
const OUT_X: u32 = 930;
const OUT_W: u32 = 180;

/// Text safe inside SVG/XML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn colour(m: Mechanism) -> &'static str {
    // Distinguishable for common colour-vision deficiencies; never the only cue
    // (each context also names its mechanism by its id letter).
    match m {
        Mechanism::Trust => "#0b5c8c",
        Mechanism::Motivation => "#b35900",
        Mechanism::Confidence => "#5b3f99",
    }
}

fn stroke_width(g: Grade) -> &'static str {
    match g {
        Grade::High => "2.6",
        Grade::Moderate => "1.6",
        Grade::Low => "0.8",
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The whole map as one `<svg>` element.
pub fn svg(kb: &KnowledgeBase) -> String {
    // Rows: contexts in theme order, then mechanism, then knowledge-base order.
    let mut rows: Vec<(Theme, Option<usize>)> = Vec::new();
    for theme in Theme::ALL {
        rows.push((*theme, None));
        for m in Mechanism::ALL {
            for (i, c) in kb.cmocs().iter().enumerate() {
                if c.theme == *theme && c.mechanism == *m {
                    rows.push((*theme, Some(i)));
                }
            }
        }
    }
    let mut y = 8;
    let mut ctx_y = vec![0u32; kb.cmocs().len()];
    let mut headings = Vec::new();
    for (theme, idx) in &rows {
        match idx {
            None => {
                y += if headings.is_empty() {
                    0
                } else {
                    THEME_GAP - ROW
                };
                headings.push((*theme, y));
                y += ROW;
            }
            Some(i) => {
                ctx_y[*i] = y;
                y += ROW;
            }
        }
    }
    let height = y + 16;
    let mech_y = |k: usize| height * (2 * k as u32 + 1) / 6 - 20;
    let out_y = |k: usize| height * (2 * k as u32 + 1) / 6 - 20;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="theory-map" viewBox="0 0 {WIDTH} {height}" role="group" aria-labelledby="map-title map-desc" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = write!(
        s,
        r#"<title id="map-title">Programme theory map</title><desc id="map-desc">{} contexts, grouped by theme, each leading to one of three mechanisms (trust, motivation, confidence), which lead to engagement, adherence and clinical outcomes. The same content is listed as tables below the map.</desc>"#,
        kb.cmocs().len()
    );
    // Edges first, so that boxes sit on top of them.
    for (i, c) in kb.cmocs().iter().enumerate() {
        let k = Mechanism::ALL
            .iter()
            .position(|m| *m == c.mechanism)
            .unwrap_or(0);
        let (x1, y1) = (CTX_X + CTX_W, ctx_y[i] + ROW / 2 - 2);
        let (x2, y2) = (MECH_X, mech_y(k) + 20);
        let dash = if c.effect == Effect::Hinders {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<path d="M{x1} {y1} C{} {y1} {} {y2} {x2} {y2}" fill="none" stroke="{}" stroke-opacity="0.55" stroke-width="{}"{dash}/>"#,
            x1 + 80,
            x2 - 80,
            colour(c.mechanism),
            stroke_width(c.grade)
        );
    }
    for (k, m) in Mechanism::ALL.iter().enumerate() {
        for (j, o) in Outcome::ALL.iter().enumerate() {
            let n = kb
                .by_mechanism(*m)
                .filter(|c| c.outcomes.contains(*o))
                .count();
            if n == 0 {
                continue;
            }
            let (x1, y1) = (MECH_X + MECH_W, mech_y(k) + 20);
            let (x2, y2) = (OUT_X, out_y(j) + 20);
            let _ = write!(
                s,
                r#"<path d="M{x1} {y1} C{} {y1} {} {y2} {x2} {y2}" fill="none" stroke="{}" stroke-width="{}"><title>{m} → {o}: {n} configurations</title></path>"#,
                x1 + 50,
                x2 - 50,
                colour(*m),
                1.0 + (n as f64).sqrt()
            );
        }
    }
    for (theme, hy) in &headings {
        let _ = write!(
            s,
            r##"<text x="{CTX_X}" y="{}" class="map-theme">{}</text>"##,
            hy + ROW - 8,
            esc(theme.label())
        );
    }
    for (i, c) in kb.cmocs().iter().enumerate() {
        let y = ctx_y[i];
        let _ = write!(
            s,
            r##"<a href="/theory/{id}"><g class="map-ctx"><rect x="{CTX_X}" y="{y}" width="{CTX_W}" height="{}" rx="4" fill="#ffffff" stroke="{col}"/><text x="{}" y="{}"><tspan font-weight="700" fill="{col}">{id}</tspan> {} <tspan class="map-grade">({})</tspan></text><title>{id}: {} — {} confidence{}</title></g></a>"##,
            ROW - 4,
            CTX_X + 8,
            y + ROW - 10,
            esc(&clip(&c.summary, 48)),
            c.grade,
            esc(&c.summary),
            c.grade,
            if c.effect == Effect::Hinders {
                "; a barrier"
            } else {
                ""
            },
            id = esc(&c.id),
            col = colour(c.mechanism),
        );
    }
    for (k, m) in Mechanism::ALL.iter().enumerate() {
        let y = mech_y(k);
        let n = kb.by_mechanism(*m).count();
        let _ = write!(
            s,
            r##"<g class="map-mech"><rect x="{MECH_X}" y="{y}" width="{MECH_W}" height="40" rx="20" fill="{col}"/><text x="{}" y="{}" text-anchor="middle" fill="#ffffff" font-weight="700">{} ({n})</text></g>"##,
            MECH_X + MECH_W / 2,
            y + 25,
            capitalise(m.as_str()),
            col = colour(*m)
        );
    }
    for (j, o) in Outcome::ALL.iter().enumerate() {
        let y = out_y(j);
        let label = match o {
            Outcome::Engagement => "Engagement",
            Outcome::Adherence => "Adherence",
            Outcome::Clinical => "Clinical outcomes",
        };
        let _ = write!(
            s,
            r##"<g class="map-out"><rect x="{OUT_X}" y="{y}" width="{OUT_W}" height="40" fill="#f3f6f9" stroke="#1b2430"/><text x="{}" y="{}" text-anchor="middle" font-weight="700">{label}</text></g>"##,
            OUT_X + OUT_W / 2,
            y + 25
        );
    }
    s.push_str("</svg>");
    s
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cmoc_is_drawn_once_and_linked() {
        let kb = KnowledgeBase::builtin().unwrap();
        let svg = svg(&kb);
        for c in kb.cmocs() {
            assert_eq!(
                svg.matches(&format!(r#"href="/theory/{}""#, c.id)).count(),
                1,
                "{}",
                c.id
            );
        }
        assert!(svg.matches("<path").count() >= kb.cmocs().len());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("Trust (10)")
                && svg.contains("Motivation (18)")
                && svg.contains("Confidence (6)")
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
