//! Small builders shared by the contract tests.

use jiff::civil::Date;
use rapport_domain::identity::{ClinicId, Email, PatientId, Role};
use rapport_domain::patient::{Patient, PatientDetails, PatientInput};
use rapport_store::{Actor, AuditEntry, AuditQuery, Clinic, NewUser, Store, StoreError, User};

/// The client address every test actor acts from.
pub const ADDR: &str = "198.51.100.7";
/// A password hash as the web layer would store it (the store never checks it).
pub const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

pub fn today() -> Date {
    jiff::Zoned::now().date()
}

pub fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

pub fn input(given: &str, family: &str, birth: &str) -> PatientInput {
    PatientInput {
        given_name: Some(given.into()),
        family_name: Some(family.into()),
        birth_date: Some(birth.into()),
        ..Default::default()
    }
}

pub fn details(given: &str, family: &str) -> PatientDetails {
    input(given, family, "1970-03-14")
        .validate(today())
        .unwrap()
}

pub fn new_user(clinic: ClinicId, role: Role, address: &str) -> NewUser {
    NewUser {
        clinic_id: clinic,
        role,
        email: email(address),
        display_name: format!("{role} {address}"),
        password_hash: HASH.into(),
        patient_id: None,
    }
}

pub async fn clinic(store: &Store, name: &str) -> Clinic {
    store.clinic_create(name).await.unwrap()
}

/// A staff account and the actor it acts as.
pub async fn staff(store: &Store, clinic: ClinicId, role: Role, address: &str) -> (User, Actor) {
    let user = store
        .user_create(&new_user(clinic, role, address))
        .await
        .unwrap();
    let actor = user.actor(Some(ADDR.into()));
    (user, actor)
}

pub async fn clinician(store: &Store, clinic: ClinicId, address: &str) -> Actor {
    staff(store, clinic, Role::Clinician, address).await.1
}

pub async fn patient(store: &Store, clinician: &Actor, given: &str, family: &str) -> Patient {
    store
        .patient_create(clinician, &details(given, family))
        .await
        .unwrap()
        .value
}

/// A patient account for an existing record, and the actor it acts as.
pub async fn patient_account(store: &Store, patient: &Patient, address: &str) -> (User, Actor) {
    let user = store
        .user_create(&NewUser {
            patient_id: Some(patient.id),
            ..new_user(patient.clinic_id, Role::Patient, address)
        })
        .await
        .unwrap();
    let actor = user.actor(Some(ADDR.into()));
    (user, actor)
}

/// Two clinics with one account of every staff role each and a patient with
/// an account in clinic A.
pub struct World {
    pub a: Clinic,
    pub b: Clinic,
    pub admin_a: Actor,
    pub clinician_a: Actor,
    pub researcher_a: Actor,
    pub admin_b: Actor,
    pub clinician_b: Actor,
    /// A patient of clinic A with an account.
    pub kari: Patient,
    pub kari_actor: Actor,
    /// Another patient of clinic A, without an account.
    pub ola: Patient,
    /// A patient of clinic B.
    pub bjorn: Patient,
}

pub async fn world(store: &Store) -> World {
    let a = clinic(store, "Clinic A").await;
    let b = clinic(store, "Clinic B").await;
    let admin_a = staff(store, a.id, Role::Admin, "admin@a.example.org")
        .await
        .1;
    let clinician_a = clinician(store, a.id, "clinician@a.example.org").await;
    let researcher_a = staff(store, a.id, Role::Researcher, "research@a.example.org")
        .await
        .1;
    let admin_b = staff(store, b.id, Role::Admin, "admin@b.example.org")
        .await
        .1;
    let clinician_b = clinician(store, b.id, "clinician@b.example.org").await;
    let kari = patient(store, &clinician_a, "Kari", "Nordmann").await;
    let ola = patient(store, &clinician_a, "Ola", "Hansen").await;
    let bjorn = patient(store, &clinician_b, "Bjørn", "Berg").await;
    let kari_actor = patient_account(store, &kari, "kari@example.org").await.1;
    World {
        a,
        b,
        admin_a,
        clinician_a,
        researcher_a,
        admin_b,
        clinician_b,
        kari,
        kari_actor,
        ola,
        bjorn,
    }
}

/// The whole audit log, oldest first.
pub async fn audit_all(store: &Store) -> Vec<AuditEntry> {
    let mut rows = store
        .audit_list_unscoped(&AuditQuery {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    rows.reverse();
    rows
}

/// The newest audit row.
pub async fn last_audit(store: &Store) -> AuditEntry {
    store
        .audit_list_unscoped(&AuditQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0)
}

/// Checks the newest audit row: what, how it ended, by whom, where, about whom.
pub async fn assert_last_audit(
    store: &Store,
    actor: &Actor,
    action: &str,
    outcome: &str,
    patient: Option<PatientId>,
) -> AuditEntry {
    let row = last_audit(store).await;
    assert_eq!(row.action, action, "{row:?}");
    assert_eq!(row.outcome, outcome, "{row:?}");
    assert_eq!(row.user_id, actor.user_id, "{row:?}");
    assert_eq!(row.role, Some(actor.role), "{row:?}");
    assert_eq!(row.clinic_id, Some(actor.clinic_id), "{row:?}");
    assert_eq!(row.address, actor.address, "{row:?}");
    assert_eq!(row.patient_id, patient, "{row:?}");
    row
}

/// The error is `Invalid` and names `field` (and `rule`).
#[track_caller]
pub fn assert_invalid(err: StoreError, field: &str, rule: &str) {
    match err {
        StoreError::Invalid(f) => {
            assert_eq!((f.field.as_str(), f.rule.as_str()), (field, rule), "{f:?}");
            assert!(!f.message.is_empty());
        }
        other => panic!("expected Invalid({field}, {rule}), got {other:?}"),
    }
}

#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Forbidden) => {}
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Conflict(msg)) => assert!(!msg.is_empty()),
        other => panic!("expected Conflict, got {other:?}"),
    }
}

/// `t` lies within a minute of now.
#[track_caller]
pub fn assert_recent(t: jiff::Timestamp) {
    let age = jiff::Timestamp::now().duration_since(t);
    assert!(
        age >= jiff::SignedDuration::from_secs(-5) && age < jiff::SignedDuration::from_secs(60),
        "{t} is not recent"
    );
}
