//! Small, accessible charts drawn as SVG on the server, for phones first:
//! weekly adherence bars, pain after exercise over time, and questionnaire
//! scores at each time point.
//!
//! Hand-written rather than drawn with a plotting crate: plotters' SVG backend
//! writes fixed-size pixel drawings with colours baked into attributes, and
//! has no way to add `role`, `<title>`/`<desc>` or CSS classes to what it
//! draws (a request for custom attributes, plotters issue 243, is still open),
//! so every chart would need rewriting afterwards. Three small charts are less
//! code than that.
//!
//! Every chart is one `<svg role="img">` named by its `<title>` and described
//! by its `<desc>`, which states the numbers in plain words; it scales with
//! `viewBox` and `width="100%"`; colours come from CSS classes (the `charts`
//! block of `app.css`) with `currentColor` fallbacks, and never alone carry
//! meaning (weeks below target are striped, pain before is hollow and dashed,
//! and every chart has a text legend). Ids start with the caller's prefix, so
//! several charts can share a page. No data gives a short sentence instead of
//! an empty chart. Each chart has a `*_table` twin, the same data as an HTML
//! table for a `<details>` disclosure; [`figure`] puts the two together:
//!
//! ```ignore
//! let html = charts::figure(
//!     &charts::adherence_svg("adh", &weeks, 80),
//!     &charts::adherence_table(&weeks, 80),
//! );
//! // in the template: {{ html|safe }}
//! ```
//!
//! All text is escaped; the output is safe to embed with askama's `|safe`.

use std::fmt::Write as _;

use jiff::ToSpan;
use jiff::civil::Date;
use rapport_domain::monitoring::adherence::MIN_PRESCRIBED_TO_JUDGE;

use crate::theory_map::esc;

/// Shown instead of the adherence and pain charts when there is nothing to draw.
pub const NO_SESSIONS: &str = "No sessions logged yet.";
/// Shown instead of the scores chart when there is nothing to draw.
pub const NO_SCORES: &str = "No scores recorded yet.";

/// Width of every chart's `viewBox`: about a phone's width in CSS pixels, so
/// text drawn at 10 units stays readable there.
const W: f64 = 320.0;
/// Approximate width of one character at font size 10, for fitting labels.
const CHAR_W: f64 = 6.0;
/// At most this many items are listed one by one in a `<desc>`; beyond it the
/// description summarises (the table has them all).
const DESC_LIST_MAX: usize = 12;

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// One week of the adherence chart.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekBar {
    /// The week as people read it, e.g. "10 Nov" (its Monday).
    pub label: String,
    /// Sessions logged; may be fractional (a partly done day counts ½).
    pub logged: f64,
    /// Sessions planned; may be prorated. Under one session planned, the week
    /// has no percentage (too little to judge, as in the adherence report).
    pub planned: f64,
    /// The current week, not over yet: shown "so far" and never judged.
    pub in_progress: bool,
}

/// One rated session of the pain chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PainPoint {
    pub date: Date,
    /// Pain before exercise, 0–10, when rated.
    pub before: Option<u8>,
    /// Pain after exercise, 0–10.
    pub after: u8,
}

/// One questionnaire's scores over the time points of an episode.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSeries {
    /// e.g. "Function (RMDQ, 0–24, lower is better)".
    pub name: String,
    /// (time point, score), in order, e.g. ("Start", 14.0), ("Discharge", 6.0).
    pub points: Vec<(String, f64)>,
    /// The lowest and highest possible scores: the chart's y axis.
    pub min: f64,
    pub max: f64,
    pub lower_is_better: bool,
}

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

/// A paragraph saying there is nothing to draw.
fn empty(msg: &str) -> String {
    format!(r#"<p class="chart-empty">{}</p>"#, esc(msg))
}

/// The prefix made safe as the start of an XML id: ASCII letters, digits, `-`
/// and `_`, starting with a letter.
fn id_prefix(p: &str) -> String {
    let mut s: String = p
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "chart-");
    }
    s
}

/// The opening `<svg>` with its title and description.
fn open_svg(s: &mut String, p: &str, kind: &str, height: f64, title: &str, desc: &str) {
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{kind}" viewBox="0 0 {W} {height}" width="100%" role="img" aria-labelledby="{p}-title {p}-desc" font-size="10"><title id="{p}-title">{}</title><desc id="{p}-desc">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

/// A number as people write it: whole numbers bare, others to one decimal
/// (and never "-0").
fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    let r = if r == 0.0 { 0.0 } else { r };
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// "1 point", "2.5 points".
fn points(x: f64) -> String {
    let n = num(x);
    if n == "1" {
        format!("{n} point")
    } else {
        format!("{n} points")
    }
}

/// A finite, non-negative number (anything else is 0).
fn non_negative(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 { x } else { 0.0 }
}

/// Which of `n` evenly spaced labels, `slot` units apart and each about
/// `widest` wide, to draw: every k-th, counting back from the last.
fn label_step(n: usize, slot: f64, widest: f64) -> usize {
    if n == 0 || slot <= 0.0 {
        return 1;
    }
    let k = ((widest + 6.0) / slot).ceil();
    if k.is_finite() && k >= 1.0 {
        // `as` saturates; `min` keeps it within the labels.
        (k as usize).min(n)
    } else {
        1
    }
}

fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * CHAR_W
}

/// Cuts long text for drawing; the full text is in the title and table.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Puts a chart and its table together: the chart, then the same numbers
/// in a `<details>` disclosure. Pass only what this module's functions
/// returned. With an empty table (no data) it is the chart's message alone.
pub fn figure(svg: &str, table: &str) -> String {
    if table.is_empty() {
        return svg.to_string();
    }
    format!(
        r#"<figure class="chart">{svg}<details class="chart-data"><summary>Show the numbers as a table</summary><div class="scroll" tabindex="0">{table}</div></details></figure>"#
    )
}

// ---------------------------------------------------------------------------
// 1. Weekly adherence
// ---------------------------------------------------------------------------

/// How a week is drawn and judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WeekKind {
    NoPlan,
    InProgress,
    Met,
    Below,
}

impl WeekBar {
    fn logged(&self) -> f64 {
        non_negative(self.logged)
    }

    fn planned(&self) -> f64 {
        non_negative(self.planned)
    }

    /// Logged as a percentage of planned, uncapped; none under one planned.
    fn percent(&self) -> Option<f64> {
        let planned = self.planned();
        (planned >= MIN_PRESCRIBED_TO_JUDGE).then(|| self.logged() / planned * 100.0)
    }

    fn kind(&self, target: f64) -> WeekKind {
        match self.percent() {
            None => WeekKind::NoPlan,
            Some(_) if self.in_progress => WeekKind::InProgress,
            Some(p) if p.round() >= target => WeekKind::Met,
            Some(_) => WeekKind::Below,
        }
    }

    /// "3 of 3 (100%)", "2 of 3 (67%, below target)", "1 logged (none
    /// planned)".
    fn words(&self, target: f64) -> String {
        let logged = num(self.logged());
        match self.percent() {
            Some(p) => {
                let below = if self.kind(target) == WeekKind::Below {
                    ", below target"
                } else {
                    ""
                };
                format!(
                    "{logged} of {} ({}%{below})",
                    num(self.planned()),
                    num(p.round())
                )
            }
            None if self.planned() > 0.0 => format!(
                "{logged} logged ({} planned, too few to judge)",
                num(self.planned())
            ),
            None => format!("{logged} logged (none planned)"),
        }
    }
}

fn target_of(target_percent: u8) -> f64 {
    f64::from(target_percent.clamp(1, 100))
}

fn adherence_desc(weeks: &[WeekBar], target: f64) -> String {
    let done: Vec<&WeekBar> = weeks.iter().filter(|w| !w.in_progress).collect();
    let mut d = format!(
        "Exercise sessions logged each week against the plan; the target is {}% of the plan.",
        num(target)
    );
    if !done.is_empty() {
        let shown = &done[done.len().saturating_sub(DESC_LIST_MAX)..];
        if shown.len() < done.len() {
            let _ = write!(
                d,
                " {} weeks in all; the last {}: ",
                done.len(),
                shown.len()
            );
        } else if shown.len() == 1 {
            d.push_str(" Last week: ");
        } else {
            let _ = write!(d, " Last {} weeks: ", shown.len());
        }
        let items: Vec<String> = shown
            .iter()
            .map(|w| format!("{} {}", w.label, w.words(target)))
            .collect();
        d.push_str(&items.join(", "));
    }
    for w in weeks.iter().filter(|w| w.in_progress) {
        let sep = if done.is_empty() { " This" } else { "; this" };
        let _ = match w.percent() {
            Some(_) => write!(
                d,
                "{sep} week ({}) {} of {} so far",
                w.label,
                num(w.logged()),
                num(w.planned())
            ),
            None => write!(
                d,
                "{sep} week ({}) {} logged so far",
                w.label,
                num(w.logged())
            ),
        };
    }
    d.push('.');
    let judged: Vec<&&WeekBar> = done.iter().filter(|w| w.percent().is_some()).collect();
    if !judged.is_empty() {
        let met = judged
            .iter()
            .filter(|w| w.kind(target) == WeekKind::Met)
            .count();
        let _ = write!(
            d,
            " {met} of {} complete weeks reached the target.",
            judged.len()
        );
    }
    d
}

/// Weekly adherence as bars: each week's sessions as a percentage of the
/// plan (capped at 100% in the drawing, the real numbers on the bar), with a
/// dashed target line at `target_percent` (1–100; e.g. 80). Weeks at or above
/// target are solid, weeks below are striped, the week in progress is light
/// with a dashed outline. Oldest week first. `prefix` starts every id.
pub fn adherence_svg(prefix: &str, weeks: &[WeekBar], target_percent: u8) -> String {
    if weeks.is_empty() {
        return empty(NO_SESSIONS);
    }
    let p = id_prefix(prefix);
    let target = target_of(target_percent);
    let (x0, x1, top, base) = (34.0, W - 8.0, 24.0, 136.0);
    let y_of = |pct: f64| base - pct.clamp(0.0, 100.0) / 100.0 * (base - top);
    let any_now = weeks.iter().any(|w| w.in_progress);
    let height = 196.0;

    let mut s = String::new();
    open_svg(
        &mut s,
        &p,
        "adherence",
        height,
        "Exercise sessions each week",
        &adherence_desc(weeks, target),
    );
    let _ = write!(
        s,
        r##"<defs><pattern id="{p}-stripes" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="chart-stripes-bg" fill="#ffffff"/><rect width="3" height="6" class="chart-stripes" fill="currentColor"/></pattern></defs>"##
    );
    // Grid and axis labels.
    for pct in [0.0, 50.0, 100.0] {
        let y = y_of(pct);
        let _ = write!(
            s,
            r#"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" class="{}" stroke="currentColor" stroke-opacity="0.25"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="chart-muted" fill="currentColor">{}%</text>"#,
            if pct == 0.0 {
                "chart-axis"
            } else {
                "chart-grid"
            },
            x0 - 4.0,
            y + 3.5,
            num(pct)
        );
    }
    // Bars.
    let n = weeks.len();
    let slot = (x1 - x0) / n as f64;
    let bar_w = (slot * 0.7).min(36.0);
    let widest_label = weeks
        .iter()
        .map(|w| text_width(&w.label))
        .fold(0.0, f64::max);
    let step = label_step(n, slot, widest_label);
    for (i, w) in weeks.iter().enumerate() {
        let cx = x0 + slot * (i as f64 + 0.5);
        let bx = cx - bar_w / 2.0;
        let kind = w.kind(target);
        let pct = w.percent();
        let y = y_of(pct.unwrap_or(0.0));
        let mut hover = format!("Week of {}: {}", w.label, w.words(target));
        match kind {
            WeekKind::InProgress => hover.push_str(", so far"),
            WeekKind::Met => hover.push_str(", target met"),
            WeekKind::Below | WeekKind::NoPlan => {}
        }
        let _ = write!(s, r#"<g class="chart-week"><title>{}</title>"#, esc(&hover));
        if pct.is_some() && base - y >= 0.5 {
            let (class, fill) = match kind {
                WeekKind::Met => ("chart-bar chart-bar-met", "currentColor".to_string()),
                WeekKind::Below => ("chart-bar chart-bar-low", format!("url(#{p}-stripes)")),
                _ => ("chart-bar chart-bar-now", "none".to_string()),
            };
            let _ = write!(
                s,
                r#"<rect x="{bx:.1}" y="{y:.1}" width="{bar_w:.1}" height="{:.1}" class="{class}" fill="{fill}" stroke="currentColor"/>"#,
                base - y
            );
        }
        // The number on the bar: the real counts, even when the bar is capped.
        let mut label_y = y - 4.0;
        if pct.is_some_and(|p| p > 100.0) {
            let _ = write!(
                s,
                r#"<path d="M{:.1} {:.1}L{cx:.1} {:.1}L{:.1} {:.1}Z" class="chart-over" fill="currentColor"/>"#,
                cx - 4.0,
                y - 2.0,
                y - 7.0,
                cx + 4.0,
                y - 2.0
            );
            label_y = y - 10.0;
        }
        let on_bar = match pct {
            Some(_) => format!("{}/{}", num(w.logged()), num(w.planned())),
            None => "–".to_string(),
        };
        if text_width(&on_bar) <= slot + 2.0 {
            let _ = write!(
                s,
                r#"<text x="{cx:.1}" y="{label_y:.1}" text-anchor="middle" class="chart-value" fill="currentColor">{}</text>"#,
                esc(&on_bar)
            );
        }
        if (n - 1 - i).is_multiple_of(step) {
            let _ = write!(
                s,
                r#"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" class="chart-muted" fill="currentColor">{}</text>"#,
                base + 14.0,
                esc(&w.label)
            );
        }
        s.push_str("</g>");
    }
    // Target line on top of the bars.
    let ty = y_of(target);
    let _ = write!(
        s,
        r#"<line x1="{x0}" y1="{ty:.1}" x2="{x1}" y2="{ty:.1}" class="chart-target" stroke="currentColor" stroke-width="1.5" stroke-dasharray="5 3"/>"#
    );
    // Legend, in words.
    let mut items: Vec<(String, String)> = vec![
        (
            r#"<rect width="10" height="10" class="chart-bar chart-bar-met" fill="currentColor" stroke="currentColor"/>"#
                .to_string(),
            "Target met".to_string(),
        ),
        (
            format!(
                r#"<rect width="10" height="10" class="chart-bar chart-bar-low" fill="url(#{p}-stripes)" stroke="currentColor"/>"#
            ),
            "Below target".to_string(),
        ),
    ];
    if any_now {
        items.push((
            r#"<rect width="10" height="10" class="chart-bar chart-bar-now" fill="none" stroke="currentColor"/>"#
                .to_string(),
            "This week so far".to_string(),
        ));
    }
    items.push((
        r#"<line x1="0" y1="5" x2="14" y2="5" class="chart-target" stroke="currentColor" stroke-width="1.5" stroke-dasharray="5 3"/>"#
            .to_string(),
        format!("Target {}%", num(target)),
    ));
    legend(&mut s, &items, 164.0);
    s.push_str("</svg>");
    s
}

/// Legend items in two columns from `y`: (swatch drawn at 0,0 in a 10×10
/// box, words).
fn legend(s: &mut String, items: &[(String, String)], y: f64) {
    s.push_str(r#"<g class="chart-legend">"#);
    for (i, (swatch, words)) in items.iter().enumerate() {
        let x = if i % 2 == 0 { 8.0 } else { W / 2.0 + 4.0 };
        let yy = y + 16.0 * (i / 2) as f64;
        let _ = write!(
            s,
            r#"<g transform="translate({x:.1} {yy:.1})">{swatch}<text x="18" y="9" class="chart-text" fill="currentColor">{}</text></g>"#,
            esc(words)
        );
    }
    s.push_str("</g>");
}

/// The adherence chart's data as a table with a caption; empty when there
/// are no weeks (the chart then says so).
pub fn adherence_table(weeks: &[WeekBar], target_percent: u8) -> String {
    if weeks.is_empty() {
        return String::new();
    }
    let target = target_of(target_percent);
    let mut s = format!(
        r#"<table class="chart-table"><caption>Exercise sessions each week (target {}% of the plan)</caption><thead><tr><th scope="col">Week of</th><th scope="col">Sessions logged</th><th scope="col">Sessions planned</th><th scope="col">Of the plan</th><th scope="col">Target</th></tr></thead><tbody>"#,
        num(target)
    );
    for w in weeks {
        let week = if w.in_progress {
            format!("{} (this week, so far)", w.label)
        } else {
            w.label.clone()
        };
        let pct = w
            .percent()
            .map(|p| format!("{}%", num(p.round())))
            .unwrap_or_else(|| "–".to_string());
        let judged = match w.kind(target) {
            WeekKind::NoPlan => "No plan to judge",
            WeekKind::InProgress => "Week not over",
            WeekKind::Met => "Met",
            WeekKind::Below => "Below target",
        };
        let _ = write!(
            s,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&week),
            num(w.logged()),
            num(w.planned()),
            pct,
            judged
        );
    }
    s.push_str("</tbody></table>");
    s
}

// ---------------------------------------------------------------------------
// 2. Pain after exercise over time
// ---------------------------------------------------------------------------

fn day_label(d: Date) -> String {
    d.strftime("%-d %b").to_string()
}

fn full_date(d: Date) -> String {
    d.strftime("%-d %b %Y").to_string()
}

fn pain(v: u8) -> f64 {
    f64::from(v.min(10))
}

/// Days from `first` to `d`.
fn days_since(d: Date, first: Date) -> f64 {
    d.since(first)
        .map(|span| f64::from(span.get_days()))
        .unwrap_or(0.0)
}

/// Points sorted by date (stable: same-day points keep their order), pain
/// clamped to 0–10.
fn sorted_pain(points: &[PainPoint]) -> Vec<PainPoint> {
    let mut v: Vec<PainPoint> = points
        .iter()
        .map(|p| PainPoint {
            date: p.date,
            before: p.before.map(|b| b.min(10)),
            after: p.after.min(10),
        })
        .collect();
    v.sort_by_key(|p| p.date);
    v
}

fn pain_desc(pts: &[PainPoint]) -> String {
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return NO_SESSIONS.to_string();
    };
    let mut d = String::new();
    if pts.len() == 1 {
        let _ = write!(
            d,
            "One session rated, on {}, pain from 0 (none) to 10 (worst): ",
            full_date(first.date)
        );
        match first.before {
            Some(b) => {
                let _ = write!(d, "{b} before exercise, {} after.", first.after);
            }
            None => {
                let _ = write!(d, "{} after exercise.", first.after);
            }
        }
        return d;
    }
    let _ = write!(
        d,
        "{} sessions rated from {} to {}, pain from 0 (none) to 10 (worst).",
        pts.len(),
        full_date(first.date),
        full_date(last.date)
    );
    if pts.len() <= DESC_LIST_MAX {
        let items: Vec<String> = pts
            .iter()
            .map(|p| match p.before {
                Some(b) => format!("{} {b} before, {} after", day_label(p.date), p.after),
                None => format!("{} {} after", day_label(p.date), p.after),
            })
            .collect();
        let _ = write!(d, " {}.", items.join("; "));
    }
    let afters: Vec<f64> = pts.iter().map(|p| pain(p.after)).collect();
    let lowest = afters.iter().copied().fold(10.0, f64::min);
    let highest = afters.iter().copied().fold(0.0, f64::max);
    let mean = afters.iter().sum::<f64>() / afters.len() as f64;
    let _ = write!(
        d,
        " Pain after exercise: first {}, latest {}, lowest {}, highest {}, average {}.",
        first.after,
        last.after,
        num(lowest),
        num(highest),
        num(mean)
    );
    let both: Vec<f64> = pts
        .iter()
        .filter_map(|p| p.before.map(|b| pain(p.after) - pain(b)))
        .collect();
    if !both.is_empty() {
        let change = both.iter().sum::<f64>() / both.len() as f64;
        let how = if num(change) == "0" {
            "about the same as before".to_string()
        } else if change > 0.0 {
            format!("on average {} higher than before", points(change))
        } else {
            format!("on average {} lower than before", points(-change))
        };
        let _ = write!(
            d,
            " In the {} sessions rated before and after, pain after was {how}.",
            both.len()
        );
    }
    d
}

/// Pain after exercise over time: a solid line with filled dots for pain
/// after, a dashed line with hollow dots for pain before (when rated); y axis
/// 0–10 with gridlines, x axis by date with at most five date labels.
/// Handles one point and hundreds. `prefix` starts every id.
pub fn pain_svg(prefix: &str, points: &[PainPoint]) -> String {
    if points.is_empty() {
        return empty(NO_SESSIONS);
    }
    let p = id_prefix(prefix);
    let pts = sorted_pain(points);
    let (x0, x1, top, base) = (26.0, W - 12.0, 20.0, 148.0);
    let (first, last) = (pts[0].date, pts[pts.len() - 1].date);
    let span = days_since(last, first);
    let x_of = |d: Date| {
        if span > 0.0 {
            x0 + days_since(d, first) / span * (x1 - x0)
        } else {
            (x0 + x1) / 2.0
        }
    };
    let y_of = |v: f64| base - v / 10.0 * (base - top);
    let any_before = pts.iter().any(|q| q.before.is_some());
    let height = 192.0;

    let mut s = String::new();
    open_svg(
        &mut s,
        &p,
        "pain",
        height,
        "Pain after exercise",
        &pain_desc(&pts),
    );
    let _ = write!(
        s,
        r#"<text x="2" y="10" class="chart-muted" fill="currentColor">Pain (0 none – 10 worst)</text>"#
    );
    for v in [0.0, 2.0, 4.0, 6.0, 8.0, 10.0] {
        let y = y_of(v);
        let _ = write!(
            s,
            r#"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" class="{}" stroke="currentColor" stroke-opacity="0.25"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="chart-muted" fill="currentColor">{}</text>"#,
            if v == 0.0 { "chart-axis" } else { "chart-grid" },
            x0 - 5.0,
            y + 3.5,
            num(v)
        );
    }
    // Date labels: each date when there are few, else five spread evenly.
    let mut dates: Vec<Date> = pts.iter().map(|q| q.date).collect();
    dates.dedup();
    let ticks: Vec<Date> = if dates.len() <= 5 {
        dates
    } else {
        let whole = span.round();
        (0..5)
            .filter_map(|i| {
                let off = (whole * f64::from(i) / 4.0).round();
                // At most the span of the data, in days: fits an i64.
                first.checked_add((off as i64).days()).ok()
            })
            .collect()
    };
    let years_differ = first.year() != last.year();
    let tick_count = ticks.len();
    // (x, label, anchor, left edge, right edge); labels that would overlap
    // the one before are dropped, keeping the latest date.
    let mut kept: Vec<(f64, String, &str, f64, f64)> = Vec::new();
    for (i, d) in ticks.into_iter().enumerate() {
        let x = x_of(d);
        let is_last = i + 1 == tick_count;
        let label = if years_differ && (i == 0 || is_last) {
            full_date(d)
        } else {
            day_label(d)
        };
        let w = text_width(&label);
        let (anchor, left) = if x - w / 2.0 < 0.0 {
            ("start", x)
        } else if x + w / 2.0 > W {
            ("end", x - w)
        } else {
            ("middle", x - w / 2.0)
        };
        let tick = (x, label, anchor, left, left + w);
        while kept.last().is_some_and(|k| k.4 + 6.0 > left) {
            if !is_last {
                break;
            }
            kept.pop();
        }
        if kept.last().is_none_or(|k| k.4 + 6.0 <= left) {
            kept.push(tick);
        }
    }
    for (x, label, anchor, _, _) in kept {
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="{base}" x2="{x:.1}" y2="{:.1}" class="chart-axis" stroke="currentColor" stroke-opacity="0.5"/><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}" class="chart-muted" fill="currentColor">{}</text>"#,
            base + 4.0,
            base + 15.0,
            esc(&label)
        );
    }
    let r = match pts.len() {
        0..=30 => 3.0,
        31..=90 => 2.2,
        _ => 1.6,
    };
    let with_titles = pts.len() <= 60;
    // Many points: thinner lines, so the dots stay readable.
    let (after_w, before_w) = if pts.len() > 60 {
        (1.2, 0.8)
    } else {
        (2.0, 1.2)
    };
    // Pain before: dashed line, hollow dots, drawn first so "after" sits on top.
    if any_before {
        let line: Vec<String> = pts
            .iter()
            .filter_map(|q| q.before.map(|b| (q.date, b)))
            .map(|(d, b)| format!("{:.1},{:.1}", x_of(d), y_of(pain(b))))
            .collect();
        if line.len() > 1 {
            let _ = write!(
                s,
                r#"<polyline points="{}" class="chart-line-before" fill="none" stroke="currentColor" stroke-width="{before_w}" stroke-dasharray="4 3"/>"#,
                line.join(" ")
            );
        }
        for q in &pts {
            if let Some(b) = q.before {
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="{r}" class="chart-dot-before" fill="#ffffff" stroke="currentColor" stroke-width="1.2">"##,
                    x_of(q.date),
                    y_of(pain(b))
                );
                if with_titles {
                    let _ = write!(
                        s,
                        "<title>{}: pain before {b}</title>",
                        esc(&full_date(q.date))
                    );
                }
                s.push_str("</circle>");
            }
        }
    }
    if pts.len() > 1 {
        let line: Vec<String> = pts
            .iter()
            .map(|q| format!("{:.1},{:.1}", x_of(q.date), y_of(pain(q.after))))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" class="chart-line-after" fill="none" stroke="currentColor" stroke-width="{after_w}"/>"#,
            line.join(" ")
        );
    }
    for q in &pts {
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" class="chart-dot-after" fill="currentColor">"#,
            x_of(q.date),
            y_of(pain(q.after))
        );
        if with_titles {
            let _ = write!(
                s,
                "<title>{}: pain after {}</title>",
                esc(&full_date(q.date)),
                q.after
            );
        }
        s.push_str("</circle>");
    }
    let mut items = vec![(
        r#"<line x1="0" y1="5" x2="14" y2="5" class="chart-line-after" stroke="currentColor" stroke-width="2"/><circle cx="7" cy="5" r="3" class="chart-dot-after" fill="currentColor"/>"#
            .to_string(),
        "Pain after exercise".to_string(),
    )];
    if any_before {
        items.push((
            r##"<line x1="0" y1="5" x2="14" y2="5" class="chart-line-before" stroke="currentColor" stroke-width="1.2" stroke-dasharray="4 3"/><circle cx="7" cy="5" r="3" class="chart-dot-before" fill="#ffffff" stroke="currentColor" stroke-width="1.2"/>"##
                .to_string(),
            "Pain before exercise".to_string(),
        ));
    }
    legend(&mut s, &items, base + 26.0);
    s.push_str("</svg>");
    s
}

/// The pain chart's data as a table with a caption, oldest first; empty when
/// there are no points (the chart then says so).
pub fn pain_table(points: &[PainPoint]) -> String {
    if points.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        r#"<table class="chart-table"><caption>Pain before and after exercise (0 none, 10 worst)</caption><thead><tr><th scope="col">Date</th><th scope="col">Pain before</th><th scope="col">Pain after</th><th scope="col">Change</th></tr></thead><tbody>"#,
    );
    for q in sorted_pain(points) {
        let (before, change) = match q.before {
            Some(b) => {
                let c = i16::from(q.after) - i16::from(b);
                let change = match c {
                    0 => "Same".to_string(),
                    c if c > 0 => format!("{c} higher"),
                    c => format!("{} lower", -c),
                };
                (b.to_string(), change)
            }
            None => ("Not rated".to_string(), "–".to_string()),
        };
        let _ = write!(
            s,
            r#"<tr><th scope="row">{}</th><td>{before}</td><td>{}</td><td>{change}</td></tr>"#,
            esc(&full_date(q.date)),
            q.after
        );
    }
    s.push_str("</tbody></table>");
    s
}

// ---------------------------------------------------------------------------
// 3. Scores over the time points
// ---------------------------------------------------------------------------

impl ScoreSeries {
    /// The range drawn: min to max, or something sensible if they are not.
    fn range(&self) -> (f64, f64) {
        let (lo, hi) = (self.min, self.max);
        if lo.is_finite() && hi.is_finite() && hi > lo {
            (lo, hi)
        } else {
            let vals = self.finite_points().map(|(_, v)| v);
            let lo2 = vals.clone().fold(f64::INFINITY, f64::min);
            let hi2 = vals.fold(f64::NEG_INFINITY, f64::max);
            if lo2.is_finite() && hi2 > lo2 {
                (lo2, hi2)
            } else if lo2.is_finite() {
                (lo2 - 1.0, lo2 + 1.0)
            } else {
                (0.0, 1.0)
            }
        }
    }

    fn finite_points(&self) -> impl Iterator<Item = (&str, f64)> + Clone {
        self.points
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(l, v)| (l.as_str(), *v))
    }

    fn better_words(&self) -> &'static str {
        if self.lower_is_better {
            "Lower is better"
        } else {
            "Higher is better"
        }
    }

    /// "9 points better than at Start", when there are two points or more.
    fn change_words(&self) -> Option<String> {
        let mut pts = self.finite_points();
        let (first_label, first) = pts.next()?;
        let (_, last) = pts.last()?;
        let d = last - first;
        if num(d) == "0" {
            return Some(format!("no change since {first_label}"));
        }
        let better = (d < 0.0) == self.lower_is_better;
        Some(format!(
            "{} {} than at {first_label}",
            points(d.abs()),
            if better { "better" } else { "worse" }
        ))
    }
}

fn scores_desc(series: &[ScoreSeries]) -> String {
    let parts: Vec<String> = series
        .iter()
        .map(|c| {
            let (lo, hi) = c.range();
            let vals: Vec<String> = c
                .finite_points()
                .map(|(l, v)| format!("{l} {}", num(v)))
                .collect();
            let vals = if vals.is_empty() {
                "not recorded yet".to_string()
            } else {
                vals.join(", ")
            };
            let change = c
                .change_words()
                .map(|w| format!("; {w}"))
                .unwrap_or_default();
            format!(
                "{}: {vals} (scale {} to {}, {}){change}.",
                c.name,
                num(lo),
                num(hi),
                c.better_words().to_lowercase()
            )
        })
        .collect();
    parts.join(" ")
}

/// Each questionnaire's scores at the time points, as small multiples: one
/// panel per series, stacked for a phone, its y axis from `min` to `max`,
/// each score written by its dot, and under the name, in words, which way is
/// better and how the last score compares with the first. `prefix` starts
/// every id.
pub fn scores_svg(prefix: &str, series: &[ScoreSeries]) -> String {
    if series.iter().all(|c| c.finite_points().next().is_none()) {
        return empty(NO_SCORES);
    }
    let p = id_prefix(prefix);
    const PANEL: f64 = 126.0;
    let height = PANEL * series.len() as f64;
    let (x0, x1) = (34.0, W - 10.0);
    let mut s = String::new();
    open_svg(
        &mut s,
        &p,
        "scores",
        height,
        "Questionnaire scores over time",
        &scores_desc(series),
    );
    for (k, c) in series.iter().enumerate() {
        let y0 = PANEL * k as f64;
        let (top, base) = (y0 + 46.0, y0 + 98.0);
        let (lo, hi) = c.range();
        let y_of = |v: f64| base - (v.clamp(lo, hi) - lo) / (hi - lo) * (base - top);
        let _ = write!(
            s,
            r#"<g class="chart-panel"><text x="2" y="{:.1}" class="chart-heading" fill="currentColor" font-weight="700" font-size="11">{}</text>"#,
            y0 + 14.0,
            esc(&clip(&c.name, 44))
        );
        let mut line2 = c.better_words().to_string();
        if let Some(w) = c.change_words() {
            line2.push_str(" · ");
            line2.push_str(&w);
        }
        let _ = write!(
            s,
            r#"<text x="2" y="{:.1}" class="chart-muted" fill="currentColor">{}</text>"#,
            y0 + 28.0,
            esc(&clip(&line2, 50))
        );
        for (v, class) in [
            (lo, "chart-axis"),
            ((lo + hi) / 2.0, "chart-grid"),
            (hi, "chart-grid"),
        ] {
            let y = y_of(v);
            let _ = write!(
                s,
                r#"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" class="{class}" stroke="currentColor" stroke-opacity="0.25"/>"#
            );
            if class == "chart-axis" || v == hi {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="chart-muted" fill="currentColor">{}</text>"#,
                    x0 - 5.0,
                    y + 3.5,
                    num(v)
                );
            }
        }
        let pts: Vec<(&str, f64)> = c.finite_points().collect();
        if pts.is_empty() {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="chart-muted" fill="currentColor">Not recorded yet</text></g>"#,
                (x0 + x1) / 2.0,
                (top + base) / 2.0
            );
            continue;
        }
        let n = pts.len();
        let pad = 24.0;
        let x_of = |i: usize| {
            if n == 1 {
                (x0 + x1) / 2.0
            } else {
                x0 + pad + i as f64 / (n - 1) as f64 * (x1 - x0 - 2.0 * pad)
            }
        };
        if n > 1 {
            let line: Vec<String> = pts
                .iter()
                .enumerate()
                .map(|(i, (_, v))| format!("{:.1},{:.1}", x_of(i), y_of(*v)))
                .collect();
            let _ = write!(
                s,
                r#"<polyline points="{}" class="chart-score-line" fill="none" stroke="currentColor" stroke-width="2"/>"#,
                line.join(" ")
            );
        }
        let slot = if n == 1 {
            x1 - x0
        } else {
            (x1 - x0 - 2.0 * pad) / (n - 1) as f64
        };
        let widest = pts.iter().map(|(l, _)| text_width(l)).fold(0.0, f64::max);
        let step = label_step(n, slot, widest);
        for (i, (label, v)) in pts.iter().enumerate() {
            let (x, y) = (x_of(i), y_of(*v));
            let _ = write!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" class="chart-score-dot" fill="currentColor"><title>{}: {}</title></circle><text x="{x:.1}" y="{:.1}" text-anchor="middle" class="chart-value" fill="currentColor" font-weight="700">{}</text>"#,
                esc(label),
                num(*v),
                y - 7.0,
                num(*v)
            );
            if (n - 1 - i).is_multiple_of(step) {
                let _ = write!(
                    s,
                    r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" class="chart-muted" fill="currentColor">{}</text>"#,
                    base + 14.0,
                    esc(&clip(label, 14))
                );
            }
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

/// The scores chart's data as one table: a row per questionnaire, a column
/// per time point (in the order first met), and which way is better; empty
/// when no series has a score (the chart then says so).
pub fn scores_table(series: &[ScoreSeries]) -> String {
    if series.iter().all(|c| c.finite_points().next().is_none()) {
        return String::new();
    }
    let mut columns: Vec<&str> = Vec::new();
    for c in series {
        for (l, _) in c.finite_points() {
            if !columns.contains(&l) {
                columns.push(l);
            }
        }
    }
    let mut s = String::from(
        r#"<table class="chart-table"><caption>Questionnaire scores at each time point</caption><thead><tr><th scope="col">Questionnaire</th>"#,
    );
    for col in &columns {
        let _ = write!(s, r#"<th scope="col">{}</th>"#, esc(col));
    }
    s.push_str(r#"<th scope="col">Scale</th></tr></thead><tbody>"#);
    for c in series {
        let _ = write!(s, r#"<tr><th scope="row">{}</th>"#, esc(&c.name));
        for col in &columns {
            match c.finite_points().find(|(l, _)| l == col) {
                Some((_, v)) => {
                    let _ = write!(s, "<td>{}</td>", num(v));
                }
                None => s.push_str(r#"<td class="chart-none">Not recorded</td>"#),
            }
        }
        let (lo, hi) = c.range();
        let _ = write!(
            s,
            "<td>{} to {}; {}</td></tr>",
            num(lo),
            num(hi),
            c.better_words().to_lowercase()
        );
    }
    s.push_str("</tbody></table>");
    s
}

// ---------------------------------------------------------------------------
// 4. Shares of patients (the clinic's outcomes)
// ---------------------------------------------------------------------------

/// One bar: how many of `n` patients (`label`) reached something.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareBar {
    pub label: String,
    pub n: usize,
    pub reached: usize,
}

impl ShareBar {
    fn percent(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.reached as f64 / self.n as f64 * 100.0
        }
    }

    fn words(&self) -> String {
        format!(
            "{}: {} of {} ({}%)",
            self.label,
            self.reached,
            self.n,
            num(self.percent().round())
        )
    }
}

/// Horizontal bars, one per group, each the share of its patients who
/// reached `what` (e.g. "the minimal important change"), with the counts
/// written beside the bar. `prefix` starts every id.
pub fn share_svg(prefix: &str, title: &str, what: &str, bars: &[ShareBar]) -> String {
    if bars.is_empty() {
        return empty("No patients in this period.");
    }
    let p = id_prefix(prefix);
    let row = 22.0;
    let left = 90.0;
    let right = 92.0;
    let height = 16.0 + row * bars.len() as f64 + 14.0;
    let width = W - left - right;
    let desc = format!(
        "Share of patients who reached {what}. {}.",
        bars.iter()
            .map(ShareBar::words)
            .collect::<Vec<_>>()
            .join("; ")
    );
    let mut s = String::new();
    open_svg(&mut s, &p, "share", height, title, &desc);
    for (i, b) in bars.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let w = width * b.percent() / 100.0;
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{label}</text><rect x="{left}" y="{y}" width="{width}" height="14" class="chart-track" fill="none" stroke="currentColor" stroke-opacity="0.3"/><rect x="{left}" y="{y}" width="{w:.1}" height="14" class="chart-bar" fill="currentColor"/><text x="{vx}" y="{ty}" class="chart-value">{value}</text>"#,
            lx = left - 6.0,
            ty = y + 11.0,
            label = esc(&clip(&b.label, 18)),
            vx = left + width + 6.0,
            value = esc(&format!(
                "{}% ({} of {})",
                num(b.percent().round()),
                b.reached,
                b.n
            )),
        );
    }
    s.push_str("</svg>");
    s
}

/// The numbers of [`share_svg`] as a table.
pub fn share_table(what: &str, bars: &[ShareBar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "<table><thead><tr><th scope=\"col\">Group</th><th scope=\"col\">Patients</th><th scope=\"col\">Reached {}</th><th scope=\"col\">Share</th></tr></thead><tbody>",
        esc(what)
    );
    for b in bars {
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}%</td></tr>",
            esc(&b.label),
            b.n,
            b.reached,
            num(b.percent().round())
        );
    }
    s.push_str("</tbody></table>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Parses as XML; the root is an accessible `<svg>` whose title and desc
    /// come first, carry the prefixed ids and are what `aria-labelledby`
    /// names. Returns the desc's text.
    fn check_svg(svg: &str, prefix: &str) -> String {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(root.attribute("width"), Some("100%"));
        assert!(root.attribute("viewBox").is_some());
        let (t, d) = (format!("{prefix}-title"), format!("{prefix}-desc"));
        assert_eq!(
            root.attribute("aria-labelledby"),
            Some(format!("{t} {d}").as_str())
        );
        let mut kids = root.children().filter(|n| n.is_element());
        let title = kids.next().unwrap();
        let desc = kids.next().unwrap();
        assert_eq!(title.tag_name().name(), "title");
        assert_eq!(title.attribute("id"), Some(t.as_str()));
        assert_eq!(desc.tag_name().name(), "desc");
        assert_eq!(desc.attribute("id"), Some(d.as_str()));
        assert!(!title.text().unwrap_or("").is_empty());
        // Ids are unique and all carry the prefix.
        let ids: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.attribute("id"))
            .collect();
        for id in &ids {
            assert!(id.starts_with(&format!("{prefix}-")), "{id}");
            assert_eq!(ids.iter().filter(|i| *i == id).count(), 1, "{id}");
        }
        assert!(!svg.contains("<script"));
        desc.text().unwrap_or("").to_string()
    }

    /// Parses the table as XML; returns all its text.
    fn check_table(html: &str) -> String {
        let doc = roxmltree::Document::parse(html).unwrap_or_else(|e| panic!("{e}\n{html}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "table");
        let caption = root.children().find(|n| n.is_element()).unwrap();
        assert_eq!(caption.tag_name().name(), "caption");
        doc.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join("|")
    }

    fn texts(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").to_string())
            .collect()
    }

    fn week(label: &str, logged: f64, planned: f64) -> WeekBar {
        WeekBar {
            label: label.to_string(),
            logged,
            planned,
            in_progress: false,
        }
    }

    fn eight_weeks() -> Vec<WeekBar> {
        let mut v = vec![
            week("6 Oct", 3.0, 3.0),
            week("13 Oct", 2.0, 3.0),
            week("20 Oct", 3.0, 3.0),
            week("27 Oct", 0.0, 3.0),
            week("3 Nov", 4.0, 3.0),
            week("10 Nov", 2.5, 3.0),
            week("17 Nov", 3.0, 3.0),
            week("24 Nov", 1.0, 3.0),
        ];
        v.push(WeekBar {
            label: "1 Dec".into(),
            logged: 1.0,
            planned: 3.0,
            in_progress: true,
        });
        v
    }

    #[test]
    fn adherence_is_well_formed_and_states_the_numbers() {
        let weeks = eight_weeks();
        let svg = adherence_svg("adh", &weeks, 80);
        let desc = check_svg(&svg, "adh");
        assert!(desc.contains("target is 80%"), "{desc}");
        assert!(
            desc.contains("Last 8 weeks: 6 Oct 3 of 3 (100%), 13 Oct 2 of 3 (67%, below target)"),
            "{desc}"
        );
        assert!(desc.contains("this week (1 Dec) 1 of 3 so far"), "{desc}");
        assert!(desc.contains("10 Nov 2.5 of 3 (83%)"), "{desc}");
        // 100, 100, 133, 83, 100 reach 80%; 67, 0, 33 do not.
        assert!(
            desc.contains("5 of 8 complete weeks reached the target"),
            "{desc}"
        );
        let t = texts(&svg);
        for label in [
            "3/3",
            "2/3",
            "0/3",
            "4/3",
            "2.5/3",
            "1/3",
            "6 Oct",
            "1 Dec",
            "Target 80%",
            "Below target",
            "This week so far",
        ] {
            assert!(t.iter().any(|x| x == label), "{label} in {t:?}");
        }
        // Striped weeks use the pattern, which is defined once under the prefix.
        assert_eq!(svg.matches(r#"id="adh-stripes""#).count(), 1);
        assert!(svg.matches("url(#adh-stripes)").count() >= 3);

        let table = check_table(&adherence_table(&weeks, 80));
        assert!(table.contains("1 Dec (this week, so far)"), "{table}");
        assert!(
            table.contains("133%") && table.contains("Below target"),
            "{table}"
        );
    }

    #[test]
    fn zero_and_over_plan_weeks() {
        let weeks = vec![
            week("6 Oct", 0.0, 3.0),
            week("13 Oct", 5.0, 3.0),
            week("20 Oct", 3.0, 3.0),
        ];
        let svg = adherence_svg("w", &weeks, 80);
        let desc = check_svg(&svg, "w");
        assert!(desc.contains("6 Oct 0 of 3 (0%, below target)"), "{desc}");
        assert!(desc.contains("13 Oct 5 of 3 (167%)"), "{desc}");
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let bars: Vec<_> = doc
            .descendants()
            .filter(|n| {
                n.has_tag_name("rect")
                    && n.attribute("class")
                        .is_some_and(|c| c.contains("chart-bar"))
                    && n.parent().is_some_and(|p| {
                        p.has_tag_name("g") && p.attribute("class") == Some("chart-week")
                    })
            })
            .collect();
        // No bar for 0%; the over-plan bar is capped at the height of a 100% bar.
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0].attribute("height"), bars[1].attribute("height"));
        assert!(svg.contains("chart-over"));
        let t = texts(&svg);
        assert!(
            t.contains(&"5/3".to_string()) && t.contains(&"0/3".to_string()),
            "{t:?}"
        );
        let table = check_table(&adherence_table(&weeks, 80));
        assert!(table.contains("167%") && table.contains("0%"), "{table}");
    }

    #[test]
    fn weeks_without_a_plan_and_only_this_week() {
        let weeks = vec![
            week("6 Oct", 1.0, 0.0),
            WeekBar {
                label: "13 Oct".into(),
                logged: 2.0,
                planned: 3.0,
                in_progress: true,
            },
        ];
        let desc = check_svg(&adherence_svg("x", &weeks, 80), "x");
        assert!(
            desc.contains("Last week: 6 Oct 1 logged (none planned)"),
            "{desc}"
        );
        assert!(desc.contains("this week (13 Oct) 2 of 3 so far"), "{desc}");
        assert!(!desc.contains("complete weeks reached"), "{desc}");
        let only_now = &weeks[1..];
        let desc = check_svg(&adherence_svg("y", only_now, 80), "y");
        assert!(
            desc.ends_with("target is 80% of the plan. This week (13 Oct) 2 of 3 so far."),
            "{desc}"
        );
    }

    #[test]
    fn many_weeks_thin_the_labels_and_summarise() {
        let weeks: Vec<WeekBar> = (0..40)
            .map(|i| week(&format!("W{i:02}"), 2.0, 3.0))
            .collect();
        let svg = adherence_svg("many", &weeks, 80);
        let desc = check_svg(&svg, "many");
        assert!(desc.contains("40 weeks in all; the last 12: W28"), "{desc}");
        let t = texts(&svg);
        let week_labels = t.iter().filter(|x| x.starts_with('W')).count();
        assert!(week_labels < 40 && week_labels > 1, "{week_labels}");
        assert!(
            t.contains(&"W39".to_string()),
            "the latest week is labelled"
        );
    }

    #[test]
    fn labels_are_escaped() {
        let nasty = r#"<b>&"x'</b>"#;
        let weeks = vec![week(nasty, 1.0, 2.0)];
        let svg = adherence_svg(r#"a"b<c"#, &weeks, 80);
        assert!(!svg.contains("<b>"));
        let desc = check_svg(&svg, "abc");
        assert!(desc.contains(nasty), "{desc}");
        let table = check_table(&adherence_table(&weeks, 80));
        assert!(table.contains(nasty), "{table}");

        let series = vec![ScoreSeries {
            name: nasty.to_string(),
            points: vec![(nasty.to_string(), 3.0), ("<Later>".to_string(), 1.0)],
            min: 0.0,
            max: 10.0,
            lower_is_better: true,
        }];
        let svg = scores_svg("s", &series);
        assert!(!svg.contains("<b>") && !svg.contains("<Later>"));
        let desc = check_svg(&svg, "s");
        assert!(desc.contains(nasty) && desc.contains("<Later> 1"), "{desc}");
        let table = check_table(&scores_table(&series));
        assert!(
            table.contains(nasty) && table.contains("<Later>"),
            "{table}"
        );
    }

    #[test]
    fn numbers_read_plainly() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(2.5714), "2.6");
        assert_eq!(num(-0.04), "0");
        assert_eq!(points(1.0), "1 point");
        assert_eq!(points(0.96), "1 point");
        assert_eq!(points(2.0), "2 points");
    }

    #[test]
    fn prefixes_become_valid_ids() {
        assert_eq!(id_prefix("adh"), "adh");
        assert_eq!(id_prefix("9 <x>"), "chart-9x");
        assert_eq!(id_prefix(""), "chart-");
    }

    #[test]
    fn empty_data_gives_a_message() {
        let msg = r#"<p class="chart-empty">No sessions logged yet.</p>"#;
        assert_eq!(adherence_svg("a", &[], 80), msg);
        assert_eq!(pain_svg("p", &[]), msg);
        assert_eq!(
            scores_svg("s", &[]),
            r#"<p class="chart-empty">No scores recorded yet.</p>"#
        );
        let unscored = ScoreSeries {
            name: "Function".into(),
            points: vec![("Start".into(), f64::NAN)],
            min: 0.0,
            max: 24.0,
            lower_is_better: true,
        };
        assert!(
            scores_svg("s", std::slice::from_ref(&unscored)).contains("No scores recorded yet.")
        );
        assert_eq!(adherence_table(&[], 80), "");
        assert_eq!(pain_table(&[]), "");
        assert_eq!(scores_table(&[unscored]), "");
        assert_eq!(figure(msg, ""), msg);
    }

    #[test]
    fn pain_with_one_point() {
        let pts = [PainPoint {
            date: date(2025, 11, 3),
            before: Some(4),
            after: 3,
        }];
        let svg = pain_svg("pain", &pts);
        let desc = check_svg(&svg, "pain");
        assert_eq!(
            desc,
            "One session rated, on 3 Nov 2025, pain from 0 (none) to 10 (worst): 4 before exercise, 3 after."
        );
        assert!(!svg.contains("<polyline"), "no line through one point");
        assert_eq!(
            svg.matches("<circle").count(),
            2 + 2,
            "two dots and two legend dots"
        );
        assert!(texts(&svg).contains(&"3 Nov".to_string()));
        let table = check_table(&pain_table(&pts));
        assert!(table.contains("3 Nov 2025|4|3|1 lower"), "{table}");
    }

    #[test]
    fn pain_with_a_few_points_lists_them() {
        let pts = [
            PainPoint {
                date: date(2025, 11, 5),
                before: None,
                after: 2,
            },
            PainPoint {
                date: date(2025, 11, 3),
                before: Some(4),
                after: 6,
            },
            PainPoint {
                date: date(2025, 11, 10),
                before: Some(3),
                after: 1,
            },
        ];
        let svg = pain_svg("p2", &pts);
        let desc = check_svg(&svg, "p2");
        assert!(
            desc.starts_with("3 sessions rated from 3 Nov 2025 to 10 Nov 2025"),
            "{desc}"
        );
        assert!(
            desc.contains("3 Nov 4 before, 6 after; 5 Nov 2 after; 10 Nov 3 before, 1 after."),
            "{desc}"
        );
        assert!(
            desc.contains("first 6, latest 1, lowest 1, highest 6, average 3."),
            "{desc}"
        );
        assert!(
            desc.contains(
                "In the 2 sessions rated before and after, pain after was about the same as before."
            ),
            "{desc}"
        );
        let table = check_table(&pain_table(&pts));
        assert!(
            table.contains("3 Nov 2025|4|6|2 higher") && table.contains("Not rated"),
            "{table}"
        );
    }

    #[test]
    fn pain_with_150_points_thins_the_dates() {
        let start = date(2025, 10, 20);
        let pts: Vec<PainPoint> = (0..150)
            .map(|i| PainPoint {
                date: start.checked_add(((i * 2 / 3) as i64).days()).unwrap(),
                before: (i % 3 != 0).then_some((i % 11) as u8),
                after: (i % 7) as u8 + 20 * u8::from(i == 5), // one out of range: clamped
            })
            .collect();
        let svg = pain_svg("p150", &pts);
        let desc = check_svg(&svg, "p150");
        assert!(
            desc.starts_with("150 sessions rated from 20 Oct 2025 to 27 Jan 2026"),
            "{desc}"
        );
        assert!(desc.contains("highest 10"), "{desc}");
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let after = doc
            .descendants()
            .filter(|n| n.has_tag_name("circle") && n.attribute("class") == Some("chart-dot-after"))
            .count();
        assert_eq!(after, 150 + 1, "every point and the legend");
        // At most five date labels, with the years at the ends since they differ.
        let t = texts(&svg);
        let dates: Vec<&String> = t
            .iter()
            .filter(|x| {
                x.contains("Oct") || x.contains("Nov") || x.contains("Dec") || x.contains("Jan")
            })
            .collect();
        assert!((3..=5).contains(&dates.len()), "{dates:?}");
        assert_eq!(dates[0], "20 Oct 2025");
        assert_eq!(dates[dates.len() - 1], "27 Jan 2026");
        // Every dot lies within the plot, even the out-of-range one.
        for c in doc.descendants().filter(|n| n.has_tag_name("circle")) {
            let cy: f64 = c.attribute("cy").unwrap().parse().unwrap();
            let cx: f64 = c.attribute("cx").unwrap().parse().unwrap();
            assert!((0.0..=W).contains(&cx) && cy >= 0.0, "{cx} {cy}");
        }
        assert!(svg.len() < 40_000, "{} bytes", svg.len());
        let table = check_table(&pain_table(&pts));
        assert_eq!(
            table.matches("2025|").count() + table.matches("2026|").count(),
            150
        );
    }

    #[test]
    fn close_dates_do_not_overlap() {
        let pt = |d: Date| PainPoint {
            date: d,
            before: None,
            after: 2,
        };
        let pts = [
            pt(date(2025, 11, 3)),
            pt(date(2025, 11, 4)),
            pt(date(2025, 11, 30)),
        ];
        let svg = pain_svg("close", &pts);
        check_svg(&svg, "close");
        let t = texts(&svg);
        let dates: Vec<&String> = t.iter().filter(|x| x.contains("Nov")).collect();
        assert_eq!(dates, ["3 Nov", "30 Nov"]);
    }

    fn rmdq() -> ScoreSeries {
        ScoreSeries {
            name: "Function (RMDQ, 0–24, lower is better)".into(),
            points: vec![
                ("Start".into(), 14.0),
                ("Discharge".into(), 6.0),
                ("6 months".into(), 5.0),
            ],
            min: 0.0,
            max: 24.0,
            lower_is_better: true,
        }
    }

    #[test]
    fn scores_state_direction_and_numbers() {
        let series = vec![
            rmdq(),
            ScoreSeries {
                name: "Confidence (PSEQ, 0–60, higher is better)".into(),
                points: vec![("Start".into(), 30.0), ("Discharge".into(), 29.0)],
                min: 0.0,
                max: 60.0,
                lower_is_better: false,
            },
            ScoreSeries {
                name: "Pain (NRS)".into(),
                points: vec![("Start".into(), 6.0)],
                min: 0.0,
                max: 10.0,
                lower_is_better: true,
            },
            ScoreSeries {
                name: "Fear (TSK-11)".into(),
                points: vec![],
                min: 11.0,
                max: 44.0,
                lower_is_better: true,
            },
        ];
        let svg = scores_svg("sc", &series);
        let desc = check_svg(&svg, "sc");
        assert!(desc.contains("Function (RMDQ, 0–24, lower is better): Start 14, Discharge 6, 6 months 5 (scale 0 to 24, lower is better); 9 points better than at Start."), "{desc}");
        assert!(desc.contains("Start 30, Discharge 29 (scale 0 to 60, higher is better); 1 point worse than at Start."), "{desc}");
        assert!(
            desc.contains("Pain (NRS): Start 6 (scale 0 to 10, lower is better)."),
            "{desc}"
        );
        assert!(desc.contains("Fear (TSK-11): not recorded yet"), "{desc}");
        let t = texts(&svg);
        for x in [
            "Lower is better · 9 points better than at Start",
            "Higher is better · 1 point worse than at Start",
            "14",
            "6 months",
            "Not recorded yet",
            "24",
            "0",
        ] {
            assert!(t.iter().any(|y| y == x), "{x} in {t:?}");
        }
        assert_eq!(svg.matches("<g class=\"chart-panel\">").count(), 4);
        let table = check_table(&scores_table(&series));
        assert!(
            table
                .contains("Function (RMDQ, 0–24, lower is better)|14|6|5|0 to 24; lower is better"),
            "{table}"
        );
        assert!(
            table.contains("Fear (TSK-11)|Not recorded|Not recorded|Not recorded|11 to 44"),
            "{table}"
        );
    }

    #[test]
    fn scores_out_of_range_are_drawn_inside_but_stated() {
        let mut s = rmdq();
        s.points.push(("12 months".into(), 30.0));
        let svg = scores_svg("o", &[s]);
        let desc = check_svg(&svg, "o");
        assert!(desc.contains("12 months 30"), "{desc}");
        let doc = roxmltree::Document::parse(&svg).unwrap();
        for c in doc.descendants().filter(|n| n.has_tag_name("circle")) {
            let cy: f64 = c.attribute("cy").unwrap().parse().unwrap();
            assert!(cy >= 46.0 - 0.01, "{cy}");
        }
    }

    #[test]
    fn figure_wraps_chart_and_table() {
        let weeks = eight_weeks();
        let html = figure(
            &adherence_svg("f", &weeks, 80),
            &adherence_table(&weeks, 80),
        );
        let doc = roxmltree::Document::parse(&html).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "figure");
        assert!(doc.descendants().any(|n| n.has_tag_name("summary")));
        assert!(doc.descendants().any(|n| n.has_tag_name("table")));
    }
}
