// Dates, sizes and names in the window's language.
import type { AddressView } from "./bindings.gen";
import { words } from "./i18n/index.svelte";

// Formatters of the window's locale, made once per locale.
function formatsOf(lang: string) {
  return {
    sameDay: new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" }),
    sameYear: new Intl.DateTimeFormat(lang, { month: "short", day: "numeric" }),
    older: new Intl.DateTimeFormat(lang, { dateStyle: "medium" }),
    full: new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" }),
    relative: new Intl.RelativeTimeFormat(lang, { numeric: "auto" }),
    count: new Intl.NumberFormat(lang),
    bytes: new Intl.NumberFormat(lang, { style: "unit", unit: "byte", unitDisplay: "short" }),
    kilobytes: new Intl.NumberFormat(lang, { style: "unit", unit: "kilobyte", unitDisplay: "short", maximumFractionDigits: 0 }),
    megabytes: new Intl.NumberFormat(lang, { style: "unit", unit: "megabyte", unitDisplay: "short", maximumFractionDigits: 1 }),
    and: new Intl.ListFormat(lang, { type: "conjunction" }),
  };
}
const made = new Map<string, ReturnType<typeof formatsOf>>();
/** The formatters of the window's locale. */
function formats() {
  const lang = words.locale;
  let f = made.get(lang);
  if (!f) {
    f = formatsOf(lang);
    made.set(lang, f);
  }
  return f;
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A number format of the window's locale with these options, made once
 *  (lists format a figure on every row). Throws as Intl does for options
 *  it rejects, such as an unknown currency code. */
export function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${words.locale}:${JSON.stringify(options)}`;
  let format = numberFormats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(words.locale, options);
    numberFormats.set(id, format);
  }
  return format;
}

/** Short date for lists: time today, "yesterday", day this year, full
 *  date before. */
export function listDate(unixSeconds: number, now = new Date()): string {
  const d = new Date(unixSeconds * 1000);
  const { sameDay, sameYear, older, relative } = formats();
  if (d.toDateString() === now.toDateString()) return sameDay.format(d);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (d.toDateString() === yesterday.toDateString()) return relative.format(-1, "day");
  if (d.getFullYear() === now.getFullYear()) return sameYear.format(d);
  return older.format(d);
}

/** Date and time in full, as a message's header shows it. */
export function fullDate(unixSeconds: number): string {
  return formats().full.format(new Date(unixSeconds * 1000));
}

/** A count with the language's digit grouping. */
export function number(n: number): string {
  return formats().count.format(n);
}

/** An attachment's size in the language's units. */
export function size(bytes: number): string {
  const { bytes: b, kilobytes, megabytes } = formats();
  if (bytes < 1024) return b.format(bytes);
  if (bytes < 1024 * 1024) return kilobytes.format(bytes / 1024);
  return megabytes.format(bytes / 1024 / 1024);
}

/** A person as lists name them: the name, else the address. */
export function person(a: AddressView): string {
  return a.name || a.address;
}

/** Several people, as a header lists them. */
export function people(list: AddressView[]): string {
  return list.map(person).join(", ");
}

/** A calendar day the engine gives as "2027-03-31", as a local date. */
export function dayDate(text: string): Date {
  const [y, m, d] = text.split("-").map(Number);
  return new Date(y, (m ?? 1) - 1, d ?? 1);
}

/** A calendar day ("2027-03-31") as the language writes a date. */
export function fullDay(text: string): string {
  return formats().older.format(dayDate(text));
}

/** Items joined as the window's language lists them ("a, b and c"). */
export function list(items: string[]): string {
  return formats().and.format(items);
}
