// The user's accounts, shared by every view that shows or picks one: read
// once at start, read again whenever the engine reports that an account's
// state changed.
import { api, errorText, onEngineEvent } from "../api";
import type { AccountSummary } from "../bindings.gen";

class Accounts {
  /** Null until first read. */
  list = $state<AccountSummary[] | null>(null);
  /** Why they could not be read at start (the app cannot go on). */
  failure = $state("");
  #watching: Promise<void> | null = null;

  /** Reads the accounts now; a failure after the first read keeps the list. */
  async reload(): Promise<void> {
    try {
      this.list = await api.listAccounts();
      this.failure = "";
    } catch (e) {
      if (this.list === null) this.failure = errorText(e);
    }
  }

  /** Starts following the engine's account events (once per window). */
  watch(): Promise<void> {
    this.#watching ??= (async () => {
      await onEngineEvent((event) => {
        if (event.type === "account_state") void this.reload();
      });
      // Events sent before the listener existed (the first sync starts with
      // the app, before the window) are caught up by reading once.
      await this.reload();
    })();
    return this.#watching;
  }

  /** An account the user just added, before the engine reports it. */
  added(account: AccountSummary): void {
    this.list = [...(this.list ?? []).filter((a) => a.id !== account.id), account];
  }
}

export const accounts = new Accounts();
