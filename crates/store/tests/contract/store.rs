use rapport_domain::identity::Role;
use rapport_store::{DbKind, Durability, PatientQuery, Store, StoreError};

use crate::fixtures::{clinic, clinician, patient, staff};

pub async fn migration_level_and_check(store: &Store) {
    assert!(store.migration_level().await.unwrap() >= 1);
    store.check().await.unwrap();
    assert_eq!(
        store.kind().as_str(),
        match store.kind() {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        }
    );
}

pub async fn migrate_is_idempotent(store: &Store) {
    let c = clinic(store, "Kept").await;
    let level = store.migration_level().await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.migration_level().await.unwrap(), level);
    assert_eq!(store.clinics_list().await.unwrap(), vec![c]);
}

pub async fn backup_sqlite(store: &Store) {
    let c = clinic(store, "Backed up").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    let kari = patient(store, &doc, "Kari", "Nordmann").await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.db");
    match store.kind() {
        DbKind::Sqlite => {
            store.backup_sqlite(&out).await.unwrap();
            // The copy opens as a database of its own with everything in it.
            let copy = Store::open_sqlite_file(&out, Durability::Full)
                .await
                .unwrap();
            copy.check().await.unwrap();
            assert_eq!(copy.clinics_list().await.unwrap(), vec![c.clone()]);
            let got = copy.patient_get(&doc, kari.id).await.unwrap();
            assert_eq!(got.value, kari);
            assert_eq!(
                copy.migration_level().await.unwrap(),
                store.migration_level().await.unwrap()
            );
            // Work on the copy does not reach the original, and the reverse.
            staff(&copy, c.id, Role::Admin, "only-in-copy@example.org").await;
            copy.close().await;
            assert_eq!(store.users_count_by_role(c.id).await.unwrap().len(), 1);
            // An existing file is not overwritten.
            assert!(store.backup_sqlite(&out).await.is_err());
        }
        DbKind::Postgres => {
            let err = store.backup_sqlite(&out).await.unwrap_err();
            assert!(matches!(err, StoreError::BadUrl(_)), "{err:?}");
            assert!(err.to_string().contains("pg_dump"), "{err}");
            assert!(!out.exists());
        }
    }
}

pub async fn close_stops_work(store: &Store) {
    let c = clinic(store, "Clinic").await;
    let doc = clinician(store, c.id, "doc@example.org").await;
    store.close().await;
    assert!(store.clinics_list().await.is_err());
    assert!(
        store
            .patients_list(&doc, &PatientQuery::default())
            .await
            .is_err()
    );
    // Closing twice is harmless.
    store.close().await;
}
