// The suite's check of the message catalogs (ui/messages/<lang>.json):
// every catalog has exactly the keys of every other, no value is empty,
// every value parses as ICU MessageFormat, and each plural uses only the
// categories of its language (CLDR, through Intl.PluralRules) and has
// `other`. Exits 1 with one line per problem.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, TYPE } from "@formatjs/icu-messageformat-parser";

const LANGUAGES = ["en", "ja", "et", "ko", "cs", "sv"];
const dir = fileURLToPath(new URL("../messages/", import.meta.url));
const catalogs = Object.fromEntries(
  LANGUAGES.map((lang) => [lang, JSON.parse(readFileSync(`${dir}${lang}.json`, "utf8"))]),
);
const problems = [];
const allKeys = new Set(LANGUAGES.flatMap((lang) => Object.keys(catalogs[lang])));

/** The plurals of a parsed message, nested ones too. */
function* plurals(elements) {
  for (const element of elements) {
    if (element.type === TYPE.plural) yield element;
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) yield* plurals(option.value);
    }
    if (element.type === TYPE.tag) yield* plurals(element.children);
  }
}

for (const lang of LANGUAGES) {
  const categories = new Set(new Intl.PluralRules(lang).resolvedOptions().pluralCategories);
  for (const key of allKeys) {
    const value = catalogs[lang][key];
    if (value === undefined) {
      problems.push(`${lang}.json: no "${key}" (another catalog has it)`);
      continue;
    }
    if (typeof value !== "string" || value.trim() === "") {
      problems.push(`${lang}.json: "${key}" is empty`);
      continue;
    }
    let ast;
    try {
      ast = parse(value);
    } catch (e) {
      problems.push(`${lang}.json: "${key}" is not ICU MessageFormat: ${e.message}`);
      continue;
    }
    for (const plural of plurals(ast)) {
      const used = Object.keys(plural.options).filter((k) => !k.startsWith("="));
      for (const category of used) {
        if (!categories.has(category)) {
          problems.push(`${lang}.json: "${key}" has plural form "${category}", which ${lang} does not use`);
        }
      }
      if (!used.includes("other")) problems.push(`${lang}.json: "${key}" has a plural without "other"`);
    }
  }
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`catalogs: ${LANGUAGES.length} languages, ${allKeys.size} messages each, all ICU MessageFormat`);
