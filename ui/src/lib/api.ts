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
} from "./bindings.gen";

export const api = {
  listAccounts: () => invoke<AccountSummary[]>("list_accounts"),
  addAccount: (account: NewAccount) => invoke<AccountSummary>("add_account", { account }),
  syncNow: () => invoke<void>("sync_now"),
  accountStatuses: () => invoke<AccountStatus[]>("account_statuses"),
  syncAccount: (account: number) => invoke<void>("sync_account", { account }),
  setHistory: (account: number, days: number | null) => invoke<void>("set_history", { account, days }),
  setMirror: (account: number, mirror: Mirror) => invoke<void>("set_mirror", { account, mirror }),
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
};

/** Calls `handler` for every event the engine sends after a committed change. */
export function onEngineEvent(handler: (event: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>("engine-event", (e) => handler(e.payload));
}

/** The plain-words message of a failed command. */
export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UserError).message);
  return String(e);
}
