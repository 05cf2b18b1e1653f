//! The inbox benchmark (F-INBOX), in process on a seeded store of its own
//! (`testkit::seed`, every message carrying a sentence in English,
//! Japanese, Korean, Chinese, Czech, Estonian or Swedish): search by
//! single words, phrases, CJK substrings and three operators; the first
//! page of the inbox; opening a 100-message conversation; the store's
//! size and its search indexes' share.
//!
//! The reference beside each figure is the floor under it on the same
//! store: the newest 200 messages read straight by date, which every
//! search and list does at least.

use std::time::{Duration, Instant};

use threadline_engine::Store;
use threadline_engine::ids::ThreadId;
use threadline_engine::model::{ListKind, Listing, ThreadView};
use threadline_engine::store::PreparedMessage;
use threadline_testkit::seed;

/// What the inbox benchmark measured on one store.
pub struct SearchFigures {
    pub messages: u32,
    pub seed: Duration,
    /// (kind of query, p95 over its queries).
    pub search: Vec<(&'static str, Duration)>,
    pub first_page: Duration,
    /// The seeded Inbox folder as a folder view (walked newest first).
    pub folder_page: Duration,
    /// That folder's conversations counted (asked after its first page).
    pub folder_count: Duration,
    /// An account's inbox (its own index).
    pub account_page: Duration,
    pub folder_tree: Duration,
    /// Addresses offered as a recipient is typed (a letter, a name, an
    /// address's start).
    pub completion: Duration,
    pub open_conversation: Duration,
    pub reference: Duration,
    pub store_bytes: u64,
    pub index_bytes: u64,
}

/// Queries of one kind, each run `ROUNDS` times.
const QUERIES: [(&str, &[&str]); 4] = [
    ("single word", &["offer", "regards", "customer", "person42", "kvartalet", "zakaznika", "seeded", "nothing"]),
    ("phrase", &["\"signed order\"", "\"best regards\"", "\"offer 17\"", "\"message 4242\"", "\"order regards\""]),
    ("CJK substring", &["会議", "見積書", "明日の会議", "회의", "견적서", "报价", "附件中", "確認"]),
    (
        "three operators",
        &[
            "from:person42 after:2026-06-01 offer",
            "subject:conversation in:inbox is:read",
            "from:customer7 before:2026-06-01 -kvartalet",
            "to:seller after:2026-06-01 -offer",
            "after:2026-06-01 is:read 会議",
        ],
    ),
];
const ROUNDS: usize = 5;

/// The messages of one conversation: a root and `n - 1` replies to it.
fn conversation(n: u32) -> Vec<PreparedMessage> {
    (0..n)
        .map(|i| {
            let reply = if i == 0 { String::new() } else { "In-Reply-To: <long0@bench.example>\r\n".into() };
            let raw = format!(
                "From: Person 1 <person1@customer1.example>\r\nTo: seller@seed.example\r\n\
                 Subject: A long conversation\r\nDate: Mon, 2 Nov 2026 10:{:02}:{:02} +0000\r\n\
                 Message-ID: <long{i}@bench.example>\r\n{reply}\r\nMessage {i} of the long one.\r\n",
                i / 60,
                i % 60
            );
            threadline_engine::ingest::prepare(threadline_engine::ingest::FetchedMessage {
                uid: 10_000_000 + i,
                flags: vec!["\\Seen".into()],
                modseq: 1,
                internal_date: None,
                raw: raw.into_bytes(),
                gmail: None,
            })
        })
        .collect()
}

fn p95(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let at = ((samples.len() as f64) * 0.95).ceil() as usize;
    samples.get(at.saturating_sub(1)).copied().unwrap_or_default()
}

async fn timed<T>(f: impl std::future::Future<Output = T>) -> Duration {
    let started = Instant::now();
    f.await;
    started.elapsed()
}

pub async fn bench(messages: u32) -> SearchFigures {
    let dir = tempfile::tempdir().expect("tempdir");
    eprintln!("== inbox: seeding {messages} messages");
    let started = Instant::now();
    seed::seed_store(dir.path(), messages).await;
    {
        let (store, account, inbox) = reopen(dir.path()).await;
        threadline_engine::ingest::store_batch(&store, account, inbox, &conversation(100)).await.expect("store");
        store.close().await;
    }
    let seed = started.elapsed();
    eprintln!("   seeded in {:.1} s", seed.as_secs_f64());

    // A store opened afresh, as the app opens it.
    let store = Store::open(dir.path()).await.expect("open");
    let mut search = Vec::new();
    for (kind, queries) in QUERIES {
        let mut samples = Vec::new();
        for _ in 0..ROUNDS {
            for q in queries {
                samples.push(timed(async { store.search(q, 200).await.expect("search") }).await);
            }
        }
        for q in queries {
            let started = Instant::now();
            let hits = store.search(q, 200).await.expect("search").len();
            eprintln!("   {kind}: {q} → {hits} in {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
        }
        search.push((kind, p95(samples)));
    }
    let mut pages = Vec::new();
    for _ in 0..20 {
        pages.push(timed(async { store.thread_page(ThreadView::Inbox, 0, 50).await.expect("page") }).await);
    }
    let (account, inbox) = seeded_ids(&store).await;
    let folder = Listing { kind: ListKind::Folder, account: Some(account), folder: Some(inbox) };
    let mut folder_pages = Vec::new();
    let mut folder_counts = Vec::new();
    let mut account_pages = Vec::new();
    let mut trees = Vec::new();
    for _ in 0..20 {
        folder_pages.push(timed(async { store.listing_page(&folder, 0, 50).await.expect("folder page") }).await);
        folder_counts.push(timed(async { store.listing_count(&folder).await.expect("folder count") }).await);
        let own = Listing { kind: ListKind::Inbox, account: Some(account), folder: None };
        account_pages.push(timed(async { store.listing_page(&own, 0, 50).await.expect("account page") }).await);
        trees.push(timed(async { store.folder_tree().await.expect("tree") }).await);
    }
    let mut completions = Vec::new();
    for _ in 0..ROUNDS {
        for typed in ["p", "per", "person4", "Person 9", "cust", "sel", "nobody"] {
            completions.push(timed(async { store.complete_addresses(typed, 8).await.expect("complete") }).await);
        }
    }
    let long: ThreadId = store
        .search("\"the long one\"", 1)
        .await
        .expect("search")
        .first()
        .map(|m| m.thread_id)
        .expect("the long conversation");
    let mut opens = Vec::new();
    for _ in 0..20 {
        opens.push(
            timed(async {
                let shown = store.thread_messages(long).await.expect("open");
                assert_eq!(shown.len(), 100);
            })
            .await,
        );
    }
    let mut reference = Vec::new();
    for _ in 0..20 {
        reference.push(
            timed(async {
                store
                    .list_messages(&threadline_engine::ListFilter { account: None, folder: None, limit: 200 })
                    .await
                    .expect("list")
            })
            .await,
        );
    }
    let index_bytes = store.search_index_bytes().await.expect("index size");
    store.close().await;
    let store_bytes = std::fs::read_dir(dir.path())
        .expect("data dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(threadline_engine::store::DB_FILE))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    // Kept for looking into with sqlite3 when this variable is set.
    if std::env::var_os("THREADLINE_BENCH_KEEP").is_some() {
        eprintln!("   store kept in {}", dir.keep().display());
    }
    SearchFigures {
        messages: messages + 100,
        seed,
        search,
        first_page: p95(pages),
        folder_page: p95(folder_pages),
        folder_count: p95(folder_counts),
        account_page: p95(account_pages),
        folder_tree: p95(trees),
        completion: p95(completions),
        open_conversation: p95(opens),
        reference: p95(reference),
        store_bytes,
        index_bytes,
    }
}

/// The seeded store again, with its account and Inbox.
async fn reopen(dir: &std::path::Path) -> (Store, threadline_engine::ids::AccountId, i64) {
    let store = Store::open(dir).await.expect("open");
    let (account, inbox) = seeded_ids(&store).await;
    (store, account, inbox)
}

/// The seeded account and its Inbox folder.
async fn seeded_ids(store: &Store) -> (threadline_engine::ids::AccountId, i64) {
    let account = store.accounts().await.expect("accounts").first().map(|a| a.id).expect("the seeded account");
    let inbox = store
        .folders(account)
        .await
        .expect("folders")
        .into_iter()
        .find(|f| f.role.as_deref() == Some("inbox"))
        .map(|f| f.id)
        .expect("the inbox");
    (account, inbox)
}
