//! In-process locks by id: what keeps two tasks of this process from doing
//! the same server work at once (two passes over one folder, two replays of
//! one account's actions). Other processes are kept apart by the store
//! (claims, transactions), not by these.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// One async lock per id (an account's, a folder's), made on first use.
#[derive(Debug)]
pub(crate) struct LockTable<K>(Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>);

impl<K> Default for LockTable<K> {
    fn default() -> Self {
        LockTable(Mutex::new(HashMap::new()))
    }
}

impl<K: std::hash::Hash + Eq> LockTable<K> {
    /// The lock of this id.
    pub(crate) fn of(&self, id: K) -> Arc<tokio::sync::Mutex<()>> {
        // A panic while holding the table's own mutex cannot leave the map
        // half-changed: entry().or_default() is one step.
        let mut locks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(locks.entry(id).or_default())
    }

    /// Waits for the lock of this id and holds it until the guard drops.
    pub(crate) async fn lock(&self, id: K) -> OwnedMutexGuard<()> {
        self.of(id).lock_owned().await
    }
}

/// The user's "Cancel" for long work by id (an account's sync passes): a
/// signal that ends the work running now, and the time of the last
/// cancel, which work made of several steps (history fetched a chunk per
/// pass) reads before its next step.
#[derive(Debug)]
pub(crate) struct CancelTable<K>(Mutex<HashMap<K, Cancel>>);

/// One id's signal and last cancel.
#[derive(Debug, Default)]
struct Cancel {
    signal: Arc<tokio::sync::Notify>,
    last: Option<std::time::Instant>,
}

impl<K> Default for CancelTable<K> {
    fn default() -> Self {
        CancelTable(Mutex::new(HashMap::new()))
    }
}

impl<K: std::hash::Hash + Eq + Clone> CancelTable<K> {
    /// The signal of this id, for the work to wait on beside its own.
    pub(crate) fn of(&self, id: K) -> Arc<tokio::sync::Notify> {
        let mut table = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&table.entry(id).or_default().signal)
    }

    /// Cancels the work of this id, or of every id known (None): ends what
    /// waits on its signal now, and notes the time. Returns the ids.
    pub(crate) fn cancel(&self, id: Option<K>) -> Vec<K> {
        let mut table = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = &id {
            table.entry(id.clone()).or_default();
        }
        let mut cancelled = Vec::new();
        for (key, cancel) in table.iter_mut() {
            if id.as_ref().is_none_or(|id| id == key) {
                cancel.signal.notify_waiters();
                cancel.last = Some(std::time::Instant::now());
                cancelled.push(key.clone());
            }
        }
        cancelled
    }

    /// Whether the work of this id was cancelled after `since`.
    pub(crate) fn cancelled_since(&self, id: &K, since: std::time::Instant) -> bool {
        let table = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        table.get(id).and_then(|c| c.last).is_some_and(|last| last >= since)
    }
}
