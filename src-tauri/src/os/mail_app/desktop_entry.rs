//! Linux desktop entries, as data: the one Threadline writes for the links
//! it handles, and reading an entry's program and link types to tell
//! whether it is Threadline's.

use std::path::{Path, PathBuf};

/// Threadline's own entry in the user's applications folder, written by
/// the app for its own scheme and for `mailto:` (hidden from menus: the
/// installed app has its own).
pub const OWN_ENTRY: &str = "app.threadline.links.desktop";

/// The link types Threadline's entries declare.
pub const MAILTO: &str = "x-scheme-handler/mailto";
pub const THREADLINE: &str = "x-scheme-handler/threadline";

/// The text of [`OWN_ENTRY`] for the executable at `exe`. Its Exec is not
/// quoted unless it must be: Debian 12's xdg-utils ignores a quoted one.
pub fn own_entry(exe: &str) -> String {
    let exec = if exe.contains(char::is_whitespace) { format!("\"{exe}\"") } else { exe.to_owned() };
    format!(
        "[Desktop Entry]\nType=Application\nName=Threadline\nExec={exec} %u\nNoDisplay=true\n\
         MimeType={THREADLINE};{MAILTO};\n"
    )
}

/// The value of `key` in the entry's `[Desktop Entry]` group.
fn value<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    let mut in_group = false;
    for line in entry.lines().map(str::trim) {
        if line.starts_with('[') {
            in_group = line == "[Desktop Entry]";
        } else if in_group
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim());
        }
    }
    None
}

/// Whether the entry declares the link type `mime`.
pub fn declares(entry: &str, mime: &str) -> bool {
    value(entry, "MimeType").is_some_and(|types| types.split(';').any(|t| t.trim() == mime))
}

/// The program an entry runs: the first word of its Exec, unquoted.
pub fn program(entry: &str) -> Option<String> {
    let exec = value(entry, "Exec")?;
    let program = match exec.strip_prefix('"') {
        Some(quoted) => quoted.split_once('"')?.0.to_owned(),
        None => exec.split_whitespace().next()?.to_owned(),
    };
    (!program.is_empty()).then_some(program)
}

/// Whether the entry runs the executable at `exe`: its program is that
/// path, or a bare name found first in `path` (the PATH's folders) that
/// is. Paths are compared as the system resolves them.
pub fn runs(entry: &str, exe: &Path, path: &[PathBuf]) -> bool {
    let Some(program) = program(entry) else {
        return false;
    };
    let same = |candidate: &Path| match (candidate.canonicalize(), exe.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => candidate == exe,
    };
    let program = Path::new(&program);
    if program.is_absolute() {
        return same(program);
    }
    if program.components().count() != 1 {
        return false;
    }
    path.iter().map(|dir| dir.join(program)).find(|p| p.is_file()).is_some_and(|p| same(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_entry_declares_both_link_types_and_runs_this_program() {
        let entry = own_entry("/opt/threadline/bin/threadline");
        assert!(declares(&entry, MAILTO) && declares(&entry, THREADLINE));
        assert!(entry.contains("\nExec=/opt/threadline/bin/threadline %u\n"), "unquoted: {entry}");
        assert_eq!(program(&entry).as_deref(), Some("/opt/threadline/bin/threadline"));
        let spaced = own_entry("/home/ann/My Apps/threadline");
        assert!(spaced.contains("Exec=\"/home/ann/My Apps/threadline\" %u"), "{spaced}");
        assert_eq!(program(&spaced).as_deref(), Some("/home/ann/My Apps/threadline"));
    }

    #[test]
    fn an_installed_entry_is_read_by_its_group_and_keys() {
        let installed = "[Desktop Entry]\nName=Threadline\nExec=threadline %u\n\
                         MimeType=x-scheme-handler/threadline;x-scheme-handler/mailto;\n\
                         [Desktop Action compose]\nExec=other\nMimeType=text/plain;\n";
        assert!(declares(installed, MAILTO));
        assert!(!declares(installed, "text/plain"), "an action's keys are not the entry's");
        assert_eq!(program(installed).as_deref(), Some("threadline"));
        assert!(!declares("[Desktop Entry]\nMimeType=x-scheme-handler/mailtox;\n", MAILTO));
        assert_eq!(program("[Desktop Entry]\nName=x\n"), None);
    }

    #[test]
    fn an_entry_runs_this_program_by_path_or_through_the_path_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        let exe = bin.join("threadline");
        std::fs::write(&exe, b"").expect("exe");
        let other = dir.path().join("other");
        std::fs::create_dir_all(&other).expect("other");
        std::fs::write(other.join("threadline"), b"").expect("other exe");
        let by_path = format!("[Desktop Entry]\nExec={} %u\n", exe.display());
        assert!(runs(&by_path, &exe, &[]));
        let by_name = "[Desktop Entry]\nExec=threadline %u\n";
        assert!(runs(by_name, &exe, std::slice::from_ref(&bin)));
        assert!(!runs(by_name, &exe, &[other, bin.clone()]), "the first found is what runs");
        assert!(!runs(by_name, &exe, &[]));
        assert!(!runs("[Desktop Entry]\nExec=thunderbird %u\n", &exe, std::slice::from_ref(&bin)));
        assert!(!runs("[Desktop Entry]\nExec=bin/threadline %u\n", &exe, &[dir.path().to_owned()]));
    }
}
