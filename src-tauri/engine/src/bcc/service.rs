//! Smart BCC as the front ends reach it, through [`crate::Engine::bcc`]:
//! the user's address and the records' addresses, as text to copy.

use serde::Serialize;

use super::{Target, Token, address};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::problem::Problem;
use crate::store::Store;

/// A Smart BCC address and the mailbox whose copies it captures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BccAddress {
    pub address: String,
    pub account: AccountId,
}

/// A borrowed handle on Smart BCC; cheap, made per call.
#[derive(Debug, Clone, Copy)]
pub struct Bcc<'a> {
    pub(crate) store: &'a Store,
}

impl Bcc<'_> {
    /// The user's address; None until a mailbox was chosen ([`Bcc::setup`]).
    pub async fn show(&self) -> Result<Option<BccAddress>> {
        match self.store.bcc_user().await? {
            Some((account, token)) => Ok(Some(self.address_of(account, &token).await?)),
            None => Ok(None),
        }
    }

    /// Makes `account`'s mailbox receive the copies; the user's address
    /// there (the same one when it already is).
    pub async fn setup(&self, account: AccountId) -> Result<BccAddress> {
        let token = self.store.bcc_setup(account).await?;
        self.address_of(account, &token).await
    }

    /// "Make a new address": the old one is retired (copies still sent to
    /// it are not captured as the user's).
    pub async fn renew(&self) -> Result<BccAddress> {
        let (account, token) = self.store.bcc_renew().await?;
        self.address_of(account, &token).await
    }

    /// The address of a deal, lead or project (made when first asked for).
    pub async fn record_address(&self, target: Target) -> Result<BccAddress> {
        let (account, token) = self.store.bcc_record(target).await?;
        self.address_of(account, &token).await
    }

    async fn address_of(&self, account: AccountId, token: &Token) -> Result<BccAddress> {
        let email = self.store.account(account).await?.email;
        let address = address(&email, token)
            .ok_or_else(|| Error::Invalid(Problem::NotAnEmailAddress { text: email.clone(), field: None }))?;
        Ok(BccAddress { address, account })
    }
}
