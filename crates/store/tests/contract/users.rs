use rapport_domain::identity::{ClinicId, PatientId, Role, UserId};
use rapport_store::{NewUser, SessionKind, SessionPolicy, Store, StoreError};

use crate::fixtures::{
    HASH, assert_conflict, assert_forbidden, assert_invalid, assert_last_audit, assert_not_found,
    assert_recent, clinic, clinician, email, last_audit, new_user, patient, staff, world,
};

pub async fn create_and_get(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let user = store
        .user_create(&NewUser {
            display_name: "  Anne Admin ".into(),
            email: email(" Anne@Example.ORG "),
            ..new_user(c.id, Role::Admin, "x@example.org")
        })
        .await
        .unwrap();
    assert_eq!(user.clinic_id, c.id);
    assert_eq!(user.email, "anne@example.org", "e-mail is normalised");
    assert_eq!(user.display_name, "Anne Admin", "name is trimmed");
    assert_eq!(user.role, Role::Admin);
    assert_eq!(user.patient_id, None);
    assert!(user.active);
    assert_recent(user.created_at);
    assert_eq!(store.user_get(user.id).await.unwrap(), user);
    assert_not_found(store.user_get(UserId(user.id.0 + 1000)).await);

    // Operator set-up is audited, with no user and the command line as address.
    let row = last_audit(store).await;
    assert_eq!(
        (
            row.action.as_str(),
            row.entity.as_str(),
            row.outcome.as_str()
        ),
        ("user.create", "user", "ok")
    );
    assert_eq!(row.record_id, Some(user.id.0));
    assert_eq!(row.clinic_id, Some(c.id));
    assert_eq!(row.user_id, None);
    assert_eq!(row.address.as_deref(), Some("cli"));
    assert_eq!(row.patient_id, None);
}

pub async fn email_taken_is_a_conflict(store: &Store) {
    let a = clinic(store, "A").await;
    let b = clinic(store, "B").await;
    store
        .user_create(&new_user(a.id, Role::Clinician, "ann@example.org"))
        .await
        .unwrap();
    // E-mail addresses are unique across clinics and regardless of case.
    let again = store
        .user_create(&new_user(b.id, Role::Admin, "ANN@example.org"))
        .await;
    assert_conflict(again);
    assert_eq!(
        store.users_count_by_role(b.id).await.unwrap(),
        Vec::<(String, i64)>::new()
    );
}

pub async fn invalid_accounts_are_refused(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let w = clinician(store, c.id, "doc@example.org").await;
    let p = patient(store, &w, "Kari", "Nordmann").await;
    let before = store.users_count_by_role(c.id).await.unwrap();

    for name in ["", "   ", &"x".repeat(101), "A\u{7}B"] {
        let err = store
            .user_create(&NewUser {
                display_name: name.into(),
                ..new_user(c.id, Role::Clinician, "new@example.org")
            })
            .await
            .unwrap_err();
        assert_invalid(err, "display_name", "length");
    }
    // A patient account needs a patient record, and only a patient account may have one.
    let err = store
        .user_create(&new_user(c.id, Role::Patient, "p@example.org"))
        .await
        .unwrap_err();
    assert_invalid(err, "role", "patient_link");
    let err = store
        .user_create(&NewUser {
            patient_id: Some(p.id),
            ..new_user(c.id, Role::Clinician, "c@example.org")
        })
        .await
        .unwrap_err();
    assert_invalid(err, "role", "patient_link");
    // The clinic must exist.
    let err = store
        .user_create(&new_user(
            ClinicId(c.id.0 + 1000),
            Role::Admin,
            "x@example.org",
        ))
        .await
        .unwrap_err();
    assert_invalid(err, "clinic", "exists");

    assert_eq!(store.users_count_by_role(c.id).await.unwrap(), before);
    assert!(
        store
            .user_credentials(&email("new@example.org"))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn patient_accounts_link_one_record_of_their_clinic(store: &Store) {
    let w = world(store).await;
    let kari = store.user_get(w.kari_actor.user_id.unwrap()).await.unwrap();
    assert_eq!(kari.role, Role::Patient);
    assert_eq!(kari.patient_id, Some(w.kari.id));
    assert_eq!(kari.clinic_id, w.a.id);

    // One account per patient record.
    let second = store
        .user_create(&NewUser {
            patient_id: Some(w.kari.id),
            ..new_user(w.a.id, Role::Patient, "kari2@example.org")
        })
        .await;
    assert_conflict(second);
    // A record of another clinic, or none at all, cannot be linked.
    for (pid, who) in [
        (w.bjorn.id, "other clinic"),
        (PatientId(w.bjorn.id.0 + 1000), "missing"),
    ] {
        let err = store
            .user_create(&NewUser {
                patient_id: Some(pid),
                ..new_user(w.a.id, Role::Patient, "stray@example.org")
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(f) if f.field == "patient" && f.rule == "same_clinic"),
            "{who}: {err:?}"
        );
    }
    assert!(
        store
            .user_credentials(&email("stray@example.org"))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn admin_adds_staff_to_own_clinic_only(store: &Store) {
    let w = world(store).await;
    let made = store
        .user_create_by(
            &w.admin_a,
            &new_user(w.a.id, Role::Researcher, "res2@a.example.org"),
        )
        .await
        .unwrap();
    assert_eq!(made.role, Role::Researcher);
    assert_eq!(made.clinic_id, w.a.id);
    let row = assert_last_audit(store, &w.admin_a, "user.create", "ok", None).await;
    assert_eq!(row.record_id, Some(made.id.0));

    // Not into another clinic, not patient accounts, not by anyone but an admin.
    assert_forbidden(
        store
            .user_create_by(
                &w.admin_a,
                &new_user(w.b.id, Role::Clinician, "x1@example.org"),
            )
            .await,
    );
    assert_forbidden(
        store
            .user_create_by(
                &w.admin_a,
                &NewUser {
                    patient_id: Some(w.ola.id),
                    ..new_user(w.a.id, Role::Patient, "x2@example.org")
                },
            )
            .await,
    );
    for actor in [&w.clinician_a, &w.researcher_a, &w.kari_actor] {
        assert_forbidden(
            store
                .user_create_by(actor, &new_user(w.a.id, Role::Clinician, "x3@example.org"))
                .await,
        );
    }
    assert_conflict(
        store
            .user_create_by(
                &w.admin_a,
                &new_user(w.a.id, Role::Clinician, "clinician@b.example.org"),
            )
            .await,
    );
    let err = store
        .user_create_by(
            &w.admin_a,
            &NewUser {
                display_name: " ".into(),
                ..new_user(w.a.id, Role::Clinician, "x4@example.org")
            },
        )
        .await
        .unwrap_err();
    assert_invalid(err, "display_name", "length");
    for x in ["x1", "x2", "x3", "x4"] {
        let e = email(&format!("{x}@example.org"));
        assert!(store.user_credentials(&e).await.unwrap().is_none(), "{x}");
    }
}

pub async fn credentials_by_email(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let (user, _) = staff(store, c.id, Role::Clinician, "doc@example.org").await;
    let creds = store
        .user_credentials(&email("DOC@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.user, user);
    assert_eq!(creds.password_hash, HASH);
    assert!(
        !format!("{creds:?}").contains(HASH),
        "the hash is not printed"
    );
    assert!(
        store
            .user_credentials(&email("nobody@example.org"))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn list_is_the_admins_clinic_only(store: &Store) {
    let w = world(store).await;
    let users = store.users_list(&w.admin_a).await.unwrap();
    let seen: Vec<(Role, &str)> = users.iter().map(|u| (u.role, u.email.as_str())).collect();
    assert_eq!(
        seen,
        vec![
            (Role::Admin, "admin@a.example.org"),
            (Role::Clinician, "clinician@a.example.org"),
            (Role::Patient, "kari@example.org"),
            (Role::Researcher, "research@a.example.org"),
        ]
    );
    assert!(users.iter().all(|u| u.clinic_id == w.a.id));
    let b: Vec<String> = store
        .users_list(&w.admin_b)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(b, vec!["admin@b.example.org", "clinician@b.example.org"]);
    for actor in [&w.clinician_a, &w.researcher_a, &w.kari_actor] {
        assert_forbidden(store.users_list(actor).await);
    }
}

pub async fn set_password_replaces_hash_and_ends_sessions(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let (ann, _) = staff(store, c.id, Role::Clinician, "ann@example.org").await;
    let (bob, _) = staff(store, c.id, Role::Clinician, "bob@example.org").await;
    let policy = SessionPolicy::default();
    let web = store
        .session_create(ann.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    let api = store
        .session_create(ann.id, SessionKind::Api, &policy)
        .await
        .unwrap();
    let bobs = store
        .session_create(bob.id, SessionKind::Web, &policy)
        .await
        .unwrap();

    store.user_set_password(ann.id, "new-hash").await.unwrap();
    let creds = store
        .user_credentials(&email("ann@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "new-hash");
    for (token, kind) in [
        (&web.token, SessionKind::Web),
        (&api.token, SessionKind::Api),
    ] {
        assert!(
            store
                .session_lookup(token, kind, &policy)
                .await
                .unwrap()
                .is_none()
        );
    }
    let still = store
        .session_lookup(&bobs.token, SessionKind::Web, &policy)
        .await
        .unwrap();
    assert_eq!(still.map(|(u, _)| u.id), Some(bob.id), "others keep theirs");
    let bob_creds = store
        .user_credentials(&email("bob@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob_creds.password_hash, HASH);

    assert_not_found(store.user_set_password(UserId(bob.id.0 + 1000), "h").await);
}

pub async fn count_by_role_is_per_clinic(store: &Store) {
    let w = world(store).await;
    staff(store, w.a.id, Role::Clinician, "second@a.example.org").await;
    let empty = clinic(store, "Empty").await;
    let count = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
        v.iter().map(|(r, n)| ((*r).to_string(), *n)).collect()
    };
    assert_eq!(
        store.users_count_by_role(w.a.id).await.unwrap(),
        count(&[
            ("admin", 1),
            ("clinician", 2),
            ("patient", 1),
            ("researcher", 1)
        ])
    );
    assert_eq!(
        store.users_count_by_role(w.b.id).await.unwrap(),
        count(&[("admin", 1), ("clinician", 1)])
    );
    assert!(
        store
            .users_count_by_role(empty.id)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn concurrent_creates_with_one_email_make_one_account(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .user_create(&NewUser {
                    display_name: format!("Racer {i}"),
                    ..new_user(c.id, Role::Clinician, "race@example.org")
                })
                .await
        });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => ok += 1,
            other => assert_conflict(other),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(
        store.users_count_by_role(c.id).await.unwrap(),
        vec![("clinician".to_string(), 1)]
    );
}

pub async fn patient_account_is_shown_to_own_clinicians_only(store: &Store) {
    let w = world(store).await;
    let account = store
        .patient_account(&w.clinician_a, w.kari.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.patient_id, Some(w.kari.id));
    assert_eq!(account.role, Role::Patient);
    assert!(
        store
            .patient_account(&w.clinician_a, w.ola.id)
            .await
            .unwrap()
            .is_none()
    );
    // Another clinic's clinician learns nothing; other roles are refused.
    assert!(
        store
            .patient_account(&w.clinician_b, w.kari.id)
            .await
            .unwrap()
            .is_none()
    );
    for actor in [&w.admin_a, &w.researcher_a, &w.kari_actor] {
        assert!(matches!(
            store.patient_account(actor, w.kari.id).await,
            Err(StoreError::Forbidden)
        ));
    }
}
