//! Gmail's IMAP extensions (X-GM-EXT-1) against a SCRIPTED REPLAY of
//! Gmail's responses (tests/servers/gmail_replay.py: answers in the form
//! Google documents; no real server offline speaks X-GM-EXT-1). Its labels
//! are folders there and one message here: a message under three labels is
//! fetched once and placed in the others by its X-GM-MSGID, its labels are
//! shown, X-GM-THRID joins a reply without References to its conversation,
//! and, with CONDSTORE but no QRESYNC, a message deleted on the server is
//! found gone by comparing UID sets. (Folder behaviour, All Mail and
//! archiving, is tested on Dovecot with a Gmail-like mailbox.)

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use threadline_testkit::servers;

mod common;
use common::{CLI, json as cli_json, ok_json};

/// The replay server, stopped when dropped.
struct Replay {
    child: Child,
    port: u16,
    mailbox: PathBuf,
    log: PathBuf,
}

impl Drop for Replay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_replay(dir: &Path, mailbox: &Value) -> Replay {
    let s = servers();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (file, log, pid) = (dir.join("gmail.json"), dir.join("bodies.log"), dir.join("gmail.pid"));
    std::fs::write(&file, mailbox.to_string()).unwrap();
    let child = Command::new("python3")
        .arg(threadline_testkit::repo_root().join("tests/servers/gmail_replay.py"))
        .arg(port.to_string())
        .arg(s.run_dir.join("server.crt"))
        .arg(s.run_dir.join("server.key"))
        .args([&file, &log, &pid])
        .spawn()
        .expect("python3");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the replay server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Replay { child, port, mailbox: file, log }
}

fn raw(id: &str, subject: &str, date: &str) -> String {
    format!(
        "From: Ann Lee <ann@acme.example>\r\nTo: seller@gmail.example\r\nSubject: {subject}\r\n\
         Date: {date}\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAbout {subject}.\r\n"
    )
}

fn mailbox() -> Value {
    json!({ "modseq": 100, "messages": [
        { "msgid": 1_278_455_344_230_334_865_u64, "thrid": 1_266_894_439_832_287_888_u64,
          "labels": ["\\Inbox", "\\Important", "Customers"], "flags": ["\\Seen"], "date": "01-Dec-2026 09:00:00 +0000",
          "raw": raw("quote@acme.example", "Quote for Acme", "Tue, 01 Dec 2026 09:00:00 +0000"),
          "uids": { "INBOX": 1, "[Gmail]/All Mail": 1, "[Gmail]/Important": 1, "Customers": 1 } },
        { "msgid": 1_278_455_344_230_334_866_u64, "thrid": 1_266_894_439_832_287_888_u64,
          "labels": ["Customers"], "flags": ["\\Seen"], "date": "02-Dec-2026 09:00:00 +0000",
          "raw": raw("pricing@acme.example", "Pricing details", "Wed, 02 Dec 2026 09:00:00 +0000"),
          "uids": { "[Gmail]/All Mail": 2, "Customers": 2 } },
        { "msgid": 1_278_455_344_230_334_867_u64, "thrid": 1_266_894_439_832_287_999_u64,
          "labels": ["\\Sent"], "flags": ["\\Seen"], "date": "03-Dec-2026 09:00:00 +0000",
          "raw": raw("offer@gmail.example", "Our offer", "Thu, 03 Dec 2026 09:00:00 +0000"),
          "uids": { "[Gmail]/Sent Mail": 1, "[Gmail]/All Mail": 3 } }
    ]})
}

/// The listed messages, one entry per message (its first location).
fn messages(d: &Path) -> Vec<Value> {
    let mut rows: Vec<Value> = cli_json(d, &["list", "--limit", "100"]).as_array().unwrap().clone();
    rows.sort_by_key(|m| m["id"].as_i64());
    rows.dedup_by_key(|m| m["id"].as_i64());
    rows
}

fn by_subject<'a>(rows: &'a [Value], subject: &str) -> &'a Value {
    rows.iter().find(|m| m["subject"] == subject).unwrap_or_else(|| panic!("{subject} in {rows:?}"))
}

#[test]
fn scripted_gmail_replay_labels_are_one_message_fetched_once_and_deletions_found_without_qresync() {
    let s = servers();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let replay = start_replay(dir.path(), &mailbox());
    let added = Command::new(CLI)
        .arg("--data-dir")
        .arg(&d)
        .args(["account", "add", "--email", "seller@gmail.example", "--json", "--imap"])
        .arg(format!("127.0.0.1:{}", replay.port))
        .args(["--smtp", &format!("127.0.0.1:{}", s.smtps_port), "--password-env", "TL_PW", "--ca-file"])
        .arg(&s.ca_file)
        .env("TL_PW", "app-password")
        .output()
        .unwrap();
    ok_json(added);
    cli_json(&d, &["sync", "--once"]);

    // Each message's body was fetched once, whatever its labels.
    let log = std::fs::read_to_string(&replay.log).unwrap();
    for msgid in ["1278455344230334865", "1278455344230334866", "1278455344230334867"] {
        assert_eq!(log.lines().filter(|l| l.ends_with(msgid)).count(), 1, "{msgid} fetched once:\n{log}");
    }
    // One message each, with the labels a person gave it.
    let rows = messages(&d);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let quote = by_subject(&rows, "Quote for Acme");
    assert_eq!(quote["labels"], json!(["Customers"]));
    assert_eq!(by_subject(&rows, "Our offer")["labels"], json!([]));
    // X-GM-THRID: the reply without References is in the quote's conversation.
    assert_eq!(by_subject(&rows, "Pricing details")["thread_id"], quote["thread_id"]);
    assert_ne!(by_subject(&rows, "Our offer")["thread_id"], quote["thread_id"]);
    let inbox = cli_json(&d, &["threads", "--view", "inbox"]);
    let subjects: Vec<&str> =
        inbox["threads"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap()).collect();
    assert_eq!(
        subjects.iter().filter(|s| s.contains("Quote for Acme") || s.contains("Pricing")).count(),
        1,
        "{subjects:?}"
    );

    // On the server: "Our offer" deleted, "Won" added to the quote (its
    // MODSEQ moves on). No QRESYNC: the deletion is found by UID sets.
    let mut changed = mailbox();
    let list = changed["messages"].as_array_mut().unwrap();
    list.remove(2);
    list[0]["labels"] = json!(["\\Inbox", "\\Important", "Customers", "Won"]);
    list[0]["modseq"] = json!(101);
    changed["modseq"] = json!(101);
    std::fs::write(&replay.mailbox, changed.to_string()).unwrap();
    cli_json(&d, &["sync", "--once"]);
    let rows = messages(&d);
    assert_eq!(rows.len(), 2, "the deleted message is gone: {rows:?}");
    assert_eq!(by_subject(&rows, "Quote for Acme")["labels"], json!(["Customers", "Won"]));
    assert_eq!(std::fs::read_to_string(&replay.log).unwrap(), log, "nothing was fetched again");
}

#[test]
fn scripted_gmail_replay_xoauth2_signs_in_and_a_refused_token_needs_signing_in_again_with_its_reason() {
    let s = servers();
    let user = s.new_user("xoauth2");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let issuer = format!("http://127.0.0.1:{}", s.oidc_port);
    // Only XOAUTH2 offered (as Microsoft's servers do); tokens checked at
    // the test OpenID provider.
    let mut box_ = mailbox();
    box_["auth"] = json!(["XOAUTH2"]);
    box_["introspect"] =
        json!(format!("http://dovecot:dovecot-introspects@127.0.0.1:{}/token/introspection", s.oidc_port));
    let replay = start_replay(dir.path(), &box_);
    let added = Command::new(CLI)
        .arg("--data-dir")
        .arg(&d)
        .args(["account", "add", "--email", &user.email, "--oauth", "--json", "--imap"])
        .arg(format!("127.0.0.1:{}", replay.port))
        .args(["--smtp", &format!("127.0.0.1:{}", s.submission_port), "--smtp-security", "starttls", "--ca-file"])
        .arg(&s.ca_file)
        .args(["--auth-url", &format!("{issuer}/auth"), "--token-url", &format!("{issuer}/token")])
        .args(["--client-id", "threadline", "--scope", "openid", "--scope", "offline_access"])
        .env("BROWSER", &s.browser)
        .env("TL_BROWSER_LOGIN", &user.email)
        .env("TL_BROWSER_PASSWORD", &user.password)
        .output()
        .unwrap();
    ok_json(added);
    cli_json(&d, &["sync", "--once"]);
    assert_eq!(messages(&d).len(), 3);
    let log = std::fs::read_to_string(&replay.log).unwrap();
    assert!(log.contains(&format!("AUTHENTICATE XOAUTH2 {} ok", user.email)), "{log}");

    // The server refuses the token: its JSON reason is answered and kept,
    // and the account waits for "Sign in again".
    box_["reject"] = json!(true);
    std::fs::write(&replay.mailbox, box_.to_string()).unwrap();
    let out = Command::new(CLI).arg("--data-dir").arg(&d).args(["sync", "--once", "--json"]).output().unwrap();
    assert!(!out.status.success());
    let accounts = cli_json(&d, &["account", "list"]);
    assert_eq!(accounts[0]["sync_state"], "needs_reauth", "{accounts}");
    let detail = accounts[0]["last_error"]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("\"status\":\"401\"") && detail.contains("Invalid credentials"), "{detail}");
}
