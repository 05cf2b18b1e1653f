// Words the CRM screens share.
import type { CrmRecord, RecordKind } from "../bindings.gen";

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
