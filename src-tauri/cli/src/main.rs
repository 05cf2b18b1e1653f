//! threadline-cli: the headless front end over the Threadline engine, used
//! by tests, benchmarks and power users. Human-readable output by default,
//! JSON with `--json`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

mod bcc;
mod compose;
mod crm;
mod setup;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use std::time::Duration;

use threadline_engine::ids::{AccountId, MessageId};
use threadline_engine::model::{
    Answer, EngineEvent, InlineImage, ListKind, Listing, MessageSummary, Mirror, NewAccount, OAuthServer, Security,
    SendState, SignIn, SyncState, name_of,
};
use threadline_engine::problem::Problem;
use threadline_engine::secrets::OsKeychain;
use threadline_engine::{Engine, Error, ListFilter, Scheduler, UserAction, WatchOptions};
use tokio::sync::broadcast;

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
    /// Mark messages read: here at once, on the server now or as soon as
    /// it can be reached (the action waits in a durable queue).
    MarkRead { ids: Vec<MessageId> },
    /// Mark messages unread (queued like mark-read).
    MarkUnread { ids: Vec<MessageId> },
    /// Flag messages (queued like mark-read).
    Flag { ids: Vec<MessageId> },
    /// Remove the flag from messages (queued like mark-read).
    Unflag { ids: Vec<MessageId> },
    /// Move messages to a folder, by its server or display name.
    Move {
        #[arg(long)]
        to: String,
        ids: Vec<MessageId>,
    },
    /// Archive messages: out of the inbox here, and in the mail account as
    /// the account's mirroring choice says (`account mirror`).
    Archive { ids: Vec<MessageId> },
    /// Delete messages: out of every view here, and in the mail account as
    /// the mirroring choice says (from the trash: gone for good).
    Delete { ids: Vec<MessageId> },
    /// Empty the Trash (of every account, or one): its messages are deleted
    /// for good here, and expunged from the server's trash folder where the
    /// mirroring choice is "delete".
    EmptyTrash {
        #[arg(long)]
        account: Option<AccountId>,
    },
    /// Bring archived or deleted messages back to the inbox (here, and in
    /// the mail account unless the mirroring choice is "nothing").
    Restore { ids: Vec<MessageId> },
    /// Send a plain-text message through the account's SMTP server; a copy
    /// goes to its Sent folder. Offline, it waits in the outbox and goes
    /// out with the next sync. Address options take comma-separated lists.
    Send(SendArgs),
    /// List messages, newest first (one row per folder location).
    List {
        #[arg(long)]
        folder: Option<String>,
        #[arg(long)]
        account: Option<AccountId>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Conversations of one list, newest first: a view of every account
    /// or of `--account` (inbox, archive, trash, sent, drafts, flagged), or
    /// the folder `--folder` (its server or display name).
    Threads {
        #[arg(long, value_parser = parse_view, default_value = "inbox")]
        view: ListKind,
        #[arg(long)]
        account: Option<AccountId>,
        #[arg(long)]
        folder: Option<String>,
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Addresses for what is typed in To, Cc or Bcc: persons and past
    /// correspondents whose address or a word of whose name starts so,
    /// the most used first.
    Addresses {
        typed: String,
        #[arg(long, default_value_t = 8)]
        limit: u32,
    },
    /// Search as in the app's search box, newest first: words, "exact
    /// phrases" and the operators from:, to:, cc:, subject:,
    /// has:attachment, filename:, before:/after: (YYYY-MM-DD), in:, is:,
    /// account:, person:, deal:, org:, each negated by a leading -.
    Search {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// mailto: links (RFC 6068), as the app reads the ones it is handed.
    Mailto {
        #[command(subcommand)]
        command: MailtoCommand,
    },
    #[command(flatten)]
    Crm(crm::CrmCommand),
    #[command(flatten)]
    Policy(bcc::PolicyCommand),
    #[command(flatten)]
    Setup(setup::SetupCommand),
    #[command(flatten)]
    Compose(compose::ComposeCommand),
}

#[derive(Subcommand)]
enum MailtoCommand {
    /// What a link fills in the composer: to, cc, bcc, subject and body
    /// (a link that cannot be read exits 2 with the reason).
    Parse { url: String },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an IMAP/SMTP account; prints its id.
    Add(Box<AddAccount>),
    /// List accounts.
    List,
    /// Remove an account, its local mail and its keychain entry.
    Remove { id: AccountId },
    /// The account's folders, and which are synced.
    Folders { id: AccountId },
    /// Make a folder (by its name as shown) the account's trash,
    /// sent, drafts or archive, for a server that names none or the wrong
    /// one; kept over what later syncs find.
    FolderRole { id: AccountId, role: String, folder: String },
    /// Sync every folder (--all) or only some (--only NAME...); folders
    /// left out are forgotten here, never touched on the server.
    SyncFolders {
        id: AccountId,
        #[arg(long, conflicts_with = "only", required_unless_present = "only")]
        all: bool,
        #[arg(long, num_args = 1..)]
        only: Vec<String>,
    },
    /// How far back to sync: 1m, 3m, 1y, all, or a number of days.
    /// Narrowing forgets older mail here (never on the server).
    History {
        id: AccountId,
        #[arg(value_parser = parse_history)]
        history: History,
    },
    /// What archiving or deleting here does in the mail account: delete
    /// (archive there and delete there), archive (archive there, also what
    /// is deleted here) or nothing.
    Mirror {
        id: AccountId,
        #[arg(value_parser = parse_mirror)]
        mirror: Mirror,
    },
    /// How often to check for new mail when the server cannot push it
    /// (and to go over every folder when it can), in seconds.
    Poll { id: AccountId, seconds: u32 },
    /// The largest message the account sends, in MB ("default": its
    /// provider's limit, else 25 MB); a larger one is refused unsent.
    SizeLimit { id: AccountId, megabytes: String },
    /// Sign an OAuth account in again in the browser (after its sign-in
    /// ended); sync resumes where it stopped.
    Signin {
        id: AccountId,
        /// Seconds to wait for the browser sign-in.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Give an account a new password (after the server rejected the old
    /// one); it is checked with the server first.
    Password {
        id: AccountId,
        /// Environment variable that holds the new password.
        #[arg(long)]
        password_env: String,
    },
}

#[derive(Args)]
struct AddAccount {
    #[arg(long)]
    email: String,
    #[arg(long, default_value = "")]
    name: String,
    /// IMAP server as HOST:PORT (without --imap and --smtp, the settings
    /// are found as `autoconfig` finds them).
    #[arg(long, requires = "smtp")]
    imap: Option<String>,
    /// How far back to sync: 1m, 3m, 1y, all, or a number of days.
    #[arg(long, value_parser = parse_history, default_value = "all")]
    history: History,
    /// SMTP server as HOST:PORT.
    #[arg(long, requires = "imap")]
    smtp: Option<String>,
    /// tls (implicit TLS) or starttls; applies to IMAP, and to SMTP unless
    /// --smtp-security says otherwise.
    #[arg(long, value_parser = parse_security, default_value = "tls")]
    security: Security,
    /// tls or starttls for SMTP (default: --security).
    #[arg(long, value_parser = parse_security)]
    smtp_security: Option<Security>,
    /// Login name (default: the email address).
    #[arg(long, default_value = "")]
    user: String,
    /// Name of the environment variable that holds the password (never the
    /// password itself: command lines are visible to other processes).
    #[arg(long, required_unless_present = "oauth")]
    password_env: Option<String>,
    /// Sign in with OAuth 2 in the system browser ($BROWSER when set),
    /// through the preset's server (Google, Microsoft) or the one given
    /// with --auth-url, --token-url, --client-id and --scope.
    #[arg(long, conflicts_with = "password_env")]
    oauth: bool,
    /// The provider preset (see `providers`); found from the address when
    /// not given.
    #[arg(long)]
    provider: Option<String>,
    /// OAuth authorization endpoint of any OAuth server.
    #[arg(long, requires_all = ["oauth", "token_url", "client_id"])]
    auth_url: Option<String>,
    /// OAuth token endpoint.
    #[arg(long, requires = "auth_url")]
    token_url: Option<String>,
    /// The app's client id at that server.
    #[arg(long, requires = "auth_url")]
    client_id: Option<String>,
    /// A scope to ask for (repeat for several).
    #[arg(long = "scope", requires = "auth_url")]
    scopes: Vec<String>,
    /// Seconds to wait for the browser sign-in.
    #[arg(long, default_value_t = 300, requires = "oauth")]
    timeout: u64,
    /// PEM file with a certificate (or CA) to trust for this server.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Store the account without checking the login first.
    #[arg(long)]
    no_verify: bool,
}

/// To, Cc and Bcc as typed: each a comma-separated list of addresses.
#[derive(Args)]
pub struct Recipients {
    #[arg(long, default_value = "")]
    pub to: String,
    #[arg(long, default_value = "")]
    pub cc: String,
    #[arg(long, default_value = "")]
    pub bcc: String,
}

#[derive(Args)]
struct SendArgs {
    /// The sending account's id.
    #[arg(long)]
    account: AccountId,
    #[command(flatten)]
    recipients: Recipients,
    /// The subject (with --reply-to or --forward: the original's, with one
    /// "Re:" or "Fwd:").
    #[arg(long)]
    subject: Option<String>,
    /// The text body ("-" reads it from standard input).
    #[arg(long, default_value = "")]
    body: String,
    /// Answer this message (its id): to its sender, threaded with it, the
    /// original quoted below the body.
    #[arg(long, conflicts_with = "forward")]
    reply_to: Option<MessageId>,
    /// With --reply-to: to everyone it went to, but this user's addresses.
    #[arg(long, requires = "reply_to")]
    reply_all: bool,
    /// Forward this message (its id) with its files, below the body.
    #[arg(long)]
    forward: Option<MessageId>,
    /// A formatted body: an HTML file ("-": standard input). The plain-text
    /// part is made from it.
    #[arg(long)]
    html: Option<String>,
    /// A file to attach (repeat for several).
    #[arg(long = "attach")]
    attachments: Vec<String>,
    /// An image the HTML shows as `cid:CID`, as CID=FILE (repeatable).
    #[arg(long, value_parser = parse_inline)]
    inline: Vec<InlineImage>,
    /// "none" leaves the account's signature out of this message.
    #[arg(long, value_parser = ["none", "default"], default_value = "default")]
    signature: String,
    /// A template's body (and, for a new message without --subject, its
    /// subject), above the quote or the forwarded message.
    #[arg(long)]
    template: Option<i64>,
    /// The deal smart fields are filled from (default: the conversation's,
    /// else the recipient's only open deal).
    #[arg(long)]
    deal: Option<threadline_engine::ids::RecordId>,
    /// The language smart fields are written in (en, ja, et-EE …).
    #[arg(long)]
    lang: Option<String>,
    /// Send with the smart fields that have no value left empty (without
    /// it, such a message is refused and nothing is sent).
    #[arg(long)]
    allow_empty_fields: bool,
    /// Send later: at this time (RFC 3339, such as 2027-01-15T09:00:00+02:00).
    /// The message waits in the outbox and goes out with the first sync
    /// at or after that time.
    #[arg(long, value_parser = parse_time)]
    at: Option<i64>,
}

fn parse_time(s: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp())
        .map_err(|e| format!("{s} is not an RFC 3339 time such as 2027-01-15T09:00:00+02:00: {e}"))
}

fn parse_inline(s: &str) -> Result<InlineImage, String> {
    let (cid, path) = s.split_once('=').ok_or_else(|| format!("--inline must be CID=FILE, not {s}"))?;
    Ok(InlineImage { cid: cid.to_owned(), path: path.to_owned() })
}

#[derive(Args)]
struct SyncArgs {
    /// Sync until caught up, print counts, exit.
    #[arg(long, conflicts_with = "watch")]
    once: bool,
    /// Stay connected (IMAP IDLE) and print one line per change as it is
    /// stored, until interrupted.
    #[arg(long)]
    watch: bool,
    /// With --watch: seconds between polls when the server cannot push,
    /// and between full passes over every folder, instead of each
    /// account's own setting (`account poll`).
    #[arg(long)]
    poll: Option<u64>,
    /// Only this account (default: all).
    #[arg(long)]
    account: Option<AccountId>,
}

/// A history depth in days (None: everything).
#[derive(Clone, Copy)]
struct History(Option<u32>);

fn parse_history(s: &str) -> Result<History, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "all" | "everything" => Ok(History(None)),
        "1m" => Ok(History(Some(31))),
        "3m" => Ok(History(Some(92))),
        "1y" => Ok(History(Some(366))),
        days => days
            .parse::<u32>()
            .map(|d| History(Some(d)))
            .map_err(|_| format!("expected 1m, 3m, 1y, all or a number of days, not {s}")),
    }
}

/// One account's folders and health, as the troubleshooting view has them.
async fn account_status(engine: &Engine, id: AccountId) -> Result<threadline_engine::model::AccountStatus, Error> {
    engine
        .accounts()
        .statuses()
        .await?
        .into_iter()
        .find(|s| s.account.id == id)
        .ok_or_else(|| Error::NotFound(Problem::AccountNotFound { id }))
}

/// A value of one of the engine's enums, by the snake_case name serde
/// gives it (the name the store and the UI use too).
pub(crate) fn named<T: serde::de::DeserializeOwned>(s: &str, expected: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase()))
        .map_err(|_| format!("expected {expected}, not {s}"))
}

fn parse_mirror(s: &str) -> Result<Mirror, String> {
    named(s, "delete, archive or nothing")
}

fn parse_view(s: &str) -> Result<ListKind, String> {
    named(s, "inbox, archive, trash, sent, drafts or flagged")
}

fn parse_security(s: &str) -> Result<Security, String> {
    named(s, "tls or starttls")
}

fn parse_host_port(s: &str, what: &str) -> Result<(String, u16), Error> {
    let (host, port) =
        s.rsplit_once(':').ok_or_else(|| Error::worded(format!("--{what} must be HOST:PORT, not {s}")))?;
    let port = port.parse().map_err(|_| Error::worded(format!("--{what}: \"{port}\" is not a port number")))?;
    Ok((host.to_owned(), port))
}

/// Prints what a mailto: link fills in.
fn print_mailto(url: &str, json: bool) -> Result<(), Error> {
    let link =
        threadline_engine::mailto::parse(url).map_err(|fault| Error::Invalid(Problem::MailtoUnreadable { fault }))?;
    print(json, &link, || {
        let mut text = String::new();
        for (name, list) in [("To", &link.to), ("Cc", &link.cc), ("Bcc", &link.bcc)] {
            if !list.is_empty() {
                text.push_str(&format!("{name}: {}\n", list.join(", ")));
            }
        }
        format!("{text}Subject: {}\n\n{}", link.subject, link.body)
    });
    Ok(())
}

fn main() -> ExitCode {
    // Before the runtime starts its threads.
    threadline_engine::limit_allocator_arenas();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // On a worker thread, like the app's tasks: the thread that polls the
    // sockets then runs the sync itself instead of waking this one (a
    // 20,000-message sync: 26-29k thread switches here, 30-40k on it).
    runtime.block_on(async {
        tokio::spawn(cli_main()).await.unwrap_or_else(|e| {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        })
    })
}

async fn cli_main() -> ExitCode {
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
            // 2: the input must change (as for a wrong command line).
            if e.kind() == threadline_engine::ErrorKind::Invalid { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

async fn run(cli: Cli, data_dir: PathBuf) -> Result<(), (bool, Error)> {
    let json = cli.json;
    // Reading a link needs no store.
    if let Command::Mailto { command: MailtoCommand::Parse { url } } = &cli.command {
        return print_mailto(url, json).map_err(|e| (json, e));
    }
    let engine = Arc::new(Engine::open(&data_dir, Arc::new(OsKeychain::default())).await.map_err(|e| (json, e))?);
    // A search index an upgrade started empty is complete before any
    // command reads it.
    engine.refill_search_index().await.map_err(|e| (json, e))?;
    let result = execute(&engine, cli.command, json).await;
    engine.close().await;
    result.map_err(|e| (json, e))
}

async fn execute(engine: &Arc<Engine>, command: Command, json: bool) -> Result<(), Error> {
    match command {
        Command::Account { command } => match command {
            AccountCommand::Add(a) => {
                let typed = match (&a.imap, &a.smtp) {
                    (Some(imap), Some(smtp)) => Some((parse_host_port(imap, "imap")?, parse_host_port(smtp, "smtp")?)),
                    _ => None,
                };
                let password = match &a.password_env {
                    Some(var) => std::env::var(var)
                        .map_err(|_| Error::worded(format!("The environment variable {var} is not set.")))?,
                    None => String::new(),
                };
                let trusted_certs = setup::read_ca_file(a.ca_file.as_ref())?;
                let mut account = NewAccount {
                    email: a.email,
                    display_name: a.name,
                    imap_host: String::new(),
                    imap_port: 0,
                    imap_security: a.security,
                    smtp_host: String::new(),
                    smtp_port: 0,
                    smtp_security: a.smtp_security.unwrap_or(a.security),
                    username: a.user,
                    password,
                    trusted_certs,
                    history_days: a.history.0,
                    sign_in: if a.oauth { SignIn::Oauth } else { SignIn::Password },
                    provider: a.provider,
                    oauth: None,
                };
                if let (Some(auth_url), Some(token_url), Some(client_id)) = (a.auth_url, a.token_url, a.client_id) {
                    account.oauth = Some(OAuthServer { auth_url, token_url, client_id, scopes: a.scopes });
                }
                match typed {
                    Some((imap, smtp)) => {
                        ((account.imap_host, account.imap_port), (account.smtp_host, account.smtp_port)) = (imap, smtp);
                        if let Some(id) = account.provider.clone() {
                            setup::apply_preset_login(&mut account, &id)?;
                        }
                    }
                    None => {
                        let found =
                            engine.accounts().discover(&account.email, account.trusted_certs.as_deref()).await?;
                        eprintln!("Settings found ({}): {}", name_of(&found.source), found.imap.host);
                        threadline_engine::accounts::use_found(&mut account, found);
                    }
                }
                if a.oauth {
                    let browser = setup::browser(Duration::from_secs(a.timeout));
                    let id = engine.accounts().add_signed_in(account, &browser).await?;
                    print(json, &serde_json::json!({ "id": id }), || id.to_string());
                    return Ok(());
                }
                let id = engine.accounts().add(account, !a.no_verify).await?;
                print(json, &serde_json::json!({ "id": id }), || id.to_string());
            }
            AccountCommand::List => {
                let accounts = engine.accounts().list().await?;
                print(json, &accounts, || {
                    accounts
                        .iter()
                        .map(|a| format!("{}\t{}\t{:?}", a.id, a.email, a.sync_state))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            AccountCommand::FolderRole { id, role, folder } => {
                let status = account_status(engine, id).await?;
                let found = status
                    .folders
                    .iter()
                    .find(|f| f.name == folder)
                    .ok_or_else(|| Error::NotFound(Problem::FolderNotFound { name: Some(folder.clone()) }))?;
                engine.accounts().choose_folder_role(id, &role, found.id).await?;
                print(json, &serde_json::json!({ "account": id, "role": role, "folder": found.name }), || {
                    format!("{} is now the {role} folder", found.name)
                });
            }
            AccountCommand::Folders { id } => {
                let status = account_status(engine, id).await?;
                let all = status.account.sync_all_folders;
                print(json, &status, || {
                    status
                        .folders
                        .iter()
                        .map(|f| {
                            let synced = if all || f.chosen { "synced" } else { "not synced" };
                            format!("{}\t{}\t{}", f.name, synced, f.local_messages)
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            AccountCommand::SyncFolders { id, all, only } => {
                engine.accounts().choose_sync_folders(id, (!all).then_some(only.as_slice())).await?;
                print(json, &serde_json::json!({ "account": id, "all": all }), || "chosen".to_owned());
            }
            AccountCommand::History { id, history } => {
                engine.accounts().set_history(id, history.0).await?;
                print(json, &serde_json::json!({ "account": id, "history_days": history.0 }), || {
                    "history set".to_owned()
                });
            }
            AccountCommand::Mirror { id, mirror } => {
                engine.accounts().set_mirror(id, mirror).await?;
                print(json, &serde_json::json!({ "account": id, "mirror": mirror }), || {
                    format!("mirroring set to {}", name_of(&mirror))
                });
            }
            AccountCommand::Poll { id, seconds } => {
                engine.accounts().set_poll_interval(id, seconds).await?;
                print(json, &serde_json::json!({ "account": id, "poll_seconds": seconds }), || {
                    format!("checking every {seconds} s without push")
                });
            }
            AccountCommand::SizeLimit { id, megabytes } => {
                let limit = match megabytes.as_str() {
                    "default" => None,
                    mb => Some(mb.parse::<u32>().map_err(|_| {
                        Error::worded(format!("The size limit is a number of MB or \"default\", not {mb}."))
                    })?),
                };
                engine.accounts().set_size_limit(id, limit).await?;
                let account = engine.accounts().get(id).await?;
                print(json, &account, || format!("{} bytes", account.size_limit));
            }
            AccountCommand::Signin { id, timeout } => {
                engine.accounts().sign_in_again(id, &setup::browser(Duration::from_secs(timeout))).await?;
                print(json, &serde_json::json!({ "id": id, "signed_in": true }), || {
                    format!("Account {id} signed in again.")
                });
            }
            AccountCommand::Password { id, password_env } => {
                let password = std::env::var(&password_env)
                    .map_err(|_| Error::worded(format!("The environment variable {password_env} is not set.")))?;
                engine.accounts().update_password(id, &password).await?;
                print(json, &serde_json::json!({ "updated": id }), || format!("password updated for {id}"));
            }
            AccountCommand::Remove { id } => {
                engine.accounts().remove(id).await?;
                print(json, &serde_json::json!({ "removed": id }), || format!("removed {id}"));
            }
        },
        Command::Sync(args) => {
            if args.watch {
                return watch(engine, &args, json).await;
            }
            if !args.once {
                return Err(Error::worded("Say `sync --once` or `sync --watch`."));
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
        Command::MarkRead { ids } => act(engine, json, &ids, UserAction::MarkRead).await?,
        Command::MarkUnread { ids } => act(engine, json, &ids, UserAction::MarkUnread).await?,
        Command::Flag { ids } => act(engine, json, &ids, UserAction::Flag).await?,
        Command::Unflag { ids } => act(engine, json, &ids, UserAction::Unflag).await?,
        Command::Move { to, ids } => act(engine, json, &ids, UserAction::Move(to)).await?,
        Command::Archive { ids } => act(engine, json, &ids, UserAction::Archive).await?,
        Command::Delete { ids } => act(engine, json, &ids, UserAction::Delete).await?,
        Command::Restore { ids } => act(engine, json, &ids, UserAction::Restore).await?,
        Command::EmptyTrash { account } => {
            let deleted = engine.mail().empty_trash_now(account).await?;
            print(json, &serde_json::json!({ "deleted": deleted }), || format!("deleted {deleted}"));
        }
        Command::Send(a) => {
            let stdin = || -> Result<String, Error> {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
                Ok(text)
            };
            let body = if a.body == "-" { stdin()? } else { a.body };
            let html = match a.html.as_deref() {
                Some("-") => Some(stdin()?),
                Some(path) => Some(std::fs::read_to_string(path)?),
                None => None,
            };
            let signed = a.signature != "none";
            let answering = match (a.reply_to, a.forward) {
                (Some(id), _) => Some((id, if a.reply_all { Answer::ReplyAll } else { Answer::Reply })),
                (None, Some(id)) => Some((id, Answer::Forward)),
                (None, None) => None,
            };
            let mut draft = match answering {
                Some((id, answer)) => {
                    let original = engine.mail().message_summary(id).await?;
                    let date = chrono::DateTime::from_timestamp(original.date, 0)
                        .map(|d| d.format("%a, %-d %b %Y %H:%M UTC").to_string())
                        .unwrap_or_default();
                    let names = |list: &[threadline_engine::model::AddressView]| {
                        list.iter()
                            .map(|p| {
                                if p.name.is_empty() {
                                    p.address.clone()
                                } else {
                                    format!("{} <{}>", p.name, p.address)
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let header = match answer {
                        Answer::Forward => format!(
                            "---------- Forwarded message ---------\nFrom: {}\nDate: {date}\nSubject: {}\nTo: {}",
                            names(&original.from),
                            original.subject,
                            names(&original.to)
                        ),
                        _ => format!("On {date}, {} wrote:", names(&original.from)),
                    };
                    engine.mail().answer_draft(id, answer, &header, signed).await?
                }
                None => engine.mail().new_draft(a.account, signed).await?,
            };
            draft.account_id = a.account;
            let Recipients { to, cc, bcc } = a.recipients;
            if !to.is_empty() {
                draft.to = to;
            }
            if !cc.is_empty() {
                draft.cc = cc;
            }
            draft.bcc = bcc;
            let template = match a.template {
                Some(id) => Some(engine.mail().template(id).await?),
                None => None,
            };
            match (a.subject, &template) {
                (Some(subject), _) => draft.subject = subject,
                (None, Some(t)) if answering.is_none() => draft.subject = t.subject.clone(),
                _ => {}
            }
            // What the user wrote goes above the quoted original; a
            // template's body makes the message formatted.
            let html = match (html, template) {
                (Some(mine), Some(t)) => Some(format!("{mine}{}", t.html)),
                (None, Some(t)) => Some(format!("{}{}", engine.mail().text_as_html(&body), t.html)),
                (mine, None) => mine,
            };
            draft.body = format!("{body}{}", draft.body);
            draft.html = match (html, draft.html.take()) {
                (Some(mine), Some(quoted)) => Some(format!("{mine}{quoted}")),
                (Some(mine), None) => Some(mine),
                (None, _) => None,
            };
            draft.attachments = a.attachments;
            draft.inline = a.inline;
            draft.deal_id = a.deal;
            draft.locale = a.lang;
            draft.send_at = a.at;
            draft.empty_fields_ok = a.allow_empty_fields;
            let outcome = engine.mail().send_now(&draft).await?;
            print(json, &outcome, || match (&outcome.problem, outcome.state) {
                (_, SendState::Scheduled) => format!("scheduled <{}>", outcome.message_id),
                (None, _) => format!("sent <{}>", outcome.message_id),
                (Some(why), _) => format!("queued <{}>: {why}", outcome.message_id),
            });
        }
        Command::List { folder, account, limit } => {
            let rows = engine.mail().list_messages(&ListFilter { account, folder, limit }).await?;
            print_messages(json, &rows);
        }
        Command::Threads { view, account, folder, offset, limit } => {
            let listing = match folder {
                Some(name) => Listing {
                    kind: ListKind::Folder,
                    account,
                    folder: Some(engine.mail().folder_named(account, &name).await?),
                },
                None => Listing { kind: view, account, folder: None },
            };
            let page = engine.mail().listing_page(&listing, offset, limit).await?;
            print(json, &page, || {
                page.threads
                    .iter()
                    .map(|t| format!("{}\t{}\t{}\t{}", t.id, t.message_count, t.participants, t.subject))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Addresses { typed, limit } => {
            let found = engine.mail().complete_addresses(&typed, limit).await?;
            print(json, &found, || {
                found.iter().map(|a| format!("{}\t{}\t{}", a.uses, a.address, a.name)).collect::<Vec<_>>().join("\n")
            });
        }
        Command::Mailto { command: MailtoCommand::Parse { url } } => print_mailto(&url, json)?,
        Command::Search { query, limit } => {
            let found = engine.mail().search(&query, limit).await?;
            print_messages(json, &found.messages);
        }
        Command::Crm(command) => crm::execute(engine, command, json).await?,
        Command::Policy(command) => bcc::execute(engine, command, json).await?,
        Command::Setup(command) => setup::execute(engine, command, json).await?,
        Command::Compose(command) => compose::execute(engine, command, json).await?,
    }
    Ok(())
}

/// A user action on messages; prints what was queued and what still waits.
async fn act(engine: &Engine, json: bool, ids: &[MessageId], action: UserAction) -> Result<(), Error> {
    if ids.is_empty() {
        return Err(Error::worded("Name at least one message id."));
    }
    let outcome = engine.mail().act_now(ids, action).await?;
    print(json, &outcome, || {
        format!(
            "queued {}, waiting for the server {}, refused by the server {}",
            outcome.queued, outcome.pending, outcome.failed
        )
    });
    Ok(())
}

/// `sync --watch`: the engine's scheduler over the accounts, and a printer
/// of the changes they store, until Ctrl-C or SIGTERM (or every account's
/// workers end because its login was rejected).
async fn watch(engine: &Arc<Engine>, args: &SyncArgs, json: bool) -> Result<(), Error> {
    let ids: Vec<AccountId> = match args.account {
        Some(id) => vec![engine.accounts().get(id).await?.id],
        None => engine.accounts().list().await?.iter().map(|a| a.id).collect(),
    };
    if ids.is_empty() {
        return Err(Error::worded("There is no account to watch."));
    }
    let options = WatchOptions {
        poll_interval: args.poll.map(|seconds| Duration::from_secs(seconds.max(1))),
        ..WatchOptions::default()
    };
    let mut events = engine.subscribe();
    let scheduler = Scheduler::new(Arc::clone(engine), options, Some(ids));
    scheduler.ensure_running().await?;
    let printer = async {
        loop {
            match events.recv().await {
                Ok(event) => print_change(engine, json, event).await,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("warning: {n} change notices were missed; `list` shows the current state");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    };
    tokio::select! {
        ended = scheduler.until_all_ended() => return ended,
        () = printer => {}
        () = shutdown_signal() => {}
    }
    // Give the workers a moment to end IDLE and log out.
    scheduler.stop(Duration::from_secs(5)).await;
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is such a thing.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Prints one line per stored change.
async fn print_change(engine: &Engine, json: bool, event: EngineEvent) {
    match event {
        EngineEvent::MessagesAdded { account, folder, ids } => {
            for id in ids {
                match engine.mail().message_summary(id).await {
                    Ok(m) => print(
                        json,
                        &serde_json::json!({ "event": "added", "account": account, "folder": folder, "message": m }),
                        || {
                            let from = m.from.first().map(|a| a.address.as_str()).unwrap_or("");
                            format!("added\t{}\t{}\t{}\t{}\t{}", m.id, folder, m.uid, from, m.subject)
                        },
                    ),
                    Err(e) => eprintln!("warning: message {id}: {e}"),
                }
            }
        }
        EngineEvent::MailArrived { account, ids } => {
            for id in ids {
                print(json, &serde_json::json!({ "event": "arrived", "account": account, "message": id }), || {
                    format!("arrived\t{account}\t{id}")
                });
            }
        }
        EngineEvent::FlagsChanged { account, folder, uids } => {
            for uid in uids {
                print(
                    json,
                    &serde_json::json!({ "event": "flags_changed", "account": account, "folder": folder, "uid": uid }),
                    || format!("flags\t{folder}\t{uid}"),
                );
            }
        }
        EngineEvent::MessagesVanished { account, folder, uids } => {
            for uid in uids {
                print(
                    json,
                    &serde_json::json!({ "event": "vanished", "account": account, "folder": folder, "uid": uid }),
                    || format!("vanished\t{folder}\t{uid}"),
                );
            }
        }
        EngineEvent::AccountState { account, state, problem } if state != SyncState::Syncing => {
            let message = problem.as_ref().map(Problem::english);
            print(
                json,
                &serde_json::json!({
                    "event": "account_state", "account": account, "state": state,
                    "message": message, "problem": problem,
                }),
                || format!("state\t{account}\t{state:?}\t{}", message.as_deref().unwrap_or("")),
            );
        }
        _ => {}
    }
}

pub(crate) fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
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
