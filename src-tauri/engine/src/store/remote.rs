//! Senders whose remote images are loaded without asking (migration 0033).
//! Everyone else's stay blocked until the user loads them for a message.

use super::{Store, now};
use crate::error::Result;
use crate::mime::normalize_address;

impl Store {
    /// Loads (or stops loading) the remote images of every message from
    /// this address.
    pub async fn set_remote_content_sender(&self, address: &str, allowed: bool) -> Result<()> {
        let address = normalize_address(address);
        let q = if allowed {
            sqlx::query("INSERT OR IGNORE INTO remote_content_senders (address, created_at) VALUES (?, ?)")
                .bind(address)
                .bind(now())
        } else {
            sqlx::query("DELETE FROM remote_content_senders WHERE address = ?").bind(address)
        };
        q.execute(&mut *self.write_conn().await?).await?;
        Ok(())
    }

    /// Whether the user chose to load this sender's remote images always.
    pub async fn remote_content_sender(&self, address: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM remote_content_senders WHERE address = ?")
            .bind(normalize_address(address))
            .fetch_optional(self.pool())
            .await?;
        Ok(found.is_some())
    }
}
