//! Keeps accounts in step with their servers while the app runs: a pass
//! at start, after "sync now" or a new account, and every few minutes.
//! (Push through IMAP IDLE comes with the sync-engine work.)

use std::sync::Arc;
use std::time::Duration;

use threadline_engine::Engine;
use tokio::sync::Notify;

/// Time between two passes when nothing asks for one sooner.
const INTERVAL: Duration = Duration::from_secs(120);

/// Handle to the background sync task.
pub struct SyncLoop {
    wake: Arc<Notify>,
}

impl SyncLoop {
    /// Starts the loop; the first pass runs at once.
    pub fn start(engine: Arc<Engine>) -> SyncLoop {
        let wake = Arc::new(Notify::new());
        let waker = Arc::clone(&wake);
        tauri::async_runtime::spawn(async move {
            loop {
                if let Err(e) = engine.sync_all().await {
                    // Already recorded on the account and pushed to the UI.
                    tracing::info!(error = %e, "sync pass ended with an error");
                }
                let _ = tokio::time::timeout(INTERVAL, waker.notified()).await;
            }
        });
        SyncLoop { wake }
    }

    /// Asks for a pass as soon as the current one (if any) is done.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}
