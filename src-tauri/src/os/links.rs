//! Links other programs hand over: the app's own (`threadline://…`, a
//! sender's confirmation) and `mailto:` links, which start a message in the
//! composer. They come as the app's arguments, at its start or from a second
//! launch (the single-instance plugin), or on macOS as the system's
//! open-URL events (the deep-link plugin). Links clicked inside the window
//! never load there (see [`navigation`]). The app also makes itself the
//! handler of its own scheme, so that a link clicked in any mail client
//! reaches it.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tauri::Manager;
use threadline_engine::Engine;
use threadline_engine::links::Route;
use threadline_engine::model::EngineEvent;
use threadline_engine::problem::Problem;

/// Opens the links among `args`: a sender's confirmation link
/// (`threadline://verify-sender`) confirms the sender, and the window hears
/// how it went as an engine event; `mailto:` links wait for the window
/// (see [`WaitingMailto`]), which is told of them.
pub fn open(app: &tauri::AppHandle, args: &[String]) {
    let Some(engine) = app.try_state::<Arc<Engine>>() else {
        return;
    };
    let mailto: Vec<String> = args.iter().filter(|a| is_mailto(a)).cloned().collect();
    if !mailto.is_empty() {
        tracing::info!(links = mailto.len(), "mailto: link handed over");
        if let Some(waiting) = app.try_state::<WaitingMailto>() {
            waiting.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(mailto);
        }
        let _ = tauri_specta::Event::emit(&MailtoArrived, app);
    }
    for link in args.iter().filter(|a| a.starts_with(threadline_engine::bcc::VERIFY_LINK)) {
        let (engine, link) = (Arc::clone(&engine), link.clone());
        tauri::async_runtime::spawn(async move {
            if let Err(e) = engine.bcc().open_verify_link(&link).await {
                tracing::warn!(error = %e, "a confirmation link could not be used");
            }
        });
    }
}

/// Decides a navigation of the window or of a frame in it (a mail body's
/// link clicked): the app's own pages load, anything else is followed the
/// way the engine says (the system's browser, the composer) and never
/// loads inside the window; a link not followed is told as an engine
/// event. (The window's content policy lets frames ask for the link
/// schemes in `frame-src` so that their clicks reach this decision.)
pub fn navigation(app: &tauri::AppHandle, url: &tauri::Url) -> bool {
    let own_page = match url.scheme() {
        "tauri" | "about" => true,
        // Windows serves the app as http(s)://tauri.localhost.
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    };
    if own_page {
        return true;
    }
    let Some(engine) = app.try_state::<Arc<Engine>>() else {
        return false;
    };
    let (engine, app, href) = (Arc::clone(&engine), app.clone(), url.to_string());
    tauri::async_runtime::spawn(async move {
        // An email link for the composer waits for the window as one from
        // another program does; the window makes its draft.
        let followed = match engine.mail().link_route(&href).await {
            Ok(Route::Compose(_)) => {
                open(&app, &[href]);
                Ok(())
            }
            Ok(Route::Outside(url)) => hand_to_system(&url),
            Ok(Route::Refused(scheme)) => Err(Problem::LinkNotFollowed { scheme }),
            Err(e) => Err(e.to_user().problem),
        };
        if let Err(reason) = followed {
            let _ = tauri_specta::Event::emit(&crate::ipc::EngineNotice(EngineEvent::LinkRefused { reason }), &app);
        }
    });
    false
}

/// Hands a link to the system: a web page to its browser, an email link to
/// its email app.
pub fn hand_to_system(url: &str) -> Result<(), Problem> {
    tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| Problem::CannotOpenLink { reason: e.to_string() })
}

/// `mailto:` links handed over and not yet taken by the window. The window
/// takes them when it hears [`MailtoArrived`] and once it shows the mail
/// (a link that started the app arrives before the window listens).
#[derive(Default)]
pub struct WaitingMailto(Mutex<Vec<String>>);

impl WaitingMailto {
    /// The links waiting, oldest first; none wait afterwards.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// Tells the window that a `mailto:` link is waiting for it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MailtoArrived;

impl tauri_specta::Event for MailtoArrived {
    const NAME: &'static str = "mailto-arrived";
}

/// Whether an argument is a `mailto:` link (the engine reads it).
fn is_mailto(arg: &str) -> bool {
    arg.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
}

/// Makes this executable the handler of `threadline:` links for the user
/// (Linux: see `mail_app`). Elsewhere the installer declares it.
pub fn register_scheme() {
    #[cfg(target_os = "linux")]
    if let Err(e) = super::mail_app::register_own_scheme() {
        tracing::warn!(error = %e, "threadline: links will not open the app");
    }
}
