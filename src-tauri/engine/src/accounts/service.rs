//! The accounts through the engine: adding one (its password to the
//! keychain), signing in again, its sync settings and its health.

use crate::Engine;
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::model::{
    self, AccountSettings, AccountStatus, AccountSummary, EngineEvent, FoundSettings, Mirror, NewAccount, OAuthServer,
    ProviderView, SignIn, SyncState,
};
use crate::problem::Problem;
use crate::{imap, store, sync};

/// How a front end takes part in an OAuth sign-in: it opens the consent
/// page (the system browser), says how long to wait, and words the page the
/// browser shows at the end (success, failure) in the user's language.
pub struct Browser<'a> {
    pub open: &'a (dyn Fn(&str) -> Result<()> + Send + Sync),
    pub timeout: std::time::Duration,
    pub pages: (String, String),
}

/// The engine's accounts (see [`Engine::accounts`]).
pub struct Accounts<'a> {
    pub(crate) engine: &'a Engine,
}

impl Accounts<'_> {
    /// Validates the form, checks that the server accepts the login (when
    /// `verify`), then stores the account and puts the password in the
    /// keychain. Returns the new account's id.
    pub async fn add(&self, input: NewAccount, verify: bool) -> Result<AccountId> {
        if input.sign_in == SignIn::Oauth {
            return Err(Error::Invalid(Problem::SignsInInBrowser));
        }
        let a = super::resolve(input)?;
        tracing::info!(email = %a.email, host = %a.imap.host, "adding account");
        if verify {
            let mut session = imap::connect(&a.imap, &a.auth, &a.password).await?;
            let _ = session.logout().await;
            tracing::info!("login checked");
        }
        let id = self.engine.store.insert_account(&a).await?;
        if a.history_days.is_some() {
            self.engine.store.set_history(id, a.history_days).await?;
        }
        let key = store::accounts::secret_key(self.engine.store.id(), id);
        tracing::info!(account = %id, "saving the password in the keychain");
        if let Err(e) = self.engine.with_secrets(move |s| s.set(&key, &a.password)).await {
            self.engine.store.delete_account(id).await?;
            return Err(e);
        }
        tracing::info!(account = %id, "account added");
        Ok(id)
    }

    /// Adds an account that signs in with OAuth: the provider's consent
    /// page in the browser first (the preset's authority, or the server in
    /// `input.oauth`), then the IMAP login checked with the new access
    /// token, then the account stored and its tokens put in the keychain.
    pub async fn add_signed_in(&self, mut input: NewAccount, browser: &Browser<'_>) -> Result<AccountId> {
        input.sign_in = SignIn::Oauth;
        let secret = self.fill_oauth_server(&mut input)?;
        let a = super::resolve(input)?;
        let server = a.oauth.clone().ok_or(Error::Invalid(Problem::OauthNotConfigured { provider: String::new() }))?;
        let tokens = self.sign_in(&server, secret, &a.email, browser).await?;
        let mut session = imap::connect(&a.imap, &a.auth, &tokens.access_token).await?;
        let _ = session.logout().await;
        tracing::info!("login with the access token checked");
        let id = self.engine.store.insert_account(&a).await?;
        if a.history_days.is_some() {
            self.engine.store.set_history(id, a.history_days).await?;
        }
        let key = store::accounts::secret_key(self.engine.store.id(), id);
        let kept = tokens.to_secret();
        if let Err(e) = self.engine.with_secrets(move |s| s.set(&key, &kept)).await {
            self.engine.store.delete_account(id).await?;
            return Err(e);
        }
        tracing::info!(account = %id, "account added with OAuth");
        Ok(id)
    }

    /// "Sign in again" for an OAuth account whose sign-in ended (revoked,
    /// expired, password changed): the browser again, the new tokens kept,
    /// and sync resumes where it stopped.
    pub async fn sign_in_again(&self, id: AccountId, browser: &Browser<'_>) -> Result<()> {
        let account = self.engine.store.account(id).await?;
        let server = account.oauth_server().ok_or(Error::Invalid(Problem::OauthNotConfigured {
            provider: account.provider.clone().unwrap_or_default(),
        }))?;
        let secret = self.engine.registrations.secret_of(&server.client_id);
        let tokens = self.sign_in(&server, secret, &account.email, browser).await?;
        let mut session = imap::connect(&account.imap(), &account.auth(), &tokens.access_token).await?;
        let _ = session.logout().await;
        let key = account.secret_key(self.engine.store.id());
        let kept = tokens.to_secret();
        // Not beside a renewal that would write the old sign-in's tokens.
        let _renewing = self.engine.token_locks.lock(id).await;
        self.engine.with_secrets(move |s| s.set(&key, &kept)).await?;
        tracing::info!(account = %id, "signed in again");
        self.engine.set_state(id, SyncState::Ok, None).await?;
        self.engine.request_pass(id);
        Ok(())
    }

    /// Stops the sign-in waiting for the browser (the window's Cancel).
    pub fn cancel_sign_in(&self) {
        let pending = self.engine.sign_in_cancel.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(cancel) = pending {
            let _ = cancel.send(());
        }
    }

    /// The preset's OAuth server and client when none was given; the
    /// client secret registered for the client, if any.
    fn fill_oauth_server(&self, input: &mut NewAccount) -> Result<Option<String>> {
        let registrations = &self.engine.registrations;
        if let Some(server) = &input.oauth {
            return Ok(registrations.secret_of(&server.client_id));
        }
        let id = input.provider.clone().unwrap_or_default();
        let (server, secret) = match super::providers::by_id(&id).and_then(|p| p.oauth) {
            Some(authority) => registrations.server(authority, &id)?,
            None => registrations
                .for_host(input.imap_host.trim())
                .ok_or_else(|| Error::Invalid(Problem::OauthNotConfigured { provider: id.clone() }))?,
        };
        input.oauth = Some(server);
        Ok(secret)
    }

    async fn sign_in(
        &self,
        server: &OAuthServer,
        client_secret: Option<String>,
        email: &str,
        browser: &Browser<'_>,
    ) -> Result<super::oauth::Tokens> {
        let (cancel, cancelled) = tokio::sync::oneshot::channel();
        *self.engine.sign_in_cancel.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(cancel);
        let result = super::oauth::sign_in(super::oauth::SignInRequest {
            server,
            client_secret,
            login_hint: email,
            open: browser.open,
            cancel: cancelled,
            timeout: browser.timeout,
            pages: browser.pages.clone(),
        })
        .await;
        self.engine.sign_in_cancel.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        result
    }

    /// Every provider preset, the generic one last.
    pub fn providers(&self) -> Vec<ProviderView> {
        super::providers::PROVIDERS.iter().map(|p| p.view()).collect()
    }

    /// Finds the server settings of `email`'s account by itself (see
    /// [`super::discover`]); `trusted_certs` (PEM) as for a new account.
    pub async fn discover(&self, email: &str, trusted_certs: Option<&str>) -> Result<FoundSettings> {
        let net = crate::net::Net::from_env()?;
        let mut found = super::discover::discover(&net, email, trusted_certs).await?;
        // OAuth is offered only where this installation has a client.
        if !self.engine.registrations.can_sign_in(found.provider.as_deref(), &found.imap.host) {
            found.auth.retain(|a| *a != SignIn::Oauth);
        }
        tracing::info!(source = model::name_of(&found.source), provider = ?found.provider, "settings found");
        Ok(found)
    }

    /// Takes a new password after the server rejected the old one: checks
    /// it with the server, keeps it in the keychain, and marks the account
    /// ready again. Sync then resumes where it stopped (its state is in the
    /// store; nothing was dropped while the login failed).
    pub async fn update_password(&self, id: AccountId, password: &str) -> Result<()> {
        if password.is_empty() {
            return Err(Error::Invalid(Problem::EmptyPassword));
        }
        let account = self.engine.store.account(id).await?;
        // A password would take the place of its tokens in the keychain.
        if account.sign_in == SignIn::Oauth {
            return Err(Error::Invalid(Problem::SignsInInBrowser));
        }
        let mut session = imap::connect(&account.imap(), &account.auth(), password).await?;
        let _ = session.logout().await;
        let key = account.secret_key(self.engine.store.id());
        let secret = password.to_owned();
        self.engine.with_secrets(move |s| s.set(&key, &secret)).await?;
        tracing::info!(account = %id, "new password accepted and kept");
        self.engine.set_state(id, SyncState::Ok, None).await?;
        // Workers that run for it pick up where they were.
        self.engine.request_pass(id);
        Ok(())
    }

    /// Changes an account's name and server settings (Preferences > Email
    /// sync). Changed servers or login name are tried with the account's
    /// sign-in before they are kept; a new name alone is not.
    pub async fn update_settings(&self, id: AccountId, mut settings: AccountSettings) -> Result<AccountSummary> {
        let account = self.engine.store.account(id).await?;
        settings.display_name = settings.display_name.trim().to_owned();
        settings.imap.host = super::clean_host(&settings.imap.host, "IMAP")?;
        settings.smtp.host = super::clean_host(&settings.smtp.host, "SMTP")?;
        for (port, server) in [(settings.imap.port, "IMAP"), (settings.smtp.port, "SMTP")] {
            if port == 0 {
                return Err(Error::Invalid(Problem::PortOutOfRange { server: server.to_owned() }));
            }
        }
        settings.username = match settings.username.trim() {
            "" => account.email.clone(),
            name => name.to_owned(),
        };
        let before = account.summary();
        let servers_changed =
            before.imap != settings.imap || before.smtp != settings.smtp || before.username != settings.username;
        if servers_changed {
            let mut changed = account.clone();
            changed.imap_host.clone_from(&settings.imap.host);
            changed.imap_port = i64::from(settings.imap.port);
            changed.imap_security = settings.imap.security;
            changed.username.clone_from(&settings.username);
            let secret = self.engine.secret(&account).await?;
            let mut session = imap::connect(&changed.imap(), &changed.auth(), &secret).await?;
            let _ = session.logout().await;
        }
        let _guard = self.engine.pass_locks.lock(id).await;
        self.engine.store.update_settings(id, &settings).await?;
        tracing::info!(account = %id, servers_changed, "account settings changed");
        if servers_changed {
            self.engine.request_pass(id);
        }
        self.get(id).await
    }

    /// Removes an account, its synced mail and its keychain entry.
    pub async fn remove(&self, id: AccountId) -> Result<()> {
        let key = store::accounts::secret_key(self.engine.store.id(), id);
        self.engine.store.delete_account(id).await?;
        self.engine.with_secrets(move |s| s.delete(&key)).await
    }

    /// One account.
    pub async fn get(&self, id: AccountId) -> Result<AccountSummary> {
        Ok(self.engine.store.account(id).await?.summary())
    }

    /// "All emails will be synced" (`folders` None) or "Sync emails with
    /// specific labels" (these folders, by server or display name).
    /// Folders left out are forgotten here at once, and so are the messages
    /// no synced folder holds; the server is never touched. Newly chosen
    /// folders are fetched by the next pass.
    pub async fn choose_sync_folders(&self, account_id: AccountId, folders: Option<&[String]>) -> Result<()> {
        let known = self.engine.store.folders(account_id).await?;
        let chosen: Option<Vec<i64>> = match folders {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        known
                            .iter()
                            .find(|f| &f.name == name || &f.display_name == name)
                            .map(|f| f.id)
                            .ok_or_else(|| Error::NotFound(Problem::FolderNotFound { name: Some(name.to_owned()) }))
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        let _guard = self.engine.pass_locks.lock(account_id).await;
        self.engine.store.choose_folders(account_id, chosen.as_deref()).await?;
        let removed = self.engine.store.delete_orphans(account_id, store::now()).await?;
        tracing::info!(account = %account_id, all = chosen.is_none(), removed, "sync folders chosen");
        let _ = self.engine.events.send(EngineEvent::MessagesChanged { account: account_id });
        self.engine.request_pass(account_id);
        Ok(())
    }

    /// How far back the account syncs (days; None: everything). Narrowing
    /// forgets here what arrived before the new start; widening fetches
    /// the older mail at the next pass. The server is never touched.
    pub async fn set_history(&self, account_id: AccountId, days: Option<u32>) -> Result<()> {
        let _guard = self.engine.pass_locks.lock(account_id).await;
        self.engine.store.set_history(account_id, days).await?;
        let removed = self.engine.store.delete_orphans(account_id, store::now()).await?;
        tracing::info!(account = %account_id, ?days, removed, "history depth set");
        let _ = self.engine.events.send(EngineEvent::MessagesChanged { account: account_id });
        self.engine.request_pass(account_id);
        Ok(())
    }

    /// The account's signature (HTML), used in new messages and above the
    /// quote in replies; None removes it.
    pub async fn set_signature(&self, account_id: AccountId, html: Option<&str>) -> Result<()> {
        self.engine.store.account(account_id).await?;
        self.engine.store.set_signature(account_id, html.map(str::trim).filter(|h| !h.is_empty())).await
    }

    /// The account's signature, if it has one.
    pub async fn signature(&self, account_id: AccountId) -> Result<Option<String>> {
        self.engine.store.signature(account_id).await
    }

    /// The largest message the account sends, in MB (None: its provider's
    /// limit): a larger one is refused before anything is sent.
    pub async fn set_size_limit(&self, account_id: AccountId, megabytes: Option<u32>) -> Result<()> {
        self.engine.store.set_size_limit(account_id, megabytes.map(|mb| u64::from(mb) * 1024 * 1024)).await?;
        tracing::info!(account = %account_id, ?megabytes, "size limit set");
        Ok(())
    }

    /// Shows (or stops showing) the account's new mail as desktop
    /// notifications.
    pub async fn set_notify_new_mail(&self, account_id: AccountId, on: bool) -> Result<()> {
        self.engine.store.set_notify_new_mail(account_id, on).await?;
        tracing::info!(account = %account_id, on, "new mail notifications set");
        Ok(())
    }

    /// How often the account is checked for new mail when its server
    /// cannot push it (and every folder gone over when it can), in
    /// seconds; a running watch picks it up at its next wake.
    pub async fn set_poll_interval(&self, account_id: AccountId, seconds: u32) -> Result<()> {
        self.engine.store.set_poll_interval(account_id, seconds).await?;
        tracing::info!(account = %account_id, seconds, "poll interval set");
        Ok(())
    }

    /// What archiving or deleting here does in this account's mailbox
    /// from now on (actions already queued keep what they asked for).
    pub async fn set_mirror(&self, account_id: AccountId, mirror: Mirror) -> Result<()> {
        self.engine.store.set_mirror(account_id, mirror).await?;
        tracing::info!(account = %account_id, mirror = model::name_of(&mirror), "mirroring set");
        Ok(())
    }

    /// Makes a folder the account's Trash, Sent, Drafts or Archive (for a
    /// server that names none, or the wrong one); kept over what later
    /// passes find. Messages already in that folder move to its box.
    pub async fn choose_folder_role(&self, account_id: AccountId, role: &str, folder_id: i64) -> Result<()> {
        if !sync::roles::PICKABLE.contains(&role) {
            return Err(Error::Invalid(Problem::NotAFolderRole { role: role.to_owned() }));
        }
        self.engine.store.choose_folder_role(account_id, role, folder_id).await?;
        tracing::info!(account = %account_id, role, folder = folder_id, "folder role chosen");
        let _ = self.engine.events.send(EngineEvent::MessagesChanged { account: account_id });
        Ok(())
    }

    /// Every account's health, folder by folder: the troubleshooting view.
    pub async fn statuses(&self) -> Result<Vec<AccountStatus>> {
        let mut out = Vec::new();
        for account in self.engine.store.accounts().await? {
            let folders = self.engine.store.folder_statuses(account.id).await?;
            let (pending_actions, failed_actions) = self.engine.store.action_counts(account.id).await?;
            let (queued_messages, failed_messages) = self.engine.store.outbox_counts(account.id).await?;
            out.push(AccountStatus {
                account: account.summary(),
                folders,
                pending_actions,
                failed_actions,
                last_action_failure: self.engine.store.last_action_failure(account.id).await?,
                queued_messages,
                failed_messages,
            });
        }
        Ok(out)
    }

    /// All accounts.
    pub async fn list(&self) -> Result<Vec<AccountSummary>> {
        Ok(self.engine.store.accounts().await?.iter().map(|a| a.summary()).collect())
    }
}
