//! `threadline-bench`: the sync benchmarks, on the project's own Dovecot
//! over TLS on loopback, each figure beside a reference measured in the
//! same run on the same mailbox:
//!
//! - mbsync (Debian's isync, default settings) syncing the mailbox into a
//!   Maildir: the tool to beat;
//! - a plain `UID FETCH 1:* BODY.PEEK[]` over a fresh TLS connection,
//!   bodies read and dropped: the physical limit of server and link.
//!
//! Ours is `threadline-cli sync --once`, a whole process: start, open the
//! store, log in, list and sync every folder, parse, thread, index, commit.
//! Wall time is measured here; peak RSS comes from GNU time.
//!
//! Usage (tests/bench/run.sh builds it in release and provides the keychain
//! and the servers): `threadline-bench --cli PATH [--small N] [--large N]
//! [--pad BYTES] [--linking N] [--sync 0] [--memory N,N]`. `--large 0`
//! skips the 100,000-message mailbox; `--linking 0` the linking benchmark
//! (see `linking.rs`); `--sync 0` everything but linking; `--memory 0` the
//! memory benchmark (peak RSS of our initial sync on mailboxes where some
//! messages carry attachments, default 20,000 and 100,000 messages);
//! `--verify 0` the mail-authentication benchmark (see `verify.rs`);
//! `--capture 0` the Smart BCC capture benchmark (see `capture.rs`);
//! `--send 0` the send benchmark (see `send.rs`; `--send MB` sets the
//! attachment's size, default 20); `--search N,N` the stores of the inbox
//! benchmark (see `search.rs`; default 100,000 and 1,000,000 messages,
//! `--search 0` skips it).

#![allow(clippy::expect_used, clippy::unwrap_used)] // a benchmark fails by panicking

mod capture;
mod linking;
mod search;
mod send;
mod verify;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use threadline_engine::imap::tls;
use threadline_testkit::{MailServers, TestUser, corpus, servers};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

/// Wall time and peak resident memory of one measured process.
#[derive(Debug, Clone, Copy)]
struct Measured {
    wall: Duration,
    peak_rss_kib: u64,
}

impl Measured {
    fn secs(&self) -> f64 {
        self.wall.as_secs_f64()
    }
    fn mib(&self) -> f64 {
        self.peak_rss_kib as f64 / 1024.0
    }
}

struct Options {
    cli: PathBuf,
    small: u32,
    large: u32,
    pad: usize,
    /// Stored messages of the linking benchmark (0 skips it).
    linking: u64,
    /// 0 skips the sync and push benchmarks (linking only).
    sync: u32,
    /// Mailbox sizes of the memory benchmark (messages with attachments;
    /// empty skips it).
    memory: Vec<u32>,
    /// Verifications measured by the mail-authentication benchmark (0
    /// skips it).
    verify: u32,
    /// Captured copies synced by the capture benchmark, beside as many
    /// ordinary messages (0 skips it).
    capture: u32,
    /// Megabytes of attachments in the send benchmark (0 skips it).
    send: u32,
    /// Store sizes of the inbox benchmark (empty skips it).
    search: Vec<u32>,
    /// Times our initial sync and the plain fetch are run; the median
    /// counts. A single run of about two seconds on two cores moved by
    /// a fifth from run to run here.
    runs: usize,
}

fn options() -> Options {
    let mut o = Options {
        cli: PathBuf::new(),
        small: 20_000,
        large: 100_000,
        pad: 4096,
        linking: 100_000,
        sync: 1,
        memory: vec![20_000, 100_000],
        verify: 200,
        capture: 1000,
        send: 20,
        search: vec![100_000, 1_000_000],
        runs: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--cli" => o.cli = PathBuf::from(value),
            "--small" => o.small = value.parse().expect("--small N"),
            "--large" => o.large = value.parse().expect("--large N"),
            "--pad" => o.pad = value.parse().expect("--pad BYTES"),
            "--linking" => o.linking = value.parse().expect("--linking N"),
            "--sync" => o.sync = value.parse().expect("--sync 0|1"),
            "--verify" => o.verify = value.parse().expect("--verify N"),
            "--capture" => o.capture = value.parse().expect("--capture N"),
            "--send" => o.send = value.parse().expect("--send MB"),
            "--runs" => o.runs = value.parse::<usize>().expect("--runs N").max(1),
            "--search" => {
                o.search = value.split(',').map(|n| n.parse().expect("--search N,N")).filter(|n| *n > 0).collect();
            }
            "--memory" => {
                o.memory = value.split(',').map(|n| n.parse().expect("--memory N,N")).filter(|n| *n > 0).collect();
            }
            other => panic!("unknown option {other}"),
        }
    }
    assert!(o.cli.exists(), "--cli must name the threadline-cli binary");
    o
}

/// Runs a command to its end; returns its wall time and peak RSS. Panics
/// with its output when it fails.
///
/// The peak RSS comes from GNU time, which starts the command itself: a
/// child started straight from this process would report at least this
/// process's own size (Linux carries the parent's high-water mark across
/// the exec of a vfork'd child), which is not the tool's memory.
fn measure(cmd: &mut Command, what: &str) -> Measured {
    let log = tempfile_path(what);
    let rss_file = tempfile_path(&format!("{what}-rss"));
    let out = std::fs::File::create(&log).expect("log file");
    let err = out.try_clone().expect("log file");
    let mut timed = Command::new("/usr/bin/time");
    timed.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(cmd.get_program()).args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    flush_writes();
    let started = Instant::now();
    let status = timed
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .unwrap_or_else(|e| panic!("{what} (is GNU time installed?): {e}"));
    let wall = started.elapsed();
    assert!(status.success(), "{what} failed:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
    let peak_rss_kib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0);
    let _ = std::fs::remove_file(&log);
    let _ = std::fs::remove_file(&rss_file);
    Measured { wall, peak_rss_kib }
}

/// Writes the page cache out before a measurement, so that no tool pays
/// for the disk writes of the one before it (or of filling the mailbox).
fn flush_writes() {
    let _ = Command::new("sync").status();
}

/// The run of median wall time; the peak RSS is the largest of all runs.
fn median(mut runs: Vec<Measured>) -> Measured {
    let peak_rss_kib = runs.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
    runs.sort_by_key(|m| m.wall);
    let wall = runs.get(runs.len() / 2).map(|m| m.wall).unwrap_or_default();
    Measured { wall, peak_rss_kib }
}

fn list_secs(runs: &[Measured]) -> String {
    runs.iter().map(|m| format!("{:.2}", m.secs())).collect::<Vec<_>>().join(", ")
}

fn list_human(runs: &[Measured]) -> String {
    runs.iter().map(|m| human(m.wall)).collect::<Vec<_>>().join(", ")
}

fn tempfile_path(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!("threadline-bench-{}-{}.log", std::process::id(), what.replace(' ', "-")))
}

/// Puts `n` generated messages straight into the user's Maildir inbox,
/// each padded with text to about `pad` bytes, then lets Dovecot index
/// them once so that no tool pays for that.
async fn fill_mailbox(s: &MailServers, user: &TestUser, n: u32, pad: usize) -> u64 {
    let mut bytes = 0u64;
    let mut done = 0u32;
    while done < n {
        let chunk = (n - done).min(5_000);
        let raws: Vec<Vec<u8>> =
            corpus::years_of_mail(n as usize, done as usize, chunk as usize, u64::from(done) + 7, &user.email)
                .into_iter()
                .enumerate()
                .map(|(i, m)| {
                    let mut raw = m.raw;
                    pad_with_prose(&mut raw, pad, done + u32::try_from(i).unwrap_or(0));
                    bytes += raw.len() as u64;
                    raw
                })
                .collect();
        s.deliver_to_maildir(user, &raws).await;
        done += chunk;
    }
    let started = Instant::now();
    assert_eq!(s.count(user, "INBOX").await, n, "Dovecot sees every message");
    eprintln!("   (Dovecot listed {n} messages in {:.1} s)", started.elapsed().as_secs_f64());
    bytes
}

/// Words for padding text: prose-like, so it compresses about as well as
/// real mail text does (a repeated sentence would flatter compression).
const WORDS: [&str; 64] = [
    "the",
    "offer",
    "and",
    "we",
    "to",
    "of",
    "a",
    "meeting",
    "price",
    "contract",
    "for",
    "next",
    "week",
    "please",
    "find",
    "attached",
    "draft",
    "with",
    "your",
    "team",
    "in",
    "our",
    "call",
    "about",
    "timeline",
    "rollout",
    "budget",
    "approval",
    "is",
    "on",
    "by",
    "Friday",
    "customer",
    "renewal",
    "licence",
    "seats",
    "discount",
    "quarter",
    "review",
    "legal",
    "signed",
    "invoice",
    "shipping",
    "onboarding",
    "training",
    "support",
    "thanks",
    "regards",
    "let",
    "me",
    "know",
    "if",
    "that",
    "works",
    "could",
    "you",
    "send",
    "update",
    "numbers",
    "pipeline",
    "demo",
    "Tuesday",
    "follow",
    "up",
];

/// Appends lines of pseudo-random words until `raw` is about `pad` bytes.
fn pad_with_prose(raw: &mut Vec<u8>, pad: usize, seed: u32) {
    let mut state = u64::from(seed).wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut line = String::new();
    while raw.len() + line.len() + 2 < pad {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        line.push_str(WORDS[(state >> 58) as usize]);
        line.push(' ');
        if line.len() > 70 {
            raw.extend_from_slice(line.trim_end().as_bytes());
            raw.extend_from_slice(b"\r\n");
            line.clear();
        }
    }
}

/// The physical limit: TLS connect, LOGIN, SELECT, then one
/// `UID FETCH 1:* BODY.PEEK[]` read to the end and dropped.
async fn plain_fetch(s: &MailServers, user: &TestUser) -> (Duration, u64) {
    let config = tls::client_config(Some(&s.ca_pem)).expect("TLS config");
    let started = Instant::now();
    let tcp = TcpStream::connect(("127.0.0.1", s.imaps_port)).await.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let name = ServerName::try_from("127.0.0.1").expect("server name");
    let mut stream = TlsConnector::from(Arc::clone(&config)).connect(name, tcp).await.expect("TLS");
    let mut reader = Tagged::default();
    reader.until(&mut stream, "*").await;
    let login = format!("a LOGIN \"{}\" \"{}\"\r\n", user.email, user.password);
    stream.write_all(login.as_bytes()).await.expect("write");
    reader.until(&mut stream, "a").await;
    stream.write_all(b"b SELECT INBOX\r\n").await.expect("write");
    reader.until(&mut stream, "b").await;
    stream.write_all(b"c UID FETCH 1:* BODY.PEEK[]\r\n").await.expect("write");
    let bytes = reader.until(&mut stream, "c").await;
    (started.elapsed(), bytes)
}

/// Reads an IMAP response stream until a line starting with the tag.
#[derive(Default)]
struct Tagged {
    tail: Vec<u8>,
}

impl Tagged {
    async fn until<S: tokio::io::AsyncRead + Unpin>(&mut self, stream: &mut S, tag: &str) -> u64 {
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        self.tail.clear();
        loop {
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "server closed the connection");
            total += n as u64;
            self.tail.extend_from_slice(&buf[..n]);
            if self.tail.len() > 4096 {
                self.tail.drain(..self.tail.len() - 4096);
            }
            if let Some(line) = last_line(&self.tail) {
                let text = String::from_utf8_lossy(line);
                if text.starts_with(&format!("{tag} ")) {
                    assert!(tag == "*" || text.starts_with(&format!("{tag} OK")), "server said: {text}");
                    return total;
                }
            }
        }
    }
}

/// The last complete line (without CRLF) when the data ends with one.
fn last_line(data: &[u8]) -> Option<&[u8]> {
    let body = data.strip_suffix(b"\r\n")?;
    let start = body.windows(2).rposition(|w| w == b"\r\n").map(|p| p + 2).unwrap_or(0);
    Some(&body[start..])
}

/// An mbsync configuration pulling every folder of the user into `dir`.
/// (mbsync matches only DNS names in the server's certificate, hence
/// `localhost`, which is loopback too.)
fn mbsync_config(s: &MailServers, user: &TestUser, dir: &Path) -> PathBuf {
    let config = dir.join("mbsyncrc");
    let text = format!(
        "IMAPAccount far\nHost localhost\nPort {port}\nUser \"{user}\"\nPass \"{pass}\"\nSSLType IMAPS\nCertificateFile {ca}\n\n\
         IMAPStore far\nAccount far\n\n\
         MaildirStore near\nPath {dir}/mail/\nInbox {dir}/mail/INBOX\nSubFolders Verbatim\n\n\
         Channel bench\nFar :far:\nNear :near:\nPatterns *\nCreate Near\nSync Pull\nSyncState *\n",
        port = s.imaps_port,
        user = user.email,
        pass = user.password,
        ca = s.ca_file.display(),
        dir = dir.display(),
    );
    std::fs::write(&config, text).expect("mbsyncrc");
    config
}

fn mbsync(config: &Path, what: &str) -> Measured {
    measure(Command::new("mbsync").arg("-c").arg(config).arg("-q").arg("bench"), what)
}

/// A data dir with the user's account added (the login check is not timed).
fn threadline_account(o: &Options, s: &MailServers, user: &TestUser, dir: &Path) {
    measure(
        Command::new(&o.cli)
            .arg("--data-dir")
            .arg(dir)
            .args(["account", "add", "--email", &user.email])
            .args(["--imap", &format!("127.0.0.1:{}", s.imaps_port)])
            .args(["--smtp", &format!("127.0.0.1:{}", s.submission_port)])
            .args(["--security", "tls", "--user", &user.email, "--password-env", "TL_BENCH_PASSWORD"])
            .arg("--ca-file")
            .arg(&s.ca_file)
            .env("TL_BENCH_PASSWORD", &user.password),
        "account add",
    );
}

fn threadline_sync(o: &Options, dir: &Path, what: &str) -> Measured {
    measure(Command::new(&o.cli).arg("--data-dir").arg(dir).args(["sync", "--once"]), what)
}

/// One mailbox's figures.
struct Row {
    label: String,
    ours: Measured,
    mbsync: Measured,
    plain: Option<Duration>,
}

fn print_rows(rows: &[Row]) {
    println!();
    println!(
        "| what | threadline | mbsync | ours / mbsync | plain fetch | ours / plain | peak RSS ours | peak RSS mbsync |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        let (plain, plain_ratio) = match r.plain {
            Some(p) => (format!("{:.2} s", p.as_secs_f64()), format!("{:.2}", r.ours.secs() / p.as_secs_f64())),
            None => ("".into(), "".into()),
        };
        println!(
            "| {} | {} | {} | {:.2} | {} | {} | {:.1} MiB | {:.1} MiB |",
            r.label,
            human(r.ours.wall),
            human(r.mbsync.wall),
            r.ours.secs() / r.mbsync.secs(),
            plain,
            plain_ratio,
            r.ours.mib(),
            r.mbsync.mib(),
        );
    }
}

fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// A short CPU time, to a hundredth of a millisecond.
fn human_ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Initial sync, no-change resync and (for the small mailbox) a resync
/// after 100 new messages and 500 flag changes, ours beside mbsync.
async fn bench_mailbox(o: &Options, s: &MailServers, n: u32, with_changes: bool) -> Vec<Row> {
    let user = s.new_user(&format!("bench{n}"));
    eprintln!("== mailbox of {n} messages ({})", user.email);
    let bytes = fill_mailbox(s, &user, n, o.pad).await;
    eprintln!("   {:.1} MiB of mail", bytes as f64 / 1_048_576.0);

    // Warm the server's caches once, then the limit.
    plain_fetch(s, &user).await;
    let mut plains = Vec::new();
    let mut fetched = 0;
    for _ in 0..o.runs {
        flush_writes();
        let (wall, bytes) = plain_fetch(s, &user).await;
        plains.push(Measured { wall, peak_rss_kib: 0 });
        fetched = bytes;
    }
    let plain = median(plains.clone()).wall;
    eprintln!(
        "   plain fetch: {:.2} s (median of {} s), {:.1} MiB on the wire",
        plain.as_secs_f64(),
        list_secs(&plains),
        fetched as f64 / 1_048_576.0
    );

    let work = std::env::temp_dir().join(format!("threadline-bench-{}-{n}", std::process::id()));
    let ours_dir = work.join("threadline");
    let mbsync_dir = work.join("mbsync");
    std::fs::create_dir_all(mbsync_dir.join("mail")).expect("mbsync dir");
    let config = mbsync_config(s, &user, &mbsync_dir);

    let mut rows = Vec::new();
    // Each run into a new data dir; the last one stays for the resyncs.
    let mut initial = Vec::new();
    for _ in 0..o.runs {
        let _ = std::fs::remove_dir_all(&ours_dir);
        threadline_account(o, s, &user, &ours_dir);
        initial.push(threadline_sync(o, &ours_dir, "initial sync"));
    }
    let ours = median(initial.clone());
    eprintln!("   threadline initial: {} (median of {} s)", human(ours.wall), list_secs(&initial));
    let theirs = mbsync(&config, "mbsync initial");
    eprintln!("   mbsync initial: {}", human(theirs.wall));
    rows.push(Row { label: format!("initial sync, {n} messages"), ours, mbsync: theirs, plain: Some(plain) });

    // Tens of milliseconds: one run says little, so both tools get the
    // median of several, as the initial sync does.
    let ours_runs: Vec<Measured> = (0..o.runs).map(|_| threadline_sync(o, &ours_dir, "no-change resync")).collect();
    let theirs_runs: Vec<Measured> = (0..o.runs).map(|_| mbsync(&config, "mbsync no-change")).collect();
    let (ours, theirs) = (median(ours_runs.clone()), median(theirs_runs.clone()));
    eprintln!(
        "   no-change resync: threadline {} (median of {}), mbsync {} (median of {})",
        human(ours.wall),
        list_human(&ours_runs),
        human(theirs.wall),
        list_human(&theirs_runs)
    );
    rows.push(Row { label: format!("no-change resync, {n}"), ours, mbsync: theirs, plain: None });

    if with_changes {
        let new: Vec<Vec<u8>> = corpus::generate(100, 99_999, &user.email).into_iter().map(|m| m.raw).collect();
        s.append(&user, "INBOX", &new).await;
        s.uid_store(&user, "INBOX", "1:500", "+FLAGS.SILENT (\\Flagged)").await;
        let ours = threadline_sync(o, &ours_dir, "resync after changes");
        let theirs = mbsync(&config, "mbsync after changes");
        rows.push(Row {
            label: format!("resync, {n} + 100 new, 500 flags changed"),
            ours,
            mbsync: theirs,
            plain: None,
        });
    }
    let _ = std::fs::remove_dir_all(&work);
    rows
}

/// Puts `n` messages into the user's inbox where, as in a salesperson's
/// mailbox, about 8 % carry an attachment of 20-400 KB (incompressible
/// bytes, base64 as mail has them) and three are messages of 10, 18 and
/// 25 MB (their attachments three quarters of that, before base64); the
/// rest are about 4 KB. Returns the mailbox's size in bytes.
async fn fill_mailbox_with_attachments(s: &MailServers, user: &TestUser, n: u32) -> u64 {
    let mut bytes = 0u64;
    let mut done = 0u32;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let big = [n / 4, n / 2, 3 * n / 4];
    while done < n {
        let chunk = (n - done).min(2_000);
        let mut raws = Vec::with_capacity(chunk as usize);
        for (i, m) in
            corpus::years_of_mail(n as usize, done as usize, chunk as usize, u64::from(done) + 31, &user.email)
                .into_iter()
                .enumerate()
        {
            let k = done + u32::try_from(i).unwrap_or(0);
            let mut raw = m.raw;
            pad_with_prose(&mut raw, 4096, k);
            let attachment = match big.iter().position(|b| *b == k) {
                // A message's size is its attachment's in base64: 4/3.
                Some(j) => Some([10, 18, 25][j] * 1024 * 1024 / 4 * 3),
                None if next() % 100 < 8 => Some(20 * 1024 + (next() as usize % (380 * 1024))),
                None => None,
            };
            if let Some(size) = attachment {
                raw = with_attachment(&raw, size, &mut next);
            }
            bytes += raw.len() as u64;
            raws.push(raw);
        }
        s.deliver_to_maildir(user, &raws).await;
        done += chunk;
    }
    assert_eq!(s.count(user, "INBOX").await, n, "Dovecot sees every message");
    bytes
}

/// The message made multipart: its main headers and its body as text,
/// then `size` bytes of noise as a base64 attachment.
fn with_attachment(raw: &[u8], size: usize, next: &mut impl FnMut() -> u64) -> Vec<u8> {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").map_or(raw.len(), |p| p + 4);
    let (head, body) = raw.split_at(split);
    let head: Vec<u8> = String::from_utf8_lossy(head)
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            ["from:", "to:", "date:", "message-id:", "subject:"].iter().any(|h| l.starts_with(h))
        })
        .flat_map(|l| format!("{l}\r\n").into_bytes())
        .collect();
    let mut out = head;
    out.extend_from_slice(b"Content-Type: multipart/mixed; boundary=\"bench-part\"\r\n\r\n");
    out.extend_from_slice(b"--bench-part\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n--bench-part\r\nContent-Type: application/octet-stream\r\n");
    out.extend_from_slice(b"Content-Disposition: attachment; filename=\"quote.bin\"\r\n");
    out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n\r\n");
    let encoded = size / 3 * 4;
    let mut line = 0;
    for _ in 0..encoded {
        out.push(B64[(next() % 64) as usize]);
        line += 1;
        if line == 76 {
            out.extend_from_slice(b"\r\n");
            line = 0;
        }
    }
    out.extend_from_slice(b"\r\n--bench-part--\r\n");
    out
}

/// Peak RSS of our initial sync of a mailbox with attachments: what bounds
/// memory is bytes, not message counts.
async fn bench_memory(o: &Options, s: &MailServers, n: u32) -> (u32, u64, Measured) {
    let user = s.new_user(&format!("memory{n}"));
    eprintln!("== memory: mailbox of {n} messages with attachments ({})", user.email);
    let bytes = fill_mailbox_with_attachments(s, &user, n).await;
    eprintln!("   {:.1} MiB of mail", bytes as f64 / 1_048_576.0);
    let dir = std::env::temp_dir().join(format!("threadline-bench-{}-memory-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    threadline_account(o, s, &user, &dir);
    let ours = threadline_sync(o, &dir, "initial sync with attachments");
    eprintln!("   threadline initial: {}, peak RSS {:.1} MiB", human(ours.wall), ours.mib());
    let _ = std::fs::remove_dir_all(&dir);
    (n, bytes, ours)
}

/// Latency from the SMTP server accepting a message (Postfix, delivering
/// into Dovecot over LMTP) to a running `sync --watch` printing it, for
/// `n` messages sent one after another. Sorted, in milliseconds.
fn bench_latency(o: &Options, s: &MailServers, n: usize) -> Vec<f64> {
    use std::io::BufRead;
    let user = s.new_user("latency");
    eprintln!("== push latency over {n} messages ({})", user.email);
    let dir = std::env::temp_dir().join(format!("threadline-bench-{}-latency", std::process::id()));
    threadline_account(o, s, &user, &dir);
    let mut child = Command::new(&o.cli)
        .arg("--data-dir")
        .arg(&dir)
        .args(["sync", "--watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sync --watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = std::sync::mpsc::channel::<(Instant, serde_json::Value)>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let at = Instant::now();
            if let Ok(value) = serde_json::from_str(&line)
                && tx.send((at, value)).is_err()
            {
                return;
            }
        }
    });
    let wait_for = |want: &dyn Fn(&serde_json::Value) -> bool, what: &str| loop {
        let (at, value) = lines.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("no {what}"));
        if want(&value) {
            return at;
        }
    };
    wait_for(&|v| v["event"] == "account_state" && v["state"] == "ok", "first pass");
    // The watcher is in IDLE once its first pass is done; give it a moment.
    std::thread::sleep(Duration::from_millis(300));
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let subject = format!("latency probe {i}");
        let raw = format!(
            "From: Probe <probe@acme.example>\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <probe-{i}-{}@acme.example>\r\n\r\nprobe {i}\r\n",
            user.email,
            std::process::id()
        );
        s.send_smtp("probe@acme.example", &user.email, raw.as_bytes());
        let accepted = Instant::now();
        let printed = wait_for(&|v| v["event"] == "added" && v["message"]["subject"] == subject.as_str(), "probe line");
        latencies.push(printed.saturating_duration_since(accepted).as_secs_f64() * 1000.0);
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    latencies.sort_by(f64::total_cmp);
    latencies
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let o = options();
    let linking = if o.linking > 0 { Some(linking::bench(o.linking).await) } else { None };
    if o.sync > 0 {
        let s = servers();
        let mut rows = Vec::new();
        if o.small > 0 {
            rows.extend(bench_mailbox(&o, s, o.small, true).await);
        }
        if o.large > 0 {
            rows.extend(bench_mailbox(&o, s, o.large, false).await);
        }
        let latency = bench_latency(&o, s, 50);
        let mut memory = Vec::new();
        for n in &o.memory {
            memory.push(bench_memory(&o, s, *n).await);
        }
        print_rows(&rows);
        if !memory.is_empty() {
            println!();
            println!("| initial sync, mail with attachments | mailbox | time | peak RSS |");
            println!("| --- | ---: | ---: | ---: |");
            for (n, bytes, m) in &memory {
                println!(
                    "| {n} messages | {:.0} MiB | {} | {:.1} MiB |",
                    *bytes as f64 / 1_048_576.0,
                    human(m.wall),
                    m.mib()
                );
            }
        }
        println!();
        println!(
            "push latency, SMTP accepted -> printed by `sync --watch`, {} messages: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
            latency.len(),
            percentile(&latency, 0.5),
            percentile(&latency, 0.95),
            latency.last().copied().unwrap_or(f64::NAN),
        );
    }
    if o.verify > 0 {
        let f = verify::bench(servers(), o.verify);
        println!();
        println!("| mail authentication, CPU per message ({} KB, {} runs) | time |", f.bytes / 1024, f.runs);
        println!("| --- | ---: |");
        println!(
            "| verify a captured copy: DKIM and SPF, DNS from the cache (target under 5 ms) | {} |",
            human_ms(f.verify)
        );
        println!("| reference: parse the same message with mail-parser | {} |", human_ms(f.parse));
    }
    if o.capture > 0 {
        let f = capture::bench(&o, servers(), o.capture).await;
        let extra = (f.captured.secs() / f.ordinary.secs() - 1.0) * 100.0;
        println!();
        println!("| initial sync (`sync --once`, median of {}) | time |", o.runs);
        println!("| --- | ---: |");
        println!("| {} captured Smart BCC copies, each checked (DKIM, SPF) | {} |", f.messages, human(f.captured.wall));
        println!("| reference: {} ordinary messages of the same size | {} |", f.messages, human(f.ordinary.wall));
        println!("| captured copies add (target at most 20%) | {extra:.1}% ({} listed) |", f.listed);
    }
    if o.send > 0 {
        let f = send::bench(&o, servers(), o.send).await;
        let mb = f.bytes as f64 / 1_048_576.0;
        println!();
        println!("| send {mb:.0} MB of attachments through Postfix (SMTPS) | time | peak RSS |");
        println!("| --- | ---: | ---: |");
        println!(
            "| `threadline-cli send`, then saved to Sent and Sent synced | {} | {:.1} MiB |",
            human(f.ours.wall),
            f.ours.mib()
        );
        println!(
            "| reference: Python's smtplib, the same file | {} | {:.1} MiB |",
            human(f.smtplib.wall),
            f.smtplib.mib()
        );
        let message_mib = f.message_bytes as f64 / 1_048_576.0;
        println!(
            "| ratio (target at most 1.5) | {:.2} | peak RSS / message ({message_mib:.1} MiB as sent) {:.2} (target under 3); / attachment {:.2} |",
            f.ours.secs() / f.smtplib.secs(),
            f.ours.mib() / message_mib,
            f.ours.mib() / mb
        );
    }
    let mut inbox = Vec::new();
    for n in &o.search {
        inbox.push(search::bench(*n).await);
    }
    if !inbox.is_empty() {
        println!();
        print!("| inbox, in process (p95) | target at 100k / 1M |");
        for f in &inbox {
            print!(" {} messages |", f.messages);
        }
        println!();
        println!("| --- | ---: |{}", " ---: |".repeat(inbox.len()));
        let row = |what: &str, target: &str, figure: &dyn Fn(&search::SearchFigures) -> String| {
            print!("| {what} | {target} |");
            for f in &inbox {
                print!(" {} |", figure(f));
            }
            println!();
        };
        for (at, (kind, _)) in inbox.first().map(|f| f.search.clone()).unwrap_or_default().iter().enumerate() {
            row(&format!("search: {kind}"), "50 ms / 100 ms", &|f| {
                f.search.get(at).map(|(_, d)| human_ms(*d)).unwrap_or_default()
            });
        }
        row("first page of the inbox (50 conversations)", "30 ms / 50 ms", &|f| human_ms(f.first_page));
        row("first page of one account's inbox", "30 ms / 50 ms", &|f| human_ms(f.account_page));
        row("first page of the Inbox folder as a folder view", "30 ms / 50 ms", &|f| human_ms(f.folder_page));
        row("its conversations counted (after the first page)", "", &|f| human_ms(f.folder_count));
        row("folder tree with unread counts", "", &|f| human_ms(f.folder_tree));
        row("recipients offered as an address or name is typed", "", &|f| human_ms(f.completion));
        row("open a 100-message conversation", "50 ms", &|f| human_ms(f.open_conversation));
        row("reference: the newest 200 messages by date", "", &|f| human_ms(f.reference));
        row("store size per message", "1M no larger than 100k", &|f| {
            format!("{:.0} B", f.store_bytes as f64 / f64::from(f.messages))
        });
        row("search indexes per message", "", &|f| format!("{:.0} B", f.index_bytes as f64 / f64::from(f.messages)));
        row("seeding (parse, store, index)", "", &|f| human(f.seed));
    }
    if let Some(f) = linking {
        println!();
        println!("| linking (in process, {} stored messages) | time |", f.messages);
        println!("| --- | ---: |");
        println!("| import 10,000 persons, linking their mail | {} |", human(f.import_persons));
        println!(
            "| all {} messages from scratch against 10,000 persons and 2,000 open deals ({} links) | {} |",
            f.messages,
            f.links,
            human(f.relink_all)
        );
        println!(
            "| add one person with 500 past messages ({} conversations linked) | {} |",
            f.add_person_links,
            human(f.add_person)
        );
    }
}
