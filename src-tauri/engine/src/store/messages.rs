//! Messages, their locations in folders, and conversations (threads).
//!
//! A batch of fetched messages is stored in one transaction, so a killed
//! process leaves either the whole batch or none of it. A message is stored
//! once per account (identity: SHA-256 of its raw source) and known in every
//! folder that holds it. Threads come only from Message-ID, References and
//! In-Reply-To: equal subjects never merge two conversations.

use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::{Store, now};
use crate::error::Result;
use crate::mime::{AddressRole, ParsedMessage};

/// A message as the server handed it over.
#[derive(Debug, Clone)]
pub struct FetchedMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    pub modseq: u64,
    /// The server's arrival time, used when the Date header is unusable.
    pub internal_date: Option<i64>,
    pub raw: Vec<u8>,
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
        let mut list: Vec<&str> = flags
            .iter()
            .map(|f| f.as_str())
            .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
            .collect();
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
    /// Stores a batch fetched from one folder in one transaction. Returns how
    /// many locations (folder + UID) were new.
    pub async fn store_batch(
        &self,
        account_id: i64,
        folder_id: i64,
        batch: &[(FetchedMessage, ParsedMessage)],
    ) -> Result<u32> {
        let mut tx = self.pool().begin().await?;
        let mut new_locations = 0;
        for (fetched, parsed) in batch {
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM messages WHERE account_id = ? AND content_hash = ?",
            )
            .bind(account_id)
            .bind(&parsed.content_hash[..])
            .fetch_optional(&mut *tx)
            .await?;
            let message_id = match existing {
                Some(id) => id,
                None => insert_message(&mut tx, account_id, fetched, parsed).await?,
            };
            let flags = FlagSet::new(&fetched.flags);
            let result = sqlx::query(
                "INSERT INTO message_folders (folder_id, uid, message_id, flags, seen, flagged, modseq)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (folder_id, uid) DO UPDATE SET
                     message_id = excluded.message_id, flags = excluded.flags,
                     seen = excluded.seen, flagged = excluded.flagged, modseq = excluded.modseq",
            )
            .bind(folder_id)
            .bind(i64::from(fetched.uid))
            .bind(message_id)
            .bind(&flags.text)
            .bind(flags.seen)
            .bind(flags.flagged)
            .bind(i64::try_from(fetched.modseq).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
            new_locations += u32::try_from(result.rows_affected()).unwrap_or(0);
        }
        tx.commit().await?;
        Ok(new_locations)
    }

    /// Applies flag changes the server reported. Returns how many changed.
    pub async fn update_flags(
        &self,
        folder_id: i64,
        changes: &[(u32, Vec<String>, u64)],
    ) -> Result<u32> {
        let mut tx = self.pool().begin().await?;
        let mut changed = 0;
        for (uid, flags, modseq) in changes {
            let flags = FlagSet::new(flags);
            let result = sqlx::query(
                "UPDATE message_folders SET flags = ?, seen = ?, flagged = ?, modseq = ?
                 WHERE folder_id = ? AND uid = ? AND flags != ?",
            )
            .bind(&flags.text)
            .bind(flags.seen)
            .bind(flags.flagged)
            .bind(i64::try_from(*modseq).unwrap_or(i64::MAX))
            .bind(folder_id)
            .bind(i64::from(*uid))
            .bind(&flags.text)
            .execute(&mut *tx)
            .await?;
            changed += u32::try_from(result.rows_affected()).unwrap_or(0);
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Forgets locations that vanished from a folder on the server.
    pub async fn remove_locations(&self, folder_id: i64, uids: &[u32]) -> Result<u32> {
        let mut removed = 0;
        let mut tx = self.pool().begin().await?;
        for chunk in uids.chunks(500) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("DELETE FROM message_folders WHERE folder_id = ");
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
    pub async fn delete_orphans(&self, account_id: i64) -> Result<u32> {
        let mut tx = self.pool().begin().await?;
        let orphans: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, thread_id FROM messages WHERE account_id = ?
               AND NOT EXISTS (SELECT 1 FROM message_folders mf WHERE mf.message_id = messages.id)",
        )
        .bind(account_id)
        .fetch_all(&mut *tx)
        .await?;
        for (id, _) in &orphans {
            sqlx::query("DELETE FROM messages WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let mut threads: Vec<i64> = orphans.iter().map(|(_, t)| *t).collect();
        threads.sort_unstable();
        threads.dedup();
        for thread in threads {
            refresh_thread(&mut tx, thread).await?;
        }
        tx.commit().await?;
        Ok(u32::try_from(orphans.len()).unwrap_or(u32::MAX))
    }
}

/// Inserts a new message with its source, addresses, attachments, search
/// entry and thread. Returns the new id.
async fn insert_message(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: i64,
    fetched: &FetchedMessage,
    parsed: &ParsedMessage,
) -> Result<i64> {
    let thread_id = assign_thread(tx, account_id, &parsed.thread_keys()).await?;
    let date = usable_date(parsed.date, fetched.internal_date);
    let from = parsed.addresses_of(AddressRole::From).next();
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (account_id, thread_id, content_hash, message_id, in_reply_to, refs,
             date, subject, from_name, from_addr, snippet, has_attachments, size, parse_problem,
             stored_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(account_id)
    .bind(thread_id)
    .bind(&parsed.content_hash[..])
    .bind(&parsed.message_id)
    .bind(&parsed.in_reply_to)
    .bind(parsed.references.join(" "))
    .bind(date)
    .bind(&parsed.subject)
    .bind(from.map(|a| a.name.as_str()).unwrap_or_default())
    .bind(from.map(|a| a.address.as_str()).unwrap_or_default())
    .bind(&parsed.snippet)
    .bind(parsed.attachments.iter().any(|a| !a.is_inline))
    .bind(i64::try_from(parsed.size).unwrap_or(i64::MAX))
    .bind(&parsed.problem)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;

    sqlx::query("INSERT INTO message_sources (message_id, raw) VALUES (?, ?)")
        .bind(message_id)
        .bind(&fetched.raw)
        .execute(&mut **tx)
        .await?;

    let mut participants = String::new();
    for (position, (role, addr)) in parsed.addresses.iter().enumerate() {
        sqlx::query(
            "INSERT OR IGNORE INTO message_addresses (message_id, role, position, name, address)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(message_id)
        .bind(role.as_str())
        .bind(i64::try_from(position).unwrap_or(0))
        .bind(&addr.name)
        .bind(&addr.address)
        .execute(&mut **tx)
        .await?;
        participants.push_str(&addr.name);
        participants.push(' ');
        participants.push_str(&addr.address);
        participants.push(' ');
    }

    for (position, a) in parsed.attachments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO attachments (message_id, position, filename, content_type, size,
                 content_id, is_inline) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(message_id)
        .bind(i64::try_from(position).unwrap_or(0))
        .bind(&a.filename)
        .bind(&a.content_type)
        .bind(i64::try_from(a.size).unwrap_or(i64::MAX))
        .bind(&a.content_id)
        .bind(a.is_inline)
        .execute(&mut **tx)
        .await?;
    }

    sqlx::query("INSERT INTO messages_fts (rowid, subject, participants, body) VALUES (?, ?, ?, ?)")
        .bind(message_id)
        .bind(&parsed.subject)
        .bind(&participants)
        .bind(&parsed.text)
        .execute(&mut **tx)
        .await?;

    refresh_thread(tx, thread_id).await?;
    Ok(message_id)
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

/// Finds (or creates) the conversation for a message with these Message-IDs,
/// merging conversations that this message proves to be one.
async fn assign_thread(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: i64,
    keys: &[&str],
) -> Result<i64> {
    let mut found: Vec<i64> = Vec::new();
    if !keys.is_empty() {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT DISTINCT thread_id FROM thread_refs WHERE account_id = ");
        q.push_bind(account_id).push(" AND msgid IN (");
        let mut list = q.separated(", ");
        for k in keys {
            list.push_bind(*k);
        }
        q.push(") ORDER BY thread_id");
        found = q.build_query_scalar().fetch_all(&mut **tx).await?;
    }

    let thread_id = match found.first() {
        Some(first) => *first,
        None => {
            sqlx::query_scalar("INSERT INTO threads (account_id) VALUES (?) RETURNING id")
                .bind(account_id)
                .fetch_one(&mut **tx)
                .await?
        }
    };
    for other in found.iter().skip(1) {
        sqlx::query("UPDATE messages SET thread_id = ? WHERE thread_id = ?")
            .bind(thread_id)
            .bind(other)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE thread_refs SET thread_id = ? WHERE thread_id = ?")
            .bind(thread_id)
            .bind(other)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM threads WHERE id = ?")
            .bind(other)
            .execute(&mut **tx)
            .await?;
    }
    for k in keys {
        sqlx::query(
            "INSERT INTO thread_refs (account_id, msgid, thread_id) VALUES (?, ?, ?)
             ON CONFLICT (account_id, msgid) DO UPDATE SET thread_id = excluded.thread_id",
        )
        .bind(account_id)
        .bind(*k)
        .bind(thread_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(thread_id)
}

/// Recomputes a thread's summary columns, or deletes it when empty.
async fn refresh_thread(tx: &mut Transaction<'_, Sqlite>, thread_id: i64) -> Result<()> {
    let (count, first, last): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(date), MAX(date) FROM messages WHERE thread_id = ?",
    )
    .bind(thread_id)
    .fetch_one(&mut **tx)
    .await?;
    if count == 0 {
        sqlx::query("DELETE FROM threads WHERE id = ?")
            .bind(thread_id)
            .execute(&mut **tx)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "UPDATE threads SET message_count = ?1, first_date = ?2, last_date = ?3,
             last_message = (SELECT id FROM messages WHERE thread_id = ?4 ORDER BY date DESC, id DESC LIMIT 1),
             subject = (SELECT subject FROM messages WHERE thread_id = ?4 ORDER BY date, id LIMIT 1)
         WHERE id = ?4",
    )
    .bind(count)
    .bind(first.unwrap_or(0))
    .bind(last.unwrap_or(0))
    .bind(thread_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
