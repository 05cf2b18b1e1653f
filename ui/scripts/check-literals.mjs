// The suite's check that components show no words of their own: every word
// the window shows comes from the message catalogs through `t`. Parses each
// component with Svelte's own compiler and reports, with file and line,
//  - text in markup that has a letter in it,
//  - a literal placeholder, title, aria-label, alt or label attribute (and a
//    component's legend or label property) with a letter in it,
//  - a string in a script (components and src/lib modules) that reads as
//    words: two words with a space between, or a capitalized word ending
//    in a sentence's punctuation ("Sending…"); in an expression the markup
//    shows, any capitalized word.
// A string that is not shown to anyone (markup for a sandboxed frame, a
// format) is let through by a comment on its line or the line before that
// says `not words:` and why. Exits 1 with one line per finding.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "svelte/compiler";

const root = fileURLToPath(new URL("../", import.meta.url));
const SHOWN_ATTRIBUTES = new Set(["placeholder", "title", "aria-label", "alt", "label", "legend", "aria-description"]);
// Names of protocols and products, the same in every language.
const NOT_TRANSLATED = new Set(["SSL/TLS", "STARTTLS", "-----BEGIN CERTIFICATE-----"]);
const LETTER = /\p{L}/u;
const WORDS = /\p{L}{2,}[\s\u00a0]+\p{L}{2,}|^\p{Lu}\p{Ll}+.*[.…!?:]$/u;

const findings = [];

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else out.push(path);
  }
  return out;
}

function lineOf(source, offset) {
  return source.slice(0, offset).split("\n").length;
}

function exempt(lines, line) {
  return /not words:/.test(lines[line - 1] ?? "") || /not words:/.test(lines[line - 2] ?? "");
}

function report(file, source, offset, what) {
  const line = lineOf(source, offset);
  if (exempt(source.split("\n"), line)) return;
  findings.push(`${relative(root, file)}:${line}: ${what}`);
}

/** Walks any AST (Svelte's markup nodes and the ESTree of its scripts). */
function walk(node, visit, parent = null) {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit, parent);
    return;
  }
  if (typeof node.type === "string" && visit(node, parent) === false) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "parent" || key === "metadata") continue;
    if (value && typeof value === "object") walk(value, visit, typeof node.type === "string" ? node : parent);
  }
}

// In an expression the markup shows, a single capitalized word is words too.
const SHOWN_WORD = /^\p{Lu}\p{Ll}/u;

function checkScript(file, source, program, shown = false) {
  walk(program, (node) => {
    if (node.type === "ImportDeclaration" || node.type === "ExportAllDeclaration") return false;
    // A template let through counts as one string, however many lines.
    if (node.type === "TemplateLiteral" && exempt(source.split("\n"), lineOf(source, node.start))) return false;
    let text = null;
    if (node.type === "Literal" && typeof node.value === "string") text = node.value;
    if (node.type === "TemplateElement") text = node.value.cooked ?? node.value.raw;
    const words = text !== null && (WORDS.test(text.trim()) || (shown && SHOWN_WORD.test(text.trim())));
    if (words && !NOT_TRANSLATED.has(text.trim())) {
      report(file, source, node.start, `words in a script string: ${JSON.stringify(text.trim().slice(0, 60))}`);
    }
  });
}

function checkMarkup(file, source, fragment) {
  walk(fragment, (node) => {
    if (node.type === "Script" || node.type === "StyleSheet" || node.type === "Style") return false;
    if (node.type === "Text" && LETTER.test(node.data) && !NOT_TRANSLATED.has(node.data.trim())) {
      report(file, source, node.start, `text in markup: ${JSON.stringify(node.data.trim().slice(0, 60))}`);
    }
    if (node.type === "Attribute") {
      const parts = Array.isArray(node.value) ? node.value : node.value === true ? [] : [node.value];
      for (const part of parts) {
        const shown = SHOWN_ATTRIBUTES.has(node.name) && part.type === "Text";
        if (shown && LETTER.test(part.data) && !NOT_TRANSLATED.has(part.data.trim())) {
          report(file, source, part.start, `literal ${node.name}: ${JSON.stringify(part.data.slice(0, 60))}`);
        }
        if (part.type === "ExpressionTag") checkScript(file, source, part.expression, SHOWN_ATTRIBUTES.has(node.name));
      }
      return false;
    }
    if (node.type === "ExpressionTag") {
      checkScript(file, source, node.expression, true);
      return false;
    }
  });
}

for (const file of files(join(root, "src"))) {
  // Generated bindings, declarations and tests show nothing in the window.
  if (/\.(gen|d|test)\.ts$/.test(file)) continue;
  const source = readFileSync(file, "utf8");
  if (file.endsWith(".svelte")) {
    const ast = parse(source, { modern: true });
    if (ast.instance) checkScript(file, source, ast.instance.content);
    if (ast.module) checkScript(file, source, ast.module.content);
    checkMarkup(file, source, ast.fragment);
  } else if (file.endsWith(".ts")) {
    // Svelte's parser reads TypeScript in a script element; the offsets are
    // shifted back by the opening tag's length.
    const open = '<script lang="ts">';
    const ast = parse(`${open}${source}</script>`, { modern: true });
    const shifted = { ...ast.instance.content };
    walk(shifted, (node) => {
      if (typeof node.start === "number" && !node.__shifted) {
        node.start -= open.length;
        node.__shifted = true;
      }
    });
    checkScript(file, source, shifted);
  }
}

if (findings.length) {
  console.error(findings.join("\n"));
  process.exit(1);
}
console.log("components: no words outside the message catalogs");
