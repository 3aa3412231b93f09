// Summaries of samples, and how the report writes them.

/** Nearest-rank percentile of `values` (0 < p ≤ 100). */
export function percentile(/** @type {number[]} */ values, /** @type {number} */ p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
export function median(/** @type {number[]} */ values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
export function summary(/** @type {number[]} */ values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values };
}
export const ms = (/** @type {number} */ x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
export const ms1 = (/** @type {number} */ x) => `${x.toFixed(1)} ms`;
export const mib = (/** @type {number} */ kib) => `${(kib / 1024).toFixed(1)} MiB`;

/** Epoch milliseconds taken at the instant the wall clock ticks, so to well under a millisecond. */
export function wallClockTick() {
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  return now;
}
