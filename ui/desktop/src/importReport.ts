// The import report as the Contacts screen lists it: what needs the operator first.
import type { ColumnChoice, ContactField, ImportColumn, ImportReport, RowOutcome } from "../../bindings/core";

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

/** The delimiters the import reads, as the preview's select names them. */
export const DELIMITERS: { value: string; label: string }[] = [
  { value: ",", label: "comma ," },
  { value: ";", label: "semicolon ;" },
  { value: "\t", label: "tab" },
  { value: "|", label: "pipe |" },
];

/** The fields a column can fill, as the preview's selects name them (null: ignored). */
export const FIELDS: { value: ContactField | null; label: string }[] = [
  { value: "handle", label: "handle" },
  { value: "user_id", label: "user id" },
  { value: "display_name", label: "display name" },
  { value: "tags", label: "tags" },
  { value: "notes", label: "notes" },
  { value: null, label: "ignored" },
];

/** The whole mapping the preview shows, as the import's override: every column's field. */
export function mappingOf(columns: ImportColumn[]): ColumnChoice[] {
  return columns.map((column) => ({ index: column.index, field: column.field }));
}

/**
 * The columns after the operator chose `field` for column `index`: a field another column
 * had goes to the chosen one (that column becomes ignored), so no field has two columns.
 */
export function chooseField(columns: ImportColumn[], index: number, field: ContactField | null): ImportColumn[] {
  return columns.map((column) => {
    if (column.index === index) return { ...column, field };
    if (field !== null && column.field === field) return { ...column, field: null };
    return column;
  });
}

/** At most `limit` of the report's listed rows, so a huge file's report renders at once. */
export function firstRows(rows: RowOutcome[], limit: number): { shown: RowOutcome[]; more: number } {
  return { shown: rows.slice(0, limit), more: Math.max(0, rows.length - limit) };
}
