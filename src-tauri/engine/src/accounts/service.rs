//! The accounts through the engine: adding one (its password to the
//! keychain), signing in again, its sync settings and its health.

use crate::Engine;
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::model::{
    self, AccountStatus, AccountSummary, EngineEvent, FoundSettings, Mirror, NewAccount, ProviderView, SyncState,
};
use crate::problem::Problem;
use crate::{imap, store, sync};

/// The engine's accounts (see [`Engine::accounts`]).
pub struct Accounts<'a> {
    pub(crate) engine: &'a Engine,
}

impl Accounts<'_> {
    /// Validates the form, checks that the server accepts the login (when
    /// `verify`), then stores the account and puts the password in the
    /// keychain. Returns the new account's id.
    pub async fn add(&self, input: NewAccount, verify: bool) -> Result<AccountId> {
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

    /// Every provider preset, the generic one last.
    pub fn providers(&self) -> Vec<ProviderView> {
        super::providers::PROVIDERS.iter().map(|p| p.view()).collect()
    }

    /// Finds the server settings of `email`'s account by itself (see
    /// [`super::discover`]); `trusted_certs` (PEM) as for a new account.
    pub async fn discover(&self, email: &str, trusted_certs: Option<&str>) -> Result<FoundSettings> {
        let net = crate::net::Net::from_env()?;
        let found = super::discover::discover(&net, email, trusted_certs).await?;
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
