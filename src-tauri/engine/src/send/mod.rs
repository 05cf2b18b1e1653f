//! Sending: the composer's draft (smart fields filled, directions marked,
//! pasted images made inline parts) becomes a message, waits in the
//! durable outbox (migration 0007), goes to the account's SMTP server, and
//! a copy is saved in the account's Sent folder (unless the provider saves
//! one itself, as Gmail does), from where it is synced into its
//! conversation like any other message.
//!
//! Send only queues the message and wakes the account's sender worker (see
//! [`crate::schedule`]). Once the SMTP server accepted a message it is
//! never sent again; before that, a message that could not be handed over
//! waits in the outbox and goes out when the server can be reached, across
//! restarts.

mod answer;
mod compose;
mod direction;
mod drafts;
pub(crate) mod fields;
mod images;
mod smtp;
mod staging;
mod templates;

pub(crate) use compose::invalid_addresses;
pub(crate) use templates::text_to_html;

use std::time::Duration;

use crate::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::AccountId;
use crate::model::{Draft, EngineEvent, ScheduledMessage, SendOutcome, SendState};
use crate::problem::Problem;
use crate::schedule::Worker;
use crate::store::AccountRow;
use crate::store::outbox::{OutboxRow, OutgoingMessage, OutgoingPart};
use crate::sync::{self, Connection};
use compose::ReplyContext;

/// How long a send waits for a running sync pass before leaving the new
/// Sent copy to the next pass.
const SENT_SYNC_WAIT: Duration = Duration::from_secs(5);

/// How long a process's claim on an outbox row lasts (seconds): long enough
/// for a slow hand-over, short enough that a row claimed by a killed process
/// goes out with a pass soon after.
const OUTBOX_CLAIM_SECS: i64 = 600;

impl Engine {
    /// Takes the composer's message: checks and builds it, puts it in the
    /// outbox and wakes the account's sender, which hands it over and
    /// tells the window how that went (`MessageSent`, `SendFailed`).
    /// Returns without waiting for the server; what the user must fix in
    /// the message itself (an address) comes back as an error, and nothing
    /// is queued then.
    pub(crate) async fn send(&self, draft: &Draft) -> Result<SendOutcome> {
        let started = std::time::Instant::now();
        let (_, message_id) = self.queue_draft(draft).await?;
        tracing::info!(ms = started.elapsed().as_millis(), "message put in the outbox");
        // A scheduled message makes the sender reckon its next wake-up.
        self.wake(draft.account_id, Worker::Sender);
        let state = if is_later(draft) { SendState::Scheduled } else { SendState::Queued };
        Ok(SendOutcome { state, message_id, problem: None })
    }

    /// Takes a message that waits for its time (Send later, Undo) out of
    /// the outbox and gives back its draft, to be edited again.
    pub(crate) async fn cancel_send(&self, message_id: &str) -> Result<Draft> {
        let draft = self.store.cancel_outgoing(message_id).await?.ok_or(Error::Invalid(Problem::AlreadySent))?;
        let draft = draft
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| Error::Protocol("the cancelled message kept no draft".into()))?;
        tracing::info!(message = message_id, "scheduled message cancelled");
        Ok(draft)
    }

    /// Messages waiting for their time, the soonest first.
    pub(crate) async fn scheduled(&self) -> Result<Vec<ScheduledMessage>> {
        let rows = self.store.scheduled().await?;
        Ok(rows
            .into_iter()
            .map(|(account_id, message_id, send_at, draft)| {
                let draft: Draft = draft.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
                ScheduledMessage { account_id, message_id, send_at, subject: draft.subject, to: draft.to }
            })
            .collect())
    }

    /// `send`, then the hand-over before returning: for a front end that
    /// runs no scheduler (the CLI). Anything the user must fix (an address,
    /// the password, a refusal by the server) comes back as an error and
    /// the message is taken out of the outbox again; a server that cannot
    /// be reached leaves it queued.
    pub(crate) async fn send_now(&self, draft: &Draft) -> Result<SendOutcome> {
        let (outbox_id, message_id) = self.queue_draft(draft).await?;
        if is_later(draft) {
            return Ok(SendOutcome { state: SendState::Scheduled, message_id, problem: None });
        }
        let delivered = self.deliver_outbox(draft.account_id).await;
        let (state, last_error) = self.store.outgoing_state(outbox_id).await?;
        match (state.as_str(), delivered) {
            ("sent", _) => Ok(SendOutcome { state: SendState::Sent, message_id, problem: None }),
            // Waiting for the network is fine; anything else the user fixes.
            ("queued", Err(e)) if e.kind() == ErrorKind::Offline => {
                Ok(SendOutcome { state: SendState::Queued, message_id, problem: Some(e.problem()) })
            }
            (_, Err(e)) => {
                self.store.drop_unsent(outbox_id).await?;
                Err(e)
            }
            (_, Ok(())) => {
                self.store.drop_unsent(outbox_id).await?;
                Err(Error::Invalid(last_error.unwrap_or(Problem::SmtpRefused { reason: String::new() })))
            }
        }
    }

    /// Fills the draft's smart fields, builds it into a message and queues
    /// it; returns its outbox id and Message-ID. A field that is not one,
    /// or one without a value the user did not agree to send empty, stops
    /// it here.
    async fn queue_draft(&self, original: &Draft) -> Result<(i64, String)> {
        let filled = self.fill_fields(original).await?;
        if !filled.missing.is_empty() && !original.empty_fields_ok {
            return Err(Error::Invalid(Problem::EmptyFields { fields: filled.missing }));
        }
        let mut draft = Draft { subject: filled.subject, body: filled.body, html: filled.html, ..original.clone() };
        let account = self.store.account(draft.account_id).await?;
        let from = compose::sender(&account.display_name, &account.email)?;
        let reply = match draft.in_reply_to {
            Some(id) => {
                let (parent_id, refs) = self.store.reply_headers(id).await?;
                ReplyContext { parent_id, parent_refs: refs.split_whitespace().map(str::to_owned).collect() }
            }
            None => ReplyContext::default(),
        };
        let mut files = compose::read_files(&draft).await?;
        if let Some(original) = draft.forward_of {
            files.extend(self.forwarded_files(original).await?);
        }
        files.extend(inline_images(&mut draft, &from));
        let composed = compose::compose(&from, &draft, &reply, files)?;
        // Refused before anything is queued: nothing is sent.
        let (size, limit) = (composed.wire.len() as u64, account.size_limit());
        if size > limit {
            return Err(Error::Invalid(Problem::MessageTooLarge { size, limit }));
        }
        let outbox_id = self
            .store
            .queue_outgoing(&OutgoingMessage {
                account_id: account.id,
                message_id: composed.message_id.clone(),
                envelope_from: composed.envelope_from,
                recipients: composed.recipients,
                wire: composed.wire,
                sent_copy: composed.sent_copy,
                send_at: original.send_at,
                draft: Some(serde_json::to_string(original).map_err(|e| Error::Protocol(format!("draft: {e}")))?),
            })
            .await?;
        tracing::info!(account = %account.id, outbox = outbox_id, "message queued for sending");
        Ok((outbox_id, composed.message_id))
    }

    /// Hands the account's waiting messages to its SMTP server, oldest
    /// first, and saves their Sent copies. Called by `send` and at the start
    /// of every sync pass. A refusal ends that one message (kept as failed
    /// for the troubleshooting view); a connection problem or a rejected
    /// login stops here, leaving the rest queued.
    pub async fn deliver_outbox(&self, account_id: AccountId) -> Result<()> {
        let _held = self.outbox_locks.lock(account_id).await;
        // Rows another process is handing over now are left to it.
        let claimed = self.store.claim_waiting(account_id, OUTBOX_CLAIM_SECS).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = claimed.iter().map(|r| r.id).collect();
        let done = self.deliver_claimed(account_id, claimed).await;
        self.store.release_outgoing(&ids).await?;
        done
    }

    /// Hands over the rows this process claimed and saves their Sent copies.
    async fn deliver_claimed(&self, account_id: AccountId, claimed: Vec<OutboxRow>) -> Result<()> {
        let account = self.store.account(account_id).await?;
        let password = self.secret(&account).await?;
        let (smtp, auth) = (account.smtp(), account.auth());
        let mut to_save = Vec::new();
        let mut stopped = None;
        for row in claimed {
            if row.state == "sent" {
                to_save.push(row);
                continue;
            }
            if stopped.is_some() {
                continue;
            }
            // One message's bytes at a time, let go once handed over.
            let wire = self.store.outgoing_bytes(row.id, OutgoingPart::Wire).await?;
            let subject = wire.first().map(|head| subject_of(head)).unwrap_or_default();
            let handed =
                smtp::hand_over(&smtp, &auth, &password, &row.envelope_from, &row.recipient_list(), &wire).await;
            drop(wire);
            match handed {
                Ok(()) => {
                    self.store.mark_outgoing_sent(row.id).await?;
                    tracing::info!(account = %account_id, outbox = row.id, "message sent");
                    let message_id = row.message_id.clone();
                    let _ = self.events.send(EngineEvent::MessageSent { account: account_id, message_id, subject });
                    to_save.push(row);
                }
                Err(e @ Error::Smtp { permanent: true, .. }) | Err(e @ Error::Invalid(_)) => {
                    tracing::warn!(account = %account_id, outbox = row.id, error = %e, "message refused");
                    let reason = e.problem();
                    self.store.note_outgoing_problem(row.id, &reason, true).await?;
                    let message_id = row.message_id.clone();
                    let _ =
                        self.events.send(EngineEvent::SendFailed { account: account_id, message_id, subject, reason });
                }
                Err(e) => {
                    tracing::info!(account = %account_id, outbox = row.id, error = %e, "message waits");
                    let reason = e.problem();
                    self.store.note_outgoing_problem(row.id, &reason, false).await?;
                    let message_id = row.message_id.clone();
                    let _ =
                        self.events.send(EngineEvent::SendDelayed { account: account_id, message_id, subject, reason });
                    stopped = Some(e);
                }
            }
        }
        if !to_save.is_empty() {
            self.save_sent_copies(&account, &password, &to_save).await?;
        }
        stopped.map_or(Ok(()), Err)
    }

    /// Sends what waits in the outbox, before a one-shot sync pass; a
    /// problem stays on the messages (the pass reports its own).
    pub(crate) async fn retry_outbox(&self, account_id: AccountId) {
        if let Err(e) = self.deliver_outbox(account_id).await {
            tracing::info!(account = %account_id, error = %e, "outbox not delivered yet");
        }
    }

    /// Appends the Sent copies, then syncs the Sent folder so that they
    /// join their conversations here.
    async fn save_sent_copies(&self, account: &AccountRow, password: &str, rows: &[OutboxRow]) -> Result<()> {
        if account.preset().is_some_and(|p| p.saves_sent) {
            for row in rows {
                self.store.mark_outgoing_saved(row.id).await?;
            }
            return Ok(());
        }
        let folders = self.store.folders(account.id).await?;
        if folders.is_empty() {
            // Sent before the first pass listed the folders: the copy is
            // saved by a later pass, once the Sent folder is known.
            return Ok(());
        }
        let Some(sent) = folders.iter().find(|f| f.role.as_deref() == Some("sent")) else {
            tracing::warn!(account = %account.id, "no Sent folder: sent messages are not saved on the server");
            for row in rows {
                self.store.mark_outgoing_saved(row.id).await?;
            }
            return Ok(());
        };
        let mut conn = Connection::open(account, password).await?;
        for row in rows {
            // Saved before it is recorded: a process killed in between
            // saves it twice (same Message-ID; rare), never zero times.
            let copy = self.store.outgoing_joined(row.id, OutgoingPart::SentCopy).await?;
            conn.session.append(&sent.name, Some("(\\Seen)"), None, &copy).await?;
            drop(copy);
            self.store.mark_outgoing_saved(row.id).await?;
        }
        // Under the Sent folder's lock, so no pass runs over it beside this
        // one; a long pass in progress picks the copies up itself, or the
        // next one does.
        if let Ok(_held) = tokio::time::timeout(SENT_SYNC_WAIT, self.folder_locks.lock(sent.id)).await {
            sync::sync_locked_folder(&mut conn, &self.pass(None), account.id, sent).await?;
        }
        conn.close().await;
        Ok(())
    }
}

/// Takes the pasted images (`data:` URLs) out of the draft's HTML, which
/// then refers to them by `cid:`, and gives them as inline parts.
fn inline_images(draft: &mut Draft, from: &lettre::message::Mailbox) -> Vec<compose::FilePart> {
    let Some(html) = &draft.html else { return Vec::new() };
    let (html, images) = images::extract_data_images(html, from.email.domain());
    draft.html = Some(html);
    images
}

/// Whether the draft is to wait for a later time.
fn is_later(draft: &Draft) -> bool {
    draft.send_at.is_some_and(|at| at > crate::store::now())
}

/// The subject of an outgoing message, for the window's notices.
fn subject_of(wire: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(wire)
        .and_then(|m| m.subject().map(str::to_owned))
        .unwrap_or_default()
}
