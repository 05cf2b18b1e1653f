//! The full-text search index: what goes into it, and refilling it after a
//! migration that had to start it empty.
//!
//! Two contentless indexes (migration 0031): `messages_fts`, with word
//! positions for phrases, over subject, participants and body as
//! [`segment::for_index`] prepares them; and `messages_exact`, the words
//! written with diacritics, unfolded, to rank exact forms first. Only the
//! first is needed for a message to be found, so `messages_exact` gets a
//! row only for mail that has such words.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::source;
use super::{Store, statement_chunks};
use crate::error::{Error, Result};
use crate::mime::{self, ParsedMessage};
use crate::search::segment;

/// `meta` key of an unfinished refill: the last message id indexed.
const REFILL_AFTER: &str = "search_reindex_after";
/// `meta` key of an unfinished refill's last message: those stored later
/// were indexed as they arrived.
const REFILL_UNTIL: &str = "search_reindex_until";
/// Messages parsed and indexed per refill transaction.
const REFILL_CHUNK: i64 = 500;

/// A message's row in the indexes: its date, then (for messages of the
/// same second) the low bits of its id, so that the index lists matches
/// newest first. Unique while the store holds fewer than 2^24 messages
/// sent in the same second; dates stay far inside the 39 bits left.
pub(super) fn search_key(date: i64, id: i64) -> i64 {
    (date << 24) | (id & 0xFF_FFFF)
}

/// [`search_key`] of a message `m` in SQL.
pub(super) const SEARCH_KEY: &str = "((m.date << 24) | (m.id & 16777215))";

/// Joins the matches `f` of an index to their messages `m` by date.
pub(super) const BY_SEARCH_KEY: &str = "CROSS JOIN messages m INDEXED BY messages_by_date
    ON m.date = (f.rowid >> 24) AND (m.id & 16777215) = (f.rowid & 16777215)";

/// Adds these messages (search key and parsed source) to the index.
///
/// They go in ascending key order: FTS5 writes out what it holds as a new
/// segment whenever a row's key is not above the one before, so a sync's
/// newest-first batch made a segment of every message, and merging those
/// cost more than indexing them.
pub(super) async fn index(conn: &mut SqliteConnection, messages: &[(i64, &ParsedMessage)]) -> Result<()> {
    let mut messages: Vec<&(i64, &ParsedMessage)> = messages.iter().collect();
    messages.sort_unstable_by_key(|(key, _)| *key);
    for chunk in statement_chunks(&messages, 4) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO messages_fts (rowid, subject, participants, body) ");
        q.push_values(chunk, |mut row, (id, parsed)| {
            row.push_bind(*id)
                .push_bind(segment::for_index(&parsed.subject).into_owned())
                .push_bind(segment::for_index(&participants(parsed)).into_owned())
                .push_bind(&parsed.search_text);
        });
        q.build().execute(&mut *conn).await?;
    }
    let exact: Vec<&(i64, &ParsedMessage)> =
        messages.iter().copied().filter(|(_, p)| !p.exact_words.is_empty()).collect();
    for chunk in statement_chunks(&exact, 2) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO messages_exact (rowid, words) ");
        q.push_values(chunk, |mut row, (id, parsed)| {
            row.push_bind(*id).push_bind(&parsed.exact_words);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Names and addresses of everyone on a message.
fn participants(parsed: &ParsedMessage) -> String {
    let mut text = String::new();
    for (_, addr) in &parsed.addresses {
        text.push_str(&addr.name);
        text.push(' ');
        text.push_str(&addr.address);
        text.push(' ');
    }
    text
}

/// A message's id, date, and its source's codec and bytes when stored
/// whole.
type StoredSource = (i64, i64, Option<String>, Option<Vec<u8>>);

/// How far a refill of the search index has come, in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refill {
    pub done: u64,
    pub total: u64,
}

impl Store {
    /// Bytes the search indexes take in the store file: a figure for the
    /// benchmark that weighs what finding words in every script costs.
    pub async fn search_index_bytes(&self) -> Result<u64> {
        let bytes: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat
              WHERE name LIKE 'messages\\_fts%' ESCAPE '\\' OR name LIKE 'messages\\_exact%' ESCAPE '\\'",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    /// Where an unfinished refill of the search index stands (a migration
    /// that had to start the index empty asks for one); None when the
    /// index is complete.
    pub async fn refill_pending(&self) -> Result<Option<Refill>> {
        let Some(after) = refill_mark(self.pool()).await? else {
            return Ok(None);
        };
        let (done, total): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM messages WHERE id <= ?1),
                    (SELECT COUNT(*) FROM messages WHERE id <= ?2)",
        )
        .bind(after.0)
        .bind(after.1)
        .fetch_one(self.pool())
        .await?;
        Ok(Some(Refill { done: u64::try_from(done).unwrap_or(0), total: u64::try_from(total).unwrap_or(0) }))
    }

    /// Empties the search indexes and asks for a refill, as an upgrade
    /// that changes the index does (migration 0031): for the tests and
    /// benchmarks of the refill.
    #[cfg(feature = "internals")]
    pub async fn restart_search_index(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for table in ["messages_fts", "messages_exact"] {
            sqlx::query(&format!("INSERT INTO {table} ({table}) VALUES ('delete-all')")).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '0')")
            .bind(REFILL_AFTER)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO meta (key, value) SELECT ?, CAST(COALESCE(MAX(id), 0) AS TEXT) FROM messages",
        )
        .bind(REFILL_UNTIL)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Indexes the next chunk of an unfinished refill, parsing the stored
    /// sources again; returns how many messages it indexed (0: the refill
    /// is finished, or there was none). Each chunk commits with its mark,
    /// so a refill stopped anywhere (cancelled, killed) goes on where it
    /// stopped and indexes nothing twice.
    pub async fn refill_chunk(&self) -> Result<u64> {
        let pool = self.pool();
        let Some((after, until)) = refill_mark(pool).await? else {
            return Ok(0);
        };
        let rows: Vec<StoredSource> = sqlx::query_as(
            "SELECT m.id, m.date, s.codec, s.raw FROM messages m LEFT JOIN message_sources s ON s.message_id = m.id
              WHERE m.id > ? AND m.id <= ? ORDER BY m.id LIMIT ?",
        )
        .bind(after)
        .bind(until)
        .bind(REFILL_CHUNK)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last().map(|(id, _, _, _)| *id) else {
            sqlx::query("DELETE FROM meta WHERE key IN (?, ?)")
                .bind(REFILL_AFTER)
                .bind(REFILL_UNTIL)
                .execute(&mut *self.write_conn().await?)
                .await?;
            tracing::info!("search index refilled");
            return Ok(0);
        };
        // A large message's source is in pieces (see `source`), read here.
        let mut sources = Vec::with_capacity(rows.len());
        for (id, date, codec, raw) in rows {
            let raw = match (codec, raw) {
                (Some(codec), Some(raw)) => source::unpack(&codec, raw).map(Some),
                _ => source::load(&mut *pool.acquire().await?, id).await,
            };
            sources.push((id, search_key(date, id), raw));
        }
        let read = sources.len() as u64;
        let parsed = tokio::task::spawn_blocking(move || {
            sources
                .into_iter()
                .filter_map(|(id, key, raw)| match raw {
                    Ok(Some(raw)) => Some((key, mime::parse(&raw))),
                    Ok(None) => None,
                    Err(e) => {
                        tracing::warn!(id, error = %e, "not searchable: its stored source is damaged");
                        None
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| Error::Protocol(format!("search refill failed: {e}")))?;
        let mut tx = self.begin_write().await?;
        let refs: Vec<(i64, &ParsedMessage)> = parsed.iter().map(|(id, p)| (*id, p)).collect();
        index(&mut tx, &refs).await?;
        sqlx::query("UPDATE meta SET value = ? WHERE key = ?")
            .bind(last.to_string())
            .bind(REFILL_AFTER)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(read)
    }
}

/// Bounds an unfinished refill by the last message stored so far, as the
/// store opens (before this process stores any): the messages stored
/// later are indexed as they arrive, and must not be indexed twice.
pub(super) async fn bound_refill(writer: &SqlitePool) -> Result<()> {
    // MAX(id) alone in its own query: SQLite reads the last row for it
    // only without a WHERE. With the EXISTS beside it, every start read
    // the whole messages table (3 s at a million messages, before a sync
    // or the window could begin), and, with no refill asked for, still
    // left a bound of 0 behind, which a later refill would have taken.
    let mut tx = writer.begin().await?;
    sqlx::query(
        "INSERT OR IGNORE INTO meta (key, value)
         SELECT ?1, CAST((SELECT COALESCE(MAX(id), 0) FROM messages) AS TEXT)
          WHERE EXISTS (SELECT 1 FROM meta WHERE key = ?2)",
    )
    .bind(REFILL_UNTIL)
    .bind(REFILL_AFTER)
    .execute(&mut *tx)
    .await?;
    // A bound without a refill is that stray 0.
    sqlx::query("DELETE FROM meta WHERE key = ?1 AND NOT EXISTS (SELECT 1 FROM meta WHERE key = ?2)")
        .bind(REFILL_UNTIL)
        .bind(REFILL_AFTER)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // Nothing stored before it (a new store): nothing to refill.
    if refill_mark(writer).await?.is_some_and(|(after, until)| until <= after) {
        sqlx::query("DELETE FROM meta WHERE key IN (?, ?)")
            .bind(REFILL_AFTER)
            .bind(REFILL_UNTIL)
            .execute(writer)
            .await?;
    }
    Ok(())
}

/// The last message id an unfinished refill indexed, and the last it
/// indexes (None: no refill).
async fn refill_mark(pool: &SqlitePool) -> Result<Option<(i64, i64)>> {
    let (after, until): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT (SELECT value FROM meta WHERE key = ?1), (SELECT value FROM meta WHERE key = ?2)")
            .bind(REFILL_AFTER)
            .bind(REFILL_UNTIL)
            .fetch_one(pool)
            .await?;
    let number = |v: Option<String>| v.and_then(|v| v.parse::<i64>().ok());
    Ok(number(after).map(|after| (after, number(until).unwrap_or(i64::MAX))))
}
