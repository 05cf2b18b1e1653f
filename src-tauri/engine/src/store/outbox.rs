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
    /// None: the Sent copy is the wire message (stored as an empty blob).
    pub sent_copy: Option<Vec<u8>>,
    /// Send later: not before this (Unix seconds).
    pub send_at: Option<i64>,
    /// The composer's draft (JSON), given back if the send is cancelled.
    pub draft: Option<String>,
}

/// An outbox row still waiting for something: the SMTP hand-over
/// (`state` queued) or the Sent copy (`state` sent, `saved` false). Its
/// bytes are read when they are needed ([`Store::outgoing_bytes`]), one
/// message at a time.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub envelope_from: String,
    pub recipients: String,
    pub state: String,
}

/// Which bytes of an outbox message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutgoingPart {
    /// As it goes to the SMTP server.
    Wire,
    /// As it is saved in the Sent folder.
    SentCopy,
}

impl OutboxRow {
    /// The envelope recipients.
    pub fn recipient_list(&self) -> Vec<String> {
        serde_json::from_str(&self.recipients).unwrap_or_default()
    }
}

impl Store {
    /// Queues a message; it is sent by `Engine::deliver_outbox`.
    /// The message's bytes go in pieces, in the same transaction as its
    /// row.
    pub async fn queue_outgoing(&self, m: &OutgoingMessage) -> Result<i64> {
        let recipients =
            serde_json::to_string(&m.recipients).map_err(|e| crate::Error::Protocol(format!("recipients: {e}")))?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox
                    (account_id, message_id, envelope_from, recipients, wire, sent_copy, created_at, send_at, draft)
             VALUES (?, ?, ?, ?, X'', X'', ?, ?, ?) RETURNING id",
        )
        .bind(m.account_id)
        .bind(&m.message_id)
        .bind(&m.envelope_from)
        .bind(recipients)
        .bind(now())
        .bind(m.send_at)
        .bind(&m.draft)
        .fetch_one(&mut *tx)
        .await?;
        let parts = [("wire", Some(&m.wire)), ("copy", m.sent_copy.as_ref())];
        for (part, bytes) in parts.into_iter().filter_map(|(p, b)| b.map(|b| (p, b))) {
            for (seq, piece) in bytes.chunks(super::source::PIECE).enumerate() {
                sqlx::query("INSERT INTO outbox_pieces (outbox_id, part, seq, bytes) VALUES (?, ?, ?, ?)")
                    .bind(id)
                    .bind(part)
                    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                    .bind(piece)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(id)
    }

    /// An outbox message's bytes in one buffer (an IMAP APPEND wants
    /// them so), filled a piece at a time.
    pub async fn outgoing_joined(&self, id: i64, part: OutgoingPart) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.read_pieces(id, part, |piece| bytes.extend_from_slice(&piece)).await?;
        Ok(bytes)
    }

    /// An outbox message's bytes in their pieces: the wire message, or the
    /// Sent copy (the wire message when it has no copy of its own). Rows
    /// queued before the pieces keep theirs in the row: one piece.
    pub async fn outgoing_bytes(&self, id: i64, part: OutgoingPart) -> Result<Vec<Vec<u8>>> {
        let mut pieces = Vec::new();
        self.read_pieces(id, part, |piece| pieces.push(piece)).await?;
        Ok(pieces)
    }

    /// Hands the message's pieces to `take` in order, one read at a time.
    async fn read_pieces(&self, id: i64, part: OutgoingPart, mut take: impl FnMut(Vec<u8>)) -> Result<()> {
        let (wanted, pieces) = self.piece_ids(id, part).await?;
        if pieces.is_empty() {
            // A row queued before the pieces: its whole blob.
            let column = if wanted == "copy" { "sent_copy" } else { "wire" };
            take(
                sqlx::query_scalar(&format!("SELECT {column} FROM outbox WHERE id = ?"))
                    .bind(id)
                    .fetch_one(self.pool())
                    .await?,
            );
            return Ok(());
        }
        for piece in pieces {
            take(
                sqlx::query_scalar("SELECT bytes FROM outbox_pieces WHERE id = ?")
                    .bind(piece)
                    .fetch_one(self.pool())
                    .await?,
            );
        }
        Ok(())
    }

    /// Which part holds the bytes asked for (the Sent copy is the wire
    /// message unless it has its own), and its pieces in order.
    async fn piece_ids(&self, id: i64, part: OutgoingPart) -> Result<(&'static str, Vec<i64>)> {
        let wanted = match part {
            OutgoingPart::Wire => "wire",
            OutgoingPart::SentCopy => {
                let own: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM outbox_pieces WHERE outbox_id = ? AND part = 'copy')
                         OR (SELECT length(sent_copy) > 0 FROM outbox WHERE id = ?)",
                )
                .bind(id)
                .bind(id)
                .fetch_one(self.pool())
                .await?;
                if own { "copy" } else { "wire" }
            }
        };
        let pieces = sqlx::query_scalar("SELECT id FROM outbox_pieces WHERE outbox_id = ? AND part = ? ORDER BY seq")
            .bind(id)
            .bind(wanted)
            .fetch_all(self.pool())
            .await?;
        Ok((wanted, pieces))
    }

    /// Claims, for this process and `lease` seconds, the account's outbox
    /// rows that still need the server, are due and no other process holds
    /// (one statement, so two processes never claim the same row, and a
    /// cancelled send is never claimed after it was cancelled); oldest
    /// first.
    pub async fn claim_waiting(&self, account_id: AccountId, lease: i64) -> Result<Vec<OutboxRow>> {
        let at = now();
        let mut rows: Vec<OutboxRow> = sqlx::query_as(
            "UPDATE outbox SET claimed_until = ?3
             WHERE account_id = ?1 AND (state = 'queued' OR (state = 'sent' AND saved = 0))
               AND COALESCE(claimed_until, 0) < ?2 AND (state = 'sent' OR COALESCE(send_at, 0) <= ?2)
             RETURNING id, message_id, envelope_from, recipients, state",
        )
        .bind(account_id)
        .bind(at)
        .bind(at + lease)
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

    /// The SMTP server took the message; its draft, kept for Undo, goes.
    pub async fn mark_outgoing_sent(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL, draft = NULL
             WHERE id = ?",
        )
        .bind(now())
        .bind(id)
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(())
    }

    /// The Sent copy is stored (or the provider keeps one itself).
    /// Its bytes go: the message is kept in the Sent folder from now on.
    pub async fn mark_outgoing_saved(&self, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE outbox SET saved = 1, wire = X'', sent_copy = X'' WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM outbox_pieces WHERE outbox_id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
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

    /// When the account's next scheduled message is due (Unix seconds).
    pub async fn next_scheduled(&self, account_id: AccountId) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(send_at) FROM outbox WHERE account_id = ? AND state = 'queued' AND send_at IS NOT NULL",
        )
        .bind(account_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Messages that wait for their time (Send later, or the seconds of
    /// Undo), the soonest first: (account, Message-ID, send at, draft JSON).
    pub async fn scheduled(&self) -> Result<Vec<(AccountId, String, i64, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT account_id, message_id, send_at, draft FROM outbox
              WHERE state = 'queued' AND send_at IS NOT NULL ORDER BY send_at, id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Takes a message that has not gone out yet back out of the outbox
    /// and gives its draft (JSON), or None when it is already being handed
    /// over or was sent. One statement: the sender cannot claim it halfway.
    pub async fn cancel_outgoing(&self, message_id: &str) -> Result<Option<Option<String>>> {
        Ok(sqlx::query_scalar(
            "DELETE FROM outbox WHERE message_id = ? AND state = 'queued' AND COALESCE(claimed_until, 0) < ?
             RETURNING draft",
        )
        .bind(message_id.trim_start_matches('<').trim_end_matches('>'))
        .bind(now())
        .fetch_optional(&mut *self.write_conn().await?)
        .await?)
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
