// Lists of conversations (the engine's Listing): comparing them, and
// where each was left, so that coming back to a list finds it as it was.
import type { Listing } from "../bindings.gen";

/** The app's own boxes (inbox, archive, trash) among the lists. */
export type Box = Extract<Listing["kind"], "inbox" | "archive" | "trash">;

export const UNIFIED_INBOX: Listing = { kind: "inbox", account: null, folder: null };

export function sameListing(a: Listing, b: Listing): boolean {
  return a.kind === b.kind && a.account === b.account && a.folder === b.folder;
}

/** The app's box a list's conversations are in (what the reading pane
 *  offers to do with them): a folder's or Sent's are taken as in the inbox. */
export function listingBox(l: Listing): Box {
  return l.kind === "archive" || l.kind === "trash" ? l.kind : "inbox";
}

function key(l: Listing): string {
  return `${l.kind}:${l.account ?? ""}:${l.folder ?? ""}`;
}

/** Scroll offset and open conversation of each list this session. */
const places = new Map<string, { scroll: number; selected: number | null }>();

export function placeOf(l: Listing): { scroll: number; selected: number | null } | undefined {
  return places.get(key(l));
}

export function rememberPlace(l: Listing, scroll: number, selected: number | null): void {
  places.set(key(l), { scroll, selected });
}
