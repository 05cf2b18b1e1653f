//! The local store: one SQLite database (WAL) per data dir.
//!
//! Each file below owns one family of tables; this one opens the pool,
//! applies migrations and holds the store's identity.

pub mod accounts;
pub mod actions;
pub mod bcc;
pub mod block;
pub mod capture;
mod completion;
mod crm;
mod drafts;
mod find;
mod folders;
mod gmail;
mod messages;
pub mod outbox;
mod preferences;
pub mod queries;
mod remote;
mod search;
mod sharing;
mod signatures;
pub mod source;
mod templates;
mod trash;
mod views;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

pub use accounts::AccountRow;
pub use folders::{FolderRow, RemoteFolder};
pub use messages::{BatchWriter, GmailMeta, KnownPlacement, PreparedMessage, StoredBatch};
pub use search::Refill;

use crate::error::Result;

/// How long a write waits for the writer connection before it gives up.
const WRITER_WAIT: Duration = Duration::from_secs(600);

/// File name of the database inside the data dir.
pub const DB_FILE: &str = "threadline.sqlite3";

/// Handle to the local database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// One connection for the transactions that read before they write
    /// (id allocation, a sync's batches): it lets them in one at a time in
    /// this process (`BEGIN IMMEDIATE` covers other processes), and it
    /// alone keeps a large page cache, which a large sync needs for the
    /// index pages it touches all over. Spread over every connection, the
    /// caches grew with the mailbox.
    writer: SqlitePool,
    id: String,
    /// Held while a background checkpoint runs, so that at most one does
    /// and `close` can wait for it.
    checkpointing: Arc<tokio::sync::Mutex<()>>,
    /// Writes waiting for the writer connection.
    wishes: Arc<WriteWishes>,
    /// Messages with a lower id were stored under the whole hash of their
    /// source, before keys began with the day (migration 0034); 1 or less
    /// when there are none. Fixed once the store is migrated.
    content_keys_from: i64,
}

/// How many writes wait for the writer connection, and their signal.
#[derive(Debug, Default)]
struct WriteWishes {
    waiting: AtomicUsize,
    notify: tokio::sync::Notify,
}

/// A write waiting for the writer connection, while it lives.
struct WaitingWrite(Arc<WriteWishes>);

impl Drop for WaitingWrite {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
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
            // Checkpoints run beside the writer (see `checkpoint_soon`);
            // the writer's own commits checkpoint only when that falls
            // 64 MiB behind, and the WAL file is cut back to that size.
            .pragma("wal_autocheckpoint", "4096")
            .pragma("journal_size_limit", "67108864")
            // Statement journals (the pages a multi-row statement changed,
            // kept until it ends) stay in memory. In temp files they were
            // the largest write of an initial sync: 262 MB of them for a
            // 51 MB database of 20,000 messages.
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // SQLite's default of 2 MiB of page cache: readers and small
            // writes.
            .connect_with(options.clone().pragma("cache_size", "-2048"))
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // Writers wait for each other as long as it takes, as on a lock.
            .acquire_timeout(WRITER_WAIT)
            // Index pages stay in memory through a large sync.
            .connect_with(options.pragma("cache_size", "-8192"))
            .await?;
        crm::renormalize_addresses(&writer).await?;
        search::bound_refill(&writer).await?;
        let id = store_id(&pool).await?;
        let content_keys_from: i64 =
            sqlx::query_scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'content_keys_from'")
                .fetch_optional(&pool)
                .await?
                .unwrap_or(0);
        Ok(Store { pool, writer, id, checkpointing: Arc::default(), wishes: Arc::default(), content_keys_from })
    }

    /// The random id of this store, used to scope keychain entries.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Opens a transaction that reads before it writes (ids, checks) on the
    /// writer connection: it waits for this process's other ones on that
    /// connection, and for other processes' writers on `BEGIN IMMEDIATE`,
    /// so none slips in between.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        let _waiting = self.wish_to_write();
        self.begin_immediate().await
    }

    /// The writer connection, for one statement that writes (committed on
    /// its own): writes wait for each other here, in this process, rather
    /// than on SQLite's lock, so that a sync's open batch knows to commit.
    pub(crate) async fn write_conn(&self) -> Result<PoolConnection<Sqlite>> {
        let _waiting = self.wish_to_write();
        Ok(self.writer.acquire().await?)
    }

    /// The open transaction of a sync's batches, which does not count as a
    /// write waiting (it is the one the others wait for).
    pub(crate) async fn begin_batch_write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.begin_immediate().await
    }

    /// `BEGIN IMMEDIATE` on the writer connection, in a task of its own so
    /// that a caller dropped meanwhile (a cancelled sync, an aborted task)
    /// cannot leave it half begun. sqlx 0.8 checks a BEGIN of its own
    /// words after SQLite ran it, at an await: dropped there, no
    /// transaction exists to end it, and every later write on the
    /// connection went into it and was lost (a cancelled sync's "put back
    /// the account's state" was). In a task, the BEGIN finishes, and a
    /// transaction nobody waits for any more is dropped, so rolled back.
    async fn begin_immediate(&self) -> Result<Transaction<'static, Sqlite>> {
        let writer = self.writer.clone();
        let begun = tokio::spawn(async move { writer.begin_with("BEGIN IMMEDIATE").await });
        Ok(begun.await.map_err(|_| sqlx::Error::WorkerCrashed)??)
    }

    /// Marks a write as waiting for the writer connection until the guard
    /// drops, and tells a sync's open batch (see `write_wished`).
    fn wish_to_write(&self) -> WaitingWrite {
        self.wishes.waiting.fetch_add(1, Ordering::SeqCst);
        self.wishes.notify.notify_waiters();
        WaitingWrite(Arc::clone(&self.wishes))
    }

    /// Whether another write waits for the writer connection now.
    pub(crate) fn write_wanted(&self) -> bool {
        self.wishes.waiting.load(Ordering::SeqCst) > 0
    }

    /// Resolves when another write waits for the writer connection: a
    /// sync holding its batch open commits then, so that what the user
    /// does (an archive, a flag, Send) waits for one batch at most, not
    /// for the batch's second.
    pub(crate) async fn write_wished(&self) {
        loop {
            let notified = self.wishes.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.write_wanted() {
                return;
            }
            notified.await;
        }
    }

    /// Copies committed pages from the WAL into the database on another
    /// connection (its own thread), so that the writer goes on meanwhile.
    /// Called after each write batch; a call while one runs is dropped,
    /// as that one (or the next) picks up the new pages.
    pub(crate) fn checkpoint_soon(&self) {
        let Ok(running) = Arc::clone(&self.checkpointing).try_lock_owned() else {
            return;
        };
        let pool = self.pool.clone();
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::debug!(error = %e, "background checkpoint");
            }
            drop(running);
        });
    }

    /// Closes every connection, after copying the WAL into the database and
    /// emptying it, so the next start has nothing to catch up on; a store
    /// dropped without this is still whole. A background checkpoint still
    /// running would make that one give up at once (SQLite lets one
    /// checkpoint run at a time): it is waited for. Without this, about
    /// half the syncs left their WAL (up to 64 MiB) for the next start to
    /// read through.
    pub async fn close(&self) {
        let _no_checkpoint_running = self.checkpointing.lock().await;
        self.pool.close().await;
        let result: std::result::Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&self.writer).await;
        match result {
            Ok((0, _, _)) => {}
            Ok((_, in_wal, copied)) => tracing::debug!(in_wal, copied, "final checkpoint could not finish"),
            Err(e) => tracing::debug!(error = %e, "final checkpoint"),
        }
        self.writer.close().await;
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
    let row = sqlx::query("SELECT value FROM meta WHERE key = 'store_id'").fetch_one(pool).await?;
    Ok(row.try_get("value")?)
}

/// Most rows one multi-row statement carries.
pub(crate) const STATEMENT_ROWS: usize = 256;

/// Splits rows for multi-row statements (`VALUES` lists, `IN` lists) into
/// slices whose lengths are powers of two, up to `STATEMENT_ROWS` and
/// SQLite's 32,766 variables. Each connection keeps every statement it
/// prepared, and a statement per distinct length filled those caches with
/// large programs: a 100,000-message sync grew by 17 MiB that way. With
/// these lengths a statement has at most nine shapes.
pub(crate) fn statement_chunks<T>(rows: &[T], columns: usize) -> impl Iterator<Item = &[T]> {
    statement_chunks_by_bytes(rows, columns, usize::MAX, |_| 0)
}

/// Blob bytes one multi-row statement carries at most (one row at least):
/// each statement's blobs are copied twice on their way in (sqlx sends
/// owned arguments to its connection thread, SQLite binds a private copy),
/// so a statement of a whole batch's sources held them three times over.
pub(crate) const STATEMENT_BYTES: usize = 512 * 1024;

/// [`statement_chunks`], where a slice also holds at most `max_bytes` of
/// `size` (or a single row that is larger).
pub(crate) fn statement_chunks_by_bytes<T>(
    rows: &[T],
    columns: usize,
    max_bytes: usize,
    size: impl Fn(&T) -> usize,
) -> impl Iterator<Item = &[T]> {
    let most = 1_usize << STATEMENT_ROWS.min(32_766 / columns.max(1)).max(1).ilog2();
    let mut rest = rows;
    std::iter::from_fn(move || {
        let mut bytes = 0_usize;
        let fit = rest
            .iter()
            .take(most)
            .take_while(|row| {
                bytes = bytes.saturating_add(size(row));
                bytes <= max_bytes
            })
            .count()
            .max(1)
            .min(rest.len());
        let take = 1_usize << fit.checked_ilog2()?;
        let (head, tail) = rest.split_at(take);
        rest = tail;
        Some(head)
    })
}

/// Seconds since the Unix epoch, for `*_at` columns.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod crm_tests;
#[cfg(test)]
mod find_tests;
#[cfg(test)]
mod policy_tests;
#[cfg(test)]
mod tests;
