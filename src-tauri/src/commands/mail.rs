//! Mail commands: sending from the composer, and the reading pane's
//! actions (read, flag, archive, delete), which the engine queues for the
//! server.

use threadline_engine::ids::{AccountId, MessageId, ThreadId};
use threadline_engine::model::{AddressSuggestion, Answer, Draft, MessageAction, SendOutcome};
use threadline_engine::{ActionOutcome, UserAction};

use super::{CommandResult, EngineState};

/// Puts the composer's message in the outbox and returns; the engine's
/// sender hands it over and reports how that went as events.
#[tauri::command]
#[specta::specta]
pub async fn send_message(engine: EngineState<'_>, draft: Draft) -> CommandResult<SendOutcome> {
    Ok(engine.mail().send(&draft).await?)
}

/// The composer's draft for Reply, Reply all or Forward of a message:
/// recipients, one "Re:"/"Fwd:", the original quoted (or set out below
/// `header`, worded in the window's language), its files along a forward.
#[tauri::command]
#[specta::specta]
pub async fn answer_draft(
    engine: EngineState<'_>,
    message: MessageId,
    answer: Answer,
    header: String,
    signature: bool,
) -> CommandResult<Draft> {
    Ok(engine.mail().answer_draft(message, answer, &header, signature).await?)
}

/// A new message's draft from an account, with its signature when
/// `signature`.
#[tauri::command]
#[specta::specta]
pub async fn new_draft(engine: EngineState<'_>, account: AccountId, signature: bool) -> CommandResult<Draft> {
    Ok(engine.mail().new_draft(account, signature).await?)
}

/// Addresses for what the user is typing in To, Cc or Bcc (persons and
/// past correspondents, the most used first).
#[tauri::command]
#[specta::specta]
pub async fn complete_addresses(engine: EngineState<'_>, typed: String) -> CommandResult<Vec<AddressSuggestion>> {
    Ok(engine.mail().complete_addresses(&typed, 8).await?)
}

/// The pieces of a To, Cc or Bcc field that are not addresses.
#[tauri::command]
#[specta::specta]
pub fn invalid_addresses(engine: EngineState<'_>, field: String) -> Vec<String> {
    engine.mail().invalid_addresses(&field)
}

/// Applies an action to messages here at once and returns; the engine's
/// foreground worker does it on the server as soon as it can be reached.
#[tauri::command]
#[specta::specta]
pub async fn act(engine: EngineState<'_>, ids: Vec<MessageId>, action: MessageAction) -> CommandResult<ActionOutcome> {
    Ok(engine.mail().act(&ids, action.into()).await?)
}

/// `act` on whole conversations (a selection of several): on the messages
/// each shows in its view.
#[tauri::command]
#[specta::specta]
pub async fn act_on_threads(
    engine: EngineState<'_>,
    threads: Vec<ThreadId>,
    action: MessageAction,
) -> CommandResult<ActionOutcome> {
    Ok(engine.mail().act_on_threads(&threads, action.into()).await?)
}

/// Moves whole conversations to a folder (its server name).
#[tauri::command]
#[specta::specta]
pub async fn move_threads(
    engine: EngineState<'_>,
    threads: Vec<ThreadId>,
    folder: String,
) -> CommandResult<ActionOutcome> {
    Ok(engine.mail().act_on_threads(&threads, UserAction::Move(folder)).await?)
}
