import { describe, expect, it } from "vitest";
import { formatCountdown, leftLine, nextSendLine, PACE_REFRESH_MS, paceRefreshDue, sentLine, waitLine } from "./pacing";

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

describe("the next allowed send, always shown", () => {
  // Local times, so the clock time reads the same in every time zone.
  const now = new Date(2026, 11, 1, 14, 0, 0).getTime();
  const capFull = { verdict: "wait", reason: "daily cap", sent_last_24h: 6, daily_cap: 6 } as const;

  it("says now when a send is allowed", () => {
    expect(nextSendLine({ verdict: "allowed", sent_last_24h: 0, daily_cap: 50 }, now)).toBe("next send allowed now");
    expect(nextSendLine({ ...capFull, until: now }, now)).toBe("next send allowed now");
  });

  it("gives the countdown and the clock time it ends at", () => {
    const until = new Date(2026, 11, 1, 14, 1, 30).getTime();
    expect(nextSendLine({ ...capFull, until }, now)).toBe("next send allowed in 1:30 (at 14:01)");
  });

  it("says tomorrow when a full cap frees a slot after midnight", () => {
    const until = new Date(2026, 11, 2, 9, 5, 0).getTime();
    expect(nextSendLine({ ...capFull, until }, now)).toBe("next send allowed in 19:05:00 (at tomorrow 09:05)");
  });
});

describe("paceRefreshDue", () => {
  const allowed = { verdict: "allowed", sent_last_24h: 1, daily_cap: 50 } as const;
  const wait = { verdict: "wait", reason: "spacing", until: 90_000, sent_last_24h: 1, daily_cap: 50 } as const;

  it("asks when the screen opens or the campaign changes", () => {
    expect(paceRefreshDue(null, 1, 0)).toBe(true);
    expect(paceRefreshDue({ campaign: 2, verdict: allowed, at: 0 }, 1, 0)).toBe(true);
  });

  it("asks again when a wait ends, not before", () => {
    const known = { campaign: 1, verdict: wait, at: 80_000 };
    expect(paceRefreshDue(known, 1, 89_999)).toBe(false);
    expect(paceRefreshDue(known, 1, 90_000)).toBe(true);
  });

  it("asks again on a timer, for sends made elsewhere and the sliding day", () => {
    const known = { campaign: 1, verdict: allowed, at: 0 };
    expect(paceRefreshDue(known, 1, PACE_REFRESH_MS - 1)).toBe(false);
    expect(paceRefreshDue(known, 1, PACE_REFRESH_MS)).toBe(true);
  });
});

describe("leftLine", () => {
  it("counts the contacts not started, the later ones and the due ones among them", () => {
    expect(leftLine({ queued: 10, snoozed: 2, snoozed_due: 1, followups_due: 0 })).toBe("12 left: 10 queued, 2 later (1 due now)");
    expect(leftLine({ queued: 3, snoozed: 1, snoozed_due: 0, followups_due: 0 })).toBe("4 left: 3 queued, 1 later");
    expect(leftLine({ queued: 7, snoozed: 0, snoozed_due: 0, followups_due: 0 })).toBe("7 left");
    expect(leftLine({ queued: 0, snoozed: 0, snoozed_due: 0, followups_due: 0 })).toBe("nobody left");
  });
});
