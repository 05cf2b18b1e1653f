//! Typed engine errors, and what front ends receive of them.
//!
//! The UI and the CLI never show a raw library error: they receive
//! [`UserError`], whose `kind` drives behaviour (e.g. "needs
//! re-authentication") and whose `problem` is a code with parameters that
//! the window words in the user's language (the CLI uses its English).

use serde::Serialize;

use crate::problem::Problem;

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
    /// A connection was not set up in time.
    #[error("connecting to {host}:{port} took too long")]
    ConnectTimeout { host: String, port: u16 },
    /// The server did not answer a command (its protocol name) in time.
    #[error("the server did not answer {0} in time")]
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
    /// The input is not acceptable (the problem says why).
    #[error("{0}")]
    Invalid(Problem),
    /// The thing asked for does not exist (the problem names it).
    #[error("{0}")]
    NotFound(Problem),
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

/// An error as a front end receives it: what kind it is, why (a code the
/// window words), and that in English for logs and the CLI.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UserError {
    pub kind: ErrorKind,
    pub problem: Problem,
    pub message: String,
}

impl Error {
    /// A front end's own input error, already in words (the CLI's
    /// arguments; the CLI speaks English only).
    pub fn worded(text: impl Into<String>) -> Error {
        Error::Invalid(Problem::Worded { text: text.into() })
    }

    /// Classifies the error for retry and UI decisions.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::AuthFailed(_) => ErrorKind::Auth,
            Error::Connect { .. } | Error::ConnectTimeout { .. } | Error::Timeout(_) | Error::Tls { .. } => {
                ErrorKind::Offline
            }
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

    /// Why it failed, as a code with parameters.
    pub fn problem(&self) -> Problem {
        match self {
            Error::AuthFailed(detail) => Problem::LoginRejected { detail: detail.clone() },
            Error::Connect { host, port, .. } => Problem::CannotConnect { host: host.clone(), port: *port },
            Error::Certificate { host, reason } => {
                Problem::CertificateUntrusted { host: host.clone(), reason: reason.clone() }
            }
            Error::Tls { host, reason } => {
                Problem::SecureConnectionFailed { host: host.clone(), reason: reason.clone() }
            }
            Error::Smtp { permanent: true, reason } => Problem::SmtpRefused { reason: reason.clone() },
            Error::Smtp { permanent: false, reason } => Problem::SmtpLater { reason: reason.clone() },
            Error::ConnectTimeout { host, port } => Problem::ConnectTimedOut { host: host.clone(), port: *port },
            Error::Timeout(command) => Problem::NoAnswer { command: command.clone() },
            Error::Refused { command, text, .. } => {
                Problem::ServerRefused { command: command.clone(), text: text.clone() }
            }
            Error::Imap(async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text)) => {
                Problem::ServerRefused { command: String::new(), text: text.clone() }
            }
            Error::Protocol(detail) => Problem::ServerConfused { detail: detail.clone() },
            Error::Invalid(problem) | Error::NotFound(problem) => problem.clone(),
            Error::Secret(detail) => Problem::KeychainUnavailable { detail: detail.clone() },
            other => Problem::Internal { detail: other.to_string() },
        }
    }

    /// The failure in English (the CLI, the logs).
    pub fn user_message(&self) -> String {
        self.problem().english()
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
        let problem = self.problem();
        UserError { kind: self.kind(), message: problem.english(), problem }
    }
}

impl From<Error> for UserError {
    fn from(e: Error) -> Self {
        e.to_user()
    }
}
