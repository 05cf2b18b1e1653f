//! One sync pass over an account: list folders, then for each folder plan
//! (see [`plan`]) and apply: forget vanished UIDs, apply flag changes, and
//! fetch missing messages newest first.
//!
//! Fetching and storing run side by side: the IMAP loop streams messages to
//! a parser task (two batches at once, on threads of their own), which
//! hands them to a writer task that stores them, about a second's worth per
//! transaction; the three run at once. A killed process therefore resumes
//! with the first missing UID, with no duplicates and no gaps.

pub mod plan;
pub mod roles;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{broadcast, mpsc};

use crate::error::{Error, Result};
use crate::imap::command::{self, Fetched, Listed};
use crate::imap::{self, Session};
use crate::locks::LockTable;
use crate::model::{EngineEvent, SyncReport};
use crate::store::{AccountRow, BatchWriter, FetchedMessage, FolderRow, PreparedMessage, RemoteFolder, Store};
use plan::{FlagCheck, Listing, LocalFolder, ServerFolder};

/// UIDs asked for in one UID FETCH command: whole batches, as a command's
/// last batch is handed on when its answer ends.
const FETCH_CHUNK: usize = 2 * BATCH_MESSAGES;
/// A writer batch closes at this many messages (a statement's most rows,
/// so that one statement stores a batch) …
const BATCH_MESSAGES: usize = crate::store::STATEMENT_ROWS;
/// … or at this many bytes of raw source, whichever comes first.
const BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Fetched batches are stored in one transaction for up to this long …
const COMMIT_EVERY: Duration = Duration::from_millis(1000);
/// … or this many new messages, whichever comes first. A commit rewrites
/// every index page its messages touched: fewer, larger ones write far
/// less. A killed process fetches the uncommitted ones again.
const COMMIT_MESSAGES: usize = 5000;
/// Batches parsed at once during a fetch.
const PARSERS: usize = 2;

/// A logged-in connection to one account's server, with what it offers.
/// A sync pass runs on one; `watch` keeps one open between passes.
pub struct Connection {
    pub(crate) session: Session,
    pub(crate) condstore: bool,
    /// The server can push changes (RFC 2177 IDLE).
    pub idle: bool,
    /// The server moves messages atomically (RFC 6851 MOVE).
    pub(crate) can_move: bool,
    /// The server expunges by UID (RFC 4315 UIDPLUS).
    pub(crate) uidplus: bool,
    /// The personal namespaces (RFC 2342), as (prefix, delimiter).
    pub(crate) namespaces: Vec<(String, Option<String>)>,
}

impl Connection {
    /// Connects and logs in to the account's IMAP server.
    pub async fn open(account: &AccountRow, password: &str) -> Result<Connection> {
        let mut session = imap::connect(&account.imap_settings(), &account.username, password).await?;
        let capabilities = session.capabilities().await?;
        // Asked now, while nothing else is in flight (see the function).
        let namespaces = if capabilities.has_str("NAMESPACE") {
            command::personal_namespaces(&mut session).await?
        } else {
            Vec::new()
        };
        Ok(Connection {
            condstore: capabilities.has_str("CONDSTORE") || capabilities.has_str("QRESYNC"),
            idle: capabilities.has_str("IDLE"),
            can_move: capabilities.has_str("MOVE"),
            uidplus: capabilities.has_str("UIDPLUS"),
            namespaces,
            session,
        })
    }

    /// Logs out, politely; the connection is dropped either way.
    pub async fn close(mut self) {
        let _ = self.session.logout().await;
    }
}

/// What a pass works with besides its connection: the store, who to tell,
/// and the folder locks that keep two passes of this process off one
/// folder (the scheduler's workers sync the inbox and the other folders on
/// connections of their own).
pub struct Pass<'a> {
    pub(crate) store: &'a Store,
    pub(crate) events: &'a broadcast::Sender<EngineEvent>,
    pub(crate) folders: &'a LockTable,
}

/// Syncs every folder of one account once, on a connection of its own.
pub async fn sync_account(pass: &Pass<'_>, account: &AccountRow, password: &str) -> Result<SyncReport> {
    let mut conn = Connection::open(account, password).await?;
    let report = sync_all_folders(&mut conn, pass, account.id).await?;
    conn.close().await;
    Ok(report)
}

/// A full pass: the folder list, every folder, then the messages no folder
/// holds any more. The user's queued actions are not replayed here (that
/// is the caller's, under the account's action lock); a message they
/// concern is guarded instead (see `Store::moved_away`, `update_flags`,
/// `delete_orphans`).
pub async fn sync_all_folders(conn: &mut Connection, pass: &Pass<'_>, account_id: i64) -> Result<SyncReport> {
    let store = pass.store;
    let started = crate::store::now();
    let account = store.account(account_id).await?;
    let (sync_all, history) = (account.sync_all_folders, history_days(&account));
    // The known folders' STATUS is asked before LIST: Dovecot answers it
    // from its folder-list index then, while after a LIST it re-reads the
    // whole folder (about 80 ms for 100,000 messages in a Maildir).
    let mut statuses: HashMap<String, ServerFolder> = HashMap::new();
    if conn.condstore {
        for folder in store.folders(account_id).await? {
            if !(sync_all || folder.chosen) || !last_pass(&folder).can_prove_unchanged() {
                continue;
            }
            match folder_status(&mut conn.session, &folder.name).await {
                Ok(status) => {
                    statuses.insert(folder.name, status);
                }
                // Gone since the last pass: LIST below tells.
                Err(e) if e.refusal().is_some() => {}
                Err(e) => return Err(e),
            }
        }
    }
    let picks = store.folder_role_choices(account_id).await?;
    let remote = list_folders(conn, &picks).await?;
    let folders: Vec<FolderRow> =
        store.replace_folders(account_id, &remote).await?.into_iter().filter(|f| sync_all || f.chosen).collect();
    let mut report = SyncReport::default();
    let mut complete = true;
    for folder in &folders {
        let status = statuses.remove(&folder.name);
        let _held = pass.folders.lock(folder.id).await;
        match sync_folder(conn, pass, account_id, folder, status, history).await {
            Ok(r) => report.add(&r),
            // The server refused this one folder; the others can go on.
            Err(e) if e.refusal().is_some() => {
                tracing::warn!(folder = %folder.name, error = %e, "folder refused");
                store.folder_failed(folder.id, &e.user_message()).await?;
                complete = false;
            }
            Err(e) => {
                let _ = store.folder_failed(folder.id, &e.user_message()).await;
                return Err(e);
            }
        }
    }
    if complete {
        let removed = store.delete_orphans(account_id, started).await?;
        if removed > 0 {
            let _ = pass.events.send(EngineEvent::MessagesChanged { account: account_id });
        }
    }
    Ok(report)
}

/// A pass over the folder with this role (the inbox after a push, "sent"
/// right after a message was saved there), if the account has one and
/// syncs it; waits while another task of this process syncs that folder.
pub async fn sync_role(
    conn: &mut Connection,
    pass: &Pass<'_>,
    account_id: i64,
    role: &str,
) -> Result<Option<SyncReport>> {
    let Some(folder) = synced_folder_with_role(pass.store, account_id, role).await? else {
        return Ok(None);
    };
    let _held = pass.folders.lock(folder.id).await;
    sync_locked_folder(conn, pass, account_id, &folder).await.map(Some)
}

/// The folder with this role, if the account has one and syncs it (None
/// too before the first pass listed the folders).
pub(crate) async fn synced_folder_with_role(store: &Store, account_id: i64, role: &str) -> Result<Option<FolderRow>> {
    let sync_all = store.account(account_id).await?.sync_all_folders;
    Ok(store.folders(account_id).await?.into_iter().find(|f| f.role.as_deref() == Some(role) && (sync_all || f.chosen)))
}

/// A pass over one folder whose lock the caller holds.
pub(crate) async fn sync_locked_folder(
    conn: &mut Connection,
    pass: &Pass<'_>,
    account_id: i64,
    folder: &FolderRow,
) -> Result<SyncReport> {
    let history = history_days(&pass.store.account(account_id).await?);
    sync_folder(conn, pass, account_id, folder, None, history).await
}

/// The account's selectable folders with their roles. LIST "" "*" is
/// asked once per personal namespace as well: some servers (GNU imap4d)
/// list only the folders of the empty namespace for it.
async fn list_folders(conn: &mut Connection, picks: &[(String, String)]) -> Result<Vec<RemoteFolder>> {
    let mut listed = command::list(&mut conn.session, "*").await?;
    for (prefix, _) in &conn.namespaces {
        if prefix.is_empty() {
            continue;
        }
        for folder in command::list(&mut conn.session, &format!("{prefix}*")).await? {
            if !listed.iter().any(|l| l.name == folder.name) {
                listed.push(folder);
            }
        }
    }
    listed.retain(|l| !l.has("\\Noselect") && !l.has("\\NonExistent"));
    let roles = roles::assign(&listed, &conn.namespaces, picks);
    Ok(listed.into_iter().zip(roles).map(|(folder, role)| remote_folder(folder, role, &conn.namespaces)).collect())
}

/// A listed folder as the store keeps it. Its name for people leaves out
/// the personal namespace's prefix (`INBOX.Trash` is "Trash") and uses `/`
/// whatever the server's delimiter.
fn remote_folder(folder: Listed, role: Option<&'static str>, namespaces: &[(String, Option<String>)]) -> RemoteFolder {
    let Listed { name, delimiter, .. } = folder;
    let display_name = if role == Some("inbox") {
        "Inbox".to_owned()
    } else {
        let shown = namespaces
            .iter()
            .filter(|(prefix, _)| !prefix.is_empty())
            .filter_map(|(prefix, _)| roles::strip_prefix_ignoring_case(&name, prefix))
            .filter(|rest| !rest.is_empty())
            .min_by_key(|rest| rest.len())
            .unwrap_or(&name);
        let decoded = utf7_imap::decode_utf7_imap(shown.to_owned());
        match delimiter.as_deref() {
            Some(d) if d != "/" && !d.is_empty() => decoded.replace(d, "/"),
            _ => decoded,
        }
    };
    RemoteFolder { name, display_name, delimiter, role }
}

/// How far back the account syncs, in days (None: everything).
fn history_days(account: &AccountRow) -> Option<u32> {
    account.history_days.and_then(|d| u32::try_from(d).ok())
}

/// The folder as STATUS reports it, without opening it.
async fn folder_status(session: &mut Session, name: &str) -> Result<ServerFolder> {
    let status = session.status(name, "(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)").await?;
    Ok(ServerFolder {
        uidvalidity: status.uid_validity.unwrap_or(0),
        uidnext: status.uid_next.unwrap_or(0),
        exists: status.exists,
        highestmodseq: status.highest_modseq,
    })
}

/// What the folder's last completed pass saw, as the store keeps it.
fn last_pass(folder: &FolderRow) -> plan::LastPass {
    plan::LastPass {
        uidvalidity: u32::try_from(folder.uidvalidity).unwrap_or(0),
        uidnext: u32::try_from(folder.uidnext).unwrap_or(0),
        highestmodseq: u64::try_from(folder.highestmodseq).unwrap_or(0),
        exists: u32::try_from(folder.server_exists).ok(),
    }
}

/// Syncs one folder; `status` is its STATUS reply if asked already.
async fn sync_folder(
    conn: &mut Connection,
    pass: &Pass<'_>,
    account_id: i64,
    folder: &FolderRow,
    status: Option<ServerFolder>,
    history: Option<u32>,
) -> Result<SyncReport> {
    let (store, events) = (pass.store, pass.events);
    let condstore = conn.condstore;
    let session = &mut conn.session;
    if condstore {
        // STATUS answers from the server's index without opening the
        // folder: an unchanged folder costs one round trip however large.
        let last = last_pass(folder);
        if last.can_prove_unchanged() {
            let now = match status {
                Some(status) => status,
                None => folder_status(session, &folder.name).await?,
            };
            if plan::unchanged_since(last, now) {
                store.folder_checked(folder.id).await?;
                return Ok(SyncReport { folders: 1, ..SyncReport::default() });
            }
        }
    }
    let mailbox =
        if condstore { session.select_condstore(&folder.name).await? } else { session.select(&folder.name).await? };
    let server = ServerFolder {
        uidvalidity: mailbox.uid_validity.unwrap_or(0),
        uidnext: mailbox.uid_next.unwrap_or(0),
        exists: mailbox.exists,
        highestmodseq: mailbox.highest_modseq,
    };
    let local = LocalFolder {
        uidvalidity: u32::try_from(folder.uidvalidity).unwrap_or(0),
        uidnext: u32::try_from(folder.uidnext).unwrap_or(0),
        highestmodseq: u64::try_from(folder.highestmodseq).unwrap_or(0),
        count: store.folder_count(folder.id).await?,
    };
    let plan = plan::plan_folder(local, server, condstore);
    tracing::debug!(folder = %folder.name, ?plan, ?server, ?local, "folder plan");
    let mut report = SyncReport { folders: 1, ..SyncReport::default() };
    if plan.reset {
        if local.count == 0 {
            // Some servers (GNU imap4d) number an empty folder anew each
            // time it is opened: nothing stored here, so nothing to fetch
            // again and nothing to warn of.
            log_empty_renumbering_once(folder);
        } else {
            tracing::warn!(folder = %folder.name, "UIDVALIDITY changed; resyncing the folder");
            report.resets = 1;
        }
        store.reset_folder(folder.id, server.uidvalidity).await?;
    }
    let local_count = if plan.reset { 0 } else { local.count };

    let mut listing = plan.listing;
    let mut missing = Vec::new();
    let mut vanished = Vec::new();
    if let Listing::NewSince(from) = listing {
        let found: Vec<u32> =
            command::uids_in(session, &format!("{from}:*")).await?.into_iter().filter(|u| *u >= from).collect();
        let known: HashSet<u32> = store.folder_uids(folder.id, from).await?.into_iter().collect();
        missing = found.into_iter().filter(|u| !known.contains(u)).collect();
        missing.sort_unstable_by(|a, b| b.cmp(a));
        let new_found = u32::try_from(missing.len()).unwrap_or(u32::MAX);
        if plan::needs_full_listing(local_count, new_found, server.exists) {
            listing = Listing::Full;
        }
    }
    if listing == Listing::Full {
        let server_uids: Vec<u32> = command::uid_search(session, "ALL").await?.into_iter().collect();
        let local_uids = store.folder_uids(folder.id, 0).await?;
        (missing, vanished) = plan::diff_uids(&local_uids, &server_uids);
    }
    // What the user moved out of this folder here is not fetched back into
    // it while the server has not moved it yet (a worker of its own does
    // that, beside this pass).
    if !missing.is_empty() {
        let moved = store.moved_away(folder.id, server.uidvalidity).await?;
        if !moved.is_empty() {
            missing.retain(|u| !moved.contains(u));
        }
    }

    // A history window: only what arrived since its start is fetched; the
    // rest stays on the server, counted so the folder can still be proven
    // complete.
    let mut outside_window = 0u32;
    if let (Some(days), false) = (history, missing.is_empty()) {
        let since = plan::imap_date(crate::store::accounts::history_start(days));
        let in_window = command::uid_search(session, &format!("SINCE {since}")).await?;
        let before = missing.len();
        missing.retain(|u| in_window.contains(u));
        outside_window = u32::try_from(before - missing.len()).unwrap_or(u32::MAX);
    }

    if !vanished.is_empty() {
        report.vanished = store.remove_locations(folder.id, &vanished).await?;
        if report.vanished > 0 {
            let _ = events.send(EngineEvent::MessagesVanished {
                account: account_id,
                folder: folder.display_name.clone(),
                uids: vanished.clone(),
            });
        }
    }

    let flag_query = match plan.flags {
        FlagCheck::Nothing => None,
        FlagCheck::ChangedSince(m) => Some(format!("(UID FLAGS) (CHANGEDSINCE {m})")),
        FlagCheck::All => Some("(UID FLAGS)".to_owned()),
    };
    if let Some(query) = flag_query {
        let missing_set: HashSet<u32> = missing.iter().copied().collect();
        let mut changes = Vec::new();
        // A flag the user changes from here on is newer than this answer.
        let asked_at = crate::store::now();
        let mut fetching = command::uid_fetch(session, "1:*", &query).await?;
        while let Some(item) = fetching.next().await? {
            let Some(uid) = item.uid else { continue };
            if !missing_set.contains(&uid) {
                changes.push((uid, item.flags, item.modseq.unwrap_or(0)));
            }
        }
        let changed = store.update_flags(folder.id, &changes, asked_at).await?;
        report.changed = u32::try_from(changed.len()).unwrap_or(u32::MAX);
        if !changed.is_empty() {
            let _ = events.send(EngineEvent::FlagsChanged {
                account: account_id,
                folder: folder.display_name.clone(),
                uids: changed,
            });
        }
    }

    if !missing.is_empty() {
        report.new = fetch_missing(session, store, account_id, folder, &missing, condstore, events).await?;
    }
    if report.vanished > 0 || report.changed > 0 {
        let _ = events.send(EngineEvent::MessagesChanged { account: account_id });
    }

    // The server's count is remembered (for STATUS to prove the next pass
    // needless) only when the folder here matches it: a message the server
    // would not hand over must be asked for again.
    let here = store.folder_count(folder.id).await?;
    let proven = (here.saturating_add(outside_window) == server.exists).then_some(server.exists);
    let uidnext = if server.uidnext > 0 {
        server.uidnext
    } else {
        store.folder_uids(folder.id, 0).await?.last().map_or(1, |u| u.saturating_add(1))
    };
    store.folder_synced(folder.id, server.uidvalidity, uidnext, server.highestmodseq.unwrap_or(0), proven).await?;
    Ok(report)
}

/// Fetches the given UIDs (newest first) and stores them through the
/// writer task. Returns how many new locations were stored.
async fn fetch_missing(
    session: &mut Session,
    store: &Store,
    account_id: i64,
    folder: &FolderRow,
    missing_newest_first: &[u32],
    condstore: bool,
    events: &broadcast::Sender<EngineEvent>,
) -> Result<u32> {
    let total = u32::try_from(missing_newest_first.len()).unwrap_or(u32::MAX);
    let (tx, rx) = mpsc::channel::<Vec<FetchedMessage>>(2);
    let writer = tokio::spawn(write_batches(
        store.clone(),
        account_id,
        folder.id,
        folder.display_name.clone(),
        total,
        rx,
        events.clone(),
    ));
    let query =
        if condstore { "(UID FLAGS INTERNALDATE MODSEQ BODY.PEEK[])" } else { "(UID FLAGS INTERNALDATE BODY.PEEK[])" };

    let fetched = async {
        for chunk in missing_newest_first.chunks(FETCH_CHUNK) {
            let wanted: HashSet<u32> = chunk.iter().copied().collect();
            let mut fetching = command::uid_fetch(session, &plan::uid_set(chunk), query).await?;
            let mut batch = Vec::new();
            let mut bytes = 0;
            while let Some(item) = fetching.next().await? {
                let Some(uid) = item.uid.filter(|u| wanted.contains(u)) else {
                    continue;
                };
                let Fetched { flags, modseq, internal_date, body, .. } = item;
                let Some(raw) = body else {
                    tracing::warn!(uid, "server sent no body; will retry next pass");
                    continue;
                };
                bytes += raw.len();
                batch.push(FetchedMessage { uid, flags, modseq: modseq.unwrap_or(0), internal_date, raw });
                if batch.len() >= BATCH_MESSAGES || bytes >= BATCH_BYTES {
                    if tx.send(std::mem::take(&mut batch)).await.is_err() {
                        return Ok(());
                    }
                    bytes = 0;
                }
            }
            if !batch.is_empty() && tx.send(batch).await.is_err() {
                return Ok(());
            }
        }
        Ok::<(), Error>(())
    }
    .await;
    drop(tx);
    let written = writer.await.map_err(|e| Error::Protocol(format!("writer task failed: {e}")))?;
    // A storage error explains a stopped fetch better than the fetch does.
    let new = written?;
    fetched?;
    Ok(new)
}

/// Parses and stores batches as they arrive, and tells the UI what each
/// commit made visible.
async fn write_batches(
    store: Store,
    account_id: i64,
    folder_id: i64,
    folder_name: String,
    total: u32,
    mut rx: mpsc::Receiver<Vec<FetchedMessage>>,
    events: broadcast::Sender<EngineEvent>,
) -> Result<u32> {
    // Parsing runs ahead of storing, `PARSERS` batches at once (handed on
    // in order): the store's single writer then never waits for the
    // parser, which costs about as much as the writer.
    let (parsed_tx, mut parsed_rx) = mpsc::channel::<Vec<PreparedMessage>>(1);
    let parsers = ParserThreads::start()?;
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
    let mut progress = Progress { account_id, folder_name, total, done: 0, events };
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
        writer.store(account_id, folder_id, &parsed).await?;
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
type ParseJob = (Vec<FetchedMessage>, tokio::sync::oneshot::Sender<Vec<PreparedMessage>>);

/// `PARSERS` threads that parse one folder's batches. They live as long as
/// the folder's fetch, so that what each sets up once (zstd's context,
/// malloc's arena) serves every batch; they give way to the store's writer
/// when both want a core: the writer is the one stage that cannot run in
/// parallel, and the parsers work ahead of it anyway.
struct ParserThreads {
    jobs: flume::Sender<ParseJob>,
}

impl ParserThreads {
    fn start() -> Result<ParserThreads> {
        let (jobs, queue) = flume::unbounded::<ParseJob>();
        for _ in 0..PARSERS {
            let queue = queue.clone();
            std::thread::Builder::new().name("threadline-parser".into()).spawn(move || {
                crate::yield_cpu_to_other_threads();
                // Ends when the last sender is dropped.
                while let Ok((batch, done)) = queue.recv() {
                    let _ = done.send(batch.into_iter().map(PreparedMessage::from).collect());
                }
            })?;
        }
        Ok(ParserThreads { jobs })
    }

    /// The parsed batch, once a parser thread got to it.
    fn parse(&self, batch: Vec<FetchedMessage>) -> impl Future<Output = Result<Vec<PreparedMessage>>> + use<> {
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
    account_id: i64,
    folder_name: String,
    total: u32,
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
            done: self.done,
            total: self.total,
        });
        let _ = self.events.send(EngineEvent::MessagesChanged { account });
        Ok(())
    }
}

/// Says once per folder and process that an empty folder was renumbered.
fn log_empty_renumbering_once(folder: &FolderRow) {
    static LOGGED: std::sync::Mutex<std::collections::BTreeSet<i64>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let first = LOGGED.lock().map(|mut logged| logged.insert(folder.id)).unwrap_or(false);
    if first {
        tracing::info!(folder = %folder.name, "the server renumbers this folder while it is empty; nothing to fetch again");
    }
}
