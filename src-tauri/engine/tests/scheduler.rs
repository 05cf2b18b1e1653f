//! The scheduler against the real Dovecot of tests/servers: user actions
//! and Send do not wait for a running pass, and a pass does not undo what
//! the user did meanwhile.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::sync::Arc;
use std::time::{Duration, Instant};

use threadline_engine::ids::{AccountId, MessageId};
use threadline_engine::model::{Draft, EngineEvent, NewAccount, SendState, SyncState};
use threadline_engine::secrets::MemorySecrets;
use threadline_engine::{Engine, ListFilter, UserAction, WatchOptions};
use threadline_testkit::outage::Outage;
use threadline_testkit::{MailServers, TestUser, corpus, servers};

fn all(limit: u32) -> ListFilter {
    ListFilter { limit, ..ListFilter::default() }
}

/// A user whose inbox holds `n` generated messages, put there the fast way.
async fn user_with_inbox(s: &MailServers, prefix: &str, n: usize) -> TestUser {
    let user = s.new_user(prefix);
    let probe = s.new_user("probe");
    for start in (0..n).step_by(5_000) {
        let chunk = corpus::generate((n - start).min(5_000), 900 + start as u64, &probe.email);
        s.deliver_to_maildir(&user, &chunk.into_iter().map(|m| m.raw).collect::<Vec<_>>()).await;
    }
    user
}

async fn engine_for(user: &TestUser) -> (tempfile::TempDir, Arc<Engine>, AccountId) {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Arc::new(Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("open engine"));
    let account = engine.accounts().add(servers().account_form(user), true).await.expect("add account");
    (dir, engine, account)
}

async fn flagged_here(engine: &Engine, id: MessageId) -> bool {
    engine.mail().message_summary(id).await.expect("summary").flags.iter().any(|f| f == "\\Flagged")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_set_while_a_pass_fetches_older_flags_is_not_reverted() {
    let s = servers();
    let user = user_with_inbox(s, "flagrace", 5_000).await;
    // The account reaches Dovecot over a link the test can slow down.
    let link = Outage::start(s.imaps_port).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Arc::new(Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("open engine"));
    let form = NewAccount { imap_port: link.port, ..s.account_form(&user) };
    let account = engine.accounts().add(form, true).await.expect("add account");
    engine.sync_account(account).await.expect("first pass");
    let mut rows = engine.mail().list_messages(&all(5_000)).await.expect("list");
    assert_eq!(rows.len(), 5_000);
    // Oldest first: the lowest UIDs, whose flags the server sends first.
    rows.reverse();

    // Every round, every message's \Seen changes on the server, so that a
    // pass fetches and stores the flags of the whole folder, which takes
    // about a second over the slow link (a quarter of a megabyte). Halfway
    // through, the user flags one of the first messages the server
    // answered for: here, and on the server (replayed at once, on a
    // connection of its own). The pass's answer for it is older than the
    // flag; the pass must not take the flag away.
    for (round, delay_ms) in [400u64, 600, 800].into_iter().enumerate() {
        let change = if round % 2 == 0 { "+FLAGS.SILENT (\\Seen)" } else { "-FLAGS.SILENT (\\Seen)" };
        s.uid_store(&user, "INBOX", "1:*", change).await;
        let target = rows[round].id;
        link.set_rate(Some(250_000));
        let pass = {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move { engine.sync_account(account).await })
        };
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        engine.mail().act_now(&[target], UserAction::Flag).await.expect("flag");
        let flagged_at = Instant::now();
        let report = pass.await.expect("joined").expect("pass");
        let pass_went_on = flagged_at.elapsed();
        link.set_rate(None);
        assert!(flagged_here(&engine, target).await, "round {round} ({delay_ms} ms): the flag was reverted");
        eprintln!(
            "round {round}: flag set {delay_ms} ms into a pass that changed {} flags and ended {pass_went_on:?} later",
            report.changed
        );
        // The next pass, with nothing queued, agrees with the server.
        engine.sync_account(account).await.expect("next pass");
        assert!(flagged_here(&engine, target).await, "round {round}: the server has the flag");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_reaches_the_server_while_the_initial_sync_still_runs() {
    let s = servers();
    let user = user_with_inbox(s, "busy", 20_000).await;
    let (_dir, engine, account) = engine_for(&user).await;
    let mut events = engine.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let watcher = {
        let engine = Arc::clone(&engine);
        // Passes every few seconds, so the archived message is found in the
        // archive soon after the initial sync.
        let options = WatchOptions { poll_interval: Some(Duration::from_secs(3)), ..WatchOptions::default() };
        tokio::spawn(async move { engine.watch_account(account, &options, stopped).await })
    };

    // The first messages are stored while thousands are still to come.
    let first = loop {
        match tokio::time::timeout(Duration::from_secs(60), events.recv()).await {
            Ok(Ok(EngineEvent::MessagesAdded { ids, .. })) if !ids.is_empty() => break ids[0],
            Ok(Ok(_)) => {}
            other => panic!("no message stored: {other:?}"),
        }
    };
    let asked = Instant::now();
    let outcome = engine.mail().act(&[first], UserAction::Archive).await.expect("archive");
    let returned = asked.elapsed();
    assert_eq!(outcome.queued, 1);
    // Its worker archives it on the server on a connection of its own,
    // without waiting for the pass.
    while s.count(&user, "Archive").await == 0 {
        assert!(asked.elapsed() < Duration::from_secs(30), "the archive did not reach the server");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let on_server = asked.elapsed();
    let state = engine.accounts().get(account).await.expect("account").sync_state;
    let stored = engine.mail().list_messages(&all(20_000)).await.expect("list").len();
    eprintln!(
        "archive: act returned in {returned:?}, on the server after {on_server:?}, {stored} of 20000 stored then"
    );
    assert_eq!(state, SyncState::Syncing, "the initial sync was still running");

    // Send returns at once too; the sender reports the hand-over.
    let bob = s.new_user("bob");
    let draft = Draft {
        account_id: account,
        to: bob.email.clone(),
        subject: "Sent while syncing".into(),
        body: "Hello".into(),
        ..Draft::default()
    };
    let asked = Instant::now();
    let outcome = engine.mail().send(&draft).await.expect("send");
    let returned = asked.elapsed();
    assert_eq!(outcome.state, SendState::Queued);
    let sent = loop {
        match tokio::time::timeout(Duration::from_secs(30), events.recv()).await {
            Ok(Ok(EngineEvent::MessageSent { message_id, subject, .. })) => break (message_id, subject),
            Ok(Ok(EngineEvent::SendFailed { reason, .. })) => panic!("not sent: {reason}"),
            Ok(_) => {}
            Err(_) => panic!("no word from the sender"),
        }
    };
    assert_eq!(sent, (outcome.message_id.clone(), "Sent while syncing".to_owned()));
    eprintln!("send: returned in {returned:?}, handed over after {:?}", asked.elapsed());
    s.wait_for_count(&bob, "INBOX", 1).await;
    // Its copy is saved in Sent and synced from there.
    let saved = Instant::now();
    while !engine.mail().list_messages(&all(30_000)).await.expect("list").iter().any(|r| r.folder == "Sent") {
        assert!(saved.elapsed() < Duration::from_secs(30), "the Sent copy was not synced");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The initial sync completes with everything but the archived message
    // in the inbox, and it in the archive: nothing fetched twice.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let account_state = engine.accounts().get(account).await.expect("account");
        let rows = engine.mail().list_messages(&all(30_000)).await.expect("list");
        let inbox = rows.iter().filter(|r| r.folder == "Inbox").count();
        let archived: Vec<_> = rows.iter().filter(|r| r.folder == "Archive").collect();
        if account_state.sync_state == SyncState::Ok && inbox == 19_999 && archived.len() == 1 {
            assert_eq!(archived[0].id, first, "the archived message kept its id");
            break;
        }
        assert!(Instant::now() < deadline, "inbox {inbox}, archive {}", archived.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(30), watcher).await.expect("stops").expect("joined").expect("no error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_sent_through_the_sender_joins_its_conversation_from_sent() {
    let s = servers();
    let user = user_with_inbox(s, "replier", 20).await;
    let (_dir, engine, account) = engine_for(&user).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let watcher = {
        let engine = Arc::clone(&engine);
        // No pass comes by itself during the test: the copy must come from
        // the sender's own sync of Sent.
        let options = WatchOptions { poll_interval: Some(Duration::from_secs(600)), ..WatchOptions::default() };
        tokio::spawn(async move { engine.watch_account(account, &options, stopped).await })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while engine.accounts().get(account).await.expect("account").sync_state != SyncState::Ok {
        assert!(Instant::now() < deadline, "the first pass ends");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let parent = engine.mail().list_messages(&all(100)).await.expect("list")[0].clone();
    let draft = Draft {
        account_id: account,
        to: "bob@acme.example".into(),
        subject: format!("Re: {}", parent.subject),
        body: "Thanks.".into(),
        in_reply_to: Some(parent.id),
        ..Draft::default()
    };
    engine.mail().send(&draft).await.expect("send");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let thread = engine.mail().thread_messages(parent.thread_id).await.expect("thread");
        if thread.iter().any(|m| m.folder == "Sent") {
            break;
        }
        assert!(Instant::now() < deadline, "the reply did not join its conversation: {thread:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(30), watcher).await.expect("stops").expect("joined").expect("no error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_arrives_in_chunks_newest_first_and_other_folders_do_not_wait_for_it() {
    let s = servers();
    let user = user_with_inbox(s, "chunks", 300).await;
    let archived: Vec<Vec<u8>> = corpus::generate(30, 4_242, &user.email).into_iter().map(|m| m.raw).collect();
    s.append(&user, "Archive", &archived).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Arc::new(Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("open engine"));
    // Added without its first pass: the workers do all of the fetching.
    let account = engine.accounts().add(s.account_form(&user), false).await.expect("add account");
    let mut events = engine.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let watcher = {
        let engine = Arc::clone(&engine);
        let options = WatchOptions {
            poll_interval: Some(Duration::from_secs(600)),
            newest_chunk: 20,
            history_chunk: 100,
            ..WatchOptions::default()
        };
        tokio::spawn(async move { engine.watch_account(account, &options, stopped).await })
    };

    // Each commit's new messages, by folder, in the order they came.
    let mut added: Vec<(String, Vec<MessageId>)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while added.iter().map(|(_, ids)| ids.len()).sum::<usize>() < 330 {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(EngineEvent::MessagesAdded { folder, ids, .. })) => added.push((folder, ids)),
            Ok(_) => {}
            Err(_) => panic!("not everything arrived: {added:?}"),
        }
    }
    stop.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(30), watcher).await.expect("stops").expect("joined").expect("no error");

    let rows = engine.mail().list_messages(&all(1_000)).await.expect("list");
    assert_eq!(rows.len(), 330, "every message once");
    let uid_of = |id: MessageId| rows.iter().find(|r| r.id == id).map(|r| r.uid).expect("stored");
    let inbox: Vec<usize> =
        added.iter().enumerate().filter(|(_, (folder, _))| folder == "Inbox").map(|(i, _)| i).collect();
    let first_archive = added.iter().position(|(folder, _)| folder == "Archive").expect("archive arrived");
    // The newest mail first: the first commit to the inbox holds its
    // newest message.
    let newest =
        rows.iter().filter(|r| matches!(r.folder.as_str(), "INBOX" | "Inbox")).map(|r| r.uid).max().expect("inbox");
    assert!(added[inbox[0]].1.iter().any(|id| uid_of(*id) == newest), "the newest message came first");
    // The folders are synced inbox first, so without chunks the archive
    // would wait for the inbox's whole history.
    let folders = engine.accounts().statuses().await.expect("statuses")[0].folders.clone();
    let position = |name: &str| folders.iter().position(|f| f.name.eq_ignore_ascii_case(name)).expect("folder");
    assert!(position("Inbox") < position("Archive"), "{folders:?}");
    assert!(
        first_archive < *inbox.last().expect("inbox commits"),
        "the archive's mail came before the inbox's history was complete: {:?}",
        added.iter().map(|(f, ids)| (f.as_str(), ids.len())).collect::<Vec<_>>()
    );
}

/// The `MailArrived` events a pass sends, waited for a moment.
async fn arrivals_of(engine: &Engine, account: AccountId) -> Vec<MessageId> {
    let mut events = engine.subscribe();
    engine.sync_account(account).await.expect("pass");
    let mut ids = Vec::new();
    while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_millis(200), events.recv()).await {
        if let EngineEvent::MailArrived { ids: arrived, .. } = event {
            ids.extend(arrived);
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_mail_is_told_of_only_after_the_initial_sync_unread_in_the_inbox_and_while_the_account_wants_it() {
    let s = servers();
    let user = user_with_inbox(s, "notify", 30).await;
    let (_dir, engine, account) = engine_for(&user).await;
    let mail = |id: &str, subject: &str| {
        format!(
            "From: Ann Buyer <ann@buyer.example>\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <{id}@buyer.example>\r\n\
             Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n\r\nHello.\r\n",
            user.email
        )
        .into_bytes()
    };

    // The initial sync brings 30 messages and tells of none.
    assert_eq!(arrivals_of(&engine, account).await, Vec::<MessageId>::new(), "the initial sync is history");

    // Two arrive in the inbox, one already read elsewhere, one in another
    // folder: the unread inbox one is told of.
    s.append(&user, "INBOX", &[mail("new-1", "Order confirmed")]).await;
    s.append(&user, "INBOX", &[mail("read-1", "Read on the phone")]).await;
    s.uid_store(&user, "INBOX", "32", "+FLAGS.SILENT (\\Seen)").await;
    s.append(&user, "Archive", &[mail("archived-1", "Filed by a rule")]).await;
    let told = arrivals_of(&engine, account).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(engine.mail().message_summary(told[0]).await.expect("summary").subject, "Order confirmed");
    assert_eq!(arrivals_of(&engine, account).await, Vec::<MessageId>::new(), "told once");

    // Switched off for the account: new mail is stored, not told of.
    engine.accounts().set_notify_new_mail(account, false).await.expect("off");
    assert!(!engine.accounts().get(account).await.expect("account").notify_new_mail);
    s.append(&user, "INBOX", &[mail("new-2", "Quiet one")]).await;
    assert_eq!(arrivals_of(&engine, account).await, Vec::<MessageId>::new());
    engine.accounts().set_notify_new_mail(account, true).await.expect("on");
    s.append(&user, "INBOX", &[mail("new-3", "Loud one"), mail("new-4", "Louder one")]).await;
    let told = arrivals_of(&engine, account).await;
    let subjects: Vec<String> = {
        let mut subjects = Vec::new();
        for id in &told {
            subjects.push(engine.mail().message_summary(*id).await.expect("summary").subject);
        }
        subjects
    };
    assert_eq!(subjects, ["Louder one", "Loud one"], "newest first");
}
