//! How the command line prints records: JSON for other tools, a table or a
//! sentence for people.

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use rapport_store::{AuditEntry, StoreError};
use serde::Serialize;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Json,
    Table,
    Text,
}

/// Standard output was closed by its reader (`rapport audit | head`): not an
/// error to report, and never a panic.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

pub fn stdout_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow::Error::new(e).context("cannot write to standard output")
    }
}

/// One new record: as JSON (with its `id`), or as a sentence.
pub fn record<T: Serialize>(format: Format, value: &T, sentence: &str) -> Result<()> {
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(value)?)?,
        Format::Table | Format::Text => outln!("{sentence}")?,
    }
    Ok(())
}

pub fn audit(format: Format, entries: &[AuditEntry]) -> Result<()> {
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(entries)?)?;
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "id", "at (UTC)", "user", "role", "clinic", "action", "patient", "outcome", "address",
    ]);
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    for e in entries {
        table.add_row([
            e.id.to_string(),
            e.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            opt(e.user_id.map(|u| u.to_string())),
            opt(e.role.map(|r| r.to_string())),
            opt(e.clinic_id.map(|c| c.to_string())),
            e.action.clone(),
            opt(e.patient_id.map(|p| p.to_string())),
            e.outcome.clone(),
            opt(e.address.clone()),
        ]);
    }
    outln!("{table}")?;
    Ok(())
}

/// Store errors as a person reads them at the command line.
pub fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(f) => anyhow::anyhow!("{}: {}", f.field, f.message),
        other => anyhow::anyhow!("{other}"),
    }
}

pub fn instruments(format: Format) -> Result<()> {
    let list = rapport_domain::instruments::summaries();
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "code",
        "name",
        "version",
        "answers",
        "total",
        "missing answers",
    ]);
    for s in &list {
        table.add_row([
            s.code.to_string(),
            s.name.to_string(),
            s.version.to_string(),
            match s.answers {
                rapport_domain::instruments::AnswerCount::Fixed { count } => count.to_string(),
                rapport_domain::instruments::AnswerCount::Variable { min, max } => {
                    format!("{min}-{max}")
                }
            },
            format!("{}-{}", s.total_min, s.total_max),
            s.missing_rule.clone(),
        ]);
    }
    outln!("{table}")?;
    Ok(())
}

pub fn exercises(format: Format, list: &[rapport_domain::exercise::Exercise]) -> Result<()> {
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(list)?)?;
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "id",
        "name",
        "kind",
        "level",
        "equipment",
        "easier",
        "harder",
    ]);
    for e in list {
        table.add_row([
            e.id.clone(),
            e.name.clone(),
            e.category.label().to_string(),
            e.level.to_string(),
            if e.equipment.is_empty() {
                "none".into()
            } else {
                e.equipment
                    .iter()
                    .map(|q| q.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            },
            e.easier.clone().unwrap_or_default(),
            e.harder.clone().unwrap_or_default(),
        ]);
    }
    outln!("{table}")?;
    Ok(())
}

pub fn exercise(
    format: Format,
    e: &rapport_domain::exercise::Exercise,
    lib: &rapport_domain::exercise::Library,
) -> Result<()> {
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(e)?)?;
        return Ok(());
    }
    outln!("{} ({})", e.name, e.id)?;
    outln!("  kind       {}, level {}", e.category.label(), e.level)?;
    outln!("  position   {}", e.position.label())?;
    outln!(
        "  equipment  {}",
        if e.equipment.is_empty() {
            "none".into()
        } else {
            e.equipment
                .iter()
                .map(|q| q.label())
                .collect::<Vec<_>>()
                .join(", ")
        }
    )?;
    outln!(
        "  dose       {}",
        rapport_domain::prescription::plan::describe_dose(&e.dose)
    )?;
    for (i, s) in e.instructions.iter().enumerate() {
        outln!("  {}. {s}", i + 1)?;
    }
    for c in &e.cautions {
        outln!("  caution: {c}")?;
    }
    let chain: Vec<String> = lib
        .chain(&e.id)
        .iter()
        .map(|x| {
            if x.id == e.id {
                format!("[{}]", x.id)
            } else {
                x.id.clone()
            }
        })
        .collect();
    if chain.len() > 1 {
        outln!("  chain      {}", chain.join(" → "))?;
    }
    Ok(())
}
