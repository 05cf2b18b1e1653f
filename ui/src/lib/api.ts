// The window's door to the engine. The commands, the event and their types
// are generated from src-tauri/src/ipc.rs (bindings.gen.ts); this module adds
// one shared subscription to the event and the wording of a failed command.
import type { UnlistenFn } from "@tauri-apps/api/event";
import { commands, events, type EngineEvent, type Problem, type UserError } from "./bindings.gen";
import { problemText } from "./problems";

/** Every engine command, typed as the engine declares it. */
export const api = commands;

// One subscription to the engine's events for the whole window; views add
// and remove their handlers on it.
const handlers = new Set<(event: EngineEvent) => void>();
let subscribed: Promise<UnlistenFn> | null = null;

/** Calls `handler` for every event the engine sends after a committed
 * change, until the returned function is called. */
export async function onEngineEvent(handler: (event: EngineEvent) => void): Promise<() => void> {
  handlers.add(handler);
  subscribed ??= events.engineEvent.listen((e) => {
    for (const h of handlers) h(e.payload);
  });
  await subscribed;
  return () => handlers.delete(handler);
}

/** A failed command in words: the engine's problem, or the message of a
 * check made here. */
export function errorText(e: unknown): string {
  if (e && typeof e === "object") {
    if ("problem" in e) return problemText((e as UserError).problem);
    if ("message" in e) return String(e.message);
  }
  return String(e);
}

/** The engine's problem of a failed command, for a view that answers one
 *  of them itself (a file already there: replace it or keep both). */
export function problemOf(e: unknown): Problem | null {
  return e && typeof e === "object" && "problem" in e ? (e as UserError).problem : null;
}
