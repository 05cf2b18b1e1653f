// Light or dark: the system's choice unless the user picked one. The
// choice is the window's alone, kept in its own storage like the
// language's; the page's `data-theme` carries it to app.css.

export type Theme = "system" | "light" | "dark";

/** Where the window keeps the user's choice. */
const STORED = "threadline.theme";

function stored(): Theme {
  const value = globalThis.localStorage?.getItem(STORED);
  return value === "light" || value === "dark" ? value : "system";
}

class Looks {
  choice = $state<Theme>(stored());

  /** Changes the look at once and remembers it. */
  choose(choice: Theme) {
    this.choice = choice;
    if (choice === "system") globalThis.localStorage?.removeItem(STORED);
    else globalThis.localStorage?.setItem(STORED, choice);
    this.markPage();
  }

  /** The page follows the choice (no attribute: the system's). */
  markPage() {
    const root = globalThis.document?.documentElement;
    if (!root) return;
    if (this.choice === "system") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", this.choice);
  }
}

export const looks = new Looks();
