//! Where a link clicked inside the app leads: a web page to the system's
//! browser (never inside the app's window), an email link to Threadline's
//! composer or to the system's email app as the user prefers, and nothing
//! else anywhere (a `file:` or `javascript:` link in a mail is not
//! followed).

use serde::Serialize;

use crate::mailto::{self, MailtoLink};
use crate::model::Draft;
use crate::preferences::EmailLinks;

/// What following a link comes to, for the shell to carry out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkRoute {
    /// Threadline's composer, started as the link asks.
    Compose { draft: Box<Draft> },
    /// Handed to the system: a web page opens in its browser, an email link
    /// in its default email app, a phone number in its dialer.
    Outside { url: String },
}

/// Where a link leads before any draft is made: the pure part of
/// [`crate::mail::Mail::follow_link`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Compose(MailtoLink),
    Outside(String),
    /// Not followed; the scheme (lowercase) says what it was.
    Refused(String),
}

/// Schemes handed to the system as they are.
const OUTSIDE: [&str; 3] = ["http", "https", "tel"];

/// Where `href` leads with the user's email-links preference.
pub fn route(href: &str, email_links: EmailLinks) -> Result<Route, mailto::MailtoFault> {
    let href = href.trim();
    let scheme = href.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    let plain_scheme = !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !plain_scheme {
        return Ok(Route::Refused(String::new()));
    }
    if scheme == "mailto" {
        // Read here either way: a broken link is told, not handed on.
        let link = mailto::parse(href)?;
        return Ok(match email_links {
            EmailLinks::Threadline => Route::Compose(link),
            EmailLinks::System => Route::Outside(href.to_owned()),
        });
    }
    if OUTSIDE.contains(&scheme.as_str()) && href.len() > scheme.len() + 1 {
        return Ok(Route::Outside(href.to_owned()));
    }
    Ok(Route::Refused(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(href: &str) -> Route {
        route(href, EmailLinks::Threadline).expect("readable")
    }

    #[test]
    fn web_pages_and_phone_numbers_go_to_the_system() {
        for href in ["https://example.com/a?b=c", "HTTP://example.com", " https://x.test ", "tel:+3725551234"] {
            assert_eq!(to(href), Route::Outside(href.trim().to_owned()), "{href}");
        }
    }

    #[test]
    fn an_email_link_follows_the_preference() {
        let href = "mailto:ann@example.com?subject=Hi";
        let Route::Compose(link) = to(href) else { panic!("composer") };
        assert_eq!((link.to, link.subject.as_str()), (vec!["ann@example.com".to_owned()], "Hi"));
        assert_eq!(route(href, EmailLinks::System), Ok(Route::Outside(href.to_owned())));
        assert_eq!(
            route("MAILTO:bob@example.com", EmailLinks::System),
            Ok(Route::Outside("MAILTO:bob@example.com".into()))
        );
    }

    #[test]
    fn a_broken_email_link_is_told_whatever_the_preference() {
        for choice in [EmailLinks::Threadline, EmailLinks::System] {
            assert_eq!(route("mailto:a@b.c?subject=%zz", choice), Err(mailto::MailtoFault::BadEscape));
        }
    }

    #[test]
    fn other_links_are_not_followed() {
        for (href, scheme) in [
            ("file:///etc/passwd", "file"),
            ("javascript:alert(1)", "javascript"),
            ("data:text/html,<b>x</b>", "data"),
            ("ftp://example.com/x", "ftp"),
            ("https:", "https"),
            ("#section-2", ""),
            ("/relative/path", ""),
            ("", ""),
            ("a b:c", ""),
        ] {
            assert_eq!(to(href), Route::Refused(scheme.to_owned()), "{href}");
        }
    }

    #[tokio::test]
    async fn a_followed_link_becomes_a_draft_or_goes_outside_as_preferred_and_the_choice_is_kept() {
        use crate::Engine;
        use crate::accounts::{Auth, Endpoint, ResolvedAccount};
        use crate::error::Error;
        use crate::model::Security;
        use crate::preferences::AppPreferences;
        use crate::problem::Problem;
        use crate::secrets::MemorySecrets;

        let dir = tempfile::tempdir().expect("tempdir");
        let engine = Engine::open(dir.path(), std::sync::Arc::new(MemorySecrets::default())).await.expect("open");
        let mail = engine.mail();
        let link = "mailto:ann@example.com,bob@example.com?cc=carl@example.com&subject=Q4%20plan&body=Hi%0D%0Athere";
        assert!(
            matches!(mail.follow_link(link).await, Err(Error::Invalid(Problem::NoAccount))),
            "no account to write from"
        );
        let endpoint = |port| Endpoint { host: "127.0.0.1".into(), port, security: Security::Tls, trusted_certs: None };
        let account = engine
            .store
            .insert_account(&ResolvedAccount {
                email: "me@example.com".into(),
                display_name: "Me".into(),
                imap: endpoint(993),
                smtp: endpoint(465),
                auth: Auth::Password { username: "me".into() },
                password: String::new(),
                history_days: None,
                provider: None,
                oauth: None,
            })
            .await
            .expect("account");

        assert_eq!(engine.app_preferences().await.expect("preferences"), AppPreferences::default());
        let Ok(LinkRoute::Compose { draft }) = mail.follow_link(link).await else { panic!("the composer") };
        assert_eq!(draft.account_id, account);
        assert_eq!(
            (draft.to.as_str(), draft.cc.as_str(), draft.bcc.as_str()),
            ("ann@example.com, bob@example.com", "carl@example.com", "")
        );
        assert_eq!(
            (draft.subject.as_str(), draft.body.as_str(), draft.html.as_deref()),
            ("Q4 plan", "Hi\nthere", None)
        );
        assert_eq!(mail.mailto_draft(link).await.expect("the same draft"), *draft);

        let outside = AppPreferences { email_links: EmailLinks::System, close_to_tray: true };
        engine.set_app_preferences(&outside).await.expect("set");
        assert_eq!(engine.app_preferences().await.expect("preferences"), outside);
        assert_eq!(mail.follow_link(link).await.expect("followed"), LinkRoute::Outside { url: link.to_owned() });
        // A link from another program comes to the composer either way.
        assert_eq!(mail.mailto_draft(link).await.expect("draft").to, "ann@example.com, bob@example.com");
        assert_eq!(
            mail.follow_link("https://example.com/").await.expect("followed"),
            LinkRoute::Outside { url: "https://example.com/".into() }
        );
        assert!(matches!(
            mail.follow_link("file:///etc/passwd").await,
            Err(Error::Invalid(Problem::LinkNotFollowed { scheme })) if scheme == "file"
        ));
        assert!(matches!(
            mail.mailto_draft("mailto:a@b.c?body=%ff").await,
            Err(Error::Invalid(Problem::MailtoUnreadable { fault: mailto::MailtoFault::NotUtf8 }))
        ));
    }
}
