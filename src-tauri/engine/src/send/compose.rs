//! Turns the composer's draft into the RFC 5322 message that is sent, and
//! the copy that is kept in the Sent folder (the same message plus its Bcc
//! header, so the sender can see whom they copied in secret). A formatted
//! message goes out as clients expect it: multipart/alternative (a plain
//! text part made from the HTML, then the HTML), the HTML with its inline
//! images in multipart/related (`cid:`), and files in multipart/mixed.

use std::str::FromStr;
use std::time::SystemTime;

use lettre::message::Mailbox;
use mail_builder::MessageBuilder as MimeMessage;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::text::Text;
use mail_builder::mime::MimePart;

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
    /// Appended to the Sent folder, with the Bcc header; None when there is
    /// no Bcc and the copy is the wire message itself (a second copy of a
    /// message with large files would double what is held and stored).
    pub sent_copy: Option<Vec<u8>>,
}

/// A file read for the message: an attachment, or an inline image with
/// its Content-ID.
#[derive(Debug, Clone)]
pub(crate) struct FilePart {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Set for an inline image.
    pub cid: Option<String>,
}

/// Reads the draft's attachments and inline images (off the async threads:
/// they may be large).
pub(crate) async fn read_files(draft: &Draft) -> Result<Vec<FilePart>> {
    let wanted: Vec<(String, Option<String>)> = draft
        .attachments
        .iter()
        .map(|path| (path.clone(), None))
        .chain(draft.inline.iter().map(|i| (i.path.clone(), Some(i.cid.clone()))))
        .collect();
    tokio::task::spawn_blocking(move || {
        wanted
            .into_iter()
            .map(|(path, cid)| {
                let bytes = std::fs::read(&path).map_err(|e| {
                    Error::Invalid(Problem::AttachmentUnreadable { path: path.clone(), reason: e.to_string() })
                })?;
                let file = std::path::Path::new(&path);
                let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let content_type = mime_guess::from_path(file).first_or_octet_stream().essence_str().to_owned();
                Ok(FilePart { name, content_type, bytes, cid })
            })
            .collect()
    })
    .await
    .map_err(|e| Error::Protocol(format!("reading attachments: {e}")))?
}

/// What a reply refers to: the answered message's Message-ID and its
/// References, so every client threads the answer with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReplyContext {
    pub parent_id: Option<String>,
    pub parent_refs: Vec<String>,
}

/// Builds the message from `from` with the draft's fields and files.
pub(crate) fn compose(from: &Mailbox, draft: &Draft, reply: &ReplyContext, files: Vec<FilePart>) -> Result<Composed> {
    if [&draft.to, &draft.cc, &draft.bcc].iter().all(|f| split_addresses(f).is_empty()) {
        return Err(Error::Invalid(Problem::NoRecipient));
    }
    compose_any(from, draft, reply, files)
}

/// [`compose`] for a draft kept in the Drafts folder, which may have no
/// recipient yet.
pub(crate) fn compose_unfinished(from: &Mailbox, draft: &Draft, files: Vec<FilePart>) -> Result<Composed> {
    compose_any(from, draft, &ReplyContext::default(), files)
}

/// The message is written by mail-builder straight into a buffer of its
/// final size, encoding each file as it goes: a message with 20 MB of
/// files holds the files and the message, never a second encoded copy of
/// the files (as a builder that encodes first and then writes does).
fn compose_any(from: &Mailbox, draft: &Draft, reply: &ReplyContext, files: Vec<FilePart>) -> Result<Composed> {
    let to = recipients("To", &draft.to)?;
    let cc = recipients("Cc", &draft.cc)?;
    let bcc = recipients("Bcc", &draft.bcc)?;
    let message_id = format!("{}@{}", uuid::Uuid::new_v4().simple(), from.email.domain());
    let date = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let headers = Headers { from, to: &to, cc: &cc, message_id: &message_id, date, reply };
    let wire = write(&headers, None, draft, &files);
    // The Sent copy differs only by its Bcc header: written apart only then.
    let sent_copy = (!bcc.is_empty()).then(|| write(&headers, Some(&bcc), draft, &files));
    Ok(Composed {
        message_id,
        envelope_from: from.email.to_string(),
        recipients: to.iter().chain(&cc).chain(&bcc).map(|m| m.email.to_string()).collect(),
        wire,
        sent_copy,
    })
}

/// The headers both versions of a message share.
struct Headers<'a> {
    from: &'a Mailbox,
    to: &'a [Mailbox],
    cc: &'a [Mailbox],
    message_id: &'a str,
    date: u64,
    reply: &'a ReplyContext,
}

/// One version of the message: with `bcc` for the Sent copy.
fn write(h: &Headers<'_>, bcc: Option<&[Mailbox]>, draft: &Draft, files: &[FilePart]) -> Vec<u8> {
    let address = |m: &Mailbox| Address::new_address(m.name.clone(), m.email.to_string());
    let list = |ms: &[Mailbox]| Address::new_list(ms.iter().map(address).collect());
    let mut b = MimeMessage::new()
        .from(address(h.from))
        .subject(draft.subject.trim())
        .date(h.date)
        .message_id(h.message_id)
        .header("User-Agent", Text::new("Threadline"));
    if !h.to.is_empty() {
        b = b.to(list(h.to));
    }
    if !h.cc.is_empty() {
        b = b.cc(list(h.cc));
    }
    if let Some(bcc) = bcc {
        b = b.bcc(list(bcc));
    }
    if let Some(parent) = &h.reply.parent_id {
        b = b.in_reply_to(parent.as_str());
        // RFC 5322 3.6.4: the parent's references, then the parent.
        let chain: Vec<&str> = h.reply.parent_refs.iter().map(String::as_str).chain([parent.as_str()]).collect();
        b = b.references(chain);
    }
    let mut out = Vec::new();
    b.body(body(draft, files)).serialize(&mut out);
    out
}

/// The message's body parts: plain text alone, or the formatted parts
/// nested as mail clients read them (mixed > alternative > related).
/// The files are borrowed, and encoded as they are written.
fn body<'a>(draft: &'a Draft, files: &'a [FilePart]) -> MimePart<'a> {
    let part = |f: &'a FilePart| {
        let content_type =
            if f.content_type.contains('/') { f.content_type.as_str() } else { "application/octet-stream" };
        let p = MimePart::new(content_type, f.bytes.as_slice());
        match &f.cid {
            Some(cid) => p
                .cid(cid.as_str())
                .header("Content-Disposition", ContentType::new("inline").attribute("filename", f.name.as_str())),
            None => p.attachment(f.name.as_str()),
        }
    };
    let (inline, attached): (Vec<&FilePart>, Vec<&FilePart>) = files.iter().partition(|f| f.cid.is_some());
    let shown = match draft.html.as_deref() {
        None => MimePart::new("text/plain", normalize_line_ends(&draft.body)),
        Some(html) => {
            let html_part = MimePart::new("text/html", normalize_line_ends(html));
            let formatted = if inline.is_empty() {
                html_part
            } else {
                MimePart::new("multipart/related", [vec![html_part], inline.into_iter().map(part).collect()].concat())
            };
            MimePart::new("multipart/alternative", vec![MimePart::new("text/plain", plain_text_of(html)), formatted])
        }
    };
    if attached.is_empty() {
        return shown;
    }
    MimePart::new("multipart/mixed", [vec![shown], attached.into_iter().map(part).collect()].concat())
}

/// The plain-text part of a formatted message: its text as a reader
/// would see it, lines wrapped at 78 characters, links kept.
pub(crate) fn plain_text_of(html: &str) -> String {
    // A quote nested deeper than the width (a long conversation quoted
    // whole) goes past it rather than losing the whole text.
    let text = html2text::config::plain()
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), 78)
        .unwrap_or_else(|_| html2text::from_read(html.as_bytes(), 10_000).unwrap_or_default());
    normalize_line_ends(&text)
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

/// The first address of a field, with its display name (empty if none):
/// whom smart fields speak to.
pub(crate) fn first_recipient(text: &str) -> Option<(String, String)> {
    split_addresses(text)
        .iter()
        .find_map(|piece| Mailbox::from_str(piece).ok())
        .map(|m| (m.name.unwrap_or_default(), m.email.to_string()))
}

/// The pieces of an address field that are not addresses.
pub(crate) fn invalid_addresses(text: &str) -> Vec<String> {
    split_addresses(text).into_iter().filter(|piece| Mailbox::from_str(piece).is_err()).collect()
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
    use mail_parser::MimeHeaders;

    fn draft(to: &str, cc: &str, bcc: &str) -> Draft {
        Draft {
            account_id: crate::ids::AccountId(1),
            to: to.into(),
            cc: cc.into(),
            bcc: bcc.into(),
            subject: "Quote for Acme".into(),
            body: "Hello Bob,\nhere it is.\n".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn bcc_is_in_the_envelope_and_the_sent_copy_only() {
        let from = sender("Ann Seller", "ann@example.test").unwrap();
        let c = compose(
            &from,
            &draft("\"Stone, Bob\" <bob@acme.example>; carl@acme.example", "", "boss@example.test"),
            &ReplyContext::default(),
            Vec::new(),
        )
        .unwrap();
        assert_eq!(c.recipients, ["bob@acme.example", "carl@acme.example", "boss@example.test"]);
        assert_eq!(c.envelope_from, "ann@example.test");
        let wire = String::from_utf8(c.wire).unwrap();
        let copy = String::from_utf8(c.sent_copy.unwrap()).unwrap();
        assert!(!wire.contains("boss@example.test"), "{wire}");
        assert!(copy.contains("Bcc: <boss@example.test>"), "{copy}");
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
        let c = compose(&from, &draft("bob@acme.example", "", ""), &reply, Vec::new()).unwrap();
        let wire = String::from_utf8(c.wire).unwrap();
        assert!(wire.contains("In-Reply-To: <p@x>"), "{wire}");
        assert!(wire.contains("References: <root@x> <p@x>"), "{wire}");
    }

    #[test]
    fn bad_addresses_are_named() {
        let from = sender("", "ann@example.test").unwrap();
        let e =
            compose(&from, &draft("bob@acme.example, not an address", "", ""), &ReplyContext::default(), Vec::new())
                .expect_err("invalid");
        assert_eq!(e.user_message(), "\"not an address\" in To is not a valid email address.");
        let e = compose(&from, &draft(" , ", "", ""), &ReplyContext::default(), Vec::new()).expect_err("empty");
        assert_eq!(e.user_message(), "Add at least one recipient.");
    }

    #[test]
    fn non_ascii_subjects_and_bodies_are_encoded() {
        let from = sender("Zoë", "zoe@example.test").unwrap();
        let mut d = draft("bob@acme.example", "", "");
        d.subject = "Angebot für Müller".into();
        d.body = "Grüße".into();
        let c = compose(&from, &d, &ReplyContext::default(), Vec::new()).unwrap();
        assert!(c.wire.is_ascii(), "{}", String::from_utf8_lossy(&c.wire));
        let parsed = mail_parser::MessageParser::default().parse(&c.wire).unwrap();
        assert_eq!(parsed.subject(), Some("Angebot für Müller"));
        assert_eq!(parsed.body_text(0).as_deref().map(str::trim_end), Some("Grüße"));
    }

    #[test]
    fn a_deeply_nested_quote_keeps_the_plain_text() {
        let mut html = "<p>the original</p>".to_owned();
        for n in 0..100 {
            html = format!("<p>answer {n}</p><blockquote>{html}</blockquote>");
        }
        let text = plain_text_of(&format!("<p>Thanks Bob!</p>{html}"));
        assert!(text.contains("Thanks Bob!") && text.contains("answer 10"), "{text}");
    }

    #[test]
    fn a_formatted_message_nests_its_parts_as_clients_read_them() {
        let from = sender("", "ann@example.test").unwrap();
        let mut d = draft("bob@acme.example", "", "");
        d.html = Some(
            "<p>Hello <b>Bob</b>,</p><p><img src=\"cid:logo\"> <a href=\"https://acme.example\">site</a></p>".into(),
        );
        let files = [
            FilePart {
                name: "logo.png".into(),
                content_type: "image/png".into(),
                bytes: vec![137, 80, 78, 71],
                cid: Some("logo".into()),
            },
            FilePart {
                name: "quote.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.4 quote".to_vec(),
                cid: None,
            },
        ];
        let c = compose(&from, &d, &ReplyContext::default(), files.to_vec()).unwrap();
        let m = mail_parser::MessageParser::default().parse(&c.wire).unwrap();
        let types = |part: &mail_parser::MessagePart<'_>| {
            part.content_type().map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or_default()))
        };
        let parts: Vec<Option<String>> = m.parts.iter().map(types).collect();
        assert_eq!(parts[0].as_deref(), Some("multipart/mixed"));
        assert!(
            parts.contains(&Some("multipart/alternative".into())) && parts.contains(&Some("multipart/related".into())),
            "{parts:?}"
        );
        let text = m.body_text(0).unwrap();
        assert!(
            text.contains("Hello **Bob**") && text.contains("https://acme.example"),
            "plain text from the HTML: {text}"
        );
        assert!(m.body_html(0).unwrap().contains("<b>Bob</b>"));
        let logo = m.parts.iter().find(|p| p.content_id() == Some("logo")).expect("the inline image");
        assert_eq!(logo.contents(), &[137, 80, 78, 71]);
        let pdf = m.attachments().find(|a| a.attachment_name() == Some("quote.pdf")).expect("the attachment");
        assert_eq!(pdf.contents(), b"%PDF-1.4 quote");
    }
}
