//! Smart BCC tokens: which mailbox receives the copies, the live token of
//! each target, and the retired ones.

use super::{Store, now};
use crate::bcc::{Target, Token};
use crate::crm::linking::table_of;
use crate::error::{Error, Result};
use crate::ids::{AccountId, RecordId};
use crate::problem::Problem;

/// A token of a mailbox as stored, live or retired.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub token: Token,
    pub target: Target,
    pub retired: bool,
}

pub(super) fn target_parts(target: Target) -> (&'static str, Option<i64>) {
    match target {
        Target::User => ("user", None),
        Target::Deal(id) => ("deal", Some(id.0)),
        Target::Lead(id) => ("lead", Some(id.0)),
        Target::Project(id) => ("project", Some(id.0)),
    }
}

pub(super) fn target_of(name: &str, id: Option<i64>) -> Option<Target> {
    let id = || id.map(RecordId);
    match name {
        "user" => Some(Target::User),
        "deal" => id().map(Target::Deal),
        "lead" => id().map(Target::Lead),
        "project" => id().map(Target::Project),
        _ => None,
    }
}

impl Store {
    /// The user's live token and the mailbox it is on; None before setup.
    pub async fn bcc_user(&self) -> Result<Option<(AccountId, Token)>> {
        let row: Option<(AccountId, String)> =
            sqlx::query_as("SELECT account_id, token FROM bcc_tokens WHERE target = 'user' AND retired_at IS NULL")
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(|(account, token)| Some((account, Token::parse(&token)?))))
    }

    /// Makes `account` the mailbox that receives copies. A user's address on
    /// another mailbox, and every record's, are retired (their addresses
    /// change with the mailbox); the user gets a new token there.
    pub async fn bcc_setup(&self, account: AccountId) -> Result<Token> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM accounts WHERE id = ?").bind(account).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Err(Error::NotFound(Problem::AccountNotFound { id: account }));
        }
        let current: Option<String> = sqlx::query_scalar(
            "SELECT token FROM bcc_tokens WHERE target = 'user' AND retired_at IS NULL AND account_id = ?",
        )
        .bind(account)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(token) = current.as_deref().and_then(Token::parse) {
            return Ok(token);
        }
        retire(&mut tx, "retired_at IS NULL").await?;
        let token = insert(&mut tx, account, Target::User).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// "Make a new address": the user's token is retired and a new one made
    /// on the same mailbox (which is returned with it).
    pub async fn bcc_renew(&self) -> Result<(AccountId, Token)> {
        let mut tx = self.begin_write().await?;
        let account = user_mailbox(&mut tx).await?;
        retire(&mut tx, "target = 'user' AND retired_at IS NULL").await?;
        let token = insert(&mut tx, account, Target::User).await?;
        tx.commit().await?;
        Ok((account, token))
    }

    /// The live token of a deal, lead or project (made the first time it is
    /// asked for), on the user's mailbox.
    pub async fn bcc_record(&self, target: Target) -> Result<(AccountId, Token)> {
        let (name, id) = target_parts(target);
        let mut tx = self.begin_write().await?;
        let account = user_mailbox(&mut tx).await?;
        if let Some((kind, record)) = target.record() {
            let found: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM {} WHERE id = ?", table_of(kind)))
                .bind(record)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(Error::NotFound(Problem::RecordNotFound { kind, id: record }));
            }
        }
        let live: Option<String> = sqlx::query_scalar(
            "SELECT token FROM bcc_tokens WHERE target = ? AND target_id IS ? AND retired_at IS NULL",
        )
        .bind(name)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(token) = live.as_deref().and_then(Token::parse) {
            return Ok((account, token));
        }
        let token = insert(&mut tx, account, target).await?;
        tx.commit().await?;
        Ok((account, token))
    }

    /// Every token on `account`'s mailbox, live and retired, to recognise
    /// the copies it receives.
    pub async fn bcc_tokens(&self, account: AccountId) -> Result<Vec<StoredToken>> {
        let rows: Vec<(String, String, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT token, target, target_id, retired_at FROM bcc_tokens WHERE account_id = ?")
                .bind(account)
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(token, target, id, retired)| {
                Some(StoredToken {
                    token: Token::parse(&token)?,
                    target: target_of(&target, id)?,
                    retired: retired.is_some(),
                })
            })
            .collect())
    }
}

/// The mailbox the user's live address is on.
async fn user_mailbox(tx: &mut sqlx::SqliteConnection) -> Result<AccountId> {
    let account: Option<AccountId> =
        sqlx::query_scalar("SELECT account_id FROM bcc_tokens WHERE target = 'user' AND retired_at IS NULL")
            .fetch_optional(&mut *tx)
            .await?;
    account.ok_or(Error::Invalid(Problem::BccNotSetUp))
}

/// Retires the live tokens `which` (an SQL condition written here) selects.
async fn retire(tx: &mut sqlx::SqliteConnection, which: &'static str) -> Result<()> {
    sqlx::query(&format!("UPDATE bcc_tokens SET retired_at = ? WHERE {which}")).bind(now()).execute(&mut *tx).await?;
    Ok(())
}

/// A new live token for `target` on `account`'s mailbox.
async fn insert(tx: &mut sqlx::SqliteConnection, account: AccountId, target: Target) -> Result<Token> {
    let token = Token::generate()?;
    let (name, id) = target_parts(target);
    sqlx::query("INSERT INTO bcc_tokens (token, account_id, target, target_id, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(token.as_str())
        .bind(account)
        .bind(name)
        .bind(id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::super::tests::store_with_folders;
    use super::*;
    use crate::crm::{RecordInput, RecordKind};

    #[tokio::test]
    async fn one_live_address_per_target_and_the_retired_ones_kept() {
        let (_dir, store, account, _, _) = store_with_folders().await;
        assert!(store.bcc_user().await.unwrap().is_none());
        let deal = RecordId(1);
        assert!(matches!(store.bcc_record(Target::Deal(deal)).await, Err(Error::Invalid(Problem::BccNotSetUp))));
        assert!(matches!(store.bcc_renew().await, Err(Error::Invalid(Problem::BccNotSetUp))));

        let first = store.bcc_setup(account).await.unwrap();
        assert_eq!(store.bcc_setup(account).await.unwrap(), first, "set up again: the same address");
        assert_eq!(store.bcc_user().await.unwrap(), Some((account, first.clone())));
        let (on, second) = store.bcc_renew().await.unwrap();
        assert_eq!(on, account);
        assert_ne!(second, first);

        assert!(matches!(
            store.bcc_record(Target::Deal(deal)).await,
            Err(Error::NotFound(Problem::RecordNotFound { kind: RecordKind::Deal, .. }))
        ));
        let deal = store
            .add_record(RecordKind::Deal, &RecordInput { title: "Renewal".into(), ..RecordInput::default() })
            .await
            .unwrap();
        let (on, for_deal) = store.bcc_record(Target::Deal(deal)).await.unwrap();
        assert_eq!(on, account);
        assert_eq!(store.bcc_record(Target::Deal(deal)).await.unwrap().1, for_deal, "asked again: the same");

        let tokens = store.bcc_tokens(account).await.unwrap();
        let state = |t: &Token| tokens.iter().find(|s| &s.token == t).map(|s| (s.target, s.retired));
        assert_eq!(state(&first), Some((Target::User, true)));
        assert_eq!(state(&second), Some((Target::User, false)));
        assert_eq!(state(&for_deal), Some((Target::Deal(deal), false)));
        assert_eq!(tokens.len(), 3);
    }
}
