//! The rules that link emails to CRM records (F-LINK), as SQL over a list
//! of message ids, run inside the caller's transaction: storing a batch of
//! messages links it in the same transaction, and adding a person links
//! their past mail through the address index, never by reading every
//! message.
//!
//! 1. A person is linked to an email when one of their addresses is in its
//!    From, To or Cc (rule `address`).
//! 2. A deal, lead or project the user chose for the conversation is linked
//!    to the conversation's emails (rule `choice`), in both modes.
//! 3. In automatic mode, a deal, lead or project is linked when it is the
//!    only open one of the email's persons (rule `only_one`); when several
//!    match, nothing is linked and [`links_of`] reports a pending choice.
//!
//! A link the user made or removed is never touched by the rules: every
//! insert here is `INSERT OR IGNORE`, and a removal stays as a row with
//! `linked = 0`.

use sqlx::SqliteConnection;

use super::{ChoiceCandidate, LinkMode, LinkReason, MessageLink, MessageLinks, PendingChoice, RecordKind};
use crate::error::{Error, Result};
use crate::ids::{MessageId, RecordId};
use crate::problem::Problem;

/// Ids per statement, passed as one JSON array.
const CHUNK: usize = 5_000;

/// The "Link emails to deals" preference.
pub async fn mode(conn: &mut SqliteConnection) -> Result<LinkMode> {
    let value: Option<LinkMode> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'link_deals'").fetch_optional(&mut *conn).await?;
    Ok(value.unwrap_or(LinkMode::Automatic))
}

fn json_ids<T: serde::Serialize>(ids: &[T]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// Runs every rule for these messages. Safe to run again: what is linked
/// stays linked, what the user removed stays removed.
pub async fn link_messages(conn: &mut SqliteConnection, message_ids: &[MessageId], now: i64) -> Result<()> {
    if message_ids.is_empty() {
        return Ok(());
    }
    // Most of the time (a first sync, a CRM not filled yet) a rule has
    // nothing to link with: one look says so, instead of three statements
    // per stored batch.
    let (addresses, choices, records, forwards): (bool, bool, bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM person_addresses), EXISTS (SELECT 1 FROM thread_choices),
                EXISTS (SELECT 1 FROM deals WHERE status = 'open') OR EXISTS (SELECT 1 FROM leads)
                    OR EXISTS (SELECT 1 FROM projects),
                EXISTS (SELECT 1 FROM capture_originals)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let only_one = records && mode(conn).await? == LinkMode::Automatic;
    for chunk in message_ids.chunks(CHUNK) {
        let ids = json_ids(chunk);
        if addresses && forwards {
            // A forwarded Smart BCC copy is linked by the forwarded
            // message's sender and recipients, not by its own (the user's).
            sqlx::query(
                "INSERT OR IGNORE INTO message_links (message_id, kind, target_id, rule, address, created_at)
                 SELECT ma.message_id, 'person', pa.person_id, 'address', MIN(pa.address), ?2
                   FROM (SELECT message_id, address FROM message_addresses a
                          WHERE a.message_id IN (SELECT value FROM json_each(?1))
                            AND a.role IN ('from', 'to', 'cc')
                            AND NOT EXISTS (SELECT 1 FROM capture_originals o WHERE o.message_id = a.message_id)
                         UNION ALL
                         SELECT message_id, address FROM capture_originals
                          WHERE message_id IN (SELECT value FROM json_each(?1))) ma
                   JOIN person_addresses pa ON pa.address = ma.address
                  GROUP BY ma.message_id, pa.person_id",
            )
            .bind(&ids)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        } else if addresses {
            sqlx::query(
                "INSERT OR IGNORE INTO message_links (message_id, kind, target_id, rule, address, created_at)
                 SELECT ma.message_id, 'person', pa.person_id, 'address', MIN(pa.address), ?2
                   FROM message_addresses ma JOIN person_addresses pa ON pa.address = ma.address
                  WHERE ma.message_id IN (SELECT value FROM json_each(?1))
                    AND ma.role IN ('from', 'to', 'cc')
                  GROUP BY ma.message_id, pa.person_id",
            )
            .bind(&ids)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }

        // The user's choice for the conversation; closed deals take no
        // new links.
        if choices {
            sqlx::query(
                "INSERT OR IGNORE INTO message_links (message_id, kind, target_id, rule, created_at)
                 SELECT m.id, tc.kind, tc.target_id, 'choice', ?2
                   FROM messages m JOIN thread_choices tc ON tc.thread_id = m.thread_id
                  WHERE m.id IN (SELECT value FROM json_each(?1))
                    AND (tc.kind != 'deal'
                         OR EXISTS (SELECT 1 FROM deals d WHERE d.id = tc.target_id AND d.status = 'open'))",
            )
            .bind(&ids)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }

        if only_one {
            sqlx::query(&format!(
                "WITH {CANDIDATES}
                 INSERT OR IGNORE INTO message_links (message_id, kind, target_id, rule, address, created_at)
                 SELECT c.message_id, c.kind, MIN(c.target_id), 'only_one', MIN(c.address), ?2
                   FROM candidates c
                  WHERE NOT EXISTS (SELECT 1 FROM messages m JOIN thread_choices tc
                                        ON tc.thread_id = m.thread_id AND tc.kind = c.kind
                                     WHERE m.id = c.message_id)
                  GROUP BY c.message_id, c.kind
                 HAVING COUNT(DISTINCT c.target_id) = 1"
            ))
            .bind(&ids)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Open deals, leads and projects of the persons linked to the messages
/// in the JSON array `?1`, with the address that linked the person.
const CANDIDATES: &str = "
    persons_of AS (
        SELECT message_id, target_id AS person_id, address FROM message_links
         WHERE kind = 'person' AND linked = 1
           AND message_id IN (SELECT value FROM json_each(?1))),
    candidates AS (
        SELECT p.message_id, 'deal' AS kind, d.id AS target_id, p.address
          FROM persons_of p JOIN deals d ON d.person_id = p.person_id AND d.status = 'open'
        UNION ALL
        SELECT p.message_id, 'lead', l.id, p.address
          FROM persons_of p JOIN leads l ON l.person_id = p.person_id
        UNION ALL
        SELECT p.message_id, 'project', pr.id, p.address
          FROM persons_of p JOIN projects pr ON pr.person_id = p.person_id)";

/// The messages that carry any of these (normalized) addresses in From,
/// To or Cc: the ones a new person or address links.
pub async fn messages_with_addresses(conn: &mut SqliteConnection, addresses: &[String]) -> Result<Vec<MessageId>> {
    let list = serde_json::to_string(addresses).unwrap_or_else(|_| "[]".into());
    let ids = sqlx::query_scalar(
        "SELECT message_id FROM message_addresses
          WHERE address IN (SELECT value FROM json_each(?1)) AND role IN ('from', 'to', 'cc')
         UNION
         SELECT message_id FROM capture_originals WHERE address IN (SELECT value FROM json_each(?1))",
    )
    .bind(list)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids)
}

/// Removes the automatic links an address made (its person's, and the
/// deals, leads and projects that followed the person through it), then
/// runs the rules again on those messages: another address of the same
/// person may still link them.
pub async fn forget_address(conn: &mut SqliteConnection, address: &str, now: i64) -> Result<()> {
    let mut affected: Vec<MessageId> = sqlx::query_scalar(
        "DELETE FROM message_links
          WHERE address = ? AND rule IN ('address', 'only_one') AND linked = 1
         RETURNING message_id",
    )
    .bind(address)
    .fetch_all(&mut *conn)
    .await?;
    affected.sort_unstable();
    affected.dedup();
    link_messages(conn, &affected, now).await
}

/// The user links a record to these emails (undoing an earlier unlink).
pub async fn link_by_user(
    conn: &mut SqliteConnection,
    message_ids: &[MessageId],
    kind: RecordKind,
    target: RecordId,
    now: i64,
) -> Result<()> {
    ensure_exists(conn, kind, target).await?;
    set_by_user(conn, message_ids, kind, target, Rule::User, true, now).await
}

/// The user unlinks a record from these emails; the rules will not link
/// it to them again. Other emails of the conversation keep their links.
pub async fn unlink_by_user(
    conn: &mut SqliteConnection,
    message_ids: &[MessageId],
    kind: RecordKind,
    target: RecordId,
    now: i64,
) -> Result<()> {
    set_by_user(conn, message_ids, kind, target, Rule::User, false, now).await
}

/// Records what the user did to these emails' link with a record, over
/// whatever a rule had put there: a link (`rule` 'user' or 'choice') or,
/// with `linked` false, the tombstone that keeps the rules away.
async fn set_by_user(
    conn: &mut SqliteConnection,
    message_ids: &[MessageId],
    kind: RecordKind,
    target: RecordId,
    rule: Rule,
    linked: bool,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO message_links (message_id, kind, target_id, rule, linked, created_at)
         SELECT value, ?2, ?3, ?4, ?5, ?6 FROM json_each(?1)
          WHERE true -- an upsert after a SELECT needs a WHERE to parse
         ON CONFLICT (message_id, kind, target_id) DO UPDATE SET
             rule = excluded.rule, address = '', linked = excluded.linked, created_at = excluded.created_at",
    )
    .bind(json_ids(message_ids))
    .bind(kind)
    .bind(target)
    .bind(rule)
    .bind(linked)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The user picks the deal (lead, project) for an email's conversation:
/// that email and every other one of the conversation, now and later, is
/// linked to it, except where the user unlinked it by hand.
pub async fn choose(
    conn: &mut SqliteConnection,
    message_id: MessageId,
    kind: RecordKind,
    target: RecordId,
    now: i64,
) -> Result<()> {
    if !RecordKind::FOLLOWING_PERSONS.contains(&kind) {
        return Err(Error::Invalid(Problem::NotAChoice { kind }));
    }
    ensure_exists(conn, kind, target).await?;
    let thread: Option<i64> = sqlx::query_scalar("SELECT thread_id FROM messages WHERE id = ?")
        .bind(message_id)
        .fetch_optional(&mut *conn)
        .await?;
    let thread = thread.ok_or_else(|| Error::NotFound(Problem::MessageNotFound { id: Some(message_id) }))?;
    sqlx::query(
        "INSERT INTO thread_choices (thread_id, kind, target_id, chosen_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (thread_id, kind) DO UPDATE SET target_id = excluded.target_id, chosen_at = excluded.chosen_at",
    )
    .bind(thread)
    .bind(kind)
    .bind(target)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    set_by_user(conn, &[message_id], kind, target, Rule::Choice, true, now).await?;
    sqlx::query(
        "INSERT OR IGNORE INTO message_links (message_id, kind, target_id, rule, created_at)
         SELECT id, ?, ?, 'choice', ? FROM messages WHERE thread_id = ?",
    )
    .bind(kind)
    .bind(target)
    .bind(now)
    .bind(thread)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn ensure_exists(conn: &mut SqliteConnection, kind: RecordKind, id: RecordId) -> Result<()> {
    let table = table_of(kind);
    let found: Option<i64> =
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = ?")).bind(id).fetch_optional(&mut *conn).await?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(Problem::RecordNotFound { kind, id })),
    }
}

/// The table a kind of record lives in.
pub(crate) fn table_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Person => "persons",
        RecordKind::Org => "organizations",
        RecordKind::Deal => "deals",
        RecordKind::Lead => "leads",
        RecordKind::Project => "projects",
    }
}

/// Which rule (or the user) made a link: the `rule` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "snake_case")]
enum Rule {
    /// One of the person's addresses is in From, To or Cc.
    Address,
    /// The only open deal (lead, project) of the email's person.
    OnlyOne,
    /// The user chose the record for the conversation.
    Choice,
    /// The user linked (or unlinked) it by hand.
    User,
    /// The email is a Smart BCC copy sent to the record's own address.
    Capture,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    kind: RecordKind,
    target_id: RecordId,
    rule: Rule,
    address: String,
    day: String,
    title: Option<String>,
    owner: Option<String>,
}

/// Everything an email is linked to, with the reason, and the
/// choices waiting for the user (automatic mode, several open candidates,
/// none linked yet).
pub async fn links_of(conn: &mut SqliteConnection, message_id: MessageId) -> Result<MessageLinks> {
    let rows: Vec<LinkRow> = sqlx::query_as(
        "SELECT l.kind, l.target_id, l.rule, l.address, date(l.created_at, 'unixepoch') AS day,
                CASE l.kind
                    WHEN 'person' THEN (SELECT name FROM persons WHERE id = l.target_id)
                    WHEN 'org' THEN (SELECT name FROM organizations WHERE id = l.target_id)
                    WHEN 'deal' THEN (SELECT title FROM deals WHERE id = l.target_id)
                    WHEN 'lead' THEN (SELECT title FROM leads WHERE id = l.target_id)
                    WHEN 'project' THEN (SELECT title FROM projects WHERE id = l.target_id)
                END AS title,
                (SELECT p.name FROM person_addresses pa JOIN persons p ON p.id = pa.person_id
                  WHERE pa.address = l.address) AS owner
           FROM message_links l
          WHERE l.message_id = ? AND l.linked = 1
          ORDER BY CASE l.kind WHEN 'person' THEN 0 WHEN 'org' THEN 1 WHEN 'deal' THEN 2
                               WHEN 'lead' THEN 3 ELSE 4 END, l.target_id",
    )
    .bind(message_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut links = Vec::new();
    for LinkRow { kind, target_id: id, rule, address, day, title, owner } in rows {
        let reason = match rule {
            Rule::Address => LinkReason::Address { address, owner },
            Rule::OnlyOne => LinkReason::OnlyOne { kind, address, owner },
            Rule::Choice => LinkReason::Choice { day },
            Rule::User => LinkReason::User { day },
            Rule::Capture => LinkReason::Capture { day },
        };
        links.push(MessageLink {
            kind,
            id,
            title: title.unwrap_or_default(),
            reason,
            by_user: matches!(rule, Rule::Choice | Rule::User | Rule::Capture),
        });
    }

    let mut choices = Vec::new();
    if mode(conn).await? == LinkMode::Automatic {
        let ids = json_ids(&[message_id]);
        let rows: Vec<(RecordKind, RecordId, String)> = sqlx::query_as(&format!(
            "WITH {CANDIDATES}
             SELECT DISTINCT c.kind, c.target_id,
                    CASE c.kind WHEN 'deal' THEN (SELECT title FROM deals WHERE id = c.target_id)
                                WHEN 'lead' THEN (SELECT title FROM leads WHERE id = c.target_id)
                                ELSE (SELECT title FROM projects WHERE id = c.target_id) END
               FROM candidates c
              WHERE NOT EXISTS (SELECT 1 FROM message_links l
                                 WHERE l.message_id = c.message_id AND l.kind = c.kind
                                   AND (l.linked = 1 OR l.target_id = c.target_id))
              ORDER BY c.kind, c.target_id"
        ))
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
        for kind in RecordKind::FOLLOWING_PERSONS {
            let candidates: Vec<ChoiceCandidate> = rows
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, id, title)| ChoiceCandidate { id: *id, title: title.clone() })
                .collect();
            if candidates.len() > 1 {
                choices.push(PendingChoice { kind, candidates });
            }
        }
    }
    Ok(MessageLinks { message_id, links, choices })
}
