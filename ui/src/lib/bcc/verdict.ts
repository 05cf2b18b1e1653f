// What DKIM and SPF said of a Smart BCC copy, in words.
import type { Dkim, Spf } from "../bindings.gen";
import { t } from "../i18n/index.svelte";

/** "DKIM: passed · SPF: no record", or that it was not checked. */
export function verdictText(dkim: Dkim | null, spf: Spf | null): string {
  if (!dkim || !spf) return t("verdict_unchecked");
  return t("verdict", { dkim, spf });
}
