// Printing a message: the system's print dialog prints the window, which
// then shows only the message (app.css's print rules), with an HTML body
// copied out of its frame into a shadow root, where it is laid out at its
// full length (a frame prints cut to its box) and its styles stay apart
// from the window's. The engine sanitized it
// already (no scripts, remote content only where the user allowed it).

// not words: the printed body's own style
const STYLE = "<style>:host{display:block;font:12pt/1.45 system-ui,sans-serif;color:#000;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>";

/** Puts sanitized HTML into the element's shadow root (a Svelte action). */
export function shadowHtml(node: HTMLElement, html: string) {
  const root = node.shadowRoot ?? node.attachShadow({ mode: "open" });
  root.innerHTML = STYLE + html;
  return {
    update(next: string) {
      root.innerHTML = STYLE + next;
    },
  };
}
