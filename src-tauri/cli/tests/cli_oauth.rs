//! OAuth 2 sign-in end to end through the CLI, against a real OpenID
//! provider on loopback (oidc-provider, tests/servers/oidc) whose access
//! tokens Dovecot accepts for IMAP (oauth2 passdb, token introspection) and
//! Postfix for submission (through Dovecot's SASL). The system browser is
//! tests/servers/browser.py in $BROWSER: it follows the redirects, signs in
//! on the provider's page and allows access. Access tokens live two minutes
//! there, so every connection renews one and the refresh token rotates.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use threadline_testkit::{MailServers, TestUser, servers};

mod common;
use common::{CLI, ok_json};

/// The CLI with the test browser signing in as `user` (or denying).
fn run(d: &Path, user: &TestUser, extra_env: &[(&str, &str)], args: &[&str]) -> Output {
    let s = servers();
    let log = d.join("browser.log");
    Command::new(CLI)
        .arg("--data-dir")
        .arg(d)
        .args(args)
        .arg("--json")
        .env("BROWSER", &s.browser)
        .env("TL_BROWSER_LOGIN", &user.email)
        .env("TL_BROWSER_PASSWORD", &user.password)
        .env("TL_BROWSER_LOG", &log)
        .envs(extra_env.iter().copied())
        .output()
        .expect("run threadline-cli")
}

fn issuer(s: &MailServers) -> String {
    format!("http://127.0.0.1:{}", s.oidc_port)
}

/// `account add --oauth` with the test provider's endpoints.
fn add(d: &Path, user: &TestUser, extra_env: &[(&str, &str)], extra: &[&str]) -> Output {
    let s = servers();
    let (auth, token) = (format!("{}/auth", issuer(s)), format!("{}/token", issuer(s)));
    let (imap, smtp) = (format!("127.0.0.1:{}", s.imaps_port), format!("127.0.0.1:{}", s.submission_port));
    let ca = s.ca_file.to_string_lossy().into_owned();
    let mut args = vec![
        "account",
        "add",
        "--email",
        &user.email,
        "--oauth",
        "--imap",
        &imap,
        "--smtp",
        &smtp,
        "--smtp-security",
        "starttls",
        "--ca-file",
        &ca,
        "--auth-url",
        &auth,
        "--token-url",
        &token,
        "--client-id",
        "threadline",
        "--scope",
        "openid",
        "--scope",
        "offline_access",
    ];
    args.extend_from_slice(extra);
    run(d, user, extra_env, &args)
}

/// The account's keychain entry (the Secret Service of the test session).
fn keychain_tokens(d: &Path, account: i64) -> Value {
    let store_id = Command::new("python3")
        .args(["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT value FROM meta WHERE key='store_id'\").fetchone()[0])"])
        .arg(d.join("threadline.sqlite3"))
        .output()
        .expect("python3");
    let store_id = String::from_utf8_lossy(&store_id.stdout).trim().to_owned();
    let key = format!("{store_id}/account-{account}/password");
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "Threadline", "username", &key])
        .output()
        .expect("secret-tool");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("tokens in the keychain under {key}: {e}"))
}

/// Whether any file in the data dir holds `needle`.
fn data_dir_holds(d: &Path, needle: &str) -> bool {
    std::fs::read_dir(d).expect("data dir").flatten().any(|entry| {
        entry.path().is_file()
            && std::fs::read(entry.path())
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

fn mail(subject: &str) -> Vec<u8> {
    format!("From: someone@example.test\r\nSubject: {subject}\r\nMessage-ID: <{subject}@example.test>\r\n\r\nhello\r\n")
        .into_bytes()
}

fn subjects(d: &Path, user: &TestUser) -> Vec<String> {
    let rows = ok_json(run(d, user, &[], &["list"]));
    rows.as_array().unwrap().iter().map(|m| m["subject"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn signs_in_in_the_browser_syncs_sends_renews_and_signs_in_again_after_a_revoke() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let user = s.new_user("oauth");
    s.send_smtp("someone@example.test", &user.email, &mail("before-sign-in"));
    rt.block_on(s.wait_for_count(&user, "INBOX", 1));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let added = ok_json(add(d, &user, &[], &[]));
    let id = added["id"].as_i64().expect("account id");
    let first = keychain_tokens(d, id);
    let (access, refresh) = (first["access_token"].as_str().unwrap(), first["refresh_token"].as_str().unwrap());
    assert!(!access.is_empty() && !refresh.is_empty());
    assert!(!data_dir_holds(d, access) && !data_dir_holds(d, refresh), "no token in the data dir");

    // Sync: the token is near its end (two minutes), so it is renewed, and
    // the rotated refresh token is kept.
    ok_json(run(d, &user, &[], &["sync", "--once"]));
    assert!(subjects(d, &user).contains(&"before-sign-in".to_owned()));
    let second = keychain_tokens(d, id);
    assert_ne!(second["refresh_token"], first["refresh_token"], "the refresh token rotated and was kept");
    assert!(!data_dir_holds(d, second["refresh_token"].as_str().unwrap()));

    // Send through submission, signed in with the token.
    ok_json(run(
        d,
        &user,
        &[],
        &["send", "--account", &id.to_string(), "--to", &user.email, "--subject", "sent-with-oauth"],
    ));
    rt.block_on(s.wait_for_count(&user, "INBOX", 2));

    // The provider revokes the sign-in: the account needs signing in again.
    let current = keychain_tokens(d, id);
    let revoked = Command::new("curl")
        .args(["-sf", "-d", "client_id=threadline", "--data-urlencode"])
        .arg(format!("token={}", current["refresh_token"].as_str().unwrap()))
        .arg(format!("{}/token/revocation", issuer(s)))
        .status()
        .expect("curl");
    assert!(revoked.success());
    s.send_smtp("someone@example.test", &user.email, &mail("while-signed-out"));
    rt.block_on(s.wait_for_count(&user, "INBOX", 3));
    let out = run(d, &user, &[], &["sync", "--once"]);
    assert!(!out.status.success(), "a revoked sign-in cannot sync");
    let accounts = ok_json(run(d, &user, &[], &["account", "list"]));
    assert_eq!(accounts[0]["sync_state"], "needs_reauth", "{accounts}");
    assert_eq!(accounts[0]["sign_in"], "oauth");

    // Sign in again: sync resumes where it stopped.
    ok_json(run(d, &user, &[], &["account", "signin", &id.to_string()]));
    let accounts = ok_json(run(d, &user, &[], &["account", "list"]));
    assert_eq!(accounts[0]["sync_state"], "ok", "{accounts}");
    ok_json(run(d, &user, &[], &["sync", "--once"]));
    let all = subjects(d, &user);
    for subject in ["before-sign-in", "sent-with-oauth", "while-signed-out"] {
        assert_eq!(
            all.iter().filter(|s| *s == subject).count(),
            if subject == "sent-with-oauth" { 2 } else { 1 },
            "{subject} in {all:?}"
        );
    }
}

#[test]
fn a_denied_or_unfinished_sign_in_adds_no_account() {
    let s = servers();
    let user = s.new_user("oauth-no");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let code = |out: Output| {
        assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
        v["error"]["problem"]["code"].as_str().unwrap_or_default().to_owned()
    };
    // The person says no on the consent page.
    assert_eq!(code(add(d, &user, &[("TL_BROWSER_DENY", "1")], &[])), "sign_in_refused");
    // A wrong password on the provider's page: nothing comes back in time.
    let wrong = TestUser { password: "not-the-password".into(), ..user.clone() };
    assert_eq!(code(add(d, &wrong, &[], &["--timeout", "5"])), "sign_in_timed_out");
    let accounts = ok_json(run(d, &user, &[], &["account", "list"]));
    assert_eq!(accounts, serde_json::json!([]));
    let _ = s;
}
