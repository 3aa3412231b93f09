// Turning seconds into the few words the page shows: a recording's countdown, a length, an upload's time left.

import { fill, type Strings } from "./strings";

type Units = Pick<Strings, "seconds" | "minutes" | "minutesSeconds">;

/** `m:ss` for the recording countdown, rounded up so it reads 0:01 until the very end. */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  return `${minutes}:${rest < 10 ? "0" : ""}${rest}`;
}

/** A length in the page's language: `45 s`, `2 min`, `1 min 30 s`. */
export function duration(seconds: number, units: Units): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return fill(units.seconds, { n: String(whole) });
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (rest === 0) return fill(units.minutes, { n: String(minutes) });
  return fill(units.minutesSeconds, { m: String(minutes), s: String(rest) });
}

/**
 * An upload's time left, deliberately rough so it does not flicker: 5-second steps under a
 * minute, whole minutes above. Null when there is nothing sensible to say yet.
 */
export function timeLeft(seconds: number | null, units: Units): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 60) return duration(Math.max(5, Math.ceil(seconds / 5) * 5), units);
  return duration(Math.ceil(seconds / 60) * 60, units);
}
