//! Bad input and broken connections, against the real Dovecot: after each
//! fault the store holds exactly what the server holds, nothing lost and
//! nothing twice.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use threadline_engine::ids::MessageId;
use threadline_engine::model::SyncState;
use threadline_engine::secrets::MemorySecrets;
use threadline_engine::{Engine, ErrorKind, ListFilter, Store};
use threadline_testkit::outage::Outage;
use threadline_testkit::{corpus, private_servers, repo_root, servers};

fn all() -> ListFilter {
    ListFilter { limit: 1_000_000, ..ListFilter::default() }
}

/// Every listed message id, checked to be unique.
async fn unique_ids(engine: &Engine) -> HashSet<MessageId> {
    let rows = engine.mail().list_messages(&all()).await.expect("list");
    let ids: HashSet<MessageId> = rows.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), rows.len(), "no message twice");
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_in_the_middle_of_a_fetch_resumes_without_gaps_or_duplicates() {
    let s = servers();
    let user = s.new_user("cut");
    let raws: Vec<Vec<u8>> = corpus::generate(3000, 21, &user.email).into_iter().map(|m| m.raw).collect();
    s.deliver_to_maildir(&user, &raws).await;
    let outage = Outage::start(s.imaps_port).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("engine");
    let mut form = s.account_form(&user);
    form.imap_port = outage.port;
    let account = engine.accounts().add(form, true).await.expect("add account");
    let store = Store::open(dir.path()).await.expect("second handle on the store");

    // Cut the line as soon as the first batch is committed.
    let (result, cut_at) = tokio::join!(engine.sync_account(account), async {
        loop {
            let n = store.location_count().await.expect("count");
            if n > 0 {
                outage.set_up(false);
                return n;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    let err = result.expect_err("the cut ends the pass");
    assert_ne!(err.kind(), ErrorKind::Auth);
    assert!(cut_at < 3000, "cut part-way ({cut_at} stored)");
    assert_eq!(engine.accounts().list().await.expect("accounts")[0].sync_state, SyncState::Error);
    let stored = store.location_count().await.expect("count");

    outage.set_up(true);
    let report = engine.sync_account(account).await.expect("resumes");
    assert_eq!(u64::from(report.new), 3000 - stored, "fetches only what was missing");
    assert_eq!(unique_ids(&engine).await.len(), 3000);
    assert_eq!(engine.accounts().list().await.expect("accounts")[0].sync_state, SyncState::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imap_server_restarted_during_sync_is_caught_up_with_later() {
    // A Dovecot of its own: restarting the shared one would cut other tests.
    let s = private_servers(&repo_root().join("tests/servers/.run-restart"));
    let user = s.new_user("restart");
    // 16 KiB each, so that the server is still sending when it goes down
    // (a stopping Dovecot first flushes what it already wrote).
    let filler = format!("\r\n{}", format!("{}\r\n", "x".repeat(78)).repeat(200));
    let raws: Vec<Vec<u8>> = corpus::generate(3000, 22, &user.email)
        .into_iter()
        .map(|m| [m.raw, filler.clone().into_bytes()].concat())
        .collect();
    s.deliver_to_maildir(&user, &raws).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("engine");
    let account = engine.accounts().add(s.account_form(&user), true).await.expect("add account");
    let store = Store::open(dir.path()).await.expect("second handle on the store");

    let (result, restarted_at) = tokio::join!(engine.sync_account(account), async {
        loop {
            let n = store.location_count().await.expect("count");
            if n > 0 {
                let s = s.clone();
                tokio::task::spawn_blocking(move || s.restart_imap()).await.expect("restart");
                return n;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    let stored = store.location_count().await.expect("count");
    match result {
        // The restart cut the pass: told as a connection problem.
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Offline, "{e}");
            assert!(stored < 3000, "cut part-way ({restarted_at} stored at the restart)");
        }
        Ok(_) => panic!("the pass survived a server restart ({stored} stored)"),
    }
    let report = engine.sync_account(account).await.expect("catches up after the restart");
    assert_eq!(u64::from(report.new), 3000 - stored, "fetches only what was missing");
    assert_eq!(unique_ids(&engine).await.len(), 3000);
    let again = engine.sync_account(account).await.expect("no-change pass");
    assert_eq!((again.new, again.changed, again.vanished), (0, 0, 0));
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_hostile_messages_are_all_kept_and_each_can_be_opened() {
    let s = servers();
    let user = s.new_user("hostile");
    let hostile = corpus::hostile(1000, 3);
    s.deliver_to_maildir(&user, &hostile).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("engine");
    let account = engine.accounts().add(s.account_form(&user), true).await.expect("add account");

    let report = engine.sync_account(account).await.expect("sync");
    assert_eq!(report.new, 1000);
    let ids = unique_ids(&engine).await;
    assert_eq!(ids.len(), 1000, "every hostile message kept");
    for id in &ids {
        // Opening each one (sanitizing, decoding) gives a view, not a panic.
        engine.mail().message_view(*id, false).await.unwrap_or_else(|e| panic!("message {id}: {e}"));
    }
    // Plain text inside broken structure is still found.
    for i in [0usize, 5, 6, 9] {
        let hits = engine.mail().search(&format!("hostile3x{i}q"), 5).await.expect("search").messages;
        assert_eq!(hits.len(), 1, "the marker of hostile message {i} is searchable");
    }
    let again = engine.sync_account(account).await.expect("second pass");
    assert_eq!((again.new, again.changed, again.vanished), (0, 0, 0));
}
