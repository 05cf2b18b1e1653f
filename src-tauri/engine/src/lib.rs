//! Threadline's engine: accounts, IMAP sync and the local store, with no GUI
//! dependency. The desktop app and `threadline-cli` are thin front ends over
//! [`Engine`], a handle over one service per area: [`Engine::accounts`],
//! [`Engine::mail`], [`Engine::crm`], and the sync itself
//! ([`Engine::sync_account`], the [`Scheduler`]'s workers). Every change
//! goes through them, and each is announced as an event after its commit.

pub mod accounts;
pub mod actions;
pub mod address;
pub mod bcc;
pub mod crm;
pub mod error;
pub mod ids;
pub mod imap;
pub mod ingest;
pub mod links;
mod locks;
pub mod logging;
pub mod mail;
pub mod mailto;
pub mod mime;
pub mod model;
pub mod net;
pub mod preferences;
pub mod problem;
mod schedule;
pub mod search;
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
pub mod verify;

use crate::ids::AccountId;
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
use model::{EngineEvent, IndexingState, SyncReport, SyncState};
use secrets::SecretStore;
use sync::Connection;

/// The app's identifier: names its per-user data folder, the same one
/// Tauri's `app_data_dir` uses.
pub const APP_ID: &str = "app.threadline";

/// Call first thing in `main`. glibc's allocator gives every thread that
/// allocates its own arena and keeps freed memory in it; the sync's
/// network, parser and SQLite threads then held about a tenth of a
/// 100,000-message initial sync's peak memory (105 MiB, 93 MiB with two
/// arenas). And buffers of a MiB or more (a message with large files, as
/// it is encoded and sent) are mapped on their own: returned to the
/// system when freed, and grown in place without a copy (glibc otherwise
/// raises that threshold to 32 MiB after the first large buffer, and a
/// growing 27 MB message was copied into a 55 MB one). Elsewhere this
/// does nothing.
pub fn limit_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets tuning values; it is safe to call at any
    // time, and M_ARENA_MAX and M_MMAP_THRESHOLD are parameters glibc knows.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
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
    /// The user's "Cancel" of an account's running full pass.
    pass_cancels: locks::CancelTable<AccountId>,
    /// The user's "Cancel" of the search index's refill.
    refill_cancel: std::sync::atomic::AtomicBool,
    /// The user's "Cancel" of a contacts import.
    import_cancel: std::sync::atomic::AtomicBool,
    /// One outbox delivery per account at a time in this process, so that
    /// a delivery waits for one already running. (Other processes are kept
    /// off by the outbox's claims, migration 0009.)
    outbox_locks: LockTable<AccountId>,
    /// The wake switches of the running workers (see [`schedule`]).
    wakers: schedule::WakerTable,
    /// DKIM and SPF for Smart BCC copies, with one DNS cache for all
    /// (None: the system's DNS configuration could not be read).
    verifier: Option<verify::Verifier>,
    /// One renewal of an account's OAuth tokens at a time: a rotated
    /// refresh token used twice would end the sign-in.
    token_locks: LockTable<AccountId>,
    /// The OAuth clients this build and installation have.
    registrations: accounts::oauth::Registrations,
    /// Cancels the OAuth sign-in waiting for the browser, if one is.
    sign_in_cancel: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// Where files the window hands over (dropped, pasted, picked) are
    /// kept until the message that carries them is sent.
    staging_dir: PathBuf,
    /// Where received files are taken out to be opened with the system's
    /// app (one folder per message and file, replaced each time).
    opened_dir: PathBuf,
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
            pass_cancels: locks::CancelTable::default(),
            refill_cancel: std::sync::atomic::AtomicBool::new(false),
            import_cancel: std::sync::atomic::AtomicBool::new(false),
            outbox_locks: LockTable::default(),
            wakers: schedule::WakerTable::default(),
            verifier: verify::Verifier::from_env()
                .inspect_err(|e| tracing::warn!(error = %e, "no DNS resolver: Smart BCC copies will wait"))
                .ok(),
            token_locks: LockTable::default(),
            registrations: accounts::oauth::Registrations::load(data_dir)?,
            sign_in_cancel: std::sync::Mutex::new(None),
            staging_dir: data_dir.join("staged"),
            opened_dir: data_dir.join("opened"),
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

    /// The accounts: adding, signing in again, settings and health.
    pub fn accounts(&self) -> accounts::Accounts<'_> {
        accounts::Accounts { engine: self }
    }

    /// The mail here: lists, conversations, messages, search, the user's
    /// actions and Send.
    pub fn mail(&self) -> mail::Mail<'_> {
        mail::Mail { engine: self }
    }

    /// The CRM: persons, organizations, deals, leads, projects and the
    /// links of emails to them.
    pub fn crm(&self) -> crm::Crm<'_> {
        crm::Crm { store: &self.store, events: &self.events, import_cancel: &self.import_cancel }
    }

    /// Smart BCC: the addresses that capture copies of mail sent from any
    /// client, the senders accepted to use them, and the quarantine.
    pub fn bcc(&self) -> bcc::Bcc<'_> {
        bcc::Bcc { engine: self }
    }

    /// The app's preferences (email links, the tray).
    pub async fn app_preferences(&self) -> Result<preferences::AppPreferences> {
        self.store.app_preferences().await
    }

    /// Replaces the app's preferences.
    pub async fn set_app_preferences(&self, preferences: &preferences::AppPreferences) -> Result<()> {
        self.store.set_app_preferences(preferences).await
    }

    /// Tells every account's views that what they show changed (a block,
    /// a held copy let in): not one account's sync.
    pub(crate) async fn every_view_changed(&self) -> Result<()> {
        for account in self.store.accounts().await? {
            let _ = self.events.send(EngineEvent::MessagesChanged { account: account.id });
        }
        Ok(())
    }

    /// Events sent after each committed change.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
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
        let password = self.secret(&account).await;
        let cancel = self.pass_cancels.of(id);
        let cancelled = cancel.notified();
        self.set_state(id, SyncState::Syncing, None).await?;
        let work = async {
            let mut conn = Connection::open(&account, &password?).await?;
            if replay_first {
                self.replay_on(&mut conn, id).await?;
            }
            let report = sync::sync_all_folders(&mut conn, &self.pass(chunk), id).await?;
            conn.close().await;
            // Copies that waited for DNS are checked again once a pass is done.
            if let Err(e) = self.bcc().recheck().await {
                tracing::warn!(error = %e, "Smart BCC copies could not be checked again");
            }
            Ok(report)
        };
        // Cancelling drops the pass where it is: every batch it stored was
        // committed whole (as after a killed process), so the next pass
        // fetches only what is still missing.
        let result = tokio::select! {
            result = work => result,
            () = cancelled => {
                tracing::info!(account = %id, "sync pass cancelled");
                let (state, problem) = (account.sync_state, account.last_error.clone());
                self.store.put_back_account_state(id, state, problem.as_ref()).await?;
                let _ = self.events.send(EngineEvent::AccountState { account: id, state, problem });
                return Ok(SyncReport { cancelled: true, ..SyncReport::default() });
            }
        };
        self.record_outcome(id, result).await
    }

    /// Finishes a refill of the search index that an upgrade asked for
    /// (see [`Store::refill_chunk`]), chunk by chunk beside the user's
    /// work, telling its progress as events. Cancelled, it stops after the
    /// chunk it is on; the next call goes on from there. Returns whether
    /// the index is complete.
    pub async fn refill_search_index(&self) -> Result<bool> {
        use std::sync::atomic::Ordering;
        let Some(mut at) = self.store.refill_pending().await? else {
            return Ok(true);
        };
        self.refill_cancel.store(false, Ordering::SeqCst);
        let tell = |done: u64, state: IndexingState| {
            let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
            let _ = self.events.send(EngineEvent::SearchIndexing {
                done: count(done.min(at.total)),
                total: count(at.total),
                state,
            });
        };
        loop {
            if self.refill_cancel.load(Ordering::SeqCst) {
                tracing::info!(done = at.done, total = at.total, "search index refill cancelled");
                tell(at.done, IndexingState::Stopped);
                return Ok(false);
            }
            tell(at.done, IndexingState::Running);
            let indexed = self.store.refill_chunk().await?;
            if indexed == 0 {
                tell(at.total, IndexingState::Done);
                return Ok(true);
            }
            at.done += indexed;
        }
    }

    /// Cancels the refill of the search index (see
    /// [`Engine::refill_search_index`]).
    pub fn cancel_refill(&self) {
        self.refill_cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Cancels the sync of one account, or of every account (None), as
    /// "Cancel" in the window asks: a running pass ends at once, and no
    /// further chunk of history follows until the next pass is due or
    /// asked for, which goes on from where this one stopped.
    pub fn cancel_sync(&self, account: Option<AccountId>) {
        for id in self.pass_cancels.cancel(account) {
            let _ = self.events.send(EngineEvent::SyncCancelled { account: id });
        }
    }

    /// Whether the user cancelled the account's sync after `since`.
    pub(crate) fn sync_cancelled_since(&self, account: AccountId, since: std::time::Instant) -> bool {
        self.pass_cancels.cancelled_since(&account, since)
    }

    /// Connects to the account's server; a failure is recorded on the
    /// account.
    async fn open_connection(&self, id: AccountId) -> Result<Connection> {
        let account = self.store.account(id).await?;
        let opened = match self.secret(&account).await {
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
        sync::Pass {
            store: &self.store,
            events: &self.events,
            folders: &self.folder_locks,
            chunk,
            verifier: self.verifier.as_ref(),
        }
    }

    /// What the account's connections sign in with: its password, or a
    /// current OAuth access token (renewed first when it is near its end;
    /// a rotated refresh token is kept before the new access token is
    /// used). A missing secret or a refused renewal is an authentication
    /// problem the user must solve ("Sign in again").
    async fn secret(&self, account: &store::AccountRow) -> Result<String> {
        let key = account.secret_key(self.store.id());
        let missing = || Error::AuthFailed("nothing for this account in the keychain".into());
        let Some(server) = account.oauth_server().filter(|_| account.sign_in == model::SignIn::Oauth) else {
            let read = key.clone();
            return self.with_secrets(move |s| s.get(&read)).await?.ok_or_else(missing);
        };
        let _renewing = self.token_locks.lock(account.id).await;
        let read = key.clone();
        let stored = self.with_secrets(move |s| s.get(&read)).await?.ok_or_else(missing)?;
        let tokens = accounts::oauth::Tokens::from_secret(&stored)?;
        if !tokens.stale(store::now()) {
            return Ok(tokens.access_token);
        }
        let refresh = tokens.refresh_token.ok_or_else(|| Error::AuthFailed("the sign-in has ended".into()))?;
        let secret = self.registrations.secret_of(&server.client_id);
        let renewed = accounts::oauth::refresh(&server, secret, &refresh).await?;
        tracing::info!(account = %account.id, rotated = renewed.refresh_token.as_deref() != Some(refresh.as_str()), "access token renewed");
        let kept = renewed.to_secret();
        self.with_secrets(move |s| s.set(&key, &kept)).await?;
        Ok(renewed.access_token)
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

    pub(crate) async fn set_state(&self, id: AccountId, state: SyncState, problem: Option<Problem>) -> Result<()> {
        self.store.set_account_state(id, state, problem.as_ref()).await?;
        let _ = self.events.send(EngineEvent::AccountState { account: id, state, problem });
        Ok(())
    }

    /// Runs a keychain call on the blocking pool (keychains block).
    pub(crate) async fn with_secrets<T, F>(&self, f: F) -> Result<T>
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
