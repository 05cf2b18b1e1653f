// The window's door to the engine. The commands, the event and their types
// are generated from src-tauri/src/ipc.rs (bindings.gen.ts); this module adds
// one shared subscription to the event and the wording of a failed command.
import type { UnlistenFn } from "@tauri-apps/api/event";
import { commands, events, type EngineEvent, type UserError } from "./bindings.gen";

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

/** The plain-words message of a failed command. */
export function errorText(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UserError).message);
  return String(e);
}
