//! The app's own preferences (as opposed to an account's): kept in the
//! store so that the shell, the window and the CLI read the same choice.

use serde::{Deserialize, Serialize};

/// What an email address or `mailto:` link clicked in the app opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum EmailLinks {
    /// Threadline's composer.
    #[default]
    Threadline,
    /// The system's default email app (which may be Threadline too).
    System,
}

/// The preferences of the app as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
pub struct AppPreferences {
    pub email_links: EmailLinks,
    /// Closing the window keeps the app running in the tray.
    pub close_to_tray: bool,
}
