//! Account commands: list, add (with a login check), sync now.

use threadline_engine::ids::AccountId;
use threadline_engine::model::{AccountStatus, AccountSummary, Mirror, NewAccount};

use super::{CommandResult, EngineState, SchedulerState};

/// Every account with its sync state.
#[tauri::command]
#[specta::specta]
pub async fn list_accounts(engine: EngineState<'_>) -> CommandResult<Vec<AccountSummary>> {
    Ok(engine.accounts().list().await?)
}

/// Checks the login, stores the account (password to the keychain) and
/// starts syncing it.
#[tauri::command]
#[specta::specta]
pub async fn add_account(
    engine: EngineState<'_>,
    scheduler: SchedulerState<'_>,
    account: NewAccount,
) -> CommandResult<AccountSummary> {
    let id = engine.accounts().add(account, true).await?;
    scheduler.ensure_running().await?;
    Ok(engine.accounts().get(id).await?)
}

/// Asks for a sync pass over every account now (and restarts the workers
/// of any account whose workers ended).
#[tauri::command]
#[specta::specta]
pub async fn sync_now(scheduler: SchedulerState<'_>) -> CommandResult<()> {
    scheduler.ensure_running().await?;
    scheduler.sync_now();
    Ok(())
}

/// Takes a new password after the server rejected the old one (checked
/// with the server first), then lets sync resume.
#[tauri::command]
#[specta::specta]
pub async fn update_password(
    engine: EngineState<'_>,
    scheduler: SchedulerState<'_>,
    account: AccountId,
    password: String,
) -> CommandResult<AccountSummary> {
    engine.accounts().update_password(account, &password).await?;
    scheduler.ensure_running().await?;
    Ok(engine.accounts().get(account).await?)
}

/// Every account's health, folder by folder (the troubleshooting view).
#[tauri::command]
#[specta::specta]
pub async fn account_statuses(engine: EngineState<'_>) -> CommandResult<Vec<AccountStatus>> {
    Ok(engine.accounts().statuses().await?)
}

/// A pass over one account now; its outcome arrives as events and in its
/// status (a failure is recorded there, not returned).
#[tauri::command]
#[specta::specta]
pub async fn sync_account(engine: EngineState<'_>, account: AccountId) -> CommandResult<()> {
    if let Err(e) = engine.sync_account(account).await {
        tracing::info!(%account, error = %e, "sync now ended with an error");
    }
    Ok(())
}

/// "All emails will be synced" (`folders` null) or "Sync emails with
/// specific labels"; then a pass fetches what is newly chosen.
#[tauri::command]
#[specta::specta]
pub async fn choose_sync_folders(
    engine: EngineState<'_>,
    account: AccountId,
    folders: Option<Vec<String>>,
) -> CommandResult<()> {
    // The engine wakes the account's background worker for that pass.
    Ok(engine.accounts().choose_sync_folders(account, folders.as_deref()).await?)
}

/// How far back the account syncs (days; null: everything). Narrowing
/// forgets older mail here only; widening fetches it at the next pass.
#[tauri::command]
#[specta::specta]
pub async fn set_history(engine: EngineState<'_>, account: AccountId, days: Option<u32>) -> CommandResult<()> {
    Ok(engine.accounts().set_history(account, days).await?)
}

/// What archiving or deleting here does in the account's mailbox.
#[tauri::command]
#[specta::specta]
pub async fn set_mirror(engine: EngineState<'_>, account: AccountId, mirror: Mirror) -> CommandResult<()> {
    Ok(engine.accounts().set_mirror(account, mirror).await?)
}

/// How often the account is checked for new mail when its server cannot
/// push it, in seconds.
#[tauri::command]
#[specta::specta]
pub async fn set_poll_interval(engine: EngineState<'_>, account: AccountId, seconds: u32) -> CommandResult<()> {
    Ok(engine.accounts().set_poll_interval(account, seconds).await?)
}

/// Makes a folder the account's Trash, Sent, Drafts or Archive, for a
/// server that names none (or the wrong one).
#[tauri::command]
#[specta::specta]
pub async fn choose_folder_role(
    engine: EngineState<'_>,
    account: AccountId,
    role: String,
    folder: i64,
) -> CommandResult<()> {
    Ok(engine.accounts().choose_folder_role(account, &role, folder).await?)
}
