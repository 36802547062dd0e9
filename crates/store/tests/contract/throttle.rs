use std::time::Duration;

use rapport_store::{Store, ThrottlePolicy, ThrottleState};

const ACCOUNT: &str = "account:ann@example.org";
const ADDRESS: &str = "address:203.0.113.9";

async fn fail(store: &Store, key: &str, times: u32, lock_after: u32, policy: &ThrottlePolicy) {
    for _ in 0..times {
        store.throttle_fail(key, lock_after, policy).await.unwrap();
    }
}

async fn state(store: &Store, keys: &[&str], policy: &ThrottlePolicy) -> ThrottleState {
    store.throttle_state(keys, policy).await.unwrap()
}

#[track_caller]
fn assert_locked_for(state: ThrottleState, lock_for: Duration) {
    let until = state.locked_until.expect("locked");
    let expected = jiff::Timestamp::now() + jiff::SignedDuration::try_from(lock_for).unwrap();
    assert!(expected.duration_since(until).abs() < jiff::SignedDuration::from_secs(60));
}

pub async fn failures_count_and_lock(store: &Store) {
    let policy = ThrottlePolicy::default();
    assert_eq!(
        state(store, &[ACCOUNT], &policy).await,
        ThrottleState::default()
    );
    fail(store, ACCOUNT, 2, 3, &policy).await;
    assert_eq!(
        state(store, &[ACCOUNT], &policy).await,
        ThrottleState {
            failures: 2,
            locked_until: None
        }
    );
    fail(store, ACCOUNT, 1, 3, &policy).await;
    let s = state(store, &[ACCOUNT], &policy).await;
    assert_eq!(s.failures, 3);
    assert_locked_for(s, policy.lock_for);
    // Other keys are untouched.
    assert_eq!(
        state(store, &["account:bob@example.org"], &policy).await,
        ThrottleState::default()
    );
}

pub async fn state_covers_all_keys(store: &Store) {
    let policy = ThrottlePolicy::default();
    fail(store, ACCOUNT, 2, policy.lock_after_account, &policy).await;
    fail(store, ADDRESS, 4, 4, &policy).await;
    let both = state(store, &[ACCOUNT, ADDRESS], &policy).await;
    assert_eq!(both.failures, 4, "the most failures of any key");
    assert_locked_for(both, policy.lock_for);
    let account = state(store, &[ACCOUNT], &policy).await;
    assert_eq!(
        account,
        ThrottleState {
            failures: 2,
            locked_until: None
        }
    );
    assert_eq!(state(store, &[], &policy).await, ThrottleState::default());
}

pub async fn clear_forgets_unlocked_keys(store: &Store) {
    let policy = ThrottlePolicy::default();
    fail(store, ACCOUNT, 2, 5, &policy).await;
    store.throttle_clear(ACCOUNT).await.unwrap();
    assert_eq!(
        state(store, &[ACCOUNT], &policy).await,
        ThrottleState::default()
    );

    // A lock holds until it runs out: a log-in elsewhere does not lift it.
    fail(store, ADDRESS, 2, 2, &policy).await;
    store.throttle_clear(ADDRESS).await.unwrap();
    let s = state(store, &[ADDRESS], &policy).await;
    assert_eq!(s.failures, 2);
    assert_locked_for(s, policy.lock_for);

    // Once it has run out, it can be cleared.
    let brief = ThrottlePolicy {
        lock_for: Duration::ZERO,
        ..policy
    };
    fail(store, "address:198.51.100.1", 2, 2, &brief).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let s = state(store, &["address:198.51.100.1"], &brief).await;
    assert_eq!(
        s,
        ThrottleState {
            failures: 2,
            locked_until: None
        }
    );
    store.throttle_clear("address:198.51.100.1").await.unwrap();
    assert_eq!(
        state(store, &["address:198.51.100.1"], &brief).await,
        ThrottleState::default()
    );
    store.throttle_clear("never-seen").await.unwrap();
}

pub async fn failures_outside_window_are_forgotten(store: &Store) {
    let policy = ThrottlePolicy::default();
    let instant = ThrottlePolicy {
        window: Duration::ZERO,
        ..policy
    };
    fail(store, ACCOUNT, 3, 3, &instant).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(
        state(store, &[ACCOUNT], &instant).await,
        ThrottleState::default(),
        "old failures do not count"
    );
    // Each failure began a new window, so the count restarted and never reached the lock.
    assert_eq!(
        state(store, &[ACCOUNT], &policy).await,
        ThrottleState {
            failures: 1,
            locked_until: None
        }
    );
}

pub async fn concurrent_failures_are_all_counted(store: &Store) {
    let policy = ThrottlePolicy::default();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.spawn(async move { store.throttle_fail(ACCOUNT, 10, &policy).await });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    let s = state(store, &[ACCOUNT], &policy).await;
    assert_eq!(
        s.failures, 16,
        "parallel guesses are not a way around the count"
    );
    assert_locked_for(s, policy.lock_for);
}

pub async fn delay_grows_then_caps(store: &Store) {
    let policy = ThrottlePolicy {
        slow_after: 2,
        delay_step: Duration::from_millis(100),
        ..ThrottlePolicy::default()
    };
    let mut delays = Vec::new();
    for _ in 0..4 {
        fail(store, ACCOUNT, 1, 100, &policy).await;
        delays.push(policy.delay(state(store, &[ACCOUNT], &policy).await.failures));
    }
    let ms = |n| Duration::from_millis(n);
    assert_eq!(delays, vec![ms(0), ms(0), ms(100), ms(200)]);
    assert_eq!(policy.delay(1_000), ms(1_000), "capped at ten steps");
}

pub async fn purge_forgets_old_failures_but_keeps_locks_in_force(store: &Store) {
    let quick = ThrottlePolicy {
        window: std::time::Duration::from_secs(0),
        lock_for: std::time::Duration::from_secs(3600),
        ..ThrottlePolicy::default()
    };
    store
        .throttle_fail("account:old@example.org", 99, &quick)
        .await
        .unwrap();
    store
        .throttle_fail("account:locked@example.org", 1, &quick)
        .await
        .unwrap();
    assert_eq!(store.throttle_purge(&quick).await.unwrap(), 1);
    let locked = store
        .throttle_state(&["account:locked@example.org"], &quick)
        .await
        .unwrap();
    assert!(
        locked.locked_until.is_some(),
        "a lock in force survives the purge"
    );
    let normal = ThrottlePolicy::default();
    store
        .throttle_fail("account:recent@example.org", 99, &normal)
        .await
        .unwrap();
    assert_eq!(
        store.throttle_purge(&normal).await.unwrap(),
        0,
        "recent failures are kept"
    );
}
