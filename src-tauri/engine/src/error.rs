//! Typed engine errors, and their translation into plain words for people.
//!
//! The UI and the CLI never show a raw library error: they show
//! [`UserError`], whose `kind` drives behaviour (e.g. "needs
//! re-authentication") and whose `message` is a sentence a user can act on.

use serde::Serialize;

/// Everything that can go wrong inside the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot connect to {host}:{port}: {source}")]
    Connect { host: String, port: u16, source: std::io::Error },
    #[error("the certificate of {host} is not trusted: {reason}")]
    Certificate { host: String, reason: String },
    #[error("secure connection to {host} failed: {reason}")]
    Tls { host: String, reason: String },
    #[error("the server rejected the login: {0}")]
    AuthFailed(String),
    #[error("the SMTP server did not take the message: {reason}")]
    Smtp { permanent: bool, reason: String },
    #[error("the server did not answer in time ({0})")]
    Timeout(String),
    #[error("IMAP error: {0}")]
    Imap(#[from] async_imap::error::Error),
    /// The server answered a command with NO (`bad`: BAD), in its words.
    #[error("the server refused {command}: {text}")]
    Refused { command: String, bad: bool, text: String },
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("keychain error: {0}")]
    Secret(String),
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// Shorthand used across the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure this is, so callers can react without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The server refused the credentials: ask the user, do not retry.
    Auth,
    /// The server could not be reached: retry later.
    Offline,
    /// The server's certificate is not trusted.
    Certificate,
    /// The user's input is not acceptable.
    Invalid,
    /// The thing asked for does not exist.
    NotFound,
    /// A bug or a broken local environment.
    Internal,
}

/// How the scheduler reacts to a failure of server work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The login was rejected: stop and ask the user (retrying gets them
    /// locked out).
    Auth,
    /// The server cannot be reached now: reconnect with growing pauses;
    /// the work waits, nothing is given up.
    Offline,
    /// This one piece of work failed for a reason that may pass: try it
    /// again later, a few times.
    Retryable,
    /// The server (or the input) says no: give this piece of work up and
    /// tell the user why.
    Permanent,
}

/// An error as the UI shows it: a kind and a sentence in plain words.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UserError {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    /// Classifies the error for retry and UI decisions.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::AuthFailed(_) => ErrorKind::Auth,
            Error::Connect { .. } | Error::Timeout(_) | Error::Tls { .. } => ErrorKind::Offline,
            Error::Imap(async_imap::error::Error::Io(_) | async_imap::error::Error::ConnectionLost) => {
                ErrorKind::Offline
            }
            Error::Smtp { permanent: false, .. } => ErrorKind::Offline,
            Error::Smtp { permanent: true, .. } => ErrorKind::Invalid,
            Error::Certificate { .. } => ErrorKind::Certificate,
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::NotFound(_) => ErrorKind::NotFound,
            _ => ErrorKind::Internal,
        }
    }

    /// The scheduler's reading of the error (see [`Class`]).
    pub fn class(&self) -> Class {
        if self.refusal().is_some() {
            return Class::Permanent;
        }
        match self.kind() {
            ErrorKind::Auth => Class::Auth,
            ErrorKind::Offline | ErrorKind::Certificate => Class::Offline,
            ErrorKind::Invalid | ErrorKind::NotFound => Class::Permanent,
            ErrorKind::Internal => Class::Retryable,
        }
    }

    /// The sentence a user sees.
    pub fn user_message(&self) -> String {
        match self {
            Error::AuthFailed(_) => "The server rejected the user name or password. Check them and try again.".into(),
            Error::Connect { host, port, .. } => {
                format!("Cannot connect to {host}:{port}. Check the server name and port, and that you are online.")
            }
            Error::Certificate { host, reason } => format!(
                "The certificate of {host} is not trusted ({reason}). If this is your own server, choose its certificate under \"Trust this certificate\"."
            ),
            Error::Tls { host, reason } => format!(
                "A secure connection to {host} could not be set up ({reason}). Check the security setting (SSL/TLS or STARTTLS) and the port."
            ),
            Error::Smtp { permanent: true, reason } => {
                format!("The mail server refused the message: {reason}")
            }
            Error::Smtp { permanent: false, reason } => {
                format!("The mail server could not take the message now ({reason}).")
            }
            Error::Timeout(what) => format!("The server did not answer in time ({what})."),
            Error::Invalid(msg) => msg.clone(),
            Error::Refused { command, text, .. } if text.is_empty() => {
                format!("The mail server refused {command}.")
            }
            Error::Refused { command, text, .. } => format!("The mail server refused {command}: {text}"),
            Error::NotFound(what) => format!("{what} was not found."),
            Error::Secret(msg) => {
                format!("The system keychain could not be used ({msg}). Passwords are kept only there.")
            }
            other => format!("Something went wrong: {other}"),
        }
    }

    /// The server's words when it refused the command (NO or BAD), also
    /// for the commands async-imap checks itself.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            Error::Refused { text, .. } => Some(text),
            Error::Imap(async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text)) => Some(text),
            _ => None,
        }
    }

    /// The serializable form handed to the UI.
    pub fn to_user(&self) -> UserError {
        UserError { kind: self.kind(), message: self.user_message() }
    }
}

impl From<Error> for UserError {
    fn from(e: Error) -> Self {
        e.to_user()
    }
}
