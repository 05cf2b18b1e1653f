// Words the CRM screens share.
import type { CrmRecord, LinkReason, RecordKind, SkipReason, Source } from "../bindings.gen";

export const KIND_LABELS: { [K in RecordKind]: string } = {
  person: "Person",
  org: "Organization",
  deal: "Deal",
  lead: "Lead",
  project: "Project",
};

/** "12500.50" for an amount in minor units. */
export function amount(minor: number): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** "12500.50 EUR" for a stored value. */
export function money(r: Pick<CrmRecord, "value">): string {
  return r.value ? `${amount(r.value.minor)} ${r.value.currency}`.trim() : "";
}

/** Why an email is linked to a record, in words (the engine gives a code
 * and its parameters). */
export function linkReason(r: LinkReason): string {
  const owner = (o: string | null) => o ?? "a person";
  switch (r.code) {
    case "address":
      return `linked automatically: ${r.address} is an address of ${owner(r.owner)}`;
    case "only_one": {
      const what = r.kind === "deal" ? "open deal" : KIND_LABELS[r.kind].toLowerCase();
      return `linked automatically: the only ${what} of ${owner(r.owner)} (${r.address})`;
    }
    case "choice":
      return `linked by you for this conversation on ${r.day}`;
    case "user":
      return `linked by you on ${r.day}`;
  }
}

/** Where an imported row came from: "line 4", "card 2". */
export function sourceText(s: Source): string {
  switch (s.in) {
    case "line":
      return `line ${s.number}`;
    case "card":
      return `card ${s.number}`;
    case "unknown":
      return "a row";
  }
}

/** Why an imported row made no person, in words (the engine gives a code). */
export function skipReasonText(r: SkipReason): string {
  switch (r.code) {
    case "not_an_address":
      return `not an email address: ${r.texts.join(", ")}`;
    case "unreadable":
      return "empty, or could not be read";
    case "no_address":
      return `${r.name} has no email address`;
    case "address_taken":
      return `${r.address} is already an address of ${r.owner_name}; merged the rest into ${r.merged_into}`;
  }
}
