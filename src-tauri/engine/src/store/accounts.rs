//! The `accounts` table: server settings and sync state, never secrets.

use sqlx::{FromRow, Row};

use super::{Store, now};
use crate::accounts::{Auth, Endpoint, ResolvedAccount};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::model::{AccountSettings, AccountSummary, Mirror, OAuthServer, Security, ServerView, SignIn, SyncState};
use crate::problem::Problem;

/// An account as stored, with its resolved server settings.
#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub id: AccountId,
    pub email: String,
    pub display_name: String,
    pub imap_host: String,
    pub imap_port: i64,
    pub imap_security: Security,
    pub smtp_host: String,
    pub smtp_port: i64,
    pub smtp_security: Security,
    pub username: String,
    pub trusted_certs: Option<String>,
    pub sync_state: SyncState,
    pub last_error: Option<Problem>,
    pub last_sync_at: Option<i64>,
    /// Every folder is synced, or only the chosen ones.
    pub sync_all_folders: bool,
    /// How far back to sync, in days (None: everything).
    pub history_days: Option<i64>,
    /// What archiving or deleting here does in the mail account.
    pub mirror: Mirror,
    /// Seconds between checks without push, and between full passes.
    pub poll_seconds: i64,
    pub sign_in: SignIn,
    /// The preset the settings came from.
    pub provider: Option<String>,
    pub oauth_auth_url: Option<String>,
    pub oauth_token_url: Option<String>,
    pub oauth_client_id: Option<String>,
    pub oauth_scopes: Option<String>,
    /// Bytes, when the user set a limit.
    pub size_limit: Option<i64>,
    /// New mail in its inbox is shown as a desktop notification.
    pub notify_new_mail: bool,
}

impl AccountRow {
    /// How to reach the account's IMAP server.
    pub fn imap(&self) -> Endpoint {
        Endpoint {
            host: self.imap_host.clone(),
            port: u16::try_from(self.imap_port).unwrap_or(993),
            security: self.imap_security,
            trusted_certs: self.trusted_certs.clone(),
        }
    }

    /// How to reach the account's SMTP server.
    pub fn smtp(&self) -> Endpoint {
        Endpoint {
            host: self.smtp_host.clone(),
            port: u16::try_from(self.smtp_port).unwrap_or(465),
            security: self.smtp_security,
            trusted_certs: self.trusted_certs.clone(),
        }
    }

    /// How the account signs in.
    pub fn auth(&self) -> Auth {
        let username = self.username.clone();
        match self.sign_in {
            SignIn::Password => Auth::Password { username },
            SignIn::Oauth => Auth::OAuth { username },
        }
    }

    /// The largest message it sends, in bytes as sent: the user's limit,
    /// else its provider's.
    pub fn size_limit(&self) -> u64 {
        let preset = self.preset().map_or(crate::accounts::providers::DEFAULT_MAX_MESSAGE_MB, |p| p.max_message_mb);
        self.size_limit.and_then(|b| u64::try_from(b).ok()).unwrap_or(u64::from(preset) * 1024 * 1024)
    }

    /// The preset the account was made from: its quirks.
    pub fn preset(&self) -> Option<&'static crate::accounts::providers::Provider> {
        self.provider.as_deref().and_then(crate::accounts::providers::by_id)
    }

    /// Where an OAuth account renews its tokens.
    pub fn oauth_server(&self) -> Option<OAuthServer> {
        Some(OAuthServer {
            auth_url: self.oauth_auth_url.clone()?,
            token_url: self.oauth_token_url.clone()?,
            client_id: self.oauth_client_id.clone()?,
            scopes: self.oauth_scopes.as_deref().unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
        })
    }

    /// The keychain key of this account's password or OAuth tokens.
    pub fn secret_key(&self, store_id: &str) -> String {
        secret_key(store_id, self.id)
    }

    /// What the UI lists.
    pub fn summary(&self) -> AccountSummary {
        AccountSummary {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            sync_state: self.sync_state,
            last_error: self.last_error.clone(),
            last_sync_at: self.last_sync_at,
            sync_all_folders: self.sync_all_folders,
            history_days: self.history_days.and_then(|d| u32::try_from(d).ok()),
            mirror: self.mirror,
            poll_seconds: self.poll_interval().as_secs().try_into().unwrap_or(u32::MAX),
            sign_in: self.sign_in,
            provider: self.provider.clone(),
            size_limit: self.size_limit(),
            imap: ServerView { host: self.imap_host.clone(), port: self.imap().port, security: self.imap_security },
            smtp: ServerView { host: self.smtp_host.clone(), port: self.smtp().port, security: self.smtp_security },
            username: self.username.clone(),
            notify_new_mail: self.notify_new_mail,
        }
    }

    /// Time between checks for new mail when the server cannot push, and
    /// between passes over every folder when it can.
    pub fn poll_interval(&self) -> std::time::Duration {
        // The column's CHECK keeps it in range; the clamp spares a cast.
        std::time::Duration::from_secs(self.poll_seconds.clamp(1, POLL_SECONDS_MAX as i64) as u64)
    }
}

/// The longest poll interval: a day (the column's CHECK, migration 0017).
const POLL_SECONDS_MAX: u64 = 86_400;

/// An update of one account's row: an error when there is no such account.
fn account_found(result: &sqlx::sqlite::SqliteQueryResult, account_id: AccountId) -> Result<()> {
    if result.rows_affected() == 0 {
        return Err(Error::NotFound(Problem::AccountNotFound { id: account_id }));
    }
    Ok(())
}

/// The keychain key of an account's password.
pub fn secret_key(store_id: &str, account_id: AccountId) -> String {
    format!("{store_id}/account-{account_id}/password")
}

impl Store {
    /// Sets how far back the account is synced (days; None: everything).
    /// Narrowing forgets here what arrived before the new start (the
    /// server keeps it); every folder is then planned afresh, so widening
    /// fetches what the old window left out.
    pub async fn set_history(&self, account_id: AccountId, days: Option<u32>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let current: Option<Option<i64>> = sqlx::query_scalar("SELECT history_days FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        let current = current.ok_or_else(|| Error::NotFound(Problem::AccountNotFound { id: account_id }))?;
        if current == days.map(i64::from) {
            // Unchanged: nothing to forget, and no reason to re-plan every
            // folder at the next pass.
            return Ok(());
        }
        sqlx::query("UPDATE accounts SET history_days = ? WHERE id = ?")
            .bind(days.map(i64::from))
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        if let Some(days) = days {
            sqlx::query(
                "DELETE FROM message_folders WHERE arrived < ?
                   AND folder_id IN (SELECT id FROM folders WHERE account_id = ?)",
            )
            .bind(history_start(days))
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE folders SET server_exists = -1 WHERE account_id = ?")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets what archiving or deleting here does in the mail account.
    pub async fn set_mirror(&self, account_id: AccountId, mirror: Mirror) -> Result<()> {
        let result = sqlx::query("UPDATE accounts SET mirror = ? WHERE id = ?")
            .bind(mirror)
            .bind(account_id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        account_found(&result, account_id)
    }

    /// Sets how often the account is checked without push (seconds, 1 to
    /// `POLL_SECONDS_MAX`).
    pub async fn set_poll_interval(&self, account_id: AccountId, seconds: u32) -> Result<()> {
        if !(1..=POLL_SECONDS_MAX).contains(&u64::from(seconds)) {
            return Err(Error::Invalid(Problem::PollIntervalOutOfRange));
        }
        let result = sqlx::query("UPDATE accounts SET poll_seconds = ? WHERE id = ?")
            .bind(i64::from(seconds))
            .bind(account_id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        account_found(&result, account_id)
    }

    /// Shows (or stops showing) the account's new mail as desktop
    /// notifications.
    pub async fn set_notify_new_mail(&self, account_id: AccountId, on: bool) -> Result<()> {
        let result = sqlx::query("UPDATE accounts SET notify_new_mail = ? WHERE id = ?")
            .bind(on)
            .bind(account_id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        account_found(&result, account_id)
    }

    /// Sets the account's size limit (bytes; None: its provider's).
    pub async fn set_size_limit(&self, account_id: AccountId, bytes: Option<u64>) -> Result<()> {
        let result = sqlx::query("UPDATE accounts SET size_limit = ? WHERE id = ?")
            .bind(bytes.map(|b| i64::try_from(b).unwrap_or(i64::MAX)))
            .bind(account_id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        account_found(&result, account_id)
    }

    /// Changes an account's name, servers and login name.
    pub async fn update_settings(&self, account_id: AccountId, settings: &AccountSettings) -> Result<()> {
        let result = sqlx::query(
            "UPDATE accounts SET display_name = ?, imap_host = ?, imap_port = ?, imap_security = ?,
                 smtp_host = ?, smtp_port = ?, smtp_security = ?, username = ? WHERE id = ?",
        )
        .bind(&settings.display_name)
        .bind(&settings.imap.host)
        .bind(i64::from(settings.imap.port))
        .bind(settings.imap.security)
        .bind(&settings.smtp.host)
        .bind(i64::from(settings.smtp.port))
        .bind(settings.smtp.security)
        .bind(&settings.username)
        .bind(account_id)
        .execute(&mut *self.write_conn().await?)
        .await?;
        account_found(&result, account_id)
    }

    /// Inserts an account and returns its id.
    pub async fn insert_account(&self, a: &ResolvedAccount) -> Result<AccountId> {
        let result = sqlx::query(
            "INSERT INTO accounts (email, display_name, imap_host, imap_port, imap_security,
                 smtp_host, smtp_port, smtp_security, username, trusted_certs, created_at,
                 sign_in, provider, oauth_auth_url, oauth_token_url, oauth_client_id, oauth_scopes)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&a.email)
        .bind(&a.display_name)
        .bind(&a.imap.host)
        .bind(i64::from(a.imap.port))
        .bind(a.imap.security)
        .bind(&a.smtp.host)
        .bind(i64::from(a.smtp.port))
        .bind(a.smtp.security)
        .bind(a.auth.username())
        // One set of trusted certificates serves both servers (the form
        // has one field).
        .bind(&a.imap.trusted_certs)
        .bind(now())
        .bind(if a.oauth.is_some() { SignIn::Oauth } else { SignIn::Password })
        .bind(&a.provider)
        .bind(a.oauth.as_ref().map(|o| &o.auth_url))
        .bind(a.oauth.as_ref().map(|o| &o.token_url))
        .bind(a.oauth.as_ref().map(|o| &o.client_id))
        .bind(a.oauth.as_ref().map(|o| o.scopes.join(" ")))
        .fetch_one(&mut *self.write_conn().await?)
        .await;
        match result {
            Ok(row) => Ok(row.try_get("id")?),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(Error::Invalid(Problem::AccountExists { email: a.email.clone() }))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Removes an account and everything synced for it.
    pub async fn delete_account(&self, id: AccountId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Messages first: their locations go with them, and the triggers
        // that keep each message's place (migration 0008) then find no
        // message left to update.
        sqlx::query("DELETE FROM messages WHERE account_id = ?").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM accounts WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// All accounts, oldest first.
    pub async fn accounts(&self) -> Result<Vec<AccountRow>> {
        Ok(sqlx::query_as("SELECT * FROM accounts ORDER BY id").fetch_all(self.pool()).await?)
    }

    /// One account.
    pub async fn account(&self, id: AccountId) -> Result<AccountRow> {
        sqlx::query_as("SELECT * FROM accounts WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| Error::NotFound(Problem::AccountNotFound { id }))
    }

    /// Records the account's sync state; `ok` also stamps the sync time.
    pub async fn set_account_state(&self, id: AccountId, state: SyncState, error: Option<&Problem>) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET sync_state = ?, last_error = ?,
                 last_sync_at = CASE WHEN ? = 'ok' THEN ? ELSE last_sync_at END
             WHERE id = ?",
        )
        .bind(state)
        .bind(error)
        .bind(state)
        .bind(now())
        .bind(id)
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Puts back the state an account had before a pass that the user
    /// cancelled (neither a success nor a failure: its time of last sync
    /// stays).
    pub async fn put_back_account_state(&self, id: AccountId, state: SyncState, error: Option<&Problem>) -> Result<()> {
        sqlx::query("UPDATE accounts SET sync_state = ?, last_error = ? WHERE id = ?")
            .bind(state)
            .bind(error)
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }
}

/// The first arrival time (seconds) a history of `days` keeps: midnight
/// UTC, `days` days ago, as IMAP's SEARCH SINCE counts whole days.
pub fn history_start(days: u32) -> i64 {
    let today = super::now().div_euclid(86_400);
    (today - i64::from(days)) * 86_400
}

/// Every account's address, normalized: the user's own (see
/// [`crate::address::is_own`]).
pub(crate) async fn own_addresses(conn: &mut sqlx::SqliteConnection) -> Result<Vec<String>> {
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM accounts").fetch_all(&mut *conn).await?;
    Ok(emails.iter().map(|e| crate::address::normalize(e)).collect())
}
