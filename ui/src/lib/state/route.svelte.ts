// Where the window is. The composer, Preferences and Troubleshooting open
// over the page the user was on (the mail views or the CRM), which closing
// them goes back to. Any view may navigate.
import type { Draft } from "../bindings.gen";

export type Page = { page: "mail" } | { page: "crm" };
export type Route =
  | Page
  | { page: "compose"; draft: Draft; draftId?: number | null; fresh?: boolean }
  | { page: "drafts" }
  | { page: "preferences" }
  | { page: "troubleshooting" }
  | { page: "quarantine" };

class Router {
  current = $state<Route>({ page: "mail" });
  /** The page underneath an overlay. */
  base = $state<Page>({ page: "mail" });

  go(next: Route): void {
    if (next.page === "mail" || next.page === "crm") this.base = next;
    this.current = next;
  }

  back(): void {
    this.current = this.base;
  }
}

export const route = new Router();
