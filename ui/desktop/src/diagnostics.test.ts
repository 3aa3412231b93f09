import { describe, expect, it } from "vitest";
import { diagnosticsFileName } from "./diagnostics";

describe("diagnosticsFileName", () => {
  it("names the zip after the local date and minute, padded", () => {
    expect(diagnosticsFileName(new Date(2026, 0, 5, 7, 3, 59))).toBe("clipdesk-diagnostics-20260105-0703.zip");
    expect(diagnosticsFileName(new Date(2026, 11, 31, 23, 59))).toBe("clipdesk-diagnostics-20261231-2359.zip");
  });
});
