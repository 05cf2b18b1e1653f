// The suite's check of the message catalogs (ui/messages/<lang>.json):
// every catalog has exactly the keys of every other, no value is empty,
// every value parses as ICU MessageFormat, uses the same arguments as the
// English one (a translation that drops {host} loses what the user needs),
// and each plural uses only the categories of its language (CLDR, through
// Intl.PluralRules, cardinal or ordinal) and has `other`. Exits 1 with one
// line per problem.
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

/** The names of a parsed message's arguments, nested ones too. */
function argumentsOf(elements, names = new Set()) {
  for (const element of elements) {
    if (element.value !== undefined && typeof element.value === "string" && element.type !== TYPE.literal) {
      names.add(element.value);
    }
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) argumentsOf(option.value, names);
    }
    if (element.type === TYPE.tag) argumentsOf(element.children, names);
  }
  return names;
}

const englishArguments = Object.fromEntries(
  Object.entries(catalogs.en).map(([key, value]) => {
    try {
      return [key, [...argumentsOf(parse(value))].sort().join(", ")];
    } catch {
      return [key, null];
    }
  }),
);

for (const lang of LANGUAGES) {
  const categoriesOf = (type) => new Set(new Intl.PluralRules(lang, { type }).resolvedOptions().pluralCategories);
  const cardinal = categoriesOf("cardinal");
  const ordinal = categoriesOf("ordinal");
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
    const args = [...argumentsOf(ast)].sort().join(", ");
    if (englishArguments[key] !== undefined && englishArguments[key] !== null && args !== englishArguments[key]) {
      problems.push(`${lang}.json: "${key}" has the arguments {${args}}, English has {${englishArguments[key]}}`);
    }
    for (const plural of plurals(ast)) {
      const categories = plural.pluralType === "ordinal" ? ordinal : cardinal;
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
