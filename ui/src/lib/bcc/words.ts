// Smart BCC in words: a copy's DKIM and SPF verdict, and the confirmation
// email to a new accepted sender.
import type { Confirmation, Dkim, Spf } from "../bindings.gen";
import { t } from "../i18n/index.svelte";

/** "DKIM: passed · SPF: no record", or that it was not checked. */
export function verdictText(dkim: Dkim | null, spf: Spf | null): string {
  if (!dkim || !spf) return t("verdict_unchecked");
  return t("verdict", { dkim, spf });
}

/** The confirmation email in the window's language; the engine puts the
 *  code and the link where {code} and {link} stand. */
export function confirmationWording(): Confirmation {
  return { subject: t("bcc_confirm_subject"), body: t("bcc_confirm_body", { code: "{code}", link: "{link}" }) };
}
