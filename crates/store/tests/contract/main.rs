//! The store's contract: one suite of tests, each run twice, against a fresh
//! SQLite file and against a fresh schema on the PostgreSQL server named by
//! `RAPPORT_TEST_PG_URL` (skipped, with a note, when that is unset).
//!
//! Every test is an `async fn name(store: &Store)` in one of the modules below
//! and is listed once in [`for_each_contract_test!`]; the list generates
//! `sqlite::<module>::<name>` and `postgres::<module>::<name>`. A test that is
//! written but not listed is dead code, which clippy refuses.
//!
//! Run with PostgreSQL on:
//! `RAPPORT_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test cargo nextest run -p rapport-store`

// A failed expectation is a failed test: this whole binary is test code, but
// clippy's allow-unwrap-in-tests sees only `#[test]` functions themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod caseload;
mod clinics;
mod episodes;
mod fixtures;
mod harness;
mod invites;
mod mail;
mod monitoring;
mod patients;
mod prescriptions;
mod self_management;
mod sessions;
mod settings;
mod store;
mod throttle;
mod users;

/// Calls `$callback!($backend; module: test, test, …; …)` with every contract test.
macro_rules! for_each_contract_test {
    ($callback:ident ! ($backend:ident)) => {
        $callback!($backend;
            clinics: create_get_and_list, names_are_checked_and_nothing_is_stored;
            users: create_and_get, email_taken_is_a_conflict, invalid_accounts_are_refused,
                patient_accounts_link_one_record_of_their_clinic, admin_adds_staff_to_own_clinic_only,
                credentials_by_email, list_is_the_admins_clinic_only, set_password_replaces_hash_and_ends_sessions,
                count_by_role_is_per_clinic, concurrent_creates_with_one_email_make_one_account,
                patient_account_is_shown_to_own_clinicians_only;
            sessions: create_and_lookup, kind_must_match, delete_ends_the_session, absolute_expiry_and_purge,
                web_idle_timeout_ends_the_session, activity_keeps_a_web_session_alive,
                disabled_account_has_no_session, stored_hash_does_not_log_in;
            patients: create_and_get_round_trip, only_clinicians_create, tenancy_of_get, patient_sees_only_self,
                list_is_scoped_sorted_and_paged, search_binds_reused_parameter_everywhere,
                search_escapes_like_wildcards, update_edits_some_fields_and_is_audited, stale_version_is_a_conflict,
                concurrent_edits_of_one_version_let_one_through, invalid_edit_names_field_and_changes_nothing,
                tenancy_of_update, count_is_per_clinic, admitting_a_patient_opens_the_episode_in_the_same_transaction;
            invites: invite_info_accept, single_use, expired_invite_is_dead, new_invite_revokes_earlier,
                conflicts_are_refused, tenancy_and_roles, accept_with_email_taken_meanwhile_changes_nothing,
                concurrent_accepts_make_one_account, accept_after_account_made_meanwhile_is_a_conflict,
                operator_cannot_invite;
            throttle: failures_count_and_lock, state_covers_all_keys, success_gives_the_reservation_back,
                an_expired_lock_lets_one_attempt_through,
                failures_outside_window_are_forgotten, parallel_attempts_are_granted_up_to_the_limit,
                delay_grows_then_caps, purge_forgets_old_failures_but_keeps_locks_in_force;
            settings: get_claim_put, concurrent_claims_let_one_win;
            audit: audit_event_records_everything, audit_list_is_admin_only_and_clinic_scoped,
                audit_list_is_itself_audited, patient_filter_includes_lists_that_showed_them,
                unscoped_sees_all_clinics_and_pages, audit_log_is_append_only, every_patient_access_is_audited;
            episodes: open_one_episode_at_a_time_in_own_clinic, current_episode_is_scoped_like_the_record,
                patients_and_clinicians_save_forms_and_completion_is_final,
                a_positive_screen_alerts_until_cleared_with_a_reason,
                the_schedule_lists_open_and_recent_episodes_with_their_forms,
                belief_reviews_are_kept_and_the_latest_counts, wording_is_kept_per_clinic;
            prescriptions: goals_belong_to_the_open_episode, prescriptions_wait_for_a_clear_red_flag_screen,
                every_version_is_kept_with_its_changes, education_is_assigned_once_and_reading_is_recorded,
                clinic_exercises_and_pictures_stay_in_their_clinic,
                a_new_episode_starts_without_the_old_plan_goals_or_reading;
            self_management: written_at_discharge_with_every_version_kept,
                another_clinic_and_another_patient_find_nothing,
                a_plan_with_no_exercise_is_refused_and_nothing_is_stored,
                the_plan_stays_with_the_patient_into_a_new_episode;
            monitoring: logs_follow_the_plan_and_stay_with_the_patient, feedback_on_a_log_reaches_the_patient,
                follow_ups_are_recorded_with_the_next_date, messages_stay_in_the_patients_thread,
                thresholds_are_per_clinic_and_checked;
            caseload: caseload_is_the_clinics_active_episodes_with_their_data,
                nightly_load_covers_every_clinic_in_chunks, digests_follow_every_change,
                concurrent_logs_all_reach_the_digest, a_whole_session_reaches_the_digest_or_nothing_does;
            mail: preferences_default_validate_scope_and_audit, clinic_time_zone_is_set_by_its_admin,
                outbox_queues_each_key_once_and_back_off_ends_in_failed,
                lapsed_claims_are_reclaimed_and_the_old_claim_cannot_mark,
                reminders_follow_the_patients_clock_choices_and_logs,
                follow_up_notices_go_to_the_clinician_once;
            store: migration_level_and_check, migrate_is_idempotent, backup_sqlite, close_stops_work;
        );
    };
}

/// Generates one `#[tokio::test]` per contract test, run by `harness::$backend`.
macro_rules! backend_tests {
    ($backend:ident; $($module:ident: $($name:ident),+;)+) => {
        $(
            mod $module {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        fn body(store: &rapport_store::Store) -> $crate::harness::TestFuture<'_> {
                            Box::pin($crate::$module::$name(store))
                        }
                        $crate::harness::$backend(concat!(stringify!($module), "::", stringify!($name)), body).await;
                    }
                )+
            }
        )+
    };
}

mod sqlite {
    for_each_contract_test!(backend_tests!(sqlite));

    /// `Store::open` with an `sqlite://` URL creates the folder and the file
    /// and migrates; opening it again keeps the data.
    #[tokio::test]
    async fn open_by_url_creates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/folder/rapport.db");
        let url = format!("sqlite://{}", path.display());
        let store = rapport_store::Store::open(&url).await.unwrap();
        assert_eq!(store.kind(), rapport_store::DbKind::Sqlite);
        let clinic = store.clinic_create("Reopened").await.unwrap();
        store.close().await;
        assert!(path.exists());
        let again = rapport_store::Store::open_with(&url, rapport_store::Durability::Normal)
            .await
            .unwrap();
        assert_eq!(again.clinic_get(clinic.id).await.unwrap(), clinic);
        assert!(again.migration_level().await.unwrap() >= 1);
        again.close().await;
    }
}

mod postgres {
    for_each_contract_test!(backend_tests!(postgres));

    /// `Store::open` with a `postgres://` URL (here with the test's schema in
    /// `options`) migrates, and opening it again keeps the data.
    #[tokio::test]
    async fn open_by_url_migrates_and_reopens() {
        let Some(schema) = crate::harness::PgSchema::create().await else {
            return;
        };
        let url = schema.url_with_search_path();
        let store = rapport_store::Store::open(&url).await.unwrap();
        assert_eq!(store.kind(), rapport_store::DbKind::Postgres);
        let clinic = store.clinic_create("Reopened").await.unwrap();
        store.close().await;
        let again = rapport_store::Store::open(&url).await.unwrap();
        assert_eq!(again.clinic_get(clinic.id).await.unwrap(), clinic);
        again.close().await;
        schema.drop().await;
    }

    /// After migration both backends have the same tables, columns,
    /// nullability and indexes, so that code written against one works on the other.
    #[tokio::test]
    async fn schema_parity_with_sqlite() {
        let Some(mut schema) = crate::harness::PgSchema::create().await else {
            return;
        };
        let pg = schema.store().await;
        let dir = tempfile::tempdir().unwrap();
        let lite_path = dir.path().join("parity.db");
        let lite =
            rapport_store::Store::open_sqlite_file(&lite_path, rapport_store::Durability::Normal)
                .await
                .unwrap();
        lite.close().await;
        pg.close().await;

        let lite_shape = crate::harness::sqlite_shape(&lite_path).await;
        let pg_shape = schema.shape().await;
        schema.drop().await;

        assert!(lite_shape.columns.len() > 40, "{:?}", lite_shape.columns);
        assert_eq!(lite_shape.columns, pg_shape.columns, "tables and columns");
        assert_eq!(lite_shape.indexes, pg_shape.indexes, "indexes");
    }
}

/// A URL that is neither SQLite nor PostgreSQL is refused, and the error does
/// not carry the password it may contain.
#[tokio::test]
async fn unknown_database_url_is_refused_without_its_password() {
    let err = rapport_store::Store::open("mysql://app:s3cret@db/rapport")
        .await
        .unwrap_err();
    assert!(
        matches!(err, rapport_store::StoreError::BadUrl(_)),
        "{err:?}"
    );
    assert!(!err.to_string().contains("s3cret"), "{err}");
}
