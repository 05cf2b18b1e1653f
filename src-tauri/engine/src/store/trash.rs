//! Emptying the Trash: the messages it shows are deleted for good here.
//! Whatever the server still keeps (the account's mirroring choice may
//! archive deleted mail there, or leave the server alone) stays stored but
//! is hidden by bit 4 of `messages.hidden` (migration 0022 names bits 1
//! and 2), so a later sync does not bring it back. What the server deletes
//! too leaves the store with the orphan sweep after the next pass.

use sqlx::{QueryBuilder, Sqlite};

use super::Store;
use super::queries::BOX;
use crate::error::Result;
use crate::ids::{AccountId, MessageId};

/// The `hidden` bit of a message deleted for good from the Trash.
pub(crate) const FORGOTTEN: i64 = 4;

impl Store {
    /// The messages the Trash shows, of every account or one: what "Empty
    /// Trash" deletes. Read through the conversations in the trash box
    /// (their index), since a trashed message is in such a conversation.
    pub async fn trash_messages(&self, account: Option<AccountId>) -> Result<Vec<MessageId>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT m.id FROM threads t INDEXED BY threads_by_box CROSS JOIN messages m ON m.thread_id = t.id
              WHERE t.box = 2 AND ",
        );
        q.push(BOX).push(" = 2");
        if let Some(account) = account {
            q.push(" AND m.account_id = ").push_bind(account);
        }
        q.push(" ORDER BY m.id");
        Ok(q.build_query_scalar().fetch_all(self.pool()).await?)
    }

    /// Hides these messages for good: no view, search or record page shows
    /// them again, whatever a later sync finds on the server.
    pub async fn forget_messages(&self, ids: &[MessageId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "UPDATE messages SET hidden = hidden | {FORGOTTEN} WHERE id IN (SELECT value FROM json_each(?))"
        ))
        .bind(serde_json::to_string(ids).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The messages deleted for good here that this folder still holds.
    pub async fn forgotten_in(&self, folder_id: i64) -> Result<Vec<MessageId>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT DISTINCT m.id FROM message_folders mf CROSS JOIN messages m ON m.id = mf.message_id
              WHERE mf.folder_id = ? AND m.hidden & {FORGOTTEN} != 0"
        ))
        .bind(folder_id)
        .fetch_all(self.pool())
        .await?)
    }
}
