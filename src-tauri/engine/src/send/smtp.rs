//! Hands a message to the account's SMTP server with lettre, over implicit
//! TLS or STARTTLS (never in the clear), after checking the server's
//! certificate the way our IMAP connections do.

use std::net::Ipv4Addr;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, CertificateStore, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::accounts::{Auth, Endpoint};
use crate::error::{Error, Result};
use crate::imap::tls;
use crate::model::Security;
use crate::problem::Problem;

/// Longest wait for one SMTP reply.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends `wire` from `from` to `recipients` through `server`, signed in
/// as `auth` says.
pub(crate) async fn hand_over(
    server: &Endpoint,
    auth: &Auth,
    secret: &str,
    from: &str,
    recipients: &[String],
    wire: &[Vec<u8>],
) -> Result<()> {
    let (host, port) = (server.host.as_str(), server.port);
    let invalid_address = |a: &str| Error::Invalid(Problem::NotAnEmailAddress { text: a.to_owned(), field: None });
    let envelope = Envelope::new(
        Some(from.parse().map_err(|_| invalid_address(from))?),
        recipients.iter().map(|r| r.parse().map_err(|_| invalid_address(r))).collect::<Result<_>>()?,
    )
    .map_err(|e| Error::Invalid(Problem::NoValidRecipient { detail: e.to_string() }))?;

    // Our own verifier checks the certificate right after the handshake and
    // before anything else is said (see `tls::verify_chain`): the library's
    // checks are off so that certificates the user chose to trust work
    // the same as for IMAP.
    let tls_parameters = TlsParameters::builder(host.to_owned())
        .certificate_store(CertificateStore::None)
        .dangerous_accept_invalid_certs(true)
        .dangerous_accept_invalid_hostnames(true)
        .build_rustls()
        .map_err(|e| Error::Tls { host: host.to_owned(), reason: e.to_string() })?;
    // The IP literal, as Thunderbird does: the machine's name stays private.
    let hello = ClientId::Ipv4(Ipv4Addr::LOCALHOST);
    let security = server.security;
    let implicit = (security == Security::Tls).then(|| tls_parameters.clone());
    let mut conn = AsyncSmtpConnection::connect_tokio1((host, port), Some(SMTP_TIMEOUT), &hello, implicit, None)
        .await
        .map_err(|e| connect_error(host, port, security, e))?;
    if security == Security::Starttls {
        if !conn.can_starttls() {
            return Err(Error::Tls {
                host: host.to_owned(),
                reason: "the server does not offer STARTTLS, and a password is never sent unencrypted".into(),
            });
        }
        conn.starttls(tls_parameters, &hello)
            .await
            .map_err(|e| Error::Tls { host: host.to_owned(), reason: e.to_string() })?;
    }
    let chain = conn.certificate_chain().map_err(|e| Error::Tls { host: host.to_owned(), reason: e.to_string() })?;
    tls::verify_chain(server.trusted_certs.as_deref(), host, &chain)?;

    match auth {
        Auth::Password { username } => {
            let credentials = Credentials::new(username.clone(), secret.to_owned());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials).await.map_err(auth_error)?;
        }
        Auth::OAuth { username } => bearer(&mut conn, server, username, secret).await?,
    }
    transfer(&mut conn, &envelope, wire).await.map_err(smtp_error)?;
    let _ = conn.quit().await;
    Ok(())
}

/// Signs in with an OAuth access token: OAUTHBEARER (RFC 7628) when the
/// server lists it, else XOAUTH2. A refused token is answered with a 334
/// challenge holding a JSON reason (Gmail's says which scope or status);
/// it is read, answered as the mechanism asks, and kept in the error.
async fn bearer(conn: &mut AsyncSmtpConnection, server: &Endpoint, username: &str, token: &str) -> Result<()> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    // lettre keeps only the mechanisms it implements: ask again to see the rest.
    let hello = conn.command("EHLO [127.0.0.1]\r\n").await.map_err(smtp_error)?;
    let oauthbearer = hello.message().any(|line| {
        let mut words = line.split_whitespace();
        words.next().is_some_and(|w| w.eq_ignore_ascii_case("AUTH"))
            && words.any(|m| m.eq_ignore_ascii_case("OAUTHBEARER"))
    });
    let (mechanism, initial, answer) = if oauthbearer {
        let authzid = username.replace('=', "=3D").replace(',', "=2C");
        let initial =
            format!("n,a={authzid},\x01host={}\x01port={}\x01auth=Bearer {token}\x01\x01", server.host, server.port);
        ("OAUTHBEARER", initial, b64.encode([1_u8]))
    } else {
        ("XOAUTH2", format!("user={username}\x01auth=Bearer {token}\x01\x01"), String::new())
    };
    let reply = conn.command(format!("AUTH {mechanism} {}\r\n", b64.encode(initial))).await.map_err(auth_error)?;
    if !reply.has_code(334) {
        return Ok(());
    }
    let reason = reply.message().next().and_then(|m| b64.decode(m.trim()).ok()).unwrap_or_default();
    let reason = String::from_utf8_lossy(&reason).into_owned();
    match conn.command(format!("{answer}\r\n")).await {
        Ok(_) => Err(Error::AuthFailed(format!("the server did not accept the token ({reason})"))),
        Err(e) => Err(Error::AuthFailed(format!("{e} ({reason})"))),
    }
}

/// A refused login (5xx) needs the user; anything else is for later.
/// MAIL, RCPT, DATA and the message, as the library's `send` does, but
/// with the message in its stored pieces: each is escaped and written on
/// its own, so no second whole copy of a message with large files is
/// made on the way out.
async fn transfer(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    pieces: &[Vec<u8>],
) -> std::result::Result<(), lettre::transport::smtp::Error> {
    use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
    use lettre::transport::smtp::extension::{MailBodyParameter, MailParameter};
    let mut options = Vec::new();
    let addresses = envelope.from().into_iter().chain(envelope.to());
    if addresses.map(ToString::to_string).any(|a| !a.is_ascii()) {
        options.push(MailParameter::SmtpUtfEight);
    }
    if !pieces.iter().all(|p| p.is_ascii()) {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let steps = async {
        conn.command(Mail::new(envelope.from().cloned(), options)).await?;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), Vec::new())).await?;
        }
        conn.command(Data).await?;
        conn.message_iter(pieces.iter()).await
    };
    match steps.await {
        Ok(_) => Ok(()),
        Err(e) => {
            conn.abort().await;
            Err(e)
        }
    }
}

fn auth_error(e: lettre::transport::smtp::Error) -> Error {
    if e.is_permanent() { Error::AuthFailed(e.to_string()) } else { smtp_error(e) }
}

/// A failure before the server said hello: unreachable, or TLS trouble.
fn connect_error(host: &str, port: u16, security: Security, e: lettre::transport::smtp::Error) -> Error {
    if e.is_tls() && security == Security::Tls {
        return Error::Tls { host: host.to_owned(), reason: e.to_string() };
    }
    if e.is_timeout() {
        return Error::ConnectTimeout { host: host.to_owned(), port };
    }
    match std::error::Error::source(&e).and_then(|s| s.downcast_ref::<std::io::Error>()) {
        Some(io) => {
            Error::Connect { host: host.to_owned(), port, source: std::io::Error::new(io.kind(), io.to_string()) }
        }
        None => smtp_error(e),
    }
}

/// Sorts an SMTP failure into "refused" (permanent, 5xx: the user must
/// change something) and "not now" (everything else: try again later).
fn smtp_error(e: lettre::transport::smtp::Error) -> Error {
    Error::Smtp { permanent: e.is_permanent(), reason: e.to_string() }
}
