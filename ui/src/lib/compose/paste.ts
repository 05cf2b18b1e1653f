// What is pasted into the composer from Word, Google Docs or a web page is
// cleaned before the editor's schema reads it: DOMPurify removes scripts,
// event handlers, styles sheets, Office's own tags and anything else that
// is not HTML; the schema then keeps only what mail carries (inline styles
// stay for it to read: Google Docs marks bold and italic with them).
import DOMPurify from "dompurify";

/** Pasted HTML, safe and plain enough for the editor. */
export function cleanPasted(html: string): string {
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ["style", "script", "meta", "link", "title", "xml"],
    FORBID_ATTR: ["class", "id"],
  });
}
