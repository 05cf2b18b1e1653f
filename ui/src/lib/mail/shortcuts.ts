// The inbox's keyboard shortcuts, as in the mail clients people know
// (Gmail's letters): which key asks for what, and the list "?" shows.
import type { MessageKey } from "../i18n/index.svelte";

/** What a shortcut asks of the open conversation (see ReadingPane). */
export type Shortcut = "archive" | "delete" | "reply" | "reply_all" | "forward" | "flag" | "read" | "unread";

/** What a shortcut asks of the inbox. */
export type Command = Shortcut | "next" | "previous" | "open" | "back" | "compose" | "search" | "select" | "help";

/** The command of a key press, if any: letters without Ctrl, Alt or Meta,
 *  Shift only where it is part of the shortcut. */
export function commandOf(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "altKey" | "metaKey" | "shiftKey">): Command | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  // not words: key names.
  const byKey: Record<string, Command> = {
    j: "next",
    k: "previous",
    o: "open",
    Enter: "open",
    e: "archive",
    "#": "delete",
    r: "reply",
    a: "reply_all",
    f: "forward",
    c: "compose",
    "/": "search",
    u: "back",
    x: "select",
    s: "flag",
    I: "read",
    U: "unread",
    "?": "help",
  };
  const command = byKey[e.key];
  if (!command) return null;
  // Shift+I and Shift+U, not a plain i or u; # and ? need Shift on most
  // keyboards and are taken either way.
  if ((e.key === "I" || e.key === "U") && !e.shiftKey) return null;
  return command;
}

/** The shortcuts as "?" lists them: the keys, and what they do. */
export const SHORTCUTS: { keys: string; what: MessageKey }[] = [
  // not words: key names.
  { keys: "j", what: "shortcut_next" },
  { keys: "k", what: "shortcut_previous" },
  { keys: "o, Enter", what: "shortcut_open" },
  { keys: "u", what: "shortcut_back" },
  { keys: "e", what: "shortcut_archive" },
  { keys: "#", what: "shortcut_delete" },
  { keys: "r", what: "shortcut_reply" },
  { keys: "a", what: "shortcut_reply_all" },
  { keys: "f", what: "shortcut_forward" },
  { keys: "c", what: "shortcut_compose" },
  { keys: "/", what: "shortcut_search" },
  { keys: "x", what: "shortcut_select" },
  { keys: "s", what: "shortcut_flag" },
  { keys: "Shift+I", what: "shortcut_read" },
  { keys: "Shift+U", what: "shortcut_unread" },
  { keys: "?", what: "shortcut_help" },
];
