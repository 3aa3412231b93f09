// The import progress bar's value, from the bytes core has read.

import type { ImportProgress } from "../../bindings/core";

/** 0–100; 0 before the first report, 100 for an empty file. */
export function progressPercent(progress: ImportProgress | null): number {
  if (!progress) return 0;
  if (progress.bytes_total === 0) return 100;
  return Math.min(100, Math.round((progress.bytes_read / progress.bytes_total) * 100));
}
