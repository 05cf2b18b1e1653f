// HTML the composer shows but does not edit (the quote, the signature,
// the preview) goes in a sandboxed frame: no scripts, and no remote
// content, only images carried by the message itself.
// not words: a content security policy.
const POLICY = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'";

/** A frame's document for `html`. */
export function framed(html: string): string {
  // not words: the frame's markup.
  return `<!doctype html><meta http-equiv="Content-Security-Policy" content="${POLICY}"><body style="font-family: sans-serif">${html}</body>`;
}
