//! Account commands: list, add (with a login check), sync now.

use threadline_engine::model::{AccountSummary, NewAccount};

use super::{CommandResult, EngineState};
use crate::sync_loop::SyncLoop;

/// Every account with its sync state.
#[tauri::command]
pub async fn list_accounts(engine: EngineState<'_>) -> CommandResult<Vec<AccountSummary>> {
    Ok(engine.accounts().await?)
}

/// Checks the login, stores the account (password to the keychain) and
/// starts syncing it.
#[tauri::command]
pub async fn add_account(
    engine: EngineState<'_>,
    sync: tauri::State<'_, SyncLoop>,
    account: NewAccount,
) -> CommandResult<AccountSummary> {
    let id = engine.add_account(account, true).await?;
    sync.ensure_watchers();
    Ok(engine.account(id).await?)
}

/// Asks for a sync pass now.
#[tauri::command]
pub fn sync_now(sync: tauri::State<'_, SyncLoop>) {
    sync.sync_now();
}

/// Takes a new password after the server rejected the old one (checked
/// with the server first), then lets sync resume.
#[tauri::command]
pub async fn update_password(
    engine: EngineState<'_>,
    sync: tauri::State<'_, SyncLoop>,
    account: i64,
    password: String,
) -> CommandResult<AccountSummary> {
    engine.update_password(account, &password).await?;
    sync.ensure_watchers();
    Ok(engine.account(account).await?)
}
