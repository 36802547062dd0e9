//! Log-in throttling, kept in the database so it holds across restarts and
//! across several servers sharing one PostgreSQL.

use std::time::Duration;

use crate::types::Ts;
use crate::{Result, Store, in_tx, on_read};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// From this many failures on, each attempt is answered more slowly.
    pub slow_after: u32,
    /// Added per failure beyond `slow_after`.
    pub delay_step: Duration,
    /// This many failures for one account lock it for `lock_for`.
    pub lock_after_account: u32,
    /// This many failures from one address lock that address for `lock_for`.
    pub lock_after_address: u32,
    pub lock_for: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: Duration::from_secs(15 * 60),
            slow_after: 3,
            delay_step: Duration::from_millis(500),
            lock_after_account: 5,
            lock_after_address: 20,
            lock_for: Duration::from_secs(15 * 60),
        }
    }
}

impl ThrottlePolicy {
    /// How long to hold an answer after `failures` recent failures.
    pub fn delay(&self, failures: u32) -> Duration {
        self.delay_step * failures.saturating_sub(self.slow_after).min(10)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThrottleState {
    /// Most recent failures on any of the keys asked about.
    pub failures: u32,
    pub locked_until: Option<jiff::Timestamp>,
}

/// The answer to [`Store::throttle_reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may be checked; it is already counted as a failure.
    Granted {
        /// The most recent failures of any key before this attempt, for the delay.
        failures_before: u32,
    },
    /// Refused until then; nothing was counted.
    Locked { until: jiff::Timestamp },
}

#[derive(sqlx::FromRow)]
struct Row {
    failures: i64,
    window_start: Ts,
    locked_until: Option<Ts>,
}

impl Store {
    /// The state of the given keys (e.g. `account:ann@example.org`, `address:10.0.0.1`).
    pub async fn throttle_state(
        &self,
        keys: &[&str],
        policy: &ThrottlePolicy,
    ) -> Result<ThrottleState> {
        let now = Ts::now();
        let mut state = ThrottleState::default();
        for key in keys {
            let row: Option<Row> = on_read!(self, |ex| {
                sqlx::query_as("SELECT failures, window_start, locked_until FROM login_throttle WHERE key = $1")
                    .bind(*key)
                    .fetch_optional(ex)
                    .await?
            });
            let Some(row) = row else { continue };
            if let Some(until) = row.locked_until.filter(|u| *u > now) {
                state.locked_until = Some(state.locked_until.map_or(until.0, |s| s.max(until.0)));
            }
            if row.window_start.plus(policy.window) > now {
                state.failures = state
                    .failures
                    .max(u32::try_from(row.failures).unwrap_or(u32::MAX));
            }
        }
        Ok(state)
    }

    /// Reserves one log-in attempt against every key, before the password is
    /// checked: the attempt is counted as a failure up front, so attempts that
    /// arrive together cannot all pass a check made before any of them failed.
    /// A key that is locked, or whose count has reached its limit, refuses the
    /// attempt and nothing is counted. The key that reaches its limit locks at
    /// once, so later attempts wait even while this one is still being
    /// checked. A successful log-in gives its reservation back with
    /// [`Store::throttle_succeeded`].
    pub async fn throttle_reserve(
        &self,
        keys: &[(&str, u32)],
        policy: &ThrottlePolicy,
    ) -> Result<Reservation> {
        let now = Ts::now();
        let open_since = now.minus(policy.window);
        // PostgreSQL needs the row locked between reading and writing it;
        // SQLite's `BEGIN IMMEDIATE` already holds the one write lock.
        let select = match self.kind() {
            crate::DbKind::Postgres => {
                "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = $1 FOR UPDATE"
            }
            crate::DbKind::Sqlite => {
                "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = $1"
            }
        };
        Ok(in_tx!(self, |tx| {
            let mut before = 0u32;
            let mut locked: Option<jiff::Timestamp> = None;
            let mut counts = Vec::with_capacity(keys.len());
            // Keys are taken in the order given, the same for every attempt, so
            // two attempts never wait on each other's rows.
            for (key, lock_after) in keys {
                sqlx::query(
                    "INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 0, $2) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .bind(*key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let row: Row = sqlx::query_as(select)
                    .bind(*key)
                    .fetch_one(&mut *tx)
                    .await?;
                let recent = if row.window_start > open_since {
                    u32::try_from(row.failures).unwrap_or(u32::MAX)
                } else {
                    0
                };
                if let Some(until) = row.locked_until.filter(|u| *u > now) {
                    locked = Some(locked.map_or(until.0, |l| l.max(until.0)));
                }
                before = before.max(recent);
                counts.push((*key, recent, *lock_after, row.window_start > open_since));
            }
            if let Some(until) = locked {
                // Nothing is counted for a refused attempt.
                tx.rollback().await?;
                return Ok(Reservation::Locked { until });
            }
            for (key, recent, lock_after, open) in counts {
                let failures = recent + 1;
                sqlx::query(
                    "UPDATE login_throttle SET failures = $2, \
                     window_start = CASE WHEN $3 THEN window_start ELSE $4 END, \
                     locked_until = CASE WHEN $2 >= $5 THEN $6 END WHERE key = $1",
                )
                .bind(key)
                .bind(i64::from(failures))
                .bind(open)
                .bind(now)
                .bind(i64::from(lock_after))
                .bind(now.plus(policy.lock_for))
                .execute(&mut *tx)
                .await?;
            }
            Reservation::Granted {
                failures_before: before,
            }
        }))
    }

    /// Gives back the reservation of an attempt that logged in: the account's
    /// failures are forgotten (its lock too, which the right password shows was
    /// not needed), and the address is counted as if the attempt had never been
    /// made.
    pub async fn throttle_succeeded(&self, account: &str, address: (&str, u32)) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1")
                .bind(account)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE login_throttle SET failures = failures - 1, \
                 locked_until = CASE WHEN failures - 1 >= $2 THEN locked_until END \
                 WHERE key = $1 AND failures > 0",
            )
            .bind(address.0)
            .bind(i64::from(address.1))
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Removes keys with no recent failure and no lock in force; answers how many.
    pub async fn throttle_purge(&self, policy: &ThrottlePolicy) -> Result<u64> {
        let now = Ts::now();
        Ok(in_tx!(self, |tx| {
            sqlx::query(
                "DELETE FROM login_throttle WHERE window_start <= $1 AND (locked_until IS NULL OR locked_until <= $2)",
            )
            .bind(now.minus(policy.window))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }))
    }
}
