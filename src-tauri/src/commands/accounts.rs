//! Account commands: list, add (with a login check), sync now.

use threadline_engine::accounts::Browser;
use threadline_engine::accounts::oauth::SIGN_IN_TIMEOUT;
use threadline_engine::ids::AccountId;
use threadline_engine::model::{AccountSettings, AccountStatus, AccountSummary, FoundSettings, Mirror, NewAccount};
use threadline_engine::{Error, problem::Problem};

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

/// The words of the page the browser shows when an OAuth sign-in ends,
/// in the window's language.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
pub struct SignInPages {
    pub done: String,
    pub failed: String,
}

/// The system browser (the webbrowser crate: $BROWSER when set, else the
/// desktop's default), with the UI's end pages.
fn browser(pages: SignInPages) -> Browser<'static> {
    Browser {
        open: &|url: &str| {
            webbrowser::open(url)
                .map_err(|e| Error::Invalid(Problem::Worded { text: format!("The browser could not be opened: {e}") }))
        },
        timeout: SIGN_IN_TIMEOUT,
        pages: (pages.done, pages.failed),
    }
}

/// Opens a provider's help page (the steps before the first sign-in) in
/// the system browser; only web addresses are opened.
#[tauri::command]
#[specta::specta]
pub fn open_in_browser(url: String) -> CommandResult<()> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(Error::Invalid(Problem::Worded { text: format!("Not a web address: {url}") }).into());
    }
    webbrowser::open(&url)
        .map_err(|e| Error::Invalid(Problem::Worded { text: format!("The browser could not be opened: {e}") }).into())
}

/// "Add account" step one: the address's server settings, found by the
/// engine (presets, MX, autoconfig, SRV, a tried guess).
#[tauri::command]
#[specta::specta]
pub async fn find_settings(engine: EngineState<'_>, email: String) -> CommandResult<FoundSettings> {
    Ok(engine.accounts().discover(&email, None).await?)
}

/// Adds an account that signs in with OAuth: waits while the user signs
/// in in the browser (until done, cancelled or timed out), then starts
/// syncing it.
#[tauri::command]
#[specta::specta]
pub async fn add_account_oauth(
    engine: EngineState<'_>,
    scheduler: SchedulerState<'_>,
    account: NewAccount,
    pages: SignInPages,
) -> CommandResult<AccountSummary> {
    let id = engine.accounts().add_signed_in(account, &browser(pages)).await?;
    scheduler.ensure_running().await?;
    Ok(engine.accounts().get(id).await?)
}

/// "Sign in again" for an OAuth account: the browser again, then sync
/// resumes where it stopped.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_again(
    engine: EngineState<'_>,
    scheduler: SchedulerState<'_>,
    account: AccountId,
    pages: SignInPages,
) -> CommandResult<AccountSummary> {
    engine.accounts().sign_in_again(account, &browser(pages)).await?;
    scheduler.ensure_running().await?;
    Ok(engine.accounts().get(account).await?)
}

/// The window's Cancel while the browser sign-in runs.
#[tauri::command]
#[specta::specta]
pub fn cancel_sign_in(engine: EngineState<'_>) {
    engine.accounts().cancel_sign_in();
}

/// Changes an account's name and server settings (new servers are tried
/// first).
#[tauri::command]
#[specta::specta]
pub async fn update_account(
    engine: EngineState<'_>,
    account: AccountId,
    settings: AccountSettings,
) -> CommandResult<AccountSummary> {
    Ok(engine.accounts().update_settings(account, settings).await?)
}

/// Removes an account after the user confirmed: its workers stop, its
/// local mail and keychain entries go; the server is not touched.
#[tauri::command]
#[specta::specta]
pub async fn remove_account(
    engine: EngineState<'_>,
    scheduler: SchedulerState<'_>,
    account: AccountId,
) -> CommandResult<()> {
    // Its workers end on their own; one mid-pass finds the account gone.
    scheduler.stop_account(account);
    Ok(engine.accounts().remove(account).await?)
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

/// Cancels the running sync pass of one account, or of every account
/// (null); the next pass goes on from where it stopped.
#[tauri::command]
#[specta::specta]
pub async fn cancel_sync(engine: EngineState<'_>, account: Option<AccountId>) -> CommandResult<()> {
    engine.cancel_sync(account);
    Ok(())
}

/// Cancels the refill of the search index after an upgrade; it goes on
/// at the next start.
#[tauri::command]
#[specta::specta]
pub async fn cancel_search_indexing(engine: EngineState<'_>) -> CommandResult<()> {
    engine.cancel_refill();
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

/// Shows (or stops showing) the account's new mail as desktop
/// notifications.
#[tauri::command]
#[specta::specta]
pub async fn set_notify_new_mail(engine: EngineState<'_>, account: AccountId, on: bool) -> CommandResult<()> {
    Ok(engine.accounts().set_notify_new_mail(account, on).await?)
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
