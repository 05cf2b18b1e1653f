// The window's words. One catalog per language (ui/messages/<lang>.json,
// the same keys in each), every value in ICU MessageFormat, formatted by
// FormatJS's intl-messageformat: plurals follow each language's CLDR
// categories (Intl.PluralRules), numbers and dates its conventions. The
// language is the user's choice or the system's, and a change shows at
// once: `t` reads it from a rune, so whatever renders a message renders
// again.
import { IntlMessageFormat } from "intl-messageformat";
import en from "../../../messages/en.json";
import ja from "../../../messages/ja.json";
import et from "../../../messages/et.json";
import ko from "../../../messages/ko.json";
import cs from "../../../messages/cs.json";
import sv from "../../../messages/sv.json";

/** The languages the window speaks, in the order Preferences lists them. */
export const LANGUAGES = ["en", "ja", "et", "ko", "cs", "sv"] as const;
export type Language = (typeof LANGUAGES)[number];
/** A message of the catalogs (English has every key; the suite checks the others). */
export type MessageKey = keyof typeof en;
export type MessageValues = Record<string, string | number | Date>;

const CATALOGS: Record<Language, Partial<Record<MessageKey, string>>> = { en, ja, et, ko, cs, sv };

/** "en" for "en-GB" or "en_GB". */
const baseOf = (tag: string) => tag.toLowerCase().split(/[-_]/)[0];

/** The first of the system's languages (as the webview reports the OS
 *  locale) that the window speaks; English when none is. */
export function systemLanguage(preferred: readonly string[] = globalThis.navigator?.languages ?? []): Language {
  for (const tag of preferred) {
    const known = LANGUAGES.find((l) => l === baseOf(tag));
    if (known) return known;
  }
  return "en";
}

/** The first of the system's locales that is of `lang` ("en-GB" for
 *  English on a British system), or `lang` itself. */
export function localeFor(lang: Language, preferred: readonly string[] = globalThis.navigator?.languages ?? []): string {
  for (const tag of preferred) {
    if (baseOf(tag) !== lang) continue;
    try {
      return Intl.getCanonicalLocales(tag.replace("_", "-"))[0];
    } catch {
      break;
    }
  }
  return lang;
}

/** Each language by its own name, as a language menu lists it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: "English",
  ja: "日本語",
  et: "Eesti",
  ko: "한국어",
  cs: "Čeština",
  sv: "Svenska",
};

/** Where the window keeps the user's choice: the webview's own storage
 *  (the app's webview data folder, not the engine's data dir), as the
 *  choice is the window's alone. */
const STORED = "threadline.language";

function storedChoice(): Language | "system" {
  const stored = globalThis.localStorage?.getItem(STORED);
  return LANGUAGES.find((l) => l === stored) ?? "system";
}

class Words {
  /** "system" follows the OS locale. */
  choice = $state<Language | "system">(storedChoice());

  /** The language the window shows now (worked out once per choice:
   *  every message and every list row asks for it). */
  readonly language: Language = $derived(this.choice === "system" ? systemLanguage() : this.choice);

  /** The locale dates, numbers and money follow: the system's own tag
   *  when it is of the window's language (a British English system
   *  writes 05/12/2026, an American one 12/5/2026), else the language. */
  readonly locale: string = $derived(localeFor(this.language));

  /** Changes the language at once and remembers it. The page's `lang`
   *  follows, so that fonts draw Japanese and Korean with their own
   *  glyphs. */
  choose(choice: Language | "system") {
    this.choice = choice;
    if (choice === "system") globalThis.localStorage?.removeItem(STORED);
    else globalThis.localStorage?.setItem(STORED, choice);
    this.markPage();
  }

  /** The page's `lang` is the window's language. */
  markPage() {
    if (globalThis.document) document.documentElement.lang = this.language;
  }
}

/** The window's language, shared by every view. */
export const words = new Words();
words.markPage();

const formats = new Map<string, IntlMessageFormat>();

/** A message in the window's language, with its parameters filled in. */
export function t(key: MessageKey, values?: MessageValues): string {
  const lang = words.language;
  const locale = words.locale;
  const id = `${locale}:${key}`;
  let format = formats.get(id);
  if (!format) {
    format = new IntlMessageFormat(CATALOGS[lang][key] ?? en[key], locale);
    formats.set(id, format);
  }
  return String(format.format(values));
}
