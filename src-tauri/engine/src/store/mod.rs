//! The local store: one SQLite database (WAL) per data dir.
//!
//! Each file below owns one family of tables; this one opens the pool,
//! applies migrations and holds the store's identity.

pub mod accounts;
mod crm;
pub mod actions;
pub mod outbox;
mod folders;
mod messages;
pub mod queries;
mod search;
pub mod source;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

pub use accounts::AccountRow;
pub use folders::{FolderRow, RemoteFolder};
pub use messages::{BatchWriter, FetchedMessage, PreparedMessage, StoredBatch};

use crate::error::Result;

/// File name of the database inside the data dir.
pub const DB_FILE: &str = "threadline.sqlite3";

/// Handle to the local database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    id: String,
    /// Held by writers that read before they write (id allocation): one at a
    /// time in this process; `BEGIN IMMEDIATE` covers other processes.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Set while a background checkpoint runs, so that at most one does.
    checkpointing: Arc<AtomicBool>,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir)?;
        let url = format!("sqlite://{}", data_dir.join(DB_FILE).display());
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Larger pages: fewer overflow pages for raw sources and fewer
            // WAL frames per batch (takes effect when the file is created).
            .page_size(16_384)
            // 8 MiB of page cache per connection (SQLite's default is
            // 2 MiB): index pages stay in memory through a large sync.
            .pragma("cache_size", "-8192")
            // Checkpoints run beside the writer (see `checkpoint_soon`);
            // the writer's own commits checkpoint only when that falls
            // 64 MiB behind, and the WAL file is cut back to that size.
            .pragma("wal_autocheckpoint", "4096")
            .pragma("journal_size_limit", "67108864");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        crm::renormalize_addresses(&pool).await?;
        search::finish_refill(&pool).await?;
        let id = store_id(&pool).await?;
        Ok(Store { pool, id, writer: Arc::default(), checkpointing: Arc::default() })
    }

    /// The random id of this store, used to scope keychain entries.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Opens a transaction that reads before it writes (ids, checks): it
    /// waits for this process's other ones on the lock it returns, and for
    /// other processes' writers on `BEGIN IMMEDIATE`, so none slips in
    /// between. Keep the guard until the transaction ends.
    pub(crate) async fn begin_write(&self) -> Result<(tokio::sync::MutexGuard<'_, ()>, Transaction<'static, Sqlite>)> {
        let guard = self.writer.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((guard, tx))
    }

    /// Copies committed pages from the WAL into the database on another
    /// connection (its own thread), so that the writer goes on meanwhile.
    /// Called after each write batch; a call while one runs is dropped,
    /// as that one (or the next) picks up the new pages.
    pub(crate) fn checkpoint_soon(&self) {
        if self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = self.pool.clone();
        let flag = Arc::clone(&self.checkpointing);
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::debug!(error = %e, "background checkpoint");
            }
            flag.store(false, Ordering::Release);
        });
    }

    /// The pool, for the engine's own modules.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

async fn store_id(pool: &SqlitePool) -> Result<String> {
    let fresh = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO meta (key, value) VALUES ('store_id', ?) ON CONFLICT (key) DO NOTHING")
        .bind(&fresh)
        .execute(pool)
        .await?;
    let row = sqlx::query("SELECT value FROM meta WHERE key = 'store_id'")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("value")?)
}

/// Most rows one multi-row statement carries.
const STATEMENT_ROWS: usize = 256;

/// Splits rows for multi-row statements (`VALUES` lists, `IN` lists) into
/// slices whose lengths are powers of two, up to `STATEMENT_ROWS` and
/// SQLite's 32,766 variables. Each connection keeps every statement it
/// prepared, and a statement per distinct length filled those caches with
/// large programs: a 100,000-message sync grew by 20 MiB that way. With
/// these lengths a statement has at most nine shapes.
pub(crate) fn statement_chunks<T>(rows: &[T], columns: usize) -> impl Iterator<Item = &[T]> {
    let most = 1_usize << STATEMENT_ROWS.min(32_766 / columns.max(1)).max(1).ilog2();
    let mut rest = rows;
    std::iter::from_fn(move || {
        let take = most.min(1_usize << rest.len().checked_ilog2()?);
        let (head, tail) = rest.split_at(take);
        rest = tail;
        Some(head)
    })
}

/// Seconds since the Unix epoch, for `*_at` columns.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod crm_tests;
