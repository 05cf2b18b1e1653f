// Words and figures the CRM screens share, in the window's language.
import type { LinkReason, Money, RecordKind, SkipReason, Source } from "../bindings.gen";
import { t } from "../i18n/index.svelte";
import { dayDate, numberFormat } from "../format";

/** An amount in minor units as the user types it back: "12500.50" in
 *  English, "12500,50" in Czech (no grouping; the engine reads both). */
export function amount(minor: number): string {
  return numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false }).format(minor / 100);
}

/** A stored value as the window's language writes money: "12,500.50 €"
 *  in English is "12 500,50 €" in Estonian. A currency Intl does not know
 *  is written after the number. */
export function money(r: { value?: Money | null }): string {
  return r.value ? moneyText(r.value) : "";
}

/** An amount of money in the window's language (see `money`). */
export function moneyText(value: Money): string {
  const n = value.minor / 100;
  try {
    return numberFormat({ style: "currency", currency: value.currency }).format(n);
  } catch {
    const figure = numberFormat({ minimumFractionDigits: 2 }).format(n);
    return `${figure} ${value.currency}`.trim();
  }
}

/** Why an email is linked to a record, in words (the engine gives a code
 *  and its parameters). */
export function linkReason(r: LinkReason): string {
  const owner = (o: string | null) => o ?? t("reason_a_person");
  switch (r.code) {
    case "address":
      return t("reason_address", { address: r.address, owner: owner(r.owner) });
    case "only_one":
      return t("reason_only_one", { kind: r.kind, owner: owner(r.owner), address: r.address });
    case "choice":
      return t("reason_choice", { day: dayDate(r.day) });
    case "user":
      return t("reason_user", { day: dayDate(r.day) });
    case "capture":
      return t("reason_capture", { day: dayDate(r.day) });
  }
}

/** Where an imported row came from: "line 4", "card 2". */
export function sourceText(s: Source): string {
  return t("import_source", { in: s.in, number: s.in === "unknown" ? 0 : s.number });
}

/** Why an imported row made no person, in words (the engine gives a code). */
export function skipReasonText(r: SkipReason): string {
  switch (r.code) {
    case "not_an_address":
      return t("skip_not_an_address", { texts: r.texts.join(", ") });
    case "unreadable":
      return t("skip_unreadable");
    case "no_address":
      return t("skip_no_address", { name: r.name });
    case "address_taken":
      return t("skip_address_taken", { address: r.address, owner: r.owner_name, merged: r.merged_into });
  }
}

/** The kinds of records, in the order the CRM lists them. */
export const RECORD_KINDS: RecordKind[] = ["person", "org", "deal", "lead", "project"];
