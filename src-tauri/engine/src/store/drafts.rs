//! Drafts kept here as the composer saves them.

use super::{Store, now};
use crate::error::{Error, Result};
use crate::model::{Draft, SavedDraft};
use crate::problem::Problem;

fn unreadable(e: serde_json::Error) -> Error {
    Error::Protocol(format!("a stored draft is unreadable: {e}"))
}

impl Store {
    /// Saves a draft (a new one without `id`); returns its id.
    pub async fn save_draft(&self, id: Option<i64>, draft: &Draft) -> Result<i64> {
        let json = serde_json::to_string(draft).map_err(unreadable)?;
        let mut conn = self.write_conn().await?;
        let saved: i64 = match id {
            Some(id) => sqlx::query_scalar(
                "UPDATE drafts SET account_id = ?, draft = ?, updated_at = ? WHERE id = ? RETURNING id",
            )
            .bind(draft.account_id)
            .bind(&json)
            .bind(now())
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(Error::NotFound(Problem::DraftNotFound { id }))?,
            None => {
                sqlx::query_scalar("INSERT INTO drafts (account_id, draft, updated_at) VALUES (?, ?, ?) RETURNING id")
                    .bind(draft.account_id)
                    .bind(&json)
                    .bind(now())
                    .fetch_one(&mut *conn)
                    .await?
            }
        };
        Ok(saved)
    }

    /// Every draft, the last edited first.
    pub async fn drafts(&self) -> Result<Vec<SavedDraft>> {
        let rows: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, draft, updated_at FROM drafts ORDER BY updated_at DESC, id DESC")
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(id, json, updated_at)| {
                Ok(SavedDraft { id, draft: serde_json::from_str(&json).map_err(unreadable)?, updated_at })
            })
            .collect()
    }

    /// One draft.
    pub async fn draft(&self, id: i64) -> Result<Draft> {
        let json: String = sqlx::query_scalar("SELECT draft FROM drafts WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(Error::NotFound(Problem::DraftNotFound { id }))?;
        serde_json::from_str(&json).map_err(unreadable)
    }

    /// Forgets a draft here.
    pub async fn delete_draft(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM drafts WHERE id = ?").bind(id).execute(&mut *self.write_conn().await?).await?;
        Ok(())
    }
}
