//! Patient records. Every query here is scoped by the actor: a clinician sees
//! the patients of their own clinic, a patient sees only their own record,
//! other roles see none. A record outside that scope is `NotFound`, never
//! `Forbidden`, so that its existence is not revealed.

use jiff::civil::Date;
use rapport_domain::access::{Action, Area};
use rapport_domain::identity::{ClinicId, Email, PatientId};
use rapport_domain::patient::{Patient, PatientDetails, PatientInput};

use crate::audit::{Event, audit_insert};
use crate::types::{Day, Ts};
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

#[derive(sqlx::FromRow)]
struct PatientRow {
    id: i64,
    clinic_id: i64,
    given_name: String,
    family_name: String,
    birth_date: Day,
    email: Option<String>,
    phone: Option<String>,
    external_ref: Option<String>,
    version: i64,
    created_at: Ts,
    updated_at: Ts,
}

/// A stored record with its edit counter, for optimistic concurrency.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
}

impl PatientRow {
    fn into_patient(self) -> Result<Versioned<Patient>> {
        let email = self.email.map(|e| Email::parse(&e)).transpose()?;
        Ok(Versioned {
            version: self.version,
            value: Patient {
                id: PatientId(self.id),
                clinic_id: ClinicId(self.clinic_id),
                details: PatientDetails {
                    given_name: self.given_name,
                    family_name: self.family_name,
                    birth_date: self.birth_date.to_jiff(),
                    email,
                    phone: self.phone,
                    external_ref: self.external_ref,
                },
                created_at: self.created_at.0,
                updated_at: self.updated_at.0,
            },
        })
    }
}

macro_rules! columns {
    () => {
        "id, clinic_id, given_name, family_name, birth_date, email, phone, external_ref, version, created_at, updated_at"
    };
}

/// Search text to a LIKE pattern, with the pattern's own characters escaped.
fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

const STALE: &str =
    "the record was changed by someone else since it was opened; reload and edit again";

/// Which patients to list.
#[derive(Debug, Clone, Default)]
pub struct PatientQuery {
    /// Part of a name or of the clinic's record number.
    pub search: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

impl Store {
    async fn audit_refusal(
        &self,
        actor: &Actor,
        action: &str,
        patient: Option<PatientId>,
        outcome: &str,
        detail: Option<String>,
    ) -> Result<()> {
        let mut event = Event::new(action, "patient").outcome(outcome);
        event.detail = detail;
        if let Some(p) = patient {
            event = event.patient(p.0);
        }
        self.audit_record(actor, &event).await?;
        Ok(())
    }

    /// Passes `result` on; a refusal (not found, forbidden, or a rule of the
    /// record such as a red-flag hold) is recorded in the audit log first.
    pub(crate) async fn audited<T>(
        &self,
        actor: &Actor,
        action: &str,
        patient: Option<PatientId>,
        result: Result<T>,
    ) -> Result<T> {
        match &result {
            Err(StoreError::NotFound) => {
                self.audit_refusal(actor, action, patient, "not_found", None)
                    .await?
            }
            Err(StoreError::Forbidden) => {
                self.audit_refusal(actor, action, patient, "forbidden", None)
                    .await?
            }
            Err(StoreError::Conflict(why)) => {
                self.audit_refusal(actor, action, patient, "refused", Some(why.clone()))
                    .await?
            }
            _ => {}
        }
        result
    }

    pub async fn patient_create(
        &self,
        actor: &Actor,
        details: &PatientDetails,
    ) -> Result<Versioned<Patient>> {
        let result = self.patient_create_inner(actor, details, None).await;
        self.audited(actor, "patient.create", None, result).await
    }

    /// Creates a patient and opens their first episode of care, in one
    /// transaction: a referral is both at once.
    pub async fn patient_admit(
        &self,
        actor: &Actor,
        details: &PatientDetails,
        opened_on: Date,
    ) -> Result<Versioned<Patient>> {
        let result = self
            .patient_create_inner(actor, details, Some(opened_on))
            .await;
        self.audited(actor, "patient.create", None, result).await
    }

    async fn patient_create_inner(
        &self,
        actor: &Actor,
        details: &PatientDetails,
        episode_opened_on: Option<Date>,
    ) -> Result<Versioned<Patient>> {
        actor.require(Area::PatientDetails, Action::Write)?;
        let now = Ts::now();
        let sql = concat!(
            "INSERT INTO patients (clinic_id, given_name, family_name, birth_date, email, phone, external_ref, version, created_at, updated_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING ",
            columns!()
        );
        let row: PatientRow = in_tx!(self, |tx| {
            let row: PatientRow = sqlx::query_as(sql)
                .bind(actor.clinic_id.0)
                .bind(&details.given_name)
                .bind(&details.family_name)
                .bind(Day::from(details.birth_date))
                .bind(details.email.as_ref().map(Email::as_str))
                .bind(details.phone.as_deref())
                .bind(details.external_ref.as_deref())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            audit_insert!(
                &mut *tx,
                actor,
                &Event::new("patient.create", "patient").patient(row.id)
            );
            if let Some(opened_on) = episode_opened_on {
                let episode: i64 = sqlx::query_scalar(
                    "INSERT INTO episodes (clinic_id, patient_id, opened_on, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(actor.clinic_id.0)
                .bind(row.id)
                .bind(Day::from(opened_on))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let event = Event::new("episode.open", "episode")
                    .record(episode)
                    .detail(format!("opened_on={opened_on}"));
                audit_insert!(
                    &mut *tx,
                    actor,
                    &Event {
                        patient_id: Some(row.id),
                        ..event
                    }
                );
            }
            row
        });
        row.into_patient()
    }

    /// One patient record, if the actor may see it.
    pub async fn patient_get(&self, actor: &Actor, id: PatientId) -> Result<Versioned<Patient>> {
        let result = self.patient_get_inner(actor, id).await;
        self.audited(actor, "patient.read", Some(id), result).await
    }

    async fn patient_get_inner(&self, actor: &Actor, id: PatientId) -> Result<Versioned<Patient>> {
        let scope = actor.scope(Area::PatientDetails, Action::Read)?;
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM patients WHERE id = $1 AND clinic_id = $2 AND ($3 IS NULL OR id = $3)"
        );
        let row: Option<PatientRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(id.0)
                .bind(scope.clinic)
                .bind(scope.only)
                .fetch_optional(ex)
                .await?
        });
        let patient = row.ok_or(StoreError::NotFound)?.into_patient()?;
        self.audit_record(actor, &Event::new("patient.read", "patient").patient(id.0))
            .await?;
        Ok(patient)
    }

    /// The patients the actor may see, by family name.
    pub async fn patients_list(
        &self,
        actor: &Actor,
        query: &PatientQuery,
    ) -> Result<Vec<Versioned<Patient>>> {
        let result = self.patients_list_inner(actor, query).await;
        self.audited(actor, "patient.list", None, result).await
    }

    async fn patients_list_inner(
        &self,
        actor: &Actor,
        query: &PatientQuery,
    ) -> Result<Vec<Versioned<Patient>>> {
        let scope = actor.scope(Area::PatientDetails, Action::Read)?;
        let pattern = rapport_domain::patient::search_text(query.search.as_deref())?
            .as_deref()
            .map(like_pattern);
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM patients WHERE clinic_id = $1 AND ($2 IS NULL OR id = $2) ",
            "AND ($3 IS NULL OR lower(given_name || ' ' || family_name) LIKE $3 ESCAPE '\\' ",
            "OR lower(family_name || ' ' || given_name) LIKE $3 ESCAPE '\\' ",
            "OR lower(coalesce(external_ref, '')) LIKE $3 ESCAPE '\\') ",
            "ORDER BY lower(family_name), lower(given_name), id LIMIT $4 OFFSET $5"
        );
        let rows: Vec<PatientRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(scope.clinic)
                .bind(scope.only)
                .bind(pattern)
                .bind(i64::from(query.limit.clamp(1, 1000)))
                .bind(i64::from(query.offset))
                .fetch_all(ex)
                .await?
        });
        let patients = rows
            .into_iter()
            .map(PatientRow::into_patient)
            .collect::<Result<Vec<_>>>()?;
        // The ids shown are kept as ",1,2,3," so that the log can be searched per patient.
        let ids: String = patients
            .iter()
            .map(|p| format!("{},", p.value.id))
            .collect();
        let event = Event::new("patient.list", "patient").detail(format!(",{ids}"));
        self.audit_record(actor, &event).await?;
        Ok(patients)
    }

    /// Edits a record. Fields absent from `input` keep their value. With
    /// `expected_version`, an edit made meanwhile by someone else is a conflict.
    pub async fn patient_update(
        &self,
        actor: &Actor,
        id: PatientId,
        input: &PatientInput,
        expected_version: Option<i64>,
        today: Date,
    ) -> Result<Versioned<Patient>> {
        let result = self
            .patient_update_inner(actor, id, input, expected_version, today)
            .await;
        self.audited(actor, "patient.update", Some(id), result)
            .await
    }

    async fn patient_update_inner(
        &self,
        actor: &Actor,
        id: PatientId,
        input: &PatientInput,
        expected_version: Option<i64>,
        today: Date,
    ) -> Result<Versioned<Patient>> {
        actor.require(Area::PatientDetails, Action::Write)?;
        let select = concat!(
            "SELECT ",
            columns!(),
            " FROM patients WHERE id = $1 AND clinic_id = $2"
        );
        let update = concat!(
            "UPDATE patients SET given_name = $1, family_name = $2, birth_date = $3, email = $4, phone = $5, ",
            "external_ref = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND clinic_id = $9 AND version = $10 RETURNING ",
            columns!()
        );
        let row: PatientRow = in_tx!(self, |tx| {
            let current: Option<PatientRow> = sqlx::query_as(select)
                .bind(id.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let current = current.ok_or(StoreError::NotFound)?.into_patient()?;
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(StoreError::Conflict(STALE.into()));
            }
            let next = input.apply_to(&current.value.details, today)?;
            // The version guard makes the edit apply only to the record as it
            // was read: on PostgreSQL another transaction may commit an edit
            // between the read and this write.
            let row: Option<PatientRow> = sqlx::query_as(update)
                .bind(&next.given_name)
                .bind(&next.family_name)
                .bind(Day::from(next.birth_date))
                .bind(next.email.as_ref().map(Email::as_str))
                .bind(next.phone.as_deref())
                .bind(next.external_ref.as_deref())
                .bind(Ts::now())
                .bind(id.0)
                .bind(actor.clinic_id.0)
                .bind(current.version)
                .fetch_optional(&mut *tx)
                .await?;
            let row = row.ok_or_else(|| StoreError::Conflict(STALE.into()))?;
            let changed: Vec<&str> = [
                (
                    "given_name",
                    current.value.details.given_name != next.given_name,
                ),
                (
                    "family_name",
                    current.value.details.family_name != next.family_name,
                ),
                (
                    "birth_date",
                    current.value.details.birth_date != next.birth_date,
                ),
                ("email", current.value.details.email != next.email),
                ("phone", current.value.details.phone != next.phone),
                (
                    "external_ref",
                    current.value.details.external_ref != next.external_ref,
                ),
            ]
            .into_iter()
            .filter_map(|(f, c)| c.then_some(f))
            .collect();
            let event = Event::new("patient.update", "patient")
                .patient(id.0)
                .detail(format!("fields={}", changed.join(",")));
            audit_insert!(&mut *tx, actor, &event);
            row
        });
        row.into_patient()
    }

    /// How many patient records a clinic holds (an aggregate; no names).
    pub async fn patients_count(&self, clinic: ClinicId) -> Result<i64> {
        Ok(on_read!(self, |ex| {
            sqlx::query_scalar("SELECT COUNT(*) FROM patients WHERE clinic_id = $1")
                .bind(clinic.0)
                .fetch_one(ex)
                .await?
        }))
    }
}
