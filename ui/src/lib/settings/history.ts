// The history depths offered when adding an account and in Preferences
// (days; null: everything). The engine counts them by arrival date.
import { t } from "../i18n/index.svelte";

type HistoryChoice = { days: number | null; count: number; unit: "months" | "years" | "all" };

export const HISTORY_CHOICES: HistoryChoice[] = [
  { days: 31, count: 1, unit: "months" },
  { days: 92, count: 3, unit: "months" },
  { days: 366, count: 1, unit: "years" },
  { days: null, count: 0, unit: "all" },
];

/** A depth in words ("3 months"), in the window's language. */
export function historyLabel(c: HistoryChoice): string {
  if (c.unit === "all") return t("history_all");
  return t(c.unit === "months" ? "history_months" : "history_years", { count: c.count });
}

/** The select's value for a depth ("all" for everything). */
export const historyValue = (days: number | null | undefined) => (days == null ? "all" : String(days));

/** The depth a select's value stands for. */
export const historyDays = (value: string) => (value === "all" ? null : Number(value));
