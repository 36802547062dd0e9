use std::time::Duration;

use rapport_domain::identity::{PatientId, Role};
use rapport_store::{Actor, Store, StoreError};

use crate::fixtures::{
    ADDR, assert_conflict, assert_forbidden, assert_last_audit, assert_not_found, email, new_user,
    patient, world,
};

const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

/// The patient accounts of a clinic, as (e-mail, patient id).
async fn patient_accounts(store: &Store, admin: &Actor) -> Vec<(String, Option<PatientId>)> {
    store
        .users_list(admin)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::Patient)
        .map(|u| (u.email, u.patient_id))
        .collect()
}

pub async fn invite_info_accept(store: &Store) {
    let w = world(store).await;
    let invite = store
        .invite_create(&w.clinician_a, w.ola.id, &email("Ola@Example.org"), WEEK)
        .await
        .unwrap();
    assert_eq!(invite.patient_id, w.ola.id);
    assert_eq!(invite.email.as_str(), "ola@example.org");
    assert_eq!(invite.token.len(), 64);
    assert!(
        !format!("{invite:?}").contains(&invite.token),
        "token not printed"
    );
    let in_a_week = jiff::Timestamp::now() + jiff::SignedDuration::try_from(WEEK).unwrap();
    assert!(
        in_a_week.duration_since(invite.expires_at).abs() < jiff::SignedDuration::from_secs(60)
    );
    assert_last_audit(
        store,
        &w.clinician_a,
        "patient.invite",
        "ok",
        Some(w.ola.id),
    )
    .await;

    let info = store.invite_info(&invite.token).await.unwrap().unwrap();
    assert_eq!(info.clinic_name, "Clinic A");
    assert_eq!(info.given_name, "Ola");
    assert_eq!(info.email, "ola@example.org");
    assert_eq!(info.expires_at, invite.expires_at);

    let user = store
        .invite_accept(&invite.token, "ola-hash", Some(ADDR.into()))
        .await
        .unwrap();
    assert_eq!(user.role, Role::Patient);
    assert_eq!(user.patient_id, Some(w.ola.id));
    assert_eq!(user.clinic_id, w.a.id);
    assert_eq!(user.email, "ola@example.org");
    assert_eq!(user.display_name, "Ola Hansen");
    let creds = store
        .user_credentials(&email("ola@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "ola-hash");
    let ola = user.actor(Some(ADDR.into()));
    assert_last_audit(store, &ola, "patient.account_created", "ok", Some(w.ola.id)).await;

    // The new account sees its own record and nothing else.
    assert_eq!(
        store.patient_get(&ola, w.ola.id).await.unwrap().value,
        w.ola
    );
    assert_not_found(store.patient_get(&ola, w.kari.id).await);
}

pub async fn single_use(store: &Store) {
    let w = world(store).await;
    let invite = store
        .invite_create(&w.clinician_a, w.ola.id, &email("ola@example.org"), WEEK)
        .await
        .unwrap();
    store
        .invite_accept(&invite.token, "h1", None)
        .await
        .unwrap();
    assert_eq!(store.invite_info(&invite.token).await.unwrap(), None);
    assert_not_found(store.invite_accept(&invite.token, "h2", None).await);
    let creds = store
        .user_credentials(&email("ola@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "h1", "a second use changes nothing");
    assert_not_found(store.invite_accept("no-such-token", "h", None).await);
    assert_eq!(store.invite_info("no-such-token").await.unwrap(), None);
}

pub async fn expired_invite_is_dead(store: &Store) {
    let w = world(store).await;
    let invite = store
        .invite_create(
            &w.clinician_a,
            w.ola.id,
            &email("ola@example.org"),
            Duration::ZERO,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(store.invite_info(&invite.token).await.unwrap(), None);
    assert_not_found(store.invite_accept(&invite.token, "h", None).await);
    assert_eq!(
        patient_accounts(store, &w.admin_a).await,
        vec![("kari@example.org".to_string(), Some(w.kari.id))]
    );
}

pub async fn new_invite_revokes_earlier(store: &Store) {
    let w = world(store).await;
    let per = patient(store, &w.clinician_a, "Per", "Karlsen").await;
    let per_invite = store
        .invite_create(&w.clinician_a, per.id, &email("per@example.org"), WEEK)
        .await
        .unwrap();
    let first = store
        .invite_create(&w.clinician_a, w.ola.id, &email("ola@example.org"), WEEK)
        .await
        .unwrap();
    let second = store
        .invite_create(&w.clinician_a, w.ola.id, &email("ola2@example.org"), WEEK)
        .await
        .unwrap();
    assert_eq!(store.invite_info(&first.token).await.unwrap(), None);
    assert_not_found(store.invite_accept(&first.token, "h", None).await);
    let info = store.invite_info(&second.token).await.unwrap().unwrap();
    assert_eq!(info.email, "ola2@example.org");
    assert!(
        store
            .invite_info(&per_invite.token)
            .await
            .unwrap()
            .is_some(),
        "another patient's invitation is untouched"
    );
    let user = store.invite_accept(&second.token, "h", None).await.unwrap();
    assert_eq!(user.email, "ola2@example.org");
}

pub async fn conflicts_are_refused(store: &Store) {
    let w = world(store).await;
    // Kari already has an account.
    assert_conflict(
        store
            .invite_create(&w.clinician_a, w.kari.id, &email("kari2@example.org"), WEEK)
            .await,
    );
    // The address belongs to someone else's account (in any clinic, any case).
    assert_conflict(
        store
            .invite_create(
                &w.clinician_a,
                w.ola.id,
                &email("Clinician@B.example.org"),
                WEEK,
            )
            .await,
    );
}

pub async fn tenancy_and_roles(store: &Store) {
    let w = world(store).await;
    let to = email("ola@example.org");
    assert_not_found(
        store
            .invite_create(&w.clinician_b, w.ola.id, &to, WEEK)
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_b,
        "patient.invite",
        "not_found",
        Some(w.ola.id),
    )
    .await;
    let missing = PatientId(w.bjorn.id.0 + 1000);
    assert_not_found(
        store
            .invite_create(&w.clinician_a, missing, &to, WEEK)
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_a,
        "patient.invite",
        "not_found",
        Some(missing),
    )
    .await;
    for actor in [&w.admin_a, &w.researcher_a, &w.kari_actor] {
        assert_forbidden(store.invite_create(actor, w.ola.id, &to, WEEK).await);
        assert_last_audit(store, actor, "patient.invite", "forbidden", Some(w.ola.id)).await;
    }
    // None of those left a usable invitation: the clinic's own clinician can still invite.
    let invite = store
        .invite_create(&w.clinician_a, w.ola.id, &to, WEEK)
        .await
        .unwrap();
    assert!(store.invite_info(&invite.token).await.unwrap().is_some());
}

pub async fn accept_with_email_taken_meanwhile_changes_nothing(store: &Store) {
    let w = world(store).await;
    let invite = store
        .invite_create(&w.clinician_a, w.ola.id, &email("ola@example.org"), WEEK)
        .await
        .unwrap();
    store
        .user_create(&new_user(w.b.id, Role::Clinician, "ola@example.org"))
        .await
        .unwrap();
    assert_conflict(store.invite_accept(&invite.token, "h", None).await);
    assert!(
        store.invite_info(&invite.token).await.unwrap().is_some(),
        "the invitation is not used up by a failed acceptance"
    );
    assert_eq!(
        patient_accounts(store, &w.admin_a).await,
        vec![("kari@example.org".to_string(), Some(w.kari.id))]
    );
}

pub async fn concurrent_accepts_make_one_account(store: &Store) {
    let w = world(store).await;
    let invite = store
        .invite_create(&w.clinician_a, w.ola.id, &email("ola@example.org"), WEEK)
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (store, token) = (store.clone(), invite.token.clone());
        tasks.spawn(async move { store.invite_accept(&token, &format!("h{i}"), None).await });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(u) => {
                assert_eq!(u.patient_id, Some(w.ola.id));
                ok += 1;
            }
            other => assert_not_found(other),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(patient_accounts(store, &w.admin_a).await.len(), 2);
}

pub async fn operator_cannot_invite(store: &Store) {
    let w = world(store).await;
    // An invitation is made by a clinician's account, which it records; an
    // operator at the command line has none.
    let operator = Actor::operator(w.a.id, Role::Clinician);
    let r = store
        .invite_create(&operator, w.ola.id, &email("ola@example.org"), WEEK)
        .await;
    assert!(matches!(r, Err(StoreError::Forbidden)), "{r:?}");
    assert_last_audit(
        store,
        &operator,
        "patient.invite",
        "forbidden",
        Some(w.ola.id),
    )
    .await;
}

pub async fn accept_after_account_made_meanwhile_is_a_conflict(store: &Store) {
    let w = world(store).await;
    let invite = store
        .invite_create(&w.clinician_a, w.ola.id, &email("ola@example.org"), WEEK)
        .await
        .unwrap();
    // An operator gives Ola an account by another route before the link is used.
    store
        .user_create(&rapport_store::NewUser {
            patient_id: Some(w.ola.id),
            ..new_user(w.a.id, Role::Patient, "ola.other@example.org")
        })
        .await
        .unwrap();
    assert_conflict(store.invite_accept(&invite.token, "h", None).await);
    assert!(
        store
            .user_credentials(&email("ola@example.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(patient_accounts(store, &w.admin_a).await.len(), 2);
}
