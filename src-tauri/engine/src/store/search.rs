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
use super::statement_chunks;
use crate::error::{Error, Result};
use crate::mime::{self, ParsedMessage};
use crate::search::segment;

/// `meta` key of an unfinished refill: the last message id indexed.
const REFILL_AFTER: &str = "search_reindex_after";
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
pub(super) async fn index(conn: &mut SqliteConnection, messages: &[(i64, &ParsedMessage)]) -> Result<()> {
    for chunk in statement_chunks(messages, 4) {
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
    let exact: Vec<&(i64, &ParsedMessage)> = messages.iter().filter(|(_, p)| !p.exact_words.is_empty()).collect();
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

impl super::Store {
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
}

/// A message's id, date, and its source's codec and bytes when stored
/// whole.
type StoredSource = (i64, i64, Option<String>, Option<Vec<u8>>);

/// Finishes a refill a migration asked for, parsing the stored sources
/// again. Each chunk commits with its progress, so a killed process
/// resumes where it stopped and indexes nothing twice.
pub(super) async fn finish_refill(pool: &SqlitePool) -> Result<()> {
    let mark: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = ?").bind(REFILL_AFTER).fetch_optional(pool).await?;
    let Some(mut after) = mark.and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(());
    };
    let mut indexed = 0_usize;
    loop {
        let rows: Vec<StoredSource> = sqlx::query_as(
            "SELECT m.id, m.date, s.codec, s.raw FROM messages m LEFT JOIN message_sources s ON s.message_id = m.id
              WHERE m.id > ? ORDER BY m.id LIMIT ?",
        )
        .bind(after)
        .bind(REFILL_CHUNK)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last().map(|(id, _, _, _)| *id) else {
            sqlx::query("DELETE FROM meta WHERE key = ?").bind(REFILL_AFTER).execute(pool).await?;
            if indexed > 0 {
                tracing::info!(indexed, "search index refilled");
            }
            return Ok(());
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
        let mut tx = pool.begin().await?;
        let refs: Vec<(i64, &ParsedMessage)> = parsed.iter().map(|(id, p)| (*id, p)).collect();
        index(&mut tx, &refs).await?;
        sqlx::query("UPDATE meta SET value = ? WHERE key = ?")
            .bind(last.to_string())
            .bind(REFILL_AFTER)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        indexed += parsed.len();
        after = last;
    }
}
