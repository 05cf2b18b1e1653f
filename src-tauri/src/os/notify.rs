//! Desktop notifications of new mail: the engine says which messages to
//! tell of (`EngineEvent::MailArrived`: unread, in the inbox, after the
//! initial sync, for accounts that want it); each shows with its sender
//! and subject, and a click on it opens the message in the window.
//! Linux: notify-rust on the freedesktop notification service (the
//! notification plugin has no click on desktops); elsewhere the
//! notification plugin, without the click.

use std::sync::Arc;

use serde::Serialize;
use threadline_engine::Engine;
use threadline_engine::ids::{MessageId, ThreadId};
use threadline_engine::model::EngineEvent;

/// At most this many notifications for one batch of arrivals, the newest.
const AT_ONCE: usize = 3;

/// Asks the window to open a conversation at a message (a notification
/// was clicked).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OpenConversation {
    pub thread: ThreadId,
    pub message: MessageId,
}

impl tauri_specta::Event for OpenConversation {
    const NAME: &'static str = "open-conversation";
}

/// Shows the engine's new mail as notifications while the app runs.
pub fn start(app: tauri::AppHandle, engine: Arc<Engine>) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(EngineEvent::MailArrived { ids, .. }) => {
                    for id in ids.into_iter().take(AT_ONCE) {
                        tell(&app, &engine, id).await;
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// One notification: the sender as its title, the subject as its text.
async fn tell(app: &tauri::AppHandle, engine: &Engine, id: MessageId) {
    let message = match engine.mail().message_summary(id).await {
        Ok(message) => message,
        Err(e) => {
            tracing::warn!(error = %e, message = %id, "no notification for a message");
            return;
        }
    };
    let sender = message.from.first().map(|a| if a.name.is_empty() { a.address.clone() } else { a.name.clone() });
    let open = OpenConversation { thread: message.thread_id, message: id };
    show(app, sender.unwrap_or_default(), message.subject, open);
}

#[cfg(target_os = "linux")]
fn show(app: &tauri::AppHandle, title: String, text: String, open: OpenConversation) {
    let app = app.clone();
    // Waiting for the click holds a thread until the notification closes.
    let spawned = std::thread::Builder::new().name("threadline-notification".into()).spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Threadline")
            .icon("mail-message-new")
            .summary(&title)
            .body(&text)
            .hint(notify_rust::Hint::Category("email.arrived".into()))
            // The notification's own click; servers show no label for it.
            .action("default", "")
            .show();
        match shown {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    open_in_window(&app, &open);
                }
            }),
            Err(e) => tracing::warn!(error = %e, "the notification could not be shown"),
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "the notification could not be shown");
    }
}

#[cfg(not(target_os = "linux"))]
fn show(app: &tauri::AppHandle, title: String, text: String, _open: OpenConversation) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app.notification().builder().title(title).body(text).show() {
        tracing::warn!(error = %e, "the notification could not be shown");
    }
}

/// Brings the window up at the conversation.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn open_in_window(app: &tauri::AppHandle, open: &OpenConversation) {
    super::show_window(app);
    let _ = tauri_specta::Event::emit(open, app);
}
