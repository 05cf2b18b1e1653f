//! IMAP sessions: connect over TLS or STARTTLS, log in, and classify what
//! went wrong in terms a user can act on.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub mod command;
pub mod tls;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::accounts::{Auth, Endpoint};
use crate::error::{Error, Result};
use crate::model::Security;
use crate::problem::Problem;

/// The stream under an IMAP session. TLS reads the socket 4 KiB at a time
/// (rustls): the buffer under it takes what has arrived in one call, so an
/// initial sync makes a sixteenth of the system calls.
pub type ImapStream = TlsStream<BufReader<TcpStream>>;

/// Bytes read from the socket at once, at most.
const SOCKET_READ: usize = 64 * 1024;
/// A logged-in IMAP session.
pub type Session = async_imap::Session<ImapStream>;

/// How long connecting, the TLS handshake and login may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a secure connection and signs in.
pub async fn connect(server: &Endpoint, auth: &Auth, secret: &str) -> Result<Session> {
    tokio::time::timeout(CONNECT_TIMEOUT, connect_inner(server, auth, secret))
        .await
        .map_err(|_| Error::ConnectTimeout { host: server.host.clone(), port: server.port })?
}

async fn connect_inner(server: &Endpoint, auth: &Auth, secret: &str) -> Result<Session> {
    let tcp = TcpStream::connect((server.host.as_str(), server.port)).await.map_err(|source| Error::Connect {
        host: server.host.clone(),
        port: server.port,
        source,
    })?;
    let _ = tcp.set_nodelay(true);
    // Writes pass through it.
    let tcp = BufReader::with_capacity(SOCKET_READ, tcp);

    let tcp = match server.security {
        Security::Tls => tcp,
        Security::Starttls => {
            let mut plain = async_imap::Client::new(tcp);
            read_greeting(&mut plain, &server.host).await?;
            plain.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| Error::Tls {
                host: server.host.clone(),
                reason: format!("the server refused STARTTLS ({e})"),
            })?;
            let tcp = plain.into_inner();
            // Clear text still buffered after the go-ahead would be fed to
            // TLS as if the server had sent it encrypted: refuse it (an
            // injection attempt, RFC 3207 §4.2's concern).
            if !tcp.buffer().is_empty() {
                return Err(Error::Tls {
                    host: server.host.clone(),
                    reason: "the server sent data in clear text after agreeing to STARTTLS".into(),
                });
            }
            tcp
        }
    };

    let tls = tls_handshake(server, tcp).await?;
    let mut client = async_imap::Client::new(tls);
    if server.security == Security::Tls {
        read_greeting(&mut client, &server.host).await?;
    }
    let result = match auth {
        Auth::Password { username } => client.login(username, secret).await,
        Auth::OAuth { username } => {
            let bearer = offers(&mut client, "AUTH=OAUTHBEARER").await?;
            let refusal = Arc::new(Mutex::new(None));
            let token = Bearer::new(username, secret, server, bearer, Arc::clone(&refusal));
            let mechanism = if bearer { "OAUTHBEARER" } else { "XOAUTH2" };
            let result = client.authenticate(mechanism, token).await;
            if let (Err((async_imap::error::Error::No(msg), _)), Some(reason)) =
                (&result, refusal.lock().unwrap_or_else(PoisonError::into_inner).take())
            {
                return Err(Error::AuthFailed(format!("{msg} ({reason})")));
            }
            result
        }
    };
    match result {
        Ok(session) => Ok(session),
        Err((async_imap::error::Error::No(msg), _)) | Err((async_imap::error::Error::Bad(msg), _)) => {
            Err(Error::AuthFailed(msg))
        }
        Err((e, _)) => Err(e.into()),
    }
}

/// Whether the server lists a capability before login (asked with
/// CAPABILITY: greetings do not always carry them).
async fn offers<T>(client: &mut async_imap::Client<T>, wanted: &str) -> Result<bool>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    use async_imap::imap_proto::{Capability, Response};
    let (sender, receiver) = async_channel::unbounded();
    client.run_command_and_check_ok("CAPABILITY", Some(sender)).await?;
    let mut found = false;
    while let Ok(unsolicited) = receiver.try_recv() {
        if let async_imap::types::UnsolicitedResponse::Other(response) = unsolicited
            && let Response::Capabilities(list) = response.parsed()
        {
            found |= list.iter().any(|c| match c {
                Capability::Atom(a) => a.eq_ignore_ascii_case(wanted),
                Capability::Auth(m) => format!("AUTH={m}").eq_ignore_ascii_case(wanted),
                _ => false,
            });
        }
    }
    Ok(found)
}

/// The SASL exchange of an OAuth bearer token: XOAUTH2 (Google's, also
/// Microsoft's) or OAUTHBEARER (RFC 7628). A refused token gets a JSON
/// challenge that must be answered (empty for XOAUTH2, 0x01 for
/// OAUTHBEARER) before the server says NO; its text is kept as the reason.
struct Bearer {
    initial: Vec<u8>,
    oauthbearer: bool,
    answered: bool,
    refusal: Arc<Mutex<Option<String>>>,
}

impl Bearer {
    fn new(
        username: &str,
        token: &str,
        server: &Endpoint,
        oauthbearer: bool,
        refusal: Arc<Mutex<Option<String>>>,
    ) -> Self {
        let initial = if oauthbearer {
            let authzid = username.replace('=', "=3D").replace(',', "=2C");
            format!("n,a={authzid},\x01host={}\x01port={}\x01auth=Bearer {token}\x01\x01", server.host, server.port)
        } else {
            format!("user={username}\x01auth=Bearer {token}\x01\x01")
        };
        Bearer { initial: initial.into_bytes(), oauthbearer, answered: false, refusal }
    }
}

impl async_imap::Authenticator for Bearer {
    type Response = Vec<u8>;

    fn process(&mut self, challenge: &[u8]) -> Vec<u8> {
        if !self.answered {
            self.answered = true;
            return std::mem::take(&mut self.initial);
        }
        *self.refusal.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(String::from_utf8_lossy(challenge).into_owned());
        if self.oauthbearer { vec![1] } else { Vec::new() }
    }
}

async fn read_greeting<T>(client: &mut async_imap::Client<T>, host: &str) -> Result<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(Error::Protocol(format!("{host} closed the connection before greeting"))),
        Err(e) => Err(Error::Protocol(format!("{host} sent no greeting: {e}"))),
    }
}

async fn tls_handshake(server: &Endpoint, tcp: BufReader<TcpStream>) -> Result<ImapStream> {
    let config = tls::client_config(server.trusted_certs.as_deref())?;
    let name = ServerName::try_from(server.host.clone())
        .map_err(|_| Error::Invalid(Problem::BadServerName { server: "IMAP".into(), name: server.host.clone() }))?;
    TlsConnector::from(config).connect(name, tcp).await.map_err(|e| classify_tls_error(&server.host, e))
}

/// Tells an untrusted certificate apart from other handshake failures.
fn classify_tls_error(host: &str, e: std::io::Error) -> Error {
    use tokio_rustls::rustls::Error as TlsError;
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<TlsError>());
    match inner {
        Some(TlsError::InvalidCertificate(reason)) => {
            Error::Certificate { host: host.to_owned(), reason: format!("{reason:?}") }
        }
        Some(other) => Error::Tls { host: host.to_owned(), reason: other.to_string() },
        None => Error::Tls { host: host.to_owned(), reason: e.to_string() },
    }
}
