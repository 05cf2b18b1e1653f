//! One sync pass over an account: list folders, then for each folder plan
//! (see [`plan`]) and apply: forget vanished UIDs, apply flag changes, and
//! fetch missing messages newest first through [`crate::ingest`]. A killed
//! process resumes with the first missing UID, with no duplicates and no
//! gaps.

pub mod plan;
pub mod roles;

use std::collections::{HashMap, HashSet};

use tokio::sync::broadcast;

use crate::error::Result;
use crate::ids::AccountId;
use crate::imap::command::{self, Listed};
use crate::imap::{self, Session};
use crate::ingest::{self, Extras};
use crate::locks::LockTable;
use crate::model::{EngineEvent, SyncReport};
use crate::store::{AccountRow, FolderRow, RemoteFolder, Store};
use plan::{FlagCheck, Listing, LocalFolder, ServerFolder};

/// A logged-in connection to one account's server, with what it offers.
/// A sync pass runs on one; the scheduler's foreground worker keeps one
/// open between its passes.
pub struct Connection {
    pub(crate) session: Session,
    pub(crate) condstore: bool,
    /// The server can push changes (RFC 2177 IDLE).
    pub idle: bool,
    /// The server moves messages atomically (RFC 6851 MOVE).
    pub(crate) can_move: bool,
    /// Gmail's extensions (X-GM-EXT-1): labels are folders, one message.
    pub(crate) gmail: bool,
    /// The server expunges by UID (RFC 4315 UIDPLUS).
    pub(crate) uidplus: bool,
    /// The personal namespaces (RFC 2342), as (prefix, delimiter).
    pub(crate) namespaces: Vec<(String, Option<String>)>,
    /// This connection's place among the ones the provider allows at once
    /// (None: no limit).
    pub(crate) slot: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Connection {
    /// Connects and logs in to the account's IMAP server.
    pub async fn open(account: &AccountRow, password: &str) -> Result<Connection> {
        let preset = account.preset();
        let slot = match preset.and_then(|p| p.max_connections) {
            Some(limit) => Some(connection_slot(account, limit).await),
            None => None,
        };
        let mut session = imap::connect(&account.imap(), &account.auth(), password).await?;
        let capabilities = session.capabilities().await?;
        // NetEase refuses SELECT from a client that has not said who it is.
        if preset.is_some_and(|p| p.imap_id) && capabilities.has_str("ID") {
            let version = env!("CARGO_PKG_VERSION");
            session
                .id([("name", Some("Threadline")), ("version", Some(version)), ("vendor", Some("Threadline"))])
                .await?;
        }
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
            gmail: capabilities.has_str("X-GM-EXT-1"),
            uidplus: capabilities.has_str("UIDPLUS"),
            namespaces,
            session,
            slot,
        })
    }

    /// Logs out, politely; the connection is dropped either way.
    pub async fn close(mut self) {
        let _ = self.session.logout().await;
    }
}

/// Waits for one of the connections a provider allows an account at once
/// (Gmail: 3), counted per login across this process's engines.
async fn connection_slot(account: &AccountRow, limit: u8) -> tokio::sync::OwnedSemaphorePermit {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex, PoisonError};
    static SLOTS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>> = LazyLock::new(Mutex::default);
    let key = format!("{}@{}", account.username, account.imap_host);
    let semaphore = {
        let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(key).or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(usize::from(limit)))))
    };
    // The semaphore is never closed.
    semaphore.acquire_owned().await.unwrap_or_else(|_| unreachable!("connection slots are never closed"))
}

/// What a pass works with besides its connection: the store, who to tell,
/// and the folder locks that keep two passes of this process off one
/// folder (the scheduler's workers sync the inbox and the other folders on
/// connections of their own).
pub struct Pass<'a> {
    pub(crate) store: &'a Store,
    pub(crate) events: &'a broadcast::Sender<EngineEvent>,
    pub(crate) folders: &'a LockTable<i64>,
    /// At most this many missing messages are fetched per folder, the
    /// newest; the rest waits for the next pass (None: all). The
    /// scheduler's workers fetch history in such chunks, so that a large
    /// first sync does not hold a folder, or the other folders, for long.
    pub(crate) chunk: Option<usize>,
    /// Checks the Smart BCC copies a pass fetches (None: the system's DNS
    /// configuration could not be read).
    pub(crate) verifier: Option<&'a crate::verify::Verifier>,
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
pub async fn sync_all_folders(conn: &mut Connection, pass: &Pass<'_>, account_id: AccountId) -> Result<SyncReport> {
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
                store.folder_failed(folder.id, &e.problem()).await?;
                complete = false;
            }
            Err(e) => {
                let _ = store.folder_failed(folder.id, &e.problem()).await;
                return Err(e);
            }
        }
    }
    if complete {
        crate::actions::expunge_forgotten(store, account_id).await?;
        let removed = store.delete_orphans(account_id, started).await?;
        if removed > 0 {
            let _ = pass.events.send(EngineEvent::MessagesChanged { account: account_id });
        }
    }
    Ok(report)
}

/// The folder with this role, if the account has one and syncs it (None
/// too before the first pass listed the folders).
pub(crate) async fn synced_folder_with_role(
    store: &Store,
    account_id: AccountId,
    role: &str,
) -> Result<Option<FolderRow>> {
    let sync_all = store.account(account_id).await?.sync_all_folders;
    Ok(store.folders(account_id).await?.into_iter().find(|f| f.role.as_deref() == Some(role) && (sync_all || f.chosen)))
}

/// A pass over one folder whose lock the caller holds.
pub(crate) async fn sync_locked_folder(
    conn: &mut Connection,
    pass: &Pass<'_>,
    account_id: AccountId,
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

/// Tells of new mail in the inbox (see [`EngineEvent::MailArrived`]):
/// what is still unread and shown, if the account wants to know.
async fn tell_of_arrivals(
    store: &Store,
    events: &broadcast::Sender<EngineEvent>,
    account_id: AccountId,
    folder_id: i64,
    uids: &[u32],
) -> Result<()> {
    if !store.account(account_id).await?.notify_new_mail {
        return Ok(());
    }
    let ids = store.unread_shown_at(folder_id, uids).await?;
    if !ids.is_empty() {
        let _ = events.send(EngineEvent::MailArrived { account: account_id, ids });
    }
    Ok(())
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
    account_id: AccountId,
    folder: &FolderRow,
    status: Option<ServerFolder>,
    history: Option<u32>,
) -> Result<SyncReport> {
    let (store, events) = (pass.store, pass.events);
    let (condstore, gmail) = (conn.condstore, conn.gmail);
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

    if let Some(chunk) = pass.chunk
        && missing.len() > chunk
    {
        report.left = u32::try_from(missing.len() - chunk).unwrap_or(u32::MAX);
        missing.truncate(chunk);
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

    // Gmail's labels change like flags (and move MODSEQ on): asked with them.
    let labels = if gmail { " X-GM-LABELS" } else { "" };
    let flag_query = match plan.flags {
        FlagCheck::Nothing => None,
        FlagCheck::ChangedSince(m) => Some(format!("(UID FLAGS{labels}) (CHANGEDSINCE {m})")),
        FlagCheck::All => Some(format!("(UID FLAGS{labels})")),
    };
    if let Some(query) = flag_query {
        let missing_set: HashSet<u32> = missing.iter().copied().collect();
        let mut changes = Vec::new();
        let mut label_changes = Vec::new();
        // A flag the user changes from here on is newer than this answer.
        let asked_at = crate::store::now();
        let mut fetching = command::uid_fetch(session, "1:*", &query).await?;
        while let Some(item) = fetching.next().await? {
            let Some(uid) = item.uid else { continue };
            if !missing_set.contains(&uid) {
                if let Some(list) = item.gmail_labels {
                    label_changes.push((uid, list));
                }
                changes.push((uid, item.flags, item.modseq.unwrap_or(0)));
            }
        }
        store.update_labels(folder.id, &label_changes).await?;
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

    if gmail && !missing.is_empty() {
        // Already here under another label: placed, not fetched again.
        let placed;
        (placed, missing) =
            ingest::place_known_gmail(session, store, account_id, folder.id, &missing, condstore).await?;
        report.new += placed;
        if placed > 0 {
            let _ = events.send(EngineEvent::MessagesChanged { account: account_id });
        }
    }
    let arrived =
        if folder.role.as_deref() == Some("inbox") { plan::arrivals(local, plan.reset, &missing) } else { Vec::new() };
    if !missing.is_empty() {
        // Progress counts from what is stored, towards what will be once
        // the history is complete, whatever the chunk.
        let progress = ingest::Span {
            before: local_count,
            total: local_count
                .saturating_add(report.left)
                .saturating_add(u32::try_from(missing.len()).unwrap_or(u32::MAX)),
        };
        report.new +=
            ingest::fetch_missing(session, pass, account_id, folder, &missing, Extras { condstore, gmail }, progress)
                .await?;
    }
    if report.vanished > 0 || report.changed > 0 {
        let _ = events.send(EngineEvent::MessagesChanged { account: account_id });
    }
    if !arrived.is_empty() {
        tell_of_arrivals(store, events, account_id, folder.id, &arrived).await?;
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

/// Says once per folder and process that an empty folder was renumbered.
fn log_empty_renumbering_once(folder: &FolderRow) {
    static LOGGED: std::sync::Mutex<std::collections::BTreeSet<i64>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let first = LOGGED.lock().map(|mut logged| logged.insert(folder.id)).unwrap_or(false);
    if first {
        tracing::info!(folder = %folder.name, "the server renumbers this folder while it is empty; nothing to fetch again");
    }
}
