// The history depths offered when adding an account and in Preferences
// (days; null: everything). The engine counts them by arrival date.
export const HISTORY_CHOICES: { label: string; days: number | null }[] = [
  { label: "1 month", days: 31 },
  { label: "3 months", days: 92 },
  { label: "1 year", days: 366 },
  { label: "Everything", days: null },
];

/** The select's value for a depth ("all" for everything). */
export const historyValue = (days: number | null | undefined) => (days == null ? "all" : String(days));

/** The depth a select's value stands for. */
export const historyDays = (value: string) => (value === "all" ? null : Number(value));
