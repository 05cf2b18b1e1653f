//! Finding an address's server settings by itself, as a mail app does:
//! the provider presets (by domain, then by the domain's MX), the domain's
//! Thunderbird autoconfig file, its RFC 6186 SRV records, and last a guess
//! (imap.<domain>, smtp.<domain>) offered only when those servers answered
//! with TLS. Each answer says where it came from.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

use super::providers::{self, Provider};
use crate::error::{Error, Result};
use crate::imap::tls;
use crate::model::{FoundSettings, Security, ServerView, SettingsSource, SignIn};
use crate::net::Net;
use crate::problem::Problem;

/// How long one try (a file, a probe) may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(8);
/// An autoconfig file is a few KB; anything far larger is not one.
const MAX_FILE: usize = 256 * 1024;

/// Looks for the settings of `email`'s account. `trusted_certs` (PEM) are
/// trusted beyond the system's when fetching files and trying servers.
pub async fn discover(net: &Net, email: &str, trusted_certs: Option<&str>) -> Result<FoundSettings> {
    let (_, domain) = split(email)?;
    if let Some(p) = providers::by_domain(&domain) {
        return Ok(from_preset(p, SettingsSource::Preset, email, &domain, None));
    }
    if let Some((p, mx)) = by_mx(net, &domain).await {
        return Ok(from_preset(p, SettingsSource::Mx, email, &domain, Some(mx)));
    }
    let http = web_client(net, trusted_certs)?;
    if let Some(found) = autoconfig(net, &http, email, &domain).await {
        return Ok(found);
    }
    if let Some(found) = srv(net, email, &domain).await {
        return Ok(found);
    }
    if let Some(found) = guess(net, email, &domain, trusted_certs).await {
        return Ok(found);
    }
    Err(Error::NotFound(Problem::NoSettingsFound { domain }))
}

/// The local part and the (ASCII, lower-case) domain of an address.
fn split(email: &str) -> Result<(String, String)> {
    let email = email.trim();
    let not_an_address = || Error::Invalid(Problem::NotAnEmailAddress { text: email.to_owned(), field: None });
    let (local, domain) = email.rsplit_once('@').ok_or_else(not_an_address)?;
    let domain = idna::domain_to_ascii(domain.trim_end_matches('.')).map_err(|_| not_an_address())?;
    if local.is_empty() || !domain.contains('.') {
        return Err(not_an_address());
    }
    Ok((local.to_owned(), domain))
}

fn from_preset(p: &Provider, source: SettingsSource, email: &str, domain: &str, from: Option<String>) -> FoundSettings {
    FoundSettings {
        source,
        provider: Some(p.id.to_owned()),
        imap: p.imap.view(domain),
        smtp: p.smtp.view(domain),
        auth: p.sign_in(),
        username: p.username(email),
        setup: p.setup.to_vec(),
        help: p.help.map(str::to_owned),
        from,
        provider_name: Some(p.name.to_owned()),
    }
}

fn plain(source: SettingsSource, imap: ServerView, smtp: ServerView, email: &str, from: String) -> FoundSettings {
    FoundSettings {
        source,
        provider: None,
        imap,
        smtp,
        auth: vec![SignIn::Password],
        username: email.to_owned(),
        setup: Vec::new(),
        help: None,
        from: Some(from),
        provider_name: None,
    }
}

/// The preset whose servers take the domain's mail, with that MX host.
async fn by_mx(net: &Net, domain: &str) -> Option<(&'static Provider, String)> {
    let lookup = net.resolver.mx_lookup(format!("{domain}.")).await.ok()?;
    let mut hosts: Vec<(u16, String)> = lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            mail_auth::hickory_resolver::proto::rr::RData::MX(mx) => {
                Some((mx.preference, mx.exchange.to_ascii().trim_end_matches('.').to_owned()))
            }
            _ => None,
        })
        .collect();
    hosts.sort();
    hosts.into_iter().find_map(|(_, host)| providers::by_mx(&host).map(|p| (p, host)))
}

// ---- Thunderbird autoconfig -------------------------------------------------

fn web_client(net: &Net, trusted_certs: Option<&str>) -> Result<reqwest::Client> {
    let tls = Arc::unwrap_or_clone(tls::client_config(trusted_certs)?);
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .dns_resolver(Arc::new(NetResolver(net.clone())))
        .connect_timeout(TRY_TIMEOUT)
        .timeout(TRY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(3))
        .no_proxy()
        .build()
        .map_err(|e| Error::Protocol(format!("HTTP client: {e}")))
}

/// Host names through the engine's resolver (so that tests' names resolve).
struct NetResolver(Net);

impl reqwest::dns::Resolve for NetResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let net = self.0.clone();
        Box::pin(async move {
            let found = net.addresses(name.as_str(), 0).await.map_err(|e| Box::new(e) as Box<_>)?;
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The places a domain may publish its file, in Thunderbird's order: the
/// autoconfig host, then the domain's well-known path; HTTPS before HTTP.
fn autoconfig_urls(net: &Net, email: &str, domain: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for (scheme, port) in [("https", 443), ("http", 80)] {
        let port = match net.port(port) {
            same if same == port => String::new(),
            moved => format!(":{moved}"),
        };
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("emailaddress", email).finish();
        urls.push(format!("{scheme}://autoconfig.{domain}{port}/mail/config-v1.1.xml?{query}"));
        urls.push(format!("{scheme}://{domain}{port}/.well-known/autoconfig/mail/config-v1.1.xml"));
    }
    urls
}

async fn autoconfig(net: &Net, http: &reqwest::Client, email: &str, domain: &str) -> Option<FoundSettings> {
    for url in autoconfig_urls(net, email, domain) {
        let Some(text) = fetch(http, &url).await else { continue };
        match parse_autoconfig(&text, email) {
            Some((imap, smtp, auth, username)) => {
                let mut found = plain(SettingsSource::Autoconfig, imap, smtp, email, url);
                found.auth = auth;
                found.username = username;
                return Some(found);
            }
            None => tracing::info!(%url, "not a usable autoconfig file"),
        }
    }
    None
}

async fn fetch(http: &reqwest::Client, url: &str) -> Option<String> {
    let response = match http.get(url).send().await {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            tracing::debug!(%url, status = %r.status(), "no autoconfig file");
            return None;
        }
        Err(e) => {
            tracing::debug!(%url, error = %e, "no autoconfig file");
            return None;
        }
    };
    if response.content_length().is_some_and(|n| n > MAX_FILE as u64) {
        return None;
    }
    let bytes = response.bytes().await.ok()?;
    if bytes.len() > MAX_FILE {
        return None;
    }
    String::from_utf8(bytes.to_vec()).ok()
}

/// The IMAP and SMTP servers of a `clientConfig` file (secure ones only:
/// TLS first, then STARTTLS), the ways of signing in and the login name.
fn parse_autoconfig(text: &str, email: &str) -> Option<(ServerView, ServerView, Vec<SignIn>, String)> {
    let doc = roxmltree::Document::parse(text).ok()?;
    let provider = doc.root_element().children().find(|n| n.has_tag_name("emailProvider"))?;
    let (local, domain) = split(email).ok()?;
    let fill = |s: &str| {
        s.replace("%EMAILADDRESS%", email).replace("%EMAILLOCALPART%", &local).replace("%EMAILDOMAIN%", &domain)
    };
    let child = |node: roxmltree::Node<'_, '_>, tag: &str| {
        node.children().find(|n| n.has_tag_name(tag)).and_then(|n| n.text()).map(|t| t.trim().to_owned())
    };
    let servers = |tag: &str, kind: &str| -> Vec<(ServerView, Vec<SignIn>, Option<String>)> {
        let mut found: Vec<_> = provider
            .children()
            .filter(|n| n.has_tag_name(tag) && n.attribute("type") == Some(kind))
            .filter_map(|n| {
                let security = match child(n, "socketType")?.as_str() {
                    "SSL" => Security::Tls,
                    "STARTTLS" => Security::Starttls,
                    _ => return None,
                };
                let host = fill(&child(n, "hostname")?).to_ascii_lowercase();
                let port = child(n, "port")?.parse().ok()?;
                let auth: Vec<SignIn> = n
                    .children()
                    .filter(|a| a.has_tag_name("authentication"))
                    .filter_map(|a| match a.text()?.trim() {
                        "OAuth2" => Some(SignIn::Oauth),
                        "password-cleartext" | "password-encrypted" => Some(SignIn::Password),
                        _ => None,
                    })
                    .collect();
                Some((ServerView { host, port, security }, auth, child(n, "username").map(|u| fill(&u))))
            })
            .collect();
        found.sort_by_key(|(s, _, _)| s.security != Security::Tls);
        found
    };
    let (imap, mut auth, username) = servers("incomingServer", "imap").into_iter().next()?;
    let (smtp, _, _) = servers("outgoingServer", "smtp").into_iter().next()?;
    if auth.is_empty() {
        auth.push(SignIn::Password);
    }
    auth.dedup();
    Some((imap, smtp, auth, username.unwrap_or_else(|| email.to_owned())))
}

// ---- RFC 6186 SRV records -----------------------------------------------------

async fn srv(net: &Net, email: &str, domain: &str) -> Option<FoundSettings> {
    let imap = srv_pair(net, domain, ("_imaps._tcp", Security::Tls), ("_imap._tcp", Security::Starttls)).await?;
    let smtp =
        srv_pair(net, domain, ("_submissions._tcp", Security::Tls), ("_submission._tcp", Security::Starttls)).await?;
    let from = format!("{} {}", imap.1, smtp.1);
    Some(plain(SettingsSource::Srv, imap.0, smtp.0, email, from))
}

/// The first service of the two that the domain offers: the lowest
/// priority, heaviest weight target. A target of "." says "not offered".
async fn srv_pair(
    net: &Net,
    domain: &str,
    first: (&str, Security),
    second: (&str, Security),
) -> Option<(ServerView, String)> {
    use mail_auth::hickory_resolver::proto::rr::RData;
    for (service, security) in [first, second] {
        let name = format!("{service}.{domain}.");
        let Ok(lookup) = net.resolver.srv_lookup(name.as_str()).await else { continue };
        let mut records: Vec<_> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::SRV(s) => Some((s.priority, std::cmp::Reverse(s.weight), s.port, s.target.to_ascii())),
                _ => None,
            })
            .collect();
        records.sort();
        if let Some((_, _, port, target)) = records.into_iter().next() {
            let host = target.trim_end_matches('.').to_ascii_lowercase();
            if host.is_empty() || port == 0 {
                continue;
            }
            return Some((ServerView { host, port, security }, name.trim_end_matches('.').to_owned()));
        }
    }
    None
}

// ---- The guess, tried before it is offered --------------------------------------

async fn guess(net: &Net, email: &str, domain: &str, trusted: Option<&str>) -> Option<FoundSettings> {
    let imap = ServerView { host: format!("imap.{domain}"), port: 993, security: Security::Tls };
    if let Err(e) = probe(net, &imap, Protocol::Imap, trusted).await {
        tracing::info!(host = %imap.host, error = %e, "guessed IMAP server does not answer");
        return None;
    }
    let mut smtp = None;
    for (port, security) in [(465, Security::Tls), (587, Security::Starttls)] {
        let candidate = ServerView { host: format!("smtp.{domain}"), port, security };
        match probe(net, &candidate, Protocol::Smtp, trusted).await {
            Ok(()) => {
                smtp = Some(candidate);
                break;
            }
            Err(e) => tracing::info!(host = %candidate.host, port, error = %e, "guessed SMTP server does not answer"),
        }
    }
    let smtp = smtp?;
    let from = format!("{}:{} {}:{}", imap.host, imap.port, smtp.host, smtp.port);
    Some(plain(SettingsSource::Guess, imap, smtp, email, from))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Imap,
    Smtp,
}

/// Connects as the account would (TLS or STARTTLS, the certificate checked
/// for the host name) and reads the server's greeting.
async fn probe(net: &Net, server: &ServerView, protocol: Protocol, trusted: Option<&str>) -> Result<()> {
    let attempt = async {
        let tcp = net.connect(&server.host, server.port, TRY_TIMEOUT).await?;
        let mut tcp = BufReader::new(tcp);
        if server.security == Security::Starttls {
            expect_greeting(&mut tcp, protocol, &server.host).await?;
            let (command, ok) = match protocol {
                Protocol::Imap => ("a STARTTLS\r\n", "a OK"),
                Protocol::Smtp => ("EHLO threadline.invalid\r\n", "250 "),
            };
            tcp.write_all(command.as_bytes()).await?;
            read_until(&mut tcp, ok, &server.host).await?;
            if protocol == Protocol::Smtp {
                tcp.write_all(b"STARTTLS\r\n").await?;
                read_until(&mut tcp, "220", &server.host).await?;
            }
        }
        let config = tls::client_config(trusted)?;
        let name = ServerName::try_from(server.host.clone())
            .map_err(|_| Error::Invalid(Problem::BadServerName { server: String::new(), name: server.host.clone() }))?;
        let stream = TlsConnector::from(config)
            .connect(name, tcp.into_inner())
            .await
            .map_err(|e| Error::Tls { host: server.host.clone(), reason: e.to_string() })?;
        let mut stream = BufReader::new(stream);
        match server.security {
            Security::Tls => expect_greeting(&mut stream, protocol, &server.host).await,
            // The greeting came before TLS; a server that answers inside
            // it is there.
            Security::Starttls => {
                let command = if protocol == Protocol::Imap { "b NOOP\r\n" } else { "NOOP\r\n" };
                stream.write_all(command.as_bytes()).await?;
                stream.flush().await?;
                read_until(&mut stream, if protocol == Protocol::Imap { "b OK" } else { "250" }, &server.host).await
            }
        }
    };
    tokio::time::timeout(TRY_TIMEOUT, attempt)
        .await
        .map_err(|_| Error::ConnectTimeout { host: server.host.clone(), port: server.port })?
}

async fn expect_greeting<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    protocol: Protocol,
    host: &str,
) -> Result<()> {
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let ok = match protocol {
        Protocol::Imap => line.starts_with("* OK") || line.starts_with("* PREAUTH"),
        Protocol::Smtp => line.starts_with("220"),
    };
    if ok { Ok(()) } else { Err(Error::Protocol(format!("{host} greeted with {:?}", line.trim_end()))) }
}

/// Reads lines until one starts with `prefix` (an SMTP reply's last line
/// or an IMAP tagged OK); fails on end of stream or after 100 lines.
async fn read_until<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    prefix: &str,
    host: &str,
) -> Result<()> {
    stream.flush().await?;
    for _ in 0..100 {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            break;
        }
        if line.starts_with(prefix) {
            return Ok(());
        }
    }
    Err(Error::Protocol(format!("{host} did not answer with {prefix:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <incomingServer type="pop3"><hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType></incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname><port>143</port><socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>IMAPS.example.org</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname><port>25</port><socketType>plain</socketType>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname><port>587</port><socketType>STARTTLS</socketType>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn an_autoconfig_file_gives_its_secure_servers_tls_first() {
        let (imap, smtp, auth, username) = parse_autoconfig(FILE, "ann@example.org").expect("usable");
        assert_eq!(imap, ServerView { host: "imaps.example.org".into(), port: 993, security: Security::Tls });
        assert_eq!(smtp, ServerView { host: "smtp.example.org".into(), port: 587, security: Security::Starttls });
        assert_eq!(auth, vec![SignIn::Oauth, SignIn::Password]);
        assert_eq!(username, "ann@example.org");
    }

    #[test]
    fn files_without_a_secure_server_or_not_xml_are_not_used() {
        let plain_only = FILE.replace("STARTTLS", "plain").replace("SSL", "plain");
        assert!(parse_autoconfig(&plain_only, "ann@example.org").is_none());
        assert!(parse_autoconfig("<html>not found</html>", "ann@example.org").is_none());
        assert!(parse_autoconfig("{\"json\": true}", "ann@example.org").is_none());
    }

    #[test]
    fn addresses_are_split_with_their_domain_in_ascii() {
        assert_eq!(split(" ann@Bücher.example ").expect("valid").1, "xn--bcher-kva.example");
        assert!(split("ann").is_err());
        assert!(split("@example.org").is_err());
    }

    #[tokio::test]
    async fn autoconfig_is_asked_for_over_https_first_then_http() {
        let net = Net::with_ports(crate::net::resolver_for(([127, 0, 0, 1], 9).into()).expect("resolver"), "80=8080");
        let urls = autoconfig_urls(&net, "a+b@example.org", "example.org");
        assert_eq!(urls[0], "https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=a%2Bb%40example.org");
        assert_eq!(urls[1], "https://example.org/.well-known/autoconfig/mail/config-v1.1.xml");
        assert!(urls[2].starts_with("http://autoconfig.example.org:8080/mail/"), "{}", urls[2]);
    }
}
