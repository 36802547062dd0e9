//! Accounts. Passwords arrive here already hashed; the store never sees one.

use rapport_domain::access::{Action, Area};
use rapport_domain::identity::{ClinicId, Email, PatientId, Role, UserId};
use serde::Serialize;

use crate::audit::{Event, audit_insert};
use crate::types::Ts;
use crate::{Actor, Result, Store, StoreError, in_tx, on_read};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub clinic_id: ClinicId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub patient_id: Option<PatientId>,
    pub active: bool,
    pub created_at: jiff::Timestamp,
}

/// What log-in needs: the account and its password hash. Kept apart from
/// [`User`] so that a hash is never serialised by accident.
#[derive(Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub clinic_id: ClinicId,
    pub role: Role,
    pub email: Email,
    pub display_name: String,
    pub password_hash: String,
    pub patient_id: Option<PatientId>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub clinic_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub patient_id: Option<i64>,
    pub active: bool,
    pub created_at: Ts,
    pub password_hash: String,
}

macro_rules! user_columns {
    () => {
        "u.id, u.clinic_id, u.email, u.display_name, u.role, u.patient_id, u.active, u.created_at, u.password_hash"
    };
}
pub(crate) use user_columns;

impl UserRow {
    pub fn into_credentials(self) -> Result<UserCredentials> {
        let role: Role = self.role.parse().map_err(StoreError::from)?;
        Ok(UserCredentials {
            user: User {
                id: UserId(self.id),
                clinic_id: ClinicId(self.clinic_id),
                email: self.email,
                display_name: self.display_name,
                role,
                patient_id: self.patient_id.map(PatientId),
                active: self.active,
                created_at: self.created_at.0,
            },
            password_hash: self.password_hash,
        })
    }
}

impl User {
    /// The actor this account acts as, from a given address.
    pub fn actor(&self, address: Option<String>) -> Actor {
        Actor {
            user_id: Some(self.id),
            clinic_id: self.clinic_id,
            role: self.role,
            patient_id: self.patient_id,
            address,
        }
    }
}

pub(crate) fn display_name(raw: &str) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > 100 || s.chars().any(char::is_control) {
        return Err(StoreError::Invalid(rapport_domain::FieldError::new(
            "display_name",
            "length",
            "must be 1 to 100 characters",
        )));
    }
    Ok(s.to_string())
}

/// Inserts an account through any executor; maps a taken e-mail to a conflict.
macro_rules! user_insert {
    ($ex:expr, $new:expr, $name:expr) => {{
        let new: &$crate::NewUser = $new;
        let r: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO users (clinic_id, email, display_name, role, password_hash, patient_id, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.clinic_id.0)
        .bind(new.email.as_str())
        .bind($name)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(new.patient_id.map(|p| p.0))
        .bind(true)
        .bind($crate::types::Ts::now())
        .fetch_one($ex)
        .await;
        match r {
            Ok(id) => id,
            Err(e) if $crate::StoreError::is_unique_violation(&e) => {
                return Err($crate::StoreError::Conflict("an account with this e-mail already exists".into()))
            }
            Err(e) => return Err(e.into()),
        }
    }};
}
pub(crate) use user_insert;

impl Store {
    /// Creates an account in an existing clinic (operator set-up).
    pub async fn user_create(&self, new: &NewUser) -> Result<User> {
        let name = display_name(&new.display_name)?;
        if (new.role == Role::Patient) != new.patient_id.is_some() {
            return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                "role",
                "patient_link",
                "a patient account must be linked to one patient record, and only a patient account",
            )));
        }
        self.clinic_get(new.clinic_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(rapport_domain::FieldError::new(
                "clinic",
                "exists",
                format!("no clinic has id {}", new.clinic_id),
            )),
            other => other,
        })?;
        let id = in_tx!(self, |tx| {
            if let Some(patient) = new.patient_id {
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2")
                        .bind(patient.0)
                        .bind(new.clinic_id.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                if found.is_none() {
                    return Err(StoreError::Invalid(rapport_domain::FieldError::new(
                        "patient",
                        "same_clinic",
                        "the patient record must belong to the account's clinic",
                    )));
                }
            }
            let id = user_insert!(&mut *tx, new, &name);
            let actor = Actor::operator(new.clinic_id, Role::Admin);
            audit_insert!(
                &mut *tx,
                &actor,
                &Event::new("user.create", "user").record(id)
            );
            id
        });
        self.user_get(UserId(id)).await
    }

    /// An administrator adds a staff account to their own clinic.
    pub async fn user_create_by(&self, actor: &Actor, new: &NewUser) -> Result<User> {
        actor.require(Area::Accounts, Action::Write)?;
        if new.clinic_id != actor.clinic_id || new.role == Role::Patient {
            return Err(StoreError::Forbidden);
        }
        let name = display_name(&new.display_name)?;
        let id = in_tx!(self, |tx| {
            let id = user_insert!(&mut *tx, new, &name);
            audit_insert!(
                &mut *tx,
                actor,
                &Event::new("user.create", "user").record(id)
            );
            id
        });
        self.user_get(UserId(id)).await
    }

    pub async fn user_get(&self, id: UserId) -> Result<User> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = $1");
        let row: Option<UserRow> = on_read!(self, |ex| sqlx::query_as(sql)
            .bind(id.0)
            .fetch_optional(ex)
            .await?);
        Ok(row.ok_or(StoreError::NotFound)?.into_credentials()?.user)
    }

    /// The account and password hash for a log-in attempt.
    pub async fn user_credentials(&self, email: &Email) -> Result<Option<UserCredentials>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.email = $1"
        );
        let row: Option<UserRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(email.as_str())
                .fetch_optional(ex)
                .await?
        });
        row.map(UserRow::into_credentials).transpose()
    }

    /// The accounts of the administrator's own clinic.
    pub async fn users_list(&self, actor: &Actor) -> Result<Vec<User>> {
        actor.require(Area::Accounts, Action::Read)?;
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.clinic_id = $1 ORDER BY u.role, u.email"
        );
        let rows: Vec<UserRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(actor.clinic_id.0)
                .fetch_all(ex)
                .await?
        });
        rows.into_iter()
            .map(|r| r.into_credentials().map(|c| c.user))
            .collect()
    }

    /// Replaces a password hash and ends the account's sessions.
    pub async fn user_set_password(&self, id: UserId, password_hash: &str) -> Result<()> {
        in_tx!(self, |tx| {
            let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// The account a patient of the clinician's clinic logs in with, if any.
    pub async fn patient_account(&self, actor: &Actor, patient: PatientId) -> Result<Option<User>> {
        actor.require(Area::PatientDetails, Action::Write)?;
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u JOIN patients p ON p.id = u.patient_id WHERE u.patient_id = $1 AND p.clinic_id = $2"
        );
        let row: Option<UserRow> = on_read!(self, |ex| {
            sqlx::query_as(sql)
                .bind(patient.0)
                .bind(actor.clinic_id.0)
                .fetch_optional(ex)
                .await?
        });
        row.map(|r| r.into_credentials().map(|c| c.user))
            .transpose()
    }

    /// Counts of accounts by role in the actor's clinic (no names).
    pub async fn users_count_by_role(&self, clinic: ClinicId) -> Result<Vec<(String, i64)>> {
        Ok(on_read!(self, |ex| {
            sqlx::query_as(
                "SELECT role, COUNT(*) FROM users WHERE clinic_id = $1 GROUP BY role ORDER BY role",
            )
            .bind(clinic.0)
            .fetch_all(ex)
            .await?
        }))
    }
}
