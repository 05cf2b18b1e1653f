//! The scheduler: when and on which connection each account's server work
//! runs, for the desktop app and `threadline-cli sync --watch` alike.
//!
//! Per account, three workers, each woken through a channel of capacity
//! one (a wake while one is pending is folded into it):
//! - the foreground worker keeps one connection open: the user's queued
//!   actions first, then the inbox, then IDLE on it, so new mail is stored
//!   within a second and an action reaches the server within a round trip
//!   even while a long pass runs;
//! - the background worker runs full passes over every folder (and the
//!   history) on a connection of its own, at the account's interval or
//!   when asked ("Sync now", a changed setting);
//! - the sender hands the outbox to the SMTP server.
//!
//! `Engine::act` and `Engine::send` only commit locally and wake a worker.
//! Failures are classed ([`Class`]): a rejected login stops the account's
//! workers (the account then asks for the password; retrying would get the
//! user locked out), a lost connection is retried with growing pauses, an
//! action that failed for a passing reason waits for its own next attempt,
//! and one the server refused is given up and shown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_imap::extensions::idle::IdleResponse;
use tokio::sync::{mpsc, watch};

use crate::Engine;
use crate::error::{Class, Error, Result};
use crate::ids::AccountId;
use crate::sync::{self, Connection};

/// How an account is watched.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Time between full passes. None: the account's own choice
    /// (Preferences), read again at every wake, so that a change applies
    /// within `SETTINGS_RECHECK`.
    pub poll_interval: Option<Duration>,
    /// IDLE is ended and started again at least this often: RFC 2177 lets
    /// servers drop an IDLE after 30 minutes, and quiet connections get
    /// dropped by routers sooner.
    pub idle_renew: Duration,
    /// The foreground worker fetches at most this many of the inbox's
    /// missing messages, the newest: new mail shows at once, also during
    /// a first sync, and the background worker fetches the history behind
    /// it …
    pub newest_chunk: usize,
    /// … this many per folder and pass, newest first, so that every
    /// folder's newest mail is in before the history of the largest.
    pub history_chunk: usize,
}

impl Default for WatchOptions {
    fn default() -> WatchOptions {
        WatchOptions {
            poll_interval: None,
            idle_renew: Duration::from_secs(600),
            newest_chunk: 1_000,
            // About two seconds of fetching here.
            history_chunk: 20_000,
        }
    }
}

/// First pause before reconnecting; it doubles up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(300);
/// Longest sleep between passes before the account's interval is read
/// again.
const SETTINGS_RECHECK: Duration = Duration::from_secs(60);
/// Longest wait for the server to confirm the end of an IDLE.
const DONE_TIMEOUT: Duration = Duration::from_secs(30);
/// An action that failed for a passing reason is tried again after this
/// many seconds, doubling, and given up after `ACTION_ATTEMPTS` tries.
const ACTION_RETRY_FIRST_SECS: i64 = 2;
const ACTION_ATTEMPTS: i64 = 8;

/// One of an account's workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Worker {
    Foreground,
    Background,
    Sender,
}

/// The wake switches of one account's running workers.
#[derive(Debug)]
pub(crate) struct Wakers {
    foreground: mpsc::Sender<()>,
    background: mpsc::Sender<()>,
    sender: mpsc::Sender<()>,
}

/// What the workers wait on.
struct Alarms {
    foreground: mpsc::Receiver<()>,
    background: mpsc::Receiver<()>,
    sender: mpsc::Receiver<()>,
}

fn wake_channels() -> (Wakers, Alarms) {
    let (foreground, fg) = mpsc::channel(1);
    let (background, bg) = mpsc::channel(1);
    let (sender, snd) = mpsc::channel(1);
    (Wakers { foreground, background, sender }, Alarms { foreground: fg, background: bg, sender: snd })
}

/// The running workers' wake switches, by account.
#[derive(Debug, Default)]
pub(crate) struct WakerTable(Mutex<HashMap<AccountId, Wakers>>);

impl WakerTable {
    fn insert(&self, account: AccountId, wakers: Wakers) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(account, wakers);
    }

    fn remove(&self, account: AccountId) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(&account);
    }

    /// Wakes the worker if it runs; a wake already pending covers this one.
    pub(crate) fn wake(&self, account: AccountId, worker: Worker) {
        let table = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(w) = table.get(&account) {
            let channel = match worker {
                Worker::Foreground => &w.foreground,
                Worker::Background => &w.background,
                Worker::Sender => &w.sender,
            };
            let _ = channel.try_send(());
        }
    }
}

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The server reported a change in the inbox.
    Changed,
    /// Someone asked (new actions, "Sync now", a new message to send).
    Asked,
    /// Time for a renewal, a pass or a retry.
    Timeout,
    /// The worker was asked to stop.
    Stop,
}

fn stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow()
}

/// Resolves when the worker is asked to stop (or nobody can ask any more).
async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    while !stopped(stop) {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

/// Waits for a wake, the timeout, or a stop. A wake channel whose sender
/// is gone (another watcher took the account over) counts as a stop.
async fn nap(timeout: Duration, alarm: &mut mpsc::Receiver<()>, stop: &mut watch::Receiver<bool>) -> Wake {
    tokio::select! {
        woken = alarm.recv() => if woken.is_some() { Wake::Asked } else { Wake::Stop },
        () = tokio::time::sleep(timeout) => Wake::Timeout,
        () = stop_requested(stop) => Wake::Stop,
    }
}

/// The workers of every account (or of the accounts asked for), each
/// account's three on a task of its own: what the app starts at launch and
/// `threadline-cli sync --watch` runs.
pub struct Scheduler {
    engine: Arc<Engine>,
    options: WatchOptions,
    /// Only these accounts (None: every account, new ones included).
    only: Option<Vec<AccountId>>,
    /// Stop switches of the running accounts' workers.
    running: Arc<Mutex<HashMap<AccountId, watch::Sender<bool>>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// How many accounts' workers were started; each one's end is sent
    /// on `ended_tx`.
    started: AtomicUsize,
    ended_tx: mpsc::UnboundedSender<(AccountId, Result<()>)>,
    ended_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<(AccountId, Result<()>)>>,
}

impl Scheduler {
    /// A scheduler with nothing running yet (see `ensure_running`).
    pub fn new(engine: Arc<Engine>, options: WatchOptions, only: Option<Vec<AccountId>>) -> Scheduler {
        let (ended_tx, ended_rx) = mpsc::unbounded_channel();
        Scheduler {
            engine,
            options,
            only,
            running: Arc::default(),
            tasks: Mutex::default(),
            started: AtomicUsize::new(0),
            ended_tx,
            ended_rx: tokio::sync::Mutex::new(ended_rx),
        }
    }

    /// Starts the workers of accounts that have none (new accounts, or
    /// ones whose workers ended after a rejected login). Must be called on
    /// the Tokio runtime.
    pub async fn ensure_running(&self) -> Result<()> {
        for account in self.engine.accounts().list().await? {
            let id = account.id;
            if self.only.as_ref().is_some_and(|only| !only.contains(&id)) {
                continue;
            }
            let stopped = {
                let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
                if running.contains_key(&id) {
                    continue;
                }
                let (stop, stopped) = watch::channel(false);
                running.insert(id, stop);
                stopped
            };
            let (engine, options, running, ended) =
                (Arc::clone(&self.engine), self.options.clone(), Arc::clone(&self.running), self.ended_tx.clone());
            let task = tokio::spawn(async move {
                let result = engine.watch_account(id, &options, stopped).await;
                if let Err(e) = &result {
                    // Recorded on the account and shown in the window.
                    tracing::info!(account = %id, error = %e, "the account's workers ended");
                }
                running.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
                let _ = ended.send((id, result));
            });
            self.started.fetch_add(1, Ordering::SeqCst);
            let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
            tasks.retain(|t| !t.is_finished());
            tasks.push(task);
        }
        Ok(())
    }

    /// Stops one account's workers (before the account is removed); they
    /// end IDLE and log out on their own.
    pub fn stop_account(&self, id: AccountId) {
        if let Some(stop) = self.running.lock().unwrap_or_else(PoisonError::into_inner).get(&id) {
            let _ = stop.send(true);
        }
    }

    /// "Sync now": a full pass over every running account, at once.
    pub fn sync_now(&self) {
        let running: Vec<AccountId> =
            self.running.lock().unwrap_or_else(PoisonError::into_inner).keys().copied().collect();
        for id in running {
            self.engine.request_pass(id);
        }
    }

    /// Waits until no account's workers run any more (each ended after a
    /// rejected login, or its account was removed); the first error.
    pub async fn until_all_ended(&self) -> Result<()> {
        let mut ended = self.ended_rx.lock().await;
        let mut first_error = None;
        let mut seen = 0;
        while seen < self.started.load(Ordering::SeqCst) {
            seen += 1;
            match ended.recv().await {
                Some((_, Err(e))) => {
                    first_error.get_or_insert(e);
                }
                Some((_, Ok(()))) => {}
                None => break,
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Stops every worker and waits up to `wait` for them to end IDLE and
    /// log out.
    pub async fn stop(&self, wait: Duration) {
        for stop in self.running.lock().unwrap_or_else(PoisonError::into_inner).values() {
            let _ = stop.send(true);
        }
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        let _ = tokio::time::timeout(wait, futures::future::join_all(tasks)).await;
    }
}

/// Which connection life a supervised worker runs.
enum Life<'a> {
    Foreground(&'a mut mpsc::Receiver<()>),
    Background(&'a mut mpsc::Receiver<()>),
}

impl Engine {
    /// Wakes one of the account's workers, if they run.
    pub(crate) fn wake(&self, account: AccountId, worker: Worker) {
        self.wakers.wake(account, worker);
    }

    /// Asks the account's background worker for a full pass now ("Sync
    /// now"); returns at once.
    pub fn request_pass(&self, account: AccountId) {
        self.wake(account, Worker::Background);
    }

    /// Keeps one account in step until `stop` turns true, with its three
    /// workers (see the module). Returns an error only when the server
    /// rejected the login (recorded on the account); Ok when stopped or
    /// when the account was removed.
    pub async fn watch_account(
        &self,
        id: AccountId,
        options: &WatchOptions,
        mut stop: watch::Receiver<bool>,
    ) -> Result<()> {
        let (wakers, mut alarms) = wake_channels();
        self.wakers.insert(id, wakers);
        // Any worker can end all three (a rejected login, a removed account).
        let (halt, _) = watch::channel(false);
        let results = {
            let workers = futures::future::join3(
                self.supervise(id, &halt, Life::Foreground(&mut alarms.foreground), options),
                self.supervise(id, &halt, Life::Background(&mut alarms.background), options),
                self.sender(id, &halt, &mut alarms.sender, options),
            );
            tokio::pin!(workers);
            tokio::select! {
                results = &mut workers => results,
                () = stop_requested(&mut stop) => {
                    let _ = halt.send(true);
                    workers.await
                }
            }
        };
        self.wakers.remove(id);
        let (foreground, background, sender) = results;
        foreground.and(background).and(sender)
    }

    /// Runs one worker's connection life again and again, with growing
    /// pauses after failures, until stopped.
    async fn supervise(
        &self,
        id: AccountId,
        halt: &watch::Sender<bool>,
        mut life: Life<'_>,
        options: &WatchOptions,
    ) -> Result<()> {
        let mut stop = halt.subscribe();
        let mut retry = RETRY_FIRST;
        loop {
            if stopped(&stop) {
                return Ok(());
            }
            let mut connected = false;
            let ended = match &mut life {
                Life::Foreground(alarm) => self.foreground(id, options, &mut stop, alarm, &mut connected).await,
                Life::Background(alarm) => self.background(id, options, &mut stop, alarm, &mut connected).await,
            };
            let e = match ended {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if let Some(ended) = self.ends_workers(id, halt, e).await {
                return ended;
            }
            if connected {
                retry = RETRY_FIRST;
            }
            tracing::warn!(account = %id, retry_in = ?retry, "a worker lost its connection");
            tokio::select! {
                () = tokio::time::sleep(retry) => {}
                () = stop_requested(&mut stop) => return Ok(()),
            }
            retry = (retry * 2).min(RETRY_MAX);
        }
    }

    /// Whether this failure ends the account's workers: a rejected login
    /// (they end with it) or a removed account (they end quietly).
    async fn ends_workers(&self, id: AccountId, halt: &watch::Sender<bool>, e: Error) -> Option<Result<()>> {
        if e.class() == Class::Auth {
            let _ = halt.send(true);
            return Some(Err(e));
        }
        if matches!(self.store.account(id).await, Err(Error::NotFound(_))) {
            let _ = halt.send(true);
            return Some(Ok(()));
        }
        tracing::info!(account = %id, error = %e, "worker failure");
        None
    }

    /// The foreground worker's connection life: replay the queued actions,
    /// sync the inbox, IDLE; again at every change or wake.
    async fn foreground(
        &self,
        id: AccountId,
        options: &WatchOptions,
        stop: &mut watch::Receiver<bool>,
        alarm: &mut mpsc::Receiver<()>,
        connected: &mut bool,
    ) -> Result<()> {
        let mut conn = self.open_connection(id).await?;
        *connected = true;
        loop {
            self.replay_on(&mut conn, id).await?;
            // The inbox, unless a pass of the background worker holds it:
            // then the worker waits for it, or for new actions first.
            if let Some(inbox) = sync::synced_folder_with_role(&self.store, id, "inbox").await? {
                let lock = self.folder_locks.of(inbox.id);
                let held = tokio::select! {
                    held = lock.lock_owned() => Some(held),
                    _ = alarm.recv() => None,
                    () = stop_requested(stop) => None,
                };
                let Some(held) = held else {
                    if stopped(stop) || alarm.is_closed() {
                        conn.close().await;
                        return Ok(());
                    }
                    // Woken for new actions: they go first.
                    continue;
                };
                let synced =
                    sync::sync_locked_folder(&mut conn, &self.pass(Some(options.newest_chunk)), id, &inbox).await;
                drop(held);
                if let Err(e) = synced {
                    return Err(self.record_failure(id, e).await);
                }
            }
            let due = self.store.next_action_due(id).await?.map(|at| {
                Duration::from_secs(u64::try_from(at.saturating_sub(crate::store::now())).unwrap_or(0).max(1))
            });
            let timeout = due.map_or(options.idle_renew, |d| d.min(options.idle_renew));
            let wake = if conn.idle {
                let (back, wake) = idle(conn, timeout, stop, alarm).await?;
                conn = back;
                wake
            } else {
                nap(timeout, alarm, stop).await
            };
            if wake == Wake::Stop {
                conn.close().await;
                return Ok(());
            }
        }
    }

    /// The background worker's life: a full pass (on a connection of its
    /// own, closed afterwards), then a wait for the next one. History is
    /// fetched a chunk per folder and pass; passes follow each other until
    /// none is left.
    async fn background(
        &self,
        id: AccountId,
        options: &WatchOptions,
        stop: &mut watch::Receiver<bool>,
        alarm: &mut mpsc::Receiver<()>,
        passed: &mut bool,
    ) -> Result<()> {
        loop {
            let started = Instant::now();
            let report = self.pass_over_account(id, false, Some(options.history_chunk)).await?;
            *passed = true;
            // The outbox may hold what another process queued.
            self.wake(id, Worker::Sender);
            // More history waits: the next chunk at once, as long as a
            // chunk brings something (a server that never hands over some
            // messages must not keep a pass running back to back), and
            // the user did not cancel the sync meanwhile.
            let cancelled = self.sync_cancelled_since(id, started);
            if report.left > 0 && report.new > 0 && !cancelled {
                if stopped(stop) {
                    return Ok(());
                }
                continue;
            }
            // Cancelled: a pass asked for before the cancel does not undo
            // it; one asked for after (Sync now, a move) goes on.
            if cancelled {
                while alarm.try_recv().is_ok() {}
            }
            loop {
                let interval = self.interval(id, options).await?;
                let left = interval.saturating_sub(started.elapsed());
                if left.is_zero() {
                    break;
                }
                // Following the account's setting, wake often enough to
                // notice a change to it.
                let pause = if options.poll_interval.is_some() { left } else { left.min(SETTINGS_RECHECK) };
                match nap(pause, alarm, stop).await {
                    Wake::Stop => return Ok(()),
                    Wake::Asked => break,
                    Wake::Changed | Wake::Timeout => {}
                }
            }
        }
    }

    /// The time between full passes.
    async fn interval(&self, id: AccountId, options: &WatchOptions) -> Result<Duration> {
        Ok(match options.poll_interval {
            Some(interval) => interval,
            None => self.store.account(id).await?.poll_interval(),
        })
    }

    /// The sender: hands the outbox over when woken, and again after a
    /// growing pause while the server cannot be reached.
    async fn sender(
        &self,
        id: AccountId,
        halt: &watch::Sender<bool>,
        alarm: &mut mpsc::Receiver<()>,
        options: &WatchOptions,
    ) -> Result<()> {
        let mut stop = halt.subscribe();
        let mut retry = RETRY_FIRST;
        loop {
            if stopped(&stop) {
                return Ok(());
            }
            let pause = match self.deliver_outbox(id).await {
                Ok(()) => {
                    retry = RETRY_FIRST;
                    let interval = self.interval(id, options).await.unwrap_or(RETRY_MAX);
                    // A message sent later (or still in its Undo seconds)
                    // goes out at its time.
                    match self.store.next_scheduled(id).await {
                        Ok(Some(at)) => interval
                            .min(Duration::from_secs(u64::try_from(at - crate::store::now()).unwrap_or(0).max(1))),
                        _ => interval,
                    }
                }
                Err(e) => {
                    let e = if e.class() == Class::Auth { self.record_failure(id, e).await } else { e };
                    if let Some(ended) = self.ends_workers(id, halt, e).await {
                        return ended;
                    }
                    let pause = retry;
                    retry = (retry * 2).min(RETRY_MAX);
                    pause
                }
            };
            if nap(pause, alarm, &mut stop).await == Wake::Stop {
                return Ok(());
            }
        }
    }

    /// Replays the account's due actions on this connection, one replay
    /// per account at a time. Messages moved into other folders are found
    /// there by a pass asked for at once (the foreground worker syncs only
    /// the inbox), so that the folder shows them. An action that failed
    /// for a reason that may pass waits for its next attempt; the
    /// connection is then opened afresh.
    pub(crate) async fn replay_on(&self, conn: &mut Connection, id: AccountId) -> Result<u32> {
        let _held = self.action_locks.lock(id).await;
        match crate::actions::replay(conn, &self.store, id, &self.events).await {
            Ok((done, moved)) => {
                if moved {
                    self.request_pass(id);
                }
                Ok(done)
            }
            Err((Some(action), e)) if e.class() == Class::Retryable => {
                let reason = e.problem();
                if self.store.retry_action_later(action, &reason, ACTION_RETRY_FIRST_SECS, ACTION_ATTEMPTS).await? {
                    crate::actions::announce_refusal(&self.events, id, reason);
                }
                Err(e)
            }
            Err((_, e)) => Err(e),
        }
    }
}

/// Waits in IDLE on the inbox for a change, a wake, the timeout or a stop.
/// Takes the connection and gives it back, as IDLE holds it meanwhile.
async fn idle(
    mut conn: Connection,
    timeout: Duration,
    stop: &mut watch::Receiver<bool>,
    alarm: &mut mpsc::Receiver<()>,
) -> Result<(Connection, Wake)> {
    conn.session.select("INBOX").await?;
    // Responses left over from the pass say nothing new.
    while conn.session.unsolicited_responses.try_recv().is_ok() {}
    let Connection { session, condstore, idle: can_idle, can_move, gmail, uidplus, namespaces, slot } = conn;
    let mut handle = session.idle();
    handle.init().await?;
    let wake = {
        // The inner timeout notices a dead connection (the server sends
        // keepalives every few minutes); the sleep bounds the whole wait.
        let (wait, _interrupt) = handle.wait_with_timeout(timeout + Duration::from_secs(60));
        tokio::select! {
            response = wait => match response? {
                IdleResponse::NewData(_) => Wake::Changed,
                IdleResponse::Timeout | IdleResponse::ManualInterrupt => Wake::Timeout,
            },
            woken = alarm.recv() => if woken.is_some() { Wake::Asked } else { Wake::Stop },
            () = tokio::time::sleep(timeout) => Wake::Timeout,
            () = stop_requested(stop) => Wake::Stop,
        }
    };
    let session =
        tokio::time::timeout(DONE_TIMEOUT, handle.done()).await.map_err(|_| Error::Timeout("DONE".into()))??;
    Ok((Connection { session, condstore, idle: can_idle, can_move, gmail, uidplus, namespaces, slot }, wake))
}
