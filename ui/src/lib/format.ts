// Dates, sizes and names in the window's language.
import type { AddressView } from "./bindings.gen";
import { type Language, words } from "./i18n/index.svelte";

// Formatters of the window's language, made once per language.
function formatsOf(lang: Language) {
  return {
    sameDay: new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" }),
    sameYear: new Intl.DateTimeFormat(lang, { month: "short", day: "numeric" }),
    older: new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric" }),
    full: new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" }),
    count: new Intl.NumberFormat(lang),
  };
}
const made = new Map<Language, ReturnType<typeof formatsOf>>();
function formats(lang: Language = words.language) {
  let f = made.get(lang);
  if (!f) {
    f = formatsOf(lang);
    made.set(lang, f);
  }
  return f;
}

/** Short date for lists: time today, day this year, full date before. */
export function listDate(unixSeconds: number, now = new Date()): string {
  const d = new Date(unixSeconds * 1000);
  const { sameDay, sameYear, older } = formats();
  if (d.toDateString() === now.toDateString()) return sameDay.format(d);
  if (d.getFullYear() === now.getFullYear()) return sameYear.format(d);
  return older.format(d);
}

export function fullDate(unixSeconds: number): string {
  return formats().full.format(new Date(unixSeconds * 1000));
}

export function number(n: number): string {
  return formats().count.format(n);
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function person(a: AddressView): string {
  return a.name || a.address;
}

export function people(list: AddressView[]): string {
  return list.map(person).join(", ");
}
