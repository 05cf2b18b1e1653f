//! Keeps accounts in step with their servers while the app runs: one
//! engine watcher per account (IMAP IDLE on the inbox, so new mail shows
//! within a second; polling and full passes on an interval; reconnects with
//! backoff), started with the app and for each new account. "Sync now"
//! runs an extra pass over every account beside the watchers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use threadline_engine::{Engine, WatchOptions};
use tokio::sync::watch;

/// Handle to the running watchers.
pub struct SyncLoop {
    engine: Arc<Engine>,
    /// Stop switches of the running watchers, by account id. A watcher
    /// removes itself when it ends (e.g. its login was rejected).
    watchers: Arc<Mutex<HashMap<i64, watch::Sender<bool>>>>,
}

impl SyncLoop {
    /// Starts a watcher for every account.
    pub fn start(engine: Arc<Engine>) -> SyncLoop {
        let sync = SyncLoop { engine, watchers: Arc::default() };
        sync.ensure_watchers();
        sync
    }

    /// Starts watchers for accounts that have none (new accounts, or ones
    /// whose watcher ended).
    pub fn ensure_watchers(&self) {
        let engine = Arc::clone(&self.engine);
        let watchers = Arc::clone(&self.watchers);
        tauri::async_runtime::spawn(async move {
            let accounts = match engine.accounts().await {
                Ok(accounts) => accounts,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list accounts to watch");
                    return;
                }
            };
            for account in accounts {
                let stop = {
                    let Ok(mut running) = watchers.lock() else { return };
                    if running.contains_key(&account.id) {
                        continue;
                    }
                    let (stop, stopped) = watch::channel(false);
                    running.insert(account.id, stop);
                    stopped
                };
                let engine = Arc::clone(&engine);
                let watchers = Arc::clone(&watchers);
                tauri::async_runtime::spawn(async move {
                    let id = account.id;
                    if let Err(e) = engine.watch_account(id, &WatchOptions::default(), stop).await {
                        // Recorded on the account and shown in the window.
                        tracing::info!(account = id, error = %e, "watcher ended");
                    }
                    if let Ok(mut running) = watchers.lock() {
                        running.remove(&id);
                    }
                });
            }
        });
    }

    /// An extra pass over every account now, and watchers for any account
    /// that lacks one.
    pub fn sync_now(&self) {
        let engine = Arc::clone(&self.engine);
        tauri::async_runtime::spawn(async move {
            if let Err(e) = engine.sync_all().await {
                // Already recorded on the account and pushed to the UI.
                tracing::info!(error = %e, "sync pass ended with an error");
            }
        });
        self.ensure_watchers();
    }
}

impl Drop for SyncLoop {
    fn drop(&mut self) {
        if let Ok(running) = self.watchers.lock() {
            for stop in running.values() {
                let _ = stop.send(true);
            }
        }
    }
}
