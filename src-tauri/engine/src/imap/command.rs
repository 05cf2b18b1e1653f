//! IMAP commands whose tagged answer is always read.
//!
//! async-imap 0.12's streamed commands (FETCH, STORE, SEARCH, EXPUNGE,
//! LIST) stop at the tagged response without looking at whether it said
//! OK, NO or BAD: a refused UID EXPUNGE looked like one that removed
//! nothing, and a refused UID SEARCH like an empty folder. Every command
//! here reads the responses up to and including its own tagged one, and
//! turns NO and BAD into [`Error::Refused`] with the server's words.
//! Responses that belong to no command of ours (EXISTS, EXPUNGE pushed by
//! the server) are passed over: the next pass reads the folder anyway.

use std::collections::HashSet;
use std::time::Duration;

use async_imap::imap_proto::{AttributeValue, MailboxDatum, RequestId, Response, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Session;
use crate::error::{Error, Result};
use crate::problem::Problem;

/// Longest wait for the next response line before the connection is
/// considered dead.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// A folder name as a quoted IMAP string.
pub fn quoted(name: &str) -> Result<String> {
    if name.contains(['\r', '\n', '\0']) {
        return Err(Error::Invalid(Problem::FolderNameUnsendable { name: name.to_owned() }));
    }
    Ok(format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// The command's name as the user may read it in an error ("UID EXPUNGE").
fn command_name(command: &str) -> String {
    let mut words = command.split(' ');
    match (words.next(), words.next()) {
        (Some(first), Some(second)) if first.eq_ignore_ascii_case("UID") => format!("UID {second}"),
        (Some(first), _) => first.to_owned(),
        _ => String::new(),
    }
}

/// A read or write on the connection failed: the connection is gone (a
/// network problem, to retry), not a local file error.
fn connection_error(e: std::io::Error) -> Error {
    Error::Imap(async_imap::error::Error::Io(e))
}

/// Sends a command and returns its tag.
async fn send(session: &mut Session, command: &str) -> Result<RequestId> {
    Ok(session.run_command(command).await?)
}

/// Reads the next response and hands it to `look` (the response borrows
/// the reader's buffer, so it is looked at here, not returned). `what`
/// names the wait in a timeout error.
async fn next_response<T>(session: &mut Session, what: &str, look: impl FnOnce(&Response<'_>) -> T) -> Result<T> {
    let response = tokio::time::timeout(READ_TIMEOUT, session.read_response())
        .await
        .map_err(|_| Error::Timeout(what.to_owned()))?
        .map_err(connection_error)?
        .ok_or(Error::Imap(async_imap::error::Error::ConnectionLost))?;
    Ok(look(response.parsed()))
}

/// The verdict if this is the tagged response for `tag`.
fn verdict(response: &Response<'_>, tag: &RequestId, command: &str) -> Option<Result<()>> {
    match response {
        Response::Done { tag: done, status, outcome } if done == tag => {
            Some(check(status, outcome.information.as_deref(), command))
        }
        _ => None,
    }
}

/// Reads responses until the tagged one for `tag`, handing every other one
/// to `each`; Ok only if the server said OK.
async fn finish(
    session: &mut Session,
    tag: &RequestId,
    command: &str,
    mut each: impl FnMut(&Response<'_>),
) -> Result<()> {
    let what = command_name(command);
    loop {
        let done = next_response(session, &what, |response| {
            let done = verdict(response, tag, command);
            if done.is_none() {
                each(response);
            }
            done
        })
        .await?;
        if let Some(done) = done {
            return done;
        }
    }
}

/// OK, or the refusal in the server's words.
fn check(status: &Status, information: Option<&str>, command: &str) -> Result<()> {
    let text = information.unwrap_or("").trim().to_owned();
    match status {
        Status::Ok => Ok(()),
        Status::No => Err(Error::Refused { command: command_name(command), bad: false, text }),
        Status::Bad => Err(Error::Refused { command: command_name(command), bad: true, text }),
        other => Err(Error::Protocol(format!("{} ended with {other:?}: {text}", command_name(command)))),
    }
}

/// Runs a command whose untagged answers do not matter (SELECT in a
/// replay, UID COPY, UID MOVE, UID STORE .SILENT, UID EXPUNGE, CLOSE).
pub async fn run(session: &mut Session, command: &str) -> Result<()> {
    let tag = send(session, command).await?;
    finish(session, &tag, command, |_| {}).await
}

/// UID SEARCH: the UIDs it found.
pub async fn uid_search(session: &mut Session, query: &str) -> Result<HashSet<u32>> {
    let command = format!("UID SEARCH {query}");
    let tag = send(session, &command).await?;
    let mut found = HashSet::new();
    finish(session, &tag, &command, |response| {
        if let Response::MailboxData(MailboxDatum::Search(uids)) = response {
            found.extend(uids.iter().copied());
        }
    })
    .await?;
    Ok(found)
}

/// The UIDs of a UID set that the selected folder holds, by UID FETCH:
/// some servers (GNU imap4d) read the set of `UID SEARCH UID n:m` as
/// message numbers, while every server answers a UID FETCH by UID.
pub async fn uids_in(session: &mut Session, set: &str) -> Result<Vec<u32>> {
    let mut fetching = uid_fetch(session, set, "(UID)").await?;
    let mut uids = Vec::new();
    while let Some(item) = fetching.next().await? {
        uids.extend(item.uid);
    }
    Ok(uids)
}

/// A folder as LIST names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub delimiter: Option<String>,
    /// Attributes as the server wrote them, e.g. `\Trash`, `\Noselect`.
    pub attributes: Vec<String>,
}

impl Listed {
    /// Whether the server gave it this attribute (case does not count).
    pub fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(attribute))
    }
}

/// LIST "" PATTERN.
pub async fn list(session: &mut Session, pattern: &str) -> Result<Vec<Listed>> {
    let command = format!("LIST \"\" {}", quoted(pattern)?);
    let tag = send(session, &command).await?;
    let mut listed = Vec::new();
    finish(session, &tag, &command, |response| {
        if let Response::MailboxData(MailboxDatum::List(data)) = response {
            listed.push(Listed {
                name: data.name.to_string(),
                delimiter: data.delimiter.as_deref().map(str::to_owned),
                attributes: data.name_attributes.iter().map(name_attribute).collect(),
            });
        }
    })
    .await?;
    Ok(listed)
}

fn name_attribute(attribute: &async_imap::imap_proto::NameAttribute<'_>) -> String {
    use async_imap::imap_proto::NameAttribute as A;
    match attribute {
        A::NoInferiors => "\\Noinferiors".into(),
        A::NoSelect => "\\Noselect".into(),
        A::Marked => "\\Marked".into(),
        A::Unmarked => "\\Unmarked".into(),
        A::All => "\\All".into(),
        A::Archive => "\\Archive".into(),
        A::Drafts => "\\Drafts".into(),
        A::Flagged => "\\Flagged".into(),
        A::Junk => "\\Junk".into(),
        A::Sent => "\\Sent".into(),
        A::Trash => "\\Trash".into(),
        A::Extension(other) => other.to_string(),
        _ => String::new(),
    }
}

/// One message of a FETCH answer, with what sync reads of it.
#[derive(Debug, Default)]
pub struct Fetched {
    pub uid: Option<u32>,
    pub flags: Vec<String>,
    pub modseq: Option<u64>,
    /// INTERNALDATE, as seconds since the epoch.
    pub internal_date: Option<i64>,
    /// `BODY[]` (or `RFC822`, or a piece `BODY[]<origin>`), when asked for.
    pub body: Option<Vec<u8>>,
    /// RFC822.SIZE, when asked for.
    pub size: Option<u32>,
    /// Gmail's X-GM-MSGID, X-GM-THRID and X-GM-LABELS, when asked for.
    pub gmail_msgid: Option<u64>,
    pub gmail_thrid: Option<u64>,
    pub gmail_labels: Option<Vec<String>>,
}

impl Fetched {
    fn from_attributes(attributes: &[AttributeValue<'_>]) -> Fetched {
        let mut item = Fetched::default();
        for attribute in attributes {
            match attribute {
                AttributeValue::Uid(uid) => item.uid = Some(*uid),
                AttributeValue::Flags(flags) => item.flags = flags.iter().map(|f| f.to_string()).collect(),
                AttributeValue::ModSeq(modseq) => item.modseq = Some(*modseq),
                AttributeValue::InternalDate(date) => {
                    item.internal_date =
                        chrono::DateTime::parse_from_str(date, "%d-%b-%Y %H:%M:%S %z").ok().map(|d| d.timestamp());
                }
                AttributeValue::BodySection { section: None, data: Some(data), .. }
                | AttributeValue::Rfc822(Some(data)) => item.body = Some(data.to_vec()),
                AttributeValue::Rfc822Size(size) => item.size = Some(*size),
                AttributeValue::GmailMsgId(id) => item.gmail_msgid = Some(*id),
                AttributeValue::GmailThrId(id) => item.gmail_thrid = Some(*id),
                AttributeValue::GmailLabels(labels) => {
                    item.gmail_labels = Some(labels.iter().map(|l| l.to_string()).collect());
                }
                _ => {}
            }
        }
        item
    }
}

/// A FETCH in progress: messages one at a time, then the server's verdict.
pub struct Fetching<'a> {
    session: &'a mut Session,
    command: String,
    /// None once the tagged answer was read.
    tag: Option<RequestId>,
}

impl Fetching<'_> {
    /// The next message, or None when the server said OK at the end.
    pub async fn next(&mut self) -> Result<Option<Fetched>> {
        let Some(tag) = &self.tag else {
            return Ok(None);
        };
        loop {
            let step = next_response(self.session, "FETCH", |response| match response {
                Response::Fetch(_, attributes) => Some(Ok(Some(Fetched::from_attributes(attributes)))),
                other => verdict(other, tag, &self.command).map(|done| done.map(|()| None)),
            })
            .await?;
            match step {
                None => {}
                Some(Ok(None)) => {
                    self.tag = None;
                    return Ok(None);
                }
                Some(Err(e)) => {
                    self.tag = None;
                    return Err(e);
                }
                Some(Ok(Some(item))) => return Ok(Some(item)),
            }
        }
    }
}

/// UID FETCH SET QUERY, read with [`Fetching::next`].
pub async fn uid_fetch<'a>(session: &'a mut Session, set: &str, query: &str) -> Result<Fetching<'a>> {
    let command = format!("UID FETCH {set} {query}");
    let tag = send(session, &command).await?;
    Ok(Fetching { session, command, tag: Some(tag) })
}

/// The personal namespaces (RFC 2342) as (prefix, delimiter), e.g.
/// `("INBOX.", ".")` on Courier. Empty when the server has none to tell.
///
/// imap-proto cannot parse the NAMESPACE response, and async-imap's reader
/// stops for good at a line it cannot parse; so this one command is sent
/// and read on the stream under the session. It must run while nothing
/// else is in flight (right after login), so that no byte of another
/// answer is read here or left behind.
pub async fn personal_namespaces(session: &mut Session) -> Result<Vec<(String, Option<String>)>> {
    const TAG: &str = "TLNS";
    let stream = session.get_mut();
    stream.write_all(format!("{TAG} NAMESPACE\r\n").as_bytes()).await.map_err(connection_error)?;
    stream.flush().await.map_err(connection_error)?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(READ_TIMEOUT, stream.read(&mut chunk))
            .await
            .map_err(|_| Error::Timeout("NAMESPACE".into()))?
            .map_err(connection_error)?;
        if n == 0 {
            return Err(Error::Imap(async_imap::error::Error::ConnectionLost));
        }
        answer.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if answer.len() > NAMESPACE_ANSWER_MAX {
            return Err(Error::Protocol(format!("the answer to NAMESPACE went past {NAMESPACE_ANSWER_MAX} bytes")));
        }
        let text = String::from_utf8_lossy(&answer);
        // Whole lines only: the last one may still be arriving.
        let Some((complete, _)) = text.rsplit_once("\r\n") else {
            continue;
        };
        let mut lines = complete.split("\r\n");
        let Some(tagged) = lines.clone().find_map(|l| l.strip_prefix(TAG).and_then(|l| l.strip_prefix(' '))) else {
            continue;
        };
        if !tagged.starts_with("OK") {
            // NO or BAD: the server keeps its namespaces to itself.
            return Ok(Vec::new());
        }
        return Ok(lines
            .find_map(|line| line.strip_prefix("* NAMESPACE "))
            .map(parse_personal_namespaces)
            .unwrap_or_default());
    }
}

/// A NAMESPACE answer is a line or two; a server that goes on is not
/// read without end.
const NAMESPACE_ANSWER_MAX: usize = 64 * 1024;

/// The first list of a NAMESPACE response: `(("" "/")("INBOX." "."))`.
fn parse_personal_namespaces(text: &str) -> Vec<(String, Option<String>)> {
    let tokens = namespace_tokens(text);
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut strings: Vec<Option<String>> = Vec::new();
    for token in tokens {
        match token {
            Token::Open => {
                depth += 1;
                if depth == 2 {
                    strings.clear();
                }
            }
            Token::Close => {
                if depth == 2
                    && let Some(Some(prefix)) = strings.first()
                {
                    found.push((prefix.clone(), strings.get(1).cloned().flatten()));
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Token::Nil if depth == 0 => break,
            Token::Nil if depth == 2 => strings.push(None),
            Token::Text(s) if depth == 2 => strings.push(Some(s)),
            _ => {}
        }
    }
    found
}

#[derive(Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Nil,
    Text(String),
}

fn namespace_tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '"' => {
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => s.extend(chars.next()),
                        '"' => break,
                        other => s.push(other),
                    }
                }
                tokens.push(Token::Text(s));
            }
            c if c.is_ascii_alphabetic() => {
                let mut word = String::from(c);
                while let Some(&c) = chars.peek() {
                    if !c.is_ascii_alphanumeric() {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(if word.eq_ignore_ascii_case("NIL") { Token::Nil } else { Token::Text(word) });
            }
            _ => {}
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_namespaces_of_common_servers() {
        let ns = |s: &str| parse_personal_namespaces(s);
        // Courier, Cyrus (altnamespace off)
        assert_eq!(ns(r#"(("INBOX." ".")) NIL NIL"#), vec![("INBOX.".to_owned(), Some(".".to_owned()))]);
        // Dovecot
        assert_eq!(ns(r#"(("" "/")) NIL NIL"#), vec![(String::new(), Some("/".to_owned()))]);
        // GNU imap4d with a second prefix, and a namespace extension
        assert_eq!(
            ns(r#"(("" ".")("INBOX." "." "X-PARAM" ("a" "b"))) (("~" "/")) NIL"#),
            vec![(String::new(), Some(".".to_owned())), ("INBOX.".to_owned(), Some(".".to_owned()))]
        );
        assert_eq!(ns("NIL NIL NIL"), vec![]);
        assert_eq!(ns(r#"(("a\"b" NIL)) NIL NIL"#), vec![("a\"b".to_owned(), None)]);
    }

    #[test]
    fn refusals_carry_the_command_and_the_servers_words() {
        let e = check(&Status::Bad, Some("UID EXPUNGE Unknown uid command"), "UID EXPUNGE 4").unwrap_err();
        assert!(
            matches!(&e, Error::Refused { command, bad: true, text } if command == "UID EXPUNGE" && text.contains("Unknown"))
        );
        assert!(check(&Status::Ok, None, "NOOP").is_ok());
        assert!(matches!(check(&Status::No, None, "SELECT x"), Err(Error::Refused { bad: false, .. })));
    }

    #[test]
    fn a_cut_connection_is_offline_not_a_local_failure() {
        let cut = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "bytes remaining in stream");
        assert_eq!(connection_error(cut).kind(), crate::error::ErrorKind::Offline);
    }

    #[test]
    fn folder_names_are_quoted() {
        assert_eq!(quoted(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert!(quoted("a\r\nb").is_err());
    }
}
