//! Capturing the copies sent to Smart BCC addresses: the verify and policy
//! stages of [`crate::ingest`] for them. A copy is recognised by the
//! address it was delivered to, checked (its token, its size, DKIM and
//! SPF, its sender) and then either ingested or held back with a reason,
//! never dropped: a held copy is stored like any email, hidden, and listed
//! in the quarantine.

// Reading what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::sync::atomic::{AtomicBool, Ordering};

use mail_parser::{Address, MessageParser, PartType};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Target, Token, find, token_in_headers};
use crate::address::{is_own, normalize};
use crate::mime::{AddressRole, ParsedAddress, ParsedMessage};
use crate::verify::{Dkim, Envelope, Spf, Verdict, Verifier};

/// Copies larger than this are not ingested (quarantined as too large).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// Why a copy was not ingested, as the quarantine lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum HoldReason {
    /// Its From is neither one of the accounts' addresses nor a confirmed
    /// accepted sender.
    UnverifiedSender,
    /// Both DKIM and SPF failed: forged or altered on the way.
    AuthFailed,
    /// Its token is no live Smart BCC address (retired, or never made).
    UnknownAddress,
    /// Over [`MAX_BYTES`].
    TooLarge,
}

impl HoldReason {
    /// The reason in English words (the CLI's; the window words it in the
    /// user's language).
    pub fn english(self) -> &'static str {
        match self {
            HoldReason::UnverifiedSender => {
                "sent from an address that is not yours and not a confirmed accepted sender"
            }
            HoldReason::AuthFailed => "DKIM and SPF both failed: forged or altered on the way",
            HoldReason::UnknownAddress => "sent to a Smart BCC address that is retired or was never made",
            HoldReason::TooLarge => "larger than 20 MB",
        }
    }
}

/// Where a copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum CaptureState {
    /// Ingested and linked.
    Captured,
    /// DNS did not answer: checked again on a later pass.
    Waiting,
    /// Held back for a [`HoldReason`]; the user may accept it.
    Quarantined,
    /// The user discarded it from the quarantine.
    Discarded,
}

/// A held copy as the quarantine lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type, sqlx::FromRow)]
pub struct HeldCopy {
    pub id: crate::ids::MessageId,
    pub message_id: Option<String>,
    pub from: String,
    pub subject: String,
    /// Unix seconds.
    pub date: i64,
    pub reason: HoldReason,
    pub dkim: Option<Dkim>,
    pub spf: Option<Spf>,
}

/// An accepted sender.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct AcceptedSender {
    pub address: String,
    pub verified: bool,
}

/// What the capture stage made of one copy, stored beside the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub state: CaptureState,
    pub reason: Option<HoldReason>,
    /// The address's owner; None for an unknown or retired token.
    pub target: Option<Target>,
    /// None when not checked (a copy too large, or to an unknown address).
    pub verdict: Option<Verdict>,
    /// The From address, normalized.
    pub sender: String,
    /// SHA-256 of the body: with the Message-ID, what tells the copy of a
    /// message the Sent folder holds too.
    pub body_hash: [u8; 32],
    /// The sender and recipients of a forwarded message, which link the
    /// copy instead of its own (the user who forwarded it).
    pub originals: Vec<(AddressRole, ParsedAddress)>,
}

/// The state and reason of a copy, from what was found out about it. The
/// token comes first (nothing about a copy to no live address is
/// trusted), then the size; a copy whose DKIM and SPF both failed is held
/// whoever it claims to be from; a sender not accepted is held even while
/// DNS does not answer (nothing to wait for).
pub fn decide(
    target: Option<Target>,
    size: usize,
    verdict: Option<Verdict>,
    sender_accepted: bool,
) -> (CaptureState, Option<HoldReason>) {
    let held = |reason| (CaptureState::Quarantined, Some(reason));
    if target.is_none() {
        return held(HoldReason::UnknownAddress);
    }
    if size > MAX_BYTES {
        return held(HoldReason::TooLarge);
    }
    if verdict.is_some_and(|v| v.rejected()) {
        return held(HoldReason::AuthFailed);
    }
    if !sender_accepted {
        return held(HoldReason::UnverifiedSender);
    }
    if verdict.is_some_and(|v| v.temporary()) {
        return (CaptureState::Waiting, None);
    }
    (CaptureState::Captured, None)
}

/// What the capture stage knows of the receiving mailbox, loaded once per
/// folder fetch and shared by the parser threads.
pub struct Rules {
    /// The receiving account's address.
    mailbox: String,
    /// Every token of the mailbox: live ones with their target, retired
    /// ones with None.
    tokens: Vec<(Token, Option<Target>)>,
    /// The accounts' own addresses (normalized).
    own: Vec<String>,
    /// Confirmed accepted senders (normalized).
    senders: Vec<String>,
    /// None when the system's DNS configuration could not be read: every
    /// copy then waits, as for DNS that does not answer.
    verifier: Option<Verifier>,
    runtime: tokio::runtime::Handle,
    /// Whether the folder being fetched receives copies: a Sent or Drafts
    /// folder holds what the user wrote, not what was delivered.
    copies_here: bool,
    /// Set once DNS did not answer in this fetch: the copies after it wait
    /// for a later pass instead of each waiting for DNS's timeout.
    dns_down: AtomicBool,
}

impl Rules {
    pub fn new(
        inputs: crate::store::capture::CaptureInputs,
        folder_role: Option<&str>,
        verifier: Option<Verifier>,
        runtime: tokio::runtime::Handle,
    ) -> Rules {
        let crate::store::capture::CaptureInputs { mailbox, tokens, own, senders } = inputs;
        let copies_here = !matches!(folder_role, Some("sent" | "drafts"));
        Rules { mailbox, tokens, own, senders, verifier, runtime, copies_here, dns_down: AtomicBool::new(false) }
    }

    /// The capture a fetched message is, if it was sent to a Smart BCC
    /// address of the mailbox. Runs on a parser thread: it waits for DNS
    /// (answered from the resolver's cache after the first copy of a
    /// sender) through the runtime. `body_hash` is the message's
    /// [`body_hash`], made once for every message of the mailbox.
    pub fn check(&self, raw: &[u8], parsed: &ParsedMessage, body_hash: [u8; 32]) -> Option<Captured> {
        if !self.copies_here {
            return None;
        }
        // The headers are read once, for the address and the SMTP hop.
        let headers = MessageParser::new().parse_headers(raw)?;
        let text = token_in_headers(&headers, &self.mailbox)?;
        let target = find(&text, &self.tokens).and_then(|(_, target)| *target);
        let sender = parsed.addresses_of(AddressRole::From).next().map(|a| a.address.clone()).unwrap_or_default();
        let verdict = if target.is_none() || raw.len() > MAX_BYTES {
            None
        } else if let Some(verifier) = self.verifier.as_ref().filter(|_| !self.dns_down.load(Ordering::Relaxed)) {
            let verdict = self.runtime.block_on(verifier.verify_delivered(raw, Envelope::received_in(&headers)));
            if verdict.temporary() {
                self.dns_down.store(true, Ordering::Relaxed);
            }
            Some(verdict)
        } else {
            Some(Verdict { dkim: Dkim::TempError, spf: Spf::TempError })
        };
        let (state, reason) = decide(target, raw.len(), verdict, accepts(&self.own, &self.senders, &sender));
        let originals = if self.forwards(parsed) { originals(raw) } else { Vec::new() };
        Some(Captured { state, reason, target, verdict, sender, body_hash, originals })
    }

    /// A copy the user forwarded: addressed to nobody but the user's own
    /// addresses (a forward "with only the Smart BCC address in Bcc", or to
    /// the Smart BCC address itself).
    fn forwards(&self, parsed: &ParsedMessage) -> bool {
        parsed
            .addresses
            .iter()
            .filter(|(role, _)| matches!(role, AddressRole::To | AddressRole::Cc))
            .all(|(_, a)| is_own(&self.own, &a.address))
    }
}

/// Whether a copy's sender (normalized) may use the Smart BCC addresses:
/// one of the user's own addresses, or a confirmed accepted sender.
pub fn accepts(own: &[String], senders: &[String], sender: &str) -> bool {
    is_own(own, sender) || senders.iter().any(|s| s == sender)
}

/// Checks a copy again (one that waited for DNS, or whose sender was
/// confirmed since): its verdict anew, unless it has one that is final.
pub async fn recheck(
    verifier: &Verifier,
    raw: &[u8],
    target: Option<Target>,
    verdict: Option<Verdict>,
    accepted: bool,
) -> (CaptureState, Option<HoldReason>, Option<Verdict>) {
    let verdict = match verdict {
        Some(v) if !v.temporary() => Some(v),
        _ if target.is_none() || raw.len() > MAX_BYTES => None,
        _ => Some(verifier.verify_received(raw).await),
    };
    let (state, reason) = decide(target, raw.len(), verdict, accepted);
    (state, reason, verdict)
}

/// SHA-256 of a message's body (what follows the header's blank line),
/// without the line ends it closes with: SMTP ends the data with one, and
/// a client's copy for its Sent folder may lack it.
pub fn body_hash(raw: &[u8]) -> [u8; 32] {
    let body = find_subslice(raw, b"\r\n\r\n")
        .map(|at| at + 4)
        .or_else(|| find_subslice(raw, b"\n\n").map(|at| at + 2))
        .and_then(|start| raw.get(start..))
        .unwrap_or_default();
    let end = body.iter().rposition(|b| !matches!(b, b'\r' | b'\n')).map_or(0, |at| at + 1);
    Sha256::digest(body.get(..end).unwrap_or_default()).into()
}

fn find_subslice(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The sender and recipients of the message a copy forwards: an attached
/// message (message/rfc822) first, else the header block that Gmail,
/// Outlook, Apple Mail and Thunderbird quote in a forward's text. Empty
/// when neither names a sender.
pub fn originals(raw: &[u8]) -> Vec<(AddressRole, ParsedAddress)> {
    let Some(message) = MessageParser::new().parse(raw) else {
        return Vec::new();
    };
    for part in message.parts.iter() {
        if let PartType::Message(inner) = &part.body {
            let mut found = Vec::new();
            for (role, address) in
                [(AddressRole::From, inner.from()), (AddressRole::To, inner.to()), (AddressRole::Cc, inner.cc())]
            {
                found.extend(addresses(address).into_iter().map(|a| (role, a)));
            }
            if found.iter().any(|(role, _)| *role == AddressRole::From) {
                return found;
            }
        }
    }
    message.body_text(0).map(|text| quoted_block(&text)).unwrap_or_default()
}

fn addresses(address: Option<&Address<'_>>) -> Vec<ParsedAddress> {
    address
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|a| {
            let address = normalize(a.address.as_deref()?);
            (!address.is_empty())
                .then(|| ParsedAddress { name: a.name.as_deref().unwrap_or_default().trim().to_owned(), address })
        })
        .collect()
}

/// Lines that open a quoted forward in the common clients (Gmail,
/// Thunderbird, Apple Mail, Outlook's "Original Message" and its line of
/// underscores), in English and the app's other languages where a client
/// writes them.
fn opens_forward(line: &str) -> bool {
    const MARKERS: &[&str] = &[
        "forwarded message",
        "begin forwarded message",
        "original message",
        "転送メッセージ",
        "転送されたメッセージ",
        "edasi saadetud kiri",
        "전달된 메시지",
        "přeposlaná zpráva",
        "vidarebefordrat meddelande",
        "ursprungligt meddelande",
    ];
    let line = line.trim().to_lowercase();
    line.starts_with("__________") || MARKERS.iter().any(|m| line.contains(m))
}

/// The header field names a quoted forward uses, in the app's languages.
fn quoted_role(name: &str) -> Option<AddressRole> {
    match name.trim().to_lowercase().as_str() {
        "from" | "差出人" | "saatja" | "보낸 사람" | "od" | "från" => Some(AddressRole::From),
        "to" | "宛先" | "saaja" | "받는 사람" | "komu" | "till" => Some(AddressRole::To),
        "cc" | "kópia" | "kopie" | "참조" | "koopia" | "kopia" => Some(AddressRole::Cc),
        _ => None,
    }
}

/// The From, To and Cc of the first quoted forward in a text.
fn quoted_block(text: &str) -> Vec<(AddressRole, ParsedAddress)> {
    let lines: Vec<&str> = text.lines().collect();
    for (at, _) in lines.iter().enumerate().filter(|(_, line)| opens_forward(line)) {
        let mut found = Vec::new();
        let mut in_block = false;
        for line in lines.iter().skip(at + 1).take(30) {
            let line = line.trim().trim_start_matches('>').trim().replace('*', "");
            let Some((name, value)) = line.split_once(':').filter(|(name, _)| !name.trim().is_empty()) else {
                if in_block {
                    break;
                }
                continue;
            };
            in_block = true;
            if let Some(role) = quoted_role(name) {
                found.extend(quoted_addresses(value).into_iter().map(|a| (role, a)));
            }
        }
        if found.iter().any(|(role, _)| *role == AddressRole::From) {
            return found;
        }
    }
    Vec::new()
}

/// An address list as a client quotes it: `Name <a@x>, b@y`, or Outlook's
/// `Name [mailto:a@x]; Other [mailto:b@y]`.
fn quoted_addresses(value: &str) -> Vec<ParsedAddress> {
    let value = value.replace("[mailto:", "<").replace(']', ">").replace(';', ",");
    let header = format!("To: {value}\r\n\r\n");
    MessageParser::new().parse_headers(header.as_bytes()).map(|m| addresses(m.to())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RecordId;

    fn verdict(dkim: Dkim, spf: Spf) -> Option<Verdict> {
        Some(Verdict { dkim, spf })
    }

    #[test]
    fn the_token_then_the_size_then_authentication_then_the_sender_decide() {
        let user = Some(Target::User);
        let pass = verdict(Dkim::Pass, Spf::Pass);
        let q = |r| (CaptureState::Quarantined, Some(r));
        assert_eq!(decide(user, 100, pass, true), (CaptureState::Captured, None));
        assert_eq!(
            decide(Some(Target::Deal(RecordId(3))), 100, verdict(Dkim::None, Spf::None), true).0,
            CaptureState::Captured
        );
        assert_eq!(decide(None, 100, pass, true), q(HoldReason::UnknownAddress));
        assert_eq!(decide(user, MAX_BYTES + 1, None, true), q(HoldReason::TooLarge));
        assert_eq!(decide(user, 100, verdict(Dkim::Fail, Spf::Fail), true), q(HoldReason::AuthFailed));
        assert_eq!(decide(user, 100, verdict(Dkim::Fail, Spf::Fail), false), q(HoldReason::AuthFailed));
        assert_eq!(decide(user, 100, verdict(Dkim::Fail, Spf::Pass), true).0, CaptureState::Captured, "one passes");
        assert_eq!(decide(user, 100, verdict(Dkim::Fail, Spf::SoftFail), true).0, CaptureState::Captured);
        assert_eq!(decide(user, 100, pass, false), q(HoldReason::UnverifiedSender));
        assert_eq!(decide(user, 100, verdict(Dkim::TempError, Spf::Pass), true), (CaptureState::Waiting, None));
        assert_eq!(decide(user, 100, verdict(Dkim::TempError, Spf::Fail), false), q(HoldReason::UnverifiedSender));
    }

    #[test]
    fn the_body_hash_ignores_the_headers() {
        let sent = b"From: a@x\r\nMessage-ID: <1@x>\r\n\r\nHello\r\n";
        let delivered =
            b"Return-Path: <a@x>\r\nDelivered-To: b+tl-q@y\r\nFrom: a@x\r\nMessage-ID: <1@x>\r\n\r\nHello\r\n";
        assert_eq!(body_hash(sent), body_hash(delivered));
        assert_ne!(body_hash(sent), body_hash(b"From: a@x\r\n\r\nHello!\r\n"));
        assert_eq!(body_hash(sent), body_hash(b"From: a@x\r\n\r\nHello"), "SMTP's closing line end");
    }

    fn roles(found: &[(AddressRole, ParsedAddress)]) -> Vec<(&'static str, &str)> {
        found.iter().map(|(role, a)| (role.as_str(), a.address.as_str())).collect()
    }

    #[test]
    fn the_original_of_an_attached_forward_is_its_sender_and_recipients() {
        let raw = "From: Ann <ann@example.com>\r\nSubject: Fwd: Offer\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee below\r\n\
            --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: Bob Stone <Bob@Customer.example>\r\n\
            To: Ann <ann@example.com>, Carol <carol@customer.example>\r\nCc: dan@customer.example\r\n\
            Subject: Offer\r\n\r\nPlease send the offer.\r\n--b--\r\n";
        assert_eq!(
            roles(&originals(raw.as_bytes())),
            [
                ("from", "bob@customer.example"),
                ("to", "ann@example.com"),
                ("to", "carol@customer.example"),
                ("cc", "dan@customer.example")
            ]
        );
    }

    #[test]
    fn the_original_of_an_inline_forward_is_read_from_the_quoted_header_block() {
        let gmail = "---------- Forwarded message ---------\nFrom: Bob Stone <bob@customer.example>\n\
            Date: Mon, 30 Nov 2026 at 10:00\nSubject: Offer\nTo: Ann <ann@example.com>\nCc: Carol <carol@customer.example>\n\nPlease.\n";
        let outlook = "FYI\n\n________________________________\nFrom: Bob Stone [mailto:bob@customer.example]\n\
            Sent: Monday, 30 November 2026 10:00\nTo: Ann [mailto:ann@example.com]; carol@customer.example\nSubject: Offer\n\nPlease.\n";
        let apple = "Begin forwarded message:\n\n*From:* Bob Stone <bob@customer.example>\n*Subject:* Offer\n\
            *Date:* 30 November 2026\n*To:* ann@example.com\n\nPlease.\n";
        let thunderbird = "-------- Forwarded Message --------\nSubject: \tOffer\nDate: \tMon, 30 Nov 2026\n\
            From: \tBob Stone <bob@customer.example>\nTo: \tann@example.com\n\nPlease.\n";
        for text in [gmail, outlook, apple, thunderbird] {
            let found = quoted_block(text);
            assert_eq!(
                found.first().map(|(r, a)| (r.as_str(), a.address.as_str())),
                Some(("from", "bob@customer.example")),
                "{text}"
            );
            assert!(found.iter().any(|(r, a)| *r == AddressRole::To && a.address == "ann@example.com"), "{text}");
        }
        assert_eq!(roles(&quoted_block(outlook)).get(2), Some(&("to", "carol@customer.example")));
        assert!(quoted_block("Hi Bob,\nFrom: me\n").is_empty(), "no forward marker");
        assert!(quoted_block("---------- Forwarded message ---------\nSubject: x\n").is_empty(), "no sender");
    }
}
