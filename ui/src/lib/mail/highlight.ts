// Marks the words a search looked for (the engine says which) where its
// results are shown, matching as the engine's index does: case,
// diacritics and the punctuation between words do not matter, words are
// whole words unless typed with a trailing * ("pric*" marks "pricing"),
// and Chinese, Japanese and Korean text is found anywhere inside a run.

export type Piece = { text: string; hit: boolean };

const WORD = /[\p{L}\p{N}]/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** `text` folded for matching, with the index in `text` of each of its
 * UTF-16 units: letters and digits lower-cased without their marks, any
 * other run of characters one space. */
function fold(text: string): { folded: string; at: number[] } {
  let folded = "";
  const at: number[] = [];
  let i = 0;
  for (const ch of text) {
    if (WORD.test(ch)) {
      const f = ch.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
      folded += f;
      for (let k = 0; k < f.length; k++) at.push(i);
    } else if (folded.length > 0 && !folded.endsWith(" ")) {
      folded += " ";
      at.push(i);
    }
    i += ch.length;
  }
  return { folded, at };
}

/** The [start, end) ranges of `text` holding one of `terms`, merged. */
function ranges(text: string, terms: string[]): [number, number][] {
  const { folded, at } = fold(text);
  const found: [number, number][] = [];
  for (const term of terms) {
    const needle = fold(term).folded.trim();
    if (!needle) continue;
    const anywhere = CJK.test(needle);
    const prefix = term.trimEnd().endsWith("*");
    for (let from = folded.indexOf(needle); from >= 0; from = folded.indexOf(needle, from + 1)) {
      const after = folded[from + needle.length];
      if (!anywhere && from > 0 && folded[from - 1] !== " ") continue;
      if (!anywhere && !prefix && after !== undefined && after !== " ") continue;
      const last = at[from + needle.length - 1];
      const end = last + ((text.codePointAt(last) ?? 0) > 0xffff ? 2 : 1);
      found.push([at[from], end]);
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of found) {
    const top = merged[merged.length - 1];
    if (top && r[0] <= top[1]) top[1] = Math.max(top[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

/** `text` cut into pieces, those holding a term marked as hits. */
export function pieces(text: string, terms: string[]): Piece[] {
  if (!terms.length || !text) return [{ text, hit: false }];
  const out: Piece[] = [];
  let at = 0;
  for (const [start, end] of ranges(text, terms)) {
    if (start > at) out.push({ text: text.slice(at, start), hit: false });
    out.push({ text: text.slice(start, end), hit: true });
    at = end;
  }
  if (at < text.length) out.push({ text: text.slice(at), hit: false });
  return out;
}

/** Sanitized HTML with the terms in its text wrapped in <mark>: only text
 * nodes are cut, so nothing but the marks is added. */
export function markHtml(html: string, terms: string[]): string {
  if (!terms.length) return html;
  const doc = new DOMParser().parseFromString(html, "text/html");
  // A message's style sheet is not text to mark.
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement?.closest("style") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  for (const node of nodes) {
    const parts = pieces(node.data, terms);
    if (!parts.some((p) => p.hit)) continue;
    const fragment = doc.createDocumentFragment();
    for (const p of parts) {
      if (p.hit) {
        const mark = doc.createElement("mark");
        mark.textContent = p.text;
        fragment.append(mark);
      } else {
        fragment.append(p.text);
      }
    }
    node.replaceWith(fragment);
  }
  // A style element at the start of the message is parsed into the head.
  return doc.head.innerHTML + doc.body.innerHTML;
}
