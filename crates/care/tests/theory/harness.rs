//! A clinic on a real database (a temporary SQLite file, or a schema of its
//! own on the PostgreSQL server of `RAPPORT_TEST_PG_URL`), and the few things
//! a clinician records, each through the product's own use cases.

use jiff::civil::Date;
use jiff::{Span, Timestamp, Zoned};
use rapport_care::Care;
use rapport_care::contacts::PlanStep;
use rapport_care::forms::Answers;
use rapport_domain::assessment::{Form, IntakeInput, RED_FLAGS, TimePoint};
use rapport_domain::identity::{Email, PatientId, Role};
use rapport_domain::monitoring::LogInput;
use rapport_domain::patient::PatientInput;
use rapport_domain::prescription::{Delivery, GoalInput, LifeArea, Plan, PlanItem};
use rapport_domain::theory::KnowledgeBase;
use rapport_domain::theory::episode::{FollowUpKind, Practice};
use rapport_store::{Actor, ContactPractice, FollowUpInput, NewUser, Store};
use tempfile::TempDir;

pub const PG_URL_VAR: &str = "RAPPORT_TEST_PG_URL";
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's schema on the PostgreSQL server, dropped with the clinic.
struct PgSchema {
    server: String,
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = psql(
            &self.server,
            &format!(
                "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {} CASCADE",
                self.name
            ),
        );
    }
}

fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out = std::process::Command::new("psql")
        .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A clinic with one clinician, on `backend`.
pub struct Clinic {
    pub care: Care,
    pub clinician: Actor,
    _dir: TempDir,
    _schema: Option<PgSchema>,
}

pub fn today() -> Date {
    Zoned::now().date()
}

pub fn ago(days: i64) -> Date {
    today().checked_sub(Span::new().days(days)).unwrap()
}

impl Clinic {
    /// `None` (with a note) when PostgreSQL is asked for and not configured.
    pub async fn on(backend: Backend) -> Option<Clinic> {
        let dir = tempfile::tempdir().unwrap();
        let (store, schema) = match backend {
            Backend::Sqlite => (
                Store::open_sqlite_file(
                    &dir.path().join("r.db"),
                    rapport_store::Durability::Normal,
                )
                .await
                .unwrap(),
                None,
            ),
            Backend::Postgres => {
                let server = match std::env::var(PG_URL_VAR) {
                    Ok(u) if !u.trim().is_empty() => u,
                    _ => {
                        eprintln!("skipped: {PG_URL_VAR} not set");
                        return None;
                    }
                };
                let name = format!("care_{}_{:08x}", std::process::id(), rand_suffix());
                psql(&server, &format!("CREATE SCHEMA {name}")).unwrap();
                let sep = if server.contains('?') { '&' } else { '?' };
                let url = format!("{server}{sep}options%5Bsearch_path%5D={name}");
                let store = Store::open(&url).await.unwrap();
                (store, Some(PgSchema { server, name }))
            }
        };
        let clinic = store.clinic_create("Contract Clinic").await.unwrap().id;
        let user = store
            .user_create(&NewUser {
                clinic_id: clinic,
                role: Role::Clinician,
                email: Email::parse("clin@contract.example").unwrap(),
                display_name: "Clinician".into(),
                password_hash: HASH.into(),
                patient_id: None,
            })
            .await
            .unwrap();
        let care = Care::new(store, KnowledgeBase::builtin().unwrap()).unwrap();
        Some(Clinic {
            care,
            clinician: user.actor(None),
            _dir: dir,
            _schema: schema,
        })
    }

    pub fn store(&self) -> &Store {
        &self.care.store
    }

    /// A new patient whose episode opened 60 days ago, with a clear red-flag
    /// screen (so exercise may be prescribed) and nothing else recorded.
    pub async fn patient(&self, name: &str) -> PatientId {
        let details = PatientInput {
            given_name: Some(name.into()),
            family_name: Some("Tester".into()),
            birth_date: Some("1970-01-01".into()),
            ..Default::default()
        }
        .validate(today())
        .unwrap();
        let p = self
            .store()
            .patient_admit(&self.clinician, &details, ago(60))
            .await
            .unwrap()
            .value
            .id;
        self.care
            .save_form(
                &self.clinician,
                p,
                TimePoint::Baseline,
                Form::RedFlags,
                &Answers::RedFlags(vec![Some(false); RED_FLAGS.len()]),
            )
            .await
            .unwrap();
        p
    }

    pub async fn questionnaire(
        &self,
        p: PatientId,
        tp: TimePoint,
        code: &'static str,
        answer: i32,
    ) {
        let n = rapport_domain::instruments::find(code).unwrap().items.len();
        self.care
            .save_form(
                &self.clinician,
                p,
                tp,
                Form::Instrument(code),
                &Answers::Instrument(vec![Some(answer); n]),
            )
            .await
            .unwrap();
    }

    /// The intake: holistic (every part answered) or not, with the previous
    /// experience of exercise, and liking walking.
    pub async fn intake(&self, p: PatientId, holistic: bool, experience: &str) {
        let input = IntakeInput {
            everyday_life: if holistic {
                "Office work, two children".into()
            } else {
                String::new()
            },
            limited_activities: "Gardening\nLifting the children".into(),
            cause_belief: if holistic {
                "Lifting at work".into()
            } else {
                String::new()
            },
            expectations: vec!["exercises".into()],
            previous_exercise: experience.into(),
            six_months: "Back in the garden".into(),
            preferences: vec!["walking".into()],
            ..Default::default()
        };
        self.care
            .save_form(
                &self.clinician,
                p,
                TimePoint::Baseline,
                Form::Intake,
                &Answers::Intake {
                    input: Box::new(input),
                    finish: true,
                },
            )
            .await
            .unwrap();
    }

    pub async fn goal(&self, p: PatientId, agreed: bool) {
        self.store()
            .goal_add(
                &self.clinician,
                p,
                &GoalInput {
                    activity: "Garden for an hour".into(),
                    current_level: "3".into(),
                    target_level: "8".into(),
                    by: today()
                        .checked_add(Span::new().days(60))
                        .unwrap()
                        .to_string(),
                    agreed_together: agreed,
                }
                .validate(today())
                .unwrap(),
            )
            .await
            .unwrap();
    }

    /// A plan of one walking exercise, in force since `days_ago`.
    pub async fn plan(
        &self,
        p: PatientId,
        days_ago: i64,
        goal: Option<usize>,
        co_designed: bool,
        whole_person: Option<&[LifeArea]>,
    ) {
        let lib = &self.care.exercises;
        let e = lib
            .all()
            .iter()
            .find(|e| {
                e.kinds
                    .contains(&rapport_domain::assessment::intake::ExerciseKind::Walking)
            })
            .unwrap();
        let plan = Plan {
            items: vec![PlanItem {
                exercise_id: e.id.clone(),
                dose: e.dose.clone(),
                progression_rule: "Longer when easy".into(),
                regression_rule: "Shorter when sore".into(),
                delivery: Delivery::Home,
                goal,
                why: "To walk to the allotment".into(),
            }],
            co_designed,
            whole_person: whole_person.map(|a| a.iter().copied().collect()),
        };
        self.store()
            .prescription_save(&self.clinician, p, &plan, &[], "first plan", ago(days_ago))
            .await
            .unwrap();
    }

    pub async fn exercise_of_plan(&self, p: PatientId) -> String {
        self.store()
            .prescription_current(&self.clinician, p)
            .await
            .unwrap()
            .unwrap()
            .current()
            .unwrap()
            .plan
            .items[0]
            .exercise_id
            .clone()
    }

    /// A session log `days_ago`: (completion, pain before, pain after,
    /// difficulty, enjoyment).
    pub async fn log(
        &self,
        p: PatientId,
        days_ago: i64,
        completion: &str,
        pain: (u8, u8),
        difficulty: u8,
        enjoyment: u8,
    ) -> i64 {
        let exercise = self.exercise_of_plan(p).await;
        let skipped = completion == "skipped";
        // A skipped session carries a reason and no ratings.
        let rating = |v: u8| {
            if skipped {
                String::new()
            } else {
                v.to_string()
            }
        };
        let input = LogInput {
            exercise_id: exercise,
            completion: completion.into(),
            skip_reason: if skipped {
                "no_time".into()
            } else {
                String::new()
            },
            pain_before: rating(pain.0),
            pain_after: rating(pain.1),
            difficulty: rating(difficulty),
            enjoyment: rating(enjoyment),
            date: ago(days_ago).to_string(),
            time: "12:00".into(),
            ..Default::default()
        };
        self.store()
            .log_add(
                &self.clinician,
                p,
                &input,
                rapport_store::LogSource::Clinician,
                Timestamp::now(),
            )
            .await
            .unwrap()
            .id
    }

    pub async fn feedback(&self, p: PatientId, log: i64) {
        self.store()
            .log_comment_add(&self.clinician, p, log, "Well done, keep the pace easy")
            .await
            .unwrap();
    }

    /// A contact `days_ago`, recorded as the contact form and the API do.
    pub async fn contact(&self, p: PatientId, days_ago: i64, c: Contact) {
        let input = FollowUpInput {
            date: Some(ago(days_ago)),
            kind: Some(c.kind),
            feedback_given: c.feedback,
            feels_supported: c.supported,
            contact: ContactPractice {
                practices: c.practices.iter().copied().collect(),
                checklist_complete: c.checklist_complete,
                corrected: c.corrected,
                progressed: c.progressed,
                benefit: c.benefit,
            },
            ..FollowUpInput::default()
        };
        self.care
            .record_contact(&self.clinician, p, input, None::<PlanStep>)
            .await
            .unwrap();
    }

    pub async fn beliefs(&self, p: PatientId, confirmed: &[&str], reconciled: &[&str]) {
        let episode = self
            .store()
            .episode_current(&self.clinician, p)
            .await
            .unwrap()
            .unwrap();
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        self.store()
            .belief_review_save(
                &self.clinician,
                episode.id,
                &keys(confirmed),
                &keys(reconciled),
                "",
                today(),
            )
            .await
            .unwrap();
    }

    /// Reading that answers `belief`.
    pub async fn reading_for(&self, p: PatientId, belief: &str) {
        let item = self
            .care
            .education
            .all()
            .iter()
            .find(|i| i.beliefs.iter().any(|b| b == belief))
            .unwrap()
            .id
            .clone();
        self.store()
            .education_assign(&self.clinician, p, &item)
            .await
            .unwrap();
    }
}

/// A contact to record: a plain in-person one unless changed.
#[derive(Clone)]
pub struct Contact {
    pub kind: FollowUpKind,
    pub practices: Vec<Practice>,
    pub checklist_complete: bool,
    pub feedback: Option<bool>,
    pub supported: Option<bool>,
    pub corrected: Option<bool>,
    pub progressed: Option<bool>,
    pub benefit: Option<u8>,
}

impl Default for Contact {
    fn default() -> Self {
        Contact {
            kind: FollowUpKind::InPerson,
            practices: Vec::new(),
            checklist_complete: false,
            feedback: None,
            supported: None,
            corrected: None,
            progressed: None,
            benefit: None,
        }
    }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    nanos ^ (N.fetch_add(1, Ordering::Relaxed) << 24)
}
