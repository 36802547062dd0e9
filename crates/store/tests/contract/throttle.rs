use std::time::Duration;

use rapport_store::{Reservation, Store, ThrottlePolicy, ThrottleState};

const ACCOUNT: &str = "account:ann@example.org";
const ADDRESS: &str = "address:203.0.113.9";

/// `times` attempts against `key` that all fail (each reserved and kept).
async fn fail(store: &Store, key: &str, times: u32, lock_after: u32, policy: &ThrottlePolicy) {
    for _ in 0..times {
        store
            .throttle_reserve(&[(key, lock_after)], policy)
            .await
            .unwrap();
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
    // The third attempt is still granted (and reported the two before it),
    // and locks the key for whatever comes next.
    let third = store
        .throttle_reserve(&[(ACCOUNT, 3)], &policy)
        .await
        .unwrap();
    assert_eq!(third, Reservation::Granted { failures_before: 2 });
    let s = state(store, &[ACCOUNT], &policy).await;
    assert_eq!(s.failures, 3);
    assert_locked_for(s, policy.lock_for);
    let fourth = store
        .throttle_reserve(&[(ACCOUNT, 3)], &policy)
        .await
        .unwrap();
    assert!(matches!(fourth, Reservation::Locked { .. }), "{fourth:?}");
    assert_eq!(
        state(store, &[ACCOUNT], &policy).await.failures,
        3,
        "a refused attempt is not counted"
    );
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

    // A lock on either key refuses the attempt, and counts it against neither.
    let r = store
        .throttle_reserve(&[(ACCOUNT, 5), (ADDRESS, 4)], &policy)
        .await
        .unwrap();
    assert!(matches!(r, Reservation::Locked { .. }), "{r:?}");
    assert_eq!(state(store, &[ACCOUNT], &policy).await.failures, 2);
}

pub async fn success_gives_the_reservation_back(store: &Store) {
    let policy = ThrottlePolicy::default();
    let keys = [(ACCOUNT, 5), (ADDRESS, 20)];
    for _ in 0..4 {
        store.throttle_reserve(&keys, &policy).await.unwrap();
    }
    // The fifth attempt reaches the account's limit, but it was the right password.
    let fifth = store.throttle_reserve(&keys, &policy).await.unwrap();
    assert_eq!(fifth, Reservation::Granted { failures_before: 4 });
    assert!(
        state(store, &[ACCOUNT], &policy)
            .await
            .locked_until
            .is_some()
    );
    store.throttle_succeeded(ACCOUNT, keys[1]).await.unwrap();
    assert_eq!(
        state(store, &[ACCOUNT], &policy).await,
        ThrottleState::default(),
        "a log-in forgets the account's failures, lock included"
    );
    assert_eq!(
        state(store, &[ADDRESS], &policy).await,
        ThrottleState {
            failures: 4,
            locked_until: None
        },
        "the address keeps its failures but not the successful attempt"
    );
    store
        .throttle_succeeded("account:never-seen", ("address:never-seen", 20))
        .await
        .unwrap();
}

pub async fn an_expired_lock_lets_one_attempt_through(store: &Store) {
    let brief = ThrottlePolicy {
        lock_for: Duration::ZERO,
        ..ThrottlePolicy::default()
    };
    fail(store, ADDRESS, 2, 2, &brief).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(
        state(store, &[ADDRESS], &brief).await,
        ThrottleState {
            failures: 2,
            locked_until: None
        }
    );
    let r = store
        .throttle_reserve(&[(ADDRESS, 2)], &brief)
        .await
        .unwrap();
    assert_eq!(r, Reservation::Granted { failures_before: 2 });
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

/// The race of many guesses at once: only as many are granted as the limit,
/// however they interleave, and the rest are refused.
pub async fn parallel_attempts_are_granted_up_to_the_limit(store: &Store) {
    let policy = ThrottlePolicy::default();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .throttle_reserve(&[(ACCOUNT, 5), (ADDRESS, 20)], &policy)
                .await
        });
    }
    let mut granted = 0;
    while let Some(r) = tasks.join_next().await {
        if let Reservation::Granted { .. } = r.unwrap().unwrap() {
            granted += 1;
        }
    }
    assert_eq!(
        granted, 5,
        "parallel guesses are not a way around the limit"
    );
    let s = state(store, &[ACCOUNT], &policy).await;
    assert_eq!(s.failures, 5);
    assert_locked_for(s, policy.lock_for);
    assert_eq!(
        state(store, &[ADDRESS], &policy).await.failures,
        5,
        "refused attempts count against no key"
    );
}

pub async fn delay_grows_then_caps(store: &Store) {
    let policy = ThrottlePolicy {
        slow_after: 2,
        delay_step: Duration::from_millis(100),
        ..ThrottlePolicy::default()
    };
    let mut delays = Vec::new();
    for _ in 0..5 {
        match store
            .throttle_reserve(&[(ACCOUNT, 100)], &policy)
            .await
            .unwrap()
        {
            Reservation::Granted { failures_before } => delays.push(policy.delay(failures_before)),
            other => panic!("{other:?}"),
        }
    }
    let ms = |n| Duration::from_millis(n);
    assert_eq!(delays, vec![ms(0), ms(0), ms(0), ms(100), ms(200)]);
    assert_eq!(policy.delay(1_000), ms(1_000), "capped at ten steps");
}

pub async fn purge_forgets_old_failures_but_keeps_locks_in_force(store: &Store) {
    let quick = ThrottlePolicy {
        window: std::time::Duration::from_secs(0),
        lock_for: std::time::Duration::from_secs(3600),
        ..ThrottlePolicy::default()
    };
    fail(store, "account:old@example.org", 1, 99, &quick).await;
    fail(store, "account:locked@example.org", 1, 1, &quick).await;
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
    fail(store, "account:recent@example.org", 1, 99, &normal).await;
    assert_eq!(
        store.throttle_purge(&normal).await.unwrap(),
        0,
        "recent failures are kept"
    );
}
