//! "Add account" finding the settings by itself, through the CLI, against
//! the loopback NSD (zone discover.test: MX, SRV and address records) and
//! the test web server (autoconfig files), in the order a mail app asks:
//! presets by domain, by MX, autoconfig host, .well-known path, SRV, then a
//! guess that is offered only when its servers answered with TLS. The well-
//! known ports (80, 993, 465, 587) are moved to the test servers' with
//! THREADLINE_PORT_MAP, as a test on loopback cannot own them.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use threadline_testkit::{MailServers, servers};

mod common;
use common::{CLI, ok_json};

/// The well-known ports as the test servers have them.
fn port_map(s: &MailServers, imaps: u16) -> String {
    format!("80={},993={imaps},465={},587={}", s.http_port, s.smtps_port, s.submission_port)
}

fn run(d: &Path, map: &str, args: &[&str]) -> Output {
    Command::new(CLI)
        .arg("--data-dir")
        .arg(d)
        .args(args)
        .arg("--json")
        .env("THREADLINE_PORT_MAP", map)
        .env("TL_TEST_PASSWORD", "")
        .output()
        .expect("run threadline-cli")
}

fn found(d: &Path, email: &str) -> Value {
    let s = servers();
    let ca = s.ca_file.to_string_lossy().into_owned();
    ok_json(run(d, &port_map(s, s.imaps_port), &["autoconfig", email, "--ca-file", &ca]))
}

#[test]
fn presets_list_every_promised_provider_with_its_source() {
    let d = tempfile::tempdir().expect("tempdir");
    let providers = ok_json(run(d.path(), "", &["providers"]));
    let providers = providers.as_array().expect("a list");
    assert!(providers.len() >= 26, "{}", providers.len());
    let gmail = providers.iter().find(|p| p["id"] == "gmail").expect("gmail");
    assert_eq!(gmail["imap"], serde_json::json!({"host": "imap.gmail.com", "port": 993, "security": "tls"}));
    assert_eq!(gmail["auth"], serde_json::json!(["oauth", "password"]));
    assert!(gmail["source"].as_str().unwrap().starts_with("https://support.google.com/"));
    let icloud = providers.iter().find(|p| p["id"] == "icloud").expect("icloud");
    assert_eq!(icloud["app_password"], true);
    for p in providers {
        assert!(!p["source"].as_str().unwrap().is_empty(), "{p}");
    }
}

#[test]
fn each_source_is_found_in_its_order() {
    let s = servers();
    let d = tempfile::tempdir().expect("tempdir");
    // This installation has a Google client (and none for other servers):
    // OAuth is offered only where it can be done.
    std::fs::write(d.path().join("oauth-clients.json"), r#"{"google": {"client_id": "test-google"}}"#).unwrap();
    // The address's own domain: a preset, without asking DNS.
    let v = found(d.path(), "emily@me.com");
    assert_eq!((v["source"].as_str(), v["provider"].as_str()), (Some("preset"), Some("icloud")));
    assert_eq!(v["username"], "emily", "iCloud logs in with the local part");
    assert_eq!(v["setup"], serde_json::json!(["app_password"]));
    // A hosted domain, by its MX.
    let v = found(d.path(), "ann@hosted.discover.test");
    assert_eq!((v["source"].as_str(), v["provider"].as_str()), (Some("mx"), Some("gmail")));
    assert_eq!(v["from"], "aspmx.l.google.com");
    assert_eq!(v["auth"], serde_json::json!(["oauth", "password"]));
    // The autoconfig host, over its SRV records.
    let v = found(d.path(), "ann@ac.discover.test");
    assert_eq!(v["source"], "autoconfig");
    assert_eq!(v["imap"], serde_json::json!({"host": "localhost", "port": s.imaps_port, "security": "tls"}));
    assert_eq!(v["smtp"], serde_json::json!({"host": "localhost", "port": s.submission_port, "security": "starttls"}));
    assert_eq!(v["username"], "ann@example.test");
    assert!(v["from"].as_str().unwrap().starts_with("http://autoconfig.ac.discover.test:"), "{v}");
    // The domain's .well-known path.
    let v = found(d.path(), "bo@wk.discover.test");
    assert_eq!(v["source"], "autoconfig");
    assert_eq!(v["smtp"]["port"], s.smtps_port);
    assert_eq!(v["auth"], serde_json::json!(["password"]), "its file offers OAuth2, but no client serves localhost");
    assert!(v["from"].as_str().unwrap().contains("wk.discover.test:"), "{v}");
    // SRV records, lowest priority first, over hosts a guess would find.
    let v = found(d.path(), "cy@srv.discover.test");
    assert_eq!(v["source"], "srv");
    assert_eq!(v["imap"], serde_json::json!({"host": "localhost", "port": s.imaps_port, "security": "tls"}));
    assert_eq!(v["smtp"], serde_json::json!({"host": "localhost", "port": s.smtps_port, "security": "tls"}));
    // The guess, tried: Dovecot and Postfix answered with TLS under names
    // their certificate holds.
    let v = found(d.path(), "di@guess.discover.test");
    assert_eq!(v["source"], "guess");
    assert_eq!(v["imap"], serde_json::json!({"host": "imap.guess.discover.test", "port": 993, "security": "tls"}));
    assert_eq!(v["smtp"], serde_json::json!({"host": "smtp.guess.discover.test", "port": 465, "security": "tls"}));
}

#[test]
fn a_guess_that_fails_is_not_offered() {
    let s = servers();
    let d = tempfile::tempdir().expect("tempdir");
    let ca = s.ca_file.to_string_lossy().into_owned();
    let refused = |email: &str, map: &str| {
        let out = run(d.path(), map, &["autoconfig", email, "--ca-file", &ca]);
        assert!(!out.status.success(), "{email} must not be offered: {}", String::from_utf8_lossy(&out.stdout));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
        v["error"]["problem"]["code"].as_str().unwrap_or_default().to_owned()
    };
    // Servers answer, but their certificate does not name these hosts.
    assert_eq!(refused("ed@wrongcert.discover.test", &port_map(s, s.imaps_port)), "no_settings_found");
    // Nothing listens where the guess leads.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    assert_eq!(refused("fa@guess.discover.test", &port_map(s, closed)), "no_settings_found");
    // SRV records that say "not offered", and no hosts to guess.
    assert_eq!(refused("gu@dot.discover.test", &port_map(s, s.imaps_port)), "no_settings_found");
}

#[test]
fn an_account_added_with_only_its_address_and_password_syncs() {
    let s = servers();
    let user = s.new_user("auto");
    let raw =
        b"From: x@example.test\r\nSubject: found by autoconfig\r\nMessage-ID: <auto-1@example.test>\r\n\r\nhi\r\n";
    s.send_smtp("x@example.test", &user.email, raw);
    tokio::runtime::Runtime::new().unwrap().block_on(s.wait_for_count(&user, "INBOX", 1));
    let d = tempfile::tempdir().expect("tempdir");
    let local = user.email.split('@').next().unwrap();
    let email = format!("{local}@ac.discover.test");
    let ca = s.ca_file.to_string_lossy().into_owned();
    let out = Command::new(CLI)
        .arg("--data-dir")
        .arg(d.path())
        .args(["account", "add", "--email", &email, "--password-env", "TL_TEST_PASSWORD", "--ca-file", &ca])
        .env("THREADLINE_PORT_MAP", port_map(s, s.imaps_port))
        .env("TL_TEST_PASSWORD", &user.password)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Settings found (autoconfig)"));
    let accounts = ok_json(run(d.path(), "", &["account", "list"]));
    assert_eq!(accounts[0]["email"], email.as_str());
    ok_json(run(d.path(), "", &["sync", "--once"]));
    let accounts = ok_json(run(d.path(), "", &["account", "list"]));
    assert_eq!(accounts[0]["sync_state"], "ok", "{accounts}");
    let messages = ok_json(run(d.path(), "", &["list"]));
    assert_eq!(messages[0]["subject"], "found by autoconfig");
}
