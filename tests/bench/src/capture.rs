//! The Smart BCC capture benchmark (F-BCC): an initial sync of 1,000
//! captured copies (each DKIM-signed and checked, DKIM and SPF, DNS from
//! the loopback NSD) beside an initial sync of 1,000 ordinary messages of
//! the same size, in the same run; each the median of `runs` syncs from a
//! fresh copy of the same prepared data dir.

use std::path::Path;
use std::process::Command;

use threadline_testkit::{MailServers, TestUser};

use crate::{Measured, Options, median, threadline_account, threadline_sync};

/// What the capture benchmark measured.
pub struct CaptureFigures {
    pub messages: u32,
    pub ordinary: Measured,
    pub captured: Measured,
    /// How the copies came out: captured, held.
    pub listed: usize,
}

fn message(i: u32, to: &str, delivered_to: &str, s: &MailServers, sign: bool) -> Vec<u8> {
    let line = "The renewal covers the support desk, the on-site training and the new reporting module.\r\n";
    let body = line.repeat(40);
    let raw = format!(
        "From: {to}\r\nTo: Bob Stone <bob@customer.example>\r\nSubject: Offer {i}\r\n\
         Date: Mon, 30 Nov 2026 09:00:00 +0000\r\nMessage-ID: <offer-{i}@bench.example>\r\n\r\n{body}"
    );
    let raw = if sign { s.dkim_sign(raw.as_bytes(), "signed.auth.test") } else { raw.into_bytes() };
    // What the receiving server writes on top: the delivery address, the
    // envelope sender and its own Received hop (SPF is checked for it).
    let mut delivered = format!(
        "Return-Path: <bounce@signed.auth.test>\r\nDelivered-To: {delivered_to}\r\n\
         Received: from client.auth.test (localhost [127.0.0.1])\r\n\tby mail.example.test (Postfix) with ESMTP id B{i}\r\n\
         \tfor <{delivered_to}>; Mon, 30 Nov 2026 09:00:01 +0000 (UTC)\r\n"
    )
    .into_bytes();
    delivered.extend(raw);
    delivered
}

fn cli_json(o: &Options, dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(&o.cli).arg("--data-dir").arg(dir).args(args).arg("--json").output().expect("cli");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Syncs `runs` fresh copies of `template`; the median.
fn sync_copies(o: &Options, template: &Path, what: &str) -> Measured {
    let runs: Vec<Measured> = (0..o.runs)
        .map(|run| {
            let dir = std::env::temp_dir().join(format!("tl-bench-{what}-{run}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let copied = Command::new("cp").arg("-a").arg(template).arg(&dir).status().expect("cp");
            assert!(copied.success(), "copy the prepared data dir");
            crate::flush_writes();
            let measured = threadline_sync(o, &dir, what);
            let _ = std::fs::remove_dir_all(&dir);
            measured
        })
        .collect();
    median(runs)
}

pub async fn bench(o: &Options, s: &MailServers, n: u32) -> CaptureFigures {
    let ordinary_user: TestUser = s.new_user("benchplain");
    let capture_user: TestUser = s.new_user("benchbcc");
    let base = std::env::temp_dir().join(format!("tl-bench-capture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let (plain_dir, bcc_dir) = (base.join("plain"), base.join("bcc"));
    threadline_account(o, s, &ordinary_user, &plain_dir);
    threadline_account(o, s, &capture_user, &bcc_dir);
    let address = cli_json(o, &bcc_dir, &["bcc", "setup", "--account", "1"])["address"]
        .as_str()
        .expect("the Smart BCC address")
        .to_owned();

    // The same messages, signed alike; one mailbox's delivered to the user,
    // the other's to the Smart BCC address.
    let ordinary: Vec<Vec<u8>> =
        (0..n).map(|i| message(i, &ordinary_user.email, &ordinary_user.email, s, true)).collect();
    let copies: Vec<Vec<u8>> = (0..n).map(|i| message(i, &capture_user.email, &address, s, true)).collect();
    for chunk in ordinary.chunks(200) {
        s.append(&ordinary_user, "INBOX", chunk).await;
    }
    for chunk in copies.chunks(200) {
        s.append(&capture_user, "INBOX", chunk).await;
    }

    let ordinary = sync_copies(o, &plain_dir, "ordinary");
    let captured = sync_copies(o, &bcc_dir, "captured");
    // One more run, kept, to see what the copies became.
    threadline_sync(o, &bcc_dir, "captured-check");
    let listed = cli_json(o, &bcc_dir, &["list", "--limit", "5000"]).as_array().map_or(0, Vec::len);
    let held = cli_json(o, &bcc_dir, &["quarantine", "list"]).as_array().map_or(0, Vec::len);
    assert_eq!((listed, held), (n as usize, 0), "every copy captured, none held");
    let _ = std::fs::remove_dir_all(&base);
    CaptureFigures { messages: n, ordinary, captured, listed }
}
