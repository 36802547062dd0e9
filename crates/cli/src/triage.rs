//! `rapport triage`: the caseload triage over every active episode (e.g.
//! nightly), printed ranked by need, with a one-line summary on stderr.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use jiff::civil::Date;
use rapport_care::Care;
use rapport_care::caseload::CaseloadRow;
use rapport_domain::identity::ClinicId;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TriageFormat {
    Json,
    Table,
}

/// `--today`: a calendar date, named in the error when it is not one.
pub fn parse_today(raw: &str) -> Result<Date> {
    raw.trim()
        .parse::<Date>()
        .map_err(|_| anyhow::anyhow!("today: `{raw}` is not a date (YYYY-MM-DD)"))
}

pub async fn run(
    care: &Care,
    clinic: Option<i64>,
    today: Option<Date>,
    format: TriageFormat,
) -> Result<()> {
    let started = Instant::now();
    let clinic = match clinic {
        Some(id) => Some(
            care.store
                .clinic_get(ClinicId(id))
                .await
                .map_err(|_| anyhow::anyhow!("clinic: no clinic has id {id}"))?
                .id,
        ),
        None => None,
    };
    let (rows, run) = care.triage(clinic, today, 0).await?;
    let triaged = started.elapsed();

    match format {
        TriageFormat::Json => json(&rows)?,
        TriageFormat::Table => table(&rows)?,
    }

    let (mut urgent, mut attention, mut info) = (0usize, 0usize, 0usize);
    for f in rows.iter().flat_map(|r| &r.flags) {
        match f.severity {
            "urgent" => urgent += 1,
            "attention" => attention += 1,
            _ => info += 1,
        }
    }
    let flagged = rows.iter().filter(|r| !r.flags.is_empty()).count();
    let overdue = rows
        .iter()
        .filter(|r| r.next_contact.overdue_days > 0)
        .count();
    eprintln!(
        "triage: {} active episodes in {} clinics ({} session logs); {flagged} patients flagged \
         ({urgent} urgent, {attention} attention, {info} info flags); {overdue} follow-ups overdue; \
         triaged in {:.3} s, {:.3} s with output",
        run.loaded.episodes,
        run.loaded.clinics,
        run.loaded.logs,
        triaged.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A JSON array, one row per line, written in a few large writes.
fn json(rows: &[CaseloadRow]) -> Result<()> {
    if rows.is_empty() {
        outln!("[]")?;
        return Ok(());
    }
    let mut buf = String::with_capacity(1 << 20);
    buf.push('[');
    for (i, r) in rows.iter().enumerate() {
        buf.push_str(if i == 0 { "\n" } else { ",\n" });
        buf.push_str(&serde_json::to_string(r)?);
        if buf.len() > (1 << 20) {
            outln!("{}", buf.trim_end_matches('\n'))?;
            buf.clear();
        }
    }
    buf.push_str("\n]");
    outln!("{}", buf.trim_start_matches('\n'))?;
    Ok(())
}

fn table(rows: &[CaseloadRow]) -> Result<()> {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "rank",
        "patient",
        "clinic",
        "episode",
        "need",
        "flags",
        "next contact",
    ]);
    for (i, r) in rows.iter().enumerate() {
        let mut flags = String::new();
        for f in &r.flags {
            let cmoc: Vec<&str> = f.cmoc.iter().map(|c| c.id).collect();
            let _ = writeln!(
                flags,
                "{} ({}) [{}]: {}",
                f.kind,
                f.severity,
                cmoc.join(", "),
                f.reason
            );
        }
        let next = if r.next_contact.overdue_days > 0 {
            format!(
                "{} (overdue {} d)",
                r.next_contact.date, r.next_contact.overdue_days
            )
        } else {
            r.next_contact.date.to_string()
        };
        table.add_row([
            (i + 1).to_string(),
            format!("{} ({})", r.patient.name, r.patient.id),
            r.clinic.to_string(),
            r.episode.to_string(),
            r.need.to_string(),
            flags.trim_end().to_string(),
            next,
        ]);
    }
    outln!("{table}")?;
    Ok(())
}
