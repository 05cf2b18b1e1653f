//! The send benchmark: a message with 20 MB of attachments sent through
//! the test Postfix (SMTPS) and saved to Sent by `threadline-cli send`,
//! beside Python's smtplib sending a message with the same attachment over
//! the same server in the same run. Targets: at most 1.5 times smtplib's
//! time, and peak RSS under three times the message's size.

use std::process::Command;

use threadline_testkit::corpus::noise;
use threadline_testkit::{MailServers, TestUser};

use crate::{Measured, Options, measure};

pub struct SendFigures {
    /// The attachment's size.
    pub bytes: u64,
    /// The message's size as it arrived (the file encoded, with headers).
    pub message_bytes: u64,
    pub ours: Measured,
    pub smtplib: Measured,
}

const SMTPLIB: &str = r#"
import smtplib, ssl, sys
from email.message import EmailMessage
port, ca, user, password, to, path = sys.argv[1:7]
m = EmailMessage()
m["From"], m["To"], m["Subject"] = user, to, "smtplib reference"
m.set_content("The files.")
with open(path, "rb") as f:
    m.add_attachment(f.read(), maintype="application", subtype="octet-stream", filename="files.bin")
with smtplib.SMTP_SSL("127.0.0.1", int(port), context=ssl.create_default_context(cafile=ca)) as s:
    s.login(user, password)
    s.send_message(m)
"#;

pub async fn bench(o: &Options, s: &MailServers, megabytes: u32) -> SendFigures {
    let (sender, recipient): (TestUser, TestUser) = (s.new_user("benchsend"), s.new_user("benchrecv"));
    let dir = std::env::temp_dir().join(format!("tl-bench-send-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let data = dir.join("data");
    measure(
        Command::new(&o.cli)
            .arg("--data-dir")
            .arg(&data)
            .args(["account", "add", "--email", &sender.email])
            .args(["--imap", &format!("127.0.0.1:{}", s.imaps_port)])
            .args(["--smtp", &format!("127.0.0.1:{}", s.smtps_port)])
            .args(["--security", "tls", "--user", &sender.email, "--password-env", "TL_BENCH_PASSWORD"])
            .arg("--ca-file")
            .arg(&s.ca_file)
            .env("TL_BENCH_PASSWORD", &sender.password),
        "account add",
    );
    measure(Command::new(&o.cli).arg("--data-dir").arg(&data).args(["sync", "--once"]), "first sync");
    // 20 MB of files is about 27 MB encoded: over the 25 MB default.
    let limit = (megabytes * 2).to_string();
    measure(Command::new(&o.cli).arg("--data-dir").arg(&data).args(["account", "size-limit", "1", &limit]), "limit");
    let file = dir.join("files.bin");
    let bytes = u64::from(megabytes) * 1024 * 1024;
    std::fs::write(&file, noise(usize::try_from(bytes).expect("size"), 0x9e37_79b9_7f4a_7c15)).expect("attachment");

    let ours = measure(
        Command::new(&o.cli)
            .arg("--data-dir")
            .arg(&data)
            .args(["send", "--account", "1", "--to", &recipient.email, "--subject", "the files"])
            .args(["--body", "The files.", "--attach"])
            .arg(&file),
        "send",
    );
    s.wait_for_count(&recipient, "INBOX", 1).await;
    let message_bytes = s.sources(&recipient, "INBOX").await.first().map_or(0, |m| m.len() as u64);
    let smtplib = measure(
        Command::new("python3")
            .args(["-c", SMTPLIB, &s.smtps_port.to_string()])
            .arg(&s.ca_file)
            .args([&sender.email, &sender.password, &recipient.email])
            .arg(&file),
        "smtplib",
    );
    s.wait_for_count(&recipient, "INBOX", 2).await;
    let _ = std::fs::remove_dir_all(&dir);
    SendFigures { bytes, message_bytes, ours, smtplib }
}
