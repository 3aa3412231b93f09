import { describe, expect, it } from "vitest";
import { progressPercent } from "./importProgress";

describe("progressPercent", () => {
  it("follows the bytes read", () => {
    expect(progressPercent({ rows_done: 10, bytes_read: 250, bytes_total: 1000 })).toBe(25);
    expect(progressPercent({ rows_done: 40, bytes_read: 1000, bytes_total: 1000 })).toBe(100);
  });

  it("starts at 0 and treats an empty file as done", () => {
    expect(progressPercent(null)).toBe(0);
    expect(progressPercent({ rows_done: 0, bytes_read: 0, bytes_total: 0 })).toBe(100);
  });
});
