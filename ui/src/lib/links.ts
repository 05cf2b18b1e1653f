// Links clicked in the window: an address, or a link in a mail body. The
// engine decides where each leads (follow_link): Threadline's composer,
// the system's browser or email app, or nowhere (a file: link). The inbox
// registers how to open the composer and where to tell a failure.
import { api, errorText } from "./api";
import type { Draft } from "./bindings.gen";

let composer: ((draft: Draft) => void) | null = null;
let tell: ((text: string) => void) | null = null;

/** Lets links open the composer and report failures; returns the undo. */
export function handleLinks(compose: (draft: Draft) => void, notice: (text: string) => void): () => void {
  composer = compose;
  tell = notice;
  return () => {
    composer = null;
    tell = null;
  };
}

/** Follows a clicked link as the engine says. */
export async function openLink(href: string): Promise<void> {
  try {
    const draft = await api.followLink(href);
    if (draft) composer?.(draft);
  } catch (e) {
    tell?.(errorText(e));
  }
}

/** The `mailto:` link of an address (its `?`, `#`, `%` and `&` escaped). */
export function mailtoOf(address: string): string {
  // not words: the link's scheme.
  return `mailto:${encodeURIComponent(address).replace(/%40/g, "@")}`;
}
