//! Read-only views over the store: what the inbox, the reading pane and the
//! CLI's `list` and `search` show.

use std::collections::HashMap;

use sqlx::{FromRow, QueryBuilder, Sqlite};

use super::Store;
use crate::error::{Error, Result};
use crate::ids::{AccountId, MessageId, RecordId, ThreadId};
use crate::model::{
    AddressView, AttachmentView, CaptureTarget, CaptureView, MessageSummary, ThreadPage, ThreadSummary, ThreadView,
    Visibility,
};
use crate::problem::Problem;
use crate::verify::{Dkim, Spf};

/// Which messages `list_messages` returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub account: Option<AccountId>,
    /// Matches a folder's server name or display name.
    pub folder: Option<String>,
    pub limit: u32,
}

#[derive(FromRow)]
pub(super) struct LocationRow {
    pub(super) id: MessageId,
    account_id: AccountId,
    folder: String,
    uid: i64,
    message_id: Option<String>,
    thread_id: ThreadId,
    date: i64,
    subject: String,
    flags: String,
    snippet: String,
    has_attachments: bool,
    visibility: Visibility,
    captured: bool,
    capture_target: Option<CaptureTarget>,
    capture_target_id: Option<RecordId>,
    dkim: Option<Dkim>,
    spf: Option<Spf>,
    gm_labels: Option<String>,
}

/// The labels a person gave a Gmail message: Gmail's own (`\Inbox`,
/// `\Sent`, `\Important` …) are folders or flags here already.
fn user_labels(stored: Option<&str>) -> Vec<String> {
    let all: Vec<String> = stored.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    all.into_iter().filter(|l| !l.starts_with('\\')).collect()
}

impl LocationRow {
    fn into_summary(self, addresses: &HashMap<i64, Vec<(String, AddressView)>>) -> MessageSummary {
        let mut from = Vec::new();
        let mut to = Vec::new();
        let mut cc = Vec::new();
        for (role, addr) in addresses.get(&self.id.0).cloned().unwrap_or_default() {
            match role.as_str() {
                "from" => from.push(addr),
                "to" => to.push(addr),
                "cc" => cc.push(addr),
                _ => {}
            }
        }
        MessageSummary {
            id: self.id,
            account: self.account_id,
            folder: self.folder,
            uid: u32::try_from(self.uid).unwrap_or(0),
            message_id: self.message_id,
            thread_id: self.thread_id,
            date: self.date,
            from,
            to,
            cc,
            subject: self.subject,
            flags: self.flags.split_whitespace().map(str::to_owned).collect(),
            snippet: self.snippet,
            has_attachments: self.has_attachments,
            visibility: self.visibility,
            labels: user_labels(self.gm_labels.as_deref()),
            capture: self.captured.then_some(CaptureView {
                target: self.capture_target,
                target_id: self.capture_target_id,
                dkim: self.dkim,
                spf: self.spf,
                customer: None,
            }),
        }
    }
}

#[derive(FromRow)]
struct ThreadRow {
    id: ThreadId,
    account_id: AccountId,
    subject: String,
    last_date: i64,
    message_count: i64,
    unread_count: i64,
    has_attachments: bool,
    snippet: String,
    participants: String,
    visibility: Visibility,
}

/// A message's (`m`) box as the app shows it (migration 0008): the user's
/// choice where it differs from the server, else the server's; 4 when it
/// is hidden (held or blocked, migration 0022), which no view shows.
pub(super) const BOX: &str = "(CASE WHEN m.hidden != 0 THEN 4 ELSE COALESCE(m.user_box, m.server_box, 3) END)";

/// The capture of a message (`m`), if it is a Smart BCC copy.
const CAPTURE_JOIN: &str = "LEFT JOIN captures c ON c.message_id = m.id";

/// The columns of a message's visibility, capture (with `CAPTURE_JOIN`)
/// and Gmail labels.
const CAPTURE_COLUMNS: &str = "m.visibility, c.message_id IS NOT NULL AS captured,
    c.target AS capture_target, c.target_id AS capture_target_id, c.dkim, c.spf, m.gm_labels";

/// Messages with their first folder location, if they have one: a
/// message on its way between folders is still shown, without a folder.
pub(super) fn maybe_located() -> String {
    format!(
        "m.id, m.account_id, COALESCE(f.display_name, '') AS folder,
         COALESCE(mf.uid, 0) AS uid, m.message_id, m.thread_id, m.date, m.subject,
         COALESCE(mf.flags, '') AS flags, m.snippet, m.has_attachments, {CAPTURE_COLUMNS}
         FROM messages m {CAPTURE_JOIN}
         LEFT JOIN message_folders mf ON mf.message_id = m.id
              AND mf.folder_id = (SELECT folder_id FROM message_folders WHERE message_id = m.id
                                  ORDER BY folder_id LIMIT 1)
         LEFT JOIN folders f ON f.id = mf.folder_id"
    )
}

const LOCATION_COLUMNS: &str = "m.id, m.account_id, f.display_name AS folder, mf.uid, m.message_id,
    m.thread_id, m.date, m.subject, mf.flags, m.snippet, m.has_attachments";

impl Store {
    /// Messages newest first, one row per folder location.
    pub async fn list_messages(&self, filter: &ListFilter) -> Result<Vec<MessageSummary>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT ");
        // Newest first down the date index: without it (and without
        // statistics) SQLite read and sorted every location.
        q.push(LOCATION_COLUMNS).push(", ").push(CAPTURE_COLUMNS).push(
            " FROM messages m INDEXED BY messages_by_date
              CROSS JOIN message_folders mf ON mf.message_id = m.id
              CROSS JOIN folders f ON f.id = mf.folder_id ",
        );
        q.push(CAPTURE_JOIN).push(" WHERE m.hidden = 0");
        if let Some(account) = filter.account {
            q.push(" AND m.account_id = ").push_bind(account);
        }
        if let Some(folder) = &filter.folder {
            q.push(" AND (f.name = ")
                .push_bind(folder.clone())
                .push(" OR f.display_name = ")
                .push_bind(folder.clone())
                .push(")");
        }
        q.push(" ORDER BY m.date DESC, m.id DESC, f.name LIMIT ").push_bind(i64::from(filter.limit));
        let rows: Vec<LocationRow> = q.build_query_as().fetch_all(self.pool()).await?;
        self.summaries(rows).await
    }

    /// How many folder locations the store knows, over all accounts: a
    /// cheap progress figure.
    pub async fn location_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM message_folders").fetch_one(self.pool()).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The messages of one conversation, oldest first (one row per
    /// message). Deleted ones are left out unless the whole conversation
    /// is deleted, i.e. when it is opened from the Trash. A message on its
    /// way between folders (moved here, not yet found there by a pass) is
    /// listed without a folder.
    pub async fn thread_messages(&self, thread_id: ThreadId) -> Result<Vec<MessageSummary>> {
        let sql = format!(
            "SELECT {} WHERE m.thread_id = ?1
                AND {BOX} <= MIN(3, MAX(1, (SELECT box FROM threads WHERE id = ?1)))
              ORDER BY m.date, m.id",
            maybe_located()
        );
        let rows: Vec<LocationRow> = sqlx::query_as(&sql).bind(thread_id).fetch_all(self.pool()).await?;
        let mut messages = self.summaries(rows).await?;
        self.name_customers(&mut messages).await?;
        Ok(messages)
    }

    /// Fills in the customer of each captured copy (see
    /// [`CaptureView::customer`]).
    async fn name_customers(&self, messages: &mut [MessageSummary]) -> Result<()> {
        let captured: Vec<i64> = messages.iter().filter(|m| m.capture.is_some()).map(|m| m.id.0).collect();
        if captured.is_empty() {
            return Ok(());
        }
        let own = super::accounts::own_addresses(&mut *self.pool().acquire().await?).await?;
        let own = |a: &AddressView| crate::address::is_own(&own, &a.address);
        let originals: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT message_id, name, address FROM capture_originals
              WHERE message_id IN (SELECT value FROM json_each(?))
              ORDER BY message_id, CASE role WHEN 'from' THEN 0 WHEN 'to' THEN 1 ELSE 2 END, position",
        )
        .bind(serde_json::to_string(&captured).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        for m in messages.iter_mut() {
            let original = originals
                .iter()
                .filter(|(id, _, _)| *id == m.id.0)
                .map(|(_, name, address)| AddressView { name: name.clone(), address: address.clone() })
                .find(|a| !own(a));
            let on_copy = || m.to.iter().chain(&m.cc).chain(&m.from).find(|a| !own(a)).cloned();
            let customer = original.or_else(on_copy);
            if let Some(capture) = m.capture.as_mut() {
                capture.customer = customer;
            }
        }
        Ok(())
    }

    /// One message's summary (first location), for the reading pane.
    pub async fn message_summary(&self, id: MessageId) -> Result<MessageSummary> {
        let sql = format!("SELECT {} WHERE m.id = ?", maybe_located());
        let rows: Vec<LocationRow> = sqlx::query_as(&sql).bind(id).fetch_all(self.pool()).await?;
        self.summaries(rows).await?.pop().ok_or_else(|| Error::NotFound(Problem::MessageNotFound { id: Some(id) }))
    }

    /// The raw source of a message, as the server sent it.
    pub async fn message_source(&self, id: MessageId) -> Result<Vec<u8>> {
        let mut conn = self.pool().acquire().await?;
        super::source::load(&mut conn, id.0)
            .await?
            .ok_or_else(|| Error::NotFound(Problem::MessageNotFound { id: Some(id) }))
    }

    /// Attachments of a message and why it degraded, if it did.
    pub async fn message_extras(&self, id: MessageId) -> Result<(Vec<AttachmentView>, Option<String>)> {
        let rows: Vec<(i64, String, String, i64, bool)> = sqlx::query_as(
            "SELECT position, filename, content_type, size, is_inline FROM attachments
             WHERE message_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let problem: Option<String> = sqlx::query_scalar("SELECT parse_problem FROM messages WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .flatten();
        let attachments = rows
            .into_iter()
            .map(|(position, filename, content_type, size, is_inline)| AttachmentView {
                position: u32::try_from(position).unwrap_or(0),
                filename,
                content_type,
                size: u32::try_from(size).unwrap_or(u32::MAX),
                is_inline,
            })
            .collect();
        Ok((attachments, problem))
    }

    /// A window of one view's conversations, newest first.
    ///
    /// The window is found on the `(box, last_date, id)` index alone, so
    /// skipping to the far end of 100,000 conversations reads index
    /// entries, not rows; only the returned threads are then looked up.
    /// Counts, unread and participants leave out deleted messages unless
    /// the whole conversation is deleted.
    pub async fn thread_page(&self, view: ThreadView, offset: u32, limit: u32) -> Result<ThreadPage> {
        let view = view_box(view);
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM threads WHERE box = ?").bind(view).fetch_one(self.pool()).await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM threads INDEXED BY threads_by_box WHERE box = ?
              ORDER BY last_date DESC, id DESC LIMIT ? OFFSET ?",
        )
        .bind(view)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(self.pool())
        .await?;
        let threads = self.thread_summaries(&ids).await?;
        Ok(ThreadPage { total: u32::try_from(total).unwrap_or(u32::MAX), counted: true, offset, threads })
    }

    /// Summaries of these conversations, newest first. Counts, unread and
    /// participants leave out deleted messages unless the whole
    /// conversation is deleted.
    pub(crate) async fn thread_summaries(&self, ids: &[i64]) -> Result<Vec<ThreadSummary>> {
        let shown = format!("m.thread_id = t.id AND {BOX} <= MIN(3, MAX(1, t.box))");
        let sql = format!(
            "SELECT t.id, t.account_id, t.subject, t.last_date,
                (SELECT COUNT(*) FROM messages m WHERE {shown}) AS message_count,
                (SELECT COUNT(*) FROM messages m WHERE {shown} AND EXISTS
                    (SELECT 1 FROM message_folders x WHERE x.message_id = m.id AND x.seen = 0))
                    AS unread_count,
                (SELECT COALESCE(MAX(has_attachments), 0) FROM messages m WHERE {shown})
                    AS has_attachments,
                COALESCE((SELECT snippet FROM messages m WHERE {shown}
                          ORDER BY m.date DESC, m.id DESC LIMIT 1), '') AS snippet,
                (SELECT COALESCE(group_concat(who, ', '), '') FROM (
                    SELECT DISTINCT CASE WHEN from_name != '' THEN from_name ELSE from_addr END AS who
                    FROM messages m WHERE {shown} ORDER BY date LIMIT 4)) AS participants,
                CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE {shown} AND m.visibility = 'private')
                     THEN 'private' ELSE 'shared' END AS visibility
             FROM threads t WHERE t.id IN (SELECT value FROM json_each(?))
             ORDER BY t.last_date DESC, t.id DESC"
        );
        let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let rows: Vec<ThreadRow> = sqlx::query_as(&sql).bind(&ids).fetch_all(self.pool()).await?;
        let mut captures: HashMap<ThreadId, CaptureView> = HashMap::new();
        let captured: Vec<(ThreadId, CaptureView)> = sqlx::query_as(&format!(
            "SELECT m.thread_id, c.target, c.target_id, c.dkim, c.spf
               FROM captures c JOIN messages m ON m.id = c.message_id JOIN threads t ON t.id = m.thread_id
              WHERE m.thread_id IN (SELECT value FROM json_each(?)) AND {shown}
              ORDER BY m.date, m.id"
        ))
        .bind(&ids)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|(thread, target, target_id, dkim, spf)| {
            (thread, CaptureView { target, target_id, dkim, spf, customer: None })
        })
        .collect();
        // The newest copy of each conversation wins.
        captures.extend(captured);
        Ok(rows
            .into_iter()
            .map(|r| ThreadSummary {
                id: r.id,
                account: r.account_id,
                subject: r.subject,
                last_date: r.last_date,
                message_count: u32::try_from(r.message_count).unwrap_or(0),
                unread_count: u32::try_from(r.unread_count).unwrap_or(0),
                participants: r.participants,
                snippet: r.snippet,
                has_attachments: r.has_attachments,
                visibility: r.visibility,
                capture: captures.get(&r.id).cloned(),
            })
            .collect())
    }

    /// Loads From/To/Cc for the rows and builds summaries.
    pub(super) async fn summaries(&self, rows: Vec<LocationRow>) -> Result<Vec<MessageSummary>> {
        let mut addresses: HashMap<i64, Vec<(String, AddressView)>> = HashMap::new();
        let mut ids: Vec<i64> = rows.iter().map(|r| r.id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in super::statement_chunks(&ids, 1) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT message_id, role, name, address FROM message_addresses
                 WHERE role IN ('from', 'to', 'cc') AND message_id IN (",
            );
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(") ORDER BY message_id, role, position");
            let found: Vec<(i64, String, String, String)> = q.build_query_as().fetch_all(self.pool()).await?;
            for (id, role, name, address) in found {
                addresses.entry(id).or_default().push((role, AddressView { name, address }));
            }
        }
        Ok(rows.into_iter().map(|r| r.into_summary(&addresses)).collect())
    }
}

/// The `box` value of a view's conversations.
pub(super) fn view_box(view: ThreadView) -> i64 {
    match view {
        ThreadView::Inbox => 0,
        ThreadView::Archive => 1,
        ThreadView::Trash => 2,
    }
}
