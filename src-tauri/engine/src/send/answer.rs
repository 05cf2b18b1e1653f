//! Reply, Reply all and Forward: the draft a composer opens for a stored
//! message. The subject gets one "Re:" or "Fwd:", a reply goes to the
//! sender (or its Reply-To) and, for Reply all, to everyone else but the
//! user's own addresses; the original is quoted (reply) or set out with its
//! headers (forward), in plain text and in HTML. A forward takes the
//! original's files along when it is sent (see [`forwarded_files`]).

use mail_parser::{MessageParser, MimeHeaders};

use super::compose::FilePart;
use crate::Engine;
use crate::error::Result;
use crate::ids::{AccountId, MessageId};
use crate::model::{AddressView, Answer, Draft};

/// The subject with one prefix: "Re: Re: x" and "RE: x" stay "Re: x".
pub fn prefixed_subject(subject: &str, answer: Answer) -> String {
    let (prefix, known): (&str, &[&str]) = match answer {
        Answer::Reply | Answer::ReplyAll => ("Re:", &["re:", "aw:", "sv:", "vs:", "odp:"]),
        Answer::Forward => ("Fwd:", &["fwd:", "fw:", "wg:", "vb:", "tr:"]),
    };
    let mut rest = subject.trim();
    while let Some(stripped) = known.iter().find_map(|p| {
        rest.get(..p.len()).filter(|head| head.eq_ignore_ascii_case(p)).map(|_| rest.get(p.len()..).unwrap_or_default())
    }) {
        rest = stripped.trim_start();
    }
    format!("{prefix} {rest}")
}

fn joined(list: &[AddressView]) -> String {
    list.iter()
        .map(|a| {
            if a.name.is_empty() {
                a.address.clone()
            } else {
                format!("\"{}\" <{}>", a.name.replace('"', ""), a.address)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Engine {
    /// The draft that answers or forwards `message`. `header` is the line
    /// (reply: "On …, … wrote:") or block (forward: the original's From,
    /// Date, Subject and To) above the original, in the user's language.
    pub(crate) async fn answer_draft(
        &self,
        message: MessageId,
        answer: Answer,
        header: &str,
        signature: bool,
    ) -> Result<Draft> {
        let original = self.store.message_summary(message).await?;
        let signed = self.signature_parts(original.account, signature).await?;
        let raw = self.store.message_source(message).await?;
        let parsed = MessageParser::default().parse(&raw);
        let text = parsed.as_ref().and_then(|m| m.body_text(0)).map(|t| t.into_owned()).unwrap_or_default();
        let html = parsed
            .as_ref()
            .and_then(|m| Some(crate::mime::html::quoted(m, &m.body_html(0)?, answer == Answer::Forward)));
        let reply_to: Vec<AddressView> = parsed
            .as_ref()
            .and_then(|m| m.reply_to())
            .map(|list| {
                list.iter()
                    .filter_map(|a| {
                        Some(AddressView {
                            name: a.name().unwrap_or_default().to_owned(),
                            address: a.address()?.to_owned(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let own = {
            let mut conn = self.store.pool().acquire().await?;
            crate::store::accounts::own_addresses(&mut conn).await?
        };
        let is_own = |a: &AddressView| crate::address::is_own(&own, &a.address);
        let sender = if reply_to.is_empty() { original.from.clone() } else { reply_to };
        let (to, cc) = match answer {
            Answer::Forward => (Vec::new(), Vec::new()),
            Answer::Reply => (sender, Vec::new()),
            Answer::ReplyAll => {
                let mut seen: Vec<String> = Vec::new();
                let mut keep = |list: Vec<AddressView>| -> Vec<AddressView> {
                    list.into_iter()
                        .filter(|a| !is_own(a))
                        .filter(|a| {
                            let key = crate::address::normalize(&a.address);
                            let new = !seen.contains(&key);
                            seen.push(key);
                            new
                        })
                        .collect()
                };
                let to = keep([sender, original.to.clone()].concat());
                let cc = keep(original.cc.clone());
                (to, cc)
            }
        };
        let quoted_text: String = match answer {
            Answer::Forward => text.clone(),
            _ => text
                .lines()
                .map(|l| if l.is_empty() { ">".to_owned() } else { format!("> {l}") })
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let shown_html = html.unwrap_or_else(|| format!("<pre>{}</pre>", crate::mime::html::escape_text(&text)));
        let header_html = crate::mime::html::escape_text(header).replace('\n', "<br>");
        let (sig_text, sig_html) = signed.unwrap_or_default();
        let quoted_html = match answer {
            Answer::Forward => format!("<p><br></p>{sig_html}<div>{header_html}</div><br>{shown_html}"),
            _ => format!(
                "<p><br></p>{sig_html}<div>{header_html}</div><blockquote type=\"cite\">{shown_html}</blockquote>"
            ),
        };
        Ok(Draft {
            account_id: original.account,
            to: joined(&to),
            cc: joined(&cc),
            subject: prefixed_subject(&original.subject, answer),
            body: format!("\n\n{sig_text}{header}\n{quoted_text}\n"),
            in_reply_to: (answer != Answer::Forward).then_some(message),
            html: Some(quoted_html),
            forward_of: (answer == Answer::Forward).then_some(message),
            ..Draft::default()
        })
    }

    /// A new message's draft from an account: empty, with the account's
    /// signature unless left out.
    pub(crate) async fn new_draft(&self, account: AccountId, signature: bool) -> Result<Draft> {
        self.store.account(account).await?;
        let (body, html) = match self.signature_parts(account, signature).await? {
            Some((text, html)) => (format!("\n\n{text}"), Some(format!("<p><br></p>{html}"))),
            None => (String::new(), None),
        };
        Ok(Draft { account_id: account, body, html, ..Draft::default() })
    }

    /// The account's signature as the text part shows it (after the "-- "
    /// line that tells mail programs a signature starts) and as HTML.
    /// The account's signature as it is set in a formatted message (the
    /// composer adds it between what the user wrote and the quote).
    pub(crate) async fn signature_block(&self, account: AccountId) -> Result<Option<String>> {
        Ok(self.signature_parts(account, true).await?.map(|(_, html)| html))
    }

    async fn signature_parts(&self, account: AccountId, wanted: bool) -> Result<Option<(String, String)>> {
        if !wanted {
            return Ok(None);
        }
        Ok(self.store.signature(account).await?.map(|html| {
            let text = super::compose::plain_text_of(&html).replace("\r\n", "\n");
            (format!("-- \n{}\n\n", text.trim_end()), format!("<div class=\"signature\">-- <br>{html}</div><br>"))
        }))
    }

    /// The files of a forwarded message, to go along with the forward:
    /// its attachments, and its inline images (by their Content-ID, which
    /// the forwarded HTML still names).
    pub(crate) async fn forwarded_files(&self, message: MessageId) -> Result<Vec<FilePart>> {
        let raw = self.store.message_source(message).await?;
        let Some(parsed) = MessageParser::default().parse(&raw) else {
            return Ok(Vec::new());
        };
        Ok(parsed
            .attachments()
            .map(|part| FilePart {
                name: part.attachment_name().unwrap_or("attachment").to_owned(),
                content_type: part
                    .content_type()
                    .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or("octet-stream")))
                    .unwrap_or_else(|| "application/octet-stream".into()),
                bytes: part.contents().to_vec(),
                cid: part
                    .content_id()
                    .filter(|_| part.content_disposition().is_none_or(|d| d.is_inline()))
                    .map(str::to_owned),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_prefix_whatever_was_there() {
        assert_eq!(prefixed_subject("Quote", Answer::Reply), "Re: Quote");
        assert_eq!(prefixed_subject("Re: Quote", Answer::Reply), "Re: Quote");
        assert_eq!(prefixed_subject("RE: re: Quote", Answer::ReplyAll), "Re: Quote");
        assert_eq!(prefixed_subject("AW: Angebot", Answer::Reply), "Re: Angebot");
        assert_eq!(prefixed_subject("Quote", Answer::Forward), "Fwd: Quote");
        assert_eq!(prefixed_subject("FW: Quote", Answer::Forward), "Fwd: Quote");
        assert_eq!(prefixed_subject("Re: Quote", Answer::Forward), "Fwd: Re: Quote");
        assert_eq!(prefixed_subject("Réponse", Answer::Reply), "Re: Réponse");
    }
}
