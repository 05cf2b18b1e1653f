//! The app in the operating system: links other programs hand over, links
//! clicked in the app, the app's preferences and Threadline as the
//! system's email app.

use threadline_engine::links::LinkRoute;
use threadline_engine::model::Draft;
use threadline_engine::preferences::AppPreferences;
use threadline_engine::problem::Problem;
use threadline_engine::{Error, UserError};

use super::{CommandResult, EngineState};
use crate::os::links::{self, WaitingMailto};
use crate::os::mail_app::{self, MailAppStatus};

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
pub async fn set_app_preferences(engine: EngineState<'_>, preferences: AppPreferences) -> CommandResult<()> {
    Ok(engine.set_app_preferences(&preferences).await?)
}

/// Whether Threadline opens the `mailto:` links of other programs.
#[tauri::command]
#[specta::specta]
pub async fn mail_app_status() -> CommandResult<MailAppStatus> {
    tauri::async_runtime::spawn_blocking(mail_app::status)
        .await
        .map_err(|e| e.to_string())
        .and_then(|status| status)
        .map_err(|reason| UserError::from(Error::Invalid(Problem::MailAppUnknown { reason })))
}

/// "Make Threadline the default": as the system allows (on Windows its
/// settings page opens for the user to choose). Returns where it stands
/// afterwards.
#[tauri::command]
#[specta::specta]
pub async fn make_default_mail_app() -> CommandResult<MailAppStatus> {
    tauri::async_runtime::spawn_blocking(mail_app::make_default)
        .await
        .map_err(|e| e.to_string())
        .and_then(|made| made)
        .map_err(|reason| UserError::from(Error::Invalid(Problem::MailAppNotSet { reason })))?;
    mail_app_status().await
}
