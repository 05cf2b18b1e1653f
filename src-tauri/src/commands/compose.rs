//! The composer's own commands: drafts saved as the user types, templates,
//! the smart fields' preview, signatures, send later and Undo, and files
//! the window hands over (dropped or pasted) to be sent.

use threadline_engine::ids::AccountId;
use threadline_engine::model::{Draft, Rendered, SavedDraft, ScheduledMessage, StagedFile, Template, TemplateInput};

use super::{CommandResult, EngineState};

/// Saves the draft here at once (a new one without `id`) and in the
/// account's Drafts folder; returns its id.
#[tauri::command]
#[specta::specta]
pub async fn save_draft(engine: EngineState<'_>, id: Option<i64>, draft: Draft) -> CommandResult<i64> {
    Ok(engine.mail().save_draft(id, &draft).await?)
}

/// The saved drafts, the last edited first (the Drafts view).
#[tauri::command]
#[specta::specta]
pub async fn drafts(engine: EngineState<'_>) -> CommandResult<Vec<SavedDraft>> {
    Ok(engine.mail().drafts().await?)
}

/// Forgets a draft, here and in the Drafts folder (sent, or discarded).
#[tauri::command]
#[specta::specta]
pub async fn delete_draft(engine: EngineState<'_>, id: i64) -> CommandResult<()> {
    Ok(engine.mail().delete_draft(id).await?)
}

/// Every template, by name.
#[tauri::command]
#[specta::specta]
pub async fn templates(engine: EngineState<'_>) -> CommandResult<Vec<Template>> {
    Ok(engine.mail().templates().await?)
}

/// Creates (without `id`) or changes a template.
#[tauri::command]
#[specta::specta]
pub async fn save_template(engine: EngineState<'_>, id: Option<i64>, input: TemplateInput) -> CommandResult<Template> {
    Ok(engine.mail().save_template(id, &input).await?)
}

/// Deletes a template.
#[tauri::command]
#[specta::specta]
pub async fn delete_template(engine: EngineState<'_>, id: i64) -> CommandResult<()> {
    Ok(engine.mail().delete_template(id).await?)
}

/// The composer's message as it would go out: smart fields filled,
/// and those without a value named (the preview, and the question
/// before sending).
#[tauri::command]
#[specta::specta]
pub async fn render_draft(engine: EngineState<'_>, draft: Draft) -> CommandResult<Rendered> {
    Ok(engine.mail().render(&draft).await?)
}

/// The smart fields, in the order the composer's menu lists them.
#[tauri::command]
#[specta::specta]
pub fn smart_fields() -> Vec<String> {
    threadline_engine::mail::SMART_FIELDS.iter().map(|f| (*f).to_owned()).collect()
}

/// Undo, or cancelling a message sent later: takes it out of the outbox
/// before its time and gives its draft back to the composer.
#[tauri::command]
#[specta::specta]
pub async fn cancel_send(engine: EngineState<'_>, message_id: String) -> CommandResult<Draft> {
    Ok(engine.mail().cancel_send(&message_id).await?)
}

/// Messages waiting for their time, the soonest first.
#[tauri::command]
#[specta::specta]
pub async fn scheduled_messages(engine: EngineState<'_>) -> CommandResult<Vec<ScheduledMessage>> {
    Ok(engine.mail().scheduled().await?)
}

/// The account's signature (HTML), if it has one.
#[tauri::command]
#[specta::specta]
pub async fn signature(engine: EngineState<'_>, account: AccountId) -> CommandResult<Option<String>> {
    Ok(engine.accounts().signature(account).await?)
}

/// The account's signature as the composer puts it between the text and
/// the quote.
#[tauri::command]
#[specta::specta]
pub async fn signature_block(engine: EngineState<'_>, account: AccountId) -> CommandResult<Option<String>> {
    Ok(engine.mail().signature_block(account).await?)
}

/// Sets (or with none, removes) the account's signature.
#[tauri::command]
#[specta::specta]
pub async fn set_signature(engine: EngineState<'_>, account: AccountId, html: Option<String>) -> CommandResult<()> {
    Ok(engine.accounts().set_signature(account, html.as_deref().filter(|h| !h.trim().is_empty())).await?)
}

/// Keeps a file the window has the bytes of (an image pasted or dropped
/// into the text, a file dropped or picked), base64 as IPC carries it, and
/// returns the path a draft names it by.
#[tauri::command]
#[specta::specta]
pub async fn stage_file(engine: EngineState<'_>, name: String, base64: String) -> CommandResult<StagedFile> {
    let bytes = super::file_bytes(&name, &base64)?;
    Ok(engine.mail().stage_file(&name, bytes).await?)
}

/// Names and sizes of files dropped on the composer (the system gives
/// their paths); they are attached where they are.
#[tauri::command]
#[specta::specta]
pub async fn describe_files(engine: EngineState<'_>, paths: Vec<String>) -> CommandResult<Vec<StagedFile>> {
    Ok(engine.mail().describe_files(paths).await?)
}

/// An image dropped into the text, as a `data:` URL the editor shows (the
/// engine sends it as an inline part).
#[tauri::command]
#[specta::specta]
pub async fn image_data_url(engine: EngineState<'_>, path: String) -> CommandResult<String> {
    Ok(engine.mail().image_data_url(path).await?)
}
