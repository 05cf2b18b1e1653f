//! Logs go to `threadline.log` in the data dir, so a user can send them
//! with a bug report; `RUST_LOG` overrides the level.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// File name of the log inside the data dir.
pub const LOG_FILE: &str = "threadline.log";

/// Starts logging to the data dir (and to stderr when `to_stderr`). Keep
/// the returned guard alive: dropping it flushes and stops the writer.
pub fn init(data_dir: &Path, to_stderr: bool) -> std::io::Result<WorkerGuard> {
    std::fs::create_dir_all(data_dir)?;
    let file = tracing_appender::rolling::never(data_dir, LOG_FILE);
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,async_imap=warn"));
    let file_layer = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false).with_filter(filter());
    let stderr_layer =
        to_stderr.then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter()));
    // A second init (tests) keeps the first subscriber: that is fine.
    let _ = tracing_subscriber::registry().with(file_layer).with(stderr_layer).try_init();
    Ok(guard)
}
