//! The app in the operating system: links other programs hand over, links
//! clicked in the app, the app's preferences, Threadline as the system's
//! email app, the tray's words and starting at login.

use threadline_engine::links::LinkRoute;
use threadline_engine::model::Draft;
use threadline_engine::preferences::AppPreferences;
use threadline_engine::problem::Problem;
use threadline_engine::{Error, UserError};

use super::{CommandResult, EngineState};
use crate::os::links::{self, WaitingMailto};
use crate::os::mail_app::{self, MailAppStatus};
use crate::os::tray::{self, TrayWords};

/// The `mailto:` links handed over that the window has not taken yet,
/// oldest first.
#[tauri::command]
#[specta::specta]
pub fn take_mailto_links(waiting: tauri::State<'_, WaitingMailto>) -> Vec<String> {
    waiting.take()
}

/// The composer's start for a `mailto:` link from another program.
#[tauri::command]
#[specta::specta]
pub async fn mailto_draft(engine: EngineState<'_>, link: String) -> CommandResult<Draft> {
    Ok(engine.mail().mailto_draft(&link).await?)
}

/// Follows a link clicked in the app: a draft for the composer, or None
/// when the system took it (a web page in its browser, an email link in
/// its email app, as the user prefers).
#[tauri::command]
#[specta::specta]
pub async fn follow_link(engine: EngineState<'_>, href: String) -> CommandResult<Option<Draft>> {
    match engine.mail().follow_link(&href).await? {
        LinkRoute::Compose { draft } => Ok(Some(*draft)),
        LinkRoute::Outside { url } => {
            links::hand_to_system(&url).map_err(|problem| UserError::from(Error::Invalid(problem)))?;
            Ok(None)
        }
    }
}

/// The app's preferences.
#[tauri::command]
#[specta::specta]
pub async fn app_preferences(engine: EngineState<'_>) -> CommandResult<AppPreferences> {
    Ok(engine.app_preferences().await?)
}

/// Replaces the app's preferences.
#[tauri::command]
#[specta::specta]
pub async fn set_app_preferences(
    engine: EngineState<'_>,
    close: tauri::State<'_, tray::CloseToTray>,
    preferences: AppPreferences,
) -> CommandResult<()> {
    engine.set_app_preferences(&preferences).await?;
    close.set(preferences.close_to_tray);
    Ok(())
}

/// The tray menu's words in the window's language; the tray shows from
/// the first call.
#[tauri::command]
#[specta::specta]
pub fn set_tray_words(app: tauri::AppHandle, words: TrayWords) -> CommandResult<()> {
    tray::set_words(&app, &words)
        .map_err(|e| UserError::from(Error::Invalid(Problem::TrayUnavailable { reason: e.to_string() })))
}

/// Whether Threadline starts when the user logs in.
#[tauri::command]
#[specta::specta]
pub fn autostart_enabled(app: tauri::AppHandle) -> CommandResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(autostart_failed)
}

/// "Start Threadline when I log in" (off until the user turns it on).
#[tauri::command]
#[specta::specta]
pub fn set_autostart(app: tauri::AppHandle, on: bool) -> CommandResult<()> {
    use tauri_plugin_autostart::ManagerExt;
    let autostart = app.autolaunch();
    if on { autostart.enable() } else { autostart.disable() }.map_err(autostart_failed)
}

fn autostart_failed(e: tauri_plugin_autostart::Error) -> UserError {
    UserError::from(Error::Invalid(Problem::AutostartFailed { reason: e.to_string() }))
}

/// Whether Threadline opens the `mailto:` links of other programs.
#[tauri::command]
#[specta::specta]
pub async fn mail_app_status() -> CommandResult<MailAppStatus> {
    blocking(mail_app::status)
        .await
        .map_err(|reason| UserError::from(Error::Invalid(Problem::MailAppUnknown { reason })))
}

/// "Make Threadline the default": as the system allows (on Windows its
/// settings page opens for the user to choose). Returns where it stands
/// afterwards.
#[tauri::command]
#[specta::specta]
pub async fn make_default_mail_app() -> CommandResult<MailAppStatus> {
    blocking(mail_app::make_default)
        .await
        .map_err(|reason| UserError::from(Error::Invalid(Problem::MailAppNotSet { reason })))?;
    mail_app_status().await
}

/// Runs the system's tools (xdg-mime, the registry) off the async threads.
async fn blocking<T: Send + 'static>(work: fn() -> Result<T, String>) -> Result<T, String> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|e| e.to_string()).and_then(|done| done)
}
