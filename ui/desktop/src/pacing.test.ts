import { describe, expect, it } from "vitest";
import { formatCountdown, sentLine, waitLine } from "./pacing";

describe("formatCountdown", () => {
  it("shows minutes and seconds, and hours when there are any", () => {
    expect(formatCountdown(83_000)).toBe("1:23");
    expect(formatCountdown(3_723_000)).toBe("1:02:03");
  });

  it("rounds up and never goes below zero", () => {
    expect(formatCountdown(100)).toBe("0:01");
    expect(formatCountdown(-5_000)).toBe("0:00");
  });
});

describe("pacing lines", () => {
  const wait = { verdict: "wait", reason: "spacing", until: 90_000, sent_last_24h: 3, daily_cap: 50 } as const;

  it("counts sends against the cap", () => {
    expect(sentLine(wait)).toBe("3 of 50 sent in the last 24 hours");
  });

  it("counts down to the next allowed send, then says nothing", () => {
    expect(waitLine(wait, 0)).toBe("next send allowed in 1:30");
    expect(waitLine(wait, 90_000)).toBeNull();
    expect(waitLine({ verdict: "allowed", sent_last_24h: 0, daily_cap: 50 }, 0)).toBeNull();
  });
});
