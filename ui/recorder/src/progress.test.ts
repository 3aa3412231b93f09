import { describe, expect, it } from "vitest";
import { percent, UploadRate } from "./progress";

describe("the upload says how far it is and how long is left", () => {
  it("a_steady_upload_estimates_the_time_left_from_its_speed", () => {
    const rate = new UploadRate();
    // 100 kB per second for 3 seconds, out of 1 MB.
    for (let second = 0; second <= 3; second++) rate.sample(second * 100_000, second * 1000);
    expect(rate.secondsLeft(1_000_000)).toBeCloseTo(7, 5);
  });

  it("too_little_data_gives_no_estimate", () => {
    const rate = new UploadRate();
    expect(rate.secondsLeft(1000)).toBeNull();
    rate.sample(0, 0);
    rate.sample(500, 200);
    expect(rate.secondsLeft(1000)).toBeNull();
  });

  it("a_stalled_connection_stops_promising_a_time", () => {
    const rate = new UploadRate();
    rate.sample(0, 0);
    rate.sample(100_000, 1000);
    rate.sample(100_000, 60_000);
    const left = rate.secondsLeft(1_000_000);
    expect(left === null || left > 600).toBe(true);
  });

  it("a_restarted_upload_starts_its_estimate_over", () => {
    const rate = new UploadRate();
    rate.sample(0, 0);
    rate.sample(500_000, 2000);
    rate.sample(0, 3000);
    expect(rate.secondsLeft(1_000_000)).toBeNull();
  });

  it("the_percent_only_reaches_100_with_the_last_byte", () => {
    expect(percent(0, 1000)).toBe(0);
    expect(percent(999, 1000)).toBe(99);
    expect(percent(1000, 1000)).toBe(100);
    expect(percent(5, 0)).toBe(0);
  });
});
