// Smart fields in words: the composer's "Insert field" menu and the
// question before sending with empty ones name them in the window's
// language; the engine knows them by their `{{name}}`.
import { t } from "../i18n/index.svelte";

const LABELS: Record<string, () => string> = {
  "person.name": () => t("field_person_name"),
  "person.first_name": () => t("field_person_first_name"),
  "person.email": () => t("field_person_email"),
  "org.name": () => t("field_org_name"),
  "deal.title": () => t("field_deal_title"),
  "deal.value": () => t("field_deal_value"),
  "deal.close_date": () => t("field_deal_close_date"),
  "lead.title": () => t("field_lead_title"),
  "lead.value": () => t("field_lead_value"),
  "project.title": () => t("field_project_title"),
  "user.name": () => t("field_user_name"),
  "user.email": () => t("field_user_email"),
};

/** A smart field's name in the window's language (an unknown one as it
 *  is written). */
export function fieldLabel(name: string): string {
  return LABELS[name]?.() ?? `{{${name}}}`;
}
