//! CLI commands that find an account's settings before it is added: the
//! provider presets and autoconfiguration (F-SYNC-1, F-SYNC-2).

use std::path::PathBuf;

use clap::Subcommand;
use std::time::Duration;

use threadline_engine::accounts::{Browser, providers};
use threadline_engine::model::{FoundSettings, NewAccount, ServerView, name_of};
use threadline_engine::{Engine, Error};

use crate::print;

#[derive(Subcommand)]
pub enum SetupCommand {
    /// The provider presets: servers, ways of signing in, steps needed at
    /// the provider first, and where the settings come from.
    Providers,
    /// Find an address's server settings as "Add account" does: presets by
    /// domain, then by MX, the domain's autoconfig file, SRV records, then
    /// a guess that is tried before it is offered.
    Autoconfig {
        email: String,
        /// PEM file with a certificate (or CA) to trust when trying servers.
        #[arg(long)]
        ca_file: Option<PathBuf>,
    },
}

pub async fn execute(engine: &Engine, command: SetupCommand, json: bool) -> Result<(), Error> {
    match command {
        SetupCommand::Providers => {
            let providers = engine.accounts().providers();
            print(json, &providers, || {
                providers
                    .iter()
                    .map(|p| format!("{}\t{}\t{}\t{}", p.id, p.name, server(&p.imap), server(&p.smtp)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        SetupCommand::Autoconfig { email, ca_file } => {
            let trusted = read_ca_file(ca_file.as_ref())?;
            let found = engine.accounts().discover(&email, trusted.as_deref()).await?;
            print(json, &found, || describe(&found));
        }
    }
    Ok(())
}

/// The system browser for OAuth sign-in (webbrowser honours $BROWSER),
/// with the end pages in English as the CLI speaks it.
pub fn browser(timeout: Duration) -> Browser<'static> {
    Browser {
        open: &|url: &str| {
            eprintln!("Continue in your browser: {url}");
            webbrowser::open(url).map_err(|e| Error::worded(format!("The browser could not be opened: {e}")))
        },
        timeout,
        pages: (
            "Signed in to Threadline. You can close this tab.".into(),
            "The sign-in did not finish. Close this tab and try again in Threadline.".into(),
        ),
    }
}

/// A preset's login name form for typed-in servers (`--provider` with
/// `--imap`): iCloud and QQ log in with the local part.
pub fn apply_preset_login(account: &mut NewAccount, id: &str) -> Result<(), Error> {
    let preset = providers::by_id(id).ok_or_else(|| Error::worded(format!("There is no provider preset \"{id}\".")))?;
    if account.username.is_empty() {
        account.username = preset.username(&account.email);
    }
    Ok(())
}

/// A PEM file's text, when one is named.
pub fn read_ca_file(path: Option<&PathBuf>) -> Result<Option<String>, Error> {
    Ok(match path {
        Some(path) => Some(std::fs::read_to_string(path)?),
        None => None,
    })
}

fn server(s: &ServerView) -> String {
    format!("{}:{} {}", s.host, s.port, name_of(&s.security))
}

fn describe(found: &FoundSettings) -> String {
    format!(
        "source\t{}\nprovider\t{}\nimap\t{}\nsmtp\t{}\nusername\t{}",
        name_of(&found.source),
        found.provider.as_deref().unwrap_or("-"),
        server(&found.imap),
        server(&found.smtp),
        found.username
    )
}
