//! The CLI contract against the real Dovecot, with the real OS keychain
//! (tests/run.sh provides a Secret Service on headless machines).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use threadline_testkit::outage::Outage;
use threadline_testkit::{corpus, servers};

mod common;
use common::{CLI, add_account, add_account_via, cli, kill_sync_once_when, ok_json};

fn listed(data_dir: &Path) -> Vec<Value> {
    let v = ok_json(cli(data_dir, &["list", "--limit", "100000", "--json"]));
    v.as_array().expect("array").clone()
}

/// Asserts that the listing holds exactly the server's `n` messages.
fn assert_exactly(data_dir: &Path, n: usize) {
    let rows = listed(data_dir);
    assert_eq!(rows.len(), n, "locations");
    let mut ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().expect("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no duplicate messages");
    let mut uids: Vec<i64> = rows.iter().map(|r| r["uid"].as_i64().expect("uid")).collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), n, "no duplicate UIDs");
}

#[test]
fn cli_contract_with_two_thousand_messages() {
    let s = servers();
    let user = s.new_user("cli");
    let messages = corpus::generate(2000, 42, &user.email);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let raws: Vec<Vec<u8>> = messages.iter().map(|m| m.raw.clone()).collect();
    rt.block_on(s.append(&user, "INBOX", &raws));

    let dir = tempfile::tempdir().expect("tempdir");
    let account = add_account(dir.path(), &user);
    assert!(account > 0);

    let started = Instant::now();
    let report = ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    eprintln!("initial sync of 2000 messages: {:?}", started.elapsed());
    assert_eq!(report["new"], 2000);
    // The process closed its store on the way out: the WAL went into the
    // database, so the next start has nothing to read through.
    let wal = dir.path().join(format!("{}-wal", threadline_engine::store::DB_FILE));
    let left = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(left, 0, "sync --once left {left} bytes of WAL");
    assert_exactly(dir.path(), 2000);

    let rows = listed(dir.path());
    let first = &rows[0];
    for key in
        ["id", "account", "folder", "uid", "message_id", "thread_id", "date", "from", "to", "cc", "subject", "flags"]
    {
        assert!(first.get(key).is_some(), "list --json has {key}");
    }
    let hits = ok_json(cli(dir.path(), &["search", &messages[1234].marker, "--json"]));
    assert_eq!(hits.as_array().map(Vec::len), Some(1));
    assert_eq!(hits[0]["message_id"], "gen-42-1234@acme.example");

    let again = ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    assert_eq!(
        (again["new"].as_u64(), again["changed"].as_u64(), again["vanished"].as_u64()),
        (Some(0), Some(0), Some(0))
    );

    // How often to check without push: set, listed, and nonsense refused.
    let id = account.to_string();
    ok_json(cli(dir.path(), &["account", "poll", &id, "120", "--json"]));
    let accounts = ok_json(cli(dir.path(), &["account", "list", "--json"]));
    assert_eq!(accounts[0]["poll_seconds"], 120);
    let refused = cli(dir.path(), &["account", "poll", &id, "0"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at least once a day"));

    // The password lives in the keychain only: not in any file of the data dir.
    for entry in std::fs::read_dir(dir.path()).expect("data dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            let found = bytes.windows(user.password.len()).any(|w| w == user.password.as_bytes());
            assert!(!found, "password found in {}", path.display());
        }
    }

    // kill -9 in the middle of an initial sync, then resume. The store is
    // watched directly so the kill lands between two committed batches; if
    // a sync still wins the race, the scenario is tried again afresh.
    let mut killed_in = None;
    for _attempt in 0..5 {
        let dir2 = tempfile::tempdir().expect("tempdir");
        add_account(dir2.path(), &user);
        let store = rt.block_on(threadline_engine::Store::open(dir2.path())).expect("open store");
        kill_sync_once_when(dir2.path(), || rt.block_on(store.location_count()).expect("count") > 0);
        let stored = rt.block_on(store.location_count()).expect("count");
        eprintln!("killed after {stored} stored");
        if stored > 0 && stored < 2000 {
            killed_in = Some(dir2);
            break;
        }
    }
    let dir2 = killed_in.expect("a sync was killed mid-way in one of five tries");
    let resumed = ok_json(cli(dir2.path(), &["sync", "--once", "--json"]));
    let stored_after_kill = listed(dir2.path()).len();
    assert_eq!(stored_after_kill, 2000);
    assert!(resumed["new"].as_u64().expect("new") < 2000, "resumed, not restarted");
    assert_exactly(dir2.path(), 2000);
}

#[test]
fn bad_input_gets_plain_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(CLI)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["account", "add", "--email", "x@example.test", "--imap", "nohostport"])
        .args(["--smtp", "127.0.0.1:25", "--password-env", "TL_NOT_SET_ANYWHERE"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HOST:PORT"), "{err}");

    let out = cli(dir.path(), &["search", "nothing here", "--json"]);
    assert_eq!(ok_json(out), serde_json::json!([]));
}

/// Lines printed by a running `sync --watch --json`, read on a thread.
struct Watcher {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<Value>,
}

impl Watcher {
    fn start(data_dir: &Path) -> Watcher {
        use std::io::BufRead;
        let mut child = Command::new(CLI)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["sync", "--watch", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn sync --watch");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Watcher { child, lines }
    }

    /// The next line for which `want` holds, within `timeout`.
    fn expect(&self, what: &str, timeout: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if want(&v) => return v,
                Ok(_) => {}
                Err(_) => panic!("sync --watch printed no {what} within {timeout:?}"),
            }
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sync_watch_prints_pushed_changes_as_they_are_stored() {
    let s = servers();
    let user = s.new_user("watch");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let raws: Vec<Vec<u8>> = corpus::generate(3, 5, &user.email).into_iter().map(|m| m.raw).collect();
    rt.block_on(s.append(&user, "INBOX", &raws));
    let dir = tempfile::tempdir().expect("tempdir");
    add_account(dir.path(), &user);

    let watcher = Watcher::start(dir.path());
    for n in 0..3 {
        watcher.expect(&format!("initial message {n}"), Duration::from_secs(30), |v| v["event"] == "added");
    }

    // Mail from the outside world, through Postfix into Dovecot, is pushed
    // to the watcher over IDLE and printed once stored.
    let subject = format!("Pushed while watching {}", std::process::id());
    let raw = format!(
        "From: Dana <dana@acme.example>\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <pushed-{}@acme.example>\r\n\r\nHello over IDLE.\r\n",
        user.email,
        std::process::id()
    );
    let sent = Instant::now();
    s.send_smtp("dana@acme.example", &user.email, raw.as_bytes());
    let added = watcher.expect("the pushed message", Duration::from_secs(20), |v| {
        v["event"] == "added" && v["message"]["subject"] == subject.as_str()
    });
    eprintln!("pushed message printed {:?} after SMTP accepted it", sent.elapsed());
    assert_eq!(added["folder"], "Inbox");
    let uid = added["message"]["uid"].as_u64().expect("uid");

    // A flag set and a message expunged by another client show up too.
    rt.block_on(s.uid_store(&user, "INBOX", &uid.to_string(), "+FLAGS (\\Flagged)"));
    watcher.expect("the flag change", Duration::from_secs(20), |v| {
        v["event"] == "flags_changed" && v["uid"].as_u64() == Some(uid)
    });
    rt.block_on(s.expunge(&user, "INBOX", "1"));
    watcher.expect("the vanished message", Duration::from_secs(20), |v| {
        v["event"] == "vanished" && v["uid"].as_u64() == Some(1)
    });

    // SIGTERM ends it cleanly.
    let mut watcher = watcher;
    let pid = watcher.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = watcher.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "sync --watch did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "sync --watch exits 0 on SIGTERM: {status}");
    let flagged = listed(dir.path()).into_iter().find(|r| r["uid"].as_u64() == Some(uid)).expect("listed");
    assert!(flagged["flags"].as_array().expect("flags").iter().any(|f| f == "\\Flagged"));
}

#[test]
fn send_delivers_and_the_sent_copy_is_listed() {
    let s = servers();
    let user = s.new_user("cli-send");
    let bob = s.new_user("bob");
    let dir = tempfile::tempdir().expect("tempdir");
    let account = add_account(dir.path(), &user);
    ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    let account = account.to_string();
    let sent = ok_json(cli(
        dir.path(),
        &["send", "--account", &account, "--to", &bob.email, "--subject", "From the CLI", "--body", "Hi Bob", "--json"],
    ));
    assert_eq!(sent["state"], "sent", "{sent}");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.wait_for_count(&bob, "INBOX", 1));
    let rows = ok_json(cli(dir.path(), &["list", "--folder", "Sent", "--json"]));
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["subject"], "From the CLI");

    // Archived with "do nothing in the mail account": out of the inbox view
    // here, through a sync too, while the server keeps it in Sent; restored,
    // it is back.
    ok_json(cli(dir.path(), &["account", "mirror", &account, "nothing", "--json"]));
    let id = rows[0]["id"].to_string();
    let view = |v: &str| ok_json(cli(dir.path(), &["threads", "--view", v, "--json"]))["total"].as_u64();
    assert_eq!((view("inbox"), view("archive")), (Some(1), Some(0)));
    ok_json(cli(dir.path(), &["archive", &id, "--json"]));
    ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    assert_eq!((view("inbox"), view("archive")), (Some(0), Some(1)));
    assert_eq!(rt.block_on(s.count(&user, "Sent")), 1);
    ok_json(cli(dir.path(), &["restore", &id, "--json"]));
    assert_eq!((view("inbox"), view("archive")), (Some(1), Some(0)));

    let bad = cli(dir.path(), &["send", "--account", &account, "--subject", "nobody", "--json"]);
    assert!(!bad.status.success());
    let error: Value = serde_json::from_slice(&bad.stdout).expect("json error");
    assert_eq!(error["error"]["message"], "Add at least one recipient.");

    // Removing the account forgets its mail here, never on the server.
    ok_json(cli(dir.path(), &["account", "remove", &account, "--json"]));
    assert_eq!(ok_json(cli(dir.path(), &["list", "--json"])).as_array().map(Vec::len), Some(0));
    for v in ["inbox", "archive", "trash"] {
        assert_eq!(view(v), Some(0), "{v}");
    }
    assert_eq!(rt.block_on(s.count(&user, "Sent")), 1);
}

/// The id and server UID of every listed message in a folder, by UID.
fn ids_in(data_dir: &Path, folder: &str) -> Vec<(i64, u64)> {
    let v = ok_json(cli(data_dir, &["list", "--folder", folder, "--limit", "100000", "--json"]));
    let mut rows: Vec<(i64, u64)> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|r| (r["id"].as_i64().expect("id"), r["uid"].as_u64().expect("uid")))
        .collect();
    rows.sort_by_key(|r| r.1);
    rows
}

#[test]
fn actions_wait_while_offline_and_reach_the_server_once_even_after_kill_9() {
    let s = servers();
    let user = s.new_user("actions");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let raws: Vec<Vec<u8>> = corpus::generate(330, 11, &user.email).into_iter().map(|m| m.raw).collect();
    rt.block_on(s.append(&user, "INBOX", &raws));
    let outage = rt.block_on(Outage::start(s.imaps_port));
    let dir = tempfile::tempdir().expect("tempdir");
    add_account_via(dir.path(), &user, outage.port);
    ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    let inbox = ids_in(dir.path(), "Inbox");
    assert_eq!(inbox.len(), 330);

    // Offline: every action is done here at once and waits for the server.
    outage.set_up(false);
    let id = |i: usize| inbox[i].0.to_string();
    let read = ok_json(cli(dir.path(), &["mark-read", &id(0), "--json"]));
    assert_eq!((read["queued"].as_u64(), read["pending"].as_u64()), (Some(1), Some(1)), "{read}");
    ok_json(cli(dir.path(), &["flag", &id(1), "--json"]));
    ok_json(cli(dir.path(), &["move", "--to", "Archive", &id(2), "--json"]));
    ok_json(cli(dir.path(), &["delete", &id(3), "--json"]));
    let many: Vec<String> = (4..304).map(id).collect();
    let mut args = vec!["archive", "--json"];
    args.extend(many.iter().map(String::as_str));
    let archived = ok_json(cli(dir.path(), &args));
    assert_eq!(archived["pending"].as_u64(), Some(304), "{archived}");
    assert_eq!(ids_in(dir.path(), "Inbox").len(), 28, "moved mail left the inbox here at once");

    // Back online, a replay is killed part-way, then a pass finishes it.
    outage.set_up(true);
    let store = rt.block_on(threadline_engine::Store::open(dir.path())).expect("open store");
    let account = rt.block_on(store.accounts()).expect("accounts")[0].id;
    kill_sync_once_when(dir.path(), || rt.block_on(store.action_counts(account)).expect("counts").0 < 304);
    let pending = rt.block_on(store.action_counts(account)).expect("counts").0;
    eprintln!("replay killed with {pending} of 304 actions left");
    assert!(pending < 304, "the replay had started");

    let resumed = ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    eprintln!("after the kill: {resumed}");
    assert_eq!(rt.block_on(store.action_counts(account)).expect("counts"), (0, 0), "all done, none refused");

    // The server did each thing exactly once.
    assert_eq!(rt.block_on(s.count(&user, "INBOX")), 28);
    assert_eq!(rt.block_on(s.count(&user, "Archive")), 301);
    assert_eq!(rt.block_on(s.count(&user, "Trash")), 1);
    let seen = rt.block_on(s.flags_of(&user, "INBOX", u32::try_from(inbox[0].1).expect("uid")));
    assert!(seen.iter().any(|f| f == "\\Seen"), "{seen:?}");
    let flagged = rt.block_on(s.flags_of(&user, "INBOX", u32::try_from(inbox[1].1).expect("uid")));
    assert!(flagged.iter().any(|f| f == "\\Flagged"), "{flagged:?}");

    // And here: every message once, in the folder the server has it in,
    // with the id it had before it moved.
    let rows = listed(dir.path());
    assert_eq!(rows.len(), 330, "locations");
    let mut ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().expect("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 330, "no duplicate messages");
    let archive: Vec<i64> = ids_in(dir.path(), "Archive").into_iter().map(|r| r.0).collect();
    assert_eq!(archive.len(), 301);
    assert!(archive.contains(&inbox[2].0) && archive.contains(&inbox[100].0), "ids survive the move");
    assert_eq!(ids_in(dir.path(), "Trash").len(), 1);
    let again = ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    assert_eq!((again["new"].as_u64(), again["vanished"].as_u64()), (Some(0), Some(0)), "{again}");
}

#[test]
fn empty_trash_deletes_for_good_here_and_where_the_account_follows_the_app() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    // One account follows the app (deleting moves to its trash), one keeps
    // a copy of everything (deleting archives there).
    let follows = s.new_user("trash-follows");
    let keeps = s.new_user("trash-keeps");
    for user in [&follows, &keeps] {
        let raws: Vec<Vec<u8>> = (0..6)
            .map(|i| {
                format!(
                    "From: Client {i} <client{i}@acme.example>\r\nTo: {}\r\nSubject: Offer {i}\r\n\
                     Message-ID: <offer-{i}-{}>\r\nDate: Mon, 7 Dec 2026 0{i}:00:00 +0000\r\n\r\nOffer {i}.\r\n",
                    user.email, user.email
                )
                .into_bytes()
            })
            .collect();
        rt.block_on(s.append(user, "INBOX", &raws));
    }
    let follows_account = add_account(dir.path(), &follows);
    let kept_account = add_account(dir.path(), &keeps);
    ok_json(cli(dir.path(), &["account", "mirror", &kept_account.to_string(), "archive", "--json"]));
    ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    let view = |v: &str| ok_json(cli(dir.path(), &["threads", "--view", v, "--json"]))["total"].as_u64();
    assert_eq!(view("inbox"), Some(12));

    let rows = ok_json(cli(dir.path(), &["list", "--folder", "Inbox", "--json"]));
    let of = |account: i64, n: usize| -> Vec<String> {
        let rows = rows.as_array().expect("array").iter().filter(|r| r["account"].as_i64() == Some(account));
        rows.take(n).map(|r| r["id"].to_string()).collect()
    };
    let delete = |ids: &[String]| {
        let mut args = vec!["delete", "--json"];
        args.extend(ids.iter().map(String::as_str));
        ok_json(cli(dir.path(), &args));
    };
    let (follows_ids, kept_ids) = (of(follows_account, 3), of(kept_account, 3));
    delete(&[&follows_ids[..2], &kept_ids[..]].concat());
    // A pass finds those in the trash folder; the third one is deleted
    // after it, so only the server knows where it is when the Trash is
    // emptied.
    ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    delete(&follows_ids[2..]);
    assert_eq!(view("trash"), Some(6));
    assert_eq!(rt.block_on(s.count(&follows, "Trash")), 3);
    assert_eq!(rt.block_on(s.count(&keeps, "Archive")), 3);

    let emptied = ok_json(cli(dir.path(), &["empty-trash", "--json"]));
    assert_eq!(emptied["deleted"].as_u64(), Some(6), "{emptied}");
    assert_eq!(view("trash"), Some(0));
    assert_eq!(view("archive"), Some(0), "what the server archived is deleted here too");
    assert_eq!(view("inbox"), Some(6));
    assert_eq!(rt.block_on(s.count(&follows, "Trash")), 1, "expunged where the account follows the app");
    assert_eq!(rt.block_on(s.count(&keeps, "Archive")), 3, "kept where the account keeps everything");
    let found = ok_json(cli(dir.path(), &["search", "in:trash", "--json"]));
    assert_eq!(found.as_array().map(Vec::len), Some(0), "{found}");

    // The next pass finds the last one in the trash folder and expunges
    // it; nothing comes back, and nothing is duplicated.
    for _ in 0..2 {
        ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    }
    assert_eq!(rt.block_on(s.count(&follows, "Trash")), 0);
    assert_eq!((view("inbox"), view("archive"), view("trash")), (Some(6), Some(0), Some(0)));
    let again = ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    assert_eq!(again["new"].as_u64(), Some(0), "{again}");
    assert_eq!(listed(dir.path()).len(), 6, "the inboxes' six; the server's archived three stay hidden");
    let nothing = ok_json(cli(dir.path(), &["empty-trash", "--json"]));
    assert_eq!(nothing["deleted"].as_u64(), Some(0));
}
