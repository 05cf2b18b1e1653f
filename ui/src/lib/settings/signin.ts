// What the window hands the engine for a browser sign-in: the words of the
// page the browser shows at its end, in the window's language.
import type { SignInPages } from "../bindings.gen";
import { t } from "../i18n/index.svelte";

export function signInPages(): SignInPages {
  return { done: t("signin_page_done"), failed: t("signin_page_failed") };
}
