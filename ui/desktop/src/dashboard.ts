// The Dashboard's shapes: funnel stages, the per-variant verdicts and the sends-per-day bars.

import type { DaySends, Funnel, PartFunnel, VariantFunnel } from "../../bindings/core";

/** The funnel's stages, then who declined (a way out, not a stage). */
export const stages = ["queued", "sent", "opened", "started", "uploaded", "approved", "declined"] as const;
export type Stage = (typeof stages)[number];

export const stageLabels: Record<Stage, string> = {
  queued: "Queued",
  sent: "Sent",
  opened: "Opened",
  started: "Started",
  uploaded: "Uploaded",
  approved: "Approved",
  declined: "Declined",
};

/** What a stage's conversion is counted from: the stage before it; declined, of those who opened. */
const basis: Partial<Record<Stage, Stage>> = {
  sent: "queued",
  opened: "sent",
  started: "opened",
  uploaded: "started",
  approved: "uploaded",
  declined: "opened",
};

/** Each stage's count and its share of everyone queued (0–1). */
export function funnelStages(funnel: Funnel): { stage: Stage; count: number; share: number }[] {
  return stages.map((stage) => ({
    stage,
    count: funnel[stage],
    share: funnel.queued > 0 ? funnel[stage] / funnel.queued : 0,
  }));
}

/** A stage's count as a share of the stage before it (declined: of opened), as a whole percent ("—" when none). */
export function conversionText(funnel: Funnel, stage: Stage): string {
  const previous = basis[stage];
  if (previous === undefined) return "";
  const before = funnel[previous];
  const text = before > 0 ? `${Math.round((funnel[stage] / before) * 100)}%` : "—";
  return stage === "declined" && before > 0 ? `${text} of opened` : text;
}

/** Variant 0 is A, 1 is B… */
export function variantLabel(variant: number): string {
  return variant < 26 ? String.fromCharCode(65 + variant) : `#${variant + 1}`;
}

/** "First message, part 1" or "Follow-up 2, part 1". */
export function partTitle(part: PartFunnel): string {
  const message = part.step === 0 ? "First message" : `Follow-up ${part.step}`;
  return `${message}, part ${part.part + 1}`;
}

/** A rate 0–1 as whole percent: "12 %". */
export function percent(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}

/** A share of a variant's sends, "—" when it had none. */
export function rateText(count: number, sent: number): string {
  return sent > 0 ? percent(count / sent) : "—";
}

function variantOf(part: PartFunnel, variant: number): VariantFunnel | undefined {
  return part.variants.find((v) => v.variant === variant);
}

/** The verdict in words: which variant brings more videos, or why it cannot be said yet. */
export function verdictText(part: PartFunnel): string {
  const { verdict } = part;
  const best = variantOf(part, verdict.best);
  const other = variantOf(part, verdict.runner_up);
  if (!best || !other) return "Not yet meaningful: too few sends";
  const others = part.variants.length > 2 ? ` vs ${percent(other.upload_rate)} for the next best, ${variantLabel(other.variant)}` : ` vs ${percent(other.upload_rate)}`;
  if (verdict.meaningful) {
    return `Variant ${variantLabel(best.variant)} brings more videos (${percent(best.upload_rate)}${others}, 95 % confidence)`;
  }
  const more = verdict.more_sends === null ? "" : ` (about ${verdict.more_sends} more sends per variant)`;
  if (verdict.too_few) return `Not yet meaningful: too few sends${more}`;
  if (verdict.more_sends === null) return "No difference between the variants yet";
  return `Not yet meaningful: the difference may be chance${more}`;
}

/** Bars scaled to the busiest day (at least one send tall, so an empty chart is flat). */
export function bars(days: readonly DaySends[], height: number): { day: string; sends: number; height: number }[] {
  const max = Math.max(1, ...days.map((d) => d.sends));
  return days.map((d) => ({ day: d.day, sends: d.sends, height: Math.round((d.sends / max) * height) }));
}
