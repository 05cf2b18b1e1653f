// The one place that knows the names of the engine's commands and events.
// Their argument and result types are generated from Rust (bindings.gen.ts).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AccountStatus,
  ActionOutcome,
  Draft,
  MessageAction,
  SendOutcome,
  AccountSummary,
  EngineEvent,
  MessageSummary,
  MessageView,
  NewAccount,
  Mirror,
  ThreadPage,
  ThreadView,
  UserError,
  CrmRecord,
  CsvColumns,
  Field,
  ImportReport,
  LinkMode,
  MessageLinks,
  Organization,
  OrgInput,
  Person,
  PersonDraft,
  PersonInput,
  PersonPrefill,
  Money,
  RecordInput,
  RecordKind,
  ThreadSummary,
} from "./bindings.gen";

export const api = {
  listAccounts: () => invoke<AccountSummary[]>("list_accounts"),
  addAccount: (account: NewAccount) => invoke<AccountSummary>("add_account", { account }),
  syncNow: () => invoke<void>("sync_now"),
  accountStatuses: () => invoke<AccountStatus[]>("account_statuses"),
  syncAccount: (account: number) => invoke<void>("sync_account", { account }),
  setHistory: (account: number, days: number | null) => invoke<void>("set_history", { account, days }),
  setMirror: (account: number, mirror: Mirror) => invoke<void>("set_mirror", { account, mirror }),
  chooseFolderRole: (account: number, role: string, folder: number) =>
    invoke<void>("choose_folder_role", { account, role, folder }),
  setPollInterval: (account: number, seconds: number) => invoke<void>("set_poll_interval", { account, seconds }),
  chooseSyncFolders: (account: number, folders: string[] | null) =>
    invoke<void>("choose_sync_folders", { account, folders }),
  updatePassword: (account: number, password: string) =>
    invoke<AccountSummary>("update_password", { account, password }),
  threadPage: (view: ThreadView, offset: number, limit: number) =>
    invoke<ThreadPage>("thread_page", { view, offset, limit }),
  threadMessages: (threadId: number) =>
    invoke<MessageSummary[]>("thread_messages", { threadId }),
  messageView: (id: number, allowRemote: boolean) =>
    invoke<MessageView>("message_view", { id, allowRemote }),
  search: (query: string, limit: number) => invoke<MessageSummary[]>("search", { query, limit }),
  sendMessage: (draft: Draft) => invoke<SendOutcome>("send_message", { draft }),
  act: (ids: number[], action: MessageAction) => invoke<ActionOutcome>("act", { ids, action }),

  // The local CRM.
  persons: (search: string) => invoke<Person[]>("persons", { search }),
  person: (id: number) => invoke<Person>("person", { id }),
  addPerson: (input: PersonInput) => invoke<number>("add_person", { input }),
  updatePerson: (id: number, input: PersonInput) => invoke<void>("update_person", { id, input }),
  addPersonAddress: (id: number, email: string) => invoke<void>("add_person_address", { id, email }),
  removePersonAddress: (id: number, email: string) => invoke<void>("remove_person_address", { id, email }),
  personPrefill: (name: string, email: string) => invoke<PersonPrefill>("person_prefill", { name, email }),
  parseMoney: (value: string, currency: string) => invoke<Money | null>("parse_money", { value, currency }),
  orgs: (search: string) => invoke<Organization[]>("orgs", { search }),
  org: (id: number) => invoke<Organization>("org", { id }),
  orgByDomain: (domain: string) => invoke<Organization | null>("org_by_domain", { domain }),
  addOrg: (input: OrgInput) => invoke<number>("add_org", { input }),
  updateOrg: (id: number, input: OrgInput) => invoke<void>("update_org", { id, input }),
  records: (kind: RecordKind, search: string) => invoke<CrmRecord[]>("records", { kind, search }),
  record: (kind: RecordKind, id: number) => invoke<CrmRecord>("record", { kind, id }),
  addRecord: (kind: RecordKind, input: RecordInput) => invoke<number>("add_record", { kind, input }),
  updateRecord: (kind: RecordKind, id: number, input: RecordInput) =>
    invoke<void>("update_record", { kind, id, input }),
  deleteRecord: (kind: RecordKind, id: number) => invoke<void>("delete_record", { kind, id }),
  recordThreads: (kind: RecordKind, id: number) => invoke<ThreadSummary[]>("record_threads", { kind, id }),
  messageLinks: (messageId: number) => invoke<MessageLinks>("message_links", { messageId }),
  link: (messageId: number, kind: RecordKind, id: number) => invoke<void>("link", { messageId, kind, id }),
  unlink: (messageId: number, kind: RecordKind, id: number) => invoke<void>("unlink", { messageId, kind, id }),
  choose: (messageId: number, kind: RecordKind, id: number) => invoke<void>("choose", { messageId, kind, id }),
  linkMode: () => invoke<LinkMode>("link_mode"),
  setLinkMode: (mode: LinkMode) => invoke<void>("set_link_mode", { mode }),
  csvColumns: (text: string) => invoke<CsvColumns>("csv_columns", { text }),
  csvPreview: (text: string, mapping: [string, Field][]) => invoke<PersonDraft[]>("csv_preview", { text, mapping }),
  importCsv: (text: string, mapping: [string, Field][]) => invoke<ImportReport>("import_csv", { text, mapping }),
  importVcard: (text: string) => invoke<ImportReport>("import_vcard", { text }),
};

// One subscription to the engine's events for the whole window; views add
// and remove their handlers on it.
const handlers = new Set<(event: EngineEvent) => void>();
let subscribed: Promise<UnlistenFn> | null = null;

/** Calls `handler` for every event the engine sends after a committed
 * change, until the returned function is called. */
export async function onEngineEvent(handler: (event: EngineEvent) => void): Promise<() => void> {
  handlers.add(handler);
  subscribed ??= listen<EngineEvent>("engine-event", (e) => {
    for (const h of handlers) h(e.payload);
  });
  await subscribed;
  return () => handlers.delete(handler);
}

/** The plain-words message of a failed command. */
export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UserError).message);
  return String(e);
}
