use jiff::civil::date;
use rapport_domain::identity::PatientId;
use rapport_domain::patient::{Patient, PatientInput};
use rapport_store::{Actor, PatientQuery, Store, Versioned};

use crate::fixtures::{
    assert_conflict, assert_forbidden, assert_invalid, assert_last_audit, assert_not_found,
    assert_recent, audit_all, clinic, clinician, details, input, last_audit, patient, today, world,
};

fn all() -> PatientQuery {
    PatientQuery {
        limit: 1000,
        ..Default::default()
    }
}

fn search(q: &str) -> PatientQuery {
    PatientQuery {
        search: Some(q.into()),
        ..all()
    }
}

async fn names(store: &Store, actor: &Actor, query: &PatientQuery) -> Vec<String> {
    store
        .patients_list(actor, query)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.value.display_name())
        .collect()
}

async fn create_with(store: &Store, actor: &Actor, input: PatientInput) -> Patient {
    let details = input.validate(today()).unwrap();
    store.patient_create(actor, &details).await.unwrap().value
}

pub async fn create_and_get_round_trip(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    let details = PatientInput {
        email: Some("Kari@Example.NO".into()),
        phone: Some("+47 22 33 44 55".into()),
        external_ref: Some("RK-1001".into()),
        ..input("Kari", "Nordmann", "1970-02-28")
    }
    .validate(today())
    .unwrap();
    let made = store.patient_create(&doc, &details).await.unwrap();
    assert_eq!(made.version, 1);
    assert_eq!(made.value.details, details);
    assert_eq!(
        made.value.clinic_id, c.id,
        "created in the clinician's clinic"
    );
    assert_eq!(
        made.value.created_at, made.value.updated_at,
        "one parameter bound to both columns"
    );
    assert_recent(made.value.created_at);
    let row = assert_last_audit(store, &doc, "patient.create", "ok", Some(made.value.id)).await;
    assert_eq!(row.entity, "patient");
    assert_eq!(row.record_id, Some(made.value.id.0));

    let got = store.patient_get(&doc, made.value.id).await.unwrap();
    assert_eq!(got, made, "what is read back is what was written");
    assert_last_audit(store, &doc, "patient.read", "ok", Some(made.value.id)).await;
    assert_eq!(store.patients_count(c.id).await.unwrap(), 1);
}

pub async fn only_clinicians_create(store: &Store) {
    let w = world(store).await;
    for actor in [&w.admin_a, &w.researcher_a, &w.kari_actor] {
        assert_forbidden(store.patient_create(actor, &details("New", "Person")).await);
        assert_last_audit(store, actor, "patient.create", "forbidden", None).await;
    }
    assert_eq!(store.patients_count(w.a.id).await.unwrap(), 2);
}

pub async fn tenancy_of_get(store: &Store) {
    let w = world(store).await;
    // Another clinic's patient does not exist for this clinician, and the attempt is kept.
    assert_not_found(store.patient_get(&w.clinician_b, w.kari.id).await);
    assert_last_audit(
        store,
        &w.clinician_b,
        "patient.read",
        "not_found",
        Some(w.kari.id),
    )
    .await;
    assert_not_found(store.patient_get(&w.clinician_a, w.bjorn.id).await);
    assert_last_audit(
        store,
        &w.clinician_a,
        "patient.read",
        "not_found",
        Some(w.bjorn.id),
    )
    .await;
    let missing = PatientId(w.bjorn.id.0 + 1000);
    assert_not_found(store.patient_get(&w.clinician_a, missing).await);
    assert_last_audit(
        store,
        &w.clinician_a,
        "patient.read",
        "not_found",
        Some(missing),
    )
    .await;
    // Administrators and researchers do not read clinical records, even in their own clinic.
    for actor in [&w.admin_a, &w.researcher_a] {
        assert_forbidden(store.patient_get(actor, w.kari.id).await);
        assert_last_audit(store, actor, "patient.read", "forbidden", Some(w.kari.id)).await;
        assert_forbidden(store.patients_list(actor, &all()).await);
        assert_last_audit(store, actor, "patient.list", "forbidden", None).await;
    }
    // The clinic's own clinician does.
    assert_eq!(
        store
            .patient_get(&w.clinician_a, w.kari.id)
            .await
            .unwrap()
            .value,
        w.kari
    );
    assert_eq!(
        store
            .patient_get(&w.clinician_b, w.bjorn.id)
            .await
            .unwrap()
            .value,
        w.bjorn
    );
}

pub async fn patient_sees_only_self(store: &Store) {
    let w = world(store).await;
    let me = store.patient_get(&w.kari_actor, w.kari.id).await.unwrap();
    assert_eq!(me.value, w.kari);
    assert_last_audit(store, &w.kari_actor, "patient.read", "ok", Some(w.kari.id)).await;
    for other in [w.ola.id, w.bjorn.id] {
        assert_not_found(store.patient_get(&w.kari_actor, other).await);
        assert_last_audit(
            store,
            &w.kari_actor,
            "patient.read",
            "not_found",
            Some(other),
        )
        .await;
    }
    assert_eq!(
        names(store, &w.kari_actor, &all()).await,
        vec!["Kari Nordmann"]
    );
    assert!(
        names(store, &w.kari_actor, &search("Hansen"))
            .await
            .is_empty()
    );
    // A patient does not edit the clinical record.
    let edit = PatientInput {
        family_name: Some("Changed".into()),
        ..Default::default()
    };
    assert_forbidden(
        store
            .patient_update(&w.kari_actor, w.kari.id, &edit, None, today())
            .await,
    );
    assert_last_audit(
        store,
        &w.kari_actor,
        "patient.update",
        "forbidden",
        Some(w.kari.id),
    )
    .await;
    // A patient account with no record linked sees nothing at all.
    let unlinked = Actor {
        patient_id: None,
        ..w.kari_actor.clone()
    };
    assert!(names(store, &unlinked, &all()).await.is_empty());
    assert_not_found(store.patient_get(&unlinked, w.kari.id).await);
    assert_eq!(
        store
            .patient_get(&w.clinician_a, w.kari.id)
            .await
            .unwrap()
            .value,
        w.kari
    );
}

pub async fn list_is_scoped_sorted_and_paged(store: &Store) {
    let a = clinic(store, "A").await;
    let b = clinic(store, "B").await;
    let doc_a = clinician(store, a.id, "doc@a.example.org").await;
    let doc_b = clinician(store, b.id, "doc@b.example.org").await;
    for (given, family) in [
        ("Kari", "Nordmann"),
        ("Ola", "Hansen"),
        ("eva", "berg"),
        ("Zed", "Aas"),
        ("Anna", "Hansen"),
    ] {
        patient(store, &doc_a, given, family).await;
    }
    patient(store, &doc_b, "Bjorn", "Berg").await;

    let expected = vec![
        "Zed Aas",
        "eva berg",
        "Anna Hansen",
        "Ola Hansen",
        "Kari Nordmann",
    ];
    assert_eq!(
        names(store, &doc_a, &all()).await,
        expected,
        "by family name, case-blind"
    );
    assert_eq!(names(store, &doc_b, &all()).await, vec!["Bjorn Berg"]);

    let page = |limit, offset| PatientQuery {
        search: None,
        limit,
        offset,
    };
    assert_eq!(names(store, &doc_a, &page(2, 0)).await, expected[0..2]);
    assert_eq!(names(store, &doc_a, &page(2, 2)).await, expected[2..4]);
    assert_eq!(names(store, &doc_a, &page(2, 4)).await, expected[4..]);
    assert!(names(store, &doc_a, &page(2, 10)).await.is_empty());
    assert_eq!(
        names(store, &doc_a, &page(0, 0)).await,
        expected[0..1],
        "at least one"
    );
    assert_eq!(names(store, &doc_a, &page(u32::MAX, 0)).await, expected);

    // The list is audited with the ids it showed, in order.
    let shown = store.patients_list(&doc_a, &page(2, 1)).await.unwrap();
    let row = assert_last_audit(store, &doc_a, "patient.list", "ok", None).await;
    let ids = format!(",{},{},", shown[0].value.id, shown[1].value.id);
    assert_eq!(row.detail.as_deref(), Some(ids.as_str()));
    store.patients_list(&doc_a, &page(2, 10)).await.unwrap();
    let row = last_audit(store).await;
    assert_eq!(row.detail.as_deref(), Some(","));
}

pub async fn search_binds_reused_parameter_everywhere(store: &Store) {
    let a = clinic(store, "A").await;
    let b = clinic(store, "B").await;
    let doc = clinician(store, a.id, "doc@a.example.org").await;
    let other = clinician(store, b.id, "doc@b.example.org").await;
    create_with(
        store,
        &doc,
        PatientInput {
            external_ref: Some("RK-1001".into()),
            ..input("Kari", "Nordmann", "1970-01-01")
        },
    )
    .await;
    create_with(
        store,
        &doc,
        PatientInput {
            external_ref: Some("X-77".into()),
            ..input("Ola", "Hansen", "1980-01-01")
        },
    )
    .await;
    patient(store, &doc, "Per", "Karlsen").await;
    patient(store, &other, "Kari", "Nordmann").await;

    // One pattern, bound once, used in three places: "given family",
    // "family given" and the record number. Each must see the value.
    for (q, expected) in [
        ("kari nordmann", vec!["Kari Nordmann"]),
        ("NORDMANN KARI", vec!["Kari Nordmann"]),
        ("mann kar", vec!["Kari Nordmann"]),
        ("rk-10", vec!["Kari Nordmann"]),
        ("x-77", vec!["Ola Hansen"]),
        ("karl", vec!["Per Karlsen"]),
        ("ka", vec!["Per Karlsen", "Kari Nordmann"]),
        ("an", vec!["Ola Hansen", "Kari Nordmann"]),
        ("  ", vec!["Ola Hansen", "Per Karlsen", "Kari Nordmann"]),
        ("zzz", vec![]),
    ] {
        assert_eq!(
            names(store, &doc, &search(q)).await,
            expected,
            "search {q:?}"
        );
    }
    let mine = store.patients_list(&doc, &search("kari")).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0].value.clinic_id, a.id,
        "never another clinic's namesake"
    );
    let theirs = store.patients_list(&other, &search("kari")).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].value.clinic_id, b.id);
}

pub async fn search_escapes_like_wildcards(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    patient(store, &doc, "Ann", "100%_Sure").await;
    patient(store, &doc, "Bob", "Plain").await;
    patient(store, &doc, "Cy", "Back\\slash").await;
    for (q, expected) in [
        ("%", vec!["Ann 100%_Sure"]),
        ("_", vec!["Ann 100%_Sure"]),
        ("0%_s", vec!["Ann 100%_Sure"]),
        ("\\", vec!["Cy Back\\slash"]),
        ("n%", vec![]),
    ] {
        assert_eq!(
            names(store, &doc, &search(q)).await,
            expected,
            "search {q:?}"
        );
    }
}

pub async fn update_edits_some_fields_and_is_audited(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    let made = create_with(
        store,
        &doc,
        PatientInput {
            email: Some("kari@example.no".into()),
            phone: Some("12345678".into()),
            ..input("Kari", "Nordmann", "1970-03-14")
        },
    )
    .await;
    let edit = PatientInput {
        family_name: Some(" Hansen ".into()),
        email: Some(String::new()),
        ..Default::default()
    };
    let updated = store
        .patient_update(&doc, made.id, &edit, Some(1), today())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    let d = &updated.value.details;
    assert_eq!(d.family_name, "Hansen");
    assert_eq!(d.email, None, "an empty field clears it");
    assert_eq!(d.given_name, "Kari", "absent fields keep their value");
    assert_eq!(d.phone.as_deref(), Some("12345678"));
    assert_eq!(d.birth_date, made.details.birth_date);
    assert_eq!(updated.value.created_at, made.created_at);
    assert!(updated.value.updated_at >= made.updated_at);
    let row = assert_last_audit(store, &doc, "patient.update", "ok", Some(made.id)).await;
    assert_eq!(row.detail.as_deref(), Some("fields=family_name,email"));
    assert_eq!(store.patient_get(&doc, made.id).await.unwrap(), updated);

    let same = store
        .patient_update(&doc, made.id, &PatientInput::default(), None, today())
        .await
        .unwrap();
    assert_eq!(same.version, 3);
    assert_eq!(same.value.details, updated.value.details);
    assert_eq!(last_audit(store).await.detail.as_deref(), Some("fields="));
}

pub async fn stale_version_is_a_conflict(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    let nurse = clinician(store, c.id, "nurse@example.org").await;
    let made = patient(store, &doc, "Kari", "Nordmann").await;
    let rename = |family: &str| PatientInput {
        family_name: Some(family.into()),
        ..Default::default()
    };
    let v2 = store
        .patient_update(&nurse, made.id, &rename("Hansen"), Some(1), today())
        .await
        .unwrap();
    // The doctor opened version 1 and saves after the nurse: refused, nothing changed.
    assert_conflict(
        store
            .patient_update(&doc, made.id, &rename("Berg"), Some(1), today())
            .await,
    );
    assert_eq!(store.patient_get(&doc, made.id).await.unwrap(), v2);
    let v3 = store
        .patient_update(&doc, made.id, &rename("Berg"), Some(2), today())
        .await
        .unwrap();
    assert_eq!(
        (v3.version, v3.value.details.family_name.as_str()),
        (3, "Berg")
    );
    // Without an expected version the last edit wins.
    let v4 = store
        .patient_update(&doc, made.id, &rename("Dahl"), None, today())
        .await
        .unwrap();
    assert_eq!(v4.version, 4);
}

pub async fn concurrent_edits_of_one_version_let_one_through(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    let made = patient(store, &doc, "Kari", "Nordmann").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (store, doc) = (store.clone(), doc.clone());
        tasks.spawn(async move {
            let edit = PatientInput {
                given_name: Some(format!("Editor{i}")),
                ..Default::default()
            };
            store
                .patient_update(&doc, made.id, &edit, Some(1), today())
                .await
        });
    }
    let mut winners: Vec<Versioned<Patient>> = Vec::new();
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(p) => winners.push(p),
            other => assert_conflict(other),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one edit of version 1 is accepted"
    );
    let now = store.patient_get(&doc, made.id).await.unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(now, winners[0]);
}

pub async fn invalid_edit_names_field_and_changes_nothing(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    let made = patient(store, &doc, "Kari", "Nordmann").await;
    let before = store.patient_get(&doc, made.id).await.unwrap();
    let tomorrow = today().tomorrow().unwrap().to_string();
    let cases: Vec<(PatientInput, &str, &str)> = vec![
        (
            PatientInput {
                given_name: Some(" ".into()),
                ..Default::default()
            },
            "given_name",
            "required",
        ),
        (
            PatientInput {
                family_name: Some("x".repeat(101)),
                ..Default::default()
            },
            "family_name",
            "max_length",
        ),
        (
            PatientInput {
                family_name: Some("Changed".into()),
                birth_date: Some("14.03.1970".into()),
                ..Default::default()
            },
            "birth_date",
            "date",
        ),
        (
            PatientInput {
                birth_date: Some(tomorrow),
                ..Default::default()
            },
            "birth_date",
            "not_in_future",
        ),
        (
            PatientInput {
                email: Some("kari".into()),
                ..Default::default()
            },
            "email",
            "email",
        ),
        (
            PatientInput {
                phone: Some("call me".into()),
                ..Default::default()
            },
            "phone",
            "phone",
        ),
        (
            PatientInput {
                external_ref: Some("r".repeat(65)),
                ..Default::default()
            },
            "external_ref",
            "max_length",
        ),
    ];
    for (edit, field, rule) in cases {
        let err = store
            .patient_update(&doc, made.id, &edit, Some(1), today())
            .await
            .unwrap_err();
        assert_invalid(err, field, rule);
    }
    assert_eq!(store.patient_get(&doc, made.id).await.unwrap(), before);
    let updates = audit_all(store)
        .await
        .into_iter()
        .filter(|r| r.action == "patient.update")
        .count();
    assert_eq!(updates, 0, "a refused edit is not recorded as an edit");
}

pub async fn tenancy_of_update(store: &Store) {
    let w = world(store).await;
    let edit = PatientInput {
        family_name: Some("Changed".into()),
        ..Default::default()
    };
    assert_not_found(
        store
            .patient_update(&w.clinician_b, w.kari.id, &edit, None, today())
            .await,
    );
    assert_last_audit(
        store,
        &w.clinician_b,
        "patient.update",
        "not_found",
        Some(w.kari.id),
    )
    .await;
    for actor in [&w.admin_a, &w.researcher_a, &w.kari_actor] {
        assert_forbidden(
            store
                .patient_update(actor, w.kari.id, &edit, None, today())
                .await,
        );
        assert_last_audit(store, actor, "patient.update", "forbidden", Some(w.kari.id)).await;
    }
    let missing = PatientId(w.bjorn.id.0 + 1000);
    assert_not_found(
        store
            .patient_update(&w.clinician_a, missing, &edit, None, today())
            .await,
    );
    let kari = store.patient_get(&w.clinician_a, w.kari.id).await.unwrap();
    assert_eq!((kari.version, &kari.value), (1, &w.kari));
    // Invalid input for another clinic's patient is still "not found", not a hint.
    let bad = PatientInput {
        birth_date: Some("nonsense".into()),
        ..Default::default()
    };
    assert_not_found(
        store
            .patient_update(&w.clinician_b, w.kari.id, &bad, None, today())
            .await,
    );
}

pub async fn count_is_per_clinic(store: &Store) {
    let w = world(store).await;
    let empty = clinic(store, "Empty").await;
    assert_eq!(store.patients_count(w.a.id).await.unwrap(), 2);
    assert_eq!(store.patients_count(w.b.id).await.unwrap(), 1);
    assert_eq!(store.patients_count(empty.id).await.unwrap(), 0);
}

pub async fn admitting_a_patient_opens_the_episode_in_the_same_transaction(store: &Store) {
    let w = world(store).await;
    let p = store
        .patient_admit(&w.clinician_a, &details("Unni", "Urd"), date(2026, 3, 2))
        .await
        .unwrap()
        .value;
    let e = store
        .episode_current(&w.clinician_a, p.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.opened_on, date(2026, 3, 2));
    let rows = audit_all(store).await;
    let actions: Vec<&str> = rows
        .iter()
        .rev()
        .take(3)
        .map(|r| r.action.as_str())
        .collect();
    assert!(
        actions.contains(&"patient.create") && actions.contains(&"episode.open"),
        "{actions:?}"
    );
    assert_forbidden(
        store
            .patient_admit(&w.kari_actor, &details("No", "Pe"), date(2026, 3, 2))
            .await,
    );
    assert_eq!(
        store.patients_count(w.a.id).await.unwrap(),
        3,
        "nothing half-written"
    );
}
