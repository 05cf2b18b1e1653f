//! Each account's signature, as HTML.

use super::Store;
use crate::error::Result;
use crate::ids::AccountId;

impl Store {
    /// The account's signature, if it has one.
    pub async fn signature(&self, account_id: AccountId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT html FROM signatures WHERE account_id = ?")
            .bind(account_id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Sets (or, with None, removes) the account's signature.
    pub async fn set_signature(&self, account_id: AccountId, html: Option<&str>) -> Result<()> {
        let mut conn = self.write_conn().await?;
        match html {
            Some(html) => {
                sqlx::query(
                    "INSERT INTO signatures (account_id, html) VALUES (?, ?)
                     ON CONFLICT (account_id) DO UPDATE SET html = excluded.html",
                )
                .bind(account_id)
                .bind(html)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM signatures WHERE account_id = ?").bind(account_id).execute(&mut *conn).await?;
            }
        }
        Ok(())
    }
}
