//! A large local store without a server: for the window test and benchmarks
//! that need 100,000 conversations on screen, where syncing them first
//! would only measure the sync again.
//!
//! The messages go through the engine's own parser and `store_batch`, so the
//! store looks exactly as a sync would leave it. The account points at a
//! closed loopback port: the app shows it as unreachable and never touches
//! the seeded mail.

use std::path::Path;

use threadline_engine::Store;
use threadline_engine::accounts::{Auth, Endpoint, ResolvedAccount};
use threadline_engine::model::Security;
use threadline_engine::store::{PreparedMessage, RemoteFolder};

/// What a seeded store holds, for checking what the window shows.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub messages: u32,
    pub conversations: u32,
    /// Subject of the newest conversation (first row).
    pub newest_subject: String,
    /// Subject of the oldest conversation (last row).
    pub oldest_subject: String,
}

/// Every `REPLY_EVERY`th message answers the one before it.
const REPLY_EVERY: u32 = 10;

/// Subject of seeded conversation number `n` (1 is the oldest).
fn subject(n: u32) -> String {
    format!("Seeded conversation {n:06}")
}

/// A sentence in one of the app's languages or Chinese, one per message
/// in turn, so that search is measured on words inside CJK text and on
/// words with diacritics.
const SENTENCES: [&str; 7] = [
    "The signed order form is attached.",
    "明日の会議で見積書を確認します。",
    "다음 주 회의에서 견적서를 검토합시다.",
    "请查收附件中的报价单，谢谢。",
    "Máme novou příležitost pro zákazníka.",
    "Uus töötaja alustab esmaspäeval.",
    "Försäljningen ökade under kvartalet.",
];

/// The date of seeded message `n`: one minute apart up to the 200,000th
/// (September 2026), then seven seconds apart, so that a million end in
/// November 2026. A date after tomorrow is not believed: the store puts it
/// at the moment of storing (`usable_date`), which gave thousands of
/// seeded messages one date and made every search that joins by date
/// slow.
fn seeded_date(n: u32) -> i64 {
    let n = i64::from(n);
    1_790_000_000 + (n.min(200_000) - 200_000) * 60 + (n - 200_000).max(0) * 7
}

fn raw_message(n: u32) -> Vec<u8> {
    let date = seeded_date(n);
    let date = crate::corpus::rfc2822_date(date);
    let thread = if n.is_multiple_of(REPLY_EVERY) { n - 1 } else { n };
    let reply = if thread != n { format!("In-Reply-To: <seed{thread}@seed.example>\r\n") } else { String::new() };
    format!(
        "From: Person {p} <person{p}@customer{c}.example>\r\nTo: seller@seed.example\r\n\
         Subject: {s}\r\nDate: {date}\r\nMessage-ID: <seed{n}@seed.example>\r\n{reply}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Hello, this is message {n} about offer {o} for customer {c}.\r\n{line}\r\nBest regards\r\n",
        line = SENTENCES[n as usize % SENTENCES.len()],
        p = n % 997,
        c = n % 211,
        o = n % 53,
        s = subject(thread),
    )
    .into_bytes()
}

/// A new store in `data_dir` with the seeded account, its Inbox, Archive
/// and Trash (so that the window can archive and delete there; the
/// account's server is never reachable): (store, account id, inbox
/// folder id).
pub async fn seeded_account(data_dir: &Path) -> (Store, threadline_engine::ids::AccountId, i64) {
    let store = Store::open(data_dir).await.expect("open store");
    let account = store
        .insert_account(&ResolvedAccount {
            email: "seller@seed.example".into(),
            display_name: "Seeded Seller".into(),
            imap: Endpoint { host: "127.0.0.1".into(), port: 1, security: Security::Tls, trusted_certs: None },
            smtp: Endpoint { host: "127.0.0.1".into(), port: 1, security: Security::Tls, trusted_certs: None },
            auth: Auth::Password { username: "seller@seed.example".into() },
            password: String::new(),
            history_days: None,
            provider: None,
            oauth: None,
        })
        .await
        .expect("insert account");
    let inbox = store
        .replace_folders(
            account,
            &[("INBOX", "Inbox", "inbox"), ("Archive", "Archive", "archive"), ("Trash", "Trash", "trash")].map(
                |(name, display_name, role)| RemoteFolder {
                    name: name.into(),
                    display_name: display_name.into(),
                    delimiter: Some("/".into()),
                    role: Some(role),
                },
            ),
        )
        .await
        .expect("folders")
        .into_iter()
        .find(|f| f.role.as_deref() == Some("inbox"))
        .expect("the inbox")
        .id;
    (store, account, inbox)
}

/// A new store in `data_dir` whose Inbox holds exactly these messages.
pub async fn seed_mail(data_dir: &Path, raws: &[Vec<u8>]) {
    let (store, account, inbox) = seeded_account(data_dir).await;
    let batch: Vec<PreparedMessage> = raws
        .iter()
        .zip(1..)
        .map(|(raw, uid)| {
            threadline_engine::ingest::prepare(threadline_engine::ingest::FetchedMessage {
                uid,
                flags: vec![],
                modseq: 1,
                internal_date: None,
                raw: raw.clone(),
                gmail: None,
            })
        })
        .collect();
    threadline_engine::ingest::store_batch(&store, account, inbox, &batch).await.expect("store batch");
}

/// Fills a new store in `data_dir` with `messages` messages in one Inbox.
pub async fn seed_store(data_dir: &Path, messages: u32) -> Seeded {
    let (store, account, inbox) = seeded_account(data_dir).await;

    // Parse on a blocking thread while the previous batch is stored.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PreparedMessage>>(2);
    let parser = tokio::task::spawn_blocking(move || {
        for start in (1..=messages).step_by(1000) {
            let batch = (start..=messages.min(start + 999))
                .map(|n| {
                    let raw = raw_message(n);
                    threadline_engine::ingest::prepare(threadline_engine::ingest::FetchedMessage {
                        uid: n,
                        flags: vec!["\\Seen".into()],
                        modseq: 1,
                        internal_date: None,
                        raw,
                        gmail: None,
                    })
                })
                .collect();
            if tx.blocking_send(batch).is_err() {
                return;
            }
        }
    });
    while let Some(batch) = rx.recv().await {
        threadline_engine::ingest::store_batch(&store, account, inbox, &batch).await.expect("store batch");
    }
    parser.await.expect("parser thread");

    let newest_thread = if messages.is_multiple_of(REPLY_EVERY) { messages - 1 } else { messages };
    Seeded {
        messages,
        conversations: messages - messages / REPLY_EVERY,
        newest_subject: subject(newest_thread),
        oldest_subject: subject(1),
    }
}

/// Empties the search index of the store in `data_dir` and asks for a
/// refill, as an upgrade that changes the index does: the next start
/// refills it in the background.
pub async fn restart_search_index(data_dir: &Path) {
    let store = Store::open(data_dir).await.expect("open the store");
    store.restart_search_index().await.expect("empty the search index");
    store.close().await;
}
