//! Blocked addresses (F-BLOCK): an email whose every address in From, To
//! and Cc other than the user's own is blocked is hidden (bit 2 of
//! `messages.hidden`, migration 0022) from the inbox, search and records.
//! The bit is decided as a message is stored and decided again for the
//! messages an added or removed block concerns, so unblocking brings them
//! back at once, with their links. Nothing on the server changes.

use sqlx::SqliteConnection;

use super::accounts::own_addresses;
use super::{Store, now};
use crate::address::{is_own, normalize, normalize_domain};
use crate::error::{Error, Result};
use crate::problem::Problem;

/// The `hidden` bit of a blocked message.
pub(crate) const BLOCKED: i64 = 2;

/// The block list and the user's own addresses, as one batch or one
/// change needs them.
#[derive(Debug, Default)]
pub(crate) struct BlockList {
    /// Addresses, and `@domain` for a domain and its subdomains.
    patterns: Vec<String>,
    own: Vec<String>,
}

impl BlockList {
    pub(crate) async fn load(conn: &mut SqliteConnection) -> Result<BlockList> {
        let patterns: Vec<String> =
            sqlx::query_scalar("SELECT pattern FROM blocked_addresses").fetch_all(&mut *conn).await?;
        if patterns.is_empty() {
            return Ok(BlockList::default());
        }
        Ok(BlockList { patterns, own: own_addresses(conn).await? })
    }

    fn blocks_address(&self, address: &str) -> bool {
        self.patterns.iter().any(|pattern| matches(pattern, address))
    }

    /// Whether an email with these From/To/Cc addresses (normalized) is
    /// hidden: some address is not the user's, and all such are blocked.
    pub(crate) fn blocks<'a>(&self, addresses: impl IntoIterator<Item = &'a str>) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let mut others = addresses.into_iter().filter(|a| !is_own(&self.own, a)).peekable();
        others.peek().is_some() && others.all(|a| self.blocks_address(a))
    }
}

/// Whether a block pattern covers a normalized address: the address
/// itself, or `@domain` for the domain and its subdomains.
fn matches(pattern: &str, address: &str) -> bool {
    match pattern.strip_prefix('@') {
        Some(domain) => {
            let at = crate::address::domain_of(address);
            at == domain || at.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.'))
        }
        None => pattern == address,
    }
}

/// A block as the user typed it, normalized: `john@example.com` or
/// `@example.com`.
pub(crate) fn pattern(text: &str) -> Result<String> {
    let text = text.trim();
    let invalid = || Error::Invalid(Problem::NotAnEmailAddress { text: text.to_owned(), field: None });
    if let Some(domain) = text.strip_prefix('@') {
        let domain = normalize_domain(domain);
        if domain.is_empty() || !domain.contains('.') || domain.contains('@') {
            return Err(invalid());
        }
        return Ok(format!("@{domain}"));
    }
    let address = normalize(text);
    match address.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => Ok(address),
        _ => Err(invalid()),
    }
}

impl Store {
    /// Blocks an address or a domain; returns how many emails it hid.
    pub async fn block(&self, text: &str) -> Result<u64> {
        let pattern = pattern(text)?;
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT OR IGNORE INTO blocked_addresses (pattern, added_at) VALUES (?, ?)")
            .bind(&pattern)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let changed = decide_again(&mut tx, &pattern).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Removes a block; returns how many emails came back.
    pub async fn unblock(&self, text: &str) -> Result<u64> {
        let pattern = pattern(text)?;
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM blocked_addresses WHERE pattern = ?")
            .bind(&pattern)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(Error::NotFound(Problem::NotBlocked { pattern }));
        }
        let changed = decide_again(&mut tx, &pattern).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// The blocked addresses and domains, sorted.
    pub async fn blocked(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT pattern FROM blocked_addresses ORDER BY pattern").fetch_all(self.pool()).await?)
    }
}

/// Decides the blocked bit again for every message that has an address
/// the pattern covers; returns how many changed.
async fn decide_again(conn: &mut SqliteConnection, pattern: &str) -> Result<u64> {
    let list = BlockList::load(conn).await?;
    // The address index finds one address; a domain is matched on the
    // end of each address (every address is read once).
    let rows: Vec<(i64, i64, String)> = match pattern.strip_prefix('@') {
        Some(domain) => {
            sqlx::query_as(
                "SELECT m.id, m.hidden, a.address FROM messages m JOIN message_addresses a ON a.message_id = m.id
                  WHERE a.role IN ('from', 'to', 'cc') AND m.id IN (
                        SELECT message_id FROM message_addresses
                         WHERE role IN ('from', 'to', 'cc') AND (address LIKE ?1 OR address LIKE ?2))
                  ORDER BY m.id",
            )
            .bind(format!("%@{domain}"))
            .bind(format!("%.{domain}"))
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query_as(
                "SELECT m.id, m.hidden, a.address FROM messages m JOIN message_addresses a ON a.message_id = m.id
                  WHERE a.role IN ('from', 'to', 'cc') AND m.id IN (
                        SELECT message_id FROM message_addresses WHERE address = ? AND role IN ('from', 'to', 'cc'))
                  ORDER BY m.id",
            )
            .bind(pattern)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    // The messages whose bit changes, each way, then one statement each.
    let (mut hide, mut show) = (Vec::new(), Vec::new());
    for message in rows.chunk_by(|a, b| a.0 == b.0) {
        let Some(&(id, hidden, _)) = message.first() else { continue };
        let blocked = list.blocks(message.iter().map(|(_, _, a)| a.as_str()));
        match (blocked, hidden & BLOCKED != 0) {
            (true, false) => hide.push(id),
            (false, true) => show.push(id),
            _ => {}
        }
    }
    for (ids, change) in [(&hide, "hidden | 2"), (&show, "hidden & ~2")] {
        if !ids.is_empty() {
            sqlx::query(&format!("UPDATE messages SET hidden = {change} WHERE id IN (SELECT value FROM json_each(?))"))
                .bind(serde_json::to_string(ids).unwrap_or_default())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok((hide.len() + show.len()) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_block_covers_its_subdomains_only() {
        assert!(matches("@example.com", "john@example.com"));
        assert!(matches("@example.com", "john@mail.example.com"));
        assert!(!matches("@example.com", "john@notexample.com"));
        assert!(!matches("@example.com", "john@example.com.evil"));
        assert!(matches("john@example.com", "john@example.com"));
        assert!(!matches("john@example.com", "johnny@example.com"));
    }

    #[test]
    fn patterns_are_normalized_and_checked() {
        assert_eq!(pattern(" John@Example.COM ").unwrap(), "john@example.com");
        assert_eq!(pattern("@Example.com").unwrap(), "@example.com");
        assert_eq!(pattern("@bücher.example").unwrap(), "@xn--bcher-kva.example");
        for bad in ["", "@", "john", "@localhost", "@a@b.com", "@example.com@"] {
            assert!(pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_email_is_hidden_only_when_all_its_other_addresses_are_blocked() {
        let list = BlockList { patterns: vec!["@spam.example".into()], own: vec!["ann@example.com".into()] };
        assert!(list.blocks(["x@spam.example", "ann@example.com"]));
        assert!(list.blocks(["x@spam.example", "ann+tl-q@example.com"]), "a sub-address is the user's own");
        assert!(!list.blocks(["x@spam.example", "ann@example.com", "carol@customer.example"]), "a colleague is there");
        assert!(!list.blocks(["ann@example.com"]), "only the user");
        assert!(!list.blocks([]));
    }
}
