//! The addresses the composer offers as the user types: the CRM's persons
//! and everyone the user has corresponded with, most used first.

use sqlx::SqliteConnection;

use super::Store;
use crate::error::Result;
use crate::model::AddressSuggestion;

impl Store {
    /// Addresses whose address, or a word of whose name, starts with
    /// `typed` (case does not count), the most used first (by how often
    /// the stored mail names them).
    pub async fn complete_addresses(&self, typed: &str, limit: u32) -> Result<Vec<AddressSuggestion>> {
        let typed = typed.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        if typed.is_empty() {
            return Ok(Vec::new());
        }
        // What a sync stored since the last count is counted in first (a
        // write, so only when something waits).
        let (counted, stored) = marks(&mut *self.pool().acquire().await?).await?;
        if stored > counted {
            let mut tx = self.begin_write().await?;
            count_correspondents(&mut tx, 1).await?;
            tx.commit().await?;
        }
        let starts = format!("{typed}%");
        let word = format!("% {typed}%");
        // Correspondents come from their own table (migration 0037), and
        // only the `limit` most used of those that match: grouping
        // message_addresses here read all of it at every keystroke (10 s at
        // a million messages), and grouping every match of one letter cost
        // 150 ms at 100,000 correspondents. The CRM's persons that match
        // are few, and all taken.
        Ok(sqlx::query_as(
            "WITH people (address, name) AS (
                 SELECT pa.address, p.name FROM person_addresses pa JOIN persons p ON p.id = pa.person_id
                  WHERE pa.address LIKE ?1 ESCAPE '\\' OR p.name LIKE ?1 ESCAPE '\\' OR p.name LIKE ?2 ESCAPE '\\'),
             mail (address, name, uses) AS (
                 SELECT address, name, uses FROM correspondents
                  WHERE address LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\' OR name LIKE ?2 ESCAPE '\\'
                  ORDER BY uses DESC, address LIMIT ?3)
             SELECT address, name, person, uses FROM (
                 SELECT p.address, MIN(p.name) AS name, 1 AS person,
                        COALESCE((SELECT k.uses FROM correspondents k WHERE k.address = p.address), 0) AS uses
                   FROM people p GROUP BY p.address
                 UNION ALL
                 SELECT m.address, m.name, 0, m.uses FROM mail m
                  WHERE m.address NOT IN (SELECT address FROM people))
              ORDER BY uses DESC, person DESC, address LIMIT ?3",
        )
        .bind(starts)
        .bind(word)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }
}

/// How many messages a sync stores before their addresses are counted in
/// (a completion counts what waits first).
pub(super) const COUNT_EVERY: i64 = 100_000;

/// Counts the addresses of the messages stored since the last count into
/// `correspondents` (migration 0037), when at least `at_least` wait: once
/// per address, in address order, and the mark moved past them. New
/// messages take ids above every stored one and above the mark (never an
/// id counted before, even of a message deleted since), so those waiting
/// are the ids above the mark, read along message_addresses' key.
pub(super) async fn count_correspondents(conn: &mut SqliteConnection, at_least: i64) -> Result<()> {
    let (through, last) = marks(conn).await?;
    if last - through < at_least.max(1) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO correspondents (address, name, uses)
         SELECT address, MAX(name), COUNT(*) FROM message_addresses WHERE message_id > ? AND message_id <= ?
          GROUP BY address
         ON CONFLICT (address) DO UPDATE
             SET uses = uses + excluded.uses, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END",
    )
    .bind(through)
    .bind(last)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('correspondents_through', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(last.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The last message id counted into `correspondents`, and the last stored.
pub(super) async fn marks(conn: &mut SqliteConnection) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'correspondents_through'), 0),
                (SELECT COALESCE(MAX(id), 0) FROM messages)",
    )
    .fetch_one(&mut *conn)
    .await?)
}
