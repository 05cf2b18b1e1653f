//! Who may see an email (F-SHARE): the default for new mail, each email's
//! visibility, and the one query that decides what colleagues see.

use super::Store;
use super::queries::BOX;
use crate::error::{Error, Result};
use crate::ids::{MessageId, ThreadId};
use crate::model::Visibility;
use crate::problem::Problem;

impl Store {
    /// The visibility new mail gets as it arrives.
    pub async fn sharing_default(&self) -> Result<Visibility> {
        let value: Option<Visibility> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'sharing_default'")
            .fetch_optional(self.pool())
            .await?;
        Ok(value.unwrap_or(Visibility::Private))
    }

    /// Sets the default for mail that arrives from now on; stored mail
    /// keeps its own.
    pub async fn set_sharing_default(&self, visibility: Visibility) -> Result<()> {
        sqlx::query("INSERT OR REPLACE INTO settings (key, value) VALUES ('sharing_default', ?)")
            .bind(visibility)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    /// Sets the visibility of these emails.
    pub async fn set_visibility(&self, ids: &[MessageId], visibility: Visibility) -> Result<()> {
        let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let done = sqlx::query("UPDATE messages SET visibility = ? WHERE id IN (SELECT value FROM json_each(?))")
            .bind(visibility)
            .bind(list)
            .execute(&mut *self.write_conn().await?)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::MessageNotFound { id: ids.first().copied() }));
        }
        Ok(())
    }

    /// Sets the visibility of every email of a conversation (the toggle
    /// beside it).
    pub async fn set_thread_visibility(&self, thread: ThreadId, visibility: Visibility) -> Result<Vec<MessageId>> {
        let ids: Vec<MessageId> =
            sqlx::query_scalar("UPDATE messages SET visibility = ? WHERE thread_id = ? RETURNING id")
                .bind(visibility)
                .bind(thread)
                .fetch_all(&mut *self.write_conn().await?)
                .await?;
        if ids.is_empty() {
            return Err(Error::NotFound(Problem::MessageNotFound { id: None }));
        }
        Ok(ids)
    }

    /// The emails colleagues may see: shared, shown (not deleted, held or
    /// blocked), and linked to a person or a deal right now. The one
    /// query that decides it, here and for a team store.
    pub async fn visible_to_team(&self) -> Result<Vec<MessageId>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT m.id FROM messages m
              WHERE m.visibility = 'shared' AND {BOX} < 2
                AND EXISTS (SELECT 1 FROM message_links l
                             WHERE l.message_id = m.id AND l.linked = 1 AND l.kind IN ('person', 'deal'))
              ORDER BY m.id"
        ))
        .fetch_all(self.pool())
        .await?)
    }
}
