// The campaign editor's model: a campaign as the form edits it, the message's first text part
// as its variants, and a save error placed beside the field it is about.

import type { Campaign, CampaignInput, Template } from "../../bindings/core";
import { isUserError } from "./errors";

/**
 * A form's own copy of a campaign. Not `structuredClone`: the campaign may be a Svelte state
 * proxy, which it refuses; the JSON round trip copies the plain data a campaign is.
 */
export function inputOf(campaign: Campaign): CampaignInput {
  const { id: _id, slug: _slug, ...input } = campaign;
  return JSON.parse(JSON.stringify(input)) as CampaignInput;
}

/** The variants of the template's first text part (the one the editor shows). */
export function textVariants(template: Template): string[] {
  return template.parts.find((part) => part.kind === "text")?.variants ?? [];
}

/** The template with its first text part's variants replaced, other parts kept as they are. */
export function withTextVariants(template: Template, variants: string[]): Template {
  const index = template.parts.findIndex((part) => part.kind === "text");
  const parts = template.parts.map((part) => ({ ...part, variants: [...part.variants] }));
  if (index < 0) return { parts: [{ kind: "text", variants }, ...parts] };
  parts[index] = { kind: "text", variants };
  return { parts };
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
