//! Smart BCC (F-BCC): the addresses that capture copies of mail sent from
//! any client, and recognising a copy by the address it was delivered to.
//! The address is a sub-address of a mailbox Threadline syncs,
//! `local+tl-<token>@domain`, so capturing needs no server of our own.

pub mod capture;
mod service;

use mail_parser::{HeaderName, HeaderValue, MessageParser};
use subtle::ConstantTimeEq;

use crate::address::mailbox;
use crate::crm::RecordKind;
use crate::error::{Error, Result};
use crate::ids::RecordId;

pub use service::{Bcc, BccAddress, Confirmation, VERIFY_LINK, parse_verify_link, verify_link};

/// Whose Smart BCC address a token makes: the user's own, or a deal's,
/// lead's or project's (a copy sent there is linked to that record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    User,
    Deal(RecordId),
    Lead(RecordId),
    Project(RecordId),
}

impl Target {
    /// The record's kind and id (None for the user).
    pub fn record(self) -> Option<(RecordKind, RecordId)> {
        match self {
            Target::User => None,
            Target::Deal(id) => Some((RecordKind::Deal, id)),
            Target::Lead(id) => Some((RecordKind::Lead, id)),
            Target::Project(id) => Some((RecordKind::Project, id)),
        }
    }
}

/// What marks a sub-address as a Smart BCC address.
pub const TAG: &str = "tl-";

/// Random bytes in a token: 128 bits, more than anyone can guess.
const TOKEN_BYTES: usize = 16;
/// Their length in lower-case base32 without padding.
const TOKEN_CHARS: usize = 26;

/// The secret part of a Smart BCC address: 128 random bits in lower-case
/// base32 (safe in any mailbox's local part, and case does not matter).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A new random token from the OS's generator.
    pub fn generate() -> Result<Token> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| Error::Protocol(format!("no randomness from the OS: {e}")))?;
        Ok(Token(data_encoding::BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()))
    }

    /// A token as text (from the store, or an address), if it is one.
    pub fn parse(text: &str) -> Option<Token> {
        let text = text.to_ascii_lowercase();
        let well_formed = text.len() == TOKEN_CHARS && text.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'));
        well_formed.then_some(Token(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in constant time: how long the comparison takes says
    /// nothing about how much of a guessed token was right.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.to_ascii_lowercase().as_bytes()).into()
    }
}

impl std::fmt::Debug for Token {
    // A token is a secret: logs show that there is one, not what it is.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

/// The Smart BCC address of `token` on the mailbox `email`.
pub fn address(email: &str, token: &Token) -> Option<String> {
    let (base, domain) = mailbox(email)?;
    Some(format!("{base}+{TAG}{}@{domain}", token.as_str()))
}

/// The token text a copy delivered to the mailbox `email` was sent to, if
/// it went to a Smart BCC address of that mailbox. The addresses the
/// receiving server recorded come first (Delivered-To, X-Original-To,
/// Envelope-To): a Bcc copy names its address nowhere else. To and Cc
/// follow, for mail forwarded to the address. The text is not checked
/// against any known token here (see [`find`]).
pub fn token_in(raw: &[u8], email: &str) -> Option<String> {
    token_in_headers(&MessageParser::new().parse_headers(raw)?, email)
}

/// [`token_in`] for a message whose headers are parsed already.
pub fn token_in_headers(message: &mail_parser::Message<'_>, email: &str) -> Option<String> {
    let (base, domain) = mailbox(email)?;
    let prefix = format!("{}+{TAG}", base.to_ascii_lowercase());
    delivery_addresses(message).into_iter().find_map(|address| {
        let (at_local, at_domain) = address.rsplit_once('@')?;
        if !at_domain.eq_ignore_ascii_case(domain) {
            return None;
        }
        let local = at_local.to_ascii_lowercase();
        local.strip_prefix(&prefix).map(str::to_owned)
    })
}

/// The known token a copy's token text is, comparing with every one of
/// them in constant time (no early exit: the time says nothing either).
pub fn find<'a, T>(candidate: &str, known: &'a [(Token, T)]) -> Option<&'a (Token, T)> {
    let mut found = None;
    for entry in known {
        if entry.0.matches(candidate) && found.is_none() {
            found = Some(entry);
        }
    }
    found
}

/// Every address a message was delivered or addressed to, those the
/// receiving server recorded first.
fn delivery_addresses(message: &mail_parser::Message<'_>) -> Vec<String> {
    let mut delivered = Vec::new();
    let mut addressed = Vec::new();
    for header in message.headers() {
        let into = match &header.name {
            HeaderName::DeliveredTo => &mut delivered,
            HeaderName::Other(name)
                if name.eq_ignore_ascii_case("X-Original-To") || name.eq_ignore_ascii_case("Envelope-To") =>
            {
                &mut delivered
            }
            HeaderName::To | HeaderName::Cc => &mut addressed,
            _ => continue,
        };
        match &header.value {
            HeaderValue::Text(text) => into.push(text.to_string()),
            HeaderValue::TextList(list) => into.extend(list.iter().map(|t| t.to_string())),
            HeaderValue::Address(address) => {
                into.extend(address.iter().filter_map(|a| a.address.as_deref().map(str::to_owned)))
            }
            _ => {}
        }
    }
    delivered.extend(addressed);
    delivered.into_iter().map(|a| a.trim().trim_matches(['<', '>']).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_lower_case_base32_of_128_bits() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 26);
        assert!(Token::parse(a.as_str()).is_some());
        assert!(Token::parse(&a.as_str().to_uppercase()).is_some(), "case does not matter in a local part");
        assert!(Token::parse("short").is_none());
        assert!(Token::parse(&"1".repeat(26)).is_none(), "1 is not base32");
        assert_eq!(format!("{a:?}"), "Token(…)");
    }

    #[test]
    fn the_address_is_a_sub_address_of_the_mailbox() {
        let t = Token::parse("abcdefghijklmnopqrstuvwxyz").unwrap();
        assert_eq!(address("ann@example.com", &t).as_deref(), Some("ann+tl-abcdefghijklmnopqrstuvwxyz@example.com"));
        assert_eq!(
            address("ann+sales@example.com", &t).as_deref(),
            Some("ann+tl-abcdefghijklmnopqrstuvwxyz@example.com")
        );
        assert_eq!(address("not an address", &t), None);
    }

    #[test]
    fn a_copy_is_known_by_the_address_it_was_delivered_to_first() {
        let raw = b"Delivered-To: ann+tl-abcdefghijklmnopqrstuvwxyz@example.com\r\n\
            From: Ann <ann@example.com>\r\nTo: Bob <bob@customer.example>\r\n\
            Cc: ann+tl-zzzzzzzzzzzzzzzzzzzzzzzzzz@example.com\r\nSubject: Offer\r\n\r\nHi\r\n";
        assert_eq!(token_in(raw, "ann@example.com").as_deref(), Some("abcdefghijklmnopqrstuvwxyz"));
        assert_eq!(token_in(raw, "ann@other.example"), None, "another domain's mailbox");
        let forwarded =
            b"From: Ann <ann@example.com>\r\nTo: ANN+TL-ABCDEFGHIJKLMNOPQRSTUVWXYZ@Example.com\r\n\r\nFwd\r\n";
        assert_eq!(token_in(forwarded, "ann@example.com").as_deref(), Some("abcdefghijklmnopqrstuvwxyz"));
        assert_eq!(token_in(b"To: ann@example.com\r\n\r\nplain\r\n", "ann@example.com"), None);
    }

    #[test]
    fn only_a_known_token_is_found() {
        let known = [(Token::generate().unwrap(), "user"), (Token::generate().unwrap(), "deal 7")];
        let second = known[1].0.as_str().to_owned();
        assert_eq!(find(&second, &known).map(|e| e.1), Some("deal 7"));
        assert_eq!(find(&second.to_uppercase(), &known).map(|e| e.1), Some("deal 7"));
        assert!(find("abcdefghijklmnopqrstuvwxyz", &known).is_none());
        assert!(find("", &known).is_none());
    }
}
