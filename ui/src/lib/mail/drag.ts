// Conversations dragged from the list onto the sidebar (a folder, or the
// Inbox, Archive or Trash): the drag carries their ids under a type of its
// own, so that files or text dragged in from elsewhere are never taken.

// not words: a data type
const THREADS = "application/x-threadline-threads";

/** Starts dragging these conversations (the chosen ones, or the row). */
export function dragThreads(e: DragEvent, ids: number[]): void {
  if (!e.dataTransfer) return;
  e.dataTransfer.effectAllowed = "move";
  e.dataTransfer.setData(THREADS, JSON.stringify(ids));
}

/** Whether a drag passing over carries conversations (its data can be read
 *  only at the drop). */
export function carriesThreads(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes(THREADS) ?? false;
}

/** The conversations dropped, or none when the drop carries something else. */
export function droppedThreads(e: DragEvent): number[] {
  try {
    const ids: unknown = JSON.parse(e.dataTransfer?.getData(THREADS) || "[]");
    return Array.isArray(ids) ? ids.filter((id): id is number => Number.isInteger(id)) : [];
  } catch {
    return [];
  }
}
