//! Turns raw RFC 5322 bytes into the owned facts the store keeps.
//!
//! Bad mail degrades, it never fails: whatever mail-parser cannot make sense
//! of becomes empty fields plus a `problem` note, and the raw source is kept
//! by the store so a better parser can look again later.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub(crate) mod css;
pub mod files;
pub mod html;

use std::borrow::Cow;

use mail_parser::{Address, HeaderName, HeaderValue, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::search::segment;

/// Longest plain text kept for search and previews of one message.
const MAX_INDEXED_TEXT: usize = 256 * 1024;
/// Length of the preview line shown in lists.
const SNIPPET_CHARS: usize = 180;

/// Parses only the headers `parse` reads and skips the others unparsed:
/// in real mail those are most of the header (Received lines, which the
/// default parser takes apart field by field, DKIM and ARC signatures).
static HEADERS_WE_READ: std::sync::LazyLock<MessageParser> = std::sync::LazyLock::new(|| {
    MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .with_message_ids()
        .header_text(HeaderName::Subject)
        .default_header_ignore()
});

/// One address as it appeared in a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAddress {
    pub name: String,
    /// Normalized: see [`normalize_address`].
    pub address: String,
}

/// Which header an address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRole {
    From,
    Sender,
    ReplyTo,
    To,
    Cc,
    Bcc,
}

impl AddressRole {
    /// The name used in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressRole::From => "from",
            AddressRole::Sender => "sender",
            AddressRole::ReplyTo => "reply_to",
            AddressRole::To => "to",
            AddressRole::Cc => "cc",
            AddressRole::Bcc => "bcc",
        }
    }
}

/// An attachment as listed to the user (the bytes stay in the raw source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub filename: String,
    pub content_type: String,
    pub size: usize,
    pub content_id: Option<String>,
    pub is_inline: bool,
}

/// Everything the store needs to know about one message.
#[derive(Debug, Clone)]
pub struct ParsedMessage {
    /// The key the message is stored and found again under: see
    /// [`content_key`].
    pub content_hash: [u8; 32],
    /// The whole [`content_hash`] of the source, the key of messages
    /// stored before keys began with the day (migration 0034).
    pub source_hash: [u8; 32],
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub date: Option<i64>,
    pub subject: String,
    pub addresses: Vec<(AddressRole, ParsedAddress)>,
    /// The body's text as the search index takes it (see
    /// [`crate::search::segment::for_index`]).
    pub search_text: String,
    /// The words of subject and body written with diacritics, once each,
    /// for the index of exact forms.
    pub exact_words: String,
    pub snippet: String,
    pub attachments: Vec<AttachmentMeta>,
    pub size: usize,
    pub problem: Option<String>,
}

impl ParsedMessage {
    /// Addresses of one role, in header order.
    pub fn addresses_of(&self, role: AddressRole) -> impl Iterator<Item = &ParsedAddress> {
        self.addresses.iter().filter(move |(r, _)| *r == role).map(|(_, a)| a)
    }

    /// Every Message-ID this message names (its own first): the keys that
    /// place it in a conversation.
    pub fn thread_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        let all = self.message_id.iter().chain(self.references.iter()).chain(self.in_reply_to.iter());
        for k in all {
            if !k.is_empty() && !keys.contains(&k.as_str()) {
                keys.push(k.as_str());
            }
        }
        keys
    }
}

/// The one spelling of an address that lookups match on (see
/// [`crate::address`]).
pub fn normalize_address(raw: &str) -> String {
    crate::address::normalize(raw)
}

/// Strips spaces and angle brackets from a Message-ID.
fn normalize_msgid(raw: &str) -> Option<String> {
    let id = raw.trim().trim_start_matches('<').trim_end_matches('>').trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// Header fields in which mbox servers (GNU imap4d, UW-IMAP) keep their own
/// bookkeeping and show it in the message: the same message has other
/// values in each folder it is copied to.
const MBOX_BOOKKEEPING: &[&[u8]] = &[b"x-uid:", b"x-imapbase:", b"x-imap:", b"status:", b"x-status:", b"x-keywords:"];

/// SHA-256 of the raw source: the message's stable identity, the same in
/// every folder. An mbox server's bookkeeping fields are left out of it;
/// a source without them (nearly all) is hashed as it is.
pub fn content_hash(raw: &[u8]) -> [u8; 32] {
    let is_bookkeeping = |line: &[u8]| {
        MBOX_BOOKKEEPING.iter().any(|name| line.get(..name.len()).is_some_and(|head| head.eq_ignore_ascii_case(name)))
    };
    let mut header_len = 0;
    let mut bookkept = false;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if line == b"\n" || line == b"\r\n" {
            break;
        }
        bookkept |= is_bookkeeping(line);
        header_len += line.len();
    }
    if !bookkept {
        return Sha256::digest(raw).into();
    }
    let (header, rest) = raw.split_at(header_len.min(raw.len()));
    let mut hasher = Sha256::new();
    let mut skipping = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        // A folded line belongs to the field above it.
        if !line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            skipping = is_bookkeeping(line);
        }
        if !skipping {
            hasher.update(line);
        }
    }
    hasher.update(rest);
    hasher.finalize().into()
}

/// The message's identity in the store: the day of its Date header (0
/// without one), then its [`content_hash`] cut to 28 bytes. Both come from
/// the source alone, so the key is the same in every folder. The day
/// first keeps a sync's inserts together in the index that finds a
/// message again, as mail arrives about in date order: keyed by the hash
/// alone, each batch of an initial sync rewrote that whole index, and a
/// million-message sync wrote 8 GB more for it.
pub fn content_key(source_hash: &[u8; 32], date: Option<i64>) -> [u8; 32] {
    let day = date.map_or(0, |d| u32::try_from(d.div_euclid(86_400)).unwrap_or(0));
    let mut key = [0; 32];
    key[..4].copy_from_slice(&day.to_be_bytes());
    key[4..].copy_from_slice(&source_hash[..28]);
    key
}

/// Parses a raw message. Never fails: see the module comment.
pub fn parse(raw: &[u8]) -> ParsedMessage {
    let source_hash = content_hash(raw);
    let Some(msg) = HEADERS_WE_READ.parse(raw) else {
        return ParsedMessage {
            content_hash: content_key(&source_hash, None),
            source_hash,
            message_id: None,
            in_reply_to: None,
            references: Vec::new(),
            date: None,
            subject: String::new(),
            addresses: Vec::new(),
            search_text: String::new(),
            exact_words: String::new(),
            snippet: String::new(),
            attachments: Vec::new(),
            size: raw.len(),
            problem: Some("the message could not be parsed; its raw source is kept".into()),
        };
    };

    let mut addresses = Vec::new();
    let roles: [(AddressRole, Option<&Address>); 6] = [
        (AddressRole::From, msg.from()),
        (AddressRole::Sender, msg.sender()),
        (AddressRole::ReplyTo, msg.reply_to()),
        (AddressRole::To, msg.to()),
        (AddressRole::Cc, msg.cc()),
        (AddressRole::Bcc, msg.bcc()),
    ];
    for (role, addr) in roles {
        for a in addr.into_iter().flat_map(|a| a.iter()) {
            let Some(address) = a.address() else { continue };
            let address = normalize_address(address);
            if address.is_empty() {
                continue;
            }
            let name = a.name().map(|n| n.trim().to_owned()).unwrap_or_default();
            addresses.push((role, ParsedAddress { name, address }));
        }
    }

    let mut text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    truncate_chars(&mut text, MAX_INDEXED_TEXT);
    let snippet = make_snippet(&text);
    let subject = msg.subject().map(str::trim).unwrap_or_default().to_owned();
    let exact_words = segment::diacritic_words([subject.as_str(), text.as_str()]);
    let search_text = match segment::for_index(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(split) => split,
    };

    let attachments = msg
        .attachments()
        .map(|part| {
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_lowercase();
            let is_inline =
                part.content_disposition().map(|d| d.ctype().eq_ignore_ascii_case("inline")).unwrap_or(false);
            AttachmentMeta {
                filename: part.attachment_name().unwrap_or_default().to_owned(),
                content_type,
                size: part.len(),
                content_id: part.content_id().and_then(normalize_msgid),
                is_inline,
            }
        })
        .collect();

    let date = msg.date().map(|d| d.to_timestamp());
    ParsedMessage {
        content_hash: content_key(&source_hash, date),
        source_hash,
        message_id: msg.message_id().and_then(normalize_msgid),
        in_reply_to: header_ids(msg.in_reply_to()).into_iter().next_back(),
        references: header_ids(msg.references()),
        date,
        subject,
        addresses,
        search_text,
        exact_words,
        snippet,
        attachments,
        size: raw.len(),
        problem: None,
    }
}

/// Message-IDs listed in a header such as References or In-Reply-To.
fn header_ids(value: &HeaderValue) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => normalize_msgid(t).into_iter().collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|t| normalize_msgid(t)).collect(),
        _ => Vec::new(),
    }
}

fn truncate_chars(s: &mut String, max_bytes: usize) {
    if s.len() > max_bytes {
        let mut cut = max_bytes;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// One line of preview text: whitespace folded, quoted lines skipped.
fn make_snippet(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('>')) {
        for word in line.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        if out.chars().count() >= SNIPPET_CHARS {
            break;
        }
    }
    out.chars().take(SNIPPET_CHARS).collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
mod tests;
