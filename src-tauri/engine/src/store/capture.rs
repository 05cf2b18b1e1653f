//! Smart BCC copies in the store (migration 0022): what the capture stage
//! decided, stored with the batch that holds the copy; the quarantine and
//! its accept and discard; copies checked again; the accepted senders.
//!
//! A copy that is not ingested is stored like any email with bit 1 of
//! `messages.hidden` set: its source is kept, a sync does not fetch it
//! again, and accepting it only clears the bit.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use subtle::ConstantTimeEq;

use super::{PreparedMessage, Store, now};
use crate::address::normalize;
use crate::bcc::capture::{AcceptedSender, CaptureState, Captured, HeldCopy, HoldReason, body_hash};
use crate::bcc::{Target, Token};
use crate::crm::linking;
use crate::error::{Error, Result};
use crate::ids::{AccountId, MessageId};
use crate::mime::ParsedAddress;
use crate::problem::Problem;
use crate::verify::{Dkim, Spf, Verdict};

/// The `hidden` bit of a copy that is not ingested.
pub(crate) const HELD: i64 = 1;

/// How long a sender's confirmation code holds (seconds).
const CODE_LIFETIME: i64 = 24 * 60 * 60;

/// Wrong codes that end a sender's code (migration 0023).
const CODE_TRIES: i64 = 5;

/// What the capture stage needs to know of a receiving mailbox (see
/// [`crate::bcc::capture::Rules`]).
#[derive(Debug, Clone)]
pub struct CaptureInputs {
    pub mailbox: String,
    /// Live tokens with their target, retired ones with None.
    pub tokens: Vec<(Token, Option<Target>)>,
    pub own: Vec<String>,
    pub senders: Vec<String>,
}

/// A copy to check again, with its source.
#[derive(Debug, Clone)]
pub struct CopyToCheck {
    pub id: MessageId,
    pub target: Option<Target>,
    pub verdict: Option<Verdict>,
    pub sender: String,
    pub raw: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct HeldRow {
    message_id: MessageId,
    target: Option<String>,
    target_id: Option<i64>,
    dkim: Option<Dkim>,
    spf: Option<Spf>,
    sender: String,
}

/// A copy's target as stored (None for an unknown or retired address).
fn stored_target(target: Option<Target>) -> (Option<&'static str>, Option<i64>) {
    target.map(super::bcc::target_parts).map_or((None, None), |(name, id)| (Some(name), id))
}

/// The hidden bit a message is stored with, for its capture.
pub(crate) fn held_bit(capture: Option<&Captured>) -> i64 {
    match capture {
        Some(c) if c.state != CaptureState::Captured => HELD,
        _ => 0,
    }
}

/// Maps the batch's messages that are an email stored already under
/// another source onto it (`ids`: content hash to message id): a captured
/// copy and the same message in the Sent folder (same Message-ID, same
/// body) are one email. Only copies that are ingested are matched.
pub(super) async fn same_emails(
    tx: &mut SqliteConnection,
    account_id: AccountId,
    batch: &[PreparedMessage],
    ids: &mut HashMap<[u8; 32], i64>,
) -> Result<()> {
    // A captured copy whose message is stored already.
    let copies: Vec<(&str, [u8; 32], [u8; 32])> = batch
        .iter()
        .filter(|m| !ids.contains_key(&m.parsed.content_hash))
        .filter_map(|m| {
            let capture = m.capture.as_deref().filter(|c| c.state == CaptureState::Captured)?;
            Some((m.parsed.message_id.as_deref()?, capture.body_hash, m.parsed.content_hash))
        })
        .collect();
    let found = twins(tx, account_id, &copies.iter().map(|(mid, hash, _)| (*mid, *hash)).collect::<Vec<_>>()).await?;
    for ((_, _, content_hash), twin) in copies.iter().zip(found) {
        if let Some(id) = twin {
            ids.insert(*content_hash, id);
        }
    }
    // A message whose captured copy is stored already.
    let wanted: Vec<(&str, [u8; 32], [u8; 32])> = batch
        .iter()
        .filter(|m| m.capture.is_none() && !ids.contains_key(&m.parsed.content_hash))
        .filter_map(|m| Some((m.parsed.message_id.as_deref()?, m.body_hash?, m.parsed.content_hash)))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let list = serde_json::to_string(&wanted.iter().map(|w| w.0).collect::<Vec<_>>()).unwrap_or_default();
    let captured: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
        "SELECT m.id, m.message_id, c.body_hash FROM captures c JOIN messages m ON m.id = c.message_id
          WHERE c.state = 'captured' AND m.account_id = ? AND m.message_id IN (SELECT value FROM json_each(?))",
    )
    .bind(account_id)
    .bind(list)
    .fetch_all(&mut *tx)
    .await?;
    for (message_id, hash, content_hash) in wanted {
        if let Some((id, _, _)) = captured.iter().find(|(_, mid, h)| mid == message_id && h[..] == hash[..]) {
            ids.insert(content_hash, *id);
        }
    }
    Ok(())
}

/// Records the batch's copies (`ids`: content hash to message id, after
/// storing; ids from `first_new` on are new in it): their capture, the original sender and recipients of a
/// forward, the link to the record whose address took the copy, and
/// persons for unknown customers when the preference says so.
pub(super) async fn record_copies(
    tx: &mut SqliteConnection,
    batch: &[PreparedMessage],
    ids: &HashMap<[u8; 32], i64>,
    first_new: i64,
) -> Result<()> {
    let copies: Vec<(i64, &Captured)> =
        batch.iter().filter_map(|m| Some((*ids.get(&m.parsed.content_hash)?, m.capture.as_deref()?))).collect();
    if copies.is_empty() {
        return Ok(());
    }
    let at = now();
    // One statement per chunk: a sync may bring a thousand copies.
    let mut inserted: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for chunk in super::statement_chunks(&copies, 11) {
        let mut q: sqlx::QueryBuilder<sqlx::Sqlite> = sqlx::QueryBuilder::new(
            "INSERT INTO captures (message_id, state, reason, target, target_id, dkim, spf, sender, body_hash,
                                   captured_at, checked_at) ",
        );
        q.push_values(chunk, |mut row, (id, c)| {
            let (target, target_id) = stored_target(c.target);
            row.push_bind(*id)
                .push_bind(c.state)
                .push_bind(c.reason)
                .push_bind(target)
                .push_bind(target_id)
                .push_bind(c.verdict.map(|v| v.dkim))
                .push_bind(c.verdict.map(|v| v.spf))
                .push_bind(&c.sender)
                .push_bind(&c.body_hash[..])
                .push_bind(at)
                .push_bind(at);
        });
        q.push(" ON CONFLICT (message_id) DO NOTHING RETURNING message_id");
        inserted.extend(q.build_query_scalar::<i64>().fetch_all(&mut *tx).await?);
    }
    let new: Vec<&(i64, &Captured)> = copies.iter().filter(|(id, _)| inserted.contains(id)).collect();
    let originals: Vec<(i64, i64, &str, &ParsedAddress)> = new
        .iter()
        .flat_map(|(id, c)| {
            c.originals.iter().enumerate().map(move |(position, (role, address))| {
                (*id, i64::try_from(position).unwrap_or(0), role.as_str(), address)
            })
        })
        .collect();
    for chunk in super::statement_chunks(&originals, 5) {
        let mut q: sqlx::QueryBuilder<sqlx::Sqlite> = sqlx::QueryBuilder::new(
            "INSERT OR IGNORE INTO capture_originals (message_id, role, position, name, address) ",
        );
        q.push_values(chunk, |mut row, (id, position, role, address)| {
            row.push_bind(*id)
                .push_bind(*role)
                .push_bind(*position)
                .push_bind(&address.name)
                .push_bind(&address.address);
        });
        q.build().execute(&mut *tx).await?;
    }
    let captured: Vec<MessageId> =
        new.iter().filter(|(_, c)| c.state == CaptureState::Captured).map(|(id, _)| MessageId(*id)).collect();
    ingested(tx, &captured, at, Some(first_new)).await
}

/// What follows a copy being ingested: the link to the record whose
/// address took it, and persons for its unknown customers when the
/// preference says so; then the usual rules link them, except messages
/// from `linked_from` on (new in the batch being stored: its link stage
/// comes next).
async fn ingested(tx: &mut SqliteConnection, ids: &[MessageId], at: i64, linked_from: Option<i64>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = serde_json::to_string(ids).unwrap_or_default();
    sqlx::query(
        "INSERT INTO message_links (message_id, kind, target_id, rule, created_at)
         SELECT c.message_id, c.target, c.target_id, 'capture', ?2 FROM captures c
          WHERE c.message_id IN (SELECT value FROM json_each(?1)) AND c.target IN ('deal', 'lead', 'project')
            AND EXISTS (SELECT 1 FROM bcc_tokens t WHERE t.target = c.target AND t.target_id = c.target_id)
         ON CONFLICT (message_id, kind, target_id) DO NOTHING",
    )
    .bind(&list)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let mut to_link = ids.to_vec();
    if create_persons_on(tx).await? {
        // A new person's earlier mail is linked to them too, as when the
        // user adds one.
        let created = create_persons(tx, ids, at).await?;
        to_link.extend(linking::messages_with_addresses(tx, &created).await?);
        to_link.sort_unstable();
        to_link.dedup();
    }
    to_link.retain(|id| linked_from.is_none_or(|first| id.0 < first));
    linking::link_messages(tx, &to_link, at).await
}

/// "Create persons from Smart BCC copies automatically" (off unless the
/// user turned it on).
async fn create_persons_on(conn: &mut SqliteConnection) -> Result<bool> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'bcc_create_persons'")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(value.as_deref() == Some("on"))
}

/// A person for each customer address of these copies that belongs to
/// nobody: named as the mail names them (else by the address), in the
/// organization that has the address's domain, if one does. Returns the
/// addresses that got a person.
async fn create_persons(tx: &mut SqliteConnection, ids: &[MessageId], at: i64) -> Result<Vec<String>> {
    let list = serde_json::to_string(ids).unwrap_or_default();
    let own = super::accounts::own_addresses(tx).await?;
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT address, MAX(name) FROM (
            SELECT o.address, o.name FROM capture_originals o WHERE o.message_id IN (SELECT value FROM json_each(?1))
            UNION ALL
            SELECT a.address, a.name FROM message_addresses a
             WHERE a.message_id IN (SELECT value FROM json_each(?1)) AND a.role IN ('from', 'to', 'cc')
               AND NOT EXISTS (SELECT 1 FROM capture_originals o WHERE o.message_id = a.message_id))
          WHERE address NOT IN (SELECT address FROM person_addresses)
          GROUP BY address",
    )
    .bind(&list)
    .fetch_all(&mut *tx)
    .await?;
    let mut created = Vec::new();
    for (address, name) in found {
        if address.is_empty() || crate::address::is_own(&own, &address) {
            continue;
        }
        let domain = crate::address::domain_of(&address).to_owned();
        let org: Option<i64> = if crate::address::is_free_mail(&domain) {
            None
        } else {
            sqlx::query_scalar("SELECT org_id FROM organization_domains WHERE domain = ? ORDER BY org_id LIMIT 1")
                .bind(&domain)
                .fetch_optional(&mut *tx)
                .await?
        };
        let name = if name.trim().is_empty() { address.clone() } else { name.trim().to_owned() };
        let person: i64 =
            sqlx::query_scalar("INSERT INTO persons (name, org_id, created_at) VALUES (?, ?, ?) RETURNING id")
                .bind(&name)
                .bind(org)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("INSERT OR IGNORE INTO person_addresses (address, person_id) VALUES (?, ?)")
            .bind(&address)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        created.push(address);
    }
    Ok(created)
}

impl Store {
    /// What the capture stage needs for `account`'s mailbox; None when no
    /// Smart BCC address was ever made on it (nothing to capture).
    pub async fn capture_inputs(&self, account: AccountId) -> Result<Option<CaptureInputs>> {
        let tokens = self.bcc_tokens(account).await?;
        if tokens.is_empty() {
            return Ok(None);
        }
        let mailbox = self.account(account).await?.email;
        let (own, senders) = self.accepted_senders().await?;
        Ok(Some(CaptureInputs {
            mailbox,
            tokens: tokens.into_iter().map(|t| (t.token, (!t.retired).then_some(t.target))).collect(),
            own,
            senders,
        }))
    }

    /// Who may use the Smart BCC addresses: the user's own addresses, and
    /// the confirmed accepted senders (all normalized).
    pub async fn accepted_senders(&self) -> Result<(Vec<String>, Vec<String>)> {
        let mut conn = self.pool().acquire().await?;
        let own = super::accounts::own_addresses(&mut conn).await?;
        let senders: Vec<String> = sqlx::query_scalar("SELECT address FROM bcc_senders WHERE verified_at IS NOT NULL")
            .fetch_all(&mut *conn)
            .await?;
        Ok((own, senders))
    }

    /// The copies held back, newest first.
    pub async fn quarantine(&self) -> Result<Vec<HeldCopy>> {
        Ok(sqlx::query_as(
            "SELECT m.id, m.message_id, m.from_addr AS \"from\", m.subject, m.date, c.reason, c.dkim, c.spf
               FROM captures c JOIN messages m ON m.id = c.message_id
              WHERE c.state = 'quarantined' AND c.reason IS NOT NULL
              ORDER BY m.date DESC, m.id DESC",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// How many copies wait for DNS to answer (checked again after each
    /// pass): not held for a reason, not in yet either.
    pub async fn waiting_copies(&self) -> Result<u32> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM captures WHERE state = 'waiting'").fetch_one(self.pool()).await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The user accepts a held copy: it is ingested and linked, and joins
    /// the same email if the Sent folder has it.
    pub async fn accept_held(&self, id: MessageId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let state: Option<CaptureState> = sqlx::query_scalar(
            "SELECT state FROM captures WHERE message_id = ? AND state IN ('quarantined', 'waiting')",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if state.is_none() {
            return Err(Error::NotFound(Problem::NotQuarantined { id }));
        }
        settle(&mut tx, id, CaptureState::Captured, None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user discards a held copy: it stays out of sight for good (the
    /// mail account keeps it; nothing there changes).
    pub async fn discard_held(&self, id: MessageId) -> Result<()> {
        let done =
            sqlx::query("UPDATE captures SET state = 'discarded' WHERE message_id = ? AND state = 'quarantined'")
                .bind(id)
                .execute(&mut *self.write_conn().await?)
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::NotQuarantined { id }));
        }
        Ok(())
    }

    /// The copies to check again: those that waited for DNS, and those
    /// held for a sender who is accepted now.
    pub async fn copies_to_check(&self) -> Result<Vec<CopyToCheck>> {
        let rows: Vec<HeldRow> = sqlx::query_as(
            "SELECT c.message_id, c.target, c.target_id, c.dkim, c.spf, c.sender FROM captures c
              WHERE c.state = 'waiting'
                 OR (c.state = 'quarantined' AND c.reason = 'unverified_sender'
                     AND c.sender IN (SELECT address FROM bcc_senders WHERE verified_at IS NOT NULL))",
        )
        .fetch_all(self.pool())
        .await?;
        let mut copies = Vec::new();
        let mut conn = self.pool().acquire().await?;
        for row in rows {
            let Some(raw) = super::source::load(&mut conn, row.message_id.0).await? else { continue };
            copies.push(CopyToCheck {
                id: row.message_id,
                target: row.target.as_deref().and_then(|name| super::bcc::target_of(name, row.target_id)),
                verdict: row.dkim.zip(row.spf).map(|(dkim, spf)| Verdict { dkim, spf }),
                sender: row.sender,
                raw,
            });
        }
        Ok(copies)
    }

    /// Stores a copy's new verdict and state (see [`Store::copies_to_check`]).
    pub async fn settle_copy(
        &self,
        id: MessageId,
        state: CaptureState,
        reason: Option<HoldReason>,
        verdict: Option<Verdict>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        settle(&mut tx, id, state, reason, verdict).await?;
        tx.commit().await?;
        Ok(())
    }

    /// "Create persons from Smart BCC copies automatically".
    pub async fn bcc_create_persons(&self) -> Result<bool> {
        create_persons_on(&mut *self.pool().acquire().await?).await
    }

    pub async fn set_bcc_create_persons(&self, on: bool) -> Result<()> {
        sqlx::query("INSERT OR REPLACE INTO settings (key, value) VALUES ('bcc_create_persons', ?)")
            .bind(if on { "on" } else { "off" })
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    // ---- accepted senders ----

    /// Adds an accepted sender (again: a new code) and returns the code to
    /// mail to it; only its hash is kept.
    pub async fn add_sender(&self, address: &str) -> Result<String> {
        let address = sender_address(address)?;
        let code = new_code()?;
        sqlx::query(
            "INSERT INTO bcc_senders (address, code_hash, code_expires_at, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (address) DO UPDATE SET code_hash = ?2, code_expires_at = ?3, failed_tries = 0",
        )
        .bind(&address)
        .bind(&code_hash(&code)[..])
        .bind(now() + CODE_LIFETIME)
        .bind(now())
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(code)
    }

    /// Confirms a sender with the code mailed to it; a code works once.
    pub async fn verify_sender(&self, address: &str, code: &str) -> Result<()> {
        let address = sender_address(address)?;
        let mut tx = self.begin_write().await?;
        let row: Option<(Option<Vec<u8>>, Option<i64>)> =
            sqlx::query_as("SELECT code_hash, code_expires_at FROM bcc_senders WHERE address = ?")
                .bind(&address)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((hash, expires)) = row else {
            return Err(Error::NotFound(Problem::SenderNotListed { address }));
        };
        let Some(hash) = hash else {
            return Err(Error::Invalid(Problem::SenderCodeUsedUp { address }));
        };
        let given = code_hash(code.trim());
        if !bool::from(hash.as_slice().ct_eq(&given[..])) {
            // The wrong try counts, and the last allowed one ends the code.
            let tries: i64 = sqlx::query_scalar(
                "UPDATE bcc_senders SET failed_tries = failed_tries + 1,
                        code_hash = CASE WHEN failed_tries + 1 >= ? THEN NULL ELSE code_hash END
                  WHERE address = ? RETURNING failed_tries",
            )
            .bind(CODE_TRIES)
            .bind(&address)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            return Err(Error::Invalid(if tries >= CODE_TRIES {
                Problem::SenderCodeUsedUp { address }
            } else {
                Problem::SenderCodeWrong { address }
            }));
        }
        if expires.is_none_or(|expires| expires < now()) {
            return Err(Error::Invalid(Problem::SenderCodeExpired { address }));
        }
        sqlx::query(
            "UPDATE bcc_senders SET verified_at = ?, code_hash = NULL, code_expires_at = NULL, failed_tries = 0
              WHERE address = ?",
        )
        .bind(now())
        .bind(&address)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The accepted senders, sorted.
    pub async fn senders(&self) -> Result<Vec<AcceptedSender>> {
        let rows: Vec<(String, bool)> =
            sqlx::query_as("SELECT address, verified_at IS NOT NULL FROM bcc_senders ORDER BY address")
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(address, verified)| AcceptedSender { address, verified }).collect())
    }

    /// Removes an accepted sender: its later copies are held again.
    pub async fn remove_sender(&self, address: &str) -> Result<()> {
        let address = sender_address(address)?;
        let done = sqlx::query("DELETE FROM bcc_senders WHERE address = ?")
            .bind(&address)
            .execute(&mut *self.write_conn().await?)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::SenderNotListed { address }));
        }
        Ok(())
    }
}

/// A copy's new state: ingested ones are shown, linked and, if the Sent
/// folder holds the same email, joined with it.
async fn settle(
    tx: &mut SqliteConnection,
    id: MessageId,
    state: CaptureState,
    reason: Option<HoldReason>,
    verdict: Option<Verdict>,
) -> Result<()> {
    sqlx::query(
        "UPDATE captures SET state = ?, reason = ?, dkim = COALESCE(?, dkim), spf = COALESCE(?, spf), checked_at = ?
          WHERE message_id = ?",
    )
    .bind(state)
    .bind(reason)
    .bind(verdict.map(|v| v.dkim))
    .bind(verdict.map(|v| v.spf))
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if state != CaptureState::Captured {
        return Ok(());
    }
    let id = join_same_email(tx, id).await?;
    sqlx::query("UPDATE messages SET hidden = hidden & ~1 WHERE id = ?").bind(id).execute(&mut *tx).await?;
    ingested(tx, &[id], now(), None).await
}

/// Joins an ingested copy with the same email stored from another folder
/// (same Message-ID, same body): the copy's locations and capture move to
/// it, and the copy's own row goes. Returns the email that remains.
async fn join_same_email(tx: &mut SqliteConnection, id: MessageId) -> Result<MessageId> {
    let row: Option<(i64, Option<String>, Vec<u8>)> = sqlx::query_as(
        "SELECT m.account_id, m.message_id, c.body_hash FROM messages m JOIN captures c ON c.message_id = m.id
          WHERE m.id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((account, Some(message_id), hash)) = row else { return Ok(id) };
    let hash = <[u8; 32]>::try_from(hash.as_slice()).unwrap_or_default();
    // The copy itself is still held (hidden), so it is not its own twin.
    if let Some(Some(other)) = twins(tx, AccountId(account), &[(&message_id, hash)]).await?.pop() {
        sqlx::query("UPDATE message_folders SET message_id = ? WHERE message_id = ?")
            .bind(other)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE captures SET message_id = ? WHERE message_id = ? AND NOT EXISTS
                        (SELECT 1 FROM captures WHERE message_id = ?)",
        )
        .bind(other)
        .bind(id)
        .bind(other)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE OR IGNORE capture_originals SET message_id = ? WHERE message_id = ?")
            .bind(other)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM messages WHERE id = ?").bind(id).execute(&mut *tx).await?;
        return Ok(MessageId(other));
    }
    Ok(id)
}

/// For each (Message-ID, body hash), the account's stored and shown email
/// that is the same (its twin from another folder), in one look: most
/// have none. A twin's body hash is its capture's, else taken from its
/// source.
async fn twins(
    tx: &mut SqliteConnection,
    account_id: AccountId,
    wanted: &[(&str, [u8; 32])],
) -> Result<Vec<Option<i64>>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(&wanted.iter().map(|w| w.0).collect::<Vec<_>>()).unwrap_or_default();
    let candidates: Vec<(String, i64, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT r.msgid, m.id, c.body_hash FROM thread_refs r JOIN messages m ON m.thread_id = r.thread_id
                LEFT JOIN captures c ON c.message_id = m.id
          WHERE r.account_id = ?1 AND r.msgid IN (SELECT value FROM json_each(?2))
            AND m.message_id = r.msgid AND m.hidden & 1 = 0",
    )
    .bind(account_id)
    .bind(list)
    .fetch_all(&mut *tx)
    .await?;
    let mut found = Vec::with_capacity(wanted.len());
    for (message_id, hash) in wanted {
        let mut twin = None;
        for (_, id, stored) in candidates.iter().filter(|c| c.0 == *message_id) {
            let same = match stored {
                Some(stored) => stored[..] == hash[..],
                None => super::source::load(tx, *id).await?.is_some_and(|raw| body_hash(&raw) == *hash),
            };
            if same {
                twin = Some(*id);
                break;
            }
        }
        found.push(twin);
    }
    Ok(found)
}

/// A sender's address, normalized, or why it is not one.
fn sender_address(text: &str) -> Result<String> {
    let address = normalize(text);
    match address.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => Ok(address),
        _ => Err(Error::Invalid(Problem::NotAnEmailAddress { text: text.trim().to_owned(), field: None })),
    }
}

/// Eight random digits: easy to type from the email, and with a day's
/// lifetime and the app's own hand on every try, beyond guessing.
fn new_code() -> Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| Error::Protocol(format!("no randomness from the OS: {e}")))?;
    Ok(format!("{:08}", u64::from_le_bytes(bytes) % 100_000_000))
}

fn code_hash(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}
