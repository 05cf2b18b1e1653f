//! Messages, their locations in folders, and conversations (threads).
//!
//! A batch of fetched messages is stored in one transaction (with its
//! links, see [`crate::ingest`]), so a killed process leaves either the
//! whole batch or none of it. A message is stored
//! once per account (identity: SHA-256 of its raw source) and known in every
//! folder that holds it. Threads come only from Message-ID, References and
//! In-Reply-To: equal subjects never merge two conversations.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::block::{BLOCKED, BlockList};
use super::capture::{self, held_bit};
use super::source::{Packed, PackedSource};
use super::{STATEMENT_BYTES, Store, now, statement_chunks, statement_chunks_by_bytes};
use crate::bcc::capture::Captured;
use crate::error::Result;
use crate::ids::{AccountId, MessageId};
use crate::mime::{AddressRole, AttachmentMeta, ParsedMessage};

/// A fetched message made ready to store: parsed and its source packed
/// (see [`crate::ingest::prepare`]); storing a batch of them is all
/// database work.
#[derive(Debug, Clone)]
pub struct PreparedMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    pub modseq: u64,
    pub internal_date: Option<i64>,
    pub parsed: ParsedMessage,
    pub source: PackedSource,
    /// What the capture stage made of a Smart BCC copy (None: not one).
    pub capture: Option<Box<Captured>>,
    /// SHA-256 of the body, on a mailbox that receives Smart BCC copies:
    /// what tells a message from its captured copy (see `store::capture`).
    pub body_hash: Option<[u8; 32]>,
    /// Gmail's ids and labels of the message (X-GM-EXT-1 servers only).
    pub gmail: Option<GmailMeta>,
}

/// What Gmail says of a message beside its body: its identity across the
/// folders its labels make, its conversation, and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailMeta {
    pub msgid: u64,
    pub labels: Vec<String>,
    /// The conversation key its X-GM-THRID gives (see migration 0025).
    pub thread_key: Option<String>,
}

impl GmailMeta {
    /// From the FETCH attributes (None without X-GM-MSGID).
    pub fn new(msgid: Option<u64>, thrid: Option<u64>, labels: Option<Vec<String>>) -> Option<GmailMeta> {
        Some(GmailMeta {
            msgid: msgid?,
            labels: labels.unwrap_or_default(),
            thread_key: thrid.map(|t| format!("x-gm-thrid:{t}")),
        })
    }

    /// The labels as stored (a JSON array).
    pub fn labels_json(&self) -> String {
        serde_json::to_string(&self.labels).unwrap_or_default()
    }
}

/// A Gmail message already stored, found in another folder (label): its
/// location is recorded without fetching its body again.
#[derive(Debug, Clone)]
pub struct KnownPlacement {
    pub uid: u32,
    pub message_id: i64,
    pub flags: Vec<String>,
    pub modseq: u64,
    pub internal_date: Option<i64>,
    pub labels: Vec<String>,
}

/// What storing a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredBatch {
    /// Folder locations (folder + UID) written.
    pub locations: u32,
    /// Ids of the messages stored for the first time.
    pub added: Vec<MessageId>,
}

/// Seconds in a day, for date sanity checks.
const DAY: i64 = 86_400;

/// Sorted, de-duplicated flags and the two the UI cares about.
pub(crate) struct FlagSet {
    pub text: String,
    pub seen: bool,
    pub flagged: bool,
}

impl FlagSet {
    pub(crate) fn new(flags: &[String]) -> FlagSet {
        let mut list: Vec<&str> =
            flags.iter().map(|f| f.as_str()).filter(|f| !f.eq_ignore_ascii_case("\\Recent")).collect();
        list.sort_unstable();
        list.dedup();
        FlagSet {
            seen: list.iter().any(|f| f.eq_ignore_ascii_case("\\Seen")),
            flagged: list.iter().any(|f| f.eq_ignore_ascii_case("\\Flagged")),
            text: list.join(" "),
        }
    }
}

impl Store {
    /// Opens one write transaction for several batches. Each commit writes
    /// every page its messages touched, and the content-hash, thread and
    /// address indexes are touched all over: with a commit per 200
    /// messages, a 20,000-message initial sync wrote 950 MB for a 67 MB
    /// store (470 MB with a commit per second). Ids are allocated in it,
    /// on the store's writer connection in an immediate transaction, so no
    /// other writer can take them meanwhile.
    pub async fn begin_batches(&self) -> Result<BatchWriter<'_>> {
        let tx = self.begin_batch_write().await?;
        Ok(BatchWriter { store: self, tx, done: StoredBatch::default(), touched: Vec::new() })
    }

    /// Applies flag changes the server reported, as it answered at
    /// `asked_at` (unix seconds). Returns the UIDs whose flags really
    /// changed. A message whose flag change made here still waits for the
    /// server, or reached it after `asked_at`, keeps the flags it has here:
    /// the server's answer predates the change (a pass fetching flags while
    /// the user acts and the action worker replays).
    pub async fn update_flags(
        &self,
        folder_id: i64,
        changes: &[(u32, Vec<String>, u64)],
        asked_at: i64,
    ) -> Result<Vec<u32>> {
        let mut tx = self.begin_write().await?;
        let waiting: std::collections::HashSet<i64> = sqlx::query_scalar(
            "SELECT uid FROM actions WHERE folder_id = ? AND (state = 'pending' OR done_at >= ?)
                AND kind IN ('mark_read', 'mark_unread', 'flag', 'unflag')",
        )
        .bind(folder_id)
        .bind(asked_at)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let guarded: Vec<(u32, Vec<String>, u64)>;
        let changes = if waiting.is_empty() {
            changes
        } else {
            guarded = changes.iter().filter(|(uid, _, _)| !waiting.contains(&i64::from(*uid))).cloned().collect();
            &guarded
        };
        let mut changed = Vec::new();
        // One statement per chunk, not per UID: without CONDSTORE every
        // pass compares the flags of the whole folder.
        for chunk in statement_chunks(changes, 5) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "UPDATE message_folders SET flags = v.column2, seen = v.column3, flagged = v.column4,
                        modseq = v.column5
                   FROM (",
            );
            q.push_values(chunk, |mut row, (uid, flags, modseq)| {
                let flags = FlagSet::new(flags);
                row.push_bind(i64::from(*uid))
                    .push_bind(flags.text)
                    .push_bind(flags.seen)
                    .push_bind(flags.flagged)
                    .push_bind(i64::try_from(*modseq).unwrap_or(i64::MAX));
            });
            q.push(") AS v WHERE message_folders.folder_id = ")
                .push_bind(folder_id)
                .push(" AND message_folders.uid = v.column1 AND message_folders.flags != v.column2 RETURNING uid");
            let uids: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
            changed.extend(uids.into_iter().filter_map(|u| u32::try_from(u).ok()));
        }
        changed.sort_unstable();
        tx.commit().await?;
        Ok(changed)
    }

    /// Forgets locations that vanished from a folder on the server.
    pub async fn remove_locations(&self, folder_id: i64, uids: &[u32]) -> Result<u32> {
        let mut removed = 0;
        let mut tx = self.begin_write().await?;
        for chunk in statement_chunks(uids, 1) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("DELETE FROM message_folders WHERE folder_id = ");
            q.push_bind(folder_id).push(" AND uid IN (");
            let mut list = q.separated(", ");
            for uid in chunk {
                list.push_bind(i64::from(*uid));
            }
            q.push(")");
            let result = q.build().execute(&mut *tx).await?;
            removed += u32::try_from(result.rows_affected()).unwrap_or(0);
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Deletes the account's messages that no folder holds any more. Run
    /// only after a complete pass over all folders, so that a message moved
    /// between folders is found in its new folder first and keeps its id.
    /// Looks only at messages that lost a location since the last sweep.
    /// A message whose move still waits for the server, or reached it after
    /// `since` (unix seconds: when the pass began), is on its way, not
    /// gone: the pass may have listed its new folder before it arrived
    /// there. It stays a candidate until a later pass finds it (a user who
    /// deletes while a pass runs would otherwise lose it here, and get it
    /// back later as a new message without its links).
    pub async fn delete_orphans(&self, account_id: AccountId, since: i64) -> Result<u32> {
        let mut tx = self.begin_write().await?;
        // CROSS JOIN keeps SQLite on the (small) candidate list instead of
        // walking every message of the account.
        let candidates: Vec<(i64, i64, bool)> = sqlx::query_as(
            "SELECT m.id, m.thread_id,
                    NOT EXISTS (SELECT 1 FROM message_folders mf WHERE mf.message_id = m.id)
               FROM orphan_candidates c CROSS JOIN messages m ON m.id = c.message_id
              WHERE m.account_id = ?
                AND NOT EXISTS (SELECT 1 FROM actions a
                                 WHERE a.message_id = m.id AND (a.state = 'pending' OR a.done_at >= ?))",
        )
        .bind(account_id)
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
        let orphans: Vec<&(i64, i64, bool)> = candidates.iter().filter(|c| c.2).collect();
        for chunk in statement_chunks(&candidates, 1) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("DELETE FROM orphan_candidates WHERE message_id IN (");
            let mut list = q.separated(", ");
            for (id, _, _) in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build().execute(&mut *tx).await?;
        }
        for chunk in statement_chunks(&orphans, 1) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("DELETE FROM messages WHERE id IN (");
            let mut list = q.separated(", ");
            for (id, _, _) in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build().execute(&mut *tx).await?;
        }
        let mut threads: Vec<i64> = orphans.iter().map(|(_, t, _)| *t).collect();
        threads.sort_unstable();
        threads.dedup();
        refresh_threads(&mut tx, &threads).await?;
        // Candidates whose message is already gone (account removed).
        sqlx::query(
            "DELETE FROM orphan_candidates WHERE NOT EXISTS
                (SELECT 1 FROM messages m WHERE m.id = orphan_candidates.message_id)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u32::try_from(orphans.len()).unwrap_or(u32::MAX))
    }
}

/// An open write transaction that fetched batches are stored into; nothing
/// is visible to readers (or survives a killed process) before `commit`.
pub struct BatchWriter<'a> {
    store: &'a Store,
    tx: Transaction<'static, Sqlite>,
    done: StoredBatch,
    /// Conversations that gained messages: their summaries are brought up
    /// to date once, at commit.
    touched: Vec<i64>,
}

impl BatchWriter<'_> {
    /// Stores a batch fetched from one folder.
    ///
    /// The work is done per batch, not per message: a few multi-row
    /// statements whatever the batch size, because each statement costs a
    /// round trip to SQLite's worker thread and that, not SQLite, was the
    /// limit.
    /// Returns the ids of the messages new here (to be linked: see
    /// [`crate::ingest::store_and_link`]).
    pub async fn store(
        &mut self,
        account_id: AccountId,
        folder_id: i64,
        batch: &[PreparedMessage],
    ) -> Result<Vec<MessageId>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let tx = &mut self.tx;
        let mut ids = known_messages(tx, account_id, batch, self.store.content_keys_from).await?;
        if batch.iter().any(|m| m.capture.is_some() || m.body_hash.is_some()) {
            capture::same_emails(tx, account_id, batch, &mut ids).await?;
        }
        // New ids come above every stored one, and above every id the
        // correspondents were counted to (an id of a message deleted since
        // is not given again: see completion::count_correspondents).
        let (counted, stored) = super::completion::marks(tx).await?;
        let next_message = counted.max(stored) + 1;
        let mut fresh: Vec<(i64, usize)> = Vec::new();
        for (index, PreparedMessage { parsed, .. }) in batch.iter().enumerate() {
            if let std::collections::hash_map::Entry::Vacant(slot) = ids.entry(parsed.content_hash) {
                let id = next_message + i64::try_from(fresh.len()).unwrap_or(i64::MAX);
                slot.insert(id);
                fresh.push((id, index));
            }
        }

        // Where this folder's messages belong (inbox, archive, trash): no
        // trigger sets it when a location is stored (migration 0016).
        let folder_box: i64 = sqlx::query_scalar("SELECT box FROM folder_boxes WHERE folder_id = ?")
            .bind(folder_id)
            .fetch_one(&mut **tx)
            .await?;
        if !fresh.is_empty() {
            let threads = assign_threads(tx, account_id, batch, &fresh).await?;
            let marks = Marks::load(tx).await?;
            insert_messages(tx, account_id, batch, &fresh, &threads, folder_box, &marks).await?;
            self.touched.extend(threads.values().copied());
        }

        let locations: Vec<Location<'_>> = batch
            .iter()
            .map(|m| Location {
                uid: m.uid,
                message_id: ids.get(&m.parsed.content_hash).copied().unwrap_or_default(),
                flags: &m.flags,
                modseq: m.modseq,
                arrived: m.internal_date,
            })
            .collect();
        let written = write_locations(tx, folder_id, &locations).await?;
        // Messages known before, found here (new ones were born in this box).
        let known: Vec<i64> = ids.iter().filter(|(_, id)| **id < next_message).map(|(_, id)| *id).collect();
        lower_boxes(tx, folder_box, &known).await?;
        capture::record_copies(tx, batch, &ids, next_message).await?;
        self.done.locations += written;
        let new_ids: Vec<MessageId> = fresh.iter().map(|(id, _)| MessageId(*id)).collect();
        self.done.added.extend(&new_ids);
        Ok(new_ids)
    }

    /// The open transaction, for the stages that write beside the store
    /// (linking).
    pub(crate) fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }

    /// How many new messages went in so far.
    pub fn stored(&self) -> usize {
        self.done.added.len()
    }

    /// Makes everything stored visible at once.
    pub async fn commit(mut self) -> Result<StoredBatch> {
        self.touched.sort_unstable();
        self.touched.dedup();
        refresh_threads(&mut self.tx, &self.touched).await?;
        super::completion::count_correspondents(&mut self.tx, super::completion::COUNT_EVERY).await?;
        self.tx.commit().await?;
        self.store.checkpoint_soon();
        Ok(self.done)
    }
}

/// One folder location to write: a message at a UID, with its flags.
pub(super) struct Location<'a> {
    pub uid: u32,
    pub message_id: i64,
    pub flags: &'a [String],
    pub modseq: u64,
    /// INTERNALDATE, when the server said it.
    pub arrived: Option<i64>,
}

/// Writes folder locations, new ones or the server's newer word on known
/// ones; returns how many rows changed.
pub(super) async fn write_locations(
    tx: &mut sqlx::SqliteConnection,
    folder_id: i64,
    locations: &[Location<'_>],
) -> Result<u32> {
    let mut written = 0;
    for chunk in statement_chunks(locations, 8) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO message_folders (folder_id, uid, message_id, flags, seen, flagged, modseq, arrived) ",
        );
        q.push_values(chunk, |mut row, l| {
            let flags = FlagSet::new(l.flags);
            row.push_bind(folder_id)
                .push_bind(i64::from(l.uid))
                .push_bind(l.message_id)
                .push_bind(flags.text)
                .push_bind(flags.seen)
                .push_bind(flags.flagged)
                .push_bind(i64::try_from(l.modseq).unwrap_or(i64::MAX))
                .push_bind(l.arrived);
        });
        q.push(
            " ON CONFLICT (folder_id, uid) DO UPDATE SET
                 message_id = excluded.message_id, flags = excluded.flags,
                 seen = excluded.seen, flagged = excluded.flagged, modseq = excluded.modseq,
                 arrived = excluded.arrived",
        );
        written += u32::try_from(q.build().execute(&mut *tx).await?.rows_affected()).unwrap_or(0);
    }
    Ok(written)
}

/// Known messages found in a folder of `folder_box`: a location can only
/// lower a message's box, and the server agreeing with the user's choice
/// clears that choice.
pub(super) async fn lower_boxes(tx: &mut sqlx::SqliteConnection, folder_box: i64, ids: &[i64]) -> Result<()> {
    for chunk in statement_chunks(ids, 1) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE messages SET server_box = ");
        q.push_bind(folder_box)
            .push(", user_box = CASE WHEN user_box = ")
            .push_bind(folder_box)
            .push(" THEN NULL ELSE user_box END WHERE COALESCE(server_box, 3) > ")
            .push_bind(folder_box)
            .push(" AND id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut *tx).await?;
    }
    Ok(())
}

/// The ids of the batch's messages this account already has, by their
/// key ([`crate::mime::content_key`]). Messages stored before keys began
/// with the day (ids below `keys_from`) are found by the whole hash of
/// their source.
async fn known_messages(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: AccountId,
    batch: &[PreparedMessage],
    keys_from: i64,
) -> Result<HashMap<[u8; 32], i64>> {
    let mut known = HashMap::new();
    let older = keys_from > 1;
    for chunk in statement_chunks(batch, if older { 2 } else { 1 }) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT content_hash, id FROM messages WHERE account_id = ");
        q.push_bind(account_id).push(" AND content_hash IN (");
        let mut list = q.separated(", ");
        for m in chunk {
            list.push_bind(&m.parsed.content_hash[..]);
        }
        q.push(")");
        // An older message's source hash, to the key it has now.
        let mut by_source = HashMap::new();
        if older {
            // Two lookups in the index: with OR, SQLite read every
            // message of the account.
            q.push(" UNION ALL SELECT content_hash, id FROM messages WHERE account_id = ");
            q.push_bind(account_id).push(" AND id < ").push_bind(keys_from).push(" AND content_hash IN (");
            let mut list = q.separated(", ");
            for m in chunk {
                list.push_bind(&m.parsed.source_hash[..]);
                by_source.insert(m.parsed.source_hash, m.parsed.content_hash);
            }
            q.push(")");
        }
        let rows: Vec<(Vec<u8>, i64)> = q.build_query_as().fetch_all(&mut **tx).await?;
        for (hash, id) in rows {
            if let Ok(hash) = <[u8; 32]>::try_from(hash.as_slice()) {
                known.insert(by_source.get(&hash).copied().unwrap_or(hash), id);
            }
        }
    }
    Ok(known)
}

/// How new messages are marked as they are stored: hidden when held or
/// blocked, and visible to the team by the sharing default.
struct Marks {
    blocks: BlockList,
    visibility: String,
}

impl Marks {
    async fn load(tx: &mut Transaction<'_, Sqlite>) -> Result<Marks> {
        let visibility: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'sharing_default'")
            .fetch_optional(&mut **tx)
            .await?;
        Ok(Marks { blocks: BlockList::load(tx).await?, visibility: visibility.unwrap_or_else(|| "private".into()) })
    }

    fn hidden(&self, m: &PreparedMessage) -> i64 {
        let shown = m
            .parsed
            .addresses
            .iter()
            .filter(|(role, _)| matches!(role, AddressRole::From | AddressRole::To | AddressRole::Cc));
        let blocked = self.blocks.blocks(shown.map(|(_, a)| a.address.as_str()));
        held_bit(m.capture.as_deref()) | if blocked { BLOCKED } else { 0 }
    }
}

/// Inserts the new messages (`fresh`: id and index into `batch`) with their
/// sources, addresses, attachments and search entries, in `folder_box`:
/// the box of the folder whose locations of them are stored next.
async fn insert_messages(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: AccountId,
    batch: &[PreparedMessage],
    fresh: &[(i64, usize)],
    threads: &HashMap<i64, i64>,
    folder_box: i64,
    marks: &Marks,
) -> Result<()> {
    let stored_at = now();
    let rows: Vec<(i64, &PreparedMessage, &ParsedMessage)> =
        fresh.iter().filter_map(|(id, index)| batch.get(*index).map(|m| (*id, m, &m.parsed))).collect();

    // The date is worked out once: the search index's key holds it too.
    let dated: Vec<(i64, &PreparedMessage, &ParsedMessage, i64)> =
        rows.iter().map(|(id, m, parsed)| (*id, *m, *parsed, usable_date(parsed.date, m.internal_date))).collect();
    for chunk in statement_chunks(&dated, 21) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO messages (id, account_id, thread_id, content_hash, message_id,
                 in_reply_to, refs, date, subject, from_name, from_addr, snippet,
                 has_attachments, size, parse_problem, stored_at, server_box, hidden, visibility,
                 gm_msgid, gm_labels) ",
        );
        q.push_values(chunk, |mut row, (id, m, parsed, date)| {
            let from = parsed.addresses_of(AddressRole::From).next();
            row.push_bind(*id)
                .push_bind(account_id)
                .push_bind(threads.get(id).copied().unwrap_or_default())
                .push_bind(&parsed.content_hash[..])
                .push_bind(&parsed.message_id)
                .push_bind(&parsed.in_reply_to)
                .push_bind(parsed.references.join(" "))
                .push_bind(*date)
                .push_bind(&parsed.subject)
                .push_bind(from.map(|a| a.name.as_str()).unwrap_or_default())
                .push_bind(from.map(|a| a.address.as_str()).unwrap_or_default())
                .push_bind(&parsed.snippet)
                .push_bind(parsed.attachments.iter().any(|a| !a.is_inline))
                .push_bind(i64::try_from(parsed.size).unwrap_or(i64::MAX))
                .push_bind(&parsed.problem)
                .push_bind(stored_at)
                .push_bind(folder_box)
                .push_bind(marks.hidden(m))
                .push_bind(&marks.visibility)
                .push_bind(m.gmail.as_ref().map(|g| i64::try_from(g.msgid).unwrap_or(i64::MAX)))
                .push_bind(m.gmail.as_ref().map(GmailMeta::labels_json));
        });
        q.build().execute(&mut **tx).await?;
    }

    let whole: Vec<(i64, &Packed)> = rows
        .iter()
        .filter_map(|(id, m, _)| match &m.source {
            PackedSource::Whole(packed) => Some((*id, packed)),
            PackedSource::Pieces(_) => None,
        })
        .collect();
    for chunk in statement_chunks_by_bytes(&whole, 3, STATEMENT_BYTES, |(_, packed)| packed.bytes.len()) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO message_sources (message_id, codec, raw) ");
        q.push_values(chunk, |mut row, (id, packed)| {
            row.push_bind(*id).push_bind(packed.codec).push_bind(&packed.bytes[..]);
        });
        q.build().execute(&mut **tx).await?;
    }
    // A large source, a piece per statement: no bind holds more than one.
    for (id, m, _) in &rows {
        let PackedSource::Pieces(pieces) = &m.source else { continue };
        for (seq, piece) in pieces.iter().enumerate() {
            sqlx::query("INSERT INTO message_source_pieces (message_id, seq, codec, raw) VALUES (?, ?, ?, ?)")
                .bind(*id)
                .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                .bind(piece.codec)
                .bind(&piece.bytes[..])
                .execute(&mut **tx)
                .await?;
        }
    }

    let addresses: Vec<(i64, i64, &str, &str, &str)> = rows
        .iter()
        .flat_map(|(id, _, parsed)| {
            parsed.addresses.iter().enumerate().map(move |(position, (role, addr))| {
                let position = i64::try_from(position).unwrap_or(0);
                (*id, position, role.as_str(), addr.name.as_str(), addr.address.as_str())
            })
        })
        .collect();
    for chunk in statement_chunks(&addresses, 5) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT OR IGNORE INTO message_addresses (message_id, position, role, name, address) ");
        q.push_values(chunk, |mut row, (id, position, role, name, address)| {
            row.push_bind(*id).push_bind(*position).push_bind(*role).push_bind(*name).push_bind(*address);
        });
        q.build().execute(&mut **tx).await?;
    }

    let attachments: Vec<(i64, i64, &AttachmentMeta)> = rows
        .iter()
        .flat_map(|(id, _, parsed)| {
            parsed
                .attachments
                .iter()
                .enumerate()
                .map(move |(position, a)| (*id, i64::try_from(position).unwrap_or(0), a))
        })
        .collect();
    for chunk in statement_chunks(&attachments, 7) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO attachments (message_id, position, filename, content_type, size,
                 content_id, is_inline) ",
        );
        q.push_values(chunk, |mut row, (id, position, a)| {
            row.push_bind(*id)
                .push_bind(*position)
                .push_bind(&a.filename)
                .push_bind(&a.content_type)
                .push_bind(i64::try_from(a.size).unwrap_or(i64::MAX))
                .push_bind(&a.content_id)
                .push_bind(a.is_inline);
        });
        q.build().execute(&mut **tx).await?;
    }

    let searchable: Vec<(i64, &ParsedMessage)> =
        dated.iter().map(|(id, _, parsed, date)| (super::search::search_key(*date, *id), *parsed)).collect();
    super::search::index(tx, &searchable).await?;
    Ok(())
}

/// The Date header when it is plausible, else the server's arrival time.
fn usable_date(header: Option<i64>, internal: Option<i64>) -> i64 {
    let latest = now() + DAY;
    match (header, internal) {
        (Some(d), _) if d > 0 && d <= latest => d,
        (_, Some(i)) => i,
        (Some(d), None) => d.clamp(0, latest),
        (None, None) => now(),
    }
}

/// Places each new message (`fresh`: id and index into `batch`) in a
/// conversation, creating conversations and merging those a message proves
/// to be one. Returns the thread of each new message.
///
/// Works in memory over the batch, with one lookup of the known Message-IDs
/// before and a few writes after. A message joins the oldest conversation
/// any of its Message-IDs names; the others are merged into that one.
async fn assign_threads(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: AccountId,
    batch: &[PreparedMessage],
    fresh: &[(i64, usize)],
) -> Result<HashMap<i64, i64>> {
    let keys_of = |index: usize| {
        batch
            .get(index)
            .map(|m| {
                let mut keys = m.parsed.thread_keys();
                keys.extend(m.gmail.as_ref().and_then(|g| g.thread_key.as_deref()));
                keys
            })
            .unwrap_or_default()
    };
    let mut keys: Vec<&str> = fresh.iter().flat_map(|(_, index)| keys_of(*index)).collect();
    keys.sort_unstable();
    keys.dedup();

    let mut key_thread: HashMap<String, i64> = HashMap::new();
    for chunk in statement_chunks(&keys, 1) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT msgid, thread_id FROM thread_refs WHERE account_id = ");
        q.push_bind(account_id).push(" AND msgid IN (");
        let mut list = q.separated(", ");
        for k in chunk {
            list.push_bind(*k);
        }
        q.push(")");
        let rows: Vec<(String, i64)> = q.build_query_as().fetch_all(&mut **tx).await?;
        key_thread.extend(rows);
    }

    let first_new: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM threads").fetch_one(&mut **tx).await?;
    let mut next_thread = first_new;
    // Union-find parent links: a merged conversation points at the one it
    // joined. Always from a newer (larger) id to an older one, so no cycles.
    let mut merged_into: HashMap<i64, i64> = HashMap::new();
    let root = |merged: &HashMap<i64, i64>, mut t: i64| {
        while let Some(parent) = merged.get(&t) {
            t = *parent;
        }
        t
    };
    let mut assigned: Vec<(i64, i64)> = Vec::with_capacity(fresh.len());
    for (message, index) in fresh {
        let message_keys = keys_of(*index);
        let mut found: Vec<i64> =
            message_keys.iter().filter_map(|k| key_thread.get(*k)).map(|t| root(&merged_into, *t)).collect();
        found.sort_unstable();
        found.dedup();
        let thread = match found.first() {
            Some(oldest) => *oldest,
            None => {
                next_thread += 1;
                next_thread - 1
            }
        };
        for other in found.iter().skip(1) {
            merged_into.insert(*other, thread);
        }
        for k in message_keys {
            key_thread.insert(k.to_owned(), thread);
        }
        assigned.push((*message, thread));
    }

    let created: Vec<i64> = (first_new..next_thread).filter(|t| !merged_into.contains_key(t)).collect();
    for chunk in statement_chunks(&created, 2) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO threads (id, account_id) ");
        q.push_values(chunk, |mut row, id| {
            row.push_bind(*id).push_bind(account_id);
        });
        q.build().execute(&mut **tx).await?;
    }

    let mut merged_existing: Vec<i64> = merged_into.keys().copied().filter(|t| *t < first_new).collect();
    merged_existing.sort_unstable();
    for other in merged_existing {
        let target = root(&merged_into, other);
        sqlx::query("UPDATE messages SET thread_id = ? WHERE thread_id = ?")
            .bind(target)
            .bind(other)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE thread_refs SET thread_id = ? WHERE thread_id = ?")
            .bind(target)
            .bind(other)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM threads WHERE id = ?").bind(other).execute(&mut **tx).await?;
    }

    let refs: Vec<(&str, i64)> =
        keys.iter().filter_map(|k| key_thread.get(*k).map(|t| (*k, root(&merged_into, *t)))).collect();
    for chunk in statement_chunks(&refs, 3) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO thread_refs (account_id, msgid, thread_id) ");
        q.push_values(chunk, |mut row, (key, thread)| {
            row.push_bind(account_id).push_bind(*key).push_bind(*thread);
        });
        q.push(" ON CONFLICT (account_id, msgid) DO UPDATE SET thread_id = excluded.thread_id");
        q.build().execute(&mut **tx).await?;
    }

    Ok(assigned.into_iter().map(|(message, thread)| (message, root(&merged_into, thread))).collect())
}

/// Recomputes the summary columns of these threads and deletes those left
/// without messages.
async fn refresh_threads(tx: &mut Transaction<'_, Sqlite>, threads: &[i64]) -> Result<()> {
    for chunk in statement_chunks(threads, 1) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "UPDATE threads SET
                 message_count = (SELECT COUNT(*) FROM messages WHERE thread_id = threads.id),
                 last_date = COALESCE((SELECT MAX(date) FROM messages WHERE thread_id = threads.id), 0),
                 subject = COALESCE((SELECT subject FROM messages WHERE thread_id = threads.id
                                     ORDER BY date, id LIMIT 1), '')
             WHERE id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut **tx).await?;

        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("DELETE FROM threads WHERE message_count = 0 AND id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}
