// The campaign editor's model: a campaign as the form edits it, the message's parts (added,
// removed, moved, turned into a video link), the recipient's page (its language, texts,
// consent sentence, link expiry, public address), and a save error placed beside its field.
//
// The page's languages and texts come from the recorder's own table (ui/recorder/src/
// strings.ts), imported at build time: one list, so a text added to the page is offered here.

import type { Campaign, CampaignInput, FollowupCondition, FollowupStep, Part, PartKind, Template } from "../../bindings/core";
import { fill, pageLanguages, stringsFor, type StringKey } from "../../recorder/src/strings";
import { isUserError } from "./errors";

/**
 * A form's own copy of a campaign. Not `structuredClone`: the campaign may be a Svelte state
 * proxy, which it refuses; the JSON round trip copies the plain data a campaign is.
 */
export function inputOf(campaign: Campaign): CampaignInput {
  const { id: _id, slug: _slug, created_at: _created, ...input } = campaign;
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

/** Fields the editor shows an error beside; any other error goes at the top of the form. */
const FIELDS_WITH_A_PLACE = new Set([
  "name",
  "template",
  "landing_title",
  "prompt",
  "max_duration_s",
  "link_expiry_days",
  "daily_cap",
  "min_spacing_s",
  "dm_url_with_id",
  "dm_url_without_id",
  "language",
  "organisation",
  "strings",
]);

/** Whether an error about `field` is shown beside it (an override's `strings.<key>` too). */
export function hasItsPlace(field: string): boolean {
  return FIELDS_WITH_A_PLACE.has(field) || field.startsWith("strings.") || field === "followups" || field.startsWith("followups.");
}

/** At most this many follow-up steps (crates/core/src/followups.rs). */
export const MAX_FOLLOWUPS = 3;

/** What each condition reads as in the editor. */
export const FOLLOWUP_CONDITIONS: { value: FollowupCondition; label: string }[] = [
  { value: "no_open", label: "Not opened" },
  { value: "no_upload", label: "Opened, no upload" },
];

/** The steps with one more at the end (a text part holding the link, 3 days, no open); no more than the limit. */
export function addFollowup(steps: FollowupStep[]): FollowupStep[] {
  if (steps.length >= MAX_FOLLOWUPS) return steps;
  const condition: FollowupCondition = steps.length === 0 ? "no_open" : "no_upload";
  return [...copySteps(steps), { template: { parts: [{ kind: "text", variants: ["{{link}}"] }] }, delay_days: 3, condition }];
}

/** The steps without step `index`. */
export function removeFollowup(steps: FollowupStep[], index: number): FollowupStep[] {
  return copySteps(steps).filter((_, i) => i !== index);
}

function copySteps(steps: FollowupStep[]): FollowupStep[] {
  return steps.map((step) => ({ ...step, template: { parts: copyParts(step.template) } }));
}

/** The field names of step `index` an error may be about: `followups.0.template`… */
export function followupField(index: number, field: "template" | "delay_days" | "condition"): string {
  return `followups.${index}.${field}`;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * When the campaign's links stop working: `days` after the campaign was created (the server
 * gets this one time for every link), counted from `now` for a campaign not saved yet. Null
 * when they never do.
 */
export function linksExpireAt(createdAt: string | null, days: number | null | undefined, now: number = Date.now()): Date | null {
  if (days == null || !Number.isInteger(days) || days < 1) return null;
  const start = createdAt === null ? now : Date.parse(createdAt);
  return new Date(start + days * DAY_MS);
}

/** The page's languages to pick from, named in English and in themselves: `Spanish (español)`. */
export function languageChoices(): { tag: string; label: string }[] {
  return pageLanguages.map((tag) => {
    const english = new Intl.DisplayNames(["en"], { type: "language" }).of(tag) ?? tag;
    const own = new Intl.DisplayNames([tag], { type: "language" }).of(tag) ?? tag;
    return { tag, label: own.toLowerCase() === english.toLowerCase() ? english : `${english} (${own})` };
  });
}

/** Every text of the recorder page, with its default in `language` (English when none). */
export function pageTexts(language: string | null): { key: StringKey; text: string }[] {
  const strings = stringsFor(language);
  return (Object.keys(strings) as StringKey[]).map((key) => ({ key, text: strings[key] }));
}

/** Whether the recorder page has a text `key` (an override of any other key does nothing). */
export function isPageText(key: string): key is StringKey {
  return Object.prototype.hasOwnProperty.call(stringsFor(null), key);
}

/** The overrides as saved: only non-empty texts of keys the page has. */
export function overridesToSave(strings: Partial<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, text] of Object.entries(strings)) {
    if (typeof text === "string" && text.trim() !== "" && isPageText(key)) kept[key] = text;
  }
  return kept;
}

/**
 * The consent sentence the page will show, in its language with the campaign's overrides;
 * with no organisation given, what the page says when the server names none either.
 */
export function consentPreview(language: string | null, strings: Partial<Record<string, string>>, organisation: string | null): string {
  const texts = stringsFor(language, overridesToSave(strings));
  const named = organisation?.trim() || texts.consentUnnamedParty;
  return fill(texts.consent, { organisation: named });
}

/** The campaign's public page on `server`: `<server>/c/<slug>`. */
export function publicPageUrl(server: string, slug: string): string {
  return `${server.replace(/\/+$/, "")}/c/${slug}`;
}
