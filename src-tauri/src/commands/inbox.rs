//! Inbox commands: conversations, their messages, one message, search.

use threadline_engine::ids::{MessageId, ThreadId};
use threadline_engine::model::{
    FolderEntry, Listing, MessageSummary, MessageView, Original, SearchResults, ThreadPage,
};

use super::{CommandResult, EngineState};

/// A window of one list's conversations, newest first (for the
/// virtualized list).
#[tauri::command]
#[specta::specta]
pub async fn listing_page(
    engine: EngineState<'_>,
    listing: Listing,
    offset: u32,
    limit: u32,
) -> CommandResult<ThreadPage> {
    Ok(engine.mail().listing_page(&listing, offset, limit).await?)
}

/// Every synced folder with its unread mail, for the folder tree.
#[tauri::command]
#[specta::specta]
pub async fn folder_tree(engine: EngineState<'_>) -> CommandResult<Vec<FolderEntry>> {
    Ok(engine.mail().folder_tree().await?)
}

/// The messages of one conversation, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn thread_messages(engine: EngineState<'_>, thread_id: ThreadId) -> CommandResult<Vec<MessageSummary>> {
    Ok(engine.mail().thread_messages(thread_id).await?)
}

/// One message for the reading pane; remote content only when allowed.
#[tauri::command]
#[specta::specta]
pub async fn message_view(engine: EngineState<'_>, id: MessageId, allow_remote: bool) -> CommandResult<MessageView> {
    Ok(engine.mail().message_view(id, allow_remote).await?)
}

/// A search as typed in the search box: the messages found, newest first,
/// and the words to mark in them.
#[tauri::command]
#[specta::specta]
pub async fn search(engine: EngineState<'_>, query: String, limit: u32) -> CommandResult<SearchResults> {
    Ok(engine.mail().search(&query, limit).await?)
}

/// Loads (or stops loading) a sender's remote images without asking.
#[tauri::command]
#[specta::specta]
pub async fn set_remote_content_sender(engine: EngineState<'_>, address: String, allowed: bool) -> CommandResult<()> {
    Ok(engine.mail().set_remote_content_sender(&address, allowed).await?)
}

/// A message's source, headers first, for "Show original".
#[tauri::command]
#[specta::specta]
pub async fn message_original(engine: EngineState<'_>, id: MessageId) -> CommandResult<Original> {
    Ok(engine.mail().message_original(id).await?)
}
