//! Threadline's engine: accounts, IMAP sync and the local store, with no GUI
//! dependency. The desktop app and `threadline-cli` are thin front ends over
//! [`Engine`].

pub mod accounts;
pub mod actions;
pub mod address;
pub mod crm;
pub mod error;
pub mod ids;
pub mod imap;
pub mod ingest;
mod locks;
pub mod logging;
pub mod mime;
pub mod model;
pub mod problem;
mod schedule;
pub mod secrets;
mod send;
/// The local store. Front ends reach it only through [`Engine`]; tests and
/// benchmarks that set it up or look into it turn on `internals`.
#[cfg(feature = "internals")]
pub mod store;
#[cfg(not(feature = "internals"))]
#[allow(dead_code, unused_imports)] // what only tests and benchmarks reach
mod store;
pub mod sync;

use crate::ids::{AccountId, MessageId, ThreadId};
use crate::problem::Problem;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::broadcast;

pub use actions::{ActionOutcome, UserAction};
pub use error::{Class, Error, ErrorKind, Result, UserError};
pub use schedule::{Scheduler, WatchOptions};
#[cfg(feature = "internals")]
pub use store::Store;
#[cfg(not(feature = "internals"))]
use store::Store;
pub use store::queries::ListFilter;

use locks::LockTable;
use model::{
    AccountStatus, AccountSummary, EngineEvent, MessageSummary, MessageView, Mirror, NewAccount, SyncReport, SyncState,
    ThreadPage, ThreadView,
};
use secrets::SecretStore;
use sync::Connection;

/// The app's identifier: names its per-user data folder, the same one
/// Tauri's `app_data_dir` uses.
pub const APP_ID: &str = "app.threadline";

/// Call first thing in `main`. glibc's allocator gives every thread that
/// allocates its own arena and keeps freed memory in it; the sync's
/// network, parser and SQLite threads then held about a tenth of a
/// 100,000-message initial sync's peak memory (105 MiB, 93 MiB with two
/// arenas). Elsewhere this does nothing.
pub fn limit_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning value; it is safe to call at
    // any time, and M_ARENA_MAX is a parameter glibc knows.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Lowers the calling thread's priority a little (Linux: nice 5; a no-op
/// elsewhere), for background work that must not slow the threads a user
/// or a serial stage waits on.
pub(crate) fn yield_cpu_to_other_threads() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: setpriority on this thread's own id only changes its nice
    // value; raising it needs no privilege and cannot fail harmfully.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 5);
    }
}

/// Where the desktop app and the CLI keep their data unless told otherwise:
/// `THREADLINE_DATA_DIR`, else the OS's per-user data folder.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("THREADLINE_DATA_DIR") {
        return PathBuf::from(dir);
    }
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join(APP_ID)
}

/// How long a keychain call may take before sync gives up on it.
const KEYCHAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The engine: one per data dir; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    secrets: Arc<dyn SecretStore>,
    events: broadcast::Sender<EngineEvent>,
    /// One full pass per account at a time in this process.
    pass_locks: LockTable<AccountId>,
    /// One pass per folder at a time: the foreground worker's inbox and
    /// the background worker's passes share folders.
    folder_locks: LockTable<i64>,
    /// One replay of an account's actions at a time.
    action_locks: LockTable<AccountId>,
    /// One outbox delivery per account at a time in this process, so that
    /// a delivery waits for one already running. (Other processes are kept
    /// off by the outbox's claims, migration 0009.)
    outbox_locks: LockTable<AccountId>,
    /// The wake switches of the running workers (see [`schedule`]).
    wakers: schedule::WakerTable,
}

impl Engine {
    /// Opens the data dir (creating and migrating the store as needed).
    pub async fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Engine> {
        let store = Store::open(data_dir).await?;
        let (events, _) = broadcast::channel(1024);
        Ok(Engine {
            store,
            secrets,
            events,
            pass_locks: LockTable::default(),
            folder_locks: LockTable::default(),
            action_locks: LockTable::default(),
            outbox_locks: LockTable::default(),
            wakers: schedule::WakerTable::default(),
        })
    }

    /// The store, for tests and benchmarks (see the `internals` feature).
    #[cfg(feature = "internals")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Closes the store as the process ends, so that its write-ahead log is
    /// copied into the database and the next start has nothing to read
    /// through; waits for a write in progress.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// The CRM: persons, organizations, deals, leads, projects and the
    /// links of emails to them.
    pub fn crm(&self) -> crm::Crm<'_> {
        crm::Crm { store: &self.store, events: &self.events }
    }

    /// Events sent after each committed change.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// Validates the form, checks that the server accepts the login (when
    /// `verify`), then stores the account and puts the password in the
    /// keychain. Returns the new account's id.
    pub async fn add_account(&self, input: NewAccount, verify: bool) -> Result<AccountId> {
        let a = accounts::resolve(input)?;
        tracing::info!(email = %a.email, host = %a.imap.host, "adding account");
        if verify {
            let mut session = imap::connect(&a.imap, &a.auth, &a.password).await?;
            let _ = session.logout().await;
            tracing::info!("login checked");
        }
        let id = self.store.insert_account(&a).await?;
        if a.history_days.is_some() {
            self.store.set_history(id, a.history_days).await?;
        }
        let key = store::accounts::secret_key(self.store.id(), id);
        tracing::info!(account = %id, "saving the password in the keychain");
        if let Err(e) = self.with_secrets(move |s| s.set(&key, &a.password)).await {
            self.store.delete_account(id).await?;
            return Err(e);
        }
        tracing::info!(account = %id, "account added");
        Ok(id)
    }

    /// Takes a new password after the server rejected the old one: checks
    /// it with the server, keeps it in the keychain, and marks the account
    /// ready again. Sync then resumes where it stopped (its state is in the
    /// store; nothing was dropped while the login failed).
    pub async fn update_password(&self, id: AccountId, password: &str) -> Result<()> {
        if password.is_empty() {
            return Err(Error::Invalid(Problem::EmptyPassword));
        }
        let account = self.store.account(id).await?;
        let mut session = imap::connect(&account.imap(), &account.auth(), password).await?;
        let _ = session.logout().await;
        let key = account.secret_key(self.store.id());
        let secret = password.to_owned();
        self.with_secrets(move |s| s.set(&key, &secret)).await?;
        tracing::info!(account = %id, "new password accepted and kept");
        self.set_state(id, SyncState::Ok, None).await?;
        // Workers that run for it pick up where they were.
        self.request_pass(id);
        Ok(())
    }

    /// Removes an account, its synced mail and its keychain entry.
    pub async fn remove_account(&self, id: AccountId) -> Result<()> {
        let key = store::accounts::secret_key(self.store.id(), id);
        self.store.delete_account(id).await?;
        self.with_secrets(move |s| s.delete(&key)).await
    }

    /// One account.
    pub async fn account(&self, id: AccountId) -> Result<AccountSummary> {
        Ok(self.store.account(id).await?.summary())
    }

    /// "All emails will be synced" (`folders` None) or "Sync emails with
    /// specific labels" (these folders, by server or display name).
    /// Folders left out are forgotten here at once, and so are the messages
    /// no synced folder holds; the server is never touched. Newly chosen
    /// folders are fetched by the next pass.
    pub async fn choose_sync_folders(&self, account_id: AccountId, folders: Option<&[String]>) -> Result<()> {
        let known = self.store.folders(account_id).await?;
        let chosen: Option<Vec<i64>> = match folders {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        known
                            .iter()
                            .find(|f| &f.name == name || &f.display_name == name)
                            .map(|f| f.id)
                            .ok_or_else(|| Error::NotFound(Problem::FolderNotFound { name: Some(name.to_owned()) }))
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        let _guard = self.pass_locks.lock(account_id).await;
        self.store.choose_folders(account_id, chosen.as_deref()).await?;
        let removed = self.store.delete_orphans(account_id, store::now()).await?;
        tracing::info!(account = %account_id, all = chosen.is_none(), removed, "sync folders chosen");
        let _ = self.events.send(EngineEvent::MessagesChanged { account: account_id });
        self.request_pass(account_id);
        Ok(())
    }

    /// How far back the account syncs (days; None: everything). Narrowing
    /// forgets here what arrived before the new start; widening fetches
    /// the older mail at the next pass. The server is never touched.
    pub async fn set_history(&self, account_id: AccountId, days: Option<u32>) -> Result<()> {
        let _guard = self.pass_locks.lock(account_id).await;
        self.store.set_history(account_id, days).await?;
        let removed = self.store.delete_orphans(account_id, store::now()).await?;
        tracing::info!(account = %account_id, ?days, removed, "history depth set");
        let _ = self.events.send(EngineEvent::MessagesChanged { account: account_id });
        self.request_pass(account_id);
        Ok(())
    }

    /// How often the account is checked for new mail when its server
    /// cannot push it (and every folder gone over when it can), in
    /// seconds; a running watch picks it up at its next wake.
    pub async fn set_poll_interval(&self, account_id: AccountId, seconds: u32) -> Result<()> {
        self.store.set_poll_interval(account_id, seconds).await?;
        tracing::info!(account = %account_id, seconds, "poll interval set");
        Ok(())
    }

    /// What archiving or deleting here does in this account's mailbox
    /// from now on (actions already queued keep what they asked for).
    pub async fn set_mirror(&self, account_id: AccountId, mirror: Mirror) -> Result<()> {
        self.store.set_mirror(account_id, mirror).await?;
        tracing::info!(account = %account_id, mirror = model::name_of(&mirror), "mirroring set");
        Ok(())
    }

    /// Makes a folder the account's Trash, Sent, Drafts or Archive (for a
    /// server that names none, or the wrong one); kept over what later
    /// passes find. Messages already in that folder move to its box.
    pub async fn choose_folder_role(&self, account_id: AccountId, role: &str, folder_id: i64) -> Result<()> {
        if !sync::roles::PICKABLE.contains(&role) {
            return Err(Error::Invalid(Problem::NotAFolderRole { role: role.to_owned() }));
        }
        self.store.choose_folder_role(account_id, role, folder_id).await?;
        tracing::info!(account = %account_id, role, folder = folder_id, "folder role chosen");
        let _ = self.events.send(EngineEvent::MessagesChanged { account: account_id });
        Ok(())
    }

    /// Every account's health, folder by folder: the troubleshooting view.
    pub async fn account_statuses(&self) -> Result<Vec<AccountStatus>> {
        let mut out = Vec::new();
        for account in self.store.accounts().await? {
            let folders = self.store.folder_statuses(account.id).await?;
            let (pending_actions, failed_actions) = self.store.action_counts(account.id).await?;
            let (queued_messages, failed_messages) = self.store.outbox_counts(account.id).await?;
            out.push(AccountStatus {
                account: account.summary(),
                folders,
                pending_actions,
                failed_actions,
                last_action_failure: self.store.last_action_failure(account.id).await?,
                queued_messages,
                failed_messages,
            });
        }
        Ok(out)
    }

    /// All accounts.
    pub async fn accounts(&self) -> Result<Vec<AccountSummary>> {
        Ok(self.store.accounts().await?.iter().map(|a| a.summary()).collect())
    }

    /// Syncs one account once: hands the outbox over, replays the queued
    /// actions, then a full pass; concurrent calls for the same account
    /// wait for each other. The outcome is recorded on the account (and
    /// pushed as an event): ok, error, or needs re-authentication.
    pub async fn sync_account(&self, id: AccountId) -> Result<SyncReport> {
        self.retry_outbox(id).await;
        self.pass_over_account(id, true, None).await
    }

    /// A full pass over the account on a connection of its own (after
    /// replaying its actions, when asked), recorded on the account.
    async fn pass_over_account(&self, id: AccountId, replay_first: bool, chunk: Option<usize>) -> Result<SyncReport> {
        let _guard = self.pass_locks.lock(id).await;
        let account = self.store.account(id).await?;
        let password = self.password(&account).await;
        self.set_state(id, SyncState::Syncing, None).await?;
        let result = async {
            let mut conn = Connection::open(&account, &password?).await?;
            if replay_first {
                self.replay_on(&mut conn, id).await?;
            }
            let report = sync::sync_all_folders(&mut conn, &self.pass(chunk), id).await?;
            conn.close().await;
            Ok(report)
        }
        .await;
        self.record_outcome(id, result).await
    }

    /// Connects to the account's server; a failure is recorded on the
    /// account.
    async fn open_connection(&self, id: AccountId) -> Result<Connection> {
        let account = self.store.account(id).await?;
        let opened = match self.password(&account).await {
            Ok(password) => Connection::open(&account, &password).await,
            Err(e) => Err(e),
        };
        match opened {
            Ok(conn) => Ok(conn),
            Err(e) => Err(self.record_failure(id, e).await),
        }
    }

    /// What a pass works with besides its connection.
    fn pass(&self, chunk: Option<usize>) -> sync::Pass<'_> {
        sync::Pass { store: &self.store, events: &self.events, folders: &self.folder_locks, chunk }
    }

    /// The account's password from the keychain; a missing one is an
    /// authentication problem the user must solve.
    async fn password(&self, account: &store::AccountRow) -> Result<String> {
        let key = account.secret_key(self.store.id());
        self.with_secrets(move |s| s.get(&key))
            .await?
            .ok_or_else(|| Error::AuthFailed("no password in the keychain".into()))
    }

    /// Records how a pass ended on the account and hands the result back.
    async fn record_outcome(&self, id: AccountId, result: Result<SyncReport>) -> Result<SyncReport> {
        match result {
            Ok(report) => {
                tracing::info!(account = %id, ?report, "sync pass done");
                self.set_state(id, SyncState::Ok, None).await?;
                Ok(report)
            }
            Err(e) => Err(self.record_failure(id, e).await),
        }
    }

    /// Records a failed pass on the account (needs re-authentication when
    /// the login was rejected) and gives the error back.
    async fn record_failure(&self, id: AccountId, e: Error) -> Error {
        tracing::warn!(account = %id, error = %e, "sync pass failed");
        let state = if e.kind() == ErrorKind::Auth { SyncState::NeedsReauth } else { SyncState::Error };
        if let Err(store_error) = self.set_state(id, state, Some(e.problem())).await {
            tracing::error!(account = %id, error = %store_error, "could not record the failure");
        }
        e
    }

    /// Syncs every account once, all at the same time (each on its own
    /// connection; their batches take turns at the store's writer);
    /// returns the summed report, or the first error after trying all
    /// accounts.
    pub async fn sync_all(&self) -> Result<SyncReport> {
        let accounts = self.store.accounts().await?;
        let results = futures::future::join_all(accounts.iter().map(|a| self.sync_account(a.id))).await;
        let mut total = SyncReport::default();
        let mut first_error = None;
        for result in results {
            match result {
                Ok(r) => total.add(&r),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(total),
        }
    }

    /// Messages newest first, one row per folder location.
    pub async fn list_messages(&self, filter: &ListFilter) -> Result<Vec<MessageSummary>> {
        self.store.list_messages(filter).await
    }

    /// One message as lists show it (its first folder location).
    pub async fn message_summary(&self, id: MessageId) -> Result<MessageSummary> {
        self.store.message_summary(id).await
    }

    /// Full-text search, newest first.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<MessageSummary>> {
        self.store.search(query, limit).await
    }

    /// A window of one view's conversations (inbox, archive, trash).
    pub async fn thread_page(&self, view: ThreadView, offset: u32, limit: u32) -> Result<ThreadPage> {
        self.store.thread_page(view, offset, limit.min(500)).await
    }

    /// The messages of a conversation, oldest first.
    pub async fn thread_messages(&self, thread_id: ThreadId) -> Result<Vec<MessageSummary>> {
        self.store.thread_messages(thread_id).await
    }

    /// A message ready for the reading pane; remote content only when the
    /// user allowed it for this message.
    pub async fn message_view(&self, id: MessageId, allow_remote: bool) -> Result<MessageView> {
        let summary = self.store.message_summary(id).await?;
        let raw = self.store.message_source(id).await?;
        let (attachments, problem) = self.store.message_extras(id).await?;
        let body = tokio::task::spawn_blocking(move || mime::html::render(&raw, allow_remote))
            .await
            .map_err(|e| Error::Protocol(format!("render task failed: {e}")))?;
        Ok(MessageView {
            summary,
            text: body.text,
            html: body.html,
            remote_content_blocked: body.remote_content_blocked,
            attachments,
            // The parser's note is for the log; the window says it in words.
            problem: problem.map(|_| Problem::MessageUnparsable),
        })
    }

    async fn set_state(&self, id: AccountId, state: SyncState, problem: Option<Problem>) -> Result<()> {
        self.store.set_account_state(id, state, problem.as_ref()).await?;
        let _ = self.events.send(EngineEvent::AccountState { account: id, state, problem });
        Ok(())
    }

    /// Runs a keychain call on the blocking pool (keychains block).
    async fn with_secrets<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    {
        let secrets = Arc::clone(&self.secrets);
        let task = tokio::task::spawn_blocking(move || f(secrets.as_ref()));
        // A keychain that never answers (a locked collection waiting for a
        // prompt nobody sees) must not stall sync forever.
        match tokio::time::timeout(KEYCHAIN_TIMEOUT, task).await {
            Ok(joined) => joined.map_err(|e| Error::Secret(format!("keychain task failed: {e}")))?,
            Err(_) => Err(Error::Secret("the keychain did not answer".into())),
        }
    }
}
