//! The patient's progress charts, from the monitoring data: weekly
//! adherence, pain after exercise, and function and self-efficacy scores.

use jiff::civil::Date;
use rapport_domain::monitoring::{AdherenceReport, SessionLog};
use rapport_domain::theory::episode::InstrumentScore;

use super::monitor::Charts;
use crate::charts::{self, PainPoint, ScoreSeries, WeekBar};

/// Weeks of adherence drawn; the table under the chart has them all too.
const WEEKS_SHOWN: usize = 8;

/// Instruments drawn over time: (code, name with range and direction, min, max, lower is better).
const SCORED: [(&str, &str, f64, f64, bool); 4] = [
    (
        "rmdq",
        "Function (RMDQ, 0–24, lower is better)",
        0.0,
        24.0,
        true,
    ),
    (
        "odi",
        "Disability (ODI, 0–100, lower is better)",
        0.0,
        100.0,
        true,
    ),
    (
        "nprs",
        "Pain (NPRS, 0–10, lower is better)",
        0.0,
        10.0,
        true,
    ),
    (
        "pseq",
        "Confidence (PSEQ, 0–60, higher is better)",
        0.0,
        60.0,
        false,
    ),
];

pub fn draw(
    adherence: &AdherenceReport,
    logs: &[SessionLog],
    scores: &[InstrumentScore],
    target_percent: f64,
    _today: Date,
) -> Charts {
    let skip = adherence.weeks.len().saturating_sub(WEEKS_SHOWN);
    let weeks: Vec<WeekBar> = adherence.weeks[skip..]
        .iter()
        .map(|w| WeekBar {
            label: w.starts_on.strftime("%-d %b").to_string(),
            logged: w.logged,
            planned: w.prescribed,
            in_progress: !w.complete,
        })
        .collect();
    let target = target_percent.round().clamp(0.0, 100.0) as u8;
    let mut sessions: Vec<&SessionLog> = logs.iter().filter(|l| l.pain_after.is_some()).collect();
    sessions.sort_by(|a, b| a.chronological(b));
    let pain: Vec<PainPoint> = sessions
        .iter()
        .filter_map(|l| {
            Some(PainPoint {
                date: l.date,
                before: l.pain_before,
                after: l.pain_after?,
            })
        })
        .collect();
    let series: Vec<ScoreSeries> = SCORED
        .iter()
        .filter_map(|(code, name, min, max, lower)| {
            let mut points: Vec<&InstrumentScore> = scores
                .iter()
                .filter(|s| s.instrument.eq_ignore_ascii_case(code) && s.total.is_finite())
                .collect();
            if points.is_empty() {
                return None;
            }
            points.sort_by_key(|s| s.date);
            Some(ScoreSeries {
                name: (*name).to_string(),
                points: points
                    .iter()
                    .map(|s| (s.date.strftime("%-d %b %Y").to_string(), s.total))
                    .collect(),
                min: *min,
                max: *max,
                lower_is_better: *lower,
            })
        })
        .collect();
    Charts {
        adherence: charts::figure(
            &charts::adherence_svg("adherence", &weeks, target),
            &charts::adherence_table(&weeks, target),
        ),
        pain: charts::figure(&charts::pain_svg("pain", &pain), &charts::pain_table(&pain)),
        scores: charts::figure(
            &charts::scores_svg("scores", &series),
            &charts::scores_table(&series),
        ),
    }
}
