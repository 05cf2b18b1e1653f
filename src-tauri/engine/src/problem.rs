//! Why something failed, as a code with parameters. The engine never words
//! a failure for people: the window words a [`Problem`] in the user's
//! language from its code, and [`Problem::english`] words it for the CLI
//! and the logs. Stored failures (an account's last error, a refused
//! action, an outbox message's problem) are kept as codes too, so they are
//! worded in whatever language the window has when they are shown.

use serde::{Deserialize, Serialize};

use crate::crm::RecordKind;
use crate::mailto::MailtoFault;

/// One failure, with what a person needs to act on it. Server words
/// (`text`, `reason`, `detail`) are quoted as the server or library gave
/// them; they are not ours to translate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    // The mail servers.
    /// The server rejected the user name, password or token.
    LoginRejected {
        detail: String,
    },
    /// No connection to the server could be made.
    CannotConnect {
        host: String,
        port: u16,
    },
    /// The server's certificate is not trusted.
    CertificateUntrusted {
        host: String,
        reason: String,
    },
    /// TLS could not be set up (often the wrong security setting or port).
    SecureConnectionFailed {
        host: String,
        reason: String,
    },
    /// Setting up the connection took too long.
    ConnectTimedOut {
        host: String,
        port: u16,
    },
    /// The server did not answer a command (its protocol name, e.g.
    /// `UID FETCH`, the same in every language) in time.
    NoAnswer {
        command: String,
    },
    /// The IMAP server answered a command with NO or BAD (`command` empty
    /// when the library did not say which).
    ServerRefused {
        command: String,
        text: String,
    },
    /// The server said something we could not understand.
    ServerConfused {
        detail: String,
    },
    /// The SMTP server refused the message for good.
    SmtpRefused {
        reason: String,
    },
    /// The SMTP server could not take the message now; it is retried.
    SmtpLater {
        reason: String,
    },

    // The account form and the account's folders.
    /// Not an email address (`field`: the header it was typed in, if any).
    NotAnEmailAddress {
        text: String,
        field: Option<String>,
    },
    /// A server name with characters no host name has (`server`: IMAP,
    /// SMTP, or empty when not known).
    BadServerName {
        server: String,
        name: String,
    },
    /// A port of 0 (`server`: IMAP or SMTP).
    PortOutOfRange {
        server: String,
    },
    EmptyPassword,
    AccountExists {
        email: String,
    },
    /// Nothing told this domain's mail servers (no preset, MX, autoconfig
    /// file or SRV record, and the guessed servers did not answer).
    NoSettingsFound {
        domain: String,
    },
    /// This build and installation have no OAuth client for the provider
    /// (`provider`: the preset's id; empty for a typed-in server).
    OauthNotConfigured {
        provider: String,
    },
    /// An OAuth server address that is not HTTPS (or HTTP on loopback).
    BadOauthServer {
        url: String,
    },
    /// The user cancelled the sign-in in the window.
    SignInCancelled,
    /// A password was given for an account that signs in in the browser.
    SignsInInBrowser,
    /// Nothing came back from the browser in time.
    SignInTimedOut,
    /// The provider said no (the user denied access, or the request was
    /// not accepted), with its reason.
    SignInRefused {
        reason: String,
    },
    PollIntervalOutOfRange,
    /// The trusted certificate the user chose is not PEM.
    CertificateFileInvalid,
    /// The TLS library refused our own settings.
    TlsSetupFailed {
        detail: String,
    },
    FolderNameUnsendable {
        name: String,
    },
    NotAFolderRole {
        role: String,
    },
    NoArchiveFolder,
    NoTrashFolder,

    // The composer.
    NoRecipient,
    /// The message is larger than the account sends (sizes in bytes as
    /// sent, with attachments encoded).
    MessageTooLarge {
        size: u64,
        limit: u64,
    },
    /// No draft has this id (sent or deleted meanwhile).
    DraftNotFound {
        id: i64,
    },
    /// No template has this id.
    TemplateNotFound {
        id: i64,
    },
    /// A template needs a name to be listed by.
    TemplateNameMissing,
    /// `{{name}}` in the message is not a smart field: it would go out
    /// raw.
    UnknownField {
        name: String,
    },
    /// Smart fields with no value for this recipient: sent only once the
    /// user agreed.
    EmptyFields {
        fields: Vec<String>,
    },
    /// Undo came too late: the message is already with the server.
    AlreadySent,

    // Search.
    /// `before:` or `after:` with something that is not a YYYY-MM-DD date.
    BadSearchDate {
        text: String,
    },
    /// An attachment or inline image could not be read.
    AttachmentUnreadable {
        path: String,
        reason: String,
    },
    /// No recipient the SMTP library accepts.
    NoValidRecipient {
        detail: String,
    },
    MessageNotBuilt {
        detail: String,
    },

    // The CRM and its imports.
    NameMissing {
        kind: RecordKind,
    },
    NotADate {
        text: String,
    },
    AddressTaken {
        address: String,
        owner: crate::ids::RecordId,
        owner_name: String,
    },
    /// Persons and organizations are edited with their own forms, not as
    /// deals, leads or projects.
    NotARecordForm {
        kind: RecordKind,
    },
    /// Only a deal, lead or project can be a conversation's choice.
    NotAChoice {
        kind: RecordKind,
    },
    NotAColumnMapping {
        text: String,
    },
    NotAnImportField {
        text: String,
    },
    NoSuchColumn {
        column: String,
        columns: Vec<String>,
    },
    NotCsv {
        detail: String,
    },
    NoAddressColumn,
    NoVcard,
    /// The import dialog asked about a file it had not handed over.
    NoFilePicked,
    /// An encoding name nobody knows (`--encoding`).
    UnknownEncoding {
        label: String,
    },

    // Things asked for that are not there.
    AccountNotFound {
        id: crate::ids::AccountId,
    },
    MessageNotFound {
        id: Option<crate::ids::MessageId>,
    },
    FolderNotFound {
        name: Option<String>,
    },
    RecordNotFound {
        kind: RecordKind,
        id: crate::ids::RecordId,
    },
    AddressNotOfPerson {
        address: String,
        person: crate::ids::RecordId,
    },

    // Here, not at the server.
    /// The stored message could not be parsed; its raw source is kept.
    MessageUnparsable,
    /// The message has no such file.
    AttachmentNotFound,
    /// A file of this name is already where it would be saved; the user
    /// chooses to replace it or keep both.
    FileExists {
        name: String,
    },
    /// The system found no app to open the file with (or would not).
    CannotOpenFile {
        reason: String,
    },
    /// The user cancelled an import; nothing of it was kept.
    ImportCancelled,
    /// The system's print dialog could not be opened.
    CannotPrint {
        reason: String,
    },
    /// The system names no folder for downloads.
    NoDownloadsFolder,
    /// A queued action's folder is gone from the server.
    FolderGone,
    /// The server renumbered the folder (UIDVALIDITY), so a queued
    /// action's message could not be found again.
    FolderRenumbered,
    /// Smart BCC has no mailbox to receive its copies yet.
    BccNotSetUp,
    /// The address is not on the accepted senders' list.
    SenderNotListed {
        address: String,
    },
    /// The confirmation code is not the one mailed to the address (or it
    /// was used already).
    SenderCodeWrong {
        address: String,
    },
    /// Too many wrong codes were typed: the code no longer works (or it
    /// was used already); add the sender again for a new one.
    SenderCodeUsedUp {
        address: String,
    },
    /// The confirmation code is older than a day: add the sender again.
    SenderCodeExpired {
        address: String,
    },
    /// Not a `threadline://verify-sender` link with an address and a code.
    NotAVerifyLink {
        link: String,
    },
    /// A `mailto:` link that cannot be read, and why.
    MailtoUnreadable {
        fault: MailtoFault,
    },
    /// A link in a mail that the app does not follow (`file:`,
    /// `javascript:` …); empty `scheme` when it has none.
    LinkNotFollowed {
        scheme: String,
    },
    /// Writing needs an account, and there is none yet.
    NoAccount,
    /// The system did not open a link handed to it.
    CannotOpenLink {
        reason: String,
    },
    /// The system's email app could not be told or set.
    MailAppUnknown {
        reason: String,
    },
    MailAppNotSet {
        reason: String,
    },
    /// The system has no place for the tray icon, or refused it.
    TrayUnavailable {
        reason: String,
    },
    /// Starting at login could not be set or read.
    AutostartFailed {
        reason: String,
    },
    /// No held Smart BCC copy has this id.
    NotQuarantined {
        id: crate::ids::MessageId,
    },
    /// The address or domain is not blocked.
    NotBlocked {
        pattern: String,
    },
    /// The system keychain could not be used.
    KeychainUnavailable {
        detail: String,
    },
    /// Already in words: a front end's own usage error (the CLI speaks
    /// English only), or a failure an earlier version stored as words.
    Worded {
        text: String,
    },
    /// A bug or a broken local environment, in the library's words.
    Internal {
        detail: String,
    },
}

impl Problem {
    /// The failure in English, for the CLI and the logs (the window words
    /// it from the code, in the user's language).
    pub fn english(&self) -> String {
        use Problem::*;
        match self {
            LoginRejected { .. } => "The server rejected the user name or password. Check them and try again.".into(),
            CannotConnect { host, port } => {
                format!("Cannot connect to {host}:{port}. Check the server name and port, and that you are online.")
            }
            CertificateUntrusted { host, reason } => format!(
                "The certificate of {host} is not trusted ({reason}). If this is your own server, choose its certificate under \"Trust this certificate\"."
            ),
            SecureConnectionFailed { host, reason } => format!(
                "A secure connection to {host} could not be set up ({reason}). Check the security setting (SSL/TLS or STARTTLS) and the port."
            ),
            ConnectTimedOut { host, port } => format!(
                "Connecting to {host}:{port} took too long. Check the server name and port, and that you are online."
            ),
            NoAnswer { command } => format!("The server did not answer {command} in time."),
            ServerRefused { command, text } if command.is_empty() => format!("The mail server refused: {text}"),
            ServerRefused { command, text } if text.is_empty() => format!("The mail server refused {command}."),
            ServerRefused { command, text } => format!("The mail server refused {command}: {text}"),
            ServerConfused { detail } => format!("The server answered something unexpected: {detail}"),
            SmtpRefused { reason } => format!("The mail server refused the message: {reason}"),
            SmtpLater { reason } => format!("The mail server could not take the message now ({reason})."),
            NotAnEmailAddress { text, field: Some(field) } => {
                format!("\"{text}\" in {field} is not a valid email address.")
            }
            NotAnEmailAddress { text, field: None } => {
                format!("\"{text}\" is not an email address (expected name@example.com).")
            }
            BadServerName { server, name } if server.is_empty() => format!("The server name \"{name}\" is not valid."),
            BadServerName { server, name } => format!("The {server} server name \"{name}\" is not valid."),
            PortOutOfRange { server } => format!("The {server} port must be between 1 and 65535."),
            EmptyPassword => "The password is empty.".into(),
            AccountExists { email } => format!("An account for {email} already exists."),
            OauthNotConfigured { provider } if provider.is_empty() => {
                "This OAuth server needs a client id.".into()
            }
            OauthNotConfigured { provider } => format!(
                "This copy of Threadline has no OAuth client for {provider}: sign in with an app password, or name a client in oauth-clients.json."
            ),
            BadOauthServer { url } => format!("The sign-in address {url} is not a secure (https) address."),
            SignInCancelled => "Sign-in cancelled.".into(),
            SignsInInBrowser => "This account signs in in the browser, not with a password: use Sign in again.".into(),
            SignInTimedOut => "The sign-in was not finished in the browser in time. Try again.".into(),
            SignInRefused { reason } => format!("The provider did not allow the sign-in: {reason}"),
            NoSettingsFound { domain } => format!(
                "No mail server settings were found for {domain}. Enter them by hand (your provider's help pages list them)."
            ),
            PollIntervalOutOfRange => "Check for new mail at least once a day and at most every second.".into(),
            CertificateFileInvalid => "The trusted certificate is not a valid PEM certificate (it should start with -----BEGIN CERTIFICATE-----).".into(),
            TlsSetupFailed { detail } => format!("TLS setup failed: {detail}"),
            FolderNameUnsendable { name } => format!("The folder name {name:?} cannot be sent to the server."),
            NotAFolderRole { role } => format!("\"{role}\" is not a folder role that can be chosen."),
            NoArchiveFolder => "This account has no archive folder.".into(),
            NoTrashFolder => "This account has no trash folder.".into(),
            NoRecipient => "Add at least one recipient.".into(),
            MessageTooLarge { size, limit } => format!(
                "The message is {:.1} MB, over this account's limit of {:.1} MB: nothing was sent. Remove attachments or share a link instead.",
                *size as f64 / 1_048_576.0,
                *limit as f64 / 1_048_576.0
            ),
            DraftNotFound { id } => format!("There is no draft {id} (it was sent or deleted)."),
            TemplateNotFound { id } => format!("There is no template {id}."),
            TemplateNameMissing => "A template needs a name.".to_owned(),
            UnknownField { name } => {
                format!("{{{{{name}}}}} is not a smart field: correct it or remove it before sending.")
            }
            EmptyFields { fields } => format!(
                "These smart fields have no value for this recipient: {}. Fill them in, or send with them empty.",
                fields.join(", ")
            ),
            AlreadySent => "Too late to undo: the message is already sent.".to_owned(),
            BadSearchDate { text } => {
                format!("\"{text}\" is not a date like 2027-03-31 (before: and after: take YYYY-MM-DD).")
            }
            AttachmentUnreadable { path, reason } => format!("The file {path} could not be read: {reason}"),
            NoValidRecipient { detail } => format!("The message has no valid recipient: {detail}"),
            MessageNotBuilt { detail } => format!("The message could not be built: {detail}"),
            NameMissing { kind } => format!("A {} needs a name.", kind.noun()),
            NotADate { text } => format!("\"{text}\" is not a date like 2027-03-31."),
            AddressTaken { address, owner, owner_name } => {
                format!("{address} is already an address of {owner_name} (person {owner}).")
            }
            NotARecordForm { .. } => "Persons and organizations have their own forms.".into(),
            NotAChoice { kind } => {
                format!("A conversation's choice is a deal, lead or project, not a {}.", kind.noun())
            }
            NotAColumnMapping { text } => format!("\"{text}\" is not column=field."),
            NotAnImportField { text } => format!(
                "\"{text}\" is not a field (name, first_name, middle_name, last_name, email, phone, org, domain, ignore)."
            ),
            NoSuchColumn { column, columns } => {
                format!("The file has no column \"{column}\" (it has: {}).", columns.join(", "))
            }
            NotCsv { detail } => format!("This is not a CSV file with a header row: {detail}"),
            NoAddressColumn => "No column holds email addresses or organizations: map one to email or org.".into(),
            NoVcard => "No vCard (BEGIN:VCARD … END:VCARD) in this file.".into(),
            NoFilePicked => "No file is picked for import.".into(),
            UnknownEncoding { label } => format!("\"{label}\" is not an encoding this app knows (UTF-8, windows-1252, Shift_JIS …)."),
            AccountNotFound { id } => format!("Account {id} was not found."),
            MessageNotFound { id: Some(id) } => format!("Message {id} was not found."),
            MessageNotFound { id: None } => "The message was not found.".into(),
            FolderNotFound { name: Some(name) } => format!("The folder {name} was not found."),
            FolderNotFound { name: None } => "The folder was not found.".into(),
            RecordNotFound { kind, id } => format!("{} {id} was not found.", kind.noun()),
            AddressNotOfPerson { address, person } => format!("{address} is not an address of person {person}."),
            MessageUnparsable => "The message could not be parsed; its raw source is kept.".into(),
            AttachmentNotFound => "The message has no such file.".into(),
            FileExists { name } => format!("A file named {name} is already there."),
            CannotOpenFile { reason } => format!("The file could not be opened: {reason}"),
            CannotPrint { reason } => format!("Printing could not start: {reason}"),
            ImportCancelled => "Import cancelled; nothing of it was kept.".into(),
            NoDownloadsFolder => "The system names no folder for downloads.".into(),
            FolderGone => "The folder no longer exists.".into(),
            FolderRenumbered => "The server renumbered the folder, so the message could not be found again.".into(),
            BccNotSetUp => "Smart BCC is not set up: choose the account whose mailbox receives the copies.".into(),
            SenderNotListed { address } => format!("{address} is not an accepted sender: add it first."),
            SenderCodeWrong { address } => format!("That is not the code sent to {address}."),
            SenderCodeUsedUp { address } => {
                format!("The code sent to {address} no longer works: add the sender again for a new one.")
            }
            SenderCodeExpired { address } => {
                format!("The code sent to {address} expired after 24 hours: add the sender again for a new one.")
            }
            NotAVerifyLink { link } => format!("\"{link}\" is not a sender confirmation link."),
            MailtoUnreadable { fault } => match fault {
                MailtoFault::NotMailto => "This is not a mailto: link.".into(),
                MailtoFault::BadEscape => {
                    "This mailto: link is broken: a % is not followed by two hexadecimal digits.".into()
                }
                MailtoFault::NotUtf8 => "This mailto: link is broken: its text is not UTF-8.".into(),
            },
            LinkNotFollowed { scheme } if scheme.is_empty() => "Threadline does not follow this link.".into(),
            LinkNotFollowed { scheme } => format!("Threadline does not follow {scheme}: links."),
            NoAccount => "Add an email account first.".into(),
            CannotOpenLink { reason } => format!("The link could not be opened: {reason}"),
            MailAppUnknown { reason } => format!("Which app opens email links could not be found out: {reason}"),
            MailAppNotSet { reason } => format!("Threadline could not be made the default email app: {reason}"),
            TrayUnavailable { reason } => format!("The tray icon could not be shown: {reason}"),
            AutostartFailed { reason } => format!("Starting Threadline at login could not be set: {reason}"),
            NotQuarantined { id } => format!("Message {id} is not in the quarantine."),
            NotBlocked { pattern } => format!("{pattern} is not blocked."),
            KeychainUnavailable { detail } => {
                format!("The system keychain could not be used ({detail}). Passwords are kept only there.")
            }
            Worded { text } => text.clone(),
            Internal { detail } => format!("Something went wrong: {detail}"),
        }
    }

    /// Reads a problem the store kept; words from before problems were
    /// codes come back as [`Problem::Worded`].
    pub fn from_stored(text: &str) -> Problem {
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
            return Problem::Worded { text: text.to_owned() };
        };
        // A timeout kept before it named its command said `what`.
        if value["code"] == "no_answer"
            && let Some(fields) = value.as_object_mut()
            && let Some(what) = fields.remove("what")
        {
            fields.insert("command".into(), what);
        }
        serde_json::from_value(value).unwrap_or_else(|_| Problem::Worded { text: text.to_owned() })
    }

    /// The form the store keeps.
    pub fn to_stored(&self) -> String {
        // A Problem is plain data: serializing it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Stored as its JSON text (see [`Problem::to_stored`]).
impl sqlx::Type<sqlx::Sqlite> for Problem {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as sqlx::Type<sqlx::Sqlite>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Sqlite> for Problem {
    fn encode_by_ref(
        &self,
        buf: &mut Vec<sqlx::sqlite::SqliteArgumentValue<'q>>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <String as sqlx::Encode<'q, sqlx::Sqlite>>::encode(self.to_stored(), buf)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for Problem {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Problem::from_stored(<&str as sqlx::Decode<'r, sqlx::Sqlite>>::decode(value)?))
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_kept_as_its_code_and_words_from_before_still_read() {
        let p = Problem::ServerRefused { command: "UID COPY".into(), text: "no such mailbox".into() };
        let stored = p.to_stored();
        assert!(stored.contains("\"code\":\"server_refused\""), "{stored}");
        assert_eq!(Problem::from_stored(&stored), p);
        assert_eq!(
            Problem::from_stored("The mail server refused UID COPY: gone"),
            Problem::Worded { text: "The mail server refused UID COPY: gone".into() }
        );
        assert_eq!(p.english(), "The mail server refused UID COPY: no such mailbox");
    }

    #[test]
    fn a_timeout_kept_before_it_named_its_command_still_reads() {
        assert_eq!(
            Problem::from_stored(r#"{"code":"no_answer","what":"UID FETCH"}"#),
            Problem::NoAnswer { command: "UID FETCH".into() }
        );
    }
}
