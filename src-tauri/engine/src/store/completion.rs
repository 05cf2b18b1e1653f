//! The addresses the composer offers as the user types: the CRM's persons
//! and everyone the user has corresponded with, most used first.

use super::Store;
use crate::error::Result;
use crate::model::AddressSuggestion;

impl Store {
    /// Addresses whose address, or a word of whose name, starts with
    /// `typed` (case does not count), the most used first.
    pub async fn complete_addresses(&self, typed: &str, limit: u32) -> Result<Vec<AddressSuggestion>> {
        let typed = typed.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        if typed.is_empty() {
            return Ok(Vec::new());
        }
        let starts = format!("{typed}%");
        let word = format!("% {typed}%");
        Ok(sqlx::query_as(
            "WITH candidates (address, name, person) AS (
                 SELECT pa.address, p.name, 1 FROM person_addresses pa JOIN persons p ON p.id = pa.person_id
                  WHERE pa.address LIKE ?1 ESCAPE '\\' OR p.name LIKE ?1 ESCAPE '\\' OR p.name LIKE ?2 ESCAPE '\\'
                 UNION ALL
                 SELECT address, MAX(name), 0 FROM message_addresses
                  WHERE address LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\' OR name LIKE ?2 ESCAPE '\\'
                  GROUP BY address)
             SELECT c.address, COALESCE(MAX(CASE WHEN c.person = 1 THEN c.name END), MAX(c.name)) AS name,
                    MAX(c.person) = 1 AS person,
                    (SELECT COUNT(DISTINCT m.message_id) FROM message_addresses m WHERE m.address = c.address) AS uses
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
