//! Making Threadline the `mailto:` handler on Linux with xdg-utils: an
//! installed entry that runs this program (the package's) is made the
//! default, else Threadline's own entry in the user's applications folder.

use std::path::PathBuf;
use std::process::Command;

use super::desktop_entry::{self, MAILTO, OWN_ENTRY, THREADLINE};

/// The applications folders, the user's first (XDG base directories).
fn application_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let user = match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => home.join(".local/share"),
    };
    let system = match std::env::var("XDG_DATA_DIRS") {
        Ok(dirs) if !dirs.is_empty() => dirs.split(':').map(PathBuf::from).collect(),
        _ => vec![PathBuf::from("/usr/local/share"), PathBuf::from("/usr/share")],
    };
    std::iter::once(user).chain(system).map(|d| d.join("applications")).collect()
}

fn path_dirs() -> Vec<PathBuf> {
    std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default()
}

/// Whether the entry named `name` in the applications folders runs us.
fn entry_runs_us(name: &str, exe: &std::path::Path) -> bool {
    application_dirs()
        .iter()
        .find_map(|dir| std::fs::read_to_string(dir.join(name)).ok())
        .is_some_and(|entry| desktop_entry::runs(&entry, exe, &path_dirs()))
}

fn xdg_mime(args: &[&str]) -> Result<String, String> {
    let out = Command::new("xdg-mime").args(args).output().map_err(|e| format!("xdg-mime: {e}"))?;
    if !out.status.success() {
        return Err(format!("xdg-mime {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Whether xdg-utils opens `mailto:` links with this program.
pub fn is_default() -> Result<bool, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let name = xdg_mime(&["query", "default", MAILTO])?;
    Ok(!name.is_empty() && entry_runs_us(&name, &exe))
}

/// Makes an entry that runs this program the default for `mailto:`.
pub fn make_default() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let installed = application_dirs().iter().find_map(|dir| {
        let names = std::fs::read_dir(dir).ok()?;
        names.flatten().find_map(|file| {
            let name = file.file_name().to_string_lossy().into_owned();
            let entry = std::fs::read_to_string(file.path()).ok()?;
            (name.ends_with(".desktop")
                && desktop_entry::declares(&entry, MAILTO)
                && desktop_entry::runs(&entry, &exe, &path_dirs()))
            .then_some(name)
        })
    });
    let name = match installed {
        Some(name) => name,
        None => {
            write_own_entry(&exe)?;
            OWN_ENTRY.to_owned()
        }
    };
    xdg_mime(&["default", &name, MAILTO])?;
    tracing::info!(entry = %name, "made the default email app");
    Ok(())
}

/// Writes Threadline's own entry (unless it is there as it would be
/// written); true when it was written.
fn write_own_entry(exe: &std::path::Path) -> Result<bool, String> {
    let apps = application_dirs().into_iter().next().unwrap_or_default();
    std::fs::create_dir_all(&apps).map_err(|e| format!("{}: {e}", apps.display()))?;
    let entry = desktop_entry::own_entry(&exe.to_string_lossy());
    let path = apps.join(OWN_ENTRY);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(entry.as_str()) {
        return Ok(false);
    }
    std::fs::write(&path, entry).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}

/// Makes this program the handler of `threadline:` links (the app's own
/// scheme: claiming it asks nobody). Done once per place the app runs
/// from.
pub fn register_own_scheme() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    if write_own_entry(&exe)? {
        xdg_mime(&["default", OWN_ENTRY, THREADLINE])?;
    }
    Ok(())
}
