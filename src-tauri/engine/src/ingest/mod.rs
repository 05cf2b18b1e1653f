//! Ingest: how a message on the server becomes a stored, linked message
//! here, in explicit stages:
//!
//! 1. fetch: `UID FETCH` of the missing UIDs, newest first, in chunks,
//!    streamed into batches bounded by messages and bytes;
//! 2. parse: on two threads of their own, each message parsed and its
//!    source packed ([`prepare`]);
//! 3. verify and 4. policy, on the same threads ([`prepare_with`]): a
//!    Smart BCC copy is checked (DKIM, SPF, its sender) and either ingested
//!    or held back with its reason; the writer then marks what is hidden
//!    (held, or blocked) and who may see it;
//! 5. store and 6. link ([`store_and_link`]): written, then linked to
//!    persons, organizations and deals by the CRM's rules, in the same
//!    transaction, so a stored message is never left unlinked, also
//!    across a killed process (it fetches the uncommitted batch again).
//!
//! Fetching, parsing and storing run side by side: the IMAP loop streams
//! batches to the parser threads, which hand them to a writer task that
//! stores about a second's worth per transaction.

use std::collections::HashSet;
use std::time::Duration;
use tokio_util::task::AbortOnDropHandle;

use futures::StreamExt;
use tokio::sync::{broadcast, mpsc};

use crate::bcc::capture::Rules;
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::imap::Session;
use crate::imap::command::{self, Fetched};
use crate::model::EngineEvent;
use crate::store::GmailMeta;
use crate::store::{self, BatchWriter, FolderRow, PreparedMessage, Store, StoredBatch};
use crate::sync::{Pass, plan};

/// UIDs asked for in one UID FETCH command: whole batches, as a command's
/// last batch is handed on when its answer ends.
const FETCH_CHUNK: usize = 2 * BATCH_MESSAGES;
/// A writer batch closes at this many messages (a statement's most rows,
/// so that one statement stores a batch) …
const BATCH_MESSAGES: usize = crate::store::STATEMENT_ROWS;
/// … or at this many bytes of raw source, whichever comes first.
const BATCH_BYTES: usize = 2 * 1024 * 1024;
/// A message larger than this is fetched in pieces of this size, so that
/// no answer (nor the IMAP reader's buffer, which grows to the largest
/// answer) holds more than a piece: memory follows bytes in flight, not
/// the largest attachment.
const PIECE: u32 = 1024 * 1024;
/// Fetched batches are stored in one transaction for up to this long …
const COMMIT_EVERY: Duration = Duration::from_millis(1000);
/// … or this many new messages, whichever comes first. A commit rewrites
/// every index page its messages touched: fewer, larger ones write far
/// less. A killed process fetches the uncommitted ones again.
const COMMIT_MESSAGES: usize = 5000;
/// Batches parsed at once during a fetch.
const PARSERS: usize = 2;
/// Fetched source bytes on their way to the store at once, in KiB (a
/// batch being filled comes on top): what bounds a sync's memory by bytes,
/// whatever the messages' count or size. Messages of about 4 KiB fill
/// batches of about a megabyte, which this never holds back; a large
/// message takes all of it, so it is alone on its way.
const IN_FLIGHT_KIB: u32 = 8 * 1024;

/// The in-flight budget of one folder's fetch (see [`IN_FLIGHT_KIB`]).
type Budget = std::sync::Arc<tokio::sync::Semaphore>;

/// Fetched messages on their way to the parser, then to the writer, with
/// their share of the in-flight budget, given back once they are stored.
struct Batch<M> {
    messages: Vec<M>,
    _bytes: tokio::sync::OwnedSemaphorePermit,
}

impl Batch<FetchedMessage> {
    /// Waits for the batch's share of the budget (at most all of it).
    async fn budgeted(messages: Vec<FetchedMessage>, budget: &Budget) -> Result<Batch<FetchedMessage>> {
        let bytes: usize = messages.iter().map(|m| m.raw.len()).sum();
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        Ok(Batch { messages, _bytes: take_budget(budget, kib).await? })
    }
}

/// `kib` of the budget (at least 1, at most all of it), once stored
/// batches have given that much back.
async fn take_budget(budget: &Budget, kib: u32) -> Result<tokio::sync::OwnedSemaphorePermit> {
    std::sync::Arc::clone(budget)
        .acquire_many_owned(kib.clamp(1, IN_FLIGHT_KIB))
        .await
        .map_err(|_| Error::Protocol("the fetch's budget closed".into()))
}

/// A message as the server handed it over.
#[derive(Debug, Clone)]
pub struct FetchedMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    pub modseq: u64,
    /// The server's arrival time, used when the Date header is unusable.
    pub internal_date: Option<i64>,
    pub raw: Vec<u8>,
    /// Gmail's ids and labels (X-GM-EXT-1 servers).
    pub gmail: Option<store::GmailMeta>,
}

/// The parse stage: a fetched message parsed and its source packed, ready
/// to store. CPU work, run on the parser threads.
pub fn prepare(fetched: FetchedMessage) -> PreparedMessage {
    prepare_with(fetched, None)
}

/// The parse stage with the verify and policy stages of a mailbox that
/// receives Smart BCC copies: a copy is recognised and checked here, while
/// its source is at hand (see [`crate::bcc::capture`]), and every message
/// gets the body hash that tells it from its copy.
pub fn prepare_with(fetched: FetchedMessage, rules: Option<&Rules>) -> PreparedMessage {
    let FetchedMessage { uid, flags, modseq, internal_date, raw, gmail } = fetched;
    // Parsed first: packing takes the source (see `source::pack`).
    let parsed = crate::mime::parse(&raw);
    let (capture, body_hash) = match rules {
        Some(rules) => {
            let body_hash = crate::bcc::capture::body_hash(&raw);
            (rules.check(&raw, &parsed, body_hash).map(Box::new), Some(body_hash))
        }
        None => (None, None),
    };
    let source = store::source::pack(raw);
    PreparedMessage { parsed, source, uid, flags, modseq, internal_date, capture, body_hash, gmail }
}

/// The store and link stages, in the writer's open transaction: the
/// messages, their folder locations and conversations, then the CRM's
/// links of the messages new here.
pub(crate) async fn store_and_link(
    writer: &mut BatchWriter<'_>,
    account_id: AccountId,
    folder_id: i64,
    batch: &[PreparedMessage],
) -> Result<()> {
    let fresh = writer.store(account_id, folder_id, batch).await?;
    if !fresh.is_empty() {
        crate::crm::linking::link_messages(writer.conn(), &fresh, store::now()).await?;
    }
    Ok(())
}

/// Stores and links one batch in a transaction of its own: for tests,
/// benchmarks and seeded stores, which have no server to fetch from.
pub async fn store_batch(
    store: &Store,
    account_id: AccountId,
    folder_id: i64,
    batch: &[PreparedMessage],
) -> Result<StoredBatch> {
    if batch.is_empty() {
        return Ok(StoredBatch::default());
    }
    let mut writer = store.begin_batches().await?;
    store_and_link(&mut writer, account_id, folder_id, batch).await?;
    writer.commit().await
}

/// Where a folder's fetch stands in its progress events: how many of its
/// messages were stored before, and how many it will hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub before: u32,
    pub total: u32,
}

/// Gmail's FETCH items: identity across labels, conversation, labels.
pub(crate) const GMAIL_ITEMS: &str = " X-GM-MSGID X-GM-THRID X-GM-LABELS";

/// What a FETCH may ask of this server beside the message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extras {
    /// MODSEQ (RFC 7162 CONDSTORE).
    pub condstore: bool,
    /// Gmail's ids and labels (X-GM-EXT-1).
    pub gmail: bool,
}

impl Extras {
    /// The items to add to a FETCH's list.
    fn items(self) -> String {
        let modseq = if self.condstore { " MODSEQ" } else { "" };
        let gmail = if self.gmail { GMAIL_ITEMS } else { "" };
        format!("{modseq}{gmail}")
    }
}

/// On Gmail, the missing UIDs whose message is stored already (under
/// another label) get their location from a FETCH without bodies; the
/// rest are returned to be fetched whole. Returns (placed, still missing).
pub(crate) async fn place_known_gmail(
    session: &mut Session,
    store: &Store,
    account_id: AccountId,
    folder_id: i64,
    missing_newest_first: &[u32],
    condstore: bool,
) -> Result<(u32, Vec<u32>)> {
    let extras = Extras { condstore, gmail: true }.items();
    let query = format!("(UID FLAGS INTERNALDATE{extras})");
    let mut placed = 0;
    let mut rest = Vec::new();
    for chunk in missing_newest_first.chunks(FETCH_CHUNK) {
        let wanted: HashSet<u32> = chunk.iter().copied().collect();
        let mut about = Vec::new();
        let mut fetching = command::uid_fetch(session, &plan::uid_set(chunk), &query).await?;
        while let Some(item) = fetching.next().await? {
            if item.uid.is_some_and(|u| wanted.contains(&u)) {
                about.push(item);
            }
        }
        let msgids: Vec<u64> = about.iter().filter_map(|i| i.gmail_msgid).collect();
        let known = store.gmail_messages(account_id, &msgids).await?;
        let mut placements = Vec::new();
        let mut answered = HashSet::new();
        for item in about {
            let Some(uid) = item.uid else { continue };
            answered.insert(uid);
            match item.gmail_msgid.and_then(|m| known.get(&m)) {
                Some(message_id) => placements.push(store::KnownPlacement {
                    uid,
                    message_id: *message_id,
                    flags: item.flags,
                    modseq: item.modseq.unwrap_or(0),
                    internal_date: item.internal_date,
                    labels: item.gmail_labels.unwrap_or_default(),
                }),
                None => rest.push(uid),
            }
        }
        // What the server did not describe is fetched whole (and is told
        // missing there if it really is).
        rest.extend(chunk.iter().filter(|u| !answered.contains(u)));
        placed += store.place_known(folder_id, &placements).await?;
    }
    Ok((placed, rest))
}

/// Fetches the given UIDs (newest first) and stores them through the
/// writer task. Returns how many new locations were stored.
pub(crate) async fn fetch_missing(
    session: &mut Session,
    pass: &Pass<'_>,
    account_id: AccountId,
    folder: &FolderRow,
    missing_newest_first: &[u32],
    extras: Extras,
    span: Span,
) -> Result<u32> {
    let (store, events) = (pass.store, pass.events);
    let (tx, rx) = mpsc::channel::<Batch<FetchedMessage>>(2);
    let budget: Budget = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT_KIB as usize));
    let rules = store.capture_inputs(account_id).await?.map(|inputs| {
        std::sync::Arc::new(Rules::new(
            inputs,
            folder.role.as_deref(),
            pass.verifier.cloned(),
            tokio::runtime::Handle::current(),
        ))
    });
    let progress =
        Progress { account_id, folder_name: folder.display_name.clone(), span, done: 0, events: events.clone() };
    // Dropped with the fetch (a cancelled pass), the writer stops too: a
    // batch it was storing is rolled back, so no write of this pass can
    // land after the next pass has read what is stored.
    let mut writer = AbortOnDropHandle::new(tokio::spawn(write_batches(rules, store.clone(), folder.id, progress, rx)));
    // Every message's first piece, and its size: one smaller than a piece
    // comes whole; a larger one is fetched again, in pieces, after its
    // chunk (its first piece is let go at once).
    let query = format!("(UID FLAGS INTERNALDATE RFC822.SIZE{} BODY.PEEK[]<0.{PIECE}>)", extras.items());

    let fetched = async {
        for chunk in missing_newest_first.chunks(FETCH_CHUNK) {
            let wanted: HashSet<u32> = chunk.iter().copied().collect();
            let mut large = Vec::new();
            let mut fetching = command::uid_fetch(session, &plan::uid_set(chunk), &query).await?;
            let mut batch = Vec::new();
            let mut bytes = 0;
            while let Some(mut item) = fetching.next().await? {
                let Some(uid) = item.uid.filter(|u| wanted.contains(u)) else {
                    continue;
                };
                let gmail = GmailMeta::new(item.gmail_msgid, item.gmail_thrid, item.gmail_labels.take());
                let Fetched { flags, modseq, internal_date, body, size, .. } = item;
                let Some(raw) = body else {
                    tracing::warn!(uid, "server sent no body; will retry next pass");
                    continue;
                };
                if size.is_some_and(|size| size > PIECE) || raw.len() >= PIECE as usize {
                    large.push((uid, size.unwrap_or(PIECE)));
                    continue;
                }
                bytes += raw.len();
                batch.push(FetchedMessage { uid, flags, modseq: modseq.unwrap_or(0), internal_date, raw, gmail });
                if batch.len() >= BATCH_MESSAGES || bytes >= BATCH_BYTES {
                    if tx.send(Batch::budgeted(std::mem::take(&mut batch), &budget).await?).await.is_err() {
                        return Ok(());
                    }
                    bytes = 0;
                }
            }
            if !batch.is_empty() && tx.send(Batch::budgeted(batch, &budget).await?).await.is_err() {
                return Ok(());
            }
            for (uid, size) in large {
                // The whole budget, taken before the fetch: what went ahead
                // is stored first, and nothing follows until this is.
                let permit = take_budget(&budget, IN_FLIGHT_KIB).await?;
                let Some(message) = fetch_in_pieces(session, uid, size, extras).await? else {
                    tracing::warn!(uid, "server sent no body; will retry next pass");
                    continue;
                };
                if tx.send(Batch { messages: vec![message], _bytes: permit }).await.is_err() {
                    return Ok(());
                }
            }
        }
        Ok::<(), Error>(())
    }
    .await;
    drop(tx);
    let written = (&mut writer).await.map_err(|e| Error::Protocol(format!("writer task failed: {e}")))?;
    // A storage error explains a stopped fetch better than the fetch does.
    let new = written?;
    fetched?;
    Ok(new)
}

/// Parses and stores batches as they arrive, and tells the UI what each
/// commit made visible.
async fn write_batches(
    rules: Option<std::sync::Arc<Rules>>,
    store: Store,
    folder_id: i64,
    mut progress: Progress,
    mut rx: mpsc::Receiver<Batch<FetchedMessage>>,
) -> Result<u32> {
    let account_id = progress.account_id;
    // Parsing runs ahead of storing, `PARSERS` batches at once (handed on
    // in order): the store's single writer then never waits for the
    // parser, which costs about as much as the writer.
    let (parsed_tx, mut parsed_rx) = mpsc::channel::<Batch<PreparedMessage>>(1);
    let parsers = ParserThreads::start(rules)?;
    let parser = tokio::spawn(async move {
        let mut parsed =
            futures::stream::poll_fn(|cx| rx.poll_recv(cx)).map(|batch| parsers.parse(batch)).buffered(PARSERS);
        while let Some(batch) = parsed.next().await {
            let batch = batch?;
            if parsed_tx.send(batch).await.is_err() {
                break;
            }
        }
        Ok::<(), Error>(())
    });
    // Batches go into one transaction until it is due (see `COMMIT_EVERY`);
    // the first one commits at once, so the newest mail shows at once.
    let mut open: Option<(BatchWriter<'_>, tokio::time::Instant)> = None;
    let mut commit_after = Duration::ZERO;
    loop {
        // The open batch is committed when due, or at once when another
        // write waits for the writer (a user's action must not wait for the
        // batch's second).
        let next = match &open {
            Some((_, due)) => {
                let due = *due;
                tokio::select! {
                    next = parsed_rx.recv() => Some(next),
                    () = tokio::time::sleep_until(due) => None,
                    () = store.write_wished() => None,
                }
            }
            None => Some(parsed_rx.recv().await),
        };
        let Some(next) = next else {
            if let Some((writer, _)) = open.take() {
                progress.commit(writer).await?;
            }
            continue;
        };
        let Some(parsed) = next else { break };
        let (writer, due) = match &mut open {
            Some(open) => open,
            None => {
                let due = tokio::time::Instant::now() + commit_after;
                commit_after = COMMIT_EVERY;
                open.insert((store.begin_batches().await?, due))
            }
        };
        let Batch { messages, _bytes: permit } = parsed;
        store_and_link(writer, account_id, folder_id, &messages).await?;
        // Stored: its bytes leave the budget.
        drop(permit);
        if (tokio::time::Instant::now() >= *due || writer.stored() >= COMMIT_MESSAGES || store.write_wanted())
            && let Some((writer, _)) = open.take()
        {
            progress.commit(writer).await?;
        }
    }
    if let Some((writer, _)) = open.take() {
        progress.commit(writer).await?;
    }
    parser.await.map_err(|e| Error::Protocol(format!("parser task failed: {e}")))??;
    Ok(progress.done)
}

/// A batch to parse and where its result goes.
type ParseJob = (Batch<FetchedMessage>, tokio::sync::oneshot::Sender<Batch<PreparedMessage>>);

/// `PARSERS` threads that parse one folder's batches. They live as long as
/// the folder's fetch, so that what each sets up once (zstd's context,
/// malloc's arena) serves every batch; they give way to the store's writer
/// when both want a core: the writer is the one stage that cannot run in
/// parallel, and the parsers work ahead of it anyway.
struct ParserThreads {
    jobs: flume::Sender<ParseJob>,
}

impl ParserThreads {
    fn start(rules: Option<std::sync::Arc<Rules>>) -> Result<ParserThreads> {
        let (jobs, queue) = flume::unbounded::<ParseJob>();
        for _ in 0..PARSERS {
            let queue = queue.clone();
            let rules = rules.clone();
            std::thread::Builder::new().name("threadline-parser".into()).spawn(move || {
                crate::yield_cpu_to_other_threads();
                // Ends when the last sender is dropped.
                while let Ok((Batch { messages, _bytes: permit }, done)) = queue.recv() {
                    let messages = messages.into_iter().map(|m| prepare_with(m, rules.as_deref())).collect();
                    let _ = done.send(Batch { messages, _bytes: permit });
                }
            })?;
        }
        Ok(ParserThreads { jobs })
    }

    /// The parsed batch, once a parser thread got to it.
    fn parse(&self, batch: Batch<FetchedMessage>) -> impl Future<Output = Result<Batch<PreparedMessage>>> + use<> {
        let (done, parsed) = tokio::sync::oneshot::channel();
        let queued = self.jobs.send((batch, done));
        async move {
            queued.map_err(|_| Error::Protocol("the parser threads stopped".into()))?;
            parsed.await.map_err(|_| Error::Protocol("a parser thread stopped".into()))
        }
    }
}

/// What a folder's writer has committed, and who to tell.
struct Progress {
    account_id: AccountId,
    folder_name: String,
    span: Span,
    /// Fetched messages committed: each one is a folder location written.
    done: u32,
    events: broadcast::Sender<EngineEvent>,
}

impl Progress {
    /// Commits what the writer holds and tells the UI what it was.
    async fn commit(&mut self, writer: BatchWriter<'_>) -> Result<()> {
        let stored = writer.commit().await?;
        self.done = self.done.saturating_add(stored.locations);
        let account = self.account_id;
        if !stored.added.is_empty() {
            let _ = self.events.send(EngineEvent::MessagesAdded {
                account,
                folder: self.folder_name.clone(),
                ids: stored.added,
            });
        }
        let _ = self.events.send(EngineEvent::SyncProgress {
            account,
            folder: self.folder_name.clone(),
            done: self.span.before.saturating_add(self.done),
            total: self.span.total,
        });
        let _ = self.events.send(EngineEvent::MessagesChanged { account });
        Ok(())
    }
}

/// One large message, fetched a piece at a time into a buffer of its size;
/// None if the server sent no body.
async fn fetch_in_pieces(session: &mut Session, uid: u32, size: u32, extras: Extras) -> Result<Option<FetchedMessage>> {
    let mut raw: Vec<u8> = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut about: Option<Fetched> = None;
    loop {
        let offset = raw.len();
        let query = format!("(UID FLAGS INTERNALDATE{} BODY.PEEK[]<{offset}.{PIECE}>)", extras.items());
        let mut fetching = command::uid_fetch(session, &uid.to_string(), &query).await?;
        let mut piece_len = 0;
        while let Some(mut item) = fetching.next().await? {
            if item.uid != Some(uid) {
                continue;
            }
            if let Some(piece) = item.body.take() {
                piece_len = piece.len();
                raw.extend_from_slice(&piece);
            }
            about.get_or_insert(item);
        }
        // The server's count may differ from what it sends: a short piece
        // is the last one.
        if piece_len < usize::try_from(PIECE).unwrap_or(usize::MAX) || piece_len == 0 {
            break;
        }
    }
    let Some(Fetched { flags, modseq, internal_date, gmail_msgid, gmail_thrid, gmail_labels, .. }) = about else {
        return Ok(None);
    };
    if raw.is_empty() {
        return Ok(None);
    }
    let gmail = GmailMeta::new(gmail_msgid, gmail_thrid, gmail_labels);
    Ok(Some(FetchedMessage { uid, flags, modseq: modseq.unwrap_or(0), internal_date, raw, gmail }))
}
