import { describe, expect, it } from "vitest";
import { stringsFor } from "./strings";
import { clock, duration, timeLeft } from "./time";

const en = stringsFor("en");
const es = stringsFor("es");

describe("the countdown and the time left read naturally", () => {
  it("the_countdown_shows_minutes_and_seconds_and_rounds_up", () => {
    expect(clock(60)).toBe("1:00");
    expect(clock(29.2)).toBe("0:30");
    expect(clock(0.1)).toBe("0:01");
    expect(clock(0)).toBe("0:00");
    expect(clock(-3)).toBe("0:00");
  });

  it("a_campaign_length_is_said_in_seconds_or_minutes", () => {
    expect(duration(30, en)).toBe("30 s");
    expect(duration(60, en)).toBe("1 min");
    expect(duration(90, en)).toBe("1 min 30 s");
  });

  it("the_time_left_moves_in_steps_so_it_does_not_flicker", () => {
    expect(timeLeft(1.2, en)).toBe("5 s");
    expect(timeLeft(11, en)).toBe("15 s");
    expect(timeLeft(61, en)).toBe("2 min");
    expect(timeLeft(119, es)).toBe("2 min");
  });

  it("no_estimate_yet_says_nothing", () => {
    expect(timeLeft(null, en)).toBeNull();
    expect(timeLeft(Number.POSITIVE_INFINITY, en)).toBeNull();
  });
});
