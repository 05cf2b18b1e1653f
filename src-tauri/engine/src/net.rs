//! How the engine finds other hosts when it looks for more than an address:
//! one DNS resolver for MX, SRV, TXT and address records (the system's, or
//! the server `THREADLINE_DNS_SERVER=IP:PORT` names), and, for tests on
//! loopback that cannot own the well-known ports, `THREADLINE_PORT_MAP`
//! (`80=18080,993=19993`) moving those ports elsewhere.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mail_auth::hickory_resolver::TokioResolver;
use mail_auth::hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use mail_auth::hickory_resolver::net::runtime::TokioRuntimeProvider;

use crate::error::{Error, Result};

/// The environment variable that points the resolver at one DNS server.
pub const DNS_SERVER_VAR: &str = "THREADLINE_DNS_SERVER";
/// The environment variable that moves well-known ports (tests only).
pub const PORT_MAP_VAR: &str = "THREADLINE_PORT_MAP";

/// A resolver as [`DNS_SERVER_VAR`] says: that server, or the system's.
pub fn resolver_from_env() -> Result<TokioResolver> {
    match std::env::var(DNS_SERVER_VAR) {
        Ok(server) => {
            let address: SocketAddr = server
                .parse()
                .map_err(|_| Error::worded(format!("{DNS_SERVER_VAR} must be IP:PORT (a DNS server), not {server}")))?;
            resolver_for(address)
        }
        Err(_) => TokioResolver::builder_tokio()
            .and_then(|b| b.build())
            .map_err(|e| Error::Protocol(format!("the system's DNS configuration: {e}"))),
    }
}

/// A resolver asking one DNS server, over UDP and then TCP, at its own
/// port. It is near (the tests' server on loopback): an answer that takes
/// two seconds is not coming.
pub fn resolver_for(server: SocketAddr) -> Result<TokioResolver> {
    let mut name_server = NameServerConfig::udp_and_tcp(server.ip());
    for connection in &mut name_server.connections {
        connection.port = server.port();
    }
    let config = ResolverConfig::from_name_servers(vec![name_server]);
    let mut options = ResolverOpts::default();
    options.timeout = Duration::from_secs(2);
    options.attempts = 1;
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .map_err(|e| Error::Protocol(format!("DNS resolver for {server}: {e}")))
}

/// The resolver and port map together: what looking for servers needs.
#[derive(Clone)]
pub struct Net {
    /// MX, SRV and address lookups, with their answers cached for their TTL.
    pub resolver: TokioResolver,
    ports: HashMap<u16, u16>,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").field("ports", &self.ports).finish_non_exhaustive()
    }
}

impl Net {
    /// As the environment says.
    pub fn from_env() -> Result<Net> {
        let ports = match std::env::var(PORT_MAP_VAR) {
            Ok(map) => parse_port_map(&map)
                .ok_or_else(|| Error::worded(format!("{PORT_MAP_VAR} must look like 80=18080,993=19993, not {map}")))?,
            Err(_) => HashMap::new(),
        };
        Ok(Net { resolver: resolver_from_env()?, ports })
    }

    /// A resolver with a port map in [`PORT_MAP_VAR`]'s form.
    #[cfg(test)]
    pub(crate) fn with_ports(resolver: TokioResolver, map: &str) -> Net {
        Net { resolver, ports: parse_port_map(map).unwrap_or_default() }
    }

    /// The port actually dialled for a well-known one.
    pub fn port(&self, port: u16) -> u16 {
        self.ports.get(&port).copied().unwrap_or(port)
    }

    /// The addresses of a host name (or the address it is).
    pub async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>> {
        let port = self.port(port);
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let found =
            self.resolver.lookup_ip(host).await.map_err(|e| Error::Protocol(format!("no address for {host}: {e}")))?;
        Ok(found.iter().map(|ip| SocketAddr::new(ip, port)).collect())
    }

    /// Opens a TCP connection to a host by name, within `timeout`.
    pub async fn connect(&self, host: &str, port: u16, timeout: Duration) -> Result<tokio::net::TcpStream> {
        let addresses = self.addresses(host, port).await?;
        let attempt = async {
            let mut last = None;
            for address in addresses {
                match tokio::net::TcpStream::connect(address).await {
                    Ok(stream) => return Ok(stream),
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address")))
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(source)) => Err(Error::Connect { host: host.to_owned(), port, source }),
            Err(_) => Err(Error::ConnectTimeout { host: host.to_owned(), port }),
        }
    }
}

fn parse_port_map(text: &str) -> Option<HashMap<u16, u16>> {
    text.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let (from, to) = pair.split_once('=')?;
            Some((from.trim().parse().ok()?, to.trim().parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_maps_are_read_or_refused() {
        let map = parse_port_map("80=18080, 993=19993").expect("valid");
        assert_eq!(map.get(&80), Some(&18080));
        assert_eq!(map.get(&993), Some(&19993));
        assert!(parse_port_map("80:18080").is_none());
        assert!(parse_port_map("").is_some_and(|m| m.is_empty()));
    }
}
