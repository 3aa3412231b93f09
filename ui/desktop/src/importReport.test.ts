import { describe, expect, it } from "vitest";
import type { ImportColumn, ImportReport, RowOutcome } from "../../bindings/core";
import { chooseField, firstRows, mappingOf, rejectedFileName, reportRows, rowNote } from "./importReport";

function row(line: number, outcome: RowOutcome["outcome"], warning: string | null = null): RowOutcome {
  return { line, handle: `h${line}`, outcome, field: null, reason: null, warning, values: [] };
}

function report(rows: RowOutcome[]): ImportReport {
  return { headers: ["handle"], imported: 0, updated: 0, skipped: 0, rejected: 0, rows };
}

describe("reportRows", () => {
  it("lists rejected rows first, then rows kept with a warning, then skipped ones, each by line", () => {
    const rows = reportRows(
      report([
        row(2, "imported"),
        row(3, "skipped"),
        row(4, "rejected"),
        row(5, "imported", "user id 7.26371E+18 looks like a number Excel shortened; kept without it"),
        row(6, "updated"),
        row(7, "rejected"),
        row(8, "skipped", "user id 7E+18 looks like a number Excel shortened; kept without it"),
      ]),
    );
    expect(rows.map((r) => [r.line, r.outcome])).toEqual([
      [4, "rejected"],
      [7, "rejected"],
      [5, "imported"],
      [8, "skipped"],
      [3, "skipped"],
    ]);
  });

  it("is empty without a report", () => {
    expect(reportRows(null)).toEqual([]);
  });
});

describe("rowNote", () => {
  it("joins the reason and the warning", () => {
    expect(rowNote({ ...row(2, "updated", "kept without it"), reason: "changed display name" })).toBe(
      "changed display name; kept without it",
    );
    expect(rowNote(row(2, "imported"))).toBe("");
  });
});

describe("rejectedFileName", () => {
  it("names the export after the imported file", () => {
    expect(rejectedFileName("/home/ana/leads.csv")).toBe("leads-rejected.csv");
    expect(rejectedFileName("C:\\Users\\ana\\leads.v2.csv")).toBe("leads.v2-rejected.csv");
    expect(rejectedFileName("")).toBe("contacts-rejected.csv");
  });
});

describe("the preview's column mapping", () => {
  const columns: ImportColumn[] = [
    { index: 0, header: "TikTok URL", field: "handle" },
    { index: 1, header: "Creator name", field: null },
    { index: 2, header: "Link", field: null },
  ];

  it("gives a field to the chosen column and takes it from the one that had it", () => {
    const moved = chooseField(columns, 2, "handle");
    expect(moved.map((c) => c.field)).toEqual([null, null, "handle"]);
    const named = chooseField(moved, 1, "display_name");
    expect(mappingOf(named)).toEqual([
      { index: 0, field: null },
      { index: 1, field: "display_name" },
      { index: 2, field: "handle" },
    ]);
  });

  it("ignores a column without touching the others", () => {
    expect(chooseField(columns, 0, null).map((c) => c.field)).toEqual([null, null, null]);
    expect(columns[0]?.field).toBe("handle");
  });
});

describe("firstRows", () => {
  it("keeps a huge report's listing short and says how many more there are", () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => row(i + 2, "rejected"));
    const { shown, more } = firstRows(rows, 200);
    expect(shown).toHaveLength(200);
    expect(shown[0]?.line).toBe(2);
    expect(more).toBe(4_800);
    expect(firstRows(rows.slice(0, 3), 200)).toEqual({ shown: rows.slice(0, 3), more: 0 });
  });
});
