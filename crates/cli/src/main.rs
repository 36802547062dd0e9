//! `rapport`: the one binary. Serves the web application and does set-up,
//! audit and backup from the command line.

/// `println!` that answers the write error instead of panicking, so that a
/// reader who stops early (`rapport audit | head`) ends the command quietly.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::output::stdout_error)
    }};
}

mod demo;
mod output;
mod synth;
mod triage;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rapport_domain::identity::{ClinicId, Email, PatientId, Role, check_password};
use rapport_domain::theory::KnowledgeBase;
use rapport_store::{AuditQuery, DEFAULT_DB_URL, Durability, NewUser, Store, redact_url};
use rapport_web::{AppState, Config};

use output::Format;

/// The server and the bulk commands allocate many small values (session
/// logs, rows, strings) across threads, where mimalloc is much faster than
/// the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rapport",
    version,
    about = "Rapport: exercise therapy for persistent low back pain, built on trust, motivation and confidence."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArg {
    /// Database: `sqlite://PATH` (default, a file under ./rapport-data/) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "RAPPORT_DB", default_value = DEFAULT_DB_URL)]
    db: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum DurabilityArg {
    /// Sync every commit to disk (survives power loss).
    Full,
    /// Faster; a power cut may lose the last commits (a crash of Rapport never does).
    Normal,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application.
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on.
        #[arg(long, env = "RAPPORT_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// On first start, load a demo clinic and print its logins.
        #[arg(long)]
        demo: bool,
        /// The address users reach Rapport at, e.g. https://rapport.example.org (https marks cookies Secure).
        #[arg(long, env = "RAPPORT_PUBLIC_URL")]
        public_url: Option<String>,
        /// Take client addresses from X-Forwarded-For; only behind your own reverse proxy.
        #[arg(long, env = "RAPPORT_TRUST_PROXY")]
        trust_proxy: bool,
        /// How SQLite syncs commits to disk.
        #[arg(long, env = "RAPPORT_SQLITE_SYNC", value_enum, default_value = "full")]
        sqlite_sync: DurabilityArg,
        /// A knowledge base file to use instead of the built-in one (a clinic's extension).
        #[arg(long, env = "RAPPORT_THEORY")]
        theory: Option<PathBuf>,
        /// Mail server for reminders and follow-up notices: smtp://HOST:PORT (plain), smtp://HOST?tls=required
        /// (STARTTLS) or smtps://HOST (TLS); smtp[s]://USER@HOST for a log-in, with the password in
        /// RAPPORT_SMTP_PASSWORD. Without it, no mail is queued or sent.
        #[arg(long, env = "RAPPORT_SMTP_URL", requires = "mail_from")]
        smtp_url: Option<String>,
        /// The sender of Rapport's mail, e.g. "Rapport <rapport@clinic.example>".
        #[arg(long, env = "RAPPORT_MAIL_FROM")]
        mail_from: Option<String>,
        /// Seconds between rounds of the mail scheduler (queue what is due, then send).
        #[arg(long, env = "RAPPORT_SCHEDULER_INTERVAL", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        scheduler_interval: u64,
        /// Run the clinic as if today were this date (YYYY-MM-DD), for demonstrations and tests: schedules,
        /// flags, logs and reminders follow it; log-in sessions keep the real clock.
        #[arg(long, env = "RAPPORT_TODAY")]
        today: Option<jiff::civil::Date>,
    },
    /// Apply database migrations and print the level reached.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Set up clinics and accounts without the web.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Read the audit log.
    Audit {
        #[command(flatten)]
        db: DbArg,
        /// Only entries about this patient.
        #[arg(long)]
        patient: Option<i64>,
        /// Only entries of this clinic.
        #[arg(long)]
        clinic: Option<i64>,
        /// At most this many entries, newest first.
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Score a questionnaire from the patient's raw answers, or list the instruments.
    Score {
        /// Instrument code, e.g. startback, odi, pseq (see --list).
        #[arg(required_unless_present = "list")]
        instrument: Option<String>,
        /// Each item's answer as the patient gave it, in item order; `-` or empty for unanswered.
        #[arg(long, allow_hyphen_values = true, required_unless_present = "list")]
        answers: Option<String>,
        /// List the instruments instead.
        #[arg(long, conflicts_with_all = ["instrument", "answers"])]
        list: bool,
        /// Output format (a score is always JSON; the list defaults to a table).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// The programme theory: the review's context-mechanism-outcome configurations.
    Theory {
        #[command(subcommand)]
        command: TheoryCommand,
        /// A knowledge base file to use instead of the built-in one (e.g. a clinic's extension).
        #[arg(long, env = "RAPPORT_THEORY", global = true)]
        theory: Option<PathBuf>,
    },
    /// The exercise library.
    Exercises {
        #[command(subcommand)]
        command: ExercisesCommand,
    },
    /// Triage every active episode (e.g. nightly): flags per patient, ranked by need.
    Triage {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, value_enum, default_value = "table")]
        format: triage::TriageFormat,
        /// Judge every episode on this date (YYYY-MM-DD) instead of each patient's own today.
        #[arg(long)]
        today: Option<String>,
        /// Only this clinic's episodes.
        #[arg(long)]
        clinic: Option<i64>,
        /// A knowledge base file to use instead of the built-in one (for CMOC grades).
        #[arg(long, env = "RAPPORT_THEORY")]
        theory: Option<PathBuf>,
    },
    /// Load a reproducible synthetic clinic for research (see docs/synthetic-clinic.md).
    Demo {
        #[command(flatten)]
        db: DbArg,
        /// How many patients to generate.
        #[arg(long)]
        patients: u64,
        /// Seed of the generator: the same seed and --today give the same database.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Clinician accounts; default max(2, patients / 250).
        #[arg(long)]
        clinicians: Option<u64>,
        /// The day the clinic is seen from (YYYY-MM-DD); default today in Europe/Oslo.
        #[arg(long)]
        today: Option<jiff::civil::Date>,
        /// Summary format.
        #[arg(long, value_enum, default_value = "table")]
        format: synth::Format,
        /// Write the planted truth (the model's constants and sample figures) as JSON to this file.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Load even though the database already has patients (adds a new clinic beside them).
        #[arg(long)]
        allow_existing: bool,
    },
    /// Write a consistent copy of an SQLite database while it is in use.
    Backup {
        #[command(flatten)]
        db: DbArg,
        /// The file to write; must not exist.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExercisesCommand {
    /// Every exercise (with `--clinic`, the clinic's own too).
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Include this clinic's own exercises (needs the database).
        #[arg(long)]
        clinic: Option<i64>,
        #[command(flatten)]
        db: DbArg,
    },
    /// One exercise, e.g. mc-abdominal-brace.
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[arg(long)]
        clinic: Option<i64>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Import exercises exported from wger (its /api/v2/exerciseinfo/ JSON) into a clinic's library.
    ImportWger {
        #[arg(long)]
        clinic: i64,
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum TheoryCommand {
    /// Every CMOC.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: TheoryFormat,
    },
    /// One CMOC, e.g. T1.4.
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: TheoryFormat,
    },
    /// The context → mechanism → outcome graph.
    Graph {
        #[arg(long, value_enum, default_value = "dot")]
        format: TheoryFormat,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TheoryFormat {
    Json,
    Table,
    Dot,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Load a questionnaire's licensed item wording for a clinic (TOML or JSON; see README).
    LoadWording {
        #[arg(long)]
        clinic: i64,
        /// The wording document.
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Create a clinic.
    CreateClinic {
        name: String,
        /// The clinic's IANA time zone (e.g. Europe/Oslo): its patients' calendar and reminder clock.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Create an account; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        clinic: i64,
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        /// Read the password from standard input (first line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Name shown in the application; defaults to the e-mail address.
        #[arg(long)]
        name: Option<String>,
        /// For a patient account: the patient record it belongs to.
        #[arg(long)]
        patient: Option<i64>,
        #[command(flatten)]
        db: DbArg,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The nightly triage reads large sets on purpose: sqlx's slow-statement
    // warnings would only be noise in its output.
    let default_filter = match cli.command {
        Command::Triage { .. } => "info,sqlx=error",
        _ => "info,sqlx=warn,tower_http=warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAPPORT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.is::<output::StdoutClosed>() => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(db: &DbArg, durability: Durability) -> Result<Store> {
    Store::open_with(&db.db, durability)
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&db.db)))
}

/// Opens a database that must exist already: for every command but `serve`,
/// `migrate` and the set-up commands, which may create one.
async fn open_existing(db: &DbArg) -> Result<Store> {
    Store::open_existing(&db.db, Durability::default())
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&db.db)))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            db,
            addr,
            demo,
            public_url,
            trust_proxy,
            sqlite_sync,
            theory,
            smtp_url,
            mail_from,
            scheduler_interval,
            today,
        } => {
            if let Some(day) = today {
                if day.year() < 1950 || day.year() > 2200 {
                    bail!("--today: must be a date between 1950 and 2200");
                }
                rapport_care::clock::set_today(day);
            }
            let durability = match sqlite_sync {
                DurabilityArg::Full => Durability::Full,
                DurabilityArg::Normal => Durability::Normal,
            };
            let theory = load_theory(theory.as_deref())?;
            let store = open(&db, durability).await?;
            if demo {
                demo::ensure(&store).await?.print()?;
            }
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr()?;
            let level = store.migration_level().await?;
            outln!(
                "Rapport {} listening on http://{local} (database: {} {}, migration {level})",
                env!("CARGO_PKG_VERSION"),
                store.kind().as_str(),
                redact_url(&db.db)
            )?;
            let link_base = public_url
                .clone()
                .unwrap_or_else(|| format!("http://{local}"));
            let config = Config {
                public_url,
                trust_proxy,
                ..Config::default()
            };
            let mut state = AppState::new(store.clone(), config, theory)?;
            if let Some(smtp_url) = smtp_url {
                let settings = rapport_web::mail::MailSettings {
                    smtp_url,
                    password: std::env::var("RAPPORT_SMTP_PASSWORD")
                        .ok()
                        .filter(|p| !p.is_empty()),
                    from: mail_from.unwrap_or_default(),
                    link_base,
                };
                state = state.with_mail(rapport_web::mail::Mailer::new(&settings)?);
            }
            rapport_web::spawn_housekeeping(&state);
            rapport_web::mail::spawn_scheduler(
                &state,
                std::time::Duration::from_secs(scheduler_interval),
            );
            rapport_web::serve(listener, state, shutdown_signal()).await?;
            store.close().await;
            Ok(())
        }
        Command::Migrate { db } => {
            let store = open(&db, Durability::default()).await?;
            outln!("migrated to level {}", store.migration_level().await?)?;
            Ok(())
        }
        Command::Admin(AdminCommand::LoadWording { clinic, file, db }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let source = file.display().to_string();
            let set = if file.extension().is_some_and(|e| e == "json") {
                rapport_domain::instruments::WordingSet::from_json(&source, &text)?
            } else {
                rapport_domain::instruments::WordingSet::from_toml(&source, &text)?
            };
            let store = open_existing(&db).await?;
            let clinic_id = ClinicId(clinic);
            store
                .clinic_get(clinic_id)
                .await
                .map_err(|_| anyhow::anyhow!("clinic: no clinic has id {clinic}"))?;
            // Stored as TOML, the form the web pages read back.
            let canonical = toml::to_string(&set)?;
            store
                .wording_put(
                    clinic_id,
                    &set.instrument.to_ascii_lowercase(),
                    &set.version,
                    &set.language,
                    &set.licence,
                    &canonical,
                )
                .await?;
            outln!(
                "loaded {} items of {} {} ({}) for clinic {clinic}",
                set.items.len(),
                set.instrument,
                set.version,
                set.language
            )?;
            Ok(())
        }
        Command::Admin(AdminCommand::CreateClinic {
            name,
            time_zone,
            db,
            format,
        }) => {
            let store = open(&db, Durability::default()).await?;
            let clinic = store
                .clinic_create_in(&name, &time_zone)
                .await
                .map_err(output::store_error)?;
            output::record(
                format,
                &clinic,
                &format!("created clinic {} \"{}\"", clinic.id, clinic.name),
            )
        }
        Command::Admin(AdminCommand::CreateUser {
            clinic,
            role,
            email,
            password_stdin: _,
            name,
            patient,
            db,
            format,
        }) => {
            let role: Role = role.parse()?;
            let email = Email::parse(&email)?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.lines().next().unwrap_or("").to_string();
            check_password("password", &password)?;
            let store = open(&db, Durability::default()).await?;
            let hash = rapport_care::accounts::hash_password(password).await?;
            let new = NewUser {
                clinic_id: ClinicId(clinic),
                role,
                display_name: name.unwrap_or_else(|| email.to_string()),
                email,
                password_hash: hash,
                patient_id: patient.map(PatientId),
            };
            let user = store.user_create(&new).await.map_err(output::store_error)?;
            output::record(
                format,
                &user,
                &format!(
                    "created {} account {} for {} in clinic {}",
                    user.role, user.id, user.email, user.clinic_id
                ),
            )
        }
        Command::Audit {
            db,
            patient,
            clinic,
            limit,
            format,
        } => {
            let store = open_existing(&db).await?;
            let entries = store
                .audit_list_unscoped(&AuditQuery {
                    clinic_id: clinic.map(ClinicId),
                    patient_id: patient.map(PatientId),
                    before_id: None,
                    limit,
                })
                .await?;
            output::audit(format, &entries)
        }
        Command::Score {
            instrument,
            answers,
            list,
            format,
        } => {
            if list {
                return output::instruments(format.unwrap_or(Format::Table));
            }
            let code = instrument.unwrap_or_default();
            let instrument = rapport_domain::instruments::find(&code)?;
            let answers =
                rapport_domain::instruments::parse_answers(answers.as_deref().unwrap_or(""))?;
            let score = instrument.score(&answers)?;
            outln!("{}", serde_json::to_string_pretty(&score)?)?;
            Ok(())
        }
        Command::Theory { command, theory } => {
            let kb = load_theory(theory.as_deref())?;
            theory_command(&kb, command)
        }
        Command::Exercises { command } => exercises_command(command).await,
        Command::Triage {
            db,
            format,
            today,
            clinic,
            theory,
        } => {
            let today = today.as_deref().map(triage::parse_today).transpose()?;
            let kb = load_theory(theory.as_deref())?;
            let store = open_existing(&db).await?;
            let care = rapport_care::Care::new(store, kb)?;
            triage::run(&care, clinic, today, format).await
        }
        Command::Demo {
            db,
            patients,
            seed,
            clinicians,
            today,
            format,
            truth,
            allow_existing,
        } => {
            if patients == 0 || patients > synth::MAX_PATIENTS {
                bail!(
                    "--patients: must be a whole number from 1 to {}",
                    synth::MAX_PATIENTS
                );
            }
            let clinicians = clinicians.unwrap_or((patients / 250).max(2));
            if clinicians == 0 || clinicians > patients.max(2) {
                bail!("--clinicians: must be from 1 to the number of patients");
            }
            let today = match today {
                Some(d) => d,
                None => jiff::Zoned::now()
                    .with_time_zone(jiff::tz::db().get(synth::TIME_ZONE)?)
                    .date(),
            };
            if today.year() < 1950 || today.year() > 2200 {
                bail!("--today: must be a date between 1950 and 2200");
            }
            let store = open(&db, Durability::default()).await?;
            let opts = synth::Options {
                patients,
                seed,
                clinicians,
                today,
            };
            let result = synth::run(&store, opts, allow_existing, format, truth).await;
            store.close().await;
            result
        }
        Command::Backup { db, out } => {
            if out.exists() {
                bail!("{} already exists; choose a new file", out.display());
            }
            let store = open_existing(&db).await?;
            store
                .backup_sqlite(&out)
                .await
                .map_err(output::store_error)?;
            outln!("wrote {}", out.display())?;
            Ok(())
        }
    }
}

async fn clinic_library(
    clinic: Option<i64>,
    db: &DbArg,
) -> Result<rapport_domain::exercise::Library> {
    let builtin = rapport_domain::exercise::Library::builtin()?;
    let Some(clinic) = clinic else {
        return Ok(builtin);
    };
    let store = open_existing(db).await?;
    let own = store.clinic_exercises(ClinicId(clinic)).await?;
    Ok(builtin.with(own)?)
}

async fn exercises_command(command: ExercisesCommand) -> Result<()> {
    match command {
        ExercisesCommand::List { format, clinic, db } => {
            let lib = clinic_library(clinic, &db).await?;
            output::exercises(format, lib.all())
        }
        ExercisesCommand::Show {
            id,
            format,
            clinic,
            db,
        } => {
            let lib = clinic_library(clinic, &db).await?;
            let e = lib.require(&id)?;
            output::exercise(format, e, &lib)
        }
        ExercisesCommand::ImportWger { clinic, file, db } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let import = rapport_domain::exercise::wger::import(&text)?;
            let store = open_existing(&db).await?;
            let clinic_id = ClinicId(clinic);
            store
                .clinic_get(clinic_id)
                .await
                .map_err(|_| anyhow::anyhow!("clinic: no clinic has id {clinic}"))?;
            // The clinic's library must still hold together with them.
            let own = store.clinic_exercises(clinic_id).await?;
            rapport_domain::exercise::Library::builtin()?.with(
                own.into_iter()
                    .chain(import.exercises.iter().cloned())
                    .collect(),
            )?;
            let actor = rapport_store::Actor::operator(clinic_id, Role::Admin);
            for e in &import.exercises {
                store.clinic_exercise_put(&actor, e).await?;
            }
            outln!(
                "imported {} exercises into clinic {clinic}; skipped {}",
                import.exercises.len(),
                import.skipped.len()
            )?;
            for s in &import.skipped {
                outln!(
                    "  skipped {}: {}",
                    s.name.as_deref().unwrap_or("(no English name)"),
                    s.reason
                )?;
            }
            Ok(())
        }
    }
}

/// The built-in knowledge base, or one read from `path`; either is validated.
pub fn load_theory(path: Option<&std::path::Path>) -> Result<KnowledgeBase> {
    match path {
        None => Ok(KnowledgeBase::builtin()?),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Ok(KnowledgeBase::from_toml_named(
                &p.display().to_string(),
                &text,
            )?)
        }
    }
}

fn theory_command(kb: &KnowledgeBase, command: TheoryCommand) -> Result<()> {
    use rapport_domain::theory::render;
    let text = match command {
        TheoryCommand::List { format } => match format {
            TheoryFormat::Json => render::json(kb)?,
            TheoryFormat::Table => render::table(kb),
            TheoryFormat::Dot => render::dot(kb),
        },
        TheoryCommand::Show { id, format } => {
            let cmoc = kb.get(&id.to_uppercase())?;
            match format {
                TheoryFormat::Json => serde_json::to_string_pretty(cmoc)?,
                TheoryFormat::Table => render::detail(cmoc),
                TheoryFormat::Dot => {
                    bail!("`theory show` prints json or table; `theory graph` prints dot")
                }
            }
        }
        TheoryCommand::Graph { format } => match format {
            TheoryFormat::Dot => render::dot(kb),
            TheoryFormat::Json => serde_json::to_string_pretty(&render::graph(kb))?,
            TheoryFormat::Table => render::table(kb),
        },
    };
    outln!("{}", text.trim_end_matches('\n'))?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
