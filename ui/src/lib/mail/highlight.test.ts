// @vitest-environment jsdom
// The words a search found are marked as the index matched them.
import { describe, expect, it } from "vitest";
import { markHtml, pieces } from "./highlight";

const hits = (text: string, terms: string[]) => pieces(text, terms).filter((p) => p.hit).map((p) => p.text);

describe("marking the words a search found", () => {
  it("ignores case and diacritics both ways, in whole words", () => {
    expect(hits("Máme novou příležitost, PRILEZITOST!", ["prilezitost"])).toEqual(["příležitost", "PRILEZITOST"]);
    expect(hits("försäljning och Forsaljning", ["Försäljning"])).toEqual(["försäljning", "Forsaljning"]);
    expect(hits("Pricing and apricots", ["pric"])).toEqual([]);
    expect(hits("Pricing and apricots", ["pric*"])).toEqual(["Pric"]);
  });

  it("finds CJK words inside a run of text", () => {
    expect(hits("明日の会議は十時から", ["会議"])).toEqual(["会議"]);
    expect(hits("다음 주 회의를 옮깁시다", ["회의"])).toEqual(["회의"]);
    expect(hits("请查收报价单", ["报价"])).toEqual(["报价"]);
  });

  it("lets punctuation and spaces between a phrase's words differ", () => {
    expect(hits("The signed,\n  order form", ["signed order"])).toEqual(["signed,\n  order"]);
    expect(pieces("Offer one, offer two", ["offer"]).map((p) => p.text)).toEqual(["Offer", " one, ", "offer", " two"]);
  });

  it("merges overlapping words and leaves text without a hit whole", () => {
    expect(hits("quarterly report", ["quarter*", "quarterly report"])).toEqual(["quarterly report"]);
    expect(pieces("nothing here", ["offer"])).toEqual([{ text: "nothing here", hit: false }]);
    expect(pieces("text", [])).toEqual([{ text: "text", hit: false }]);
  });

  it("marks text in HTML without touching its markup", () => {
    const html = markHtml('<p>Your <b>offer</b> &lt;offer&gt; <a href="https://offer.example">link</a></p>', ["offer"]);
    expect(html).toBe('<p>Your <b><mark>offer</mark></b> &lt;<mark>offer</mark>&gt; <a href="https://offer.example">link</a></p>');
  });

  it("leaves the message's style sheets alone, wherever they stand", () => {
    const html = markHtml("<style>.offer{color:red}</style><p class=offer>offer</p><style>p{offer:1}</style>", ["offer"]);
    expect(html).toBe('<style>.offer{color:red}</style><p class="offer"><mark>offer</mark></p><style>p{offer:1}</style>');
  });
});
