//! CLI commands of the composer's own things: each account's signature,
//! and drafts (F-COMPOSE).

use std::path::PathBuf;

use clap::Subcommand;
use threadline_engine::ids::AccountId;
use threadline_engine::model::Draft;
use threadline_engine::{Engine, Error};

use crate::{Recipients, print};

#[derive(Subcommand)]
pub enum ComposeCommand {
    /// An account's signature: used in new messages and above the quote in
    /// replies, unless `send --signature none`.
    Signature {
        #[command(subcommand)]
        command: SignatureCommand,
    },
    /// Drafts: saved here at once and in the account's Drafts folder, the
    /// new version replacing the previous one there.
    Draft {
        #[command(subcommand)]
        command: DraftCommand,
    },
}

#[derive(Subcommand)]
pub enum DraftCommand {
    /// Saves a draft (a new one without --id); prints its id.
    Save {
        #[arg(long)]
        id: Option<i64>,
        #[arg(long)]
        account: AccountId,
        #[command(flatten)]
        recipients: Recipients,
        #[arg(long, default_value = "")]
        subject: String,
        #[arg(long, default_value = "")]
        body: String,
    },
    /// The saved drafts, the last edited first.
    List,
    /// Sends a draft; it is then gone here and from the Drafts folder.
    Send { id: i64 },
    /// Deletes a draft, here and from the Drafts folder.
    Delete { id: i64 },
}

#[derive(Subcommand)]
pub enum SignatureCommand {
    /// Sets the account's signature from an HTML file.
    Set {
        #[arg(long)]
        account: AccountId,
        #[arg(long)]
        html: PathBuf,
    },
    /// The account's signature (HTML), if it has one.
    Show {
        #[arg(long)]
        account: AccountId,
    },
    /// Removes the account's signature.
    Clear {
        #[arg(long)]
        account: AccountId,
    },
}

pub async fn execute(engine: &Engine, command: ComposeCommand, json: bool) -> Result<(), Error> {
    let command = match command {
        ComposeCommand::Signature { command } => command,
        ComposeCommand::Draft { command } => return drafts(engine, command, json).await,
    };
    match command {
        SignatureCommand::Set { account, html } => {
            let html = std::fs::read_to_string(html)?;
            engine.accounts().set_signature(account, Some(&html)).await?;
            print(json, &serde_json::json!({ "account": account, "html": html.trim() }), || "Signature set.".into());
        }
        SignatureCommand::Show { account } => {
            let html = engine.accounts().signature(account).await?;
            print(json, &serde_json::json!({ "account": account, "html": html }), || html.clone().unwrap_or_default());
        }
        SignatureCommand::Clear { account } => {
            engine.accounts().set_signature(account, None).await?;
            print(json, &serde_json::json!({ "account": account, "html": null }), || "Signature removed.".into());
        }
    }
    Ok(())
}

async fn drafts(engine: &Engine, command: DraftCommand, json: bool) -> Result<(), Error> {
    match command {
        DraftCommand::Save { id, account, recipients: Recipients { to, cc, bcc }, subject, body } => {
            let draft = Draft { account_id: account, to, cc, bcc, subject, body, ..Draft::default() };
            let id = engine.mail().save_draft(id, &draft).await?;
            print(json, &serde_json::json!({ "id": id }), || id.to_string());
        }
        DraftCommand::List => {
            let drafts = engine.mail().drafts().await?;
            print(json, &drafts, || {
                drafts
                    .iter()
                    .map(|d| format!("{}\t{}\t{}", d.id, d.draft.to, d.draft.subject))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        DraftCommand::Send { id } => {
            let outcome = engine.mail().send_draft(id).await?;
            print(json, &outcome, || format!("sent <{}>", outcome.message_id));
        }
        DraftCommand::Delete { id } => {
            engine.mail().delete_draft(id).await?;
            print(json, &serde_json::json!({ "id": id, "deleted": true }), || format!("Draft {id} deleted."));
        }
    }
    Ok(())
}
