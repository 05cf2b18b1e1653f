//! Provider quirks come from the presets, tried against the real Dovecot
//! and Postfix: an account made with NetEase's preset says who it is (IMAP
//! ID, RFC 2971) before it selects a mailbox, as NetEase demands; one made
//! with Gmail's preset leaves the Sent copy to the server (Gmail files
//! what its SMTP server sends), so none is appended.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;
use std::process::Command;

use threadline_testkit::{TestUser, servers};

mod common;
use common::{CLI, json, ok_json};

/// Adds the user's account on Dovecot with a preset's quirks.
fn add_with_preset(d: &Path, user: &TestUser, preset: &str) -> i64 {
    let s = servers();
    let out = Command::new(CLI)
        .arg("--data-dir")
        .arg(d)
        .args(["account", "add", "--email", &user.email, "--provider", preset, "--json"])
        .args(["--imap", &format!("127.0.0.1:{}", s.imaps_port), "--smtp", &format!("127.0.0.1:{}", s.submission_port)])
        .args(["--smtp-security", "starttls", "--password-env", "TL_TEST_PASSWORD", "--ca-file"])
        .arg(&s.ca_file)
        .env("TL_TEST_PASSWORD", &user.password)
        .output()
        .expect("run");
    ok_json(out)["id"].as_i64().expect("id")
}

#[test]
fn netease_accounts_say_who_they_are_before_selecting() {
    let s = servers();
    let user = s.new_user("netease");
    let dir = tempfile::tempdir().unwrap();
    add_with_preset(dir.path(), &user, "163");
    json(dir.path(), &["sync", "--once"]);
    let log = std::fs::read_to_string(s.run_dir.join("dovecot.log")).expect("dovecot.log");
    let said = log.lines().any(|l| l.contains(&format!("({})", user.email)) && l.contains("ID sent: name=Threadline"));
    assert!(said, "no IMAP ID from {} in the log", user.email);
}

#[test]
fn gmail_accounts_append_no_second_sent_copy() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let user = s.new_gmail_like_user("gmailsent");
    let dir = tempfile::tempdir().unwrap();
    let id = add_with_preset(dir.path(), &user, "gmail");
    json(dir.path(), &["sync", "--once"]);
    json(dir.path(), &["send", "--account", &id.to_string(), "--to", &user.email, "--subject", "filed by the server"]);
    rt.block_on(s.wait_for_count(&user, "INBOX", 1));
    assert_eq!(rt.block_on(s.count(&user, "Sent")), 0, "Gmail files its own copy: none is appended");
    let accounts = json(dir.path(), &["account", "list"]);
    assert_eq!(accounts[0]["provider"], "gmail");
}
