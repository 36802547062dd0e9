use rapport_domain::identity::ClinicId;
use serde::Serialize;

use crate::types::Ts;
use crate::{Result, Store, StoreError, in_tx, on_read};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clinic {
    pub id: ClinicId,
    pub name: String,
    pub created_at: jiff::Timestamp,
}

#[derive(sqlx::FromRow)]
struct ClinicRow {
    id: i64,
    name: String,
    created_at: Ts,
}

impl From<ClinicRow> for Clinic {
    fn from(r: ClinicRow) -> Self {
        Clinic {
            id: ClinicId(r.id),
            name: r.name,
            created_at: r.created_at.0,
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

impl Store {
    /// Creates a clinic. Clinics are set up by an operator, not through the web.
    pub async fn clinic_create(&self, name: &str) -> Result<Clinic> {
        let name = clinic_name(name)?;
        let row: ClinicRow = in_tx!(self, |tx| {
            sqlx::query_as("INSERT INTO clinics (name, created_at) VALUES ($1, $2) RETURNING id, name, created_at")
                .bind(&name)
                .bind(Ts::now())
                .fetch_one(&mut *tx)
                .await?
        });
        Ok(row.into())
    }

    pub async fn clinic_get(&self, id: ClinicId) -> Result<Clinic> {
        let row: Option<ClinicRow> = on_read!(self, |ex| {
            sqlx::query_as("SELECT id, name, created_at FROM clinics WHERE id = $1")
                .bind(id.0)
                .fetch_optional(ex)
                .await?
        });
        row.map(Clinic::from).ok_or(StoreError::NotFound)
    }

    pub async fn clinics_list(&self) -> Result<Vec<Clinic>> {
        let rows: Vec<ClinicRow> = on_read!(self, |ex| {
            sqlx::query_as("SELECT id, name, created_at FROM clinics ORDER BY id")
                .fetch_all(ex)
                .await?
        });
        Ok(rows.into_iter().map(Clinic::from).collect())
    }
}
