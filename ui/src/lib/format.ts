// Dates, sizes and names in the user's locale.
import type { AddressView } from "./bindings.gen";

const sameDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const sameYear = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const older = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const count = new Intl.NumberFormat();

/** Short date for lists: time today, day this year, full date before. */
export function listDate(unixSeconds: number, now = new Date()): string {
  const d = new Date(unixSeconds * 1000);
  if (d.toDateString() === now.toDateString()) return sameDay.format(d);
  if (d.getFullYear() === now.getFullYear()) return sameYear.format(d);
  return older.format(d);
}

export function fullDate(unixSeconds: number): string {
  return full.format(new Date(unixSeconds * 1000));
}

export function number(n: number): string {
  return count.format(n);
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
