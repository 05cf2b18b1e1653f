// @vitest-environment jsdom
// Pasting from Word, Google Docs and web pages: the cleaned HTML, read by
// the composer's own editor schema, keeps the formatting mail carries and
// nothing else.
import { describe, expect, it } from "vitest";
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import Image from "@tiptap/extension-image";
import { cleanPasted } from "./paste";

function pasted(html: string): string {
  const editor = new Editor({
    element: document.createElement("div"),
    extensions: [StarterKit, Image.configure({ inline: true, allowBase64: true })],
    content: cleanPasted(html),
  });
  const out = editor.getHTML();
  editor.destroy();
  return out;
}

describe("pasted HTML", () => {
  it("keeps Word's formatting and drops its markup", () => {
    const word = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}</style>
      <xml><o:OfficeDocumentSettings/></xml></head><body>
      <p class="MsoNormal" style="mso-margin-top-alt:auto">Dear <b>Bob</b>, <i>thanks</i><o:p></o:p></p>
      <ul><li class="MsoListParagraph">Licences</li><li>Training</li></ul>
      <p><a href="https://acme.example/offer" onclick="steal()">the offer</a></p>
      <script>alert(1)</script></body></html>`;
    const out = pasted(word);
    expect(out).toContain("Dear <strong>Bob</strong>, <em>thanks</em>");
    expect(out).toContain("<li><p>Licences</p></li><li><p>Training</p></li>");
    expect(out).toContain('href="https://acme.example/offer"');
    expect(out).not.toMatch(/Mso|onclick|script|alert|style|o:p|OfficeDocument/);
  });

  it("reads Google Docs' bold and italic from their styles", () => {
    const docs = `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><p dir="ltr">
      <span style="font-weight:700;">Quarterly</span><span style="font-style:italic;"> review</span></p></b>`;
    const out = pasted(docs);
    expect(out).toContain("<strong>Quarterly</strong>");
    expect(out).toContain("<em> review</em>");
    expect(out).not.toContain("docs-internal-guid");
  });

  it("drops a web page's scripts, frames and handlers", () => {
    const page = `<div onmouseover="x()"><h2>Pricing</h2><iframe src="https://ads.example"></iframe>
      <img src="x" onerror="steal()"><p>From <u>99 €</u></p></div>`;
    const out = pasted(page);
    expect(out).toContain("<h2>Pricing</h2>");
    expect(out).toContain("<u>99 €</u>");
    expect(out).not.toMatch(/iframe|onerror|onmouseover|ads\.example/);
  });
});
