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

use threadline_engine::{Engine, Scheduler, UserError};

/// The engine as commands receive it.
pub type EngineState<'a> = tauri::State<'a, Arc<Engine>>;

/// The engine's scheduler, for the commands that start or wake workers.
pub type SchedulerState<'a> = tauri::State<'a, Arc<Scheduler>>;

/// What every command returns.
pub type CommandResult<T> = Result<T, UserError>;
