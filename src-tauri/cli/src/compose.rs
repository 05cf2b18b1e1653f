//! CLI commands of what the composer inserts: each account's signature
//! (F-COMPOSE).

use std::path::PathBuf;

use clap::Subcommand;
use threadline_engine::ids::AccountId;
use threadline_engine::{Engine, Error};

use crate::print;

#[derive(Subcommand)]
pub enum ComposeCommand {
    /// An account's signature: used in new messages and above the quote in
    /// replies, unless `send --signature none`.
    Signature {
        #[command(subcommand)]
        command: SignatureCommand,
    },
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
    let ComposeCommand::Signature { command } = command;
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
