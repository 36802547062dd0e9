use rapport_store::Store;

pub async fn get_claim_put(store: &Store) {
    assert_eq!(store.setting_get("demo.loaded").await.unwrap(), None);
    assert!(store.setting_claim("demo.loaded", "first").await.unwrap());
    assert!(
        !store.setting_claim("demo.loaded", "second").await.unwrap(),
        "a claim happens once"
    );
    assert_eq!(
        store.setting_get("demo.loaded").await.unwrap().as_deref(),
        Some("first")
    );
    store.setting_put("demo.loaded", "third").await.unwrap();
    store.setting_put("theme", "dark").await.unwrap();
    assert_eq!(
        store.setting_get("demo.loaded").await.unwrap().as_deref(),
        Some("third")
    );
    assert_eq!(
        store.setting_get("theme").await.unwrap().as_deref(),
        Some("dark")
    );
    store.setting_put("theme", "").await.unwrap();
    assert_eq!(
        store.setting_get("theme").await.unwrap().as_deref(),
        Some("")
    );
    assert!(!store.setting_claim("theme", "x").await.unwrap());
}

pub async fn concurrent_claims_let_one_win(store: &Store) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            let won = store
                .setting_claim("demo.loaded", &format!("server {i}"))
                .await
                .unwrap();
            won.then_some(i)
        });
    }
    let mut winners = Vec::new();
    while let Some(r) = tasks.join_next().await {
        winners.extend(r.unwrap());
    }
    assert_eq!(
        winners.len(),
        1,
        "two servers starting at once load the demo once"
    );
    assert_eq!(
        store.setting_get("demo.loaded").await.unwrap(),
        Some(format!("server {}", winners[0]))
    );
}
