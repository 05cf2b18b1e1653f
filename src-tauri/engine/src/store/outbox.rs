//! The outbox (migration 0007): sent messages from Send until the server
//! took them and the Sent copy is stored.

use sqlx::FromRow;

use super::{Store, now};
use crate::error::Result;
use crate::ids::{AccountId, MessageId};
use crate::problem::Problem;

/// A message to send, as the composer built it.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub account_id: AccountId,
    pub message_id: String,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub wire: Vec<u8>,
    pub sent_copy: Vec<u8>,
}

/// An outbox row still waiting for something: the SMTP hand-over
/// (`state` queued) or the Sent copy (`state` sent, `saved` false).
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub envelope_from: String,
    pub recipients: String,
    pub wire: Vec<u8>,
    pub sent_copy: Vec<u8>,
    pub state: String,
}

impl OutboxRow {
    /// The envelope recipients.
    pub fn recipient_list(&self) -> Vec<String> {
        serde_json::from_str(&self.recipients).unwrap_or_default()
    }
}

impl Store {
    /// Queues a message; it is sent by `Engine::deliver_outbox`.
    pub async fn queue_outgoing(&self, m: &OutgoingMessage) -> Result<i64> {
        let recipients =
            serde_json::to_string(&m.recipients).map_err(|e| crate::Error::Protocol(format!("recipients: {e}")))?;
        let id = sqlx::query_scalar(
            "INSERT INTO outbox (account_id, message_id, envelope_from, recipients, wire, sent_copy, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(m.account_id)
        .bind(&m.message_id)
        .bind(&m.envelope_from)
        .bind(recipients)
        .bind(&m.wire)
        .bind(&m.sent_copy)
        .bind(now())
        .fetch_one(&mut *self.write_conn().await?)
        .await?;
        Ok(id)
    }

    /// Claims, for this process and `lease` seconds, the account's outbox
    /// rows that still need the server and no other process holds (one
    /// statement, so two processes never claim the same row); oldest first.
    pub async fn claim_waiting(&self, account_id: AccountId, lease: i64) -> Result<Vec<OutboxRow>> {
        let at = now();
        let mut rows: Vec<OutboxRow> = sqlx::query_as(
            "UPDATE outbox SET claimed_until = ?
             WHERE account_id = ? AND (state = 'queued' OR (state = 'sent' AND saved = 0))
               AND COALESCE(claimed_until, 0) < ?
             RETURNING id, message_id, envelope_from, recipients, wire, sent_copy, state",
        )
        .bind(at + lease)
        .bind(account_id)
        .bind(at)
        .fetch_all(&mut *self.write_conn().await?)
        .await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Lets other processes take these rows again.
    pub async fn release_outgoing(&self, ids: &[i64]) -> Result<()> {
        let list = serde_json::to_string(ids).map_err(|e| crate::Error::Protocol(format!("ids: {e}")))?;
        sqlx::query("UPDATE outbox SET claimed_until = NULL WHERE id IN (SELECT value FROM json_each(?))")
            .bind(list)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    /// One outbox row's state and last problem.
    pub async fn outgoing_state(&self, id: i64) -> Result<(String, Option<Problem>)> {
        Ok(sqlx::query_as("SELECT state, last_error FROM outbox WHERE id = ?").bind(id).fetch_one(self.pool()).await?)
    }

    /// The SMTP server took the message.
    pub async fn mark_outgoing_sent(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
        )
        .bind(now())
        .bind(id)
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(())
    }

    /// The Sent copy is stored (or the provider keeps one itself).
    pub async fn mark_outgoing_saved(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET saved = 1 WHERE id = ?")
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    /// A try that did not work: `permanent` ends the row as failed (shown to
    /// the user), otherwise it waits for the next pass.
    pub async fn note_outgoing_problem(&self, id: i64, error: &Problem, permanent: bool) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?,
                    state = CASE WHEN ? THEN 'failed' ELSE state END
             WHERE id = ?",
        )
        .bind(error)
        .bind(permanent)
        .bind(id)
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(())
    }

    /// Forgets a message that was never handed over (the user keeps it in
    /// the composer and fixes what the server refused).
    pub async fn drop_unsent(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM outbox WHERE id = ? AND state <> 'sent'")
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    /// How many messages wait to be sent, and how many could not be sent.
    pub async fn outbox_counts(&self, account_id: AccountId) -> Result<(u32, u32)> {
        let (queued, failed): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'failed'), 0)
             FROM outbox WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_one(self.pool())
        .await?;
        Ok((u32::try_from(queued).unwrap_or(0), u32::try_from(failed).unwrap_or(0)))
    }

    /// The Message-ID and References of a stored message, to answer it.
    pub async fn reply_headers(&self, message_id: MessageId) -> Result<(Option<String>, String)> {
        sqlx::query_as("SELECT message_id, refs FROM messages WHERE id = ?")
            .bind(message_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| crate::Error::NotFound(Problem::MessageNotFound { id: Some(message_id) }))
    }
}
