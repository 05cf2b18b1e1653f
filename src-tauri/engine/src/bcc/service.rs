//! Smart BCC as the front ends reach it, through [`crate::Engine::bcc`]:
//! the user's address and the records' addresses, the accepted senders
//! and their confirmation, and the quarantine.

use serde::{Deserialize, Serialize};

use super::capture::{AcceptedSender, CaptureState, HeldCopy, accepts, recheck};
use super::{Target, Token, address};
use crate::Engine;
use crate::error::{Error, Result};
use crate::ids::{AccountId, MessageId};
use crate::model::{Draft, EngineEvent, SendOutcome};
use crate::problem::Problem;

/// A Smart BCC address and the mailbox whose copies it captures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BccAddress {
    pub address: String,
    pub account: AccountId,
}

/// The confirmation email to a new accepted sender, in the user's words:
/// `{code}` and `{link}` in the body are replaced by the code and by the
/// `threadline://verify-sender` link that enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Confirmation {
    pub subject: String,
    pub body: String,
}

impl Confirmation {
    /// The English wording (the CLI's; the window sends its language's).
    pub fn english() -> Confirmation {
        Confirmation {
            subject: "Confirm this address for Smart BCC".into(),
            body: "Threadline asks you to confirm that copies sent from this address to your Smart BCC \
                   address may be captured.\n\nYour code: {code}\n\nOr open this link on the computer \
                   running Threadline:\n{link}\n\nThe code works once and expires in 24 hours. If you did \
                   not ask for this, ignore this email.\n"
                .into(),
        }
    }
}

/// The link in a confirmation email that confirms the sender when opened.
pub const VERIFY_LINK: &str = "threadline://verify-sender";

/// The link that confirms `address` with `code`.
pub fn verify_link(address: &str, code: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("address", address)
        .append_pair("code", code)
        .finish();
    format!("{VERIFY_LINK}?{query}")
}

/// The address and code of a `threadline://verify-sender` link.
pub fn parse_verify_link(link: &str) -> Option<(String, String)> {
    let query = link.trim().strip_prefix(VERIFY_LINK)?.strip_prefix('?')?;
    let mut address = None;
    let mut code = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "address" => address = Some(value.into_owned()),
            "code" => code = Some(value.into_owned()),
            _ => {}
        }
    }
    Some((address?, code?))
}

/// A borrowed handle on Smart BCC; cheap, made per call.
#[derive(Clone, Copy)]
pub struct Bcc<'a> {
    pub(crate) engine: &'a Engine,
}

impl Bcc<'_> {
    /// The user's address; None until a mailbox was chosen ([`Bcc::setup`]).
    pub async fn show(&self) -> Result<Option<BccAddress>> {
        match self.engine.store.bcc_user().await? {
            Some((account, token)) => Ok(Some(self.address_of(account, &token).await?)),
            None => Ok(None),
        }
    }

    /// Makes `account`'s mailbox receive the copies; the user's address
    /// there (the same one when it already is).
    pub async fn setup(&self, account: AccountId) -> Result<BccAddress> {
        let token = self.engine.store.bcc_setup(account).await?;
        self.address_of(account, &token).await
    }

    /// "Make a new address": the old one is retired (copies still sent to
    /// it are quarantined as sent to an unknown address).
    pub async fn renew(&self) -> Result<BccAddress> {
        let (account, token) = self.engine.store.bcc_renew().await?;
        self.address_of(account, &token).await
    }

    /// The address of a deal, lead or project (made when first asked for).
    pub async fn record_address(&self, target: Target) -> Result<BccAddress> {
        let (account, token) = self.engine.store.bcc_record(target).await?;
        self.address_of(account, &token).await
    }

    async fn address_of(&self, account: AccountId, token: &Token) -> Result<BccAddress> {
        let email = self.engine.store.account(account).await?.email;
        let address = address(&email, token)
            .ok_or_else(|| Error::Invalid(Problem::NotAnEmailAddress { text: email.clone(), field: None }))?;
        Ok(BccAddress { address, account })
    }

    // ---- accepted senders ----

    /// The accepted senders besides the accounts' own addresses.
    pub async fn senders(&self) -> Result<Vec<AcceptedSender>> {
        self.engine.store.senders().await
    }

    /// Adds a sender and puts the confirmation email with its code in the
    /// outbox of the mailbox that receives the copies; the sender worker
    /// hands it over.
    pub async fn add_sender(&self, address: &str, wording: &Confirmation) -> Result<SendOutcome> {
        let draft = self.confirmation(address, wording).await?;
        self.engine.send(&draft).await
    }

    /// `add_sender`, handing the email over before returning (the CLI).
    pub async fn add_sender_now(&self, address: &str, wording: &Confirmation) -> Result<SendOutcome> {
        let draft = self.confirmation(address, wording).await?;
        self.engine.send_now(&draft).await
    }

    async fn confirmation(&self, address: &str, wording: &Confirmation) -> Result<Draft> {
        let (account, _) = self.engine.store.bcc_user().await?.ok_or(Error::Invalid(Problem::BccNotSetUp))?;
        let code = self.engine.store.add_sender(address).await?;
        let to = crate::address::normalize(address);
        let link = verify_link(&to, &code);
        Ok(Draft {
            account_id: account,
            to: to.clone(),
            subject: wording.subject.clone(),
            body: wording.body.replace("{code}", &code).replace("{link}", &link),
            ..Draft::default()
        })
    }

    /// Confirms a sender with the code from the email; the copies it sent
    /// meanwhile are checked again (and ingested when nothing else holds
    /// them).
    pub async fn verify_sender(&self, address: &str, code: &str) -> Result<()> {
        self.engine.store.verify_sender(address, code).await?;
        self.recheck().await
    }

    /// Confirms a sender from its `threadline://verify-sender` link, and
    /// says so (or why not) to the window as an event.
    pub async fn open_verify_link(&self, link: &str) -> Result<String> {
        let opened = async {
            let (address, code) = parse_verify_link(link)
                .ok_or_else(|| Error::Invalid(Problem::NotAVerifyLink { link: link.to_owned() }))?;
            self.verify_sender(&address, &code).await?;
            Ok::<String, Error>(address)
        }
        .await;
        let event = match &opened {
            Ok(address) => EngineEvent::SenderConfirmed { address: address.clone() },
            Err(e) => EngineEvent::LinkRefused { reason: e.problem() },
        };
        let _ = self.engine.events.send(event);
        opened
    }

    /// Removes an accepted sender.
    pub async fn remove_sender(&self, address: &str) -> Result<()> {
        self.engine.store.remove_sender(address).await
    }

    // ---- quarantine ----

    /// The copies held back, with their reasons.
    pub async fn quarantine(&self) -> Result<Vec<HeldCopy>> {
        self.engine.store.quarantine().await
    }

    /// How many copies wait for DNS to answer before they are checked.
    pub async fn waiting(&self) -> Result<u32> {
        self.engine.store.waiting_copies().await
    }

    /// Ingests a held copy as if nothing held it.
    pub async fn accept(&self, id: MessageId) -> Result<()> {
        self.engine.store.accept_held(id).await?;
        self.engine.every_view_changed().await
    }

    /// Discards a held copy (the mail account keeps it).
    pub async fn discard(&self, id: MessageId) -> Result<()> {
        self.engine.store.discard_held(id).await?;
        self.engine.every_view_changed().await
    }

    /// Checks again the copies that waited for DNS and those held for a
    /// sender accepted since; run after every sync pass.
    pub async fn recheck(&self) -> Result<()> {
        let copies = self.engine.store.copies_to_check().await?;
        if copies.is_empty() {
            return Ok(());
        }
        let Some(verifier) = self.engine.verifier.as_ref() else { return Ok(()) };
        let (own, senders) = self.engine.store.accepted_senders().await?;
        let mut settled = false;
        for copy in copies {
            let accepted = accepts(&own, &senders, &copy.sender);
            let (state, reason, verdict) = recheck(verifier, &copy.raw, copy.target, copy.verdict, accepted).await;
            if state == CaptureState::Waiting && copy.verdict == verdict {
                continue;
            }
            self.engine.store.settle_copy(copy.id, state, reason, verdict).await?;
            settled = true;
        }
        if settled {
            self.engine.every_view_changed().await?;
        }
        Ok(())
    }

    /// Whether copies make persons of their unknown customers.
    pub async fn create_persons(&self) -> Result<bool> {
        self.engine.store.bcc_create_persons().await
    }

    /// Sets "Create persons from Smart BCC copies automatically".
    pub async fn set_create_persons(&self, on: bool) -> Result<()> {
        self.engine.store.set_bcc_create_persons(on).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verify_link_carries_the_address_and_code() {
        let link = verify_link("bob+sales@customer.example", "01234567");
        assert_eq!(link, "threadline://verify-sender?address=bob%2Bsales%40customer.example&code=01234567");
        assert_eq!(parse_verify_link(&link), Some(("bob+sales@customer.example".into(), "01234567".into())));
        assert_eq!(parse_verify_link("threadline://verify-sender?code=1"), None);
        assert_eq!(parse_verify_link("https://example.com/?address=a&code=1"), None);
        // A broken escape stays as written: no sender has that address.
        assert_eq!(
            parse_verify_link("threadline://verify-sender?address=%ZZ&code=1"),
            Some(("%ZZ".into(), "1".into()))
        );
    }
}
