//! OAuth 2 sign-in as a native app does it: the authorization code flow
//! with PKCE (S256, RFC 7636) in the system browser, answered on a loopback
//! redirect at a port chosen at random (RFC 8252), and the refresh of the
//! access token before it expires. The oauth2 crate makes the requests;
//! the tokens go to the keychain as one entry, never to the database.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::providers::Authority;
use crate::error::{Error, Result};
use crate::imap::tls;
use crate::model::OAuthServer;
use crate::problem::Problem;

/// How long the user has to finish in the browser.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// An access token this close to its end is renewed before use.
const RENEW_BEFORE: i64 = 300;
/// Lifetime assumed when the server does not say one.
const DEFAULT_LIFETIME: i64 = 3600;

/// What the keychain keeps for an OAuth account.
#[derive(Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

impl Tokens {
    /// Whether the access token should be renewed before it is used at `now`.
    pub fn stale(&self, now: i64) -> bool {
        self.expires_at - now < RENEW_BEFORE
    }

    /// As kept in the keychain.
    pub fn to_secret(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// From the keychain; a damaged entry is an expired sign-in.
    pub fn from_secret(secret: &str) -> Result<Tokens> {
        serde_json::from_str(secret).map_err(|_| Error::AuthFailed("the stored sign-in is unreadable".into()))
    }
}

/// The app's registered client at an authorization server: the id, and
/// for Google's "desktop app" clients the secret such clients are given
/// (not a secret in a desktop app, but sent as Google asks). A file entry
/// may also name the server itself: a Microsoft tenant's own endpoints, or
/// an organisation's OpenID provider for the mail hosts in `hosts`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientRegistration {
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub auth_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// IMAP host names whose accounts sign in here (servers not named by
    /// a preset).
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// The client registrations this build and this installation know: from
/// build-time configuration (THREADLINE_GOOGLE_CLIENT_ID and _SECRET,
/// THREADLINE_MICROSOFT_CLIENT_ID), replaced by the entries of
/// `oauth-clients.json` in the data directory ("google", "microsoft", or
/// any other name for a server of one's own).
#[derive(Debug, Clone, Default)]
pub struct Registrations {
    by_name: HashMap<String, ClientRegistration>,
}

/// The file in the data directory that overrides the built-in client ids.
pub const CLIENTS_FILE: &str = "oauth-clients.json";

impl Registrations {
    /// The build's registrations, then the data directory's file over them.
    pub fn load(data_dir: &Path) -> Result<Registrations> {
        let mut by_name = HashMap::new();
        let built = [
            ("google", option_env!("THREADLINE_GOOGLE_CLIENT_ID"), option_env!("THREADLINE_GOOGLE_CLIENT_SECRET")),
            ("microsoft", option_env!("THREADLINE_MICROSOFT_CLIENT_ID"), None),
        ];
        for (name, id, secret) in built {
            if let Some(id) = id.filter(|id| !id.is_empty()) {
                let registration = ClientRegistration {
                    client_id: id.to_owned(),
                    client_secret: secret.map(str::to_owned),
                    ..ClientRegistration::default()
                };
                by_name.insert(name.to_owned(), registration);
            }
        }
        let path = data_dir.join(CLIENTS_FILE);
        if let Ok(text) = std::fs::read_to_string(&path) {
            let file: HashMap<String, ClientRegistration> = serde_json::from_str(&text)
                .map_err(|e| Error::worded(format!("{} is not valid: {e}", path.display())))?;
            by_name.extend(file);
        }
        Ok(Registrations { by_name })
    }

    /// The authorization server and client for a preset's authority.
    pub fn server(&self, authority: Authority, provider: &str) -> Result<(OAuthServer, Option<String>)> {
        let (name, auth_url, token_url, scopes): (_, _, _, &[&str]) = match authority {
            Authority::Google => (
                "google",
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                &["https://mail.google.com/"],
            ),
            // IMAP and SMTP are one resource (outlook.office.com); Graph
            // scopes would make a token for another, so none are asked.
            Authority::Microsoft => (
                "microsoft",
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                &[
                    "https://outlook.office.com/IMAP.AccessAsUser.All",
                    "https://outlook.office.com/SMTP.Send",
                    "offline_access",
                ],
            ),
        };
        let r = self
            .by_name
            .get(name)
            .ok_or_else(|| Error::Invalid(Problem::OauthNotConfigured { provider: provider.to_owned() }))?;
        let server = OAuthServer {
            auth_url: r.auth_url.clone().unwrap_or_else(|| auth_url.to_owned()),
            token_url: r.token_url.clone().unwrap_or_else(|| token_url.to_owned()),
            client_id: r.client_id.clone(),
            scopes: r.scopes.clone().unwrap_or_else(|| scopes.iter().map(|s| (*s).to_owned()).collect()),
        };
        Ok((server, r.client_secret.clone()))
    }

    /// The server an installation names for accounts on this IMAP host.
    pub fn for_host(&self, imap_host: &str) -> Option<(OAuthServer, Option<String>)> {
        self.by_name.values().find(|r| r.hosts.iter().any(|h| h.eq_ignore_ascii_case(imap_host))).and_then(|r| {
            let server = OAuthServer {
                auth_url: r.auth_url.clone()?,
                token_url: r.token_url.clone()?,
                client_id: r.client_id.clone(),
                scopes: r.scopes.clone().unwrap_or_default(),
            };
            Some((server, r.client_secret.clone()))
        })
    }

    /// Whether an account with these settings can sign in with OAuth here.
    pub fn can_sign_in(&self, provider: Option<&str>, imap_host: &str) -> bool {
        let by_preset = provider
            .and_then(super::providers::by_id)
            .and_then(|p| p.oauth.map(|a| (a, p.id)))
            .is_some_and(|(authority, id)| self.server(authority, id).is_ok());
        by_preset || self.for_host(imap_host).is_some()
    }

    /// The secret registered with a client id, if any.
    pub fn secret_of(&self, client_id: &str) -> Option<String> {
        self.by_name.values().find(|r| r.client_id == client_id).and_then(|r| r.client_secret.clone())
    }
}

/// Checks an authorization server's addresses: HTTPS, or HTTP on loopback
/// (a local test server); anything else would send codes in the clear.
pub fn check_server(server: &OAuthServer) -> Result<()> {
    for url in [&server.auth_url, &server.token_url] {
        let parsed = url::Url::parse(url).map_err(|_| Error::Invalid(Problem::BadOauthServer { url: url.clone() }))?;
        let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(Error::Invalid(Problem::BadOauthServer { url: url.clone() }));
        }
    }
    if server.client_id.trim().is_empty() {
        return Err(Error::Invalid(Problem::OauthNotConfigured { provider: String::new() }));
    }
    Ok(())
}

/// What a sign-in needs from the front end that started it.
pub struct SignInRequest<'a> {
    pub server: &'a OAuthServer,
    pub client_secret: Option<String>,
    /// Pre-fills the account chooser at the provider.
    pub login_hint: &'a str,
    /// Opens the consent page (the system browser).
    pub open: &'a (dyn Fn(&str) -> Result<()> + Send + Sync),
    /// Fires when the user cancels in the window.
    pub cancel: oneshot::Receiver<()>,
    pub timeout: Duration,
    /// The page the browser shows at the end: success, then failure.
    pub pages: (String, String),
}

type Client = oauth2::basic::BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(server: &OAuthServer, secret: Option<String>) -> Result<Client> {
    let bad = |url: &str| Error::Invalid(Problem::BadOauthServer { url: url.to_owned() });
    let mut client = oauth2::basic::BasicClient::new(ClientId::new(server.client_id.clone()))
        .set_auth_uri(AuthUrl::new(server.auth_url.clone()).map_err(|_| bad(&server.auth_url))?)
        .set_token_uri(TokenUrl::new(server.token_url.clone()).map_err(|_| bad(&server.token_url))?);
    if let Some(secret) = secret {
        client = client.set_client_secret(ClientSecret::new(secret)).set_auth_type(oauth2::AuthType::RequestBody);
    }
    Ok(client)
}

/// Runs the whole sign-in: the browser, the redirect, the code exchange.
pub async fn sign_in(request: SignInRequest<'_>) -> Result<Tokens> {
    check_server(request.server)?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let redirect = format!("http://127.0.0.1:{port}/");
    let client = client(request.server, request.client_secret.clone())?
        .set_redirect_uri(RedirectUrl::new(redirect).map_err(|e| Error::Protocol(e.to_string()))?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut authorize = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(request.server.scopes.iter().map(|s| Scope::new(s.clone())))
        .add_extra_param("login_hint", request.login_hint);
    // A refresh token is given only with consent asked again (Google and
    // OpenID providers), and for Google only "offline".
    authorize = authorize.add_extra_param("prompt", "consent");
    if request.server.auth_url.starts_with("https://accounts.google.com/") {
        authorize = authorize.add_extra_param("access_type", "offline");
    }
    let (url, state) = authorize.url();
    tracing::info!(port, "waiting for the browser's redirect");
    (request.open)(url.as_str())?;

    let wait = wait_for_code(&listener, state.secret(), &request.pages);
    let code = tokio::select! {
        code = wait => code?,
        _ = request.cancel => return Err(Error::Invalid(Problem::SignInCancelled)),
        _ = tokio::time::sleep(request.timeout) => return Err(Error::Invalid(Problem::SignInTimedOut)),
    };
    let http = http_client()?;
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(token_error)?;
    Ok(tokens(&response, None))
}

/// A new access token for the refresh token; a rotated refresh token
/// comes back in the result and must replace the old one at once.
pub async fn refresh(server: &OAuthServer, secret: Option<String>, refresh_token: &str) -> Result<Tokens> {
    let client = client(server, secret)?;
    let http = http_client()?;
    let old = RefreshToken::new(refresh_token.to_owned());
    let response = client.exchange_refresh_token(&old).request_async(&http).await.map_err(token_error)?;
    Ok(tokens(&response, Some(refresh_token)))
}

fn tokens(response: &oauth2::basic::BasicTokenResponse, old_refresh: Option<&str>) -> Tokens {
    let lifetime = response.expires_in().map_or(DEFAULT_LIFETIME, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Tokens {
        access_token: response.access_token().secret().clone(),
        expires_at: crate::store::now().saturating_add(lifetime),
        refresh_token: response.refresh_token().map(|t| t.secret().clone()).or(old_refresh.map(str::to_owned)),
    }
}

/// A refused grant (revoked, expired, or a client the server no longer
/// knows) needs the user to sign in again; anything else is worth trying
/// again later.
fn token_error<RE: std::error::Error>(e: RequestTokenError<RE, oauth2::basic::BasicErrorResponse>) -> Error {
    use oauth2::basic::BasicErrorResponseType as Kind;
    match e {
        RequestTokenError::ServerResponse(r) => match r.error() {
            Kind::InvalidGrant | Kind::InvalidClient | Kind::UnauthorizedClient => {
                Error::AuthFailed(format!("the sign-in was refused: {r}"))
            }
            _ => Error::Protocol(format!("the sign-in server answered {r}")),
        },
        RequestTokenError::Request(e) => Error::Protocol(format!("the sign-in server could not be reached: {e}")),
        RequestTokenError::Parse(e, _) => {
            Error::Protocol(format!("the sign-in server's answer was not understood: {e}"))
        }
        RequestTokenError::Other(e) => Error::Protocol(e),
    }
}

/// The oauth2 crate's requests over reqwest, with the engine's TLS
/// settings. (A named type: a closure's future is not `Send` for every
/// lifetime the crate asks for.)
struct Http(reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for Http {
    type Error = reqwest::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = std::result::Result<oauth2::HttpResponse, reqwest::Error>> + Send + 'c>,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

fn http_client() -> Result<Http> {
    let tls = std::sync::Arc::unwrap_or_clone(tls::client_config(None)?);
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // The token endpoint answers; it never sends us elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map(Http)
        .map_err(|e| Error::Protocol(format!("HTTP client: {e}")))
}

async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> std::result::Result<oauth2::HttpResponse, reqwest::Error> {
    let response = http.execute(reqwest::Request::try_from(request)?).await?;
    let mut out = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        out = out.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(out.body(body).unwrap_or_default())
}

/// Answers the browser on the loopback port until it brings the code (or
/// the provider's refusal) with our state. Other requests (a favicon, a
/// stale tab) get a 404 and the wait goes on.
async fn wait_for_code(listener: &TcpListener, state: &str, pages: &(String, String)) -> Result<String> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut buffer = vec![0_u8; 8192];
        let mut read = 0;
        while read < buffer.len() && !buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            let Some(rest) = buffer.get_mut(read..) else { break };
            match tokio::time::timeout(Duration::from_secs(10), stream.read(rest)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => read += n,
            }
        }
        let head = String::from_utf8_lossy(buffer.get(..read).unwrap_or_default()).into_owned();
        let target = head.split_whitespace().nth(1).unwrap_or("/");
        let query = url::Url::parse(&format!("http://127.0.0.1{target}")).ok();
        let params: HashMap<String, String> = query.map(|u| u.query_pairs().into_owned().collect()).unwrap_or_default();
        let same_state = params.get("state").is_some_and(|s| s == state);
        let (status, page, outcome) = match (params.get("code"), params.get("error")) {
            (Some(code), _) if same_state => ("200 OK", &pages.0, Some(Ok(code.clone()))),
            (_, Some(error)) if same_state => {
                let reason = params.get("error_description").cloned().unwrap_or_else(|| error.clone());
                ("200 OK", &pages.1, Some(Err(Error::Invalid(Problem::SignInRefused { reason }))))
            }
            _ => ("404 Not Found", &pages.1, None),
        };
        let body = format!(
            "<!doctype html><meta charset=utf-8><title>Threadline</title><p style=\"font:16px sans-serif;margin:3em\">{}</p>",
            crate::mime::html::escape_text(page)
        );
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
        if let Some(outcome) = outcome {
            return outcome;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(auth: &str, token: &str) -> OAuthServer {
        OAuthServer { auth_url: auth.into(), token_url: token.into(), client_id: "app".into(), scopes: vec![] }
    }

    #[test]
    fn only_https_or_loopback_servers_are_used() {
        assert!(check_server(&server("https://id.example/auth", "https://id.example/token")).is_ok());
        assert!(check_server(&server("http://127.0.0.1:8080/auth", "http://localhost:8080/token")).is_ok());
        assert!(check_server(&server("http://id.example/auth", "https://id.example/token")).is_err());
        assert!(check_server(&server("https://id.example/auth", "not a url")).is_err());
    }

    #[test]
    fn tokens_are_renewed_before_they_end_and_kept_as_one_entry() {
        let t = Tokens { access_token: "a".into(), expires_at: 1000, refresh_token: Some("r".into()) };
        assert!(!t.stale(600));
        assert!(t.stale(800));
        let back = Tokens::from_secret(&t.to_secret()).expect("readable");
        assert_eq!(back.refresh_token.as_deref(), Some("r"));
        assert!(Tokens::from_secret("a password").is_err());
        assert_eq!(format!("{t:?}"), "Tokens { expires_at: 1000, .. }", "no token in logs");
    }

    #[test]
    fn the_build_has_no_client_id_in_its_source_and_a_file_can_name_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(CLIENTS_FILE), r#"{"google": {"client_id": "g-id", "client_secret": "g-s"}}"#)
            .expect("write");
        let r = Registrations::load(dir.path()).expect("load");
        let (server, secret) = r.server(Authority::Google, "gmail").expect("configured");
        assert_eq!(server.client_id, "g-id");
        assert_eq!(secret.as_deref(), Some("g-s"));
        assert_eq!(server.scopes, vec!["https://mail.google.com/"]);
        assert_eq!(r.secret_of("g-id").as_deref(), Some("g-s"));
        assert!(r.can_sign_in(Some("gmail"), "imap.gmail.com"));
        assert!(!r.can_sign_in(Some("outlook"), "outlook.office365.com"), "no Microsoft client here");
    }

    /// A sign-in whose "browser" is this test: it gets the consent URL.
    fn request<'a>(
        server: &'a OAuthServer,
        open: &'a (dyn Fn(&str) -> Result<()> + Send + Sync),
        cancel: oneshot::Receiver<()>,
        timeout: Duration,
    ) -> SignInRequest<'a> {
        SignInRequest {
            server,
            client_secret: None,
            login_hint: "ann@example.org",
            open,
            cancel,
            timeout,
            pages: ("done".into(), "failed".into()),
        }
    }

    #[tokio::test]
    async fn cancel_and_timeout_end_the_wait_for_the_browser() {
        let server = server("http://127.0.0.1:9/auth", "http://127.0.0.1:9/token");
        let (cancel, cancelled) = oneshot::channel();
        let open = |_: &str| Ok(());
        let waiting = tokio::spawn({
            let server = server.clone();
            async move { sign_in(request(&server, &open, cancelled, Duration::from_secs(60))).await }
        });
        let _ = cancel.send(());
        let e = waiting.await.expect("task").expect_err("cancelled");
        assert!(matches!(e, Error::Invalid(Problem::SignInCancelled)), "{e:?}");
        let (_keep, never) = oneshot::channel::<()>();
        let e = sign_in(request(&server, &open, never, Duration::from_millis(50))).await.expect_err("timed out");
        assert!(matches!(e, Error::Invalid(Problem::SignInTimedOut)), "{e:?}");
    }

    #[tokio::test]
    async fn only_the_redirect_with_this_sign_ins_state_is_taken() {
        let server = server("http://127.0.0.1:9/auth", "http://127.0.0.1:9/token");
        let (url_tx, url_rx) = std::sync::mpsc::channel::<String>();
        let open = move |url: &str| {
            let _ = url_tx.send(url.to_owned());
            Ok(())
        };
        let (_keep, never) = oneshot::channel::<()>();
        let waiting = tokio::spawn({
            let server = server.clone();
            async move { sign_in(request(&server, &open, never, Duration::from_secs(20))).await }
        });
        let consent = tokio::task::spawn_blocking(move || url_rx.recv().expect("the consent URL")).await.expect("url");
        let consent = url::Url::parse(&consent).expect("a URL");
        let params: HashMap<String, String> = consent.query_pairs().into_owned().collect();
        assert_eq!(params.get("code_challenge_method").map(String::as_str), Some("S256"));
        assert_eq!(params.get("login_hint").map(String::as_str), Some("ann@example.org"));
        let redirect = url::Url::parse(&params["redirect_uri"]).expect("redirect");
        assert_eq!(redirect.host_str(), Some("127.0.0.1"));
        let get = |query: String| {
            let port = redirect.port().expect("a port");
            async move {
                let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
                s.write_all(format!("GET /?{query} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer).await;
                answer
            }
        };
        // A forged redirect (another state) is turned away; the wait goes on.
        assert!(get("code=forged&state=other".into()).await.starts_with("HTTP/1.1 404"));
        // The provider's refusal, with this state, ends it.
        let state = &params["state"];
        let answer = get(format!("error=access_denied&error_description=no&state={state}")).await;
        assert!(answer.contains("failed"), "{answer}");
        let e = waiting.await.expect("task").expect_err("refused");
        assert!(matches!(e, Error::Invalid(Problem::SignInRefused { ref reason }) if reason == "no"), "{e:?}");
    }

    #[test]
    fn an_organisations_own_server_serves_its_hosts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = r#"{"acme": {"client_id": "mail", "auth_url": "https://id.acme.example/auth",
            "token_url": "https://id.acme.example/token", "scopes": ["openid", "offline_access"],
            "hosts": ["mail.acme.example"]}}"#;
        std::fs::write(dir.path().join(CLIENTS_FILE), file).expect("write");
        let r = Registrations::load(dir.path()).expect("load");
        let (server, _) = r.for_host("MAIL.acme.example").expect("served");
        assert_eq!(server.token_url, "https://id.acme.example/token");
        assert!(r.can_sign_in(None, "mail.acme.example"));
        assert!(!r.can_sign_in(None, "imap.other.example"));
    }
}
