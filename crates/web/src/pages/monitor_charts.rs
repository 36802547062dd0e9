//! The patient's progress charts, from the monitoring data.

use jiff::civil::Date;
use rapport_domain::monitoring::{AdherenceReport, SessionLog};
use rapport_domain::theory::episode::InstrumentScore;

use super::monitor::Charts;

pub fn draw(
    _adherence: &AdherenceReport,
    _logs: &[SessionLog],
    _scores: &[InstrumentScore],
    _today: Date,
) -> Charts {
    Charts::default()
}
