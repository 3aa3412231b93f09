import { describe, expect, it } from "vitest";
import type { ImportReport, RowOutcome } from "../../bindings/core";
import { rejectedFileName, reportRows, rowNote } from "./importReport";

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
