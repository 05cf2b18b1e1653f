//! Adding accounts: what the user typed is checked and resolved here, before
//! anything is stored (config in two stages: raw input, then resolved).

pub mod discover;
pub mod oauth;
pub mod providers;
mod service;

pub use service::{Accounts, Browser};

use crate::error::{Error, Result};
use crate::imap::tls;
use crate::model::{FoundSettings, NewAccount, OAuthServer, Security, SignIn};
use crate::problem::Problem;

/// Where a server is and how to reach it safely: the one description IMAP
/// and SMTP share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Certificates trusted for this server beyond the system's (PEM), as
    /// chosen under "Trust this certificate" for a server of one's own.
    pub trusted_certs: Option<String>,
}

/// How the app signs in to an account's servers. The secret itself (a
/// password, or OAuth tokens) lives in the keychain, never here; what is
/// handed to a connection is the password or a current access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// LOGIN (IMAP) and AUTH PLAIN/LOGIN (SMTP) with this user name and the
    /// keychain's password.
    Password { username: String },
    /// OAUTHBEARER where offered, else XOAUTH2, with an access token.
    OAuth { username: String },
}

impl Auth {
    /// The user name the servers know the account by.
    pub fn username(&self) -> &str {
        match self {
            Auth::Password { username } | Auth::OAuth { username } => username,
        }
    }
}

/// A new account after validation, with defaults applied.
#[derive(Debug, Clone)]
pub struct ResolvedAccount {
    pub email: String,
    pub display_name: String,
    pub imap: Endpoint,
    pub smtp: Endpoint,
    pub auth: Auth,
    /// Empty for OAuth (its tokens are stored by the sign-in).
    pub password: String,
    /// How far back to sync, in days (None: everything).
    pub history_days: Option<u32>,
    /// The preset the settings came from.
    pub provider: Option<String>,
    /// For OAuth: where its tokens are renewed.
    pub oauth: Option<OAuthServer>,
}

/// Fills the servers, login name (unless one was typed) and preset of an
/// account form from settings found for its address.
pub fn use_found(account: &mut NewAccount, found: FoundSettings) {
    (account.imap_host, account.imap_port, account.imap_security) =
        (found.imap.host, found.imap.port, found.imap.security);
    (account.smtp_host, account.smtp_port, account.smtp_security) =
        (found.smtp.host, found.smtp.port, found.smtp.security);
    if account.username.trim().is_empty() {
        account.username = found.username;
    }
    account.provider = account.provider.take().or(found.provider);
}

/// Checks the form and fills in defaults; errors say which field is wrong.
pub fn resolve(input: NewAccount) -> Result<ResolvedAccount> {
    let email = input.email.trim().to_owned();
    let valid_email = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && (domain.contains('.') || domain == "localhost"));
    if !valid_email {
        return Err(Error::Invalid(Problem::NotAnEmailAddress { text: email.to_owned(), field: None }));
    }
    let imap_host = clean_host(&input.imap_host, "IMAP")?;
    let smtp_host = clean_host(&input.smtp_host, "SMTP")?;
    for (port, what) in [(input.imap_port, "IMAP"), (input.smtp_port, "SMTP")] {
        if port == 0 {
            return Err(Error::Invalid(Problem::PortOutOfRange { server: what.to_owned() }));
        }
    }
    if input.sign_in == SignIn::Password && input.password.is_empty() {
        return Err(Error::Invalid(Problem::EmptyPassword));
    }
    let oauth = match input.sign_in {
        SignIn::Password => None,
        SignIn::Oauth => {
            let server = input.oauth.ok_or(Error::Invalid(Problem::OauthNotConfigured { provider: String::new() }))?;
            oauth::check_server(&server)?;
            Some(server)
        }
    };
    if let Some(id) = &input.provider
        && providers::by_id(id).is_none()
    {
        return Err(Error::Invalid(Problem::Worded { text: format!("There is no provider preset \"{id}\".") }));
    }
    let trusted_certs = match input.trusted_certs {
        Some(pem) if !pem.trim().is_empty() => {
            let pem = tls::normalize_pem(&pem);
            tls::parse_trusted_certs(&pem)?;
            Some(pem)
        }
        _ => None,
    };
    let username = match input.username.trim() {
        "" => email.clone(),
        u => u.to_owned(),
    };
    // Settings typed by hand for a known provider's server get its quirks.
    let provider = input.provider.or_else(|| providers::by_imap_host(&imap_host).map(|p| p.id.to_owned()));
    Ok(ResolvedAccount {
        display_name: input.display_name.trim().to_owned(),
        email,
        imap: Endpoint {
            host: imap_host,
            port: input.imap_port,
            security: input.imap_security,
            trusted_certs: trusted_certs.clone(),
        },
        smtp: Endpoint { host: smtp_host, port: input.smtp_port, security: input.smtp_security, trusted_certs },
        auth: match input.sign_in {
            SignIn::Password => Auth::Password { username },
            SignIn::Oauth => Auth::OAuth { username },
        },
        password: input.password,
        history_days: input.history_days,
        provider,
        oauth,
    })
}

/// A server name as typed, trimmed and lower-cased, or why it is not one.
pub(crate) fn clean_host(raw: &str, server: &str) -> Result<String> {
    let host = raw.trim().trim_end_matches('.').to_lowercase();
    let ok = !host.is_empty() && host.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if ok {
        Ok(host)
    } else {
        Err(Error::Invalid(Problem::BadServerName { server: server.to_owned(), name: raw.trim().to_owned() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewAccount {
        NewAccount {
            email: " alice@example.com ".into(),
            display_name: "Alice".into(),
            imap_host: "IMAP.Example.com".into(),
            imap_port: 993,
            imap_security: Security::Tls,
            smtp_host: "smtp.example.com".into(),
            smtp_port: 465,
            smtp_security: Security::Tls,
            username: "".into(),
            password: "secret".into(),
            trusted_certs: None,
            history_days: None,
            sign_in: SignIn::Password,
            provider: None,
            oauth: None,
        }
    }

    #[test]
    fn defaults_are_applied() {
        let r = resolve(input()).expect("valid");
        assert_eq!(r.email, "alice@example.com");
        assert_eq!(r.auth.username(), "alice@example.com");
        assert_eq!(r.imap.host, "imap.example.com");
    }

    #[test]
    fn bad_fields_are_named() {
        type Case = (fn(&mut NewAccount), &'static str);
        let cases: [Case; 6] = [
            (|a| a.email = "alice".into(), "not an email address"),
            (|a| a.email = "@localhost".into(), "not an email address"),
            (|a| a.imap_host = "imap example".into(), "IMAP server"),
            (|a| a.smtp_port = 0, "SMTP port"),
            (|a| a.password = String::new(), "password"),
            (|a| a.trusted_certs = Some("not a pem".into()), "certificate"),
        ];
        for (change, expected) in cases {
            let mut a = input();
            change(&mut a);
            let err = resolve(a).expect_err("must fail").user_message();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }
}
