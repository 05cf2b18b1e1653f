//! Test helpers shared by the engine's and the CLI's integration tests.
//!
//! [`servers`] starts the real Dovecot and Postfix of `tests/servers/` once
//! per test process (the script is idempotent and locked, so parallel test
//! binaries share one instance). Each test makes its own user, so tests
//! never see each other's mail.

#![allow(clippy::expect_used, clippy::unwrap_used)] // test support: failing means panicking

pub mod corpus;
pub mod outage;
pub mod seed;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use futures::StreamExt;
use threadline_engine::accounts::{Auth, Endpoint};
use threadline_engine::imap::{self, Session};
use threadline_engine::model::{NewAccount, Security};

/// The running test servers.
#[derive(Debug, Clone)]
pub struct MailServers {
    pub run_dir: PathBuf,
    pub imaps_port: u16,
    pub imap_port: u16,
    /// Where mail from the outside world comes in (no login).
    pub smtp_port: u16,
    /// Submission with STARTTLS and a required login (port 587's role).
    pub submission_port: u16,
    /// Submission with implicit TLS and a required login (port 465's role).
    pub smtps_port: u16,
    pub ca_file: PathBuf,
    pub ca_pem: String,
    pub users_file: PathBuf,
    pub domain: String,
    /// GNU Mailutils imap4d (implicit TLS): the second IMAP server.
    pub imap4d_port: u16,
    /// Its users, a passwd-style file per domain.
    pub imap4d_domains: PathBuf,
    /// NSD on loopback, authoritative for `dns_zone` (see start.sh for
    /// its names: signed, spoofed, soft and plain).
    pub dns_port: u16,
    pub dns_zone: String,
    /// The run's DKIM private key (PKCS #8 PEM), published under
    /// `dkim_selector` for signed and spoofed.
    pub dkim_key: PathBuf,
    pub dkim_selector: String,
    /// The web server of discover.test's domains (autoconfig files).
    pub http_port: u16,
    /// The OpenID provider (oidc-provider): its issuer is
    /// http://127.0.0.1:oidc_port, its app client "threadline".
    pub oidc_port: u16,
    /// The script that plays the system browser for OAuth ($BROWSER).
    pub browser: PathBuf,
}

/// A mailbox on the test server.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub email: String,
    pub password: String,
    /// The IMAP server (implicit TLS) its mailbox is on: Dovecot's unless
    /// made with [`MailServers::new_imap4d_user`]. Its SMTP login is
    /// Dovecot's either way.
    pub imap_port: u16,
}

/// A flag as IMAP writes it.
fn flag_name(flag: &async_imap::types::Flag<'_>) -> String {
    use async_imap::types::Flag;
    match flag {
        Flag::Seen => "\\Seen".into(),
        Flag::Answered => "\\Answered".into(),
        Flag::Flagged => "\\Flagged".into(),
        Flag::Deleted => "\\Deleted".into(),
        Flag::Draft => "\\Draft".into(),
        Flag::Recent => "\\Recent".into(),
        Flag::MayCreate => "\\*".into(),
        Flag::Custom(name) => name.to_string(),
    }
}

/// Subjects of a view's conversations (inbox, archive, trash), sorted: what
/// a test compares after actions and passes.
pub async fn view_subjects(
    engine: &threadline_engine::Engine,
    view: threadline_engine::model::ThreadView,
) -> Vec<String> {
    let page = engine.mail().thread_page(view, 0, 100).await.expect("threads");
    let mut subjects: Vec<String> = page.threads.into_iter().map(|t| t.subject).collect();
    subjects.sort();
    subjects
}

/// The repository root (this crate lives in tests/testkit).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Starts (or finds) the test servers.
pub fn servers() -> &'static MailServers {
    static SERVERS: OnceLock<MailServers> = OnceLock::new();
    SERVERS.get_or_init(|| start_servers(None))
}

/// A second, private instance of the servers in `run_dir`, for tests that
/// stop or restart a server (the shared one serves other tests meanwhile).
/// Stopped with [`MailServers::stop`].
pub fn private_servers(run_dir: &Path) -> MailServers {
    start_servers(Some(run_dir))
}

fn start_servers(run_dir: Option<&Path>) -> MailServers {
    let script = repo_root().join("tests/servers/start.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .args(run_dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed (run src-tauri/scripts/install-deps.sh test first?):\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let env_file = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let text = std::fs::read_to_string(&env_file).unwrap_or_else(|e| panic!("cannot read {env_file}: {e}"));
    let env: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| env.get(k).map(|v| v.to_string()).unwrap_or_else(|| panic!("{k} missing in {env_file}"));
    let port = |k: &str| get(k).parse::<u16>().unwrap_or_else(|e| panic!("{k}: {e}"));
    let ca_file = PathBuf::from(get("TL_CA_FILE"));
    MailServers {
        run_dir: PathBuf::from(get("TL_RUN")),
        imaps_port: port("TL_IMAPS_PORT"),
        imap_port: port("TL_IMAP_PORT"),
        smtp_port: port("TL_SMTP_PORT"),
        submission_port: port("TL_SUBMISSION_PORT"),
        smtps_port: port("TL_SMTPS_PORT"),
        ca_pem: std::fs::read_to_string(&ca_file).unwrap_or_else(|e| panic!("CA: {e}")),
        ca_file,
        users_file: PathBuf::from(get("TL_USERS_FILE")),
        domain: get("TL_MAIL_DOMAIN"),
        imap4d_port: port("TL_IMAP4D_PORT"),
        imap4d_domains: PathBuf::from(get("TL_IMAP4D_DOMAINS")),
        dns_port: port("TL_DNS_PORT"),
        dns_zone: get("TL_DNS_ZONE"),
        dkim_key: PathBuf::from(get("TL_DKIM_KEY")),
        dkim_selector: get("TL_DKIM_SELECTOR"),
        http_port: port("TL_HTTP_PORT"),
        oidc_port: port("TL_OIDC_PORT"),
        browser: PathBuf::from(get("TL_BROWSER")),
    }
}

impl MailServers {
    /// Restarts Dovecot (same configuration and ports) as a service
    /// manager does: every process of the service gets SIGTERM, so every
    /// connection drops (Dovecot's master alone would let its IMAP
    /// processes serve their clients to the end).
    pub fn restart_imap(&self) {
        let pid_file = self.run_dir.join("dovecot-base/master.pid");
        let pid = std::fs::read_to_string(&pid_file).unwrap_or_else(|e| panic!("{}: {e}", pid_file.display()));
        let pid = pid.trim().to_owned();
        let _ = std::process::Command::new("pkill").args(["-TERM", "-P", &pid]).status();
        let killed = std::process::Command::new("kill").arg(&pid).status().expect("kill");
        assert!(killed.success(), "stop Dovecot {pid}");
        let gone = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::path::Path::new(&format!("/proc/{pid}")).exists() {
            assert!(std::time::Instant::now() < gone, "Dovecot {pid} did not stop");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let started = std::process::Command::new("dovecot")
            .arg("-c")
            .arg(self.run_dir.join("dovecot.conf"))
            .status()
            .expect("start Dovecot");
        assert!(started.success(), "Dovecot did not start again");
        let up = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.imaps_port)).is_err() {
            assert!(std::time::Instant::now() < up, "Dovecot does not listen again");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// The loopback DNS server, as `THREADLINE_DNS_SERVER` names one.
    pub fn dns_server(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.dns_port))
    }

    /// `raw` with a DKIM-Signature of `domain` (a name of the test zone
    /// whose key is published) over From, To, Subject, Date and
    /// Message-ID, as a sending server would add it.
    pub fn dkim_sign(&self, raw: &[u8], domain: &str) -> Vec<u8> {
        use mail_auth::common::crypto::{RsaKey, Sha256};
        use mail_auth::common::headers::HeaderWriter;
        use rustls_pki_types::{PrivateKeyDer, pem::PemObject};
        let der = PrivateKeyDer::from_pem_file(&self.dkim_key).expect("the run's DKIM key");
        let key = RsaKey::<Sha256>::from_key_der(der).expect("an RSA key");
        let signature = mail_auth::dkim::DkimSigner::from_key(key)
            .domain(domain)
            .selector(self.dkim_selector.as_str())
            .headers(["From", "To", "Subject", "Date", "Message-ID"])
            .sign(raw)
            .expect("DKIM signature");
        [signature.to_header().into_bytes(), raw.to_vec()].concat()
    }

    /// Stops a private instance.
    pub fn stop(&self) {
        let _ = std::process::Command::new("bash")
            .arg(repo_root().join("tests/servers/stop.sh"))
            .arg(&self.run_dir)
            .status();
    }

    /// Creates a fresh mailbox with a unique name.
    pub fn new_user(&self, prefix: &str) -> TestUser {
        self.add_user(prefix, "")
    }

    /// Creates a fresh mailbox whose folders are like Gmail's: an All Mail
    /// folder (SPECIAL-USE \All) and no \Archive, so that archiving means
    /// leaving the inbox for All Mail.
    pub fn new_gmail_like_user(&self, prefix: &str) -> TestUser {
        self.add_user(
            prefix,
            "userdb_namespace/inbox/mailbox/Archive/auto=no userdb_namespace/inbox/mailbox/All/auto=subscribe",
        )
    }

    /// Creates a fresh mailbox on a server that offers only IMAP4rev1
    /// (RFC 3501) after login: no IDLE, CONDSTORE, QRESYNC, MOVE or
    /// SPECIAL-USE, as older and minimal servers do.
    pub fn new_imap4rev1_user(&self, prefix: &str) -> TestUser {
        self.add_user(prefix, "userdb_imap_capability=IMAP4rev1")
    }

    /// `settings`: Dovecot userdb fields for this user only.
    fn add_user(&self, prefix: &str, settings: &str) -> TestUser {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let email = format!("{prefix}-{}-{n}-{stamp}@{}", std::process::id(), self.domain);
        let password = format!("pw-{n}-{stamp}");
        self.write_user(&email, &password, Some(settings));
        TestUser { email, password, imap_port: self.imaps_port }
    }

    /// Creates a fresh mailbox on GNU Mailutils imap4d, a server unlike
    /// Dovecot: no MOVE, UIDPLUS, CONDSTORE or SPECIAL-USE, folders under
    /// the `INBOX.` namespace. `folders` are made there (e.g.
    /// `INBOX.Trash`). The same address and password log in to Postfix's
    /// submission, so mail can be sent from it.
    pub async fn new_imap4d_user(&self, prefix: &str, folders: &[&str]) -> TestUser {
        let user = TestUser { imap_port: self.imap4d_port, ..self.new_user(prefix) };
        let hash = std::process::Command::new("openssl")
            .args(["passwd", "-6", &user.password])
            .output()
            .unwrap_or_else(|e| panic!("openssl passwd: {e}"));
        let hash = String::from_utf8_lossy(&hash.stdout).trim().to_owned();
        let (local, domain) = user.email.split_once('@').unwrap_or_else(|| panic!("address {}", user.email));
        // Its mail belongs to the owner of the homes (tlmail), as imap4d
        // switches to the uid and gid given here.
        let homes = self.run_dir.join("imap4d-home");
        let owner = std::fs::metadata(&homes).unwrap_or_else(|e| panic!("{}: {e}", homes.display()));
        let (uid, gid) = (std::os::unix::fs::MetadataExt::uid(&owner), std::os::unix::fs::MetadataExt::gid(&owner));
        let line = format!("{local}:{hash}:{uid}:{gid}::{}:/bin/false\n", homes.join(local).display());
        {
            static IN_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());
            let _guard = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(self.imap4d_domains.join(domain))
                .unwrap_or_else(|e| panic!("imap4d users: {e}"));
            file.lock().unwrap_or_else(|e| panic!("imap4d users lock: {e}"));
            file.write_all(line.as_bytes()).unwrap_or_else(|e| panic!("imap4d users: {e}"));
        }
        let mut s = self.session(&user).await;
        // The inbox's mbox file is made when it is first opened.
        s.select("INBOX").await.unwrap_or_else(|e| panic!("SELECT INBOX: {e}"));
        for folder in folders {
            s.create(folder).await.unwrap_or_else(|e| panic!("CREATE {folder}: {e}"));
        }
        let _ = s.logout().await;
        user
    }

    /// Adds the user or changes its password (Dovecot re-reads the file).
    pub fn set_password(&self, email: &str, password: &str) {
        self.write_user(email, password, None);
    }

    /// Writes the user's line of the passwd-file; `settings` None keeps
    /// those the line had. Safe across threads and processes: the file is
    /// locked while rewritten.
    fn write_user(&self, email: &str, password: &str, settings: Option<&str>) {
        static IN_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
        let lock =
            std::fs::File::create(self.users_file.with_extension("lock")).unwrap_or_else(|e| panic!("users lock: {e}"));
        lock.lock().unwrap_or_else(|e| panic!("users lock: {e}"));
        let text = std::fs::read_to_string(&self.users_file).unwrap_or_default();
        let prefix = format!("{email}:");
        let kept = text
            .lines()
            .find(|l| l.starts_with(&prefix))
            .and_then(|l| l.splitn(8, ':').nth(7))
            .unwrap_or_default()
            .to_owned();
        let settings = settings.unwrap_or(&kept);
        let mut lines: Vec<String> =
            text.lines().filter(|l| !l.is_empty() && !l.starts_with(&prefix)).map(str::to_owned).collect();
        lines.push(format!("{email}:{{PLAIN}}{password}::::::{settings}"));
        let tmp = self.users_file.with_extension(format!("tmp{}", std::process::id()));
        let mut f = std::fs::File::create(&tmp).unwrap_or_else(|e| panic!("users file: {e}"));
        writeln!(f, "{}", lines.join("\n")).unwrap_or_else(|e| panic!("users file: {e}"));
        drop(f);
        std::fs::rename(&tmp, &self.users_file).unwrap_or_else(|e| panic!("users file: {e}"));
        drop(lock);
        // Dovecot notices a changed passwd-file by its mtime (1 s resolution).
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }

    /// IMAPS settings for a client of these servers.
    pub fn imaps(&self) -> Endpoint {
        Endpoint {
            host: "127.0.0.1".into(),
            port: self.imaps_port,
            security: Security::Tls,
            trusted_certs: Some(self.ca_pem.clone()),
        }
    }

    /// The "Add account" form filled in for a user.
    pub fn account_form(&self, user: &TestUser) -> NewAccount {
        NewAccount {
            email: user.email.clone(),
            display_name: "Test User".into(),
            imap_host: "127.0.0.1".into(),
            imap_port: user.imap_port,
            imap_security: Security::Tls,
            smtp_host: "127.0.0.1".into(),
            smtp_port: self.submission_port,
            smtp_security: Security::Starttls,
            username: user.email.clone(),
            password: user.password.clone(),
            trusted_certs: Some(self.ca_pem.clone()),
            history_days: None,
            sign_in: threadline_engine::model::SignIn::Password,
            provider: None,
            oauth: None,
        }
    }

    /// IMAPS settings for the server the user's mailbox is on.
    pub fn imap_of(&self, user: &TestUser) -> Endpoint {
        Endpoint { port: user.imap_port, ..self.imaps() }
    }

    /// A logged-in IMAP session, for seeding and changing mail server-side.
    pub async fn session(&self, user: &TestUser) -> Session {
        imap::connect(&self.imap_of(user), &Auth::Password { username: user.email.clone() }, &user.password)
            .await
            .unwrap_or_else(|e| panic!("login {}: {e}", user.email))
    }

    /// Stores messages in a folder over IMAP APPEND (creating the folder).
    pub async fn append(&self, user: &TestUser, folder: &str, messages: &[Vec<u8>]) {
        let mut s = self.session(user).await;
        let _ = s.create(folder).await;
        for m in messages {
            s.append(folder, None, None, m).await.unwrap_or_else(|e| panic!("APPEND to {folder}: {e}"));
        }
        let _ = s.logout().await;
    }

    /// Puts messages straight into the user's Maildir inbox, as Dovecot's
    /// own delivery would: fast for large mailboxes, and the only way in for
    /// messages IMAP APPEND refuses (NUL bytes, bare line ends). Dovecot
    /// picks them up at the next look.
    pub async fn deliver_to_maildir(&self, user: &TestUser, messages: &[Vec<u8>]) {
        use std::os::unix::fs::MetadataExt;
        // Opening the inbox once makes Dovecot create the Maildir (as its
        // mail user); only the new files need that owner too.
        self.count(user, "INBOX").await;
        let cur = self.run_dir.join("mail").join(&user.email).join("cur");
        let owner = std::fs::metadata(&cur).unwrap_or_else(|e| panic!("Maildir {}: {e}", cur.display()));
        static SEQ: AtomicU32 = AtomicU32::new(0);
        for raw in messages {
            let k = SEQ.fetch_add(1, Ordering::SeqCst);
            let name =
                format!("{}.M{k}P{}.testkit,S={}:2,", 1_700_000_000 + u64::from(k), std::process::id(), raw.len());
            let path = cur.join(name);
            std::fs::write(&path, raw).unwrap_or_else(|e| panic!("write message: {e}"));
            std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid()))
                .unwrap_or_else(|e| panic!("chown message: {e}"));
        }
    }

    /// Stores messages with a given arrival time (INTERNALDATE, as
    /// "01-Jan-2024 10:00:00 +0000"), as if they had come long ago.
    pub async fn append_arrived(&self, user: &TestUser, folder: &str, arrived: &str, messages: &[Vec<u8>]) {
        let mut s = self.session(user).await;
        let _ = s.create(folder).await;
        // async-imap sends the date as given: it must be a quoted string.
        let arrived = format!("\"{arrived}\"");
        for m in messages {
            s.append(folder, None, Some(&arrived), m).await.unwrap_or_else(|e| panic!("APPEND to {folder}: {e}"));
        }
        let _ = s.logout().await;
    }

    /// Hands a message to the test Postfix over SMTP (which delivers it into
    /// Dovecot over LMTP), the way mail from the outside world arrives.
    pub fn send_smtp(&self, from: &str, to: &str, raw: &[u8]) {
        use std::io::{BufRead, BufReader};
        let stream =
            std::net::TcpStream::connect(("127.0.0.1", self.smtp_port)).unwrap_or_else(|e| panic!("SMTP connect: {e}"));
        let mut reader = BufReader::new(stream.try_clone().unwrap_or_else(|e| panic!("{e}")));
        let mut writer = stream;
        let mut expect = |code: &str| loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap_or_else(|e| panic!("SMTP read: {e}"));
            assert!(line.starts_with(code), "SMTP: expected {code}, got {line:?}");
            if line.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        };
        expect("220");
        for (command, code) in [
            ("EHLO test.example".to_owned(), "250"),
            (format!("MAIL FROM:<{from}>"), "250"),
            (format!("RCPT TO:<{to}>"), "250"),
            ("DATA".to_owned(), "354"),
        ] {
            write!(writer, "{command}\r\n").unwrap_or_else(|e| panic!("SMTP write: {e}"));
            expect(code);
        }
        // Dot-stuffing (RFC 5321 4.5.2), then the end-of-data line.
        let text = String::from_utf8_lossy(raw).replace("\r\n.", "\r\n..");
        write!(writer, "{text}\r\n.\r\n").unwrap_or_else(|e| panic!("SMTP write: {e}"));
        expect("250");
        write!(writer, "QUIT\r\n").unwrap_or_else(|e| panic!("SMTP write: {e}"));
    }

    /// How many messages a folder holds on the server.
    pub async fn count(&self, user: &TestUser, folder: &str) -> u32 {
        let mut s = self.session(user).await;
        let mailbox = s.examine(folder).await.unwrap_or_else(|e| panic!("EXAMINE {folder}: {e}"));
        let _ = s.logout().await;
        mailbox.exists
    }

    /// Waits until a folder holds `n` messages (delivery through Postfix
    /// is asynchronous); panics after 30 s.
    pub async fn wait_for_count(&self, user: &TestUser, folder: &str, n: u32) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let have = self.count(user, folder).await;
            if have == n {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "{folder} of {} holds {have}, not {n}", user.email);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The UID of the message with this Message-ID (without <>) in a folder.
    pub async fn uid_of(&self, user: &TestUser, folder: &str, message_id: &str) -> u32 {
        let mut s = self.session(user).await;
        s.examine(folder).await.unwrap_or_else(|e| panic!("EXAMINE {folder}: {e}"));
        let found = s
            .uid_search(format!("HEADER Message-ID \"<{message_id}>\""))
            .await
            .unwrap_or_else(|e| panic!("UID SEARCH: {e}"));
        let _ = s.logout().await;
        found.into_iter().next().unwrap_or_else(|| panic!("<{message_id}> is not in {folder}"))
    }

    /// The raw sources of every message in a folder, in UID order.
    pub async fn sources(&self, user: &TestUser, folder: &str) -> Vec<Vec<u8>> {
        let mut s = self.session(user).await;
        s.examine(folder).await.unwrap_or_else(|e| panic!("EXAMINE {folder}: {e}"));
        let fetched: Vec<_> =
            s.uid_fetch("1:*", "BODY.PEEK[]").await.unwrap_or_else(|e| panic!("UID FETCH: {e}")).collect().await;
        let _ = s.logout().await;
        fetched.into_iter().filter_map(Result::ok).filter_map(|f| f.body().map(<[u8]>::to_vec)).collect()
    }

    /// Runs a UID STORE (e.g. "+FLAGS (\\Seen)") on a folder.
    pub async fn uid_store(&self, user: &TestUser, folder: &str, uids: &str, change: &str) {
        let mut s = self.session(user).await;
        s.select(folder).await.unwrap_or_else(|e| panic!("SELECT: {e}"));
        let responses: Vec<_> =
            s.uid_store(uids, change).await.unwrap_or_else(|e| panic!("UID STORE: {e}")).collect().await;
        drop(responses);
        let _ = s.logout().await;
    }

    /// What the server says it can do once the user is logged in.
    pub async fn capabilities(&self, user: &TestUser) -> Vec<String> {
        let mut s = self.session(user).await;
        let caps = s.capabilities().await.unwrap_or_else(|e| panic!("CAPABILITY: {e}"));
        let names = caps
            .iter()
            .map(|c| match c {
                async_imap::types::Capability::Imap4rev1 => "IMAP4rev1".to_owned(),
                async_imap::types::Capability::Auth(a) => format!("AUTH={a}"),
                async_imap::types::Capability::Atom(a) => a.to_string(),
            })
            .collect();
        let _ = s.logout().await;
        names
    }

    /// The flags of one message on the server.
    pub async fn flags_of(&self, user: &TestUser, folder: &str, uid: u32) -> Vec<String> {
        let mut s = self.session(user).await;
        s.examine(folder).await.unwrap_or_else(|e| panic!("EXAMINE {folder}: {e}"));
        let fetched: Vec<_> =
            s.uid_fetch(uid.to_string(), "FLAGS").await.unwrap_or_else(|e| panic!("UID FETCH: {e}")).collect().await;
        let flags = fetched
            .into_iter()
            .filter_map(Result::ok)
            .flat_map(|f| f.flags().map(|flag| flag_name(&flag)).collect::<Vec<_>>())
            .collect();
        let _ = s.logout().await;
        flags
    }

    /// Deletes messages by UID (flag \Deleted, then EXPUNGE).
    pub async fn expunge(&self, user: &TestUser, folder: &str, uids: &str) {
        self.uid_store(user, folder, uids, "+FLAGS.SILENT (\\Deleted)").await;
        let mut s = self.session(user).await;
        s.select(folder).await.unwrap_or_else(|e| panic!("SELECT: {e}"));
        let gone: Vec<_> = s.expunge().await.unwrap_or_else(|e| panic!("EXPUNGE: {e}")).collect().await;
        drop(gone);
        let _ = s.logout().await;
    }
}
