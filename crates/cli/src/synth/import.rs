//! Running an import: generation in parallel on one thread of chunks, writing
//! on the async side, a progress bar, the audit row and the summary.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use rapport_domain::identity::ClinicId;
use rapport_store::{Store, SyntheticBatch};
use rayon::prelude::*;

use super::{CHUNK, Counters, Options, PASSWORD, PatientStats, Shared, assemble, model};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Json,
    Table,
}

#[derive(Default)]
struct Totals {
    clinics: u64,
    users: u64,
    patients: u64,
    episodes: u64,
    form_responses: u64,
    goals: u64,
    prescriptions: u64,
    prescription_versions: u64,
    session_logs: u64,
    follow_ups: u64,
    belief_reviews: u64,
    education_assignments: u64,
    log_comments: u64,
    self_management_plans: u64,
}

impl Totals {
    fn add(&mut self, b: &SyntheticBatch) {
        self.clinics += b.clinics.len() as u64;
        self.users += b.users.len() as u64;
        self.patients += b.patients.len() as u64;
        self.episodes += b.episodes.len() as u64;
        self.form_responses += b.forms.len() as u64;
        self.goals += b.goals.len() as u64;
        self.prescriptions += b.prescriptions.len() as u64;
        self.prescription_versions += b.versions.len() as u64;
        self.session_logs += b.logs.len() as u64;
        self.follow_ups += b.follow_ups.len() as u64;
        self.belief_reviews += b.belief_reviews.len() as u64;
        self.education_assignments += b.education.len() as u64;
        self.log_comments += b.log_comments.len() as u64;
        self.self_management_plans += b.self_management.len() as u64;
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "clinics": self.clinics,
            "users": self.users,
            "patients": self.patients,
            "episodes": self.episodes,
            "form_responses": self.form_responses,
            "goals": self.goals,
            "prescriptions": self.prescriptions,
            "prescription_versions": self.prescription_versions,
            "session_logs": self.session_logs,
            "follow_ups": self.follow_ups,
            "belief_reviews": self.belief_reviews,
            "education_assignments": self.education_assignments,
            "log_comments": self.log_comments,
            "self_management_plans": self.self_management_plans,
        })
    }
}

/// Generates and writes the synthetic clinic, then prints the summary.
pub async fn run(
    store: &Store,
    opts: Options,
    allow_existing: bool,
    format: Format,
    truth: Option<PathBuf>,
) -> Result<()> {
    let existing = store.patient_count_all().await?;
    if existing > 0 && !allow_existing {
        bail!(
            "the database already holds {existing} patients; `rapport demo` loads a synthetic clinic \
             into an empty database only (pass --allow-existing to add one beside them)"
        );
    }
    let started = Instant::now();
    let bases = store.bulk_id_bases().await?;
    let shared = Arc::new(Shared::new(opts.clone(), bases)?);
    let first = shared.clinic_batch()?;

    let bar = indicatif::ProgressBar::with_draw_target(
        Some(opts.patients),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} patients, {per_sec}, ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<(SyntheticBatch, Vec<PatientStats>)>>(2);
    let producer = {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let mut counters = Counters::after(&shared.bases);
            let mut start = 0u64;
            let mut first = Some(first);
            while start < shared.opts.patients {
                let end = (start + CHUNK).min(shared.opts.patients);
                let rows = (start..end)
                    .into_par_iter()
                    .map(|i| shared.patient(i))
                    .collect::<Result<Vec<_>>>();
                let msg = rows.map(|rows| {
                    let mut batch = first.take().unwrap_or_default();
                    let mut stats = Vec::with_capacity(rows.len());
                    assemble(rows, &mut counters, &mut batch, &mut stats);
                    (batch, stats)
                });
                let failed = msg.is_err();
                if tx.blocking_send(msg).is_err() || failed {
                    return;
                }
                start = end;
            }
        })
    };

    let mut totals = Totals::default();
    let mut stats: Vec<PatientStats> = Vec::with_capacity(opts.patients as usize);
    let mut rows = 0u64;
    while let Some(msg) = rx.recv().await {
        let (batch, s) = msg?;
        rows += store
            .bulk_import(&batch)
            .await
            .context("writing the synthetic clinic")?;
        totals.add(&batch);
        bar.inc(s.len() as u64);
        stats.extend(s);
    }
    drop(rx);
    let _ = producer.join();
    bar.finish_and_clear();
    if totals.patients != opts.patients {
        bail!(
            "generation stopped after {} of {} patients",
            totals.patients,
            opts.patients
        );
    }
    store.bulk_finish().await?;
    let clinic = ClinicId(shared.clinic_id);
    let detail = format!(
        "synthetic clinic: patients={} clinicians={} seed={} today={} rows={rows}",
        opts.patients, opts.clinicians, opts.seed, opts.today
    );
    store.bulk_record_import(clinic, &detail).await?;
    let seconds = started.elapsed().as_secs_f64();

    let sample = super::sample_summary(&stats);
    let run = serde_json::json!({
        "clinic_id": shared.clinic_id,
        "seed": opts.seed,
        "today": opts.today.to_string(),
        "patients": opts.patients,
        "clinicians": opts.clinicians,
        "time_zone": super::TIME_ZONE,
    });
    if let Some(path) = &truth {
        let mut doc = model::truth_json();
        doc["run"] = run.clone();
        doc["sample"] = sample.clone();
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let first_login = shared
        .clinician_ids
        .first()
        .map(|_| {
            if shared.bases.clinics == 0 {
                "clinician1@synthetic.example".to_string()
            } else {
                format!("clinician1.clinic{}@synthetic.example", shared.clinic_id)
            }
        })
        .unwrap_or_default();
    let summary = serde_json::json!({
        "run": run,
        "rows": totals.json(),
        "rows_total": rows,
        "seconds": (seconds * 100.0).round() / 100.0,
        "rows_per_second": (rows as f64 / seconds.max(1e-9)).round(),
        "login": { "email": first_login, "password": PASSWORD },
        "sample": sample,
        "truth_file": truth.as_ref().map(|p| p.display().to_string()),
    });
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&summary)?)?,
        Format::Table => {
            outln!(
                "Synthetic clinic {} (seed {}, today {}): {} patients, {} clinicians",
                shared.clinic_id,
                opts.seed,
                opts.today,
                opts.patients,
                opts.clinicians
            )?;
            outln!(
                "  active episodes {}, discharged {}",
                sample["active_episodes"],
                sample["discharged"]
            )?;
            if let Some(map) = summary["rows"].as_object() {
                for (table, n) in map {
                    outln!("  {table:<22} {n:>10}")?;
                }
            }
            outln!(
                "  {rows} rows in {seconds:.1} s ({:.0} rows/s)",
                rows as f64 / seconds.max(1e-9)
            )?;
            outln!("  log in as {first_login} / {PASSWORD} (every clinician shares it)")?;
            if let Some(p) = &truth {
                outln!("  planted truth written to {}", p.display())?;
            }
        }
    }
    Ok(())
}
