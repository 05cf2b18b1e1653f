// The window's words and figures in each language: plurals by each
// language's rules, dates and money by its conventions, and every message
// of every catalog formats.
import { afterEach, describe, expect, it } from "vitest";
import { LANGUAGES, type Language, type MessageKey, localeFor, systemLanguage, t, words } from "./index.svelte";
import { fullDay, listDate, size } from "../format";
import { moneyText } from "../crm/crm";
import { problemText } from "../problems";
import en from "../../../messages/en.json";

// Intl separates with no-break and narrow no-break spaces; compare plainly.
const plain = (s: string) => s.replace(/\s/gu, " ");

function inLanguage<T>(lang: Language, work: () => T): T {
  words.choose(lang);
  return work();
}

afterEach(() => words.choose("system"));

describe("plurals follow each language's rules", () => {
  const counts = (lang: Language, key: MessageKey, ns: number[]) =>
    inLanguage(lang, () => ns.map((count) => t(key, { count })));

  it("English has one and other", () => {
    expect(counts("en", "search_results_count", [1, 2, 5])).toEqual(["1 result", "2 results", "5 results"]);
  });
  it("Czech has three forms for whole numbers", () => {
    expect(counts("cs", "search_results_count", [1, 3, 5])).toEqual(["1 výsledek", "3 výsledky", "5 výsledků"]);
    expect(counts("cs", "trouble_pending_actions", [1, 2, 7])).toEqual([
      "1 akce čeká na server",
      "2 akce čekají na server",
      "7 akcí čeká na server",
    ]);
  });
  it("Japanese and Korean have none", () => {
    expect(counts("ja", "search_results_count", [1, 5])).toEqual(["1件の結果", "5件の結果"]);
    expect(counts("ko", "search_results_count", [1, 5])).toEqual(["결과 1개", "결과 5개"]);
  });
  it("Estonian and Swedish have one and other", () => {
    expect(counts("et", "search_results_count", [1, 2])).toEqual(["1 tulemus", "2 tulemust"]);
    expect(counts("sv", "search_results_count", [1, 2])).toEqual(["1 träff", "2 träffar"]);
  });
  it("numbers in a message are grouped as the language groups them", () => {
    expect(plain(counts("cs", "search_results_count", [12345])[0])).toBe("12 345 výsledků");
    expect(counts("en", "search_results_count", [12345])[0]).toBe("12,345 results");
  });
  it("Swedish counts intervals with ordinals", () => {
    const every = (count: number) => inLanguage("sv", () => t("poll_every", { unit: "minute", count }));
    expect([every(1), every(2), every(10)]).toEqual(["varje minut", "var 2:a minut", "var 10:e minut"]);
  });
});

describe("dates follow each language", () => {
  const day = (lang: Language) => inLanguage(lang, () => plain(fullDay("2026-12-05")));

  it("writes a day as the language does", () => {
    expect(day("cs")).toBe("5. 12. 2026");
    expect(day("ja")).toBe("2026/12/05");
    expect(day("en")).toBe("Dec 5, 2026");
    expect(day("ko")).toBe("2026. 12. 5.");
    expect(day("sv")).toBe("5 dec. 2026");
    expect(day("et")).toBe("5. dets 2026");
  });
  it("says yesterday in words", () => {
    const now = new Date(2026, 11, 6, 12, 0);
    const yesterday = new Date(2026, 11, 5, 9, 30).getTime() / 1000;
    const said = (lang: Language) => inLanguage(lang, () => listDate(yesterday, now));
    expect(LANGUAGES.map(said)).toEqual(["yesterday", "昨日", "eile", "어제", "včera", "i går"]);
  });
  it("a link reason names the day in the language", () => {
    const reason = inLanguage("cs", () => t("reason_user", { day: new Date(2026, 11, 5) }));
    expect(plain(reason)).toBe("propojeno vámi dne 5. 12. 2026");
  });
});

describe("money and sizes follow each language", () => {
  const euros = (lang: Language) => inLanguage(lang, () => plain(moneyText({ minor: 123450, currency: "EUR" })));

  it("writes money as the language does", () => {
    expect(euros("en")).toBe("€1,234.50");
    expect(euros("cs")).toBe("1 234,50 €");
    expect(euros("sv")).toBe("1 234,50 €");
    // CLDR: Estonian groups only from five digits on.
    expect(euros("et")).toBe("1234,50 €");
    expect(inLanguage("et", () => plain(moneyText({ minor: 1234550, currency: "EUR" })))).toBe("12 345,50 €");
  });
  it("a currency Intl does not know follows the number", () => {
    expect(inLanguage("cs", () => plain(moneyText({ minor: 150, currency: "EURO" })))).toBe("1,50 EURO");
  });
  it("writes sizes with the language's units", () => {
    expect(inLanguage("en", () => plain(size(2.5 * 1024 * 1024)))).toBe("2.5 MB");
    expect(inLanguage("cs", () => plain(size(2.5 * 1024 * 1024)))).toBe("2,5 MB");
  });
});

describe("the catalogs", () => {
  // Values that lead every plural and select down a branch of its own.
  const SAMPLE = {
    count: 3, done: 1, total: 2, kind: "deal", status: "won", state: "ok", role: "trash", field: "Cc",
    unit: "minute", in: "line", number: 4, imported: 2, merged: 1, skipped: 0, created: 1, orgRows: 0,
    day: new Date(2026, 11, 5), id: 7,
  };
  /** A value for every argument of the English message (text for the plain ones). */
  const valuesFor = (key: MessageKey) => {
    const names = [...en[key].matchAll(/\{\s*(\w+)/g)].map((m) => m[1]);
    return { ...Object.fromEntries(names.map((n) => [n, `‹${n}›`])), ...SAMPLE };
  };

  it("every message of every language formats", () => {
    for (const lang of LANGUAGES) {
      inLanguage(lang, () => {
        for (const key of Object.keys(en) as MessageKey[]) {
          expect(t(key, valuesFor(key)), `${lang}: ${key}`).not.toBe("");
        }
      });
    }
  });

  it("an engine problem is worded in the window's language", () => {
    const problem = { code: "cannot_connect", host: "imap.example.com", port: 993 } as const;
    expect(inLanguage("cs", () => problemText(problem))).toContain("Nelze se připojit k imap.example.com:993");
    expect(inLanguage("ja", () => problemText(problem))).toContain("imap.example.com:993 に接続できません");
  });
});

describe("the language", () => {
  it("changes at once", () => {
    expect(inLanguage("ja", () => t("views_inbox"))).toBe("受信トレイ");
    expect(inLanguage("sv", () => t("views_inbox"))).toBe("Inkorg");
  });
  it("the system's is the first the window speaks, else English", () => {
    expect(systemLanguage(["cs-CZ", "en-US"])).toBe("cs");
    expect(systemLanguage(["pt-BR", "ko_KR"])).toBe("ko");
    expect(systemLanguage(["pt-BR"])).toBe("en");
  });
  it("dates and numbers follow the system's region when it speaks the language", () => {
    expect(localeFor("en", ["en-GB", "cs-CZ"])).toBe("en-GB");
    expect(localeFor("cs", ["en-GB", "cs_CZ"])).toBe("cs-CZ");
    expect(localeFor("sv", ["en-GB"])).toBe("sv");
    expect(new Intl.DateTimeFormat(localeFor("en", ["en-GB"]), { dateStyle: "medium" }).format(new Date(2026, 11, 5))).toBe("5 Dec 2026");
  });
});
