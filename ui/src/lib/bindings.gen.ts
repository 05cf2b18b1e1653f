// Generated from the Rust types in src-tauri/engine/src/model.rs, crm/ and error.rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p threadline-engine --test bindings`.

export type Security = "tls" | "starttls";

export type NewAccount = { email: string, display_name: string, imap_host: string, imap_port: number, imap_security: Security, smtp_host: string, smtp_port: number, smtp_security: Security, 
/**
 * Login name; empty means "same as the email address".
 */
username: string, 
/**
 * Goes to the OS keychain, never to the database.
 */
password: string, 
/**
 * PEM certificate(s) to trust for this server, for self-hosted mail.
 */
trusted_certs: string | null, 
/**
 * How far back to sync, in days (null: everything).
 */
history_days: number | null, };

export type SyncState = "new" | "syncing" | "ok" | "error" | "needs_reauth";

export type Mirror = "delete" | "archive" | "nothing";

export type ThreadView = "inbox" | "archive" | "trash";

export type AccountSummary = { id: number, email: string, display_name: string, sync_state: SyncState, last_error: string | null, last_sync_at: number | null, 
/**
 * Every folder is synced ("All emails will be synced"), or only the
 * chosen ones ("Sync emails with specific labels").
 */
sync_all_folders: boolean, 
/**
 * How far back mail is synced, in days (null: everything).
 */
history_days: number | null, 
/**
 * What archiving or deleting here does in the mail account.
 */
mirror: Mirror, 
/**
 * Seconds between checks for new mail when the server cannot push
 * it, and between passes over every folder when it can.
 */
poll_seconds: number, };

export type FolderStatus = { id: number, name: string, role: string | null, 
/**
 * Chosen for "Sync emails with specific labels".
 */
chosen: boolean, 
/**
 * Messages stored here for this folder.
 */
local_messages: number, 
/**
 * The server's count at the last complete pass, when known.
 */
server_messages: number | null, last_sync_at: number | null, last_error: string | null, };

export type AccountStatus = { account: AccountSummary, folders: Array<FolderStatus>, 
/**
 * User actions waiting for the server.
 */
pending_actions: number, 
/**
 * User actions the server refused.
 */
failed_actions: number, 
/**
 * Why it refused the latest of them, in its words.
 */
last_action_failure: string | null, 
/**
 * Sent messages waiting in the outbox for the SMTP server.
 */
queued_messages: number, 
/**
 * Sent messages the SMTP server refused after they were queued.
 */
failed_messages: number, };

export type AddressView = { name: string, address: string, };

export type MessageSummary = { id: number, account: number, folder: string, uid: number, message_id: string | null, thread_id: number, 
/**
 * Unix seconds.
 */
date: number, from: Array<AddressView>, to: Array<AddressView>, cc: Array<AddressView>, subject: string, flags: Array<string>, snippet: string, has_attachments: boolean, };

export type ThreadSummary = { id: number, account: number, subject: string, 
/**
 * Unix seconds of the newest message.
 */
last_date: number, message_count: number, unread_count: number, 
/**
 * Senders, oldest first, as display names.
 */
participants: string, snippet: string, has_attachments: boolean, };

export type ThreadPage = { total: number, offset: number, threads: Array<ThreadSummary>, };

export type AttachmentView = { filename: string, content_type: string, size: number, is_inline: boolean, };

export type MessageView = { summary: MessageSummary, text: string, 
/**
 * Sanitized HTML; render only in a sandboxed frame.
 */
html: string | null, remote_content_blocked: boolean, attachments: Array<AttachmentView>, 
/**
 * Why the message could not be fully parsed, if it could not.
 */
problem: string | null, };

export type SyncReport = { 
/**
 * Messages fetched into a folder for the first time.
 */
new: number, 
/**
 * Messages whose flags changed.
 */
changed: number, 
/**
 * Messages that left a folder on the server.
 */
vanished: number, folders: number, 
/**
 * Folders whose stored messages were fetched again because the
 * server renumbered them (a new UIDVALIDITY). A folder with nothing
 * stored here is not counted: it had nothing to fetch again.
 */
resets: number, };

export type EngineEvent = { "type": "sync_progress", account: number, folder: string, done: number, total: number, } | { "type": "messages_changed", account: number, } | { "type": "messages_added", account: number, folder: string, ids: Array<number>, } | { "type": "flags_changed", account: number, folder: string, uids: Array<number>, } | { "type": "messages_vanished", account: number, folder: string, uids: Array<number>, } | { "type": "action_failed", account: number, reason: string, } | { "type": "message_sent", account: number, 
/**
 * Its Message-ID (without angle brackets).
 */
message_id: string, subject: string, } | { "type": "send_delayed", account: number, message_id: string, subject: string, reason: string, } | { "type": "send_failed", account: number, message_id: string, subject: string, reason: string, } | { "type": "crm_changed", kind: RecordKind, id: number | null, } | { "type": "links_changed", messages: Array<number>, } | { "type": "account_state", account: number, state: SyncState, message: string | null, };

export type ErrorKind = "auth" | "offline" | "certificate" | "invalid" | "not_found" | "internal";

export type UserError = { kind: ErrorKind, message: string, };

export type Draft = { account_id: number, to: string, cc: string, bcc: string, subject: string, body: string, 
/**
 * The message this one answers: threads the reply with it.
 */
in_reply_to: number | null, };

export type SendState = "sent" | "queued";

export type SendOutcome = { state: SendState, 
/**
 * The Message-ID header given to the message (without angle brackets).
 */
message_id: string, 
/**
 * Why it is queued, in plain words.
 */
problem: string | null, };

export type MessageAction = "mark_read" | "mark_unread" | "flag" | "unflag" | "archive" | "delete" | "restore";

export type ActionOutcome = { 
/**
 * Actions queued (one per message location).
 */
queued: number, 
/**
 * Of the account's actions, how many still wait for the server.
 */
pending: number, 
/**
 * Of the account's actions, how many the server refused.
 */
failed: number, };

export type RecordKind = "person" | "org" | "deal" | "lead" | "project";

export type DealStatus = "open" | "won" | "lost";

export type LinkMode = "automatic" | "manual";

export type Money = { minor: number, currency: string, };

export type Person = { id: number, name: string, 
/**
 * Normalized addresses, the first one the main one.
 */
emails: Array<string>, phone: string, org_id: number | null, org_name: string | null, };

export type Organization = { id: number, name: string, domains: Array<string>, };

export type CrmRecord = { kind: RecordKind, id: number, title: string, value: Money | null, status: DealStatus | null, person_id: number | null, person_name: string | null, org_id: number | null, org_name: string | null, 
/**
 * Deals only: YYYY-MM-DD.
 */
expected_close: string | null, 
/**
 * Projects only: the deals they cover.
 */
deal_ids: number[], };

export type PersonInput = { name: string, emails: Array<string>, phone: string, org_id: number | null, };

export type OrgInput = { name: string, domains: Array<string>, };

export type RecordInput = { title: string, value: Money | null, status: DealStatus | null, person_id: number | null, org_id: number | null, expected_close: string | null, deal_ids: number[], };

export type LinkReason = { "code": "address", address: string, owner: string | null, } | { "code": "only_one", kind: RecordKind, address: string, owner: string | null, } | { "code": "choice", day: string, } | { "code": "user", day: string, };

export type MessageLink = { kind: RecordKind, id: number, 
/**
 * The record's name or title.
 */
title: string, reason: LinkReason, 
/**
 * Linked by the user (by hand or by choosing for the conversation).
 */
by_user: boolean, };

export type PendingChoice = { kind: RecordKind, candidates: Array<ChoiceCandidate>, };

export type ChoiceCandidate = { id: number, title: string, };

export type MessageLinks = { message_id: number, links: Array<MessageLink>, choices: Array<PendingChoice>, };

export type PersonPrefill = { name: string, email: string, org_id: number | null, org_name: string, 
/**
 * The domain a new organization would get ("" for free mail).
 */
domain: string, };

export type Field = "name" | "first_name" | "last_name" | "email" | "phone" | "org" | "domain" | "ignore";

export type PersonDraft = { 
/**
 * Where it came from ("line 4", "card 2"), for the report.
 */
source: string, name: string, emails: Array<string>, phone: string, 
/**
 * Organization name ("" for none).
 */
org: string, domains: Array<string>, };

export type CsvColumns = { headers: Array<string>, 
/**
 * The guessed field of each column, in order.
 */
fields: Array<Field>, 
/**
 * The first rows, for the preview.
 */
sample: Array<Array<string>>, };

export type ImportedRow = { source: string, person_id: number, name: string, };

export type SkippedRow = { source: string, reason: string, };

export type ImportReport = { 
/**
 * Persons made.
 */
imported: Array<ImportedRow>, 
/**
 * Rows merged into a person who had one of their addresses.
 */
merged: Array<ImportedRow>, skipped: Array<SkippedRow>, 
/**
 * Organizations made (from rows of persons or of organizations only).
 */
orgs_created: number, 
/**
 * Rows that named only an organization (no address): made or found
 * by name, their domains added.
 */
orgs: Array<string>, };
