//! CLI commands of Smart BCC (F-BCC), blocked addresses (F-BLOCK) and
//! email visibility (F-SHARE).

use clap::Subcommand;
use serde_json::json;
use threadline_engine::bcc::{Confirmation, Target};
use threadline_engine::ids::{AccountId, MessageId, RecordId};
use threadline_engine::model::Visibility;
use threadline_engine::problem::Problem;
use threadline_engine::{Engine, Error};

use crate::print;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Smart BCC: the addresses that capture copies of mail sent from any
    /// mail client.
    Bcc {
        #[command(subcommand)]
        command: BccCommand,
    },
    /// Smart BCC copies held back (unverified sender, DKIM and SPF failed,
    /// unknown address, too large), with their reasons.
    Quarantine {
        #[command(subcommand)]
        command: QuarantineCommand,
    },
    /// Blocked addresses and domains: their mail is left out of every view
    /// (nothing changes on the server).
    Block {
        #[command(subcommand)]
        command: BlockCommand,
    },
    /// Share an email within your company, or keep it private.
    Visibility {
        /// The email: its Message-ID header, or its id here.
        #[arg(long)]
        message_id: String,
        /// private or shared
        visibility: String,
    },
}

#[derive(Subcommand)]
pub enum BccCommand {
    /// The user's Smart BCC address and the account that receives copies.
    Show,
    /// Choose the account whose mailbox receives the copies.
    Setup {
        #[arg(long)]
        account: AccountId,
    },
    /// Make a new address; the old one is retired.
    Renew,
    /// The Smart BCC address of one deal, lead or project.
    Address {
        #[arg(long, conflicts_with_all = ["lead", "project"], required_unless_present_any = ["lead", "project"])]
        deal: Option<RecordId>,
        #[arg(long, conflicts_with = "project")]
        lead: Option<RecordId>,
        #[arg(long)]
        project: Option<RecordId>,
    },
    /// Addresses besides yours that may use the Smart BCC addresses.
    Senders {
        #[command(subcommand)]
        command: SendersCommand,
    },
    /// Open a threadline://verify-sender link from a confirmation email.
    OpenLink { link: String },
}

#[derive(Subcommand)]
pub enum SendersCommand {
    /// Add a sender: a confirmation email with a code goes to it.
    Add { address: String },
    /// Confirm a sender with the code from that email.
    Verify { address: String, code: String },
    /// The accepted senders, and whether each is confirmed.
    List,
    /// Remove a sender.
    Remove { address: String },
}

#[derive(Subcommand)]
pub enum QuarantineCommand {
    /// The held copies, newest first.
    List,
    /// Let a held copy in: it is ingested and linked.
    Accept { id: MessageId },
    /// Discard a held copy (the mail account keeps it).
    Discard { id: MessageId },
}

#[derive(Subcommand)]
pub enum BlockCommand {
    /// Block john@example.com, or @example.com (and its subdomains).
    Add { address: String },
    /// Remove a block: its mail comes back, linked.
    Remove { address: String },
    /// The blocked addresses and domains.
    List,
}

pub async fn execute(engine: &Engine, command: PolicyCommand, json: bool) -> Result<(), Error> {
    match command {
        PolicyCommand::Bcc { command } => bcc(engine, command, json).await,
        PolicyCommand::Quarantine { command } => quarantine(engine, command, json).await,
        PolicyCommand::Block { command } => {
            let mail = engine.mail();
            match command {
                BlockCommand::Add { address } => {
                    let hidden = mail.block(&address).await?;
                    print(json, &json!({ "blocked": address, "hidden": hidden }), || {
                        format!("blocked {address} ({hidden} emails hidden)")
                    });
                }
                BlockCommand::Remove { address } => {
                    let shown = mail.unblock(&address).await?;
                    print(json, &json!({ "unblocked": address, "shown": shown }), || {
                        format!("unblocked {address} ({shown} emails back)")
                    });
                }
                BlockCommand::List => {
                    let list = mail.blocked().await?;
                    print(json, &list, || list.join("\n"));
                }
            }
            Ok(())
        }
        PolicyCommand::Visibility { message_id, visibility } => {
            let visibility: Visibility = crate::named(&visibility, "private or shared").map_err(Error::worded)?;
            let ids = crate::crm::messages(engine, &message_id).await?;
            engine.mail().set_visibility(&ids, visibility).await?;
            print(json, &json!({ "messages": ids, "visibility": visibility }), || {
                format!("{} emails {}", ids.len(), threadline_engine::model::name_of(&visibility))
            });
            Ok(())
        }
    }
}

async fn bcc(engine: &Engine, command: BccCommand, json: bool) -> Result<(), Error> {
    let bcc = engine.bcc();
    let shown = match command {
        BccCommand::Show => bcc.show().await?.ok_or(Error::Invalid(Problem::BccNotSetUp))?,
        BccCommand::Setup { account } => bcc.setup(account).await?,
        BccCommand::Renew => bcc.renew().await?,
        BccCommand::Address { deal, lead, project } => {
            let target = match (deal, lead, project) {
                (Some(id), _, _) => Target::Deal(id),
                (_, Some(id), _) => Target::Lead(id),
                (_, _, Some(id)) => Target::Project(id),
                _ => return Err(Error::worded("Say --deal, --lead or --project.")),
            };
            let address = bcc.record_address(target).await?;
            print(json, &json!({ "address": address.address }), || address.address.clone());
            return Ok(());
        }
        BccCommand::Senders { command } => return senders(engine, command, json).await,
        BccCommand::OpenLink { link } => {
            let address = bcc.open_verify_link(&link).await?;
            print(json, &json!({ "address": address, "verified": true }), || format!("verified {address}"));
            return Ok(());
        }
    };
    print(json, &shown, || shown.address.clone());
    Ok(())
}

async fn senders(engine: &Engine, command: SendersCommand, json: bool) -> Result<(), Error> {
    let bcc = engine.bcc();
    match command {
        SendersCommand::Add { address } => {
            let sent = bcc.add_sender_now(&address, &Confirmation::english()).await?;
            print(json, &json!({ "address": address, "verified": false, "confirmation": sent }), || {
                format!("confirmation sent to {address}")
            });
        }
        SendersCommand::Verify { address, code } => {
            bcc.verify_sender(&address, &code).await?;
            print(json, &json!({ "address": address, "verified": true }), || format!("verified {address}"));
        }
        SendersCommand::List => {
            let list = bcc.senders().await?;
            print(json, &list, || {
                list.iter()
                    .map(|s| format!("{}\t{}", s.address, if s.verified { "verified" } else { "waiting for its code" }))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        SendersCommand::Remove { address } => {
            bcc.remove_sender(&address).await?;
            print(json, &json!({ "removed": address }), || format!("removed {address}"));
        }
    }
    Ok(())
}

async fn quarantine(engine: &Engine, command: QuarantineCommand, json: bool) -> Result<(), Error> {
    let bcc = engine.bcc();
    match command {
        QuarantineCommand::List => {
            let held = bcc.quarantine().await?;
            let rows: Vec<serde_json::Value> = held
                .iter()
                .map(|h| {
                    json!({
                        "id": h.id, "message_id": h.message_id, "from": h.from, "subject": h.subject,
                        "date": h.date, "reason_code": h.reason, "reason": h.reason.english(),
                        "dkim": h.dkim, "spf": h.spf,
                    })
                })
                .collect();
            print(json, &rows, || {
                held.iter()
                    .map(|h| format!("{}\t{}\t{}\t{}", h.id, h.from, h.subject, h.reason.english()))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        QuarantineCommand::Accept { id } => {
            bcc.accept(id).await?;
            print(json, &json!({ "accepted": id }), || format!("accepted {id}"));
        }
        QuarantineCommand::Discard { id } => {
            bcc.discard(id).await?;
            print(json, &json!({ "discarded": id }), || format!("discarded {id}"));
        }
    }
    Ok(())
}
