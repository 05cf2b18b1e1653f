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

/// The user's "Cancel" for long work by id (an account's sync pass): a
/// signal that ends the work running now, and never work started later.
#[derive(Debug)]
pub(crate) struct CancelTable<K>(Mutex<HashMap<K, Arc<tokio::sync::Notify>>>);

impl<K> Default for CancelTable<K> {
    fn default() -> Self {
        CancelTable(Mutex::new(HashMap::new()))
    }
}

impl<K: std::hash::Hash + Eq + Clone> CancelTable<K> {
    /// The signal of this id, for the work to wait on beside its own.
    pub(crate) fn of(&self, id: K) -> Arc<tokio::sync::Notify> {
        let mut signals = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(signals.entry(id).or_default())
    }

    /// Cancels the work of these ids (every id: None) that waits on its
    /// signal now.
    pub(crate) fn cancel(&self, id: Option<K>) {
        let signals = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, signal) in signals.iter() {
            if id.as_ref().is_none_or(|id| id == key) {
                signal.notify_waiters();
            }
        }
    }
}
