//! threadline-cli: the headless front end over the Threadline engine, used
//! by tests, benchmarks and power users. Human-readable output by default,
//! JSON with `--json`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use threadline_engine::model::{MessageSummary, NewAccount, Security};
use threadline_engine::secrets::OsKeychain;
use threadline_engine::{Engine, Error, ListFilter};

#[derive(Parser)]
#[command(name = "threadline-cli", version, about = "Threadline without the window")]
struct Cli {
    /// Data directory (default: the desktop app's, or $THREADLINE_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage mail accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Sync accounts with their servers.
    Sync(SyncArgs),
    /// List messages, newest first (one row per folder location).
    List {
        #[arg(long)]
        folder: Option<String>,
        #[arg(long)]
        account: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Full-text search over subject, participants and body.
    Search {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an IMAP/SMTP account; prints its id.
    Add(AddAccount),
    /// List accounts.
    List,
    /// Remove an account, its local mail and its keychain entry.
    Remove { id: i64 },
}

#[derive(Args)]
struct AddAccount {
    #[arg(long)]
    email: String,
    #[arg(long, default_value = "")]
    name: String,
    /// IMAP server as HOST:PORT.
    #[arg(long)]
    imap: String,
    /// SMTP server as HOST:PORT.
    #[arg(long)]
    smtp: String,
    /// tls (implicit TLS) or starttls; applies to IMAP and SMTP.
    #[arg(long, value_parser = parse_security, default_value = "tls")]
    security: Security,
    /// Login name (default: the email address).
    #[arg(long, default_value = "")]
    user: String,
    /// Name of the environment variable that holds the password (never the
    /// password itself: command lines are visible to other processes).
    #[arg(long)]
    password_env: String,
    /// PEM file with a certificate (or CA) to trust for this server.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Store the account without checking the login first.
    #[arg(long)]
    no_verify: bool,
}

#[derive(Args)]
struct SyncArgs {
    /// Sync until caught up, print counts, exit.
    #[arg(long)]
    once: bool,
    /// Only this account (default: all).
    #[arg(long)]
    account: Option<i64>,
}

fn parse_security(s: &str) -> Result<Security, String> {
    Security::parse(&s.to_ascii_lowercase()).ok_or_else(|| format!("expected tls or starttls, not {s}"))
}

fn parse_host_port(s: &str, what: &str) -> Result<(String, u16), Error> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| Error::Invalid(format!("--{what} must be HOST:PORT, not {s}")))?;
    let port = port
        .parse()
        .map_err(|_| Error::Invalid(format!("--{what}: \"{port}\" is not a port number")))?;
    Ok((host.to_owned(), port))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = cli.data_dir.clone().unwrap_or_else(threadline_engine::default_data_dir);
    let _log = threadline_engine::logging::init(&data_dir, false);
    match run(cli, data_dir).await {
        Ok(()) => ExitCode::SUCCESS,
        Err((json, e)) => {
            if json {
                println!("{}", serde_json::json!({ "error": e.to_user() }));
            } else {
                eprintln!("error: {}", e.user_message());
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, data_dir: PathBuf) -> Result<(), (bool, Error)> {
    let json = cli.json;
    let engine = Engine::open(&data_dir, Arc::new(OsKeychain::default()))
        .await
        .map_err(|e| (json, e))?;
    execute(&engine, cli.command, json).await.map_err(|e| (json, e))
}

async fn execute(engine: &Engine, command: Command, json: bool) -> Result<(), Error> {
    match command {
        Command::Account { command } => match command {
            AccountCommand::Add(a) => {
                let (imap_host, imap_port) = parse_host_port(&a.imap, "imap")?;
                let (smtp_host, smtp_port) = parse_host_port(&a.smtp, "smtp")?;
                let password = std::env::var(&a.password_env).map_err(|_| {
                    Error::Invalid(format!("The environment variable {} is not set.", a.password_env))
                })?;
                let trusted_certs = match &a.ca_file {
                    Some(path) => Some(std::fs::read_to_string(path)?),
                    None => None,
                };
                let id = engine
                    .add_account(
                        NewAccount {
                            email: a.email,
                            display_name: a.name,
                            imap_host,
                            imap_port,
                            imap_security: a.security,
                            smtp_host,
                            smtp_port,
                            smtp_security: a.security,
                            username: a.user,
                            password,
                            trusted_certs,
                        },
                        !a.no_verify,
                    )
                    .await?;
                print(json, &serde_json::json!({ "id": id }), || id.to_string());
            }
            AccountCommand::List => {
                let accounts = engine.accounts().await?;
                print(json, &accounts, || {
                    accounts
                        .iter()
                        .map(|a| format!("{}\t{}\t{:?}", a.id, a.email, a.sync_state))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            AccountCommand::Remove { id } => {
                engine.remove_account(id).await?;
                print(json, &serde_json::json!({ "removed": id }), || format!("removed {id}"));
            }
        },
        Command::Sync(args) => {
            if !args.once {
                return Err(Error::Invalid(
                    "Only `sync --once` is available so far.".into(),
                ));
            }
            let report = match args.account {
                Some(id) => engine.sync_account(id).await?,
                None => engine.sync_all().await?,
            };
            print(json, &report, || {
                format!(
                    "new {}, changed {}, vanished {} ({} folders)",
                    report.new, report.changed, report.vanished, report.folders
                )
            });
        }
        Command::List {
            folder,
            account,
            limit,
        } => {
            let rows = engine
                .list_messages(&ListFilter {
                    account,
                    folder,
                    limit,
                })
                .await?;
            print_messages(json, &rows);
        }
        Command::Search { query, limit } => {
            let rows = engine.search(&query, limit).await?;
            print_messages(json, &rows);
        }
    }
    Ok(())
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        match serde_json::to_string(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: {e}"),
        }
    } else {
        println!("{}", text());
    }
}

fn print_messages(json: bool, rows: &[MessageSummary]) {
    print(json, &rows, || {
        rows.iter()
            .map(|m| {
                let from = m.from.first().map(|a| a.address.as_str()).unwrap_or("");
                format!("{}\t{}\t{}\t{}\t{}", m.id, m.folder, m.uid, from, m.subject)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
}
