import { describe, expect, it } from "vitest";
import type { Funnel, PartFunnel, VariantFunnel } from "../../bindings/core";
import { bars, conversionText, funnelStages, partTitle, rateText, variantLabel, verdictText } from "./dashboard";

const funnel: Funnel = {
  campaign_id: 1,
  slug: "spring",
  name: "Spring",
  queued: 10,
  sent: 4,
  opened: 2,
  started: 2,
  uploaded: 1,
  approved: 0,
  declined: 1,
  dropped: 3,
  parts: [],
};

function variant(index: number, sent: number, uploaded: number): VariantFunnel {
  return { variant: index, sent, opened: sent, uploaded, approved: 0, upload_rate: uploaded / sent };
}

function part(variants: VariantFunnel[], verdict: Partial<PartFunnel["verdict"]>, step = 0): PartFunnel {
  return {
    step,
    part: 0,
    variants,
    verdict: { best: 1, runner_up: 0, z: 0, meaningful: false, too_few: false, more_sends: null, ...verdict },
  };
}

describe("dashboard", () => {
  it("lists the stages in order with their share of everyone queued", () => {
    const shown = funnelStages(funnel);
    expect(shown.map((s) => [s.stage, s.count, s.share])).toEqual([
      ["queued", 10, 1],
      ["sent", 4, 0.4],
      ["opened", 2, 0.2],
      ["started", 2, 0.2],
      ["uploaded", 1, 0.1],
      ["approved", 0, 0],
      ["declined", 1, 0.1],
    ]);
    expect(funnelStages({ ...funnel, queued: 0, sent: 0 })[1]?.share).toBe(0);
  });

  it("gives each stage's conversion from the one before", () => {
    expect(conversionText(funnel, "queued")).toBe("");
    expect(conversionText(funnel, "sent")).toBe("40%");
    expect(conversionText(funnel, "approved")).toBe("0%");
    expect(conversionText({ ...funnel, uploaded: 0 }, "approved")).toBe("—");
    expect(conversionText(funnel, "started")).toBe("100%");
    expect(conversionText(funnel, "uploaded")).toBe("50%");
    expect(conversionText(funnel, "declined")).toBe("50% of opened");
  });

  it("says which variant brings more videos when the test is meaningful", () => {
    const clear = part([variant(0, 200, 12), variant(1, 200, 24)], { best: 1, runner_up: 0, z: 2.1, meaningful: true });
    expect(verdictText(clear)).toBe("Variant B brings more videos (12 % vs 6 %, 95 % confidence)");
    const three = part([variant(0, 200, 12), variant(1, 200, 40), variant(2, 200, 20)], { best: 1, runner_up: 2, meaningful: true });
    expect(verdictText(three)).toBe("Variant B brings more videos (20 % vs 10 % for the next best, C, 95 % confidence)");
  });

  it("says when a difference is not yet meaningful, and roughly how many more sends would tell", () => {
    expect(verdictText(part([variant(0, 20, 1), variant(1, 20, 3)], { too_few: true, more_sends: 120 }))).toBe(
      "Not yet meaningful: too few sends (about 120 more sends per variant)",
    );
    expect(verdictText(part([variant(0, 100, 7), variant(1, 100, 11)], { more_sends: 294 }))).toBe(
      "Not yet meaningful: the difference may be chance (about 294 more sends per variant)",
    );
    expect(verdictText(part([variant(0, 100, 5), variant(1, 100, 5)], {}))).toBe("No difference between the variants yet");
  });

  it("names variants and parts as the operator wrote them", () => {
    expect([variantLabel(0), variantLabel(1), variantLabel(25)]).toEqual(["A", "B", "Z"]);
    expect(partTitle(part([], {}))).toBe("First message, part 1");
    expect(partTitle({ ...part([], {}, 2), part: 1 })).toBe("Follow-up 2, part 2");
    expect(rateText(3, 0)).toBe("—");
    expect(rateText(3, 12)).toBe("25 %");
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
