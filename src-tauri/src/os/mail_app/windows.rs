//! Registering Threadline as a mail client on Windows (see `registry`).

use super::registry;

/// Whether the user chose Threadline for `mailto:`.
pub fn is_default() -> bool {
    let choice = windows_registry::CURRENT_USER.open(registry::USER_CHOICE).and_then(|key| key.get_string("ProgId"));
    registry::is_ours(choice.ok().as_deref())
}

/// Registers Threadline for the user, then opens the Default apps page.
pub fn make_default() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    for value in registry::registration(&exe.to_string_lossy()) {
        windows_registry::CURRENT_USER
            .create(&value.key)
            .and_then(|key| key.set_string(value.name, &value.data))
            .map_err(|e| format!(r"HKCU\{}: {e}", value.key))?;
    }
    tauri_plugin_opener::open_url(registry::SETTINGS_PAGE, None::<&str>)
        .or_else(|_| tauri_plugin_opener::open_url("ms-settings:defaultapps", None::<&str>))
        .map_err(|e| e.to_string())
}
