//! Commands the UI invokes: each a few lines that call the engine and turn
//! its errors into [`UserError`]s (a kind plus a sentence in plain words).

pub mod accounts;
pub mod compose;
pub mod crm;
pub mod inbox;
pub mod mail;
pub mod policy;
pub mod system;

use std::sync::Arc;

use threadline_engine::problem::Problem;
use threadline_engine::{Engine, Error, Scheduler, UserError};

/// The engine as commands receive it.
pub type EngineState<'a> = tauri::State<'a, Arc<Engine>>;

/// The engine's scheduler, for the commands that start or wake workers.
pub type SchedulerState<'a> = tauri::State<'a, Arc<Scheduler>>;

/// What every command returns.
pub type CommandResult<T> = Result<T, UserError>;

/// The bytes of a file the window read (IPC carries them as base64): a
/// string that is not base64 is the file `name` being unreadable.
fn file_bytes(name: &str, base64: &str) -> CommandResult<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(base64.as_bytes()).map_err(|e| {
        UserError::from(Error::Invalid(Problem::AttachmentUnreadable { path: name.to_owned(), reason: e.to_string() }))
    })
}
