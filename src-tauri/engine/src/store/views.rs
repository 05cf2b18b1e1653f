//! The conversation lists beyond the unified inbox, archive and trash:
//! those of one account, of the Sent and Drafts folders, of flagged mail
//! and of any synced folder, and the folder tree with its unread counts.
//!
//! A folder's list is its conversations ordered by their newest message in
//! it. A small folder's are gathered and sorted; a large one's are found
//! walking the messages newest first, which stops at the page asked for.

use futures::TryStreamExt;
use sqlx::{QueryBuilder, Sqlite};

use super::Store;
use super::queries::BOX;
use crate::error::{Error, Result};
use crate::ids::{AccountId, MessageId};
use crate::model::{FolderEntry, ListKind, Listing, ThreadPage};
use crate::problem::Problem;

/// Locations from which a folder list is walked newest first instead of
/// gathered and sorted.
const LARGE_FOLDER: i64 = 20_000;

impl Store {
    /// A window of a list's conversations, newest first.
    pub async fn listing_page(&self, listing: &Listing, offset: u32, limit: u32) -> Result<ThreadPage> {
        if let Some(view) = listing.view() {
            return match listing.account {
                None => self.thread_page(view, offset, limit).await,
                Some(account) => self.account_page(account, super::queries::view_box(view), offset, limit).await,
            };
        }
        let folders = self.listed_folders(listing).await?;
        let flagged = listing.kind == ListKind::Flagged;
        let (total, counted, ids) = if !flagged && self.large(&folders).await? {
            let (at_least, ids) = self.walked_threads(&folders, offset, limit).await?;
            (at_least, false, ids)
        } else {
            let (total, ids) = self.gathered_threads(&folders, flagged, listing.account, offset, limit).await?;
            (total, true, ids)
        };
        let threads = self.thread_summaries(&ids).await?;
        Ok(ThreadPage { total, counted, offset, threads })
    }

    /// How many conversations a list has: asked after a large folder's
    /// first page, which comes before its count (counting a million
    /// locations' conversations takes a fifth of a second).
    pub async fn listing_count(&self, listing: &Listing) -> Result<u32> {
        if listing.view().is_some() {
            return Ok(self.listing_page(listing, 0, 0).await?.total);
        }
        let folders = self.listed_folders(listing).await?;
        let flagged = listing.kind == ListKind::Flagged;
        if flagged || !self.large(&folders).await? {
            return Ok(self.gathered_threads(&folders, flagged, listing.account, 0, 0).await?.0);
        }
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT COUNT(DISTINCT m.thread_id) FROM message_folders mf CROSS JOIN messages m ON m.id = mf.message_id
              WHERE m.hidden = 0 AND mf.folder_id IN (",
        );
        push_ids(&mut q, &folders);
        q.push(")");
        let total: i64 = q.build_query_scalar().fetch_one(self.pool()).await?;
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }

    /// Whether these folders hold so many locations that their list is
    /// walked newest first (and counted apart) rather than gathered.
    async fn large(&self, folders: &[i64]) -> Result<bool> {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM message_folders WHERE folder_id IN (");
        push_ids(&mut q, folders);
        q.push(") LIMIT ").push_bind(LARGE_FOLDER).push(")");
        let n: i64 = q.build_query_scalar().fetch_one(self.pool()).await?;
        Ok(n >= LARGE_FOLDER)
    }

    /// An account's inbox, archive or trash.
    async fn account_page(&self, account: AccountId, view: i64, offset: u32, limit: u32) -> Result<ThreadPage> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM threads WHERE account_id = ? AND box = ?")
            .bind(account)
            .bind(view)
            .fetch_one(self.pool())
            .await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM threads INDEXED BY threads_by_account WHERE account_id = ? AND box = ?
              ORDER BY last_date DESC, id DESC LIMIT ? OFFSET ?",
        )
        .bind(account)
        .bind(view)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(self.pool())
        .await?;
        let threads = self.thread_summaries(&ids).await?;
        Ok(ThreadPage { total: u32::try_from(total).unwrap_or(u32::MAX), counted: true, offset, threads })
    }

    /// The folders a list reads (none for Flagged, which reads every one).
    async fn listed_folders(&self, listing: &Listing) -> Result<Vec<i64>> {
        let role = match listing.kind {
            ListKind::Sent => "sent",
            ListKind::Drafts => "drafts",
            ListKind::Folder => return Ok(listing.folder.into_iter().collect()),
            _ => return Ok(Vec::new()),
        };
        Ok(sqlx::query_scalar("SELECT id FROM folders WHERE role = ? AND (?2 IS NULL OR account_id = ?2)")
            .bind(role)
            .bind(listing.account)
            .fetch_all(self.pool())
            .await?)
    }

    /// Conversations with mail in these folders (or flagged, in any), by
    /// their newest such message, gathered and sorted: (their number, the
    /// window's ids).
    async fn gathered_threads(
        &self,
        folders: &[i64],
        flagged: bool,
        account: Option<AccountId>,
        offset: u32,
        limit: u32,
    ) -> Result<(u32, Vec<i64>)> {
        let listed = |q: &mut QueryBuilder<'static, Sqlite>| {
            q.push(
                "WITH listed AS (SELECT m.thread_id, MAX(m.date) AS newest FROM message_folders mf
                    CROSS JOIN messages m ON m.id = mf.message_id WHERE ",
            );
            if flagged {
                q.push("mf.flagged != 0 AND ").push(BOX).push(" < 2");
                if let Some(account) = account {
                    q.push(" AND m.account_id = ").push_bind(account);
                }
            } else {
                q.push("mf.folder_id IN (");
                push_ids(q, folders);
                q.push(") AND m.hidden = 0");
            }
            q.push(" GROUP BY m.thread_id) ");
        };
        let mut q = QueryBuilder::new("");
        listed(&mut q);
        q.push("SELECT thread_id FROM listed ORDER BY newest DESC, thread_id DESC LIMIT ")
            .push_bind(i64::from(limit))
            .push(" OFFSET ")
            .push_bind(i64::from(offset));
        let ids: Vec<i64> = q.build_query_scalar().fetch_all(self.pool()).await?;
        let mut q = QueryBuilder::new("");
        listed(&mut q);
        q.push("SELECT COUNT(*) FROM listed");
        let total: i64 = q.build_query_scalar().fetch_one(self.pool()).await?;
        Ok((u32::try_from(total).unwrap_or(u32::MAX), ids))
    }

    /// Conversations with mail in these large folders, found walking
    /// their messages newest first until the window is full: (how many
    /// the list has at least, the window's ids).
    async fn walked_threads(&self, folders: &[i64], offset: u32, limit: u32) -> Result<(u32, Vec<i64>)> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT m.thread_id FROM messages m INDEXED BY messages_by_date
              WHERE m.hidden = 0 AND EXISTS (SELECT 1 FROM message_folders mf
                    WHERE mf.message_id = m.id AND mf.folder_id IN (",
        );
        push_ids(&mut q, folders);
        q.push(")) ORDER BY m.date DESC, m.id DESC");
        let want = usize::try_from(offset.saturating_add(limit)).unwrap_or(usize::MAX);
        let mut seen = std::collections::HashSet::new();
        let mut ordered = Vec::new();
        let mut more = false;
        {
            let mut rows = q.build_query_scalar::<i64>().fetch(self.pool());
            while let Some(thread) = rows.try_next().await? {
                if seen.contains(&thread) {
                    continue;
                }
                // One more conversation past the window: the list goes on.
                if ordered.len() == want {
                    more = true;
                    break;
                }
                seen.insert(thread);
                ordered.push(thread);
            }
        }
        let at_least = u32::try_from(ordered.len() + usize::from(more)).unwrap_or(u32::MAX);
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        Ok((at_least, ordered.into_iter().skip(skip).collect()))
    }

    /// The unread messages of a list, for "Mark all as read": read off the
    /// index of unread locations, which holds only them.
    pub async fn unread_in_listing(&self, listing: &Listing) -> Result<Vec<MessageId>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT DISTINCT m.id FROM message_folders mf INDEXED BY message_folders_unread
               CROSS JOIN messages m ON m.id = mf.message_id WHERE mf.seen = 0 AND ",
        );
        match listing.view() {
            Some(view) => {
                q.push(BOX).push(" = ").push_bind(super::queries::view_box(view));
            }
            None if listing.kind == ListKind::Flagged => {
                q.push(BOX).push(
                    " < 2 AND EXISTS (SELECT 1 FROM message_folders x WHERE x.message_id = m.id AND x.flagged != 0)",
                );
            }
            None => {
                q.push("m.hidden = 0 AND mf.folder_id IN (");
                push_ids(&mut q, &self.listed_folders(listing).await?);
                q.push(")");
            }
        }
        if let Some(account) = listing.account {
            q.push(" AND m.account_id = ").push_bind(account);
        }
        Ok(q.build_query_scalar().fetch_all(self.pool()).await?)
    }

    /// The folder of this server or display name, case aside.
    pub async fn folder_named(&self, account: Option<AccountId>, name: &str) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT id FROM folders WHERE (name = ?1 COLLATE NOCASE OR display_name = ?1 COLLATE NOCASE)
                AND (?2 IS NULL OR account_id = ?2) ORDER BY account_id, name = ?1 DESC LIMIT 1",
        )
        .bind(name)
        .bind(account)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| Error::NotFound(Problem::FolderNotFound { name: Some(name.to_owned()) }))
    }

    /// Every synced folder of every account with its unread messages, in
    /// the order the tree shows them (inbox, sent … first, then by name).
    pub async fn folder_tree(&self) -> Result<Vec<FolderEntry>> {
        let sql = format!(
            "SELECT f.id, f.account_id AS account, f.name, f.display_name, f.delimiter, f.role,
                    COALESCE(u.unread, 0) AS unread
               FROM folders f LEFT JOIN (SELECT folder_id, COUNT(*) AS unread
                                          FROM message_folders INDEXED BY message_folders_unread
                                         WHERE seen = 0 GROUP BY folder_id) u ON u.folder_id = f.id
              WHERE f.on_server != 0
              ORDER BY f.account_id, {}",
            super::folders::FOLDER_ORDER
        );
        Ok(sqlx::query_as(&sql).fetch_all(self.pool()).await?)
    }
}

fn push_ids(q: &mut QueryBuilder<'static, Sqlite>, ids: &[i64]) {
    if ids.is_empty() {
        q.push("NULL");
    }
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AccountId;
    use crate::model::ThreadPage;
    use crate::store::RemoteFolder;
    use crate::store::tests::{ok, prepared, store_with_folders};

    /// A message of conversation `thread` (replies carry In-Reply-To),
    /// sent on day `day` of November 2026, with these flags.
    fn mail(uid: u32, thread: u32, day: u32, flags: &[&str]) -> crate::store::PreparedMessage {
        let reply = if uid == thread { String::new() } else { format!("In-Reply-To: <t{thread}@views.example>\r\n") };
        let id = if uid == thread { format!("t{thread}") } else { format!("m{uid}") };
        let mut m = prepared(
            uid,
            format!(
                "From: Bob <bob@acme.example>\r\nTo: alice@example.com\r\nSubject: thread {thread}\r\n\
                 Message-ID: <{id}@views.example>\r\n{reply}Date: {day:02} Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n"
            ),
        );
        m.flags = flags.iter().map(|f| f.to_string()).collect();
        m
    }

    fn subjects(page: &ThreadPage) -> Vec<String> {
        page.threads.iter().map(|t| t.subject.clone()).collect()
    }

    fn listing(kind: ListKind, account: Option<AccountId>, folder: Option<i64>) -> Listing {
        Listing { kind, account, folder }
    }

    #[tokio::test]
    async fn lists_per_account_folder_sent_and_flagged_with_unread_counts() {
        let (_d, store, alice, inbox, _) = store_with_folders().await;
        let folders = ok(store.replace_folders(
            alice,
            &[
                RemoteFolder {
                    name: "INBOX".into(),
                    display_name: "Inbox".into(),
                    delimiter: Some("/".into()),
                    role: Some("inbox"),
                },
                RemoteFolder {
                    name: "Sent".into(),
                    display_name: "Sent".into(),
                    delimiter: Some("/".into()),
                    role: Some("sent"),
                },
                RemoteFolder {
                    name: "Projects".into(),
                    display_name: "Projects".into(),
                    delimiter: Some("/".into()),
                    role: None,
                },
                RemoteFolder {
                    name: "Projects/Acme".into(),
                    display_name: "Projects/Acme".into(),
                    delimiter: Some("/".into()),
                    role: None,
                },
            ],
        ))
        .await;
        let id = |name: &str| folders.iter().find(|f| f.name == name).map(|f| f.id).unwrap_or_default();
        let (sent, acme) = (id("Sent"), id("Projects/Acme"));
        ok(crate::ingest::store_batch(
            &store,
            alice,
            inbox,
            &[mail(1, 1, 1, &["\\Seen"]), mail(2, 2, 2, &[]), mail(3, 3, 3, &["\\Seen", "\\Flagged"])],
        ))
        .await;
        ok(crate::ingest::store_batch(&store, alice, sent, &[mail(10, 1, 4, &["\\Seen"])])).await;
        ok(crate::ingest::store_batch(&store, alice, acme, &[mail(20, 20, 5, &[]), mail(21, 2, 6, &[])])).await;

        let page = |l: Listing| {
            let store = store.clone();
            async move { ok(store.listing_page(&l, 0, 10)).await }
        };
        let unified = page(listing(ListKind::Inbox, None, None)).await;
        assert_eq!(page(listing(ListKind::Inbox, Some(alice), None)).await.total, unified.total);
        assert_eq!(page(listing(ListKind::Inbox, Some(AccountId(999)), None)).await.total, 0);
        // Sent: the conversation holding the sent reply.
        let sent_page = page(listing(ListKind::Sent, None, None)).await;
        assert_eq!(subjects(&sent_page), ["thread 1"]);
        assert_eq!(subjects(&page(listing(ListKind::Sent, Some(alice), None)).await), ["thread 1"]);
        // A folder: its conversations by their newest message in it.
        let acme_page = page(listing(ListKind::Folder, Some(alice), Some(acme))).await;
        assert_eq!((acme_page.total, subjects(&acme_page)), (2, vec!["thread 2".to_owned(), "thread 20".to_owned()]));
        let flagged = page(listing(ListKind::Flagged, None, None)).await;
        assert_eq!(subjects(&flagged), ["thread 3"]);
        assert_eq!(page(listing(ListKind::Drafts, None, None)).await.total, 0);
        // A window past the first still knows the whole count.
        let second = ok(store.listing_page(&listing(ListKind::Folder, None, Some(acme)), 1, 10)).await;
        assert_eq!((second.total, subjects(&second)), (2, vec!["thread 20".to_owned()]));

        // Walking a large folder newest first gives the same windows.
        for (offset, limit) in [(0, 10), (0, 1), (1, 1), (1, 5), (5, 5)] {
            let gathered = ok(store.gathered_threads(&[acme], false, None, offset, limit)).await;
            let walked = ok(store.walked_threads(&[acme], offset, limit)).await;
            assert_eq!(gathered, walked, "window {offset}+{limit}");
        }
        assert_eq!(ok(store.listing_count(&listing(ListKind::Folder, None, Some(acme)))).await, 2);
        assert_eq!(ok(store.listing_count(&listing(ListKind::Inbox, None, None))).await, unified.total);

        // "Mark all as read" takes a list's unread messages only.
        let unread = |l: Listing| {
            let store = store.clone();
            async move { ok(store.unread_in_listing(&l)).await.len() }
        };
        assert_eq!(unread(listing(ListKind::Folder, None, Some(acme))).await, 2);
        assert_eq!(unread(listing(ListKind::Inbox, None, None)).await, 3, "the inbox's one and Acme's two");
        assert_eq!(unread(listing(ListKind::Sent, None, None)).await, 0);
        assert_eq!(unread(listing(ListKind::Inbox, Some(AccountId(999)), None)).await, 0);

        let tree = ok(store.folder_tree()).await;
        let unread = |name: &str| tree.iter().find(|f| f.name == name).map(|f| f.unread);
        assert_eq!(unread("INBOX"), Some(1));
        assert_eq!(unread("Projects/Acme"), Some(2));
        assert_eq!(unread("Sent"), Some(0));
        assert_eq!(tree.iter().map(|f| f.name.as_str()).collect::<Vec<_>>()[..2], ["INBOX", "Sent"]);
        assert_eq!(ok(store.folder_named(None, "projects/acme")).await, acme);
        assert!(store.folder_named(Some(alice), "Nowhere").await.is_err());
    }
}
