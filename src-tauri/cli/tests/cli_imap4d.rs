//! The CLI against GNU Mailutils imap4d, a server without MOVE, UIDPLUS or
//! SPECIAL-USE whose folders live under `INBOX.`: moves queued offline and
//! a replay killed part-way still move every message exactly once.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;

use serde_json::Value;
use threadline_testkit::outage::Outage;
use threadline_testkit::servers;

mod common;
use common::{add_account_via, cli, kill_sync_once_when, ok_json};

/// Message ids listed in a folder (by its shown name).
fn ids_in(data_dir: &Path, folder: &str) -> Vec<i64> {
    let v = ok_json(cli(data_dir, &["list", "--folder", folder, "--limit", "100000", "--json"]));
    v.as_array().expect("array").iter().map(|r| r["id"].as_i64().expect("id")).collect()
}

#[test]
fn without_move_a_killed_replay_still_moves_each_message_exactly_once() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let user = rt.block_on(s.new_imap4d_user("cli4d", &["INBOX.Trash", "INBOX.Archive", "INBOX.Sent"]));
    let raws: Vec<Vec<u8>> = (0..150)
        .map(|n| {
            format!(
                "From: Bob <bob@acme.example>\r\nTo: {}\r\nSubject: Offer {n}\r\nMessage-ID: <cli4d-{n}@acme.example>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nAbout offer {n}.\r\n",
                user.email
            )
            .into_bytes()
        })
        .collect();
    rt.block_on(s.append(&user, "INBOX", &raws));
    let outage = rt.block_on(Outage::start(s.imap4d_port));
    let dir = tempfile::tempdir().expect("tempdir");
    let account = add_account_via(dir.path(), &user, outage.port);
    ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    let inbox = ids_in(dir.path(), "Inbox");
    assert_eq!(inbox.len(), 150);

    // The roles were found by name under the namespace; one can be set.
    let folders = ok_json(cli(dir.path(), &["account", "folders", &account.to_string(), "--json"]));
    let role_of = |name: &str| {
        folders["folders"].as_array().expect("folders").iter().find(|f| f["name"] == name).map(|f| f["role"].clone())
    };
    assert_eq!(role_of("Archive"), Some(Value::from("archive")), "{folders}");
    let chosen =
        ok_json(cli(dir.path(), &["account", "folder-role", &account.to_string(), "drafts", "Sent", "--json"]));
    assert_eq!(chosen["folder"], "Sent", "{chosen}");
    let refused = cli(dir.path(), &["account", "folder-role", &account.to_string(), "inbox", "Sent"]);
    assert!(!refused.status.success(), "only trash, sent, drafts and archive can be chosen");

    // Offline: archived here at once, waiting for the server.
    outage.set_up(false);
    let mut args = vec!["archive".to_owned(), "--json".to_owned()];
    args.extend(inbox.iter().take(120).map(i64::to_string));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let archived = ok_json(cli(dir.path(), &args));
    assert_eq!(archived["pending"].as_u64(), Some(120), "{archived}");

    // Back online, the replay is killed part-way, then a pass finishes it.
    outage.set_up(true);
    let store = rt.block_on(threadline_engine::Store::open(dir.path())).expect("open store");
    kill_sync_once_when(dir.path(), || {
        rt.block_on(store.action_counts(threadline_engine::ids::AccountId(account))).expect("counts").0 < 110
    });
    let pending = rt.block_on(store.action_counts(threadline_engine::ids::AccountId(account))).expect("counts").0;
    eprintln!("replay killed with {pending} of 120 moves left");
    assert!(pending < 120, "the replay had started");

    let resumed = ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    eprintln!("after the kill: {resumed}");
    assert_eq!(
        rt.block_on(store.action_counts(threadline_engine::ids::AccountId(account))).expect("counts"),
        (0, 0),
        "all done, none refused"
    );
    assert_eq!(rt.block_on(s.count(&user, "INBOX")), 30);
    assert_eq!(rt.block_on(s.count(&user, "INBOX.Archive")), 120, "one copy each");
    assert_eq!(ids_in(dir.path(), "Archive").len(), 120);
    assert_eq!(ids_in(dir.path(), "Inbox").len(), 30);
    let again = ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    assert_eq!((again["new"].as_u64(), again["vanished"].as_u64()), (Some(0), Some(0)), "{again}");
}
