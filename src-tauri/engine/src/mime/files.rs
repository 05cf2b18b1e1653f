//! A received message's files, taken out to disk: to open them with the
//! system's app, or saved where the user keeps downloads.
//!
//! A file's name comes from the sender, so it is made safe before it names
//! anything on disk: no path (a name like `../../.bashrc` stays in its
//! folder), no control or direction-override characters (`cod.exe` shown
//! as `exe.doc`), none of Windows' reserved names or characters, no
//! leading dots, and a length every file system takes. A file already
//! there is never replaced unless the user said so.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::problem::Problem;

/// Longest name written, in bytes (file systems allow 255).
const MAX_NAME: usize = 200;

/// What a sender's name for a file becomes on disk (`fallback` when
/// nothing of it is left).
pub fn safe_name(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '<' | '>' | '"' | '|' | '?' | '*' => '_',
            c if c.is_control() || is_direction_mark(c) => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace() || c == '_');
    let mut name = if trimmed.is_empty() { fallback.to_owned() } else { trimmed.to_owned() };
    let stem = name.split('.').next().unwrap_or_default().to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.ends_with(|c: char| c.is_ascii_digit()));
    if reserved {
        name.insert(0, '_');
    }
    shorten(name)
}

/// Characters that reorder the text around them: a name must read as it
/// is stored.
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Cuts a long name to `MAX_NAME` bytes, keeping its extension.
fn shorten(name: String) -> String {
    if name.len() <= MAX_NAME {
        return name;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 => name.split_at(dot),
        _ => (name.as_str(), ""),
    };
    let mut cut = MAX_NAME - ext.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", stem.get(..cut).unwrap_or_default())
}

/// What to do when the file is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Existing {
    /// Do not write: the user is asked first (`Problem::FileExists`).
    Ask,
    /// Replace it (the user said so).
    Replace,
    /// Write beside it as "name (2).ext".
    KeepBoth,
}

/// Writes `bytes` as `name` (made safe) in `dir`; returns the path written.
pub fn save(dir: &Path, name: &str, bytes: &[u8], existing: Existing) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = safe_name(name, "attachment");
    let mut path = dir.join(&name);
    if path.exists() {
        match existing {
            Existing::Ask => return Err(Error::Invalid(Problem::FileExists { name })),
            Existing::Replace => {}
            Existing::KeepBoth => path = free_path(dir, &name),
        }
    }
    // Written beside, then moved into place: no half file under its name.
    let partial = dir.join(format!(".{name}.part"));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// "name (2).ext", "name (3).ext" … whichever is free first.
fn free_path(dir: &Path, name: &str) -> PathBuf {
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    };
    (2..).map(|n| dir.join(format!("{stem} ({n}){ext}"))).find(|p| !p.exists()).unwrap_or_else(|| dir.join(name))
}

/// The decoded contents of a message's `position`th file (as the store
/// lists them), with its name.
pub fn attachment(raw: &[u8], position: usize) -> Option<(String, Vec<u8>)> {
    let message = mail_parser::MessageParser::default().parse(raw)?;
    let part = message.attachments().nth(position)?;
    let name = mail_parser::MimeHeaders::attachment_name(part).unwrap_or_default().to_owned();
    Some((name, part.contents().to_vec()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_from_senders_are_made_safe() {
        let cases = [
            ("offer.pdf", "offer.pdf"),
            ("../../.bashrc", "bashrc"),
            ("C:\\Windows\\evil.exe", "C__Windows_evil.exe"),
            ("report\u{202E}fdp.exe", "report_fdp.exe"),
            ("line\nbreak\t.txt", "line_break_.txt"),
            ("  .hidden  ", "hidden"),
            ("CON.txt", "_CON.txt"),
            ("com1", "_com1"),
            ("computer.txt", "computer.txt"),
            ("what?*<>|\".doc", "what______.doc"),
            ("", "attachment"),
            ("...", "attachment"),
            ("見積書.pdf", "見積書.pdf"),
        ];
        for (given, want) in cases {
            assert_eq!(safe_name(given, "attachment"), want, "{given:?}");
        }
        let long = format!("{}.pdf", "á".repeat(300));
        let short = safe_name(&long, "attachment");
        assert!(short.len() <= MAX_NAME && short.ends_with(".pdf"), "{short}");
    }

    #[test]
    fn a_file_there_is_replaced_only_when_the_user_said_so() {
        let dir = tempfile::tempdir().unwrap();
        let first = save(dir.path(), "offer.pdf", b"one", Existing::Ask).unwrap();
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        match save(dir.path(), "offer.pdf", b"two", Existing::Ask) {
            Err(Error::Invalid(Problem::FileExists { name })) => assert_eq!(name, "offer.pdf"),
            other => panic!("asked first, not {other:?}"),
        }
        assert_eq!(std::fs::read(&first).unwrap(), b"one", "untouched");
        let both = save(dir.path(), "offer.pdf", b"two", Existing::KeepBoth).unwrap();
        assert_eq!(both.file_name().unwrap(), "offer (2).pdf");
        save(dir.path(), "offer.pdf", b"three", Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&first).unwrap(), b"three");
        let escaped = save(dir.path(), "../outside.txt", b"x", Existing::Ask).unwrap();
        assert_eq!(escaped.parent().unwrap(), dir.path());
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert!(!names.iter().any(|n| n.ends_with(".part")), "{names:?}");
    }
}
