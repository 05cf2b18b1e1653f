// Words the CRM screens share.
import type { CrmRecord, LinkReason, RecordKind } from "../bindings.gen";

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
