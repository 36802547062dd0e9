use std::time::Duration;

use rapport_domain::identity::{PatientId, Role};
use rapport_domain::patient::PatientInput;
use rapport_store::{Actor, AuditEntry, AuditQuery, DbKind, PatientQuery, Store};

use crate::fixtures::{
    ADDR, assert_forbidden, assert_last_audit, assert_recent, audit_all, clinic, clinician, email,
    last_audit, patient, today, world,
};

fn query(limit: u32) -> AuditQuery {
    AuditQuery {
        limit,
        ..Default::default()
    }
}

fn about(patient: PatientId) -> AuditQuery {
    AuditQuery {
        patient_id: Some(patient),
        ..query(1000)
    }
}

fn actions(rows: &[AuditEntry]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| (r.action.clone(), r.outcome.clone()))
        .collect()
}

pub async fn audit_event_records_everything(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    store
        .audit_event(&doc, "auth.login", "user", "ok", Some("web".into()))
        .await
        .unwrap();
    let row = assert_last_audit(store, &doc, "auth.login", "ok", None).await;
    assert_eq!(row.entity, "user");
    assert_eq!(row.detail.as_deref(), Some("web"));
    assert_eq!(row.record_id, None);
    assert_eq!(row.address.as_deref(), Some(ADDR));
    assert_recent(row.at);

    let anonymous = Actor {
        user_id: None,
        address: None,
        ..doc.clone()
    };
    store
        .audit_event(&anonymous, "auth.login", "user", "refused", None)
        .await
        .unwrap();
    let row = assert_last_audit(store, &anonymous, "auth.login", "refused", None).await;
    assert_eq!((row.user_id, row.address, row.detail), (None, None, None));
}

pub async fn audit_list_is_admin_only_and_clinic_scoped(store: &Store) {
    let w = world(store).await;
    store.patient_get(&w.clinician_a, w.kari.id).await.unwrap();
    store.patient_get(&w.clinician_b, w.bjorn.id).await.unwrap();
    let _ = store.patient_get(&w.clinician_b, w.kari.id).await;

    let expected_a = store
        .audit_list_unscoped(&AuditQuery {
            clinic_id: Some(w.a.id),
            ..query(1000)
        })
        .await
        .unwrap();
    let seen_a = store.audit_list(&w.admin_a, query(1000)).await.unwrap();
    assert_eq!(seen_a, expected_a);
    assert!(seen_a.iter().all(|r| r.clinic_id == Some(w.a.id)));
    assert!(
        seen_a
            .iter()
            .any(|r| r.action == "patient.read" && r.patient_id == Some(w.kari.id))
    );
    assert!(seen_a.windows(2).all(|p| p[0].id > p[1].id), "newest first");
    // The attempt from clinic B is in B's log, not A's.
    let seen_b = store.audit_list(&w.admin_b, query(1000)).await.unwrap();
    assert!(seen_b.iter().all(|r| r.clinic_id == Some(w.b.id)));
    assert!(
        seen_b
            .iter()
            .any(|r| r.patient_id == Some(w.kari.id) && r.outcome == "not_found")
    );
    assert!(!seen_a.iter().any(|r| r.patient_id == Some(w.bjorn.id)));

    for actor in [&w.clinician_a, &w.researcher_a, &w.kari_actor] {
        assert_forbidden(store.audit_list(actor, query(10)).await);
    }
    // An admin cannot widen the scope by asking for another clinic.
    let widened = store
        .audit_list(
            &w.admin_a,
            AuditQuery {
                clinic_id: Some(w.b.id),
                ..query(1000)
            },
        )
        .await
        .unwrap();
    assert!(widened.iter().all(|r| r.clinic_id == Some(w.a.id)));
}

pub async fn audit_list_is_itself_audited(store: &Store) {
    let w = world(store).await;
    let rows = store.audit_list(&w.admin_a, query(3)).await.unwrap();
    assert_eq!(rows.len(), 3);
    let row = assert_last_audit(store, &w.admin_a, "audit.read", "ok", None).await;
    assert_eq!(row.entity, "audit_log");
    assert_eq!(row.detail.as_deref(), Some("rows=3"));

    let about_kari = store
        .audit_list(&w.admin_a, about(w.kari.id))
        .await
        .unwrap();
    assert!(!about_kari.is_empty());
    let row = assert_last_audit(store, &w.admin_a, "audit.read", "ok", Some(w.kari.id)).await;
    assert_eq!(row.detail, Some(format!("rows={}", about_kari.len())));
    // Reading about Kari is itself something that shows up about Kari.
    let again = store
        .audit_list(&w.admin_a, about(w.kari.id))
        .await
        .unwrap();
    assert_eq!(again[0].action, "audit.read");
    assert_eq!(again.len(), about_kari.len() + 1);
}

pub async fn patient_filter_includes_lists_that_showed_them(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    let mut patients = Vec::new();
    for i in 1..=11 {
        patients.push(patient(store, &doc, "P", &format!("F{i:02}")).await);
    }
    // In a fresh database the first record is 1 and the eleventh 11: ",1," must not match ",11,".
    assert_eq!(
        (patients[0].id, patients[10].id),
        (PatientId(1), PatientId(11))
    );
    let page = |limit, offset| PatientQuery {
        search: None,
        limit,
        offset,
    };
    let everyone = store.patients_list(&doc, &page(100, 0)).await.unwrap();
    let everyone_row = last_audit(store).await.id;
    assert_eq!(everyone.len(), 11);
    let only_11 = store.patients_list(&doc, &page(1, 10)).await.unwrap();
    let only_11_row = last_audit(store).await.id;
    assert_eq!(only_11[0].value.id, PatientId(11));
    store.patient_get(&doc, PatientId(1)).await.unwrap();

    let one = store
        .audit_list_unscoped(&about(PatientId(1)))
        .await
        .unwrap();
    assert_eq!(
        actions(&one),
        vec![
            ("patient.read".to_string(), "ok".to_string()),
            ("patient.list".into(), "ok".into()),
            ("patient.create".into(), "ok".into()),
        ]
    );
    assert_eq!(one[1].id, everyone_row);
    let eleven: Vec<i64> = store
        .audit_list_unscoped(&about(PatientId(11)))
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(eleven.len(), 3);
    assert_eq!(&eleven[..2], &[only_11_row, everyone_row]);
    // The same filter through the admin's view.
    let (_, admin) = crate::fixtures::staff(store, c.id, Role::Admin, "admin@example.org").await;
    let seen = store.audit_list(&admin, about(PatientId(1))).await.unwrap();
    assert_eq!(seen, one);
    assert!(
        store
            .audit_list_unscoped(&about(PatientId(12)))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn unscoped_sees_all_clinics_and_pages(store: &Store) {
    let w = world(store).await;
    let all = store.audit_list_unscoped(&query(100_000)).await.unwrap();
    assert!(all.iter().any(|r| r.clinic_id == Some(w.a.id)));
    assert!(all.iter().any(|r| r.clinic_id == Some(w.b.id)));
    assert!(all.windows(2).all(|p| p[0].id > p[1].id), "newest first");
    let b_only = store
        .audit_list_unscoped(&AuditQuery {
            clinic_id: Some(w.b.id),
            ..query(1000)
        })
        .await
        .unwrap();
    assert_eq!(
        b_only,
        all.iter()
            .filter(|r| r.clinic_id == Some(w.b.id))
            .cloned()
            .collect::<Vec<_>>()
    );

    // Paging with before_id walks the whole log once.
    let mut walked = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .audit_list_unscoped(&AuditQuery {
                before_id: before,
                ..query(3)
            })
            .await
            .unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        walked.extend(page);
    }
    assert_eq!(walked, all);
    assert_eq!(store.audit_list_unscoped(&query(0)).await.unwrap().len(), 1);
}

pub async fn audit_log_is_append_only(store: &Store) {
    let w = world(store).await;
    let before = audit_all(store).await;
    assert!(!before.is_empty());
    for sql in [
        "UPDATE audit_log SET action = 'nothing.happened'",
        "UPDATE audit_log SET outcome = 'ok' WHERE outcome = 'ok'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 1",
    ] {
        let r = store.execute_maintenance_sql(sql).await;
        let err = r.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    if store.kind() == DbKind::Postgres {
        let err = store
            .execute_maintenance_sql("TRUNCATE audit_log")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    assert_eq!(audit_all(store).await, before);
    // Appending still works.
    store.patient_get(&w.clinician_a, w.kari.id).await.unwrap();
    assert_eq!(audit_all(store).await.len(), before.len() + 1);
}

pub async fn every_patient_access_is_audited(store: &Store) {
    let w = world(store).await;
    let start = audit_all(store).await.len();
    let doc = &w.clinician_a;
    let p = store
        .patient_create(doc, &crate::fixtures::details("Per", "Karlsen"))
        .await
        .unwrap()
        .value;
    store.patient_get(doc, p.id).await.unwrap();
    store
        .patients_list(
            doc,
            &PatientQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let edit = PatientInput {
        phone: Some("12345678".into()),
        ..Default::default()
    };
    store
        .patient_update(doc, p.id, &edit, Some(1), today())
        .await
        .unwrap();
    store
        .invite_create(
            doc,
            p.id,
            &email("per@example.org"),
            Duration::from_secs(3600),
        )
        .await
        .unwrap();
    let _ = store.patient_get(&w.clinician_b, p.id).await;
    let _ = store.patient_get(&w.researcher_a, p.id).await;
    let _ = store
        .patients_list(&w.admin_a, &PatientQuery::default())
        .await;
    // An edit with bad input changes nothing and is not recorded; a stale
    // one is refused by a rule of the record, and the refusal is recorded.
    let bad = PatientInput {
        birth_date: Some("x".into()),
        ..Default::default()
    };
    let _ = store.patient_update(doc, p.id, &bad, None, today()).await;
    let _ = store
        .patient_update(doc, p.id, &edit, Some(1), today())
        .await;

    let rows = audit_all(store).await;
    let new: Vec<(String, String, Option<PatientId>)> = rows[start..]
        .iter()
        .map(|r| (r.action.clone(), r.outcome.clone(), r.patient_id))
        .collect();
    let e = |a: &str, o: &str, p: Option<PatientId>| (a.to_string(), o.to_string(), p);
    assert_eq!(
        new,
        vec![
            e("patient.create", "ok", Some(p.id)),
            e("patient.read", "ok", Some(p.id)),
            e("patient.list", "ok", None),
            e("patient.update", "ok", Some(p.id)),
            e("patient.invite", "ok", Some(p.id)),
            e("patient.read", "not_found", Some(p.id)),
            e("patient.read", "forbidden", Some(p.id)),
            e("patient.list", "forbidden", None),
            e("patient.update", "refused", Some(p.id)),
        ]
    );
    assert!(rows[start..].windows(2).all(|r| r[0].at <= r[1].at));
    assert!(
        rows[start..]
            .iter()
            .all(|r| r.address.as_deref() == Some(ADDR))
    );
}
