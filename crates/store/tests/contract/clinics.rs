use rapport_domain::identity::ClinicId;
use rapport_store::Store;

use crate::fixtures::{assert_invalid, assert_not_found, assert_recent};

pub async fn create_get_and_list(store: &Store) {
    assert!(store.clinics_list().await.unwrap().is_empty());
    let a = store.clinic_create("  Ryggklinikken Nord  ").await.unwrap();
    assert_eq!(a.name, "Ryggklinikken Nord", "name is trimmed");
    assert_recent(a.created_at);
    // 200 characters is the limit, counted as characters, not bytes, on both backends.
    let long = "ø".repeat(200);
    let b = store.clinic_create(&long).await.unwrap();
    assert_eq!(b.name, long);
    assert_ne!(a.id, b.id);

    assert_eq!(store.clinic_get(a.id).await.unwrap(), a);
    assert_eq!(store.clinic_get(b.id).await.unwrap(), b);
    assert_eq!(
        store.clinics_list().await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_not_found(store.clinic_get(ClinicId(b.id.0 + 1000)).await);
}

pub async fn names_are_checked_and_nothing_is_stored(store: &Store) {
    for blank in ["", "   ", "\t"] {
        assert_invalid(
            store.clinic_create(blank).await.unwrap_err(),
            "name",
            "required",
        );
    }
    for bad in ["x".repeat(201), "Ryggklinikken\u{0}".into(), "A\nB".into()] {
        assert_invalid(
            store.clinic_create(&bad).await.unwrap_err(),
            "name",
            "max_length",
        );
    }
    assert!(store.clinics_list().await.unwrap().is_empty());
}
