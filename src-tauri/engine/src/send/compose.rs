//! Turns the composer's draft into the RFC 5322 message that is sent, and
//! the copy that is kept in the Sent folder (the same message plus its Bcc
//! header, so the sender can see whom they copied in secret).

use std::str::FromStr;
use std::time::SystemTime;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MessageBuilder};

use crate::error::{Error, Result};
use crate::model::Draft;
use crate::problem::Problem;

/// The message as it goes out and as it is kept.
#[derive(Debug, Clone)]
pub(crate) struct Composed {
    /// The Message-ID, without angle brackets.
    pub message_id: String,
    pub envelope_from: String,
    /// Every envelope recipient (to, cc and bcc).
    pub recipients: Vec<String>,
    /// Sent over SMTP: no Bcc header.
    pub wire: Vec<u8>,
    /// Appended to the Sent folder: with the Bcc header.
    pub sent_copy: Vec<u8>,
}

/// What a reply refers to: the answered message's Message-ID and its
/// References, so every client threads the answer with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReplyContext {
    pub parent_id: Option<String>,
    pub parent_refs: Vec<String>,
}

/// Builds the message from `from` with the draft's fields.
pub(crate) fn compose(from: &Mailbox, draft: &Draft, reply: &ReplyContext) -> Result<Composed> {
    let to = recipients("To", &draft.to)?;
    let cc = recipients("Cc", &draft.cc)?;
    let bcc = recipients("Bcc", &draft.bcc)?;
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(Error::Invalid(Problem::NoRecipient));
    }
    let message_id = format!("{}@{}", uuid::Uuid::new_v4().simple(), from.email.domain());
    let mut builder = MessageBuilder::new()
        .from(from.clone())
        .subject(draft.subject.trim())
        .date(SystemTime::now())
        .message_id(Some(format!("<{message_id}>")))
        .user_agent("Threadline".into())
        .header(ContentType::TEXT_PLAIN);
    for m in to {
        builder = builder.to(m);
    }
    for m in cc {
        builder = builder.cc(m);
    }
    for m in bcc {
        builder = builder.bcc(m);
    }
    if let Some(parent) = &reply.parent_id {
        builder = builder.in_reply_to(format!("<{parent}>"));
        // RFC 5322 3.6.4: the parent's references, then the parent.
        let chain: Vec<String> =
            reply.parent_refs.iter().chain(std::iter::once(parent)).map(|id| format!("<{id}>")).collect();
        builder = builder.references(chain.join(" "));
    }
    let body = normalize_line_ends(&draft.body);
    let built = |b: MessageBuilder| {
        b.body(body.clone()).map_err(|e| Error::Invalid(Problem::MessageNotBuilt { detail: e.to_string() }))
    };
    let wire = built(builder.clone())?;
    let sent_copy = built(builder.keep_bcc())?;
    let envelope = wire.envelope();
    Ok(Composed {
        message_id,
        envelope_from: envelope.from().map(ToString::to_string).unwrap_or_default(),
        recipients: envelope.to().iter().map(ToString::to_string).collect(),
        wire: wire.formatted(),
        sent_copy: sent_copy.formatted(),
    })
}

/// The sender as the account presents itself.
pub(crate) fn sender(display_name: &str, email: &str) -> Result<Mailbox> {
    let address = email
        .parse()
        .map_err(|_| Error::Invalid(Problem::NotAnEmailAddress { text: email.to_owned(), field: None }))?;
    let name = display_name.trim();
    Ok(Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address))
}

/// Parses one address field ("Ann <ann@x.example>, bob@y.example"),
/// naming the first address that is not valid.
fn recipients(field: &str, text: &str) -> Result<Vec<Mailbox>> {
    split_addresses(text)
        .into_iter()
        .map(|piece| {
            Mailbox::from_str(&piece).map_err(|_| {
                Error::Invalid(Problem::NotAnEmailAddress { text: piece.to_owned(), field: Some(field.to_owned()) })
            })
        })
        .collect()
}

/// Splits an address field at commas and semicolons that are not inside
/// quotes or angle brackets; empty pieces are dropped.
fn split_addresses(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angled) = (false, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angled = true,
            '>' if !quoted => angled = false,
            ',' | ';' if !quoted && !angled => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    pieces.into_iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
}

/// CRLF line ends, whatever the text box gave (SMTP requires them).
fn normalize_line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn draft(to: &str, cc: &str, bcc: &str) -> Draft {
        Draft {
            account_id: crate::ids::AccountId(1),
            to: to.into(),
            cc: cc.into(),
            bcc: bcc.into(),
            subject: "Quote for Acme".into(),
            body: "Hello Bob,\nhere it is.\n".into(),
            in_reply_to: None,
        }
    }

    #[test]
    fn bcc_is_in_the_envelope_and_the_sent_copy_only() {
        let from = sender("Ann Seller", "ann@example.test").unwrap();
        let c = compose(
            &from,
            &draft("\"Stone, Bob\" <bob@acme.example>; carl@acme.example", "", "boss@example.test"),
            &ReplyContext::default(),
        )
        .unwrap();
        assert_eq!(c.recipients, ["bob@acme.example", "carl@acme.example", "boss@example.test"]);
        assert_eq!(c.envelope_from, "ann@example.test");
        let wire = String::from_utf8(c.wire).unwrap();
        let copy = String::from_utf8(c.sent_copy).unwrap();
        assert!(!wire.contains("boss@example.test"), "{wire}");
        assert!(copy.contains("Bcc: boss@example.test"), "{copy}");
        assert!(wire.contains(&format!("Message-ID: <{}>", c.message_id)));
        assert!(wire.contains("\r\nHello Bob,\r\nhere it is.\r\n"), "{wire}");
        // The same Date and Message-ID in both.
        let header = |m: &str, name: &str| m.lines().find(|l| l.starts_with(name)).map(str::to_owned);
        assert_eq!(header(&wire, "Date:"), header(&copy, "Date:"));
    }

    #[test]
    fn a_reply_carries_the_thread() {
        let from = sender("", "ann@example.test").unwrap();
        let reply = ReplyContext { parent_id: Some("p@x".into()), parent_refs: vec!["root@x".into()] };
        let c = compose(&from, &draft("bob@acme.example", "", ""), &reply).unwrap();
        let wire = String::from_utf8(c.wire).unwrap();
        assert!(wire.contains("In-Reply-To: <p@x>"), "{wire}");
        assert!(wire.contains("References: <root@x> <p@x>"), "{wire}");
    }

    #[test]
    fn bad_addresses_are_named() {
        let from = sender("", "ann@example.test").unwrap();
        let e = compose(&from, &draft("bob@acme.example, not an address", "", ""), &ReplyContext::default())
            .expect_err("invalid");
        assert_eq!(e.user_message(), "\"not an address\" in To is not a valid email address.");
        let e = compose(&from, &draft(" , ", "", ""), &ReplyContext::default()).expect_err("empty");
        assert_eq!(e.user_message(), "Add at least one recipient.");
    }

    #[test]
    fn non_ascii_subjects_and_bodies_are_encoded() {
        let from = sender("Zoë", "zoe@example.test").unwrap();
        let mut d = draft("bob@acme.example", "", "");
        d.subject = "Angebot für Müller".into();
        d.body = "Grüße".into();
        let c = compose(&from, &d, &ReplyContext::default()).unwrap();
        assert!(c.wire.is_ascii(), "{}", String::from_utf8_lossy(&c.wire));
        let parsed = mail_parser::MessageParser::default().parse(&c.wire).unwrap();
        assert_eq!(parsed.subject(), Some("Angebot für Müller"));
        assert_eq!(parsed.body_text(0).as_deref().map(str::trim_end), Some("Grüße"));
    }
}
