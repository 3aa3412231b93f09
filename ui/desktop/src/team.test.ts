import { describe, expect, it } from "vitest";
import type { NextStep } from "../../bindings/core";
import type { HeldRecipient } from "../../bindings/protocol";
import { heldClaim, heldLine, heldRisk, heldSummary, holdDays, leaseLine, offlineLine, outboxLine, pendingLine } from "./team";

const now = Date.parse("2026-12-02T10:00:00Z");
const names = (slug: string) => ({ spring: "Spring bakes" })[slug] ?? slug;

function heldPerson(handle: string, sentAt: string, until: string): HeldRecipient {
  return { token: `t-${handle}`, handle, display_name: null, hold: { campaign: "spring", operator: "ana", sent_at: sentAt, until } };
}

describe("the lease on a started person", () => {
  it("says until when, in local time", () => {
    const at = new Date(2026, 11, 2, 14, 5, 30).toISOString();
    expect(leaseLine(at)).toBe("held for you until 14:05");
  });

  it("gives back a first message under a claim, never a follow-up (which has no lease)", () => {
    /** Only what `heldClaim` reads of a started step. */
    const startedStep = (lease?: string) =>
      ({ status: "started", outreach_id: 7, ...(lease ? { lease_expires_at: lease } : {}) }) as unknown as NextStep;
    expect(heldClaim(startedStep("2026-12-02T10:15:00Z"))).toBe(7);
    expect(heldClaim(startedStep())).toBeNull();
    expect(heldClaim({ status: "empty" })).toBeNull();
    expect(heldClaim({ status: "offline", message: "down", pending: 0 })).toBeNull();
    expect(heldClaim(null)).toBeNull();
  });
});

describe("the server out of reach", () => {
  it("says why nothing is offered, with the server's message once", () => {
    expect(offlineLine("connection refused.")).toBe(
      "Can't reach the server: connection refused. Nothing is offered while offline, since a colleague may be messaging whoever would come next.",
    );
  });

  it("counts outcomes waiting to be sent, and says nothing when there are none", () => {
    expect(pendingLine(0)).toBeNull();
    expect(pendingLine(1)).toBe("1 outcome waiting to be sent.");
    expect(pendingLine(3)).toBe("3 outcomes waiting to be sent.");
  });

  it("shows the outbox while working: waiting outcomes and refused ones", () => {
    expect(outboxLine(0, 0)).toBeNull();
    expect(outboxLine(2, 0)).toBe("2 outcomes waiting for the server");
    expect(outboxLine(1, 1)).toMatch(/^1 outcome waiting for the server · 1 outcome the server refused /);
    expect(outboxLine(0, 2)).toMatch(/^2 outcomes the server refused /);
  });
});

describe("people held back by another campaign", () => {
  const maya = heldPerson("maya.bakes", "2026-11-30T10:00:00Z", "2026-12-30T10:00:00Z");
  const dan = heldPerson("dan_rides", "2026-12-02T07:00:00Z", "2027-01-01T07:00:00Z");

  it("are summed up with the hold's length, or not at all when nobody is held", () => {
    expect(holdDays(maya.hold)).toBe(30);
    expect(heldSummary([])).toBeNull();
    expect(heldSummary([maya, dan])).toBe("2 held back: messaged in another campaign in the last 30 days");
    const short = heldPerson("zoe", "2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z");
    expect(heldSummary([short])).toBe("1 held back: messaged in another campaign in the last 1 day");
  });

  it("each names the other campaign, who sent it, when, and until when it holds", () => {
    expect(heldLine(maya, now, names)).toBe("Spring bakes · sent by ana 2 d ago · held until 30 Dec");
    expect(heldLine(dan, now, () => "spring")).toBe("spring · sent by ana 3 h ago · held until 1 Jan");
  });

  it("are messaged anyway only after the risk is named", () => {
    const risk = heldRisk(dan, now, names);
    expect(risk).toMatch(/^@dan_rides got a DM from “Spring bakes” 3 h ago \(by ana\)\./);
    expect(risk).toMatch(/TikTok treats repeated messages as spam/);
  });
});
