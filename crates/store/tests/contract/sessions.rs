use std::time::Duration;

use rapport_domain::identity::Role;
use rapport_store::{DbKind, SessionKind, SessionPolicy, Store, User};
use sha2::{Digest, Sha256};

use crate::fixtures::{clinic, email, staff};

async fn user(store: &Store) -> User {
    let c = clinic(store, "Clinic").await;
    staff(store, c.id, Role::Clinician, "doc@example.org")
        .await
        .0
}

async fn lookup(
    store: &Store,
    token: &str,
    kind: SessionKind,
    policy: &SessionPolicy,
) -> Option<User> {
    store
        .session_lookup(token, kind, policy)
        .await
        .unwrap()
        .map(|(u, _)| u)
}

#[track_caller]
fn assert_expires_in(at: jiff::Timestamp, expected: Duration) {
    let expected = jiff::Timestamp::now() + jiff::SignedDuration::try_from(expected).unwrap();
    let diff = expected.duration_since(at).abs();
    assert!(
        diff < jiff::SignedDuration::from_secs(60),
        "{at} vs {expected}"
    );
}

pub async fn create_and_lookup(store: &Store) {
    let user = user(store).await;
    let policy = SessionPolicy::default();
    let web = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    let api = store
        .session_create(user.id, SessionKind::Api, &policy)
        .await
        .unwrap();
    for t in [&web.token, &web.csrf_token, &api.token, &api.csrf_token] {
        assert_eq!(t.len(), 64, "256-bit tokens");
        assert!(t.chars().all(|c| c.is_ascii_hexdigit()));
    }
    assert_ne!(web.token, api.token);
    assert_ne!(web.token, web.csrf_token);
    assert!(
        !format!("{web:?}").contains(&web.token),
        "token not printed"
    );
    assert_expires_in(web.expires_at, policy.web_absolute);
    assert_expires_in(api.expires_at, policy.api_absolute);

    let (found, csrf) = store
        .session_lookup(&web.token, SessionKind::Web, &policy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, user);
    assert_eq!(csrf, web.csrf_token);
    let (found, csrf) = store
        .session_lookup(&api.token, SessionKind::Api, &policy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, user);
    assert_eq!(csrf, api.csrf_token);
    // Looking up again (as every request does) keeps the session.
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_some()
    );
}

pub async fn kind_must_match(store: &Store) {
    let user = user(store).await;
    let policy = SessionPolicy::default();
    let web = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    let api = store
        .session_create(user.id, SessionKind::Api, &policy)
        .await
        .unwrap();
    assert!(
        lookup(store, &web.token, SessionKind::Api, &policy)
            .await
            .is_none()
    );
    assert!(
        lookup(store, &api.token, SessionKind::Web, &policy)
            .await
            .is_none()
    );
    assert!(
        lookup(store, "not-a-token", SessionKind::Web, &policy)
            .await
            .is_none()
    );
    assert!(lookup(store, "", SessionKind::Api, &policy).await.is_none());
    // A wrong-kind lookup does not end the session.
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_some()
    );
}

pub async fn delete_ends_the_session(store: &Store) {
    let user = user(store).await;
    let policy = SessionPolicy::default();
    let one = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    let two = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    store.session_delete(&one.token).await.unwrap();
    assert!(
        lookup(store, &one.token, SessionKind::Web, &policy)
            .await
            .is_none()
    );
    assert!(
        lookup(store, &two.token, SessionKind::Web, &policy)
            .await
            .is_some(),
        "log-out ends one session, not the others"
    );
    // Deleting twice, or an unknown token, is harmless.
    store.session_delete(&one.token).await.unwrap();
    store.session_delete("unknown").await.unwrap();
}

pub async fn absolute_expiry_and_purge(store: &Store) {
    let user = user(store).await;
    let instant = SessionPolicy {
        web_absolute: Duration::ZERO,
        api_absolute: Duration::ZERO,
        ..SessionPolicy::default()
    };
    let policy = SessionPolicy::default();
    let web = store
        .session_create(user.id, SessionKind::Web, &instant)
        .await
        .unwrap();
    let api = store
        .session_create(user.id, SessionKind::Api, &instant)
        .await
        .unwrap();
    let live = store
        .session_create(user.id, SessionKind::Api, &policy)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    // Expiry is decided by the server, whatever policy the lookup is asked with.
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_none()
    );
    assert!(
        lookup(store, &api.token, SessionKind::Api, &policy)
            .await
            .is_none()
    );

    assert_eq!(store.sessions_purge_expired().await.unwrap(), 2);
    assert_eq!(store.sessions_purge_expired().await.unwrap(), 0);
    assert!(
        lookup(store, &live.token, SessionKind::Api, &policy)
            .await
            .is_some()
    );
}

pub async fn web_idle_timeout_ends_the_session(store: &Store) {
    let user = user(store).await;
    let policy = SessionPolicy::default();
    let no_idle = SessionPolicy {
        web_idle: Duration::ZERO,
        ..policy
    };
    let web = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    let api = store
        .session_create(user.id, SessionKind::Api, &policy)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(
        lookup(store, &web.token, SessionKind::Web, &no_idle)
            .await
            .is_none()
    );
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_none(),
        "an idle session is ended, not just refused once"
    );
    assert!(
        lookup(store, &api.token, SessionKind::Api, &no_idle)
            .await
            .is_some(),
        "API tokens have no idle timeout"
    );
}

pub async fn disabled_account_has_no_session(store: &Store) {
    let user = user(store).await;
    let policy = SessionPolicy::default();
    let web = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    let n = store
        .execute_maintenance_sql("UPDATE users SET active = (1 = 0)")
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_none()
    );
    let creds = store
        .user_credentials(&email("doc@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert!(!creds.user.active);
}

pub async fn stored_hash_does_not_log_in(store: &Store) {
    let user = user(store).await;
    let policy = SessionPolicy::default();
    let web = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    // What a copy of the database holds is the hash; it is not a token.
    let hash = hex::encode(Sha256::digest(web.token.as_bytes()));
    assert!(
        lookup(store, &hash, SessionKind::Web, &policy)
            .await
            .is_none()
    );
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_some()
    );
}

/// Moves every session's last activity two minutes (or, with `long`, 31
/// minutes) into the past.
async fn age_sessions(store: &Store, long: bool) {
    let sql = match (store.kind(), long) {
        (DbKind::Sqlite, false) => "UPDATE sessions SET last_seen_at = last_seen_at - 120000000",
        (DbKind::Sqlite, true) => "UPDATE sessions SET last_seen_at = last_seen_at - 1860000000",
        (DbKind::Postgres, false) => {
            "UPDATE sessions SET last_seen_at = last_seen_at - interval '2 minutes'"
        }
        (DbKind::Postgres, true) => {
            "UPDATE sessions SET last_seen_at = last_seen_at - interval '31 minutes'"
        }
    };
    store.execute_maintenance_sql(sql).await.unwrap();
}

pub async fn activity_keeps_a_web_session_alive(store: &Store) {
    let user = user(store).await;
    let policy = SessionPolicy::default();
    let ninety_seconds = SessionPolicy {
        web_idle: Duration::from_secs(90),
        ..policy
    };
    let web = store
        .session_create(user.id, SessionKind::Web, &policy)
        .await
        .unwrap();
    // Last seen two minutes ago: within the default half hour, so the
    // request goes through and counts as activity.
    age_sessions(store, false).await;
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_some()
    );
    // Had it not been refreshed, it would now be idle for more than 90 s.
    assert!(
        lookup(store, &web.token, SessionKind::Web, &ninety_seconds)
            .await
            .is_some()
    );
    // Half an hour without a request ends it.
    age_sessions(store, true).await;
    assert!(
        lookup(store, &web.token, SessionKind::Web, &policy)
            .await
            .is_none()
    );
}
