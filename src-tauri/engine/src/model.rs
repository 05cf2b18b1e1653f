//! The data the engine hands to its front ends (desktop UI and CLI).
//!
//! These types are the single source of truth for IPC: the TypeScript
//! declarations in `ui/src/lib/bindings.gen.ts` are generated from them by a
//! test, so the UI and the engine cannot drift apart.

use crate::ids::{AccountId, MessageId, RecordId, ThreadId};
use serde::{Deserialize, Serialize};

/// How a connection is secured. Stored by its snake_case name, as serde
/// writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum Security {
    /// Implicit TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connection upgraded with STARTTLS (IMAP 143, submission 587).
    Starttls,
}

/// What the user typed in "Add account" (raw, not yet validated).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: Security,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    /// Login name; empty means "same as the email address".
    pub username: String,
    /// Goes to the OS keychain, never to the database.
    pub password: String,
    /// PEM certificate(s) to trust for this server, for self-hosted mail.
    pub trusted_certs: Option<String>,
    /// How far back to sync, in days (null: everything).
    #[serde(default)]
    pub history_days: Option<u32>,
    /// Password (the default) or OAuth.
    #[serde(default)]
    pub sign_in: SignIn,
    /// The preset the settings came from, whose quirks the account keeps.
    #[serde(default)]
    pub provider: Option<String>,
    /// For OAuth without a preset: the server and client to sign in with.
    #[serde(default)]
    pub oauth: Option<OAuthServer>,
}

/// Where an account's sync stands, as the UI shows it. Stored by its
/// snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum SyncState {
    New,
    Syncing,
    Ok,
    Error,
    NeedsReauth,
}

/// What archiving or deleting an email in the app does in the mail
/// account (F-MIRROR), chosen per account. Stored by its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum Mirror {
    /// Archive there what is archived here, and delete there (move to the
    /// trash) what is deleted here: the account follows the app.
    Delete,
    /// Archive there what is archived or deleted here: the account keeps a
    /// copy of everything.
    Archive,
    /// Leave the mail account alone; the app remembers on its own.
    Nothing,
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ThreadView {
    /// Conversations with mail that is neither archived nor deleted.
    #[default]
    Inbox,
    /// Conversations whose mail is all archived (none deleted-only).
    Archive,
    /// Conversations whose mail is all deleted.
    Trash,
}

/// What a conversation list holds (F-INBOX views).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// The inbox, archive or trash as the app keeps them (see [`ThreadView`]).
    #[default]
    Inbox,
    Archive,
    Trash,
    /// Conversations with mail in a Sent or Drafts folder.
    Sent,
    Drafts,
    /// Conversations with a flagged message, not deleted.
    Flagged,
    /// Conversations with mail in one synced folder (`Listing::folder`).
    Folder,
}

/// A conversation list: a kind over every account (the unified views) or
/// one, or one folder. The list remembers where it was per listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct Listing {
    pub kind: ListKind,
    pub account: Option<AccountId>,
    /// The folder of `ListKind::Folder`.
    pub folder: Option<i64>,
}

impl Listing {
    /// The app's box its conversations are in, when it is one of them.
    pub fn view(&self) -> Option<ThreadView> {
        match self.kind {
            ListKind::Inbox => Some(ThreadView::Inbox),
            ListKind::Archive => Some(ThreadView::Archive),
            ListKind::Trash => Some(ThreadView::Trash),
            _ => None,
        }
    }
}

/// A synced folder in the folder tree, with its unread mail.
#[derive(Debug, Clone, Serialize, specta::Type, sqlx::FromRow)]
pub struct FolderEntry {
    pub id: i64,
    pub account: AccountId,
    /// The server's name, whose parts `delimiter` separates.
    pub name: String,
    pub display_name: String,
    pub delimiter: Option<String>,
    pub role: Option<String>,
    pub unread: u32,
}

/// An account as listed in the UI.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AccountSummary {
    pub id: AccountId,
    pub email: String,
    pub display_name: String,
    pub sync_state: SyncState,
    pub last_error: Option<crate::problem::Problem>,
    pub last_sync_at: Option<i64>,
    /// Every folder is synced ("All emails will be synced"), or only the
    /// chosen ones ("Sync emails with specific labels").
    pub sync_all_folders: bool,
    /// How far back mail is synced, in days (null: everything).
    pub history_days: Option<u32>,
    /// What archiving or deleting here does in the mail account.
    pub mirror: Mirror,
    /// Seconds between checks for new mail when the server cannot push
    /// it, and between passes over every folder when it can.
    pub poll_seconds: u32,
    /// How it signs in: "Sign in again" opens the browser for OAuth, and
    /// asks for a password otherwise.
    pub sign_in: SignIn,
    /// The preset its settings came from.
    pub provider: Option<String>,
    /// The largest message it sends, in bytes as sent (its provider's
    /// limit, or the one the user set).
    pub size_limit: u64,
    pub imap: ServerView,
    pub smtp: ServerView,
    /// The login name.
    pub username: String,
    /// New mail in its inbox is shown as a desktop notification.
    pub notify_new_mail: bool,
}

/// What Preferences > Email sync lets the user change of an account.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AccountSettings {
    pub display_name: String,
    pub imap: ServerView,
    pub smtp: ServerView,
    pub username: String,
}

/// A way of signing in to an account's servers. Stored by its name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
pub enum SignIn {
    #[default]
    /// A password (or an app password) kept in the keychain.
    Password,
    /// OAuth 2 in the system browser; tokens kept in the keychain.
    Oauth,
}

/// An OAuth 2 authorization server and the app's client there: a preset's
/// (Google, Microsoft) or one typed in (any OpenID provider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OAuthServer {
    pub auth_url: String,
    pub token_url: String,
    pub client_id: String,
    pub scopes: Vec<String>,
}

/// What a provider wants done on its website before the first sign-in; the
/// account form words each step in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SetupStep {
    /// Switch IMAP access on in the provider's mail settings.
    EnableImap,
    /// Make an app password there and type that instead of the usual one.
    AppPassword,
}

/// One server's settings as found or typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ServerView {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// A provider preset as listed by `providers` and offered by the account
/// form. Hosts may hold `{domain}`: the domain of the address.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ProviderView {
    pub id: String,
    pub name: String,
    pub domains: Vec<String>,
    pub imap: ServerView,
    pub smtp: ServerView,
    /// Preferred first.
    pub auth: Vec<SignIn>,
    /// Only an app password is taken (the account's own password is not).
    pub app_password: bool,
    pub setup: Vec<SetupStep>,
    /// The provider's page with those steps.
    pub help: Option<String>,
    /// Where the settings come from: the provider's help page, or
    /// Thunderbird's ISPDB entry.
    pub source: String,
}

/// Where found settings came from, in the order they are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum SettingsSource {
    /// The address's domain is a preset's own.
    Preset,
    /// The domain's MX points at a preset's servers (hosted domains).
    Mx,
    /// The domain publishes a Thunderbird autoconfig file.
    Autoconfig,
    /// The domain publishes RFC 6186 SRV records.
    Srv,
    /// imap.<domain> and smtp.<domain> answered with TLS when tried.
    Guess,
}

/// Settings found for an address by `autoconfig`: what the account form
/// fills in, and says where it came from.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FoundSettings {
    pub source: SettingsSource,
    /// The preset's id (preset and mx sources).
    pub provider: Option<String>,
    pub imap: ServerView,
    pub smtp: ServerView,
    /// Preferred first.
    pub auth: Vec<SignIn>,
    /// The login name the servers expect.
    pub username: String,
    pub setup: Vec<SetupStep>,
    pub help: Option<String>,
    /// The file or record the settings were read from, when there is one.
    pub from: Option<String>,
    /// The preset's name, as the form shows it.
    pub provider_name: Option<String>,
}

/// One folder as the troubleshooting view shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FolderStatus {
    pub id: i64,
    pub name: String,
    pub role: Option<String>,
    /// Chosen for "Sync emails with specific labels".
    pub chosen: bool,
    /// Messages stored here for this folder.
    pub local_messages: u32,
    /// The server's count at the last complete pass, when known.
    pub server_messages: Option<u32>,
    pub last_sync_at: Option<i64>,
    pub last_error: Option<crate::problem::Problem>,
}

/// An account's health: what the troubleshooting view shows.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AccountStatus {
    pub account: AccountSummary,
    pub folders: Vec<FolderStatus>,
    /// User actions waiting for the server.
    pub pending_actions: u32,
    /// User actions the server refused.
    pub failed_actions: u32,
    /// Why it refused the latest of them, in its words.
    pub last_action_failure: Option<crate::problem::Problem>,
    /// Sent messages waiting in the outbox for the SMTP server.
    pub queued_messages: u32,
    /// Sent messages the SMTP server refused after they were queued.
    pub failed_messages: u32,
}

/// A name and an address, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AddressView {
    pub name: String,
    pub address: String,
}

/// One message in one folder (what `list` prints), or one message of a
/// conversation (then `folder`/`uid` name its first location).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MessageSummary {
    pub id: MessageId,
    pub account: AccountId,
    pub folder: String,
    pub uid: u32,
    pub message_id: Option<String>,
    pub thread_id: ThreadId,
    /// Unix seconds.
    pub date: i64,
    pub from: Vec<AddressView>,
    pub to: Vec<AddressView>,
    pub cc: Vec<AddressView>,
    pub subject: String,
    pub flags: Vec<String>,
    pub snippet: String,
    pub has_attachments: bool,
    pub visibility: Visibility,
    /// Gmail labels the user gave it (X-GM-LABELS, without Gmail's own).
    pub labels: Vec<String>,
    /// Set for a Smart BCC copy: where it was sent, and its verdicts.
    pub capture: Option<CaptureView>,
}

/// Who may see an email once a team shares a store (F-SHARE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum Visibility {
    /// Only its owner, on this machine.
    Private,
    /// Colleagues who can see a person or deal it is linked to, while it is.
    Shared,
}

/// Whose Smart BCC address took a captured copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum CaptureTarget {
    User,
    Deal,
    Lead,
    Project,
}

/// A Smart BCC copy as a message shows it: the address it was sent to
/// and what DKIM and SPF said (None: not checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CaptureView {
    /// None for a copy to an address that is no longer live.
    pub target: Option<CaptureTarget>,
    pub target_id: Option<RecordId>,
    pub dkim: Option<crate::verify::Dkim>,
    pub spf: Option<crate::verify::Spf>,
    /// The customer a person would be made from ("Add as person"): the
    /// forwarded original's sender or recipient, else the first address
    /// on the copy that is not the user's. Only where a message is shown
    /// whole (a conversation's messages), not in lists.
    pub customer: Option<AddressView>,
}

/// A conversation row in the inbox.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ThreadSummary {
    pub id: ThreadId,
    pub account: AccountId,
    pub subject: String,
    /// Unix seconds of the newest message.
    pub last_date: i64,
    pub message_count: u32,
    pub unread_count: u32,
    /// Senders, oldest first, as display names.
    pub participants: String,
    pub snippet: String,
    pub has_attachments: bool,
    /// Shared when every message shown in it is shared.
    pub visibility: Visibility,
    /// Its newest Smart BCC copy, if it has one.
    pub capture: Option<CaptureView>,
}

/// What a search shows: the messages found, newest first, and the words
/// and phrases to mark in them (see [`crate::search::query::highlights`]).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SearchResults {
    pub messages: Vec<MessageSummary>,
    pub highlight: Vec<String>,
}

/// A window onto the inbox, for a virtualized list.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ThreadPage {
    pub total: u32,
    /// Whether `total` is the list's size. A large folder's pages come
    /// before its conversations are counted: `total` then says only how
    /// far the list goes at least, and `listing_count` counts them.
    pub counted: bool,
    pub offset: u32,
    pub threads: Vec<ThreadSummary>,
}

/// An attachment as listed under a message.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AttachmentView {
    /// Its place among the message's files, which opening or saving it
    /// names.
    pub position: u32,
    pub filename: String,
    pub content_type: String,
    pub size: u32,
    pub is_inline: bool,
}

/// A message opened in the reading pane.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MessageView {
    pub summary: MessageSummary,
    pub text: String,
    /// Sanitized HTML; render only in a sandboxed frame.
    pub html: Option<String>,
    pub remote_content_blocked: bool,
    /// Its sender's remote images are loaded always (the user chose so).
    pub remote_content_sender: bool,
    pub attachments: Vec<AttachmentView>,
    /// Why the message could not be fully parsed, if it could not.
    pub problem: Option<crate::problem::Problem>,
}

/// A message's source for "Show original" (see `Mail::message_original`).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Original {
    /// As text, undecodable bytes replaced.
    pub text: String,
    /// The whole source's size, and how much of it `text` shows.
    pub bytes: u64,
    pub shown_bytes: u64,
}

/// What one sync pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct SyncReport {
    /// Messages fetched into a folder for the first time.
    pub new: u32,
    /// Messages whose flags changed.
    pub changed: u32,
    /// Messages that left a folder on the server.
    pub vanished: u32,
    pub folders: u32,
    /// Folders whose stored messages were fetched again because the
    /// server renumbered them (a new UIDVALIDITY). A folder with nothing
    /// stored here is not counted: it had nothing to fetch again.
    pub resets: u32,
    /// Messages left on the server for a later pass: a pass of the
    /// scheduler fetches history in chunks, newest first.
    pub left: u32,
    /// The user cancelled the pass: what it stored stays, and the next
    /// pass goes on from there.
    pub cancelled: bool,
}

impl SyncReport {
    /// Adds another pass's counts to this one.
    pub fn add(&mut self, other: &SyncReport) {
        self.new += other.new;
        self.changed += other.changed;
        self.vanished += other.vanished;
        self.folders += other.folders;
        self.resets += other.resets;
        self.left += other.left;
    }
}

/// Where a refill of the search index stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum IndexingState {
    Running,
    /// Complete: every message can be found.
    Done,
    /// Cancelled by the user; it goes on at the next start.
    Stopped,
}

/// Pushed to front ends after a change is committed (small payloads: the UI
/// refetches what it shows).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    /// Initial or catch-up sync progress of one folder.
    SyncProgress { account: AccountId, folder: String, done: u32, total: u32 },
    /// A contacts import's rows done of all.
    ImportProgress { done: u32, total: u32 },
    /// The user cancelled the account's running pass; the next pass goes
    /// on from where it stopped.
    SyncCancelled { account: AccountId },
    /// The search index is being refilled (after an upgrade that had to
    /// start it empty): messages indexed of all, and whether it goes on;
    /// the last event of a refill says it is done or stopped.
    SearchIndexing { done: u32, total: u32, state: IndexingState },
    /// Messages were added, changed or removed.
    MessagesChanged { account: AccountId },
    /// Messages seen for the first time were stored (ids of new messages;
    /// a message already known from another folder is not new).
    MessagesAdded { account: AccountId, folder: String, ids: Vec<MessageId> },
    /// Mail to tell the user about: unread, in the inbox, arrived since the
    /// folder's last pass (never what an initial sync or a history
    /// backfill brings), of an account whose notifications are on; newest
    /// first.
    MailArrived { account: AccountId, ids: Vec<MessageId> },
    /// Flags of these UIDs changed on the server and were stored.
    FlagsChanged { account: AccountId, folder: String, uids: Vec<u32> },
    /// These UIDs left the folder on the server and were forgotten there.
    MessagesVanished { account: AccountId, folder: String, uids: Vec<u32> },
    /// The server refused one of the user's actions, or it failed too
    /// often: it was given up (the reason in plain words).
    ActionFailed { account: AccountId, reason: crate::problem::Problem },
    /// The SMTP server took a message from the outbox.
    MessageSent {
        account: AccountId,
        /// Its Message-ID (without angle brackets).
        message_id: String,
        subject: String,
    },
    /// A message in the outbox could not be handed over now (the server
    /// cannot be reached, or said "later"): it waits and goes out by itself.
    SendDelayed { account: AccountId, message_id: String, subject: String, reason: crate::problem::Problem },
    /// A message in the outbox was refused, or cannot go out until the
    /// user acts (it stays in the outbox, as failed).
    SendFailed { account: AccountId, message_id: String, subject: String, reason: crate::problem::Problem },
    /// A CRM record was added, changed or deleted (`id` None: several of
    /// this kind, as after an import).
    CrmChanged { kind: crate::crm::RecordKind, id: Option<RecordId> },
    /// Links between emails and records changed: of these emails, or (none
    /// named) of any.
    LinksChanged { messages: Vec<MessageId> },
    /// The account's sync state changed.
    AccountState { account: AccountId, state: SyncState, problem: Option<crate::problem::Problem> },
    /// A sender was confirmed from the link in its confirmation email.
    SenderConfirmed { address: String },
    /// A link the app was opened with could not be used (why, as a code).
    LinkRefused { reason: crate::problem::Problem },
}

/// What the plain composer sends. Address fields take one or more
/// addresses each, comma separated, with or without display names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Draft {
    pub account_id: AccountId,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    /// The message this one answers: threads the reply with it.
    pub in_reply_to: Option<MessageId>,
    /// The formatted body (HTML); the plain-text part is made from it and
    /// `body` is then not used.
    #[serde(default)]
    pub html: Option<String>,
    /// Files sent with it, by path.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Images the HTML shows by `cid:` reference.
    #[serde(default)]
    pub inline: Vec<InlineImage>,
    /// The message this one forwards: its files go along.
    #[serde(default)]
    pub forward_of: Option<MessageId>,
    /// The deal smart fields are filled from (none: the conversation's
    /// deal, else the recipient's only open deal).
    #[serde(default)]
    pub deal_id: Option<RecordId>,
    /// The language smart fields are written in (a BCP 47 tag such as
    /// "en-GB"; none: English).
    #[serde(default)]
    pub locale: Option<String>,
    /// Send later: not before this (Unix seconds). Undo is a send a few
    /// seconds later.
    #[serde(default)]
    pub send_at: Option<i64>,
    /// The user saw which smart fields are empty and sends all the same.
    #[serde(default)]
    pub empty_fields_ok: bool,
}

/// A file the window handed over to be sent, as the composer lists it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct StagedFile {
    pub path: String,
    pub name: String,
    pub size: u64,
}

/// A template as Preferences > Templates keeps it: the body is HTML with
/// smart fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub subject: String,
    pub html: String,
    /// Unix seconds.
    pub updated_at: i64,
}

/// What a template is made of when created or edited.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
pub struct TemplateInput {
    pub name: String,
    pub subject: String,
    pub html: String,
}

/// A subject and body with their smart fields filled: the composer's
/// preview, and what `render` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    /// The plain-text part made from the HTML.
    pub text: String,
    /// Fields with no value (filled with nothing): sending asks first.
    pub missing: Vec<String>,
}

/// A message waiting in the outbox for its time (Send later, or the
/// seconds of Undo).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScheduledMessage {
    pub account_id: AccountId,
    pub message_id: String,
    /// Unix seconds.
    pub send_at: i64,
    pub subject: String,
    pub to: String,
}

/// An address offered as the user types in To, Cc or Bcc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
pub struct AddressSuggestion {
    pub name: String,
    pub address: String,
    /// How often the stored emails name it (a From, a To, a Cc each
    /// count): the most used come first.
    pub uses: i64,
    /// It is a person's in the CRM.
    pub person: bool,
}

/// A draft kept as the composer saved it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SavedDraft {
    pub id: i64,
    pub draft: Draft,
    /// Unix seconds.
    pub updated_at: i64,
}

/// What the composer does with a message it opens from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Reply,
    ReplyAll,
    Forward,
}

/// An image in a formatted message, referenced from its HTML as
/// `<img src="cid:CID">`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct InlineImage {
    pub cid: String,
    pub path: String,
}

/// Where a sent message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SendState {
    /// The SMTP server took it.
    Sent,
    /// The server could not be reached (or said "try later"): it waits in
    /// the outbox and goes out with the next sync pass.
    Queued,
    /// It waits for the time it was given (Send later, Undo).
    Scheduled,
}

/// The answer to Send.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SendOutcome {
    pub state: SendState,
    /// The Message-ID header given to the message (without angle brackets).
    pub message_id: String,
    /// Why it is queued, in plain words.
    pub problem: Option<crate::problem::Problem>,
}

/// What the reading pane's buttons ask for (moves to a named folder are
/// the CLI's for now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MessageAction {
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    Archive,
    Delete,
    /// Back to the inbox, from the archive or the trash.
    Restore,
}

/// The name a value of one of the engine's enums has in JSON, on the
/// command line and in the store (snake_case): serde's, the one mapping.
pub fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}
