//! Invitations: a clinician gives a patient a single-use, expiring link on
//! which the patient sets a password and so gets an account.

use rapport_domain::access::{Action, Area};
use std::time::Duration;

use rapport_domain::identity::{ClinicId, Email, PatientId, Role, UserId};

use crate::audit::{Event, audit_insert};
use crate::sessions::{random_token, token_hash};
use crate::types::Ts;
use crate::users::user_insert;
use crate::{Actor, NewUser, Result, Store, StoreError, User, in_tx, on_read};

/// A new invitation. `token` goes into the link and is not stored.
#[derive(Clone)]
pub struct Invite {
    pub token: String,
    pub patient_id: PatientId,
    pub email: Email,
    pub expires_at: jiff::Timestamp,
}

impl std::fmt::Debug for Invite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invite")
            .field("patient_id", &self.patient_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What the invitation page shows before the password is set.
#[derive(Debug, Clone, PartialEq)]
pub struct InviteInfo {
    pub clinic_name: String,
    pub given_name: String,
    pub email: String,
    pub expires_at: jiff::Timestamp,
}

#[derive(sqlx::FromRow)]
struct InviteRow {
    clinic_id: i64,
    patient_id: i64,
    email: String,
    given_name: String,
    family_name: String,
    clinic_name: String,
    expires_at: Ts,
}

const LIVE_INVITE: &str = "SELECT i.clinic_id, i.patient_id, i.email, p.given_name, p.family_name, c.name AS clinic_name, i.expires_at \
     FROM invites i JOIN patients p ON p.id = i.patient_id AND p.clinic_id = i.clinic_id JOIN clinics c ON c.id = i.clinic_id \
     WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2";

impl Store {
    /// Invites a patient of the clinician's clinic. Earlier unused invitations
    /// for the same patient stop working.
    pub async fn invite_create(
        &self,
        actor: &Actor,
        patient: PatientId,
        email: &Email,
        ttl: Duration,
    ) -> Result<Invite> {
        let result = self.invite_create_inner(actor, patient, email, ttl).await;
        self.audited(actor, "patient.invite", Some(patient), result)
            .await
    }

    async fn invite_create_inner(
        &self,
        actor: &Actor,
        patient: PatientId,
        email: &Email,
        ttl: Duration,
    ) -> Result<Invite> {
        actor.require(Area::PatientDetails, Action::Write)?;
        // The invitation records the account that made it; an operator at the
        // command line has none to record.
        let created_by = actor.user_id_raw().ok_or(StoreError::Forbidden)?;
        let token = random_token();
        let now = Ts::now();
        let expires = now.plus(ttl);
        in_tx!(self, |tx| {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT id FROM patients WHERE id = $1 AND clinic_id = $2")
                    .bind(patient.0)
                    .bind(actor.clinic_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            let has_account: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE patient_id = $1")
                    .bind(patient.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if has_account.is_some() {
                return Err(StoreError::Conflict(
                    "this patient already has an account".into(),
                ));
            }
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(
                    "an account with this e-mail already exists".into(),
                ));
            }
            sqlx::query("UPDATE invites SET expires_at = $1 WHERE patient_id = $2 AND used_at IS NULL AND expires_at > $1")
                .bind(now)
                .bind(patient.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO invites (token_hash, clinic_id, patient_id, email, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(token_hash(&token))
            .bind(actor.clinic_id.0)
            .bind(patient.0)
            .bind(email.as_str())
            .bind(created_by)
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
            audit_insert!(
                &mut *tx,
                actor,
                &Event::new("patient.invite", "patient").patient(patient.0)
            );
        });
        Ok(Invite {
            token,
            patient_id: patient,
            email: email.clone(),
            expires_at: expires.0,
        })
    }

    /// The invitation behind a link, if it is unused and unexpired.
    pub async fn invite_info(&self, token: &str) -> Result<Option<InviteInfo>> {
        let row: Option<InviteRow> = on_read!(self, |ex| {
            sqlx::query_as(LIVE_INVITE)
                .bind(token_hash(token))
                .bind(Ts::now())
                .fetch_optional(ex)
                .await?
        });
        Ok(row.map(|r| InviteInfo {
            clinic_name: r.clinic_name,
            given_name: r.given_name,
            email: r.email,
            expires_at: r.expires_at.0,
        }))
    }

    /// Uses an invitation: creates the patient's account with the given
    /// password hash. A used, expired or unknown link is `NotFound`.
    pub async fn invite_accept(
        &self,
        token: &str,
        password_hash: &str,
        address: Option<String>,
    ) -> Result<User> {
        let hash = token_hash(token);
        let now = Ts::now();
        let user_id = in_tx!(self, |tx| {
            let row: Option<InviteRow> = sqlx::query_as(LIVE_INVITE)
                .bind(&hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            let row = row.ok_or(StoreError::NotFound)?;
            let used = sqlx::query(
                "UPDATE invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(&hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if used != 1 {
                return Err(StoreError::NotFound);
            }
            let new = NewUser {
                clinic_id: ClinicId(row.clinic_id),
                role: Role::Patient,
                email: Email::parse(&row.email)?,
                display_name: format!("{} {}", row.given_name, row.family_name),
                password_hash: password_hash.to_string(),
                patient_id: Some(PatientId(row.patient_id)),
            };
            let id = user_insert!(&mut *tx, &new, &new.display_name);
            let actor = Actor {
                user_id: Some(UserId(id)),
                clinic_id: new.clinic_id,
                role: Role::Patient,
                patient_id: new.patient_id,
                address,
            };
            audit_insert!(
                &mut *tx,
                &actor,
                &Event::new("patient.account_created", "user").patient(row.patient_id)
            );
            id
        });
        self.user_get(UserId(user_id)).await
    }
}
