//! Search answered from the store: each part of a query (see
//! [`crate::search::query`]) becomes a condition on messages, words and
//! phrases one match on the full-text index, newest first, with the
//! messages that hold exactly the diacritics typed ranked above those
//! found only by their folded forms.

use chrono::{Local, NaiveDate, TimeZone};
use sqlx::{QueryBuilder, Sqlite};

use super::Store;
use super::queries::{BOX, LocationRow, maybe_located};
use super::search::{BY_SEARCH_KEY, SEARCH_KEY, search_key};
use crate::error::Result;
use crate::model::MessageSummary;
use crate::search::query::{self, Flag, Part, Term};
use crate::search::segment;

impl Store {
    /// Messages matching a search as typed, newest first (exact
    /// diacritics first). Deleted mail is found only by `in:trash`; an
    /// empty search finds nothing.
    pub async fn search(&self, typed: &str, limit: u32) -> Result<Vec<MessageSummary>> {
        self.find(&query::parse(typed)?, limit).await
    }

    /// [`Store::search`] of a search already read.
    pub async fn find(&self, parts: &[Part], limit: u32) -> Result<Vec<MessageSummary>> {
        let Some(search) = Search::read(parts) else {
            return Ok(Vec::new());
        };
        let ids: Vec<i64> = search.ids(limit).build_query_scalar().fetch_all(self.pool()).await?;
        let sql = format!("SELECT {} WHERE m.id IN (SELECT value FROM json_each(?))", maybe_located());
        let mut rows: Vec<LocationRow> =
            sqlx::query_as(&sql).bind(serde_json::to_string(&ids).unwrap_or_default()).fetch_all(self.pool()).await?;
        let rank: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
        rows.sort_by_key(|r| rank.get(&r.id.0).copied().unwrap_or(usize::MAX));
        self.summaries(rows).await
    }
}

/// A search read for the store: one full-text match of everything that
/// must be in the index, one per excluded word, the exact forms to rank
/// first, and the other operators.
struct Search<'a> {
    matched: Option<String>,
    excluded: Vec<String>,
    exact: Option<String>,
    others: Vec<&'a Part>,
}

impl<'a> Search<'a> {
    /// None when nothing of it can be asked (an empty or punctuation-only
    /// search).
    fn read(parts: &'a [Part]) -> Option<Search<'a>> {
        let mut matched: Vec<String> = Vec::new();
        let mut excluded: Vec<String> = Vec::new();
        let mut exact: Vec<String> = Vec::new();
        let mut others: Vec<&Part> = Vec::new();
        for part in parts {
            let (text, exact_from) = match &part.term {
                Term::Word(w) => (segment::fts_phrase(w), w),
                Term::Phrase(p) => (segment::fts_phrase(p), p),
                Term::Subject(s) => (segment::fts_phrase(s).map(|p| format!("subject : {p}")), s),
                term => {
                    others.push(part);
                    // Narrows to messages naming them at all; the role is
                    // checked on the addresses.
                    if let (Term::From(v) | Term::To(v) | Term::Cc(v), false) = (term, part.negated) {
                        matched.extend(segment::fts_phrase(v).map(|p| format!("participants : {p}")));
                    }
                    continue;
                }
            };
            let Some(text) = text else { continue };
            if part.negated {
                excluded.push(text);
                continue;
            }
            matched.push(text);
            exact.extend(
                exact_from
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| segment::has_diacritics(w))
                    .filter_map(segment::fts_phrase),
            );
        }
        if matched.is_empty() && excluded.is_empty() && others.is_empty() {
            return None;
        }
        // What is excluded is left out by the match itself, as the index
        // walks it, when there is one.
        let matched = (!matched.is_empty()).then(|| {
            let mut text = format!("({})", matched.join(" AND "));
            for not in excluded.drain(..) {
                text = format!("({text}) NOT ({not})");
            }
            text
        });
        Some(Search { matched, excluded, exact: (!exact.is_empty()).then(|| exact.join(" OR ")), others })
    }

    /// The ids of the first `limit` messages found, in order. With words
    /// to match, the index gives its matches newest first (see
    /// [`super::search::search_key`]) and the walk stops at the limit;
    /// without, the messages are walked newest first.
    fn ids(&self, limit: u32) -> QueryBuilder<'static, Sqlite> {
        let mut q: QueryBuilder<Sqlite> = match &self.matched {
            Some(matched) => {
                let mut q = QueryBuilder::new(format!(
                    "SELECT m.id FROM messages_fts f {BY_SEARCH_KEY} WHERE f.messages_fts MATCH "
                ));
                q.push_bind(matched.clone());
                // Dates bound the walk of the index itself (its rows are
                // keyed by date), so it starts and ends where they say.
                for part in self.others.iter().filter(|p| !p.negated) {
                    match part.term {
                        Term::Before(day) => {
                            q.push(" AND f.rowid < ").push_bind(search_key(local_midnight(day), 0));
                        }
                        Term::After(day) => {
                            q.push(" AND f.rowid >= ").push_bind(search_key(local_midnight(day), 0));
                        }
                        _ => {}
                    }
                }
                q
            }
            None => QueryBuilder::new("SELECT m.id FROM messages m WHERE 1"),
        };
        for text in &self.excluded {
            q.push(format!(" AND {SEARCH_KEY} NOT IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH "))
                .push_bind(text.clone())
                .push(")");
        }
        let (on_row, elsewhere): (Vec<&&Part>, Vec<&&Part>) = self.others.iter().partition(|p| on_the_row(&p.term));
        for part in on_row.into_iter().chain(elsewhere) {
            q.push(if part.negated { " AND NOT " } else { " AND " });
            condition(&mut q, &part.term);
        }
        // Deleted mail has left every view unless one was asked for;
        // hidden mail (held or blocked) is never found.
        let in_view = self.others.iter().any(|p| !p.negated && matches!(p.term, Term::In(_)));
        q.push(if in_view { format!(" AND {BOX} < 4") } else { format!(" AND {BOX} < 2") });
        q.push(" ORDER BY ");
        if let Some(exact) = &self.exact {
            q.push(format!("{SEARCH_KEY} IN (SELECT rowid FROM messages_exact WHERE messages_exact MATCH "))
                .push_bind(exact.clone())
                .push(") DESC, ");
        }
        q.push(if self.matched.is_some() { "f.rowid DESC" } else { "m.date DESC, m.id DESC" });
        q.push(" LIMIT ").push_bind(i64::from(limit));
        q
    }
}

/// Whether a term is answered by the message's own row, which is
/// checked before the terms that look into other tables.
fn on_the_row(term: &Term) -> bool {
    matches!(term, Term::HasAttachment | Term::Before(_) | Term::After(_) | Term::Account(_))
}

/// Writes the condition of a term the full-text match does not answer
/// (words, phrases and subjects are in it).
fn condition(q: &mut QueryBuilder<'static, Sqlite>, term: &Term) {
    match term {
        Term::Word(_) | Term::Phrase(_) | Term::Subject(_) => {
            q.push("1");
        }
        Term::From(v) => address(q, "'from', 'sender'", v),
        Term::To(v) => address(q, "'to'", v),
        Term::Cc(v) => address(q, "'cc'", v),
        Term::HasAttachment => {
            q.push("m.has_attachments != 0");
        }
        Term::Filename(v) => {
            q.push("EXISTS (SELECT 1 FROM attachments x WHERE x.message_id = m.id AND x.filename LIKE ")
                .push_bind(contains(v))
                .push(" ESCAPE '\\')");
        }
        Term::Before(day) => {
            q.push("m.date < ").push_bind(local_midnight(*day));
        }
        Term::After(day) => {
            q.push("m.date >= ").push_bind(local_midnight(*day));
        }
        Term::In(v) => in_view(q, v),
        Term::Is(flag) => {
            q.push(match flag {
                Flag::Unread => "EXISTS (SELECT 1 FROM message_folders x WHERE x.message_id = m.id AND x.seen = 0)",
                Flag::Read => "NOT EXISTS (SELECT 1 FROM message_folders x WHERE x.message_id = m.id AND x.seen = 0)",
                Flag::Flagged => {
                    "EXISTS (SELECT 1 FROM message_folders x WHERE x.message_id = m.id AND x.flagged != 0)"
                }
            });
        }
        Term::Account(v) => {
            q.push("m.account_id IN (SELECT id FROM accounts WHERE id = ")
                .push_bind(v.parse::<i64>().unwrap_or(-1))
                .push(" OR email LIKE ")
                .push_bind(contains(v))
                .push(" ESCAPE '\\' OR display_name LIKE ")
                .push_bind(contains(v))
                .push(" ESCAPE '\\')");
        }
        Term::Person(v) => linked(q, "person", "persons", "name", v),
        Term::Deal(v) => linked(q, "deal", "deals", "title", v),
        Term::Org(v) => linked(q, "org", "organizations", "name", v),
    }
}

/// A message with an address of these roles whose name or address holds
/// `v`.
fn address(q: &mut QueryBuilder<'static, Sqlite>, roles: &str, v: &str) {
    q.push(format!(
        "EXISTS (SELECT 1 FROM message_addresses a WHERE a.message_id = m.id AND a.role IN ({roles}) AND (a.address LIKE "
    ))
    .push_bind(contains(v))
    .push(" ESCAPE '\\' OR a.name LIKE ")
    .push_bind(contains(v))
    .push(" ESCAPE '\\'))");
}

/// A message linked to a record of `kind` (in `table`, by its id or a
/// `name` holding `v`); an organization's mail includes its persons'.
fn linked(q: &mut QueryBuilder<'static, Sqlite>, kind: &'static str, table: &str, name: &str, v: &str) {
    let records = |q: &mut QueryBuilder<'static, Sqlite>| {
        q.push(format!("SELECT id FROM {table} WHERE id = "))
            .push_bind(v.parse::<i64>().unwrap_or(-1))
            .push(format!(" OR {name} LIKE "))
            .push_bind(contains(v))
            .push(" ESCAPE '\\'");
    };
    q.push("m.id IN (SELECT l.message_id FROM message_links l WHERE l.linked = 1 AND ((l.kind = ")
        .push_bind(kind)
        .push(" AND l.target_id IN (");
    records(q);
    q.push("))");
    if kind == "org" {
        q.push(" OR (l.kind = 'person' AND l.target_id IN (SELECT id FROM persons WHERE org_id IN (");
        records(q);
        q.push(")))");
    }
    q.push("))");
}

/// `in:inbox`, `in:archive` and `in:trash` are the app's views; any other
/// name is a folder's role (`in:sent`) or its name as the server or the
/// app shows it.
fn in_view(q: &mut QueryBuilder<'static, Sqlite>, v: &str) {
    let view = match v.to_lowercase().as_str() {
        "inbox" => Some(0),
        "archive" => Some(1),
        "trash" => Some(2),
        _ => None,
    };
    if let Some(view) = view {
        q.push(format!("{BOX} = {view}"));
        return;
    }
    q.push(
        "EXISTS (SELECT 1 FROM message_folders x JOIN folders g ON g.id = x.folder_id
                  WHERE x.message_id = m.id AND (g.role = lower(",
    )
    .push_bind(v.to_owned())
    .push(") OR g.name = ")
    .push_bind(v.to_owned())
    .push(" COLLATE NOCASE OR g.display_name = ")
    .push_bind(v.to_owned())
    .push(" COLLATE NOCASE))");
}

/// A LIKE pattern for text holding `v`, its wildcards taken literally.
fn contains(v: &str) -> String {
    let escaped = v.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The first second of a day where the user is.
fn local_midnight(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    Local.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc().timestamp(), |t| t.timestamp())
}
