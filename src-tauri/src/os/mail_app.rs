//! Threadline as the system's email app: whether it is the handler of
//! `mailto:` links, and making it so the way each system allows. Linux: a
//! desktop entry declaring `x-scheme-handler/mailto`, made the default with
//! `xdg-mime`. Windows: the app registers as a mail client for the user
//! (Clients\Mail, its Capabilities, RegisteredApplications) and opens the
//! Default apps page, since only the user may choose there. macOS: the
//! bundle declares the scheme and `LSSetDefaultHandlerForURLScheme` sets it.
//! What is written where is plain data ([`desktop_entry`], [`registry`]),
//! tested on every system; only the writing is per system.

pub mod desktop_entry;
// Written on Windows only; its tests run everywhere.
#[cfg_attr(not(windows), allow(dead_code))]
pub mod registry;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(windows)]
mod windows;

use serde::Serialize;

/// Where Threadline stands as the system's email app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct MailAppStatus {
    /// `mailto:` links clicked in other programs open Threadline.
    pub is_default: bool,
    /// How "Make Threadline the default" works here.
    pub how: MakeDefault,
}

/// How the system lets an app become its email app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MakeDefault {
    /// The app sets itself (Linux, macOS).
    Direct,
    /// The system's settings open and the user picks Threadline (Windows).
    #[cfg_attr(not(windows), allow(dead_code))]
    SystemSettings,
    /// Not on this system.
    Unsupported,
}

/// Makes this program the handler of Threadline's own links.
#[cfg(target_os = "linux")]
pub use linux::register_own_scheme;

/// Threadline's standing as the email app; an error says why it cannot be
/// told.
pub fn status() -> Result<MailAppStatus, String> {
    #[cfg(target_os = "linux")]
    return Ok(MailAppStatus { is_default: linux::is_default()?, how: MakeDefault::Direct });
    #[cfg(target_os = "macos")]
    return Ok(MailAppStatus { is_default: macos::is_default(), how: MakeDefault::Direct });
    #[cfg(windows)]
    return Ok(MailAppStatus { is_default: windows::is_default(), how: MakeDefault::SystemSettings });
    #[allow(unreachable_code)]
    Ok(MailAppStatus { is_default: false, how: MakeDefault::Unsupported })
}

/// Makes Threadline the email app, or on Windows registers it and opens
/// the settings page where the user chooses it.
pub fn make_default() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    return linux::make_default();
    #[cfg(target_os = "macos")]
    return macos::make_default();
    #[cfg(windows)]
    return windows::make_default();
    #[allow(unreachable_code)]
    Err("this system has no default email app setting".into())
}
