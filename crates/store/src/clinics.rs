use rapport_domain::access::{Action, Area};
use rapport_domain::identity::ClinicId;
use serde::Serialize;

use crate::audit::{Event, audit_insert};
use crate::types::Ts;
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clinic {
    pub id: ClinicId,
    pub name: String,
    pub created_at: jiff::Timestamp,
    /// IANA time zone: the calendar and reminder clock of patients who have
    /// not chosen their own.
    pub time_zone: String,
}

#[derive(sqlx::FromRow)]
struct ClinicRow {
    id: i64,
    name: String,
    created_at: Ts,
    time_zone: String,
}

impl From<ClinicRow> for Clinic {
    fn from(r: ClinicRow) -> Self {
        Clinic {
            id: ClinicId(r.id),
            name: r.name,
            created_at: r.created_at.0,
            time_zone: r.time_zone,
        }
    }
}

pub(crate) fn clinic_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid(rapport_domain::FieldError::new(
            "name",
            "required",
            "is required",
        )));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(rapport_domain::FieldError::new(
            "name",
            "max_length",
            "must be at most 200 characters without control characters",
        )));
    }
    Ok(name.to_string())
}

/// A time zone as stored: a known IANA name, trimmed. `UTC` is one.
pub(crate) fn time_zone_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    rapport_domain::monitoring::patient_zone(name)?;
    Ok(name.to_string())
}

impl Store {
    /// Creates a clinic in UTC. Clinics are set up by an operator, not through the web.
    pub async fn clinic_create(&self, name: &str) -> Result<Clinic> {
        self.clinic_create_in(name, "UTC").await
    }

    /// Creates a clinic whose patients' clocks default to `time_zone` (IANA).
    pub async fn clinic_create_in(&self, name: &str, time_zone: &str) -> Result<Clinic> {
        let name = clinic_name(name)?;
        let zone = time_zone_name(time_zone)?;
        let row: ClinicRow = in_tx!(self, |tx| {
            sqlx::query_as("INSERT INTO clinics (name, created_at, time_zone) VALUES ($1, $2, $3) RETURNING id, name, created_at, time_zone")
                .bind(&name)
                .bind(Ts::now())
                .bind(&zone)
                .fetch_one(&mut *tx)
                .await?
        });
        Ok(row.into())
    }

    /// An administrator sets the time zone of their own clinic. Audited.
    pub async fn clinic_time_zone_set(&self, actor: &Actor, time_zone: &str) -> Result<Clinic> {
        actor.require(Area::ClinicSettings, Action::Write)?;
        let zone = time_zone_name(time_zone)?;
        in_tx!(self, |tx| {
            let n = sqlx::query("UPDATE clinics SET time_zone = $1 WHERE id = $2")
                .bind(&zone)
                .bind(actor.clinic_id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit_insert!(
                &mut *tx,
                actor,
                &Event::new("clinic.time_zone", "clinic")
                    .record(actor.clinic_id.0)
                    .detail(format!("time_zone={zone}"))
            );
        });
        self.clinic_get(actor.clinic_id).await
    }

    pub async fn clinic_get(&self, id: ClinicId) -> Result<Clinic> {
        let row: Option<ClinicRow> = on_read!(self, |ex| {
            sqlx::query_as("SELECT id, name, created_at, time_zone FROM clinics WHERE id = $1")
                .bind(id.0)
                .fetch_optional(ex)
                .await?
        });
        row.map(Clinic::from).ok_or(StoreError::NotFound)
    }

    pub async fn clinics_list(&self) -> Result<Vec<Clinic>> {
        let rows: Vec<ClinicRow> = on_read!(self, |ex| {
            sqlx::query_as("SELECT id, name, created_at, time_zone FROM clinics ORDER BY id")
                .fetch_all(ex)
                .await?
        });
        Ok(rows.into_iter().map(Clinic::from).collect())
    }
}
