//! Goals, prescriptions and their versions, education given to a patient,
//! and a clinic's own exercises. Scoped and audited like patient records; a
//! prescription can only be saved for an episode whose red-flag screen allows
//! exercise, checked in the same transaction as the write.

use jiff::civil::Date;
use rapport_domain::access::{Action, Area, Reach};
use rapport_domain::assessment::RedFlagState;
use rapport_domain::exercise::Exercise;
use rapport_domain::identity::{ClinicId, PatientId, UserId};
use rapport_domain::prescription::{Change, Goal, Plan};
use serde::Serialize;

use crate::audit::{Event, audit_insert};
use crate::episodes::{current_episode_id, missing_in_clinic};
use crate::types::{Day, Ts};
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Conflict(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, id: i64, text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Conflict(format!("stored {what} {id} is unreadable")))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredGoal {
    pub id: i64,
    pub episode_id: i64,
    #[serde(flatten)]
    pub goal: Goal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrescriptionVersion {
    pub version: i64,
    pub plan: Plan,
    pub changes: Vec<Change>,
    pub reason: String,
    pub created_by: UserId,
    pub created_on: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prescription {
    pub id: i64,
    pub patient_id: PatientId,
    pub episode_id: i64,
    /// Oldest first; the last is the plan in force.
    pub versions: Vec<PrescriptionVersion>,
}

impl Prescription {
    pub fn current(&self) -> Option<&PrescriptionVersion> {
        self.versions.last()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EducationAssignment {
    pub id: i64,
    pub item_id: String,
    pub assigned_by: UserId,
    pub assigned_at: jiff::Timestamp,
    pub read_at: Option<jiff::Timestamp>,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    prescription_id: i64,
    patient_id: i64,
    episode_id: i64,
    version: i64,
    plan: String,
    changes: String,
    reason: String,
    created_by: i64,
    created_on: Day,
}

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: i64,
    item_id: String,
    assigned_by: i64,
    assigned_at: Ts,
    read_at: Option<Ts>,
}

const OPEN_EPISODE: &str = "SELECT id, red_flag FROM episodes WHERE patient_id = $1 AND clinic_id = $2 AND discharged_on IS NULL";

impl Store {
    /// Adds a goal to the patient's open episode.
    pub async fn goal_add(
        &self,
        actor: &Actor,
        patient: PatientId,
        goal: &Goal,
    ) -> Result<StoredGoal> {
        let result = self.goal_add_inner(actor, patient, goal).await;
        self.audited(actor, "goal.add", Some(patient), result).await
    }

    async fn goal_add_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        goal: &Goal,
    ) -> Result<StoredGoal> {
        actor.require(Area::CarePlan, Action::Write)?;
        let text = json(goal)?;
        in_tx!(self, |tx| {
            let episode: Option<(i64, String)> = sqlx::query_as(OPEN_EPISODE)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((episode, _)) = episode else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "the patient has no open episode of care"
                ));
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO goals (clinic_id, patient_id, episode_id, goal, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(actor.clinic_id.0)
            .bind(patient.0)
            .bind(episode)
            .bind(&text)
            .bind(actor.user_id_raw().ok_or(StoreError::Forbidden)?)
            .bind(Ts::now())
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::new("goal.add", "goal")
                .record(id)
                .detail(format!("agreed_together={}", goal.agreed_together));
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            Ok(StoredGoal {
                id,
                episode_id: episode,
                goal: goal.clone(),
            })
        })
    }

    /// The goals of the patient's current episode, oldest first.
    pub async fn goals_list(&self, actor: &Actor, patient: PatientId) -> Result<Vec<StoredGoal>> {
        let result = self.goals_list_inner(actor, patient).await;
        self.audited(actor, "goal.read", Some(patient), result)
            .await
    }

    async fn goals_list_inner(&self, actor: &Actor, patient: PatientId) -> Result<Vec<StoredGoal>> {
        let scope = actor.scope(Area::CarePlan, Action::Read)?;
        let rows: Vec<(i64, i64, String)> = on_read!(self, |ex| {
            sqlx::query_as(concat!(
                "SELECT g.id, g.episode_id, g.goal FROM goals g WHERE g.patient_id = $1 AND g.clinic_id = $2 ",
                "AND ($3 IS NULL OR g.patient_id = $3) AND g.episode_id = ",
                current_episode_id!(),
                " ORDER BY g.id"
            ))
            .bind(patient.0)
            .bind(scope.clinic)
            .bind(scope.only)
            .fetch_all(ex)
            .await?
        });
        rows.into_iter()
            .map(|(id, episode_id, text)| {
                Ok(StoredGoal {
                    id,
                    episode_id,
                    goal: parse("goal", id, &text)?,
                })
            })
            .collect()
    }

    /// Saves a new version of the prescription of the patient's open episode.
    /// Refused (conflict) while red flags hold exercise back.
    pub async fn prescription_save(
        &self,
        actor: &Actor,
        patient: PatientId,
        plan: &Plan,
        changes: &[Change],
        reason: &str,
        on: Date,
    ) -> Result<Prescription> {
        let result = self
            .prescription_save_inner(actor, patient, plan, changes, reason, on)
            .await;
        self.audited(actor, "prescription.save", Some(patient), result)
            .await
    }

    async fn prescription_save_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        plan: &Plan,
        changes: &[Change],
        reason: &str,
        on: Date,
    ) -> Result<Prescription> {
        actor.require(Area::CarePlan, Action::Write)?;
        let reason = reason.trim();
        if reason.chars().count() > 500 {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "reason",
                "max_length",
                "must be at most 500 characters",
            )));
        }
        // Whoever built the plan, the same bounds hold.
        if plan.items.len() > rapport_domain::prescription::MAX_ITEMS {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "items",
                "max_items",
                format!(
                    "a plan holds at most {} exercises",
                    rapport_domain::prescription::MAX_ITEMS
                ),
            )));
        }
        let plan_text = json(plan)?;
        let changes_text = json(&changes)?;
        let user = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        let id = in_tx!(self, |tx| {
            let episode: Option<(i64, String)> = sqlx::query_as(OPEN_EPISODE)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((episode, red_flag)) = episode else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "the patient has no open episode of care"
                ));
            };
            if let Err(why) = RedFlagState::parse(&red_flag)
                .unwrap_or(RedFlagState::Unscreened)
                .exercise_gate()
            {
                return Err(StoreError::Conflict(why.to_string()));
            }
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM prescriptions WHERE episode_id = $1")
                    .bind(episode)
                    .fetch_optional(&mut *tx)
                    .await?;
            let id = match existing {
                Some(id) => id,
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO prescriptions (clinic_id, patient_id, episode_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(actor.clinic_id.0)
                    .bind(patient.0)
                    .bind(episode)
                    .bind(Ts::now())
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM prescription_versions WHERE prescription_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO prescription_versions (prescription_id, version, plan, changes, reason, created_by, created_on, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(version)
            .bind(&plan_text)
            .bind(&changes_text)
            .bind(reason)
            .bind(user)
            .bind(Day::from(on))
            .bind(Ts::now())
            .execute(&mut *tx)
            .await?;
            let event = Event::new("prescription.save", "prescription")
                .record(id)
                .detail(format!(
                    "version={version} items={} changes={}",
                    plan.items.len(),
                    changes.len()
                ));
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            id
        });
        self.prescription_load(id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn prescription_load(&self, id: i64) -> Result<Option<Prescription>> {
        let rows: Vec<VersionRow> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT p.id AS prescription_id, p.patient_id, p.episode_id, v.version, v.plan, v.changes, v.reason, v.created_by, v.created_on \
                 FROM prescriptions p JOIN prescription_versions v ON v.prescription_id = p.id WHERE p.id = $1 ORDER BY v.version",
            )
            .bind(id)
            .fetch_all(ex)
            .await?
        });
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let (pid, patient, episode) = (first.prescription_id, first.patient_id, first.episode_id);
        let versions = rows
            .into_iter()
            .map(|r| {
                Ok(PrescriptionVersion {
                    version: r.version,
                    plan: parse("prescription", id, &r.plan)?,
                    changes: parse("prescription", id, &r.changes)?,
                    reason: r.reason,
                    created_by: UserId(r.created_by),
                    created_on: r.created_on.to_jiff(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Prescription {
            id: pid,
            patient_id: PatientId(patient),
            episode_id: episode,
            versions,
        }))
    }

    /// The prescription of the patient's current episode, with every version.
    pub async fn prescription_current(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<Prescription>> {
        let result = self.prescription_current_inner(actor, patient).await;
        self.audited(actor, "prescription.read", Some(patient), result)
            .await
    }

    async fn prescription_current_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Option<Prescription>> {
        let scope = actor.scope(Area::CarePlan, Action::Read)?;
        let id: Option<i64> = on_read!(self, |ex| {
            sqlx::query_scalar(concat!(
                "SELECT p.id FROM prescriptions p WHERE p.patient_id = $1 AND p.clinic_id = $2 ",
                "AND ($3 IS NULL OR p.patient_id = $3) AND p.episode_id = ",
                current_episode_id!()
            ))
            .bind(patient.0)
            .bind(scope.clinic)
            .bind(scope.only)
            .fetch_optional(ex)
            .await?
        });
        let Some(id) = id else { return Ok(None) };
        let p = self.prescription_load(id).await?;
        self.audit_record(
            actor,
            &Event::new("prescription.read", "prescription")
                .patient(patient.0)
                .record(id),
        )
        .await?;
        Ok(p)
    }

    /// A prescription by its id, if the actor may see its patient.
    pub async fn prescription_get(&self, actor: &Actor, id: i64) -> Result<Prescription> {
        let result = self.prescription_get_inner(actor, id).await;
        self.audited(actor, "prescription.read", None, result).await
    }

    async fn prescription_get_inner(&self, actor: &Actor, id: i64) -> Result<Prescription> {
        let scope = actor.scope(Area::CarePlan, Action::Read)?;
        let found: Option<i64> = on_read!(self, |ex| {
            sqlx::query_scalar("SELECT patient_id FROM prescriptions WHERE id = $1 AND clinic_id = $2 AND ($3 IS NULL OR patient_id = $3)")
                .bind(id)
                .bind(scope.clinic)
                .bind(scope.only)
                .fetch_optional(ex)
                .await?
        });
        let patient = found.ok_or(StoreError::NotFound)?;
        let p = self
            .prescription_load(id)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.audit_record(
            actor,
            &Event::new("prescription.read", "prescription")
                .patient(patient)
                .record(id),
        )
        .await?;
        Ok(p)
    }

    /// Assigns an education item to the patient's open episode (once).
    pub async fn education_assign(
        &self,
        actor: &Actor,
        patient: PatientId,
        item_id: &str,
    ) -> Result<EducationAssignment> {
        let result = self.education_assign_inner(actor, patient, item_id).await;
        self.audited(actor, "education.assign", Some(patient), result)
            .await
    }

    async fn education_assign_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        item_id: &str,
    ) -> Result<EducationAssignment> {
        actor.require(Area::CarePlan, Action::Write)?;
        let now = Ts::now();
        let user = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        in_tx!(self, |tx| {
            let episode: Option<(i64, String)> = sqlx::query_as(OPEN_EPISODE)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((episode, _)) = episode else {
                return Err(missing_in_clinic!(
                    &mut *tx,
                    actor,
                    patient,
                    "the patient has no open episode of care"
                ));
            };
            let inserted: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(
                "INSERT INTO education_assignments (clinic_id, patient_id, episode_id, item_id, assigned_by, assigned_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(actor.clinic_id.0)
            .bind(patient.0)
            .bind(episode)
            .bind(item_id)
            .bind(user)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            let id = match inserted {
                Ok(id) => id,
                Err(e) if StoreError::is_unique_violation(&e) => {
                    return Err(StoreError::Conflict("this item is already assigned".into()));
                }
                Err(e) => return Err(e.into()),
            };
            let event = Event::new("education.assign", "education")
                .record(id)
                .detail(format!("item={item_id}"));
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient.0),
                    ..event
                }
            );
            Ok(EducationAssignment {
                id,
                item_id: item_id.to_string(),
                assigned_by: UserId(user),
                assigned_at: now.0,
                read_at: None,
            })
        })
    }

    /// Education assigned in the patient's current episode.
    pub async fn education_list(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Vec<EducationAssignment>> {
        let result = self.education_list_inner(actor, patient).await;
        self.audited(actor, "education.read", Some(patient), result)
            .await
    }

    async fn education_list_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
    ) -> Result<Vec<EducationAssignment>> {
        let scope = actor.scope(Area::CarePlan, Action::Read)?;
        let rows: Vec<AssignmentRow> = on_read!(self, |ex| {
            sqlx::query_as(concat!(
                "SELECT a.id, a.item_id, a.assigned_by, a.assigned_at, a.read_at FROM education_assignments a ",
                "WHERE a.patient_id = $1 AND a.clinic_id = $2 AND ($3 IS NULL OR a.patient_id = $3) AND a.episode_id = ",
                current_episode_id!(),
                " ORDER BY a.id"
            ))
            .bind(patient.0)
            .bind(scope.clinic)
            .bind(scope.only)
            .fetch_all(ex)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| EducationAssignment {
                id: r.id,
                item_id: r.item_id,
                assigned_by: UserId(r.assigned_by),
                assigned_at: r.assigned_at.0,
                read_at: r.read_at.map(|t| t.0),
            })
            .collect())
    }

    /// The patient records that they read an assigned item.
    pub async fn education_mark_read(&self, actor: &Actor, assignment: i64) -> Result<()> {
        let result = self.education_mark_read_inner(actor, assignment).await;
        self.audited(actor, "education.read_mark", actor.patient_id, result)
            .await
    }

    async fn education_mark_read_inner(&self, actor: &Actor, assignment: i64) -> Result<()> {
        let scope = actor.scope(Area::PatientReports, Action::Write)?;
        in_tx!(self, |tx| {
            let patient: Option<i64> = sqlx::query_scalar(
                "UPDATE education_assignments SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND clinic_id = $3 \
                 AND ($4 IS NULL OR patient_id = $4) RETURNING patient_id",
            )
            .bind(Ts::now())
            .bind(assignment)
            .bind(scope.clinic)
            .bind(scope.only)
            .fetch_optional(&mut *tx)
            .await?;
            let patient = patient.ok_or(StoreError::NotFound)?;
            let event = Event::new("education.read_mark", "education").record(assignment);
            audit_insert!(
                &mut *tx,
                actor,
                &Event {
                    patient_id: Some(patient),
                    ..event
                }
            );
            Ok(())
        })
    }

    /// A clinic adds one of its own exercises (or replaces it, by id).
    pub async fn clinic_exercise_put(&self, actor: &Actor, exercise: &Exercise) -> Result<()> {
        if !actor
            .reach(Area::ExerciseLibrary, Action::Write)
            .eq(&Reach::Clinic)
        {
            return Err(StoreError::Forbidden);
        }
        let text = json(exercise)?;
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO clinic_exercises (clinic_id, id, exercise, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (clinic_id, id) DO UPDATE SET exercise = excluded.exercise, created_by = excluded.created_by, created_at = excluded.created_at",
            )
            .bind(actor.clinic_id.0)
            .bind(&exercise.id)
            .bind(&text)
            .bind(actor.user_id_raw())
            .bind(Ts::now())
            .execute(&mut *tx)
            .await?;
            audit_insert!(
                &mut *tx,
                actor,
                &Event::new("exercise.put", "exercise").detail(format!("id={}", exercise.id))
            );
        });
        Ok(())
    }

    /// A clinic's own exercises.
    pub async fn clinic_exercises(&self, clinic: ClinicId) -> Result<Vec<Exercise>> {
        let rows: Vec<(String, String)> = on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT id, exercise FROM clinic_exercises WHERE clinic_id = $1 ORDER BY id",
            )
            .bind(clinic.0)
            .fetch_all(ex)
            .await?
        });
        rows.into_iter()
            .map(|(id, text)| {
                serde_json::from_str(&text).map_err(|_| {
                    StoreError::Conflict(format!("stored exercise {id} is unreadable"))
                })
            })
            .collect()
    }

    pub async fn exercise_image_put(
        &self,
        actor: &Actor,
        exercise_id: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<()> {
        if !actor
            .reach(Area::ExerciseLibrary, Action::Write)
            .eq(&Reach::Clinic)
        {
            return Err(StoreError::Forbidden);
        }
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO exercise_images (clinic_id, exercise_id, content_type, bytes, uploaded_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (clinic_id, exercise_id) DO UPDATE SET content_type = excluded.content_type, bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
            )
            .bind(actor.clinic_id.0)
            .bind(exercise_id)
            .bind(content_type)
            .bind(bytes)
            .bind(Ts::now())
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    pub async fn exercise_image(
        &self,
        clinic: ClinicId,
        exercise_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        Ok(on_read!(self, |ex| {
            sqlx::query_as("SELECT content_type, bytes FROM exercise_images WHERE clinic_id = $1 AND exercise_id = $2")
                .bind(clinic.0)
                .bind(exercise_id)
                .fetch_optional(ex)
                .await?
        }))
    }
}
