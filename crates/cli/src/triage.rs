//! `rapport triage`: the caseload triage over every active episode (e.g.
//! nightly), printed ranked by need, with a one-line summary on stderr.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::ValueEnum;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use jiff::civil::Date;
use rapport_domain::exercise::Library;
use rapport_domain::identity::ClinicId;
use rapport_domain::theory::KnowledgeBase;
use rapport_store::Store;
use rapport_web::caseload::{CaseloadRow, local_date, rank};

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
    store: &Store,
    kb: &KnowledgeBase,
    clinic: Option<i64>,
    today: Option<Date>,
    format: TriageFormat,
) -> Result<()> {
    let started = Instant::now();
    let builtin = Library::builtin()?;
    let clinics = match clinic {
        Some(id) => vec![
            store
                .clinic_get(ClinicId(id))
                .await
                .map_err(|_| anyhow::anyhow!("clinic: no clinic has id {id}"))?
                .id,
        ],
        None => store
            .clinics_list()
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect(),
    };
    // Each clinic's library: the built-in exercises and its own.
    let mut libraries: HashMap<i64, Library> = HashMap::new();
    for c in clinics {
        let own = store.clinic_exercises(c).await?;
        if !own.is_empty() {
            let lib = builtin
                .with(own)
                .with_context(|| format!("the exercise library of clinic {c}"))?;
            libraries.insert(c.0, lib);
        }
    }
    let now = jiff::Timestamp::now();
    let mut rows: Vec<CaseloadRow> = Vec::new();
    let loaded = store
        .triage_load_all(clinic.map(ClinicId), 0, |thresholds, chunk| {
            // Ranked on every core while the store decodes the next chunks.
            rows.extend(rank(
                &chunk,
                &|e| today.unwrap_or_else(|| local_date(e, now)),
                &|e| thresholds.get(e.clinic_id),
                &|e| libraries.get(&e.clinic_id.0).unwrap_or(&builtin),
                kb,
            ));
            Ok(())
        })
        .await?;
    // Chunks are ranked each; rank the whole: need, then episode.
    rows.sort_by(|a, b| b.need.cmp(&a.need).then(a.episode.cmp(&b.episode)));
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
        loaded.episodes,
        loaded.clinics,
        loaded.logs,
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
