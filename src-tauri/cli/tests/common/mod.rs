//! What the CLI's integration tests share: running the binary and adding
//! the test user's account on the real Dovecot.

#![allow(dead_code)] // each test file uses a part
#![allow(clippy::expect_used)] // tests fail by panicking

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use threadline_testkit::{TestUser, servers};

pub const CLI: &str = env!("CARGO_BIN_EXE_threadline-cli");

pub fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(CLI)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("TL_TEST_PASSWORD", "")
        .output()
        .expect("run threadline-cli")
}

/// Starts `sync --once` and SIGKILLs it as soon as `progressed` holds
/// (polled every 2 ms, at most a minute).
pub fn kill_sync_once_when(data_dir: &Path, mut progressed: impl FnMut() -> bool) {
    let mut child = Command::new(CLI)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["sync", "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sync");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && !progressed() {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
}

/// The JSON a successful run printed; a failed run fails the test with
/// what the CLI said.
pub fn ok_json(out: Output) -> Value {
    assert!(
        out.status.success(),
        "threadline-cli failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// Runs the CLI with `--json` and returns what it printed.
pub fn json(data_dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    ok_json(cli(data_dir, &all))
}

/// Adds the test user's account; returns its id.
pub fn add_account(data_dir: &Path, user: &TestUser) -> i64 {
    add_account_via(data_dir, user, servers().imaps_port)
}

/// Adds the account with its IMAP server reached through `imaps_port`.
pub fn add_account_via(data_dir: &Path, user: &TestUser, imaps_port: u16) -> i64 {
    add_account_named(data_dir, user, imaps_port, "")
}

/// Adds the account under a display name (the sender's name).
pub fn add_account_named(data_dir: &Path, user: &TestUser, imaps_port: u16, name: &str) -> i64 {
    let s = servers();
    let out = Command::new(CLI)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["account", "add", "--email", &user.email, "--name", name])
        .args(["--imap", &format!("127.0.0.1:{imaps_port}")])
        .args(["--smtp", &format!("127.0.0.1:{}", s.submission_port)])
        .args(["--security", "tls", "--smtp-security", "starttls"])
        .args(["--user", &user.email, "--password-env", "TL_TEST_PASSWORD"])
        .arg("--ca-file")
        .arg(&s.ca_file)
        .env("TL_TEST_PASSWORD", &user.password)
        .output()
        .expect("run threadline-cli");
    assert!(
        out.status.success(),
        "account add failed (is a Secret Service running? tests/run.sh starts one): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("account add prints the id")
}

/// The problem code of a run that failed as it should.
pub fn refused(data_dir: &Path, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--json");
    let out = cli(data_dir, &all);
    assert!(!out.status.success(), "{args:?} should fail");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    v["error"]["problem"]["code"].as_str().expect("a problem code").to_owned()
}
