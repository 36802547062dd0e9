use crate::{Result, Store, in_tx, on_read};

impl Store {
    /// A value of the installation's own key-value settings.
    pub async fn setting_get(&self, key: &str) -> Result<Option<String>> {
        Ok(on_read!(self, |ex| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(ex)
                .await?
        }))
    }

    /// Sets a value only if the key is unset; answers whether it was set now.
    /// Used to make one-time set-up (demo data) happen once.
    pub async fn setting_claim(&self, key: &str, value: &str) -> Result<bool> {
        let changed = in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    pub async fn setting_put(&self, key: &str, value: &str) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
