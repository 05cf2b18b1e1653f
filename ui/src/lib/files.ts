// Files the window hands to the engine go over IPC as base64 (a JSON
// string, a third larger than the bytes), not as a list of numbers.

/** A file's bytes in base64, encoded by the webview's own reader. */
export function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
