// The import report as the Contacts screen lists it: what needs the operator first.
import type { ImportReport, RowOutcome } from "../../bindings/core";

/** Rejected rows come first (they are what to fix), then rows kept with a warning. */
function rank(row: RowOutcome): number {
  if (row.outcome === "rejected") return 0;
  if (row.warning) return 1;
  return 2;
}

/**
 * The rows the report lists: rejected, then kept with a warning, then skipped; each group in
 * file order. Rows imported or updated without a warning are not listed.
 */
export function reportRows(report: ImportReport | null): RowOutcome[] {
  if (!report) return [];
  return report.rows
    .filter((row) => row.outcome === "rejected" || row.outcome === "skipped" || row.warning)
    .sort((a, b) => rank(a) - rank(b) || a.line - b.line);
}

/** What the report says about a row: its reason and its warning, whichever it has. */
export function rowNote(row: RowOutcome): string {
  return [row.reason, row.warning].filter((text) => text).join("; ");
}

/** The name the save dialog offers for the rejected rows of `source`: `contacts-rejected.csv`. */
export function rejectedFileName(source: string): string {
  const name = source.trim().split(/[\\/]/).pop() ?? "";
  const stem = name.replace(/\.[^.]*$/, "") || "contacts";
  return `${stem}-rejected.csv`;
}
