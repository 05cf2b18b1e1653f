//! Whether a mail is from whom it says: the DKIM (RFC 6376) and SPF
//! (RFC 7208) verdicts that decide if a captured Smart BCC copy may be
//! ingested, through mail-auth. Every DNS question goes through one
//! resolver, which keeps answers for their TTL: the system's, or the server
//! `THREADLINE_DNS_SERVER=HOST:PORT` names (tests answer from loopback).

use std::net::{IpAddr, SocketAddr};

use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, SpfResult, spf::verify::SpfParameters};
use mail_parser::{HeaderName, HeaderValue, Host, Protocol};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// What DKIM says of a message, over all its signatures. Named as in
/// Authentication-Results (RFC 8601): pass, fail, none, temperror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(rename_all = "lowercase")]
pub enum Dkim {
    /// A signature verified.
    Pass,
    /// It is signed, and no signature verified: whatever the verifier calls
    /// it (a wrong body hash is "neutral" to some), a signature that does not
    /// verify is a failure.
    Fail,
    /// Not signed: not authenticated, which is not a failure.
    None,
    /// The key could not be fetched now (DNS): ask again later.
    TempError,
}

/// What SPF says of the envelope sender and the client that handed the
/// message to the receiving server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(rename_all = "lowercase")]
pub enum Spf {
    Pass,
    /// The domain says this client may not send its mail (`-all`).
    Fail,
    /// The domain says it probably may not (`~all`).
    SoftFail,
    /// The domain makes no statement about this client.
    Neutral,
    /// The domain publishes no SPF record.
    None,
    /// The domain's record is broken.
    PermError,
    /// The record could not be fetched now (DNS): ask again later.
    TempError,
}

/// Both verdicts of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Verdict {
    pub dkim: Dkim,
    pub spf: Spf,
}

impl Verdict {
    /// Both failed: the copy is forged or altered, and is not ingested.
    pub fn rejected(&self) -> bool {
        self.dkim == Dkim::Fail && self.spf == Spf::Fail
    }

    /// A DNS answer is missing: the verdict is not final, the copy waits and
    /// is checked again (never rejected for it).
    pub fn temporary(&self) -> bool {
        self.dkim == Dkim::TempError || self.spf == Spf::TempError
    }
}

/// How the message reached the receiving server, as that server recorded
/// it: the SPF check is about this hop, not about what the headers claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The address of the client that handed the message over.
    pub client_ip: IpAddr,
    /// The name that client gave in HELO/EHLO.
    pub helo: String,
    /// The envelope sender (Return-Path); empty for a bounce.
    pub mail_from: String,
}

impl Envelope {
    /// The hop a receiving server recorded when it took the message over
    /// SMTP, read from the topmost `Received` header of an SMTP kind (the
    /// ones above it are its own deliveries: LMTP, local), and the
    /// envelope sender from `Return-Path`, which the final delivery writes.
    /// None when no such hop was recorded.
    pub fn received(raw: &[u8]) -> Option<Envelope> {
        Envelope::received_in(&mail_parser::MessageParser::new().parse_headers(raw)?)
    }

    /// [`Envelope::received`] for a message whose headers are parsed
    /// already.
    pub fn received_in(message: &mail_parser::Message<'_>) -> Option<Envelope> {
        let hop = message
            .headers()
            .iter()
            .filter(|h| h.name == HeaderName::Received)
            .filter_map(|h| h.value.as_received())
            .find(|r| r.with.as_ref().is_some_and(over_smtp))?;
        let helo = match hop.helo.as_ref().or(hop.from.as_ref())? {
            Host::Name(name) => name.to_string(),
            Host::IpAddr(ip) => format!("[{ip}]"),
        };
        let mail_from = message
            .headers()
            .iter()
            .find(|h| h.name == HeaderName::ReturnPath)
            .and_then(|h| match &h.value {
                HeaderValue::Text(text) => Some(text.to_string()),
                HeaderValue::TextList(list) => list.first().map(|t| t.to_string()),
                _ => None,
            })
            .unwrap_or_default();
        Some(Envelope { client_ip: hop.from_ip?, helo, mail_from: mail_from.trim_matches(['<', '>', ' ']).to_owned() })
    }
}

/// Whether a `Received` header's protocol is SMTP taking mail in (not a
/// delivery inside the receiving system).
fn over_smtp(protocol: &Protocol) -> bool {
    use Protocol::*;
    matches!(protocol, SMTP | ESMTP | ESMTPA | ESMTPS | ESMTPSA | UTF8SMTP | UTF8SMTPA | UTF8SMTPS | UTF8SMTPSA)
}

/// The engine's one way to check mail authentication, with its resolver
/// and that resolver's cache; cheap to clone.
#[derive(Clone)]
pub struct Verifier {
    authenticator: MessageAuthenticator,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier")
    }
}

impl Verifier {
    /// The DNS server named by `THREADLINE_DNS_SERVER` when set, else the
    /// system's resolver configuration.
    pub fn from_env() -> Result<Verifier> {
        Ok(Verifier { authenticator: MessageAuthenticator(crate::net::resolver_from_env()?) })
    }

    /// Asks one DNS server (see [`crate::net::resolver_for`]).
    pub fn with_server(server: SocketAddr) -> Result<Verifier> {
        Ok(Verifier { authenticator: MessageAuthenticator(crate::net::resolver_for(server)?) })
    }

    /// Both verdicts of a message as delivered: SPF for the hop its
    /// receiving server recorded ([`Envelope::received`]); a message with
    /// no such hop (put into the mailbox, not mailed) has no SPF verdict.
    pub async fn verify_received(&self, raw: &[u8]) -> Verdict {
        self.verify_delivered(raw, Envelope::received(raw)).await
    }

    /// [`Verifier::verify_received`] with the envelope read already (None:
    /// no SMTP hop was recorded).
    pub async fn verify_delivered(&self, raw: &[u8], envelope: Option<Envelope>) -> Verdict {
        match envelope {
            Some(envelope) => self.verify(raw, &envelope).await,
            None => Verdict { dkim: self.dkim(raw).await, spf: Spf::None },
        }
    }

    /// DKIM for the message as received, and SPF for how it arrived.
    pub async fn verify(&self, raw: &[u8], envelope: &Envelope) -> Verdict {
        let dkim = self.dkim(raw).await;
        // The name this side would give in a Received-SPF header; not sent.
        let host = "threadline.invalid";
        let params = if envelope.mail_from.is_empty() {
            // A bounce: SPF checks the name the client gave (RFC 7208 2.3).
            SpfParameters::verify_ehlo(envelope.client_ip, &envelope.helo, host)
        } else {
            SpfParameters::verify_mail_from(envelope.client_ip, &envelope.helo, host, &envelope.mail_from)
        };
        let spf = self.authenticator.verify_spf(params).await;
        Verdict { dkim, spf: spf_of(spf.result()) }
    }

    /// DKIM over all of the message's signatures.
    async fn dkim(&self, raw: &[u8]) -> Dkim {
        match AuthenticatedMessage::parse(raw) {
            Some(message) => {
                dkim_of(self.authenticator.verify_dkim(&message).await.iter().map(|output| output.result().clone()))
            }
            // Not even headers: nothing verifies.
            None => Dkim::Fail,
        }
    }
}

/// One verdict for all of a message's signatures: any that verifies is a
/// pass; else a DNS failure leaves it open; else any signature is a failure.
fn dkim_of(results: impl Iterator<Item = DkimResult>) -> Dkim {
    let mut verdict = Dkim::None;
    for result in results {
        match result {
            DkimResult::Pass => return Dkim::Pass,
            DkimResult::TempError(_) => verdict = Dkim::TempError,
            DkimResult::None => {}
            DkimResult::Neutral(_) | DkimResult::Fail(_) | DkimResult::PermError(_) => {
                if verdict == Dkim::None {
                    verdict = Dkim::Fail;
                }
            }
        }
    }
    verdict
}

fn spf_of(result: SpfResult) -> Spf {
    match result {
        SpfResult::Pass => Spf::Pass,
        SpfResult::Fail => Spf::Fail,
        SpfResult::SoftFail => Spf::SoftFail,
        SpfResult::Neutral => Spf::Neutral,
        SpfResult::None => Spf::None,
        SpfResult::PermError => Spf::PermError,
        SpfResult::TempError => Spf::TempError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_that_does_not_verify_fails_whatever_its_name() {
        let neutral = || DkimResult::Neutral(mail_auth::Error::Base64);
        assert_eq!(dkim_of([].into_iter()), Dkim::None);
        assert_eq!(dkim_of([neutral()].into_iter()), Dkim::Fail);
        assert_eq!(dkim_of([neutral(), DkimResult::Pass].into_iter()), Dkim::Pass);
        let dns = || DkimResult::TempError(mail_auth::Error::Dns(mail_auth::DnsError::Resolver("timed out".into())));
        assert_eq!(dkim_of([dns(), neutral()].into_iter()), Dkim::TempError);
        assert_eq!(dkim_of([neutral(), dns()].into_iter()), Dkim::TempError);
    }

    #[test]
    fn only_two_failures_reject_and_a_dns_failure_waits() {
        let v = |dkim, spf| Verdict { dkim, spf };
        assert!(v(Dkim::Fail, Spf::Fail).rejected());
        assert!(!v(Dkim::Fail, Spf::SoftFail).rejected());
        assert!(!v(Dkim::None, Spf::None).rejected(), "not authenticated is not forged");
        assert!(!v(Dkim::Fail, Spf::Pass).rejected());
        assert!(v(Dkim::TempError, Spf::Fail).temporary());
        assert!(!v(Dkim::Pass, Spf::None).temporary());
    }
}
