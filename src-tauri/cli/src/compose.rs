//! CLI commands of the composer's own things: each account's signature,
//! drafts, templates and their rendering, and messages sent later
//! (F-COMPOSE).

use std::path::PathBuf;

use clap::Subcommand;
use threadline_engine::ids::{AccountId, RecordId};
use threadline_engine::model::{Draft, TemplateInput};
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
    /// Templates: a name, a subject and a body with smart fields
    /// ({{person.first_name}}, {{deal.value}} …).
    Template {
        #[command(subcommand)]
        command: TemplateCommand,
    },
    /// A template filled for a recipient: subject, HTML, text and the
    /// fields that had no value.
    Render {
        #[arg(long)]
        template: i64,
        /// The recipient (the person whose fields are used).
        #[arg(long)]
        to: String,
        /// The deal the deal fields come from (default: the person's only
        /// open deal).
        #[arg(long)]
        deal: Option<RecordId>,
        /// The sending account ({{user.name}}; default: the first).
        #[arg(long)]
        account: Option<AccountId>,
        /// The language values are written in (en, ja, et-EE …).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Messages waiting for their time (send --at).
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
}

#[derive(Subcommand)]
pub enum TemplateCommand {
    /// Adds a template; prints it with its id.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        subject: String,
        /// The body: a text file (paragraphs at blank lines), or HTML with
        /// --html.
        #[arg(long)]
        body: PathBuf,
        #[arg(long)]
        html: bool,
    },
    /// The templates, by name.
    List,
    /// Deletes a template.
    Delete { id: i64 },
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Messages sent later, the soonest first.
    List,
    /// Takes a message back before its time; prints its draft.
    Cancel {
        /// Its Message-ID, as `send` printed it.
        message_id: String,
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
        ComposeCommand::Template { command } => return templates(engine, command, json).await,
        ComposeCommand::Outbox { command } => return outbox(engine, command, json).await,
        ComposeCommand::Render { template, to, deal, account, lang } => {
            let account = match account {
                Some(id) => id,
                None => engine.accounts().list().await?.first().map(|a| a.id).unwrap_or(AccountId(0)),
            };
            let r = engine.mail().render_template(template, account, &to, deal, lang.as_deref()).await?;
            print(json, &r, || format!("Subject: {}\n\n{}", r.subject, r.text));
            return Ok(());
        }
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

async fn templates(engine: &Engine, command: TemplateCommand, json: bool) -> Result<(), Error> {
    match command {
        TemplateCommand::Add { name, subject, body, html } => {
            let text = std::fs::read_to_string(body)?;
            let html = if html { text } else { engine.mail().text_as_html(&text) };
            let t = engine.mail().save_template(None, &TemplateInput { name, subject, html }).await?;
            print(json, &t, || format!("Template {} added.", t.id));
        }
        TemplateCommand::List => {
            let list = engine.mail().templates().await?;
            print(json, &list, || {
                list.iter().map(|t| format!("{}\t{}\t{}", t.id, t.name, t.subject)).collect::<Vec<_>>().join("\n")
            });
        }
        TemplateCommand::Delete { id } => {
            engine.mail().delete_template(id).await?;
            print(json, &serde_json::json!({ "id": id, "deleted": true }), || format!("Template {id} deleted."));
        }
    }
    Ok(())
}

async fn outbox(engine: &Engine, command: OutboxCommand, json: bool) -> Result<(), Error> {
    match command {
        OutboxCommand::List => {
            let list = engine.mail().scheduled().await?;
            print(json, &list, || {
                list.iter()
                    .map(|m| format!("{}\t{}\t{}\t{}", m.message_id, m.send_at, m.to, m.subject))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        OutboxCommand::Cancel { message_id } => {
            let draft = engine.mail().cancel_send(&message_id).await?;
            print(json, &draft, || format!("Cancelled: {}", draft.subject));
        }
    }
    Ok(())
}
