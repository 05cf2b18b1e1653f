//! The tray icon: the unread count of the inboxes beside it (and on
//! macOS the dock badge), and a menu to open the window, write a new
//! email, sync now and quit. Its words come from the window, in the
//! user's language (`set_tray_words`): the tray is made when they first
//! come. Linux's tray (AppIndicator) gets no clicks, only the menu. With
//! the preference on, closing the window leaves the app running there.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tauri::Manager;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, TrayIconBuilder, TrayIconEvent};
use threadline_engine::model::EngineEvent;
use threadline_engine::{Engine, Scheduler};

/// The tray's id.
const TRAY: &str = "main";

/// "Keep Threadline running in the tray when its window is closed", as
/// the window's close needs it at once (the engine keeps the choice).
#[derive(Default)]
pub struct CloseToTray(std::sync::atomic::AtomicBool);

impl CloseToTray {
    pub fn set(&self, on: bool) {
        self.0.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether closing the window only hides it: when the user asked for
    /// it and the tray is there to bring it back.
    pub fn hides(&self, app: &tauri::AppHandle) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed) && app.tray_by_id(TRAY).is_some()
    }
}

/// The menu's words, in the window's language.
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct TrayWords {
    pub open: String,
    pub compose: String,
    pub sync_now: String,
    pub quit: String,
}

/// Asks the window for a new email (the tray's "New email").
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct ComposeNew;

impl tauri_specta::Event for ComposeNew {
    const NAME: &'static str = "compose-new";
}

/// Makes the tray with these words, or gives its menu these words.
pub fn set_words(app: &tauri::AppHandle, words: &TrayWords) -> tauri::Result<()> {
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, "open", &words.open, true, None::<&str>)?,
            &MenuItem::with_id(app, "compose", &words.compose, true, None::<&str>)?,
            &MenuItem::with_id(app, "sync", &words.sync_now, true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, "quit", &words.quit, true, None::<&str>)?,
        ],
    )?;
    if let Some(tray) = app.tray_by_id(TRAY) {
        return tray.set_menu(Some(menu));
    }
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("Threadline")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => super::show_window(app),
            "compose" => {
                super::show_window(app);
                let _ = tauri_specta::Event::emit(&ComposeNew, app);
            }
            "sync" => {
                if let Some(scheduler) = app.try_state::<Arc<Scheduler>>() {
                    let scheduler = Arc::clone(&scheduler);
                    tauri::async_runtime::spawn(async move {
                        if scheduler.ensure_running().await.is_ok() {
                            scheduler.sync_now();
                        }
                    });
                }
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click { button: MouseButton::Left, .. } = event {
                super::show_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    count_soon(app);
    Ok(())
}

/// Keeps the count beside the tray icon current as mail changes.
pub fn follow_unread(app: tauri::AppHandle, engine: &Engine) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(
                    EngineEvent::MessagesChanged { .. }
                    | EngineEvent::FlagsChanged { .. }
                    | EngineEvent::MessagesVanished { .. },
                ) => {
                    // A burst of changes (a sync's batches) is counted once.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    while events.try_recv().is_ok() {}
                    count(&app).await;
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

fn count_soon(app: &tauri::AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move { count(&app).await });
}

/// Shows the inboxes' unread count beside the icon (nothing when none).
async fn count(app: &tauri::AppHandle) {
    let Some(engine) = app.try_state::<Arc<Engine>>().map(|e| Arc::clone(&e)) else {
        return;
    };
    let unread = match engine.mail().unread_in_inboxes().await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "the unread count could not be read");
            return;
        }
    };
    let label = (unread > 0).then(|| unread.to_string());
    if let Some(tray) = app.tray_by_id(TRAY) {
        let _ = tray.set_title(label.as_deref());
    }
    #[cfg(target_os = "macos")]
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_badge_count((unread > 0).then_some(i64::from(unread)));
    }
    tracing::debug!(unread, "tray count");
}
