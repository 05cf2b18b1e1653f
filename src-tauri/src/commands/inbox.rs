//! Inbox commands: conversations, their messages, one message, search.

use threadline_engine::ids::{AccountId, MessageId, ThreadId};
use threadline_engine::model::{
    FolderEntry, Listing, MessageSummary, MessageView, Original, SearchResults, ThreadPage,
};

use tauri::Manager;
use threadline_engine::mime::files::Existing;
use threadline_engine::problem::Problem;
use threadline_engine::{ActionOutcome, Error, UserError};

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

/// How many conversations a list has (asked when a page came uncounted).
#[tauri::command]
#[specta::specta]
pub async fn listing_count(engine: EngineState<'_>, listing: Listing) -> CommandResult<u32> {
    Ok(engine.mail().listing_count(&listing).await?)
}

/// Marks every unread message of a list read.
#[tauri::command]
#[specta::specta]
pub async fn mark_listing_read(engine: EngineState<'_>, listing: Listing) -> CommandResult<ActionOutcome> {
    Ok(engine.mail().mark_listing_read(&listing).await?)
}

/// Empties the Trash (of every account, or one): deleted for good;
/// returns how many messages.
#[tauri::command]
#[specta::specta]
pub async fn empty_trash(engine: EngineState<'_>, account: Option<AccountId>) -> CommandResult<u32> {
    Ok(engine.mail().empty_trash(account).await?)
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

/// The folder the system names for the user's downloads.
fn downloads(app: &tauri::AppHandle) -> Result<std::path::PathBuf, UserError> {
    app.path().download_dir().map_err(|_| UserError::from(Error::Invalid(Problem::NoDownloadsFolder)))
}

/// Saves a message's file in the user's Downloads folder, named as its
/// sender named it (made safe); one of that name already there is
/// replaced or kept as the user says, and the first try asks
/// (`Problem::FileExists`). Returns the path written.
#[tauri::command]
#[specta::specta]
pub async fn save_attachment(
    app: tauri::AppHandle,
    engine: EngineState<'_>,
    id: MessageId,
    position: u32,
    existing: Existing,
) -> CommandResult<String> {
    let path = engine.mail().save_attachment(id, position, &downloads(&app)?, existing).await?;
    Ok(path.display().to_string())
}

/// "Save as…": the system's save dialog (titled in the user's language,
/// starting in Downloads with the file's name made safe), then the file
/// where the user chose; None when they cancelled. The dialog itself asks
/// before the user picks a file that is there.
#[tauri::command]
#[specta::specta]
pub async fn save_attachment_as(
    app: tauri::AppHandle,
    engine: EngineState<'_>,
    id: MessageId,
    position: u32,
    title: String,
) -> CommandResult<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let name = engine.mail().attachment_name(id, position).await?;
    let (chosen, answer) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title(title).set_file_name(name);
    if let Ok(dir) = downloads(&app) {
        dialog = dialog.set_directory(dir);
    }
    dialog.save_file(move |path| {
        let _ = chosen.send(path.and_then(|p| p.into_path().ok()));
    });
    let Ok(Some(path)) = answer.await else {
        return Ok(None);
    };
    let path = engine.mail().save_attachment_as(id, position, &path).await?;
    Ok(Some(path.display().to_string()))
}

/// Saves a message's source as `<subject>.eml` in the Downloads folder,
/// asking before replacing a file of that name (as `save_attachment`).
#[tauri::command]
#[specta::specta]
pub async fn save_original(
    app: tauri::AppHandle,
    engine: EngineState<'_>,
    id: MessageId,
    existing: Existing,
) -> CommandResult<String> {
    let path = engine.mail().save_original(id, &downloads(&app)?, existing).await?;
    Ok(path.display().to_string())
}

/// Opens the system's print dialog for the window (which shows only the
/// message asked for when printed: the UI's print rules).
#[tauri::command]
#[specta::specta]
pub async fn print_page(webview: tauri::Webview) -> CommandResult<()> {
    webview.print().map_err(|e| UserError::from(Error::Invalid(Problem::CannotPrint { reason: e.to_string() })))
}

/// Opens a message's file with the system's app for its kind.
#[tauri::command]
#[specta::specta]
pub async fn open_attachment(engine: EngineState<'_>, id: MessageId, position: u32) -> CommandResult<()> {
    let path = engine.mail().attachment_to_open(id, position).await?;
    tauri_plugin_opener::open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| UserError::from(Error::Invalid(Problem::CannotOpenFile { reason: e.to_string() })))
}
