import { describe, expect, it } from "vitest";
import type { Funnel } from "../../bindings/core";
import { bars, conversionText, funnelStages } from "./dashboard";

const funnel: Funnel = {
  campaign_id: 1,
  slug: "spring",
  name: "Spring",
  queued: 10,
  sent: 4,
  opened: 2,
  uploaded: 1,
  approved: 0,
  dropped: 3,
};

describe("dashboard", () => {
  it("lists the stages in order with their share of everyone queued", () => {
    const shown = funnelStages(funnel);
    expect(shown.map((s) => [s.stage, s.count, s.share])).toEqual([
      ["queued", 10, 1],
      ["sent", 4, 0.4],
      ["opened", 2, 0.2],
      ["uploaded", 1, 0.1],
      ["approved", 0, 0],
    ]);
    expect(funnelStages({ ...funnel, queued: 0, sent: 0 })[1]?.share).toBe(0);
  });

  it("gives each stage's conversion from the one before", () => {
    expect(conversionText(funnel, "queued")).toBe("");
    expect(conversionText(funnel, "sent")).toBe("40%");
    expect(conversionText(funnel, "approved")).toBe("0%");
    expect(conversionText({ ...funnel, uploaded: 0 }, "approved")).toBe("—");
  });

  it("scales bars to the busiest day", () => {
    const shown = bars(
      [
        { day: "2026-11-24", sends: 5 },
        { day: "2026-11-25", sends: 10 },
      ],
      100,
    );
    expect(shown.map((b) => b.height)).toEqual([50, 100]);
    expect(bars([{ day: "2026-11-25", sends: 0 }], 100)[0]?.height).toBe(0);
  });
});
