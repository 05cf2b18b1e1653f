//! Store tests on a real SQLite file in a temporary directory.

use super::*;
use crate::accounts::{Auth, Endpoint, ResolvedAccount};
use crate::ids::{AccountId, MessageId, ThreadId};
use crate::model::{Security, ThreadView};
use crate::store::actions::MailBox;
use crate::store::queries::ListFilter;

pub(super) async fn store_with_folders() -> (tempfile::TempDir, Store, AccountId, i64, i64) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = Store::open(dir.path()).await.unwrap_or_else(|e| panic!("open: {e}"));
    let account = store
        .insert_account(&ResolvedAccount {
            email: "alice@example.com".into(),
            display_name: "Alice".into(),
            imap: Endpoint { host: "127.0.0.1".into(), port: 993, security: Security::Tls, trusted_certs: None },
            smtp: Endpoint { host: "127.0.0.1".into(), port: 465, security: Security::Tls, trusted_certs: None },
            auth: Auth::Password { username: "alice".into() },
            password: String::new(),
            history_days: None,
            provider: None,
            oauth: None,
        })
        .await
        .unwrap_or_else(|e| panic!("insert account: {e}"));
    let folders = store
        .replace_folders(
            account,
            &[
                RemoteFolder {
                    name: "INBOX".into(),
                    display_name: "Inbox".into(),
                    delimiter: Some("/".into()),
                    role: Some("inbox"),
                },
                RemoteFolder {
                    name: "Archive".into(),
                    display_name: "Archive".into(),
                    delimiter: Some("/".into()),
                    role: Some("archive"),
                },
                RemoteFolder {
                    name: "Trash".into(),
                    display_name: "Trash".into(),
                    delimiter: Some("/".into()),
                    role: Some("trash"),
                },
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("folders: {e}"));
    let inbox = folders[0].id;
    let archive = folders[1].id;
    (dir, store, account, inbox, archive)
}

pub(super) fn message(uid: u32, headers: &str, body: &str) -> PreparedMessage {
    prepared(uid, format!("From: Bob <bob@acme.example>\r\nTo: alice@example.com\r\n{headers}\r\n\r\n{body}\r\n"))
}

/// A raw message as a sync would hand it to the store, at UID `uid`.
pub(super) fn prepared(uid: u32, raw: String) -> PreparedMessage {
    let raw = raw.into_bytes();
    crate::ingest::prepare(crate::ingest::FetchedMessage {
        uid,
        flags: vec![],
        modseq: 1,
        internal_date: Some(1_700_000_000 + i64::from(uid)),
        raw,
        gmail: None,
    })
}

pub(super) async fn ok<T>(f: impl std::future::Future<Output = crate::error::Result<T>>) -> T {
    f.await.unwrap_or_else(|e| panic!("store call failed: {e}"))
}

#[tokio::test]
async fn same_message_in_two_folders_is_stored_once() {
    let (_d, store, account, inbox, archive) = store_with_folders().await;
    let m = message(1, "Message-ID: <a@x>\r\nSubject: hello", "body");
    assert_eq!(ok(crate::ingest::store_batch(&store, account, inbox, std::slice::from_ref(&m))).await.locations, 1);
    let mut again = m.clone();
    again.uid = 77;
    let again = ok(crate::ingest::store_batch(&store, account, archive, &[again])).await;
    assert_eq!((again.locations, again.added.len()), (1, 0), "a known message is not new");
    let rows = ok(store.list_messages(&ListFilter { limit: 10, ..Default::default() })).await;
    assert_eq!(rows.len(), 2, "one row per location");
    assert_eq!(rows[0].id, rows[1].id, "one stored message");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(store.pool()).await.unwrap_or(-1);
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_message_stored_under_the_key_of_before_migration_0034_is_found_again() {
    let (_d, store, account, inbox, archive) = store_with_folders().await;
    let old = message(1, "Message-ID: <old@x>\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\nSubject: old", "body");
    let new = message(2, "Message-ID: <new@x>\r\nDate: Fri, 04 Dec 2026 11:00:00 +0000\r\nSubject: new", "body");
    ok(crate::ingest::store_batch(&store, account, inbox, &[old.clone(), new.clone()])).await;
    // As a store of before the migration has it: the old message under
    // the whole hash of its source, and the migration's mark above it.
    let old_id: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE message_id = 'old@x'")
        .fetch_one(store.pool())
        .await
        .unwrap_or(-1);
    sqlx::query("UPDATE messages SET content_hash = ? WHERE id = ?")
        .bind(&old.parsed.source_hash[..])
        .bind(old_id)
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("UPDATE meta SET value = ? WHERE key = 'content_keys_from'")
        .bind((old_id + 1).to_string())
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Both seen again in another folder (the new one after the mark), in
    // the store opened again as after the upgrade: both are known, under
    // either key.
    store.close().await;
    let store = ok(Store::open(_d.path())).await;
    let (mut old_again, mut new_again) = (old, new);
    (old_again.uid, new_again.uid) = (10, 11);
    let again = ok(crate::ingest::store_batch(&store, account, archive, &[old_again, new_again])).await;
    assert_eq!((again.locations, again.added.len()), (2, 0), "no message is new");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(store.pool()).await.unwrap_or(-1);
    assert_eq!(count, 2);
}

#[tokio::test]
async fn different_messages_with_the_same_message_id_are_both_kept() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let a = message(1, "Message-ID: <dup@x>\r\nSubject: one", "first body");
    let b = message(2, "Message-ID: <dup@x>\r\nSubject: two", "second body");
    ok(crate::ingest::store_batch(&store, account, inbox, &[a, b])).await;
    let rows = ok(store.list_messages(&ListFilter { limit: 10, ..Default::default() })).await;
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].id, rows[1].id);
}

#[tokio::test]
async fn threads_follow_references_not_subjects() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    // The reply arrives before its parent; an unrelated mail shares the subject.
    let reply =
        message(2, "Message-ID: <r@x>\r\nIn-Reply-To: <p@x>\r\nReferences: <p@x>\r\nSubject: Re: Offer", "reply");
    let other = message(3, "Message-ID: <o@x>\r\nSubject: Offer", "unrelated");
    let parent = message(1, "Message-ID: <p@x>\r\nSubject: Offer", "parent");
    ok(crate::ingest::store_batch(&store, account, inbox, &[reply, other, parent])).await;
    let rows = ok(store.list_messages(&ListFilter { limit: 10, ..Default::default() })).await;
    let thread_of = |mid: &str| {
        rows.iter().find(|r| r.message_id.as_deref() == Some(mid)).map(|r| r.thread_id).unwrap_or(ThreadId(-1))
    };
    assert_eq!(thread_of("r@x"), thread_of("p@x"));
    assert_ne!(thread_of("o@x"), thread_of("p@x"));
    let page = ok(store.thread_page(ThreadView::Inbox, 0, 10)).await;
    assert_eq!(page.total, 2);
    let conv = ok(store.thread_messages(thread_of("p@x"))).await;
    assert_eq!(conv.len(), 2);
    assert_eq!(conv[0].message_id.as_deref(), Some("p@x"), "oldest first");
}

#[tokio::test]
async fn a_message_referencing_two_threads_merges_them() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let a = message(1, "Message-ID: <a@x>\r\nSubject: A", "a");
    let b = message(2, "Message-ID: <b@x>\r\nSubject: B", "b");
    ok(crate::ingest::store_batch(&store, account, inbox, &[a, b])).await;
    assert_eq!(ok(store.thread_page(ThreadView::Inbox, 0, 10)).await.total, 2);
    let c = message(3, "Message-ID: <c@x>\r\nReferences: <a@x> <b@x>\r\nSubject: C", "c");
    ok(crate::ingest::store_batch(&store, account, inbox, &[c])).await;
    let page = ok(store.thread_page(ThreadView::Inbox, 0, 10)).await;
    assert_eq!(page.total, 1);
    assert_eq!(page.threads[0].message_count, 3);
}

#[tokio::test]
async fn merges_inside_one_batch_and_across_batches_agree() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    // An old conversation already stored, then one batch that starts two
    // new ones and a message tying all three together, plus a late reply.
    ok(crate::ingest::store_batch(&store, account, inbox, &[message(1, "Message-ID: <o@x>\r\nSubject: O", "o")])).await;
    let batch = [
        message(2, "Message-ID: <a@x>\r\nSubject: A", "a"),
        message(3, "Message-ID: <b@x>\r\nSubject: B", "b"),
        message(4, "Message-ID: <c@x>\r\nReferences: <b@x> <a@x>\r\nSubject: C", "c"),
        message(5, "Message-ID: <d@x>\r\nReferences: <c@x> <o@x>\r\nSubject: D", "d"),
    ];
    ok(crate::ingest::store_batch(&store, account, inbox, &batch)).await;
    let page = ok(store.thread_page(ThreadView::Inbox, 0, 10)).await;
    assert_eq!(page.total, 1, "all five are one conversation");
    assert_eq!(page.threads[0].message_count, 5);
    assert_eq!(page.threads[0].subject, "O", "named by its oldest message");

    // A reply to a merged-away Message-ID still finds the survivor.
    ok(crate::ingest::store_batch(
        &store,
        account,
        inbox,
        &[message(6, "Message-ID: <e@x>\r\nIn-Reply-To: <a@x>\r\nSubject: E", "e")],
    ))
    .await;
    let page = ok(store.thread_page(ThreadView::Inbox, 0, 10)).await;
    assert_eq!((page.total, page.threads[0].message_count), (1, 6));
}

#[tokio::test]
async fn the_same_source_twice_in_one_batch_is_one_message_in_two_places() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let first = message(1, "Message-ID: <s@x>\r\nSubject: same", "same");
    let mut second = first.clone();
    second.uid = 2;
    let stored = ok(crate::ingest::store_batch(&store, account, inbox, &[first, second])).await;
    assert_eq!((stored.locations, stored.added.len()), (2, 1));
    let rows = ok(store.list_messages(&ListFilter { limit: 10, ..Default::default() })).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].id, rows[1].id);
    assert_eq!(ok(store.thread_page(ThreadView::Inbox, 0, 10)).await.threads[0].message_count, 1);
}

#[tokio::test]
async fn vanished_messages_are_collected_only_when_no_folder_holds_them() {
    let (_d, store, account, inbox, archive) = store_with_folders().await;
    let m = message(5, "Message-ID: <m@x>\r\nSubject: moved", "x");
    ok(crate::ingest::store_batch(&store, account, inbox, std::slice::from_ref(&m))).await;
    let mut moved = m.clone();
    moved.uid = 9;
    ok(crate::ingest::store_batch(&store, account, archive, &[moved])).await;
    assert_eq!(ok(store.remove_locations(inbox, &[5])).await, 1);
    assert_eq!(ok(store.delete_orphans(account, 0)).await, 0, "still in Archive");
    assert_eq!(ok(store.remove_locations(archive, &[9])).await, 1);
    assert_eq!(ok(store.delete_orphans(account, 0)).await, 1);
    assert_eq!(ok(store.thread_page(ThreadView::Inbox, 0, 10)).await.total, 0, "empty thread removed");
    assert!(ok(store.search("moved", 10)).await.is_empty(), "search entry removed");
}

#[tokio::test]
async fn uidvalidity_reset_keeps_the_message_identity() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let m = message(1, "Message-ID: <k@x>\r\nSubject: keep me", "x");
    ok(crate::ingest::store_batch(&store, account, inbox, std::slice::from_ref(&m))).await;
    let before = ok(store.list_messages(&ListFilter { limit: 1, ..Default::default() })).await;
    ok(store.reset_folder(inbox, 42)).await;
    let mut renumbered = m.clone();
    renumbered.uid = 1000;
    ok(crate::ingest::store_batch(&store, account, inbox, &[renumbered])).await;
    assert_eq!(ok(store.delete_orphans(account, 0)).await, 0);
    let after = ok(store.list_messages(&ListFilter { limit: 5, ..Default::default() })).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, before[0].id);
    assert_eq!(after[0].uid, 1000);
}

#[tokio::test]
async fn flags_update_counts_only_real_changes() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(&store, account, inbox, &[message(1, "Subject: f", "x")])).await;
    let seen = vec!["\\Seen".to_owned()];
    assert_eq!(ok(store.update_flags(inbox, &[(1, seen.clone(), 2)], 0)).await, vec![1]);
    assert!(ok(store.update_flags(inbox, &[(1, seen, 3)], 0)).await.is_empty());
    let page = ok(store.thread_page(ThreadView::Inbox, 0, 10)).await;
    assert_eq!(page.threads[0].unread_count, 0);
}

#[tokio::test]
async fn a_flag_change_waiting_for_the_server_is_not_undone_by_older_server_flags() {
    use crate::store::actions::ActionKind;
    let (_d, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(
        &store,
        account,
        inbox,
        &[message(1, "Subject: f", "x"), message(2, "Subject: g", "y")],
    ))
    .await;
    let ids = ok(store.folder_uids(inbox, 0)).await;
    assert_eq!(ids, vec![1, 2]);
    let message = |uid: u32| {
        let store = store.clone();
        async move {
            let rows = ok(store.list_messages(&ListFilter { limit: 10, ..ListFilter::default() })).await;
            rows.into_iter().find(|m| m.uid == uid).unwrap_or_else(|| panic!("uid {uid}"))
        }
    };
    // The user flags message 1; the action waits for the server.
    ok(store.queue_action(message(1).await.id, Some(&ActionKind::Flag), None)).await;
    assert!(message(1).await.flags.iter().any(|f| f == "\\Flagged"));
    // A pass brings flags the server had before the change (none), and a
    // real change on message 2.
    let changed = ok(store.update_flags(inbox, &[(1, vec![], 5), (2, vec!["\\Seen".into()], 5)], 0)).await;
    assert_eq!(changed, vec![2], "message 1 is left alone while its change waits");
    assert!(message(1).await.flags.iter().any(|f| f == "\\Flagged"), "not reverted");
    // The server did it; an answer it gave before that is still older …
    let asked = crate::store::now();
    let pending = ok(store.pending_actions(account)).await;
    ok(store.finish_action(pending[0].id, None)).await;
    assert!(ok(store.update_flags(inbox, &[(1, vec![], 6)], asked)).await.is_empty(), "asked before it was done");
    // … and one it gave after counts again.
    assert_eq!(ok(store.update_flags(inbox, &[(1, vec![], 6)], i64::MAX)).await, vec![1]);
}

#[tokio::test]
async fn a_message_whose_move_waits_for_the_server_is_not_swept_as_an_orphan() {
    use crate::store::actions::ActionKind;
    let (_d, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(&store, account, inbox, &[message(1, "Subject: moving", "x")])).await;
    let id = ok(store.list_messages(&ListFilter { limit: 10, ..ListFilter::default() })).await[0].id;
    // Deleted here: it leaves the inbox at once, on its way to the Trash.
    let kind = ActionKind::Delete { trash: "Trash".into() };
    ok(store.queue_action(id, Some(&kind), Some(MailBox::Trash))).await;
    // A pass that ran meanwhile ends with a sweep: the message stays.
    assert_eq!(ok(store.delete_orphans(account, 0)).await, 0);
    assert_eq!(ok(store.thread_page(ThreadView::Trash, 0, 10)).await.total, 1, "shown in the trash");
    // The server moved it while a pass ran: that pass may have listed the
    // Trash before the message got there, so its sweep keeps it …
    let began = crate::store::now();
    let pending = ok(store.pending_actions(account)).await;
    ok(store.finish_action(pending[0].id, None)).await;
    assert_eq!(ok(store.delete_orphans(account, began)).await, 0);
    // … and a pass that began after the move finds it in the Trash (here:
    // it does not, so its sweep may take it).
    assert_eq!(ok(store.delete_orphans(account, i64::MAX)).await, 1);
}

#[tokio::test]
async fn search_finds_body_subject_and_participants() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(
        &store,
        account,
        inbox,
        &[
            message(1, "Subject: Pricing for Acme", "The renewal quote is attached"),
            message(2, "Subject: Lunch", "Tacos?"),
        ],
    ))
    .await;
    assert_eq!(ok(store.search("renewal", 10)).await.len(), 1);
    assert_eq!(ok(store.search("pric", 10)).await.len(), 0, "whole words");
    assert_eq!(ok(store.search("pric*", 10)).await.len(), 1, "a prefix when asked for");
    assert_eq!(ok(store.search("bob@acme.example", 10)).await.len(), 2);
    assert_eq!(ok(store.search("\"unbalanced", 10)).await.len(), 0);
    assert_eq!(ok(store.search("Acme, pricing", 10)).await.len(), 1, "words anywhere, in any order");
}

#[tokio::test]
async fn an_emptied_search_index_is_refilled_from_the_sources_where_it_stopped() {
    let (dir, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(
        &store,
        account,
        inbox,
        &[message(1, "Subject: one", "first quarterly"), message(2, "Subject: two", "second quarterly")],
    ))
    .await;
    let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM messages")
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("sql: {e}"));
    // What migration 0013 leaves, as if a refill was killed after the first message.
    execute(&store, "INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')").await;
    execute(&store, &format!("INSERT INTO meta (key, value) VALUES ('search_reindex_after', '{first}')")).await;
    assert!(ok(store.search("quarterly", 10)).await.is_empty());
    drop(store);

    let store = ok(Store::open(dir.path())).await;
    assert_eq!(ok(store.refill_pending()).await, Some(super::Refill { done: 1, total: 2 }));
    // A message stored after the store opened is indexed as it arrives,
    // and not again by the refill.
    ok(crate::ingest::store_batch(&store, account, inbox, &[message(3, "Subject: three", "third quarterly")])).await;
    while ok(store.refill_chunk()).await > 0 {}
    assert_eq!(ok(store.refill_pending()).await, None);
    let found = ok(store.search("quarterly", 10)).await;
    assert_eq!(found.len(), 2, "the message before the mark is not indexed twice over");
    assert_eq!(found[0].subject, "three");
    let found: Vec<_> = found.into_iter().filter(|m| m.subject != "three").collect();
    assert_eq!(found[0].subject, "two");
    assert_eq!(meta_value(&store, "search_reindex_after").await, None, "a finished refill leaves no mark");
}

#[tokio::test]
async fn opening_leaves_no_refill_bound_without_a_refill_and_a_stray_one_bounds_no_later_refill() {
    let (dir, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(&store, account, inbox, &[message(1, "Subject: one", "first quarterly")])).await;
    drop(store);
    let store = ok(Store::open(dir.path())).await;
    assert_eq!(meta_value(&store, "search_reindex_until").await, None, "no refill, no bound");
    // What earlier versions left on every store, then a refill asked for
    // by an upgrade: the refill covers every message stored.
    execute(&store, "INSERT INTO meta (key, value) VALUES ('search_reindex_until', '0')").await;
    drop(store);
    let store = ok(Store::open(dir.path())).await;
    assert_eq!(meta_value(&store, "search_reindex_until").await, None, "the stray bound is gone");
    ok(crate::ingest::store_batch(&store, account, inbox, &[message(2, "Subject: two", "second quarterly")])).await;
    execute(&store, "INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')").await;
    execute(&store, "INSERT INTO meta (key, value) VALUES ('search_reindex_after', '0')").await;
    drop(store);
    let store = ok(Store::open(dir.path())).await;
    assert_eq!(ok(store.refill_pending()).await, Some(super::Refill { done: 0, total: 2 }));
    while ok(store.refill_chunk()).await > 0 {}
    assert_eq!(ok(store.search("quarterly", 10)).await.len(), 2);
}

/// Runs one statement of a test's own on the store.
async fn execute(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A value the store keeps in its `meta` table.
async fn meta_value(store: &Store, key: &str) -> Option<String> {
    sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(store.pool())
        .await
        .unwrap_or_else(|e| panic!("meta: {e}"))
}

#[tokio::test]
async fn reopening_keeps_the_store_id() {
    let (dir, store, ..) = store_with_folders().await;
    let id = store.id().to_owned();
    drop(store);
    let again = Store::open(dir.path()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.id(), id);
}

/// Ids of the stored messages by Message-ID.
async fn ids_by_message_id(store: &Store) -> std::collections::HashMap<String, MessageId> {
    ok(store.list_messages(&ListFilter { limit: 100, ..Default::default() }))
        .await
        .into_iter()
        .filter_map(|r| r.message_id.map(|mid| (mid, r.id)))
        .collect()
}

/// (total, message counts) of a view.
async fn view_of(store: &Store, view: ThreadView) -> (u32, Vec<u32>) {
    let page = ok(store.thread_page(view, 0, 10)).await;
    (page.total, page.threads.iter().map(|t| t.message_count).collect())
}

#[tokio::test]
async fn a_conversation_is_shown_where_its_least_archived_message_is() {
    let (_d, store, account, inbox, archive) = store_with_folders().await;
    let trash = ok(store.folders(account)).await.iter().find(|f| f.name == "Trash").map(|f| f.id).unwrap_or(-1);
    let p = message(1, "Message-ID: <p@x>\r\nSubject: Offer", "parent");
    let r = message(2, "Message-ID: <r@x>\r\nIn-Reply-To: <p@x>\r\nSubject: Re: Offer", "reply");
    let o = message(3, "Message-ID: <o@x>\r\nSubject: Other", "other");
    ok(crate::ingest::store_batch(&store, account, inbox, &[p.clone(), r, o.clone()])).await;
    let id = ids_by_message_id(&store).await;
    assert_eq!(view_of(&store, ThreadView::Inbox).await, (2, vec![1, 2]));

    // Deleted here only ("do nothing in the mail account"): the reply
    // leaves the conversation; the server still has it in the inbox.
    ok(store.queue_action(id["r@x"], None, Some(MailBox::Trash))).await;
    assert_eq!(view_of(&store, ThreadView::Inbox).await, (2, vec![1, 1]));
    let conversation = ok(store.thread_messages(ok(store.message_summary(id["p@x"])).await.thread_id)).await;
    assert_eq!(conversation.len(), 1);

    // Archiving the rest moves the conversation to the archive view.
    ok(store.queue_action(id["p@x"], None, Some(MailBox::Archive))).await;
    assert_eq!(view_of(&store, ThreadView::Inbox).await, (1, vec![1]));
    assert_eq!(view_of(&store, ThreadView::Archive).await, (1, vec![1]));

    // The server catches up (another client archived it too): the user's
    // choice is no longer needed, and later server moves show again.
    let mut archived = p.clone();
    archived.uid = 7;
    ok(crate::ingest::store_batch(&store, account, archive, &[archived])).await;
    ok(store.remove_locations(inbox, &[1])).await;
    let user_box: Option<i64> = sqlx::query_scalar("SELECT user_box FROM messages WHERE id = ?")
        .bind(id["p@x"])
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(user_box, None);
    assert_eq!(view_of(&store, ThreadView::Archive).await, (1, vec![1]));

    // Restored here: back in the inbox although the server archived it.
    ok(store.queue_action(id["p@x"], None, Some(MailBox::Inbox))).await;
    assert_eq!(view_of(&store, ThreadView::Inbox).await, (2, vec![1, 1]));
    assert_eq!(view_of(&store, ThreadView::Archive).await, (0, vec![]));

    // Moved to the trash on the server: the trash view, with its message.
    let mut trashed = o.clone();
    trashed.uid = 9;
    ok(crate::ingest::store_batch(&store, account, trash, &[trashed])).await;
    ok(store.remove_locations(inbox, &[3])).await;
    assert_eq!(view_of(&store, ThreadView::Trash).await, (1, vec![1]));
    assert_eq!(view_of(&store, ThreadView::Inbox).await, (1, vec![1]));

    // A new message in the inbox joining an archived conversation brings
    // it back to the inbox.
    let mut late = message(4, "Message-ID: <l@x>\r\nReferences: <o@x>\r\nSubject: Re: Other", "late");
    late.uid = 4;
    ok(crate::ingest::store_batch(&store, account, inbox, &[late])).await;
    assert_eq!(view_of(&store, ThreadView::Trash).await, (0, vec![]));
    assert_eq!(view_of(&store, ThreadView::Inbox).await, (2, vec![1, 1]), "the deleted one stays hidden");

    // Gone from every folder: in no view.
    ok(store.remove_locations(inbox, &[2, 4])).await;
    ok(store.remove_locations(trash, &[9])).await;
    assert_eq!(view_of(&store, ThreadView::Inbox).await, (1, vec![1]));
}

#[test]
fn multi_row_statements_come_in_few_shapes_and_cover_every_row_once() {
    let mut shapes = std::collections::BTreeSet::new();
    for n in 0..2_000_usize {
        let rows: Vec<usize> = (0..n).collect();
        let mut seen = Vec::new();
        for chunk in statement_chunks(&rows, 16) {
            assert!(chunk.len().is_power_of_two() && chunk.len() <= STATEMENT_ROWS);
            shapes.insert(chunk.len());
            seen.extend_from_slice(chunk);
        }
        assert_eq!(seen, rows, "{n} rows");
    }
    assert_eq!(shapes.len(), 9, "1, 2, 4 … 256 rows");
    // Wide rows stay under SQLite's variable limit.
    let wide = vec![0_u8; 1_000];
    assert!(statement_chunks(&wide, 200).all(|c| c.len() * 200 <= 32_766));
}

#[test]
fn blob_statements_stay_under_their_bytes_and_cover_every_row_once() {
    // Sizes from 1 byte to twice the bound, in a varied order.
    let sizes: Vec<usize> = (0..3_000_usize).map(|i| (i * 7_919) % (2 * STATEMENT_BYTES) + 1).collect();
    let mut seen = 0;
    for chunk in statement_chunks_by_bytes(&sizes, 3, STATEMENT_BYTES, |s| *s) {
        assert!(chunk.len().is_power_of_two() && chunk.len() <= STATEMENT_ROWS);
        let bytes: usize = chunk.iter().sum();
        assert!(chunk.len() == 1 || bytes <= STATEMENT_BYTES, "{} rows of {bytes} bytes", chunk.len());
        assert_eq!(chunk, &sizes[seen..seen + chunk.len()]);
        seen += chunk.len();
    }
    assert_eq!(seen, sizes.len());
    // Small rows still fill whole statements.
    let small = vec![4_096_usize; 1_000];
    assert_eq!(statement_chunks_by_bytes(&small, 3, STATEMENT_BYTES, |s| *s).next().map(<[_]>::len), Some(128));
}

#[tokio::test]
async fn flags_of_a_whole_folder_are_compared_in_chunks() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let batch: Vec<PreparedMessage> = (1..=300).map(|uid| message(uid, &format!("Subject: m{uid}"), "x")).collect();
    ok(crate::ingest::store_batch(&store, account, inbox, &batch)).await;
    let flagged = vec!["\\Flagged".to_owned(), "\\Seen".to_owned()];
    // Every third message flagged on the server, the rest as they were;
    // UID 999 is not here and is not reported.
    let changes: Vec<(u32, Vec<String>, u64)> =
        (1..=300).chain([999]).map(|uid| (uid, if uid % 3 == 0 { flagged.clone() } else { Vec::new() }, 7)).collect();
    let changed = ok(store.update_flags(inbox, &changes, 0)).await;
    assert_eq!(changed, (1..=300).filter(|u| u % 3 == 0).collect::<Vec<u32>>());
    assert!(ok(store.update_flags(inbox, &changes, 0)).await.is_empty(), "nothing left to change");
    let page = ok(store.thread_page(ThreadView::Inbox, 0, 300)).await;
    assert_eq!(page.threads.iter().filter(|t| t.unread_count == 0).count(), 100);
}

#[tokio::test]
async fn an_outgoing_message_is_kept_in_pieces_until_its_sent_copy_is_saved() {
    use crate::store::outbox::{OutgoingMessage, OutgoingPart};
    let (_dir, store, account, _, _) = store_with_folders().await;
    // Two and a half pieces, and a Sent copy of its own (a Bcc) for the second.
    let wire: Vec<u8> = (0..2_500_000u32).map(|i| (i % 251) as u8).collect();
    let message = |id: &str, copy: Option<Vec<u8>>| OutgoingMessage {
        account_id: account,
        message_id: id.into(),
        envelope_from: "alice@example.com".into(),
        recipients: vec!["bob@example.com".into()],
        wire: wire.clone(),
        sent_copy: copy,
        send_at: None,
        draft: None,
    };
    let plain = store.queue_outgoing(&message("a@x", None)).await.unwrap_or_else(|e| panic!("{e}"));
    let bcc = store
        .queue_outgoing(&message("b@x", Some(b"Bcc: boss@x\r\n".to_vec())))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let bytes = |id, part| {
        let store = store.clone();
        async move { store.outgoing_bytes(id, part).await.unwrap_or_else(|e| panic!("{e}")).concat() }
    };
    assert_eq!(bytes(plain, OutgoingPart::Wire).await, wire, "read back whole, in order");
    assert_eq!(bytes(plain, OutgoingPart::SentCopy).await, wire, "no copy of its own: the wire message");
    assert_eq!(bytes(bcc, OutgoingPart::SentCopy).await, b"Bcc: boss@x\r\n");
    assert_eq!(ok(store.outgoing_joined(plain, OutgoingPart::SentCopy)).await, wire, "joined a piece at a time");
    let pieces = |id: i64| {
        let store = store.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox_pieces WHERE outbox_id = ?")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    assert_eq!(pieces(plain).await, 3);
    ok(store.mark_outgoing_sent(plain)).await;
    ok(store.mark_outgoing_saved(plain)).await;
    assert_eq!(pieces(plain).await, 0, "saved in Sent: the outbox lets go of the bytes");
    // Cancelled before its time: the row and its pieces go together.
    assert!(store.cancel_outgoing("b@x").await.unwrap_or_else(|e| panic!("{e}")).is_some());
    assert_eq!(pieces(bcc).await, 0);
}

#[tokio::test]
async fn a_senders_remote_content_is_loaded_always_once_chosen_and_no_longer_when_stopped() {
    let (_d, store, _, _, _) = store_with_folders().await;
    assert!(!ok(store.remote_content_sender("news@shop.example")).await);
    ok(store.set_remote_content_sender(" News@Shop.EXAMPLE ", true)).await;
    ok(store.set_remote_content_sender("news@shop.example", true)).await;
    assert!(ok(store.remote_content_sender("news@shop.example")).await, "by its normalized address");
    assert!(!ok(store.remote_content_sender("other@shop.example")).await, "that sender only");
    ok(store.set_remote_content_sender("news@shop.example", false)).await;
    assert!(!ok(store.remote_content_sender("NEWS@shop.example")).await);
}

/// The correspondents table as (address, name, uses), by address.
async fn correspondents(store: &Store) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT address, name, uses FROM correspondents ORDER BY address")
        .fetch_all(store.pool())
        .await
        .unwrap_or_else(|e| panic!("correspondents: {e}"))
}

#[tokio::test]
async fn correspondents_count_what_the_mail_names_as_it_comes_goes_and_is_renormalized() {
    let (dir, store, account, inbox, archive) = store_with_folders().await;
    let first = prepared(
        1,
        "From: Bob Stone <bob@acme.example>\r\nTo: alice@example.com\r\nMessage-ID: <c1@x>\r\nSubject: one\r\n\r\nx\r\n"
            .into(),
    );
    let second = prepared(
        2,
        "From: bob@acme.example\r\nTo: alice@example.com, Carol <carol@globex.example>\r\nMessage-ID: <c2@x>\r\n\
         Subject: two\r\n\r\nx\r\n"
            .into(),
    );
    ok(crate::ingest::store_batch(&store, account, inbox, &[first, second.clone()])).await;
    // The same message in a second folder names nobody twice.
    let mut copy = second.clone();
    copy.uid = 7;
    ok(crate::ingest::store_batch(&store, account, archive, &[copy])).await;
    assert!(correspondents(&store).await.is_empty(), "a sync counts in large steps");
    assert!(ok(store.complete_addresses("zzz", 8)).await.is_empty(), "a completion counts what waits first");
    let named = |rows: &[(&str, &str, i64)]| -> Vec<(String, String, i64)> {
        rows.iter().map(|(a, n, u)| ((*a).to_owned(), (*n).to_owned(), *u)).collect()
    };
    let all = named(&[
        ("alice@example.com", "", 2),
        ("bob@acme.example", "Bob Stone", 2),
        ("carol@globex.example", "Carol", 1),
    ]);
    assert_eq!(correspondents(&store).await, all, "a bare address keeps the name given before");
    let offered = ok(store.complete_addresses("stone", 8)).await;
    assert_eq!((offered[0].address.as_str(), offered[0].uses), ("bob@acme.example", 2));

    // The second message leaves for good: Carol with it.
    assert_eq!(ok(store.remove_locations(inbox, &[2])).await, 1);
    assert_eq!(ok(store.remove_locations(archive, &[7])).await, 1);
    assert_eq!(ok(store.delete_orphans(account, 0)).await, 1);
    let left = named(&[("alice@example.com", "", 1), ("bob@acme.example", "Bob Stone", 1)]);
    assert_eq!(correspondents(&store).await, left);
    assert!(ok(store.complete_addresses("carol", 8)).await.is_empty());

    // A message that goes before it was counted takes nothing away.
    let third = prepared(
        3,
        "From: Dan <dan@initech.example>\r\nTo: alice@example.com\r\nMessage-ID: <c3@x>\r\nSubject: three\r\n\r\nx\r\n"
            .into(),
    );
    ok(crate::ingest::store_batch(&store, account, inbox, &[third])).await;
    assert_eq!(ok(store.remove_locations(inbox, &[3])).await, 1);
    assert_eq!(ok(store.delete_orphans(account, 0)).await, 1);
    assert!(ok(store.complete_addresses("dan", 8)).await.is_empty());
    assert_eq!(correspondents(&store).await, left);

    // An address renormalized in place moves its count.
    execute(&store, "UPDATE message_addresses SET address = 'robert@acme.example' WHERE address = 'bob@acme.example'")
        .await;
    let moved = named(&[("alice@example.com", "", 1), ("robert@acme.example", "Bob Stone", 1)]);
    assert_eq!(correspondents(&store).await, moved);

    // A store from before the table gets it filled from the mail it holds.
    for sql in [
        "DROP TRIGGER correspondents_unnamed",
        "DROP TRIGGER correspondents_renamed",
        "DROP TABLE correspondents",
        "DELETE FROM _sqlx_migrations WHERE version = 37",
    ] {
        execute(&store, sql).await;
    }
    store.close().await;
    let store = ok(Store::open(dir.path())).await;
    assert_eq!(correspondents(&store).await, moved);
}

/// A transaction on the writer dropped while it begins (a sync cancelled,
/// a task aborted) leaves nothing open there: the next write is committed,
/// whatever point of the BEGIN the drop came at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_after_a_transaction_dropped_while_it_began_is_committed() {
    let (_dir, store, account, _, _) = store_with_folders().await;
    for round in 0..400u64 {
        let state = if round % 2 == 0 { crate::model::SyncState::Ok } else { crate::model::SyncState::New };
        // Polled a few times, the SQLite worker thread given some time
        // between, then dropped: at every stage of the BEGIN in turn.
        {
            let begin = store.begin_batch_write();
            tokio::pin!(begin);
            for _ in 0..(1 + round % 6) {
                if futures::poll!(begin.as_mut()).is_ready() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(round / 6 % 60 * 5));
            }
        }
        store.put_back_account_state(account, state, None).await.unwrap_or_else(|e| panic!("write: {e}"));
        let seen = store.account(account).await.unwrap_or_else(|e| panic!("read: {e}")).sync_state;
        assert_eq!(seen, state, "round {round}: the write went into a transaction left open");
    }
}
