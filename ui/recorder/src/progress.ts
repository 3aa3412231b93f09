// An upload's speed and time left, from the byte counts tus reports as it goes.

/** How quickly the estimate follows a change of speed; a few seconds smooths out bursts. */
const SMOOTHING_MS = 3000;
/** Below this much data the speed is a guess not worth showing. */
const MIN_OBSERVED_MS = 1000;

export class UploadRate {
  private last: { bytes: number; at: number } | null = null;
  private bytesPerMs: number | null = null;
  private observedMs = 0;

  /** Records that `bytes` in total have been sent by time `at` (milliseconds). */
  sample(bytes: number, at: number): void {
    const last = this.last;
    this.last = { bytes, at };
    // A restart (a new upload, a resume that re-counts) or a clock oddity: start over.
    if (!last || bytes < last.bytes || at <= last.at) {
      if (last && bytes < last.bytes) this.reset(bytes, at);
      return;
    }
    const elapsed = at - last.at;
    const instant = (bytes - last.bytes) / elapsed;
    const weight = 1 - Math.exp(-elapsed / SMOOTHING_MS);
    this.bytesPerMs = this.bytesPerMs === null ? instant : this.bytesPerMs + weight * (instant - this.bytesPerMs);
    this.observedMs += elapsed;
  }

  /** Forgets the speed, for example after the connection dropped and came back. */
  reset(bytes: number, at: number): void {
    this.last = { bytes, at };
    this.bytesPerMs = null;
    this.observedMs = 0;
  }

  /** Seconds until `total` bytes are sent at the current speed, or null while unknown. */
  secondsLeft(total: number): number | null {
    if (!this.last || this.bytesPerMs === null || this.observedMs < MIN_OBSERVED_MS || this.bytesPerMs <= 0) {
      return null;
    }
    return Math.max(0, total - this.last.bytes) / this.bytesPerMs / 1000;
  }
}

/** Whole percent, never 100 before the last byte: "100 %" while the server still checks would lie. */
export function percent(sent: number, total: number): number {
  if (total <= 0) return 0;
  if (sent >= total) return 100;
  return Math.min(99, Math.floor((sent / total) * 100));
}
