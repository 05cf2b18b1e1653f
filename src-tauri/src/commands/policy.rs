//! Smart BCC (addresses, accepted senders, quarantine), blocked addresses
//! and sharing.

use threadline_engine::bcc::capture::{AcceptedSender, HeldCopy};
use threadline_engine::bcc::{BccAddress, Confirmation, Target};
use threadline_engine::crm::RecordKind;
use threadline_engine::ids::{AccountId, MessageId, RecordId, ThreadId};
use threadline_engine::model::{SendOutcome, Visibility};
use threadline_engine::problem::Problem;
use threadline_engine::{Error, UserError};

use super::{CommandResult, EngineState};

/// The user's Smart BCC address; null until a mailbox was chosen.
#[tauri::command]
#[specta::specta]
pub async fn bcc_address(engine: EngineState<'_>) -> CommandResult<Option<BccAddress>> {
    Ok(engine.bcc().show().await?)
}

/// Makes this account's mailbox receive the copies.
#[tauri::command]
#[specta::specta]
pub async fn bcc_setup(engine: EngineState<'_>, account: AccountId) -> CommandResult<BccAddress> {
    Ok(engine.bcc().setup(account).await?)
}

/// "Make a new address": the old one is retired.
#[tauri::command]
#[specta::specta]
pub async fn bcc_renew(engine: EngineState<'_>) -> CommandResult<BccAddress> {
    Ok(engine.bcc().renew().await?)
}

/// The Smart BCC address of a deal, lead or project.
#[tauri::command]
#[specta::specta]
pub async fn bcc_record_address(engine: EngineState<'_>, kind: RecordKind, id: RecordId) -> CommandResult<BccAddress> {
    let target = match kind {
        RecordKind::Deal => Target::Deal(id),
        RecordKind::Lead => Target::Lead(id),
        RecordKind::Project => Target::Project(id),
        RecordKind::Person | RecordKind::Org => {
            return Err(UserError::from(Error::Invalid(Problem::NotAChoice { kind })));
        }
    };
    Ok(engine.bcc().record_address(target).await?)
}

/// The accepted senders besides the accounts' own addresses.
#[tauri::command]
#[specta::specta]
pub async fn bcc_senders(engine: EngineState<'_>) -> CommandResult<Vec<AcceptedSender>> {
    Ok(engine.bcc().senders().await?)
}

/// Adds a sender; the confirmation email, in the window's words, goes out
/// from the outbox.
#[tauri::command]
#[specta::specta]
pub async fn bcc_add_sender(
    engine: EngineState<'_>,
    address: String,
    wording: Confirmation,
) -> CommandResult<SendOutcome> {
    Ok(engine.bcc().add_sender(&address, &wording).await?)
}

/// Confirms a sender with the code from its email.
#[tauri::command]
#[specta::specta]
pub async fn bcc_verify_sender(engine: EngineState<'_>, address: String, code: String) -> CommandResult<()> {
    Ok(engine.bcc().verify_sender(&address, &code).await?)
}

/// Removes an accepted sender.
#[tauri::command]
#[specta::specta]
pub async fn bcc_remove_sender(engine: EngineState<'_>, address: String) -> CommandResult<()> {
    Ok(engine.bcc().remove_sender(&address).await?)
}

/// Whether copies make persons of their unknown customers.
#[tauri::command]
#[specta::specta]
pub async fn bcc_create_persons(engine: EngineState<'_>) -> CommandResult<bool> {
    Ok(engine.bcc().create_persons().await?)
}

/// Sets "Create persons from Smart BCC copies automatically".
#[tauri::command]
#[specta::specta]
pub async fn set_bcc_create_persons(engine: EngineState<'_>, on: bool) -> CommandResult<()> {
    Ok(engine.bcc().set_create_persons(on).await?)
}

/// The copies held back, with their reasons.
#[tauri::command]
#[specta::specta]
pub async fn quarantine(engine: EngineState<'_>) -> CommandResult<Vec<HeldCopy>> {
    Ok(engine.bcc().quarantine().await?)
}

/// How many copies wait for DNS to answer.
#[tauri::command]
#[specta::specta]
pub async fn waiting_copies(engine: EngineState<'_>) -> CommandResult<u32> {
    Ok(engine.bcc().waiting().await?)
}

/// Lets a held copy in.
#[tauri::command]
#[specta::specta]
pub async fn accept_held(engine: EngineState<'_>, id: MessageId) -> CommandResult<()> {
    Ok(engine.bcc().accept(id).await?)
}

/// Discards a held copy (the mail account keeps it).
#[tauri::command]
#[specta::specta]
pub async fn discard_held(engine: EngineState<'_>, id: MessageId) -> CommandResult<()> {
    Ok(engine.bcc().discard(id).await?)
}

/// The blocked addresses and domains.
#[tauri::command]
#[specta::specta]
pub async fn blocked(engine: EngineState<'_>) -> CommandResult<Vec<String>> {
    Ok(engine.mail().blocked().await?)
}

/// Blocks an address or `@domain`; returns how many emails it hid.
#[tauri::command]
#[specta::specta]
pub async fn block(engine: EngineState<'_>, address: String) -> CommandResult<u32> {
    Ok(u32::try_from(engine.mail().block(&address).await?).unwrap_or(u32::MAX))
}

/// Removes a block; returns how many emails came back.
#[tauri::command]
#[specta::specta]
pub async fn unblock(engine: EngineState<'_>, address: String) -> CommandResult<u32> {
    Ok(u32::try_from(engine.mail().unblock(&address).await?).unwrap_or(u32::MAX))
}

/// The visibility new mail gets.
#[tauri::command]
#[specta::specta]
pub async fn sharing_default(engine: EngineState<'_>) -> CommandResult<Visibility> {
    Ok(engine.mail().sharing_default().await?)
}

/// Sets the visibility for mail that arrives from now on.
#[tauri::command]
#[specta::specta]
pub async fn set_sharing_default(engine: EngineState<'_>, visibility: Visibility) -> CommandResult<()> {
    Ok(engine.mail().set_sharing_default(visibility).await?)
}

/// Shares a conversation within the company, or makes it private.
#[tauri::command]
#[specta::specta]
pub async fn set_thread_visibility(
    engine: EngineState<'_>,
    thread: ThreadId,
    visibility: Visibility,
) -> CommandResult<()> {
    Ok(engine.mail().set_thread_visibility(thread, visibility).await?)
}
