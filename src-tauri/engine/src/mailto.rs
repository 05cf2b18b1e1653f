//! `mailto:` links (RFC 6068): what a link clicked in any program, or in a
//! mail body, asks the composer to start with. The one parser of the app,
//! the CLI and the tests; the shell only hands links over.
//!
//! Only the fields a person sees in the composer are taken: the addresses
//! (in the path and in `to`, `cc`, `bcc`), the subject and the body. Every
//! other field is ignored, so a link can never attach a file by its path,
//! set the sender or add a header the user does not see.

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

/// What a `mailto:` link fills in, for a new message in the composer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MailtoLink {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    /// Line breaks as `\n`, whatever the link used.
    pub body: String,
}

/// Why a link cannot be read, for the window to word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MailtoFault {
    /// It is not a `mailto:` link.
    NotMailto,
    /// A `%` is not followed by two hexadecimal digits.
    BadEscape,
    /// Its escaped bytes are not UTF-8 text.
    NotUtf8,
}

/// Reads a `mailto:` link. Addresses are kept as written (the composer
/// checks them as it checks typed ones), without duplicates; of a
/// subject or body given twice, the first counts.
pub fn parse(link: &str) -> Result<MailtoLink, MailtoFault> {
    let link = link.trim();
    let rest = link
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
        .map(|_| &link[7..])
        .ok_or(MailtoFault::NotMailto)?;
    // A fragment is not part of the message (a `#` in a field is escaped).
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));

    let mut out = MailtoLink::default();
    let (mut subject, mut body) = (None, None);
    add_addresses(&mut out.to, &decode(path)?);
    for field in query.split('&').filter(|f| !f.is_empty()) {
        let (name, value) = field.split_once('=').unwrap_or((field, ""));
        let value = decode(value)?;
        match decode(name)?.to_ascii_lowercase().as_str() {
            "to" => add_addresses(&mut out.to, &value),
            "cc" => add_addresses(&mut out.cc, &value),
            "bcc" => add_addresses(&mut out.bcc, &value),
            "subject" => {
                subject.get_or_insert(value);
            }
            "body" => {
                body.get_or_insert(value);
            }
            _ => {}
        }
    }
    out.subject = one_line(&subject.unwrap_or_default());
    out.body = body.unwrap_or_default().replace("\r\n", "\n").replace('\r', "\n");
    Ok(out)
}

/// Percent-decodes a part of the link into text. A `+` stays a `+` (RFC
/// 6068 §5: it is no space there, and addresses use it).
fn decode(part: &str) -> Result<String, MailtoFault> {
    let bytes = part.as_bytes();
    for (at, _) in part.match_indices('%') {
        let escaped = bytes.get(at + 1..at + 3).ok_or(MailtoFault::BadEscape)?;
        if !escaped.iter().all(u8::is_ascii_hexdigit) {
            return Err(MailtoFault::BadEscape);
        }
    }
    percent_decode_str(part).decode_utf8().map(|text| text.into_owned()).map_err(|_| MailtoFault::NotUtf8)
}

/// Adds the comma-separated addresses of `list` that `to` does not hold
/// yet. Line breaks and other control characters are dropped, so that an
/// address cannot carry a header of its own.
fn add_addresses(to: &mut Vec<String>, list: &str) {
    for address in list.split(',') {
        let address = one_line(address);
        if !address.is_empty() && !to.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
            to.push(address);
        }
    }
}

/// `text` on one line: control characters become spaces, runs of spaces
/// one, and the ends are trimmed.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
