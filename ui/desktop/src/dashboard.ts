// The Dashboard's shapes: funnel stages and the sends-per-day bars.

import type { DaySends, Funnel } from "../../bindings/core";

export const stages = ["queued", "sent", "opened", "uploaded", "approved"] as const;
export type Stage = (typeof stages)[number];

export const stageLabels: Record<Stage, string> = {
  queued: "Queued",
  sent: "Sent",
  opened: "Opened",
  uploaded: "Uploaded",
  approved: "Approved",
};

/** Each stage's count and its share of everyone queued (0–1). */
export function funnelStages(funnel: Funnel): { stage: Stage; count: number; share: number }[] {
  return stages.map((stage) => ({
    stage,
    count: funnel[stage],
    share: funnel.queued > 0 ? funnel[stage] / funnel.queued : 0,
  }));
}

/** A stage's count as a share of the stage before it, as a whole percent ("—" when none). */
export function conversionText(funnel: Funnel, stage: Stage): string {
  const previous = stages[stages.indexOf(stage) - 1];
  if (previous === undefined) return "";
  const before = funnel[previous];
  return before > 0 ? `${Math.round((funnel[stage] / before) * 100)}%` : "—";
}

/** Bars scaled to the busiest day (at least one send tall, so an empty chart is flat). */
export function bars(days: readonly DaySends[], height: number): { day: string; sends: number; height: number }[] {
  const max = Math.max(1, ...days.map((d) => d.sends));
  return days.map((d) => ({ day: d.day, sends: d.sends, height: Math.round((d.sends / max) * height) }));
}
