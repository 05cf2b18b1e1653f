//! Threadline's own links (`threadline://…`): the app opens the ones it is
//! started with, or that a second launch hands over, and makes itself the
//! system's handler of its scheme, so that a link clicked in any mail
//! client reaches it.

use std::sync::Arc;

use tauri::Manager;
use threadline_engine::Engine;

/// The scheme of Threadline's links.
const SCHEME: &str = "threadline";

/// Opens the Threadline links among `args`: a sender's confirmation link
/// (`threadline://verify-sender`) confirms the sender; the window hears how
/// it went as an engine event.
pub fn open(app: &tauri::AppHandle, args: &[String]) {
    let Some(engine) = app.try_state::<Arc<Engine>>() else {
        return;
    };
    for link in args.iter().filter(|a| a.starts_with(threadline_engine::bcc::VERIFY_LINK)) {
        let (engine, link) = (Arc::clone(&engine), link.clone());
        tauri::async_runtime::spawn(async move {
            if let Err(e) = engine.bcc().open_verify_link(&link).await {
                tracing::warn!(error = %e, "a confirmation link could not be used");
            }
        });
    }
}

/// Makes this executable the handler of `threadline:` links for the user.
/// Linux: a desktop entry in the user's applications folder (its Exec
/// unquoted: Debian 12's xdg-utils ignores a quoted one) made the default
/// for `x-scheme-handler/threadline` with xdg-mime. The scheme is the app's
/// own, so claiming it asks nobody. Done once per place the app runs
/// from. Elsewhere the installer declares it.
pub fn register_scheme() {
    #[cfg(target_os = "linux")]
    if let Err(e) = register_on_linux() {
        tracing::warn!(error = %e, "threadline: links will not open the app");
    }
}

#[cfg(target_os = "linux")]
fn register_on_linux() -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    let data = match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => std::path::PathBuf::from(dir),
        _ => std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".local/share"),
    };
    let apps = data.join("applications");
    std::fs::create_dir_all(&apps)?;
    let exe = exe.to_string_lossy();
    let exec = if exe.contains(char::is_whitespace) { format!("\"{exe}\"") } else { exe.into_owned() };
    let name = "app.threadline.links.desktop";
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=Threadline\nExec={exec} %u\nNoDisplay=true\n\
         MimeType=x-scheme-handler/{SCHEME};\n"
    );
    let path = apps.join(name);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(entry.as_str()) {
        // Registered at an earlier start, from this same place.
        return Ok(());
    }
    std::fs::write(&path, entry)?;
    let status = std::process::Command::new("xdg-mime")
        .args(["default", name, &format!("x-scheme-handler/{SCHEME}")])
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!("xdg-mime ended with {status}")));
    }
    Ok(())
}
