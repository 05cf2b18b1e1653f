//! The shell's part in the operating system: links handed over by other
//! programs, Threadline as the system's email app, notifications and the
//! tray.

use tauri::Manager;

pub mod links;
pub mod mail_app;
pub mod notify;
pub mod tray;

/// Brings the window up (from the tray, a notification, a second launch).
pub fn show_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
