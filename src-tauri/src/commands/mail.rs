//! Mail commands: sending from the composer, and the reading pane's
//! actions (read, flag, archive, delete), which the engine queues for the
//! server.

use threadline_engine::ActionOutcome;
use threadline_engine::ids::MessageId;
use threadline_engine::model::{Answer, Draft, MessageAction, SendOutcome};

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

/// Applies an action to messages here at once and returns; the engine's
/// foreground worker does it on the server as soon as it can be reached.
#[tauri::command]
#[specta::specta]
pub async fn act(engine: EngineState<'_>, ids: Vec<MessageId>, action: MessageAction) -> CommandResult<ActionOutcome> {
    Ok(engine.mail().act(&ids, action.into()).await?)
}
