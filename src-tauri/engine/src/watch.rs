//! Staying in step while running: one connection per account, IMAP IDLE on
//! the inbox so that new mail is stored within a second of arriving, a
//! polling pass when the server cannot push, a full pass over every folder
//! every so often, and reconnects with growing pauses when the connection
//! drops. A rejected login ends the watch instead: the account shows "needs
//! re-authentication", and retrying would only get the user locked out.

use std::time::{Duration, Instant};

use async_imap::extensions::idle::IdleResponse;
use tokio::sync::watch;

use crate::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{SyncReport, SyncState};
use crate::sync::{self, Connection};

/// How an account is watched.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Time between passes when the server cannot push (no IDLE), and
    /// between full passes over every folder when it can. None: the
    /// account's own choice (Preferences), read again at every wake, so
    /// that a change applies within `SETTINGS_RECHECK` when polling.
    pub poll_interval: Option<Duration>,
    /// IDLE is ended and started again at least this often: RFC 2177 lets
    /// servers drop an IDLE after 30 minutes, and quiet connections get
    /// dropped by routers sooner.
    pub idle_renew: Duration,
}

impl Default for WatchOptions {
    fn default() -> WatchOptions {
        WatchOptions { poll_interval: None, idle_renew: Duration::from_secs(600) }
    }
}

/// First pause before reconnecting; it doubles up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(300);
/// Longest sleep between polls before the account's poll interval is read
/// again.
const SETTINGS_RECHECK: Duration = Duration::from_secs(60);
/// Longest wait for the server to confirm the end of an IDLE.
const DONE_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an IDLE ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The server reported a change in the inbox.
    Changed,
    /// Time for a renewal or a full pass.
    Timeout,
    /// The watch was asked to stop.
    Stop,
}

fn stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow()
}

/// Resolves when the watch is asked to stop (or nobody can ask any more).
async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    while !stopped(stop) {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

impl Engine {
    /// Keeps one account in step until `stop` turns true. Returns an error
    /// only when the server rejected the login (recorded on the account).
    pub async fn watch_account(&self, id: i64, options: &WatchOptions, mut stop: watch::Receiver<bool>) -> Result<()> {
        let mut retry = RETRY_FIRST;
        loop {
            if stopped(&stop) {
                return Ok(());
            }
            let mut connected = false;
            match self.watch_connection(id, options, &mut stop, &mut connected).await {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Auth => return Err(e),
                // The account was removed meanwhile: nothing left to watch.
                Err(_) if matches!(self.store.account(id).await, Err(Error::NotFound(_))) => return Ok(()),
                Err(e) => {
                    if connected {
                        retry = RETRY_FIRST;
                    }
                    tracing::warn!(account = id, error = %e, retry_in = ?retry, "watch: connection lost");
                    tokio::select! {
                        _ = tokio::time::sleep(retry) => {}
                        _ = stop_requested(&mut stop) => return Ok(()),
                    }
                    retry = (retry * 2).min(RETRY_MAX);
                }
            }
        }
    }

    /// One connection's life: a full pass, then IDLE (or polling) and the
    /// passes it calls for, until stopped or an error.
    async fn watch_connection(
        &self,
        id: i64,
        options: &WatchOptions,
        stop: &mut watch::Receiver<bool>,
        connected: &mut bool,
    ) -> Result<()> {
        let mut conn = self.connect_and_pass(id).await?;
        *connected = true;
        let mut last_full = Instant::now();
        loop {
            let poll_interval = match options.poll_interval {
                Some(interval) => interval,
                None => self.store.account(id).await?.poll_interval(),
            };
            let until_full = poll_interval.saturating_sub(last_full.elapsed());
            let wake = if conn.idle {
                let (back, wake) = idle(conn, until_full.min(options.idle_renew), stop).await?;
                conn = back;
                wake
            } else {
                // Following the account's setting, wake often enough to
                // notice a change to it.
                let nap = if options.poll_interval.is_some() { until_full } else { until_full.min(SETTINGS_RECHECK) };
                tokio::select! {
                    _ = tokio::time::sleep(nap) => Wake::Timeout,
                    _ = stop_requested(stop) => Wake::Stop,
                }
            };
            match wake {
                Wake::Stop => {
                    conn.close().await;
                    return Ok(());
                }
                _ if last_full.elapsed() >= poll_interval => {
                    self.pass(id, &mut conn, true).await?;
                    last_full = Instant::now();
                }
                Wake::Changed => {
                    self.pass(id, &mut conn, false).await?;
                }
                Wake::Timeout => {}
            }
        }
    }

    /// Connects and runs a full pass, recording the outcome on the account.
    async fn connect_and_pass(&self, id: i64) -> Result<Connection> {
        let guard = self.account_lock(id)?.lock_owned().await;
        let account = self.store.account(id).await?;
        self.set_state(id, SyncState::Syncing, None).await?;
        let opened = match self.password(&account).await {
            Ok(password) => Connection::open(&account, &password).await,
            Err(e) => Err(e),
        };
        drop(guard);
        let mut conn = match opened {
            Ok(conn) => conn,
            Err(e) => return Err(self.record_failure(id, e).await),
        };
        self.pass(id, &mut conn, true).await?;
        Ok(conn)
    }

    /// A pass on an open connection: every folder, or the inbox alone (what
    /// a push asks for; its success is not announced, only its failure).
    async fn pass(&self, id: i64, conn: &mut Connection, full: bool) -> Result<SyncReport> {
        if full {
            self.retry_outbox(id).await;
        }
        let _guard = self.account_lock(id)?.lock_owned().await;
        if full {
            self.set_state(id, SyncState::Syncing, None).await?;
            let result = sync::sync_all_folders(conn, &self.store, id, &self.events).await;
            return self.record_outcome(id, result).await;
        }
        match sync::sync_inbox(conn, &self.store, id, &self.events).await {
            Ok(report) => Ok(report),
            Err(e) => Err(self.record_failure(id, e).await),
        }
    }
}

/// Waits in IDLE on the inbox for a change, the timeout or a stop. Takes
/// the connection and gives it back, as IDLE holds it meanwhile.
async fn idle(mut conn: Connection, timeout: Duration, stop: &mut watch::Receiver<bool>) -> Result<(Connection, Wake)> {
    conn.session.select("INBOX").await?;
    // Responses left over from the pass say nothing new.
    while conn.session.unsolicited_responses.try_recv().is_ok() {}
    let Connection { session, condstore, idle: can_idle, can_move, uidplus, namespaces } = conn;
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
            _ = tokio::time::sleep(timeout) => Wake::Timeout,
            _ = stop_requested(stop) => Wake::Stop,
        }
    };
    let session =
        tokio::time::timeout(DONE_TIMEOUT, handle.done()).await.map_err(|_| Error::Timeout("ending IDLE".into()))??;
    Ok((Connection { session, condstore, idle: can_idle, can_move, uidplus, namespaces }, wake))
}
