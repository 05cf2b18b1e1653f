//! The addresses the composer offers as the user types: the CRM's persons
//! and everyone the user has corresponded with, most used first.

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
        let starts = format!("{typed}%");
        let word = format!("% {typed}%");
        // Correspondents come from their own small table (migration 0037),
        // kept by triggers: grouping message_addresses here read all of it
        // at every keystroke.
        Ok(sqlx::query_as(
            "WITH candidates (address, name, person) AS (
                 SELECT pa.address, p.name, 1 FROM person_addresses pa JOIN persons p ON p.id = pa.person_id
                  WHERE pa.address LIKE ?1 ESCAPE '\\' OR p.name LIKE ?1 ESCAPE '\\' OR p.name LIKE ?2 ESCAPE '\\'
                 UNION ALL
                 SELECT address, name, 0 FROM correspondents
                  WHERE address LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\' OR name LIKE ?2 ESCAPE '\\')
             SELECT c.address, COALESCE(MAX(CASE WHEN c.person = 1 THEN c.name END), MAX(c.name)) AS name,
                    MAX(c.person) = 1 AS person,
                    COALESCE((SELECT k.uses FROM correspondents k WHERE k.address = c.address), 0) AS uses
               FROM candidates c GROUP BY c.address
              ORDER BY uses DESC, person DESC, c.address LIMIT ?3",
        )
        .bind(starts)
        .bind(word)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }
}
