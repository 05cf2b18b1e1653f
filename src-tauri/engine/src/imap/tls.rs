//! TLS settings for mail servers: the OS trust store, plus certificates the
//! user chose to trust for a self-hosted server.
//!
//! A trusted certificate may be a CA (then it anchors normal verification)
//! or the server's own self-signed certificate (then that exact certificate
//! is accepted, as mail clients do when the user says "trust this one").

use std::sync::{Arc, OnceLock};

use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::crypto::{self, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, Result};
use crate::problem::Problem;

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER.get_or_init(|| Arc::new(crypto::ring::default_provider())).clone()
}

/// The platform's trust anchors, loaded once (falling back to the Mozilla
/// set where the platform has none, e.g. minimal containers).
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        roots
    })
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";

/// Rewrites pasted certificates in canonical PEM form. Copy and paste often
/// loses the line breaks or adds spaces; the base64 inside is what counts.
pub fn normalize_pem(pem: &str) -> String {
    let mut out = String::new();
    let mut rest = pem;
    while let Some(start) = rest.find(PEM_BEGIN) {
        let after = rest.get(start + PEM_BEGIN.len()..).unwrap_or_default();
        let Some(end) = after.find(PEM_END) else { break };
        let body: Vec<char> = after.get(..end).unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
        out.push_str(PEM_BEGIN);
        out.push('\n');
        for line in body.chunks(64) {
            out.extend(line);
            out.push('\n');
        }
        out.push_str(PEM_END);
        out.push('\n');
        rest = after.get(end + PEM_END.len()..).unwrap_or_default();
    }
    out
}

/// Parses the PEM certificates a user chose to trust.
pub fn parse_trusted_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>> {
    let invalid = || Error::Invalid(Problem::CertificateFileInvalid);
    let certs: Vec<_> = CertificateDer::pem_slice_iter(normalize_pem(pem).as_bytes())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| invalid())?;
    if certs.is_empty() {
        return Err(invalid());
    }
    Ok(certs)
}

/// Builds the TLS client settings for one server.
pub fn client_config(trusted_pem: Option<&str>) -> Result<Arc<ClientConfig>> {
    let provider = provider();
    let verifier = trust_verifier(trusted_pem)?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Invalid(Problem::TlsSetupFailed { detail: e.to_string() }))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Checks a certificate chain that another TLS stack received (the SMTP
/// library's) exactly as our own connections check theirs, so that mail
/// is sent only to a server the user's account settings trust.
pub fn verify_chain(trusted_pem: Option<&str>, host: &str, chain: &[Vec<u8>]) -> Result<()> {
    let untrusted = |reason: String| Error::Certificate { host: host.to_owned(), reason };
    let (end_entity, intermediates) =
        chain.split_first().ok_or_else(|| untrusted("the server sent no certificate".into()))?;
    let intermediates: Vec<CertificateDer<'_>> =
        intermediates.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| Error::Invalid(Problem::BadServerName { server: String::new(), name: host.to_owned() }))?;
    trust_verifier(trusted_pem)?
        .verify_server_cert(&CertificateDer::from(end_entity.as_slice()), &intermediates, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| match e {
            tokio_rustls::rustls::Error::InvalidCertificate(reason) => untrusted(format!("{reason:?}")),
            other => untrusted(other.to_string()),
        })
}

/// The system's trust anchors plus what the user chose to trust.
fn trust_verifier(trusted_pem: Option<&str>) -> Result<TrustVerifier> {
    let provider = provider();
    let pinned = match trusted_pem {
        Some(pem) if !pem.trim().is_empty() => parse_trusted_certs(pem)?,
        _ => Vec::new(),
    };
    let mut roots = system_roots().clone();
    for cert in &pinned {
        // Self-signed leaves are not valid anchors; they are pinned below.
        let _ = roots.add(cert.clone());
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| Error::Invalid(Problem::TlsSetupFailed { detail: e.to_string() }))?;
    Ok(TrustVerifier { pinned, webpki, provider })
}

/// Normal WebPKI verification, except that a certificate the user pinned is
/// accepted as is.
#[derive(Debug)]
struct TrustVerifier {
    pinned: Vec<CertificateDer<'static>>,
    webpki: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for TrustVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, tokio_rustls::rustls::Error> {
        if self.pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    const SAMPLE_BODY: &str =
        "MIIBszCCAVmgAwIBAgIUQk0rZ2Jvb2sgZXhhbXBsZSBjZXJ0aWZpY2F0ZTAKBggqhkjOPQQDAjAPMQ0wCwYDVQQDDARUZXN0";

    #[test]
    fn pasted_pem_without_line_breaks_is_rewrapped() {
        let flat = format!("  {PEM_BEGIN}{SAMPLE_BODY}{PEM_END} ");
        let fixed = normalize_pem(&flat);
        let lines: Vec<&str> = fixed.lines().collect();
        assert_eq!(lines.first().copied(), Some(PEM_BEGIN));
        assert_eq!(lines.last().copied(), Some(PEM_END));
        assert!(lines.iter().all(|l| l.len() <= 64));
        assert_eq!(lines[1..lines.len() - 1].concat(), SAMPLE_BODY);
    }

    #[test]
    fn garbage_is_refused_in_plain_words() {
        for input in ["not a pem", &format!("{PEM_BEGIN}@@@{PEM_END}")] {
            let e = parse_trusted_certs(input).expect_err("invalid");
            assert!(e.user_message().contains("not a valid PEM certificate"), "{e}");
        }
    }
}
