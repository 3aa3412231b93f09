// The campaign editor's model: a campaign as the form edits it, the message's parts (added,
// removed, moved, turned into a video link), and a save error placed beside its field.

import type { Campaign, CampaignInput, Part, PartKind, Template } from "../../bindings/core";
import { isUserError } from "./errors";

/**
 * A form's own copy of a campaign. Not `structuredClone`: the campaign may be a Svelte state
 * proxy, which it refuses; the JSON round trip copies the plain data a campaign is.
 */
export function inputOf(campaign: Campaign): CampaignInput {
  const { id: _id, slug: _slug, ...input } = campaign;
  return JSON.parse(JSON.stringify(input)) as CampaignInput;
}

/** A template with one more, empty, text part at the end. */
export function addPart(template: Template): Template {
  return { parts: [...copyParts(template), { kind: "text", variants: [""] }] };
}

/** A template without part `index`; the last part is never removed. */
export function removePart(template: Template, index: number): Template {
  if (template.parts.length <= 1) return template;
  return { parts: copyParts(template).filter((_, i) => i !== index) };
}

/** A template with part `index` moved one place up (-1) or down (1), when it can move. */
export function movePart(template: Template, index: number, delta: -1 | 1): Template {
  const parts = copyParts(template);
  const target = index + delta;
  const moving = parts[index];
  const other = parts[target];
  if (!moving || !other) return template;
  parts[target] = moving;
  parts[index] = other;
  return { parts };
}

/** A template whose part `index` is of `kind`; a video link keeps only its first variant. */
export function withKind(template: Template, index: number, kind: PartKind): Template {
  const parts = copyParts(template);
  const part = parts[index];
  if (!part) return template;
  parts[index] = { kind, variants: kind === "tiktok_video" ? [part.variants[0] ?? ""] : part.variants };
  return { parts };
}

function copyParts(template: Template): Part[] {
  return template.parts.map((part) => ({ kind: part.kind, variants: [...part.variants] }));
}

/** `{{first_name}}`, as typed into a template. */
export function placeholder(variable: string): string {
  return `{{${variable}}}`;
}

/** A save error keyed by the field it is about (`form` when it names none). */
export function errorByField(reason: unknown): { field: string; message: string } {
  if (isUserError(reason)) return { field: reason.field ?? "form", message: reason.message };
  return { field: "form", message: reason instanceof Error ? reason.message : String(reason) };
}
