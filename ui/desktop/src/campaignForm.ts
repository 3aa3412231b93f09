// The campaign editor's model: a campaign as the form edits it, the message's parts (added,
// removed, moved, turned into a video link), the recipient's page (its language, texts,
// consent sentence, link expiry, public address), and a save error placed beside its field.
//
// The page's languages and texts come from the recorder's own table (ui/recorder/src/
// strings.ts), imported at build time: one list, so a text added to the page is offered here.

import type { Campaign, CampaignClash, CampaignInput, FollowupCondition, FollowupStep, Part, PartKind, Template } from "../../bindings/core";
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
  "hold_days",
  "lease_s",
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

// Team settings: the cross-campaign hold and the lease of a started contact (the server's
// ranges, crates/server/src/campaigns.rs; core checks them again and names the field).

/** The server's defaults, for settings saved before team mode. */
export const DEFAULT_HOLD_DAYS = 30;
export const DEFAULT_LEASE_S = 900;
export const MAX_HOLD_DAYS = 365;
/** A lease lasts 5 seconds to 24 hours on the server; the editor speaks in minutes. */
export const MIN_LEASE_S = 5;
export const MAX_LEASE_S = 86_400;

/** The lease in whole minutes where it is whole, else to a tenth (a lease set elsewhere in seconds). */
export function leaseMinutes(leaseS: number | undefined): number {
  const seconds = leaseS ?? DEFAULT_LEASE_S;
  return Math.round((seconds / 60) * 10) / 10;
}

/** Minutes as typed (null when the box is empty) → seconds; NaN when not a number. */
export function leaseSeconds(minutes: number | null): number {
  if (minutes === null || !Number.isFinite(minutes)) return Number.NaN;
  return Math.round(minutes * 60);
}

/**
 * What is wrong with the team settings as typed, by field, before anything is sent. An emptied
 * box (null, undefined) is wrong too: left out, the save would quietly get the default.
 */
export function teamSettingsError(input: Pick<CampaignInput, "hold_days" | "lease_s">): { field: string; message: string } | null {
  const hold = input.hold_days;
  if (typeof hold !== "number" || !Number.isInteger(hold) || hold < 0 || hold > MAX_HOLD_DAYS) {
    return { field: "hold_days", message: `hold_days: must be 0 to ${MAX_HOLD_DAYS} days (0: never hold anyone back)` };
  }
  const lease = input.lease_s;
  if (typeof lease !== "number" || !Number.isInteger(lease) || lease < MIN_LEASE_S || lease > MAX_LEASE_S) {
    return { field: "lease_s", message: `lease_s: must be 1 minute to ${MAX_LEASE_S / 3600} hours` };
  }
  return null;
}

// A colleague's clashing edit (crates/core/src/team.rs, CampaignClash): who, and what differs.

/** The banner's sentence: who changed the campaign, from what CampaignClash carries. */
export function clashHeadline(clash: CampaignClash): string {
  const who = clash.their_editor?.trim() || "A colleague";
  return (
    `${who} changed this campaign on the server (version ${clash.their_version}) while your edit here ` +
    `had not reached it yet. Both are kept, nothing is overwritten: choose which one the team uses.`
  );
}

/** One setting that differs between the two versions, as the banner shows it. */
export type ClashRow = { label: string; mine: string; theirs: string };

function partsText(template: Template): string {
  return template.parts
    .map((part, i) => {
      const head = `Part ${i + 1}${part.kind === "tiktok_video" ? " (video link)" : ""}`;
      // A variant on its own line: "|" is a template's own fallback mark.
      return `${head}: ${part.variants.map((v) => v.trim()).join("\n  or: ")}`;
    })
    .join("\n");
}

function stringsText(strings: Partial<Record<string, string>>): string {
  const entries = Object.entries(strings).filter(([, text]) => typeof text === "string" && text.trim() !== "");
  if (entries.length === 0) return "(the page's own)";
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, text]) => `${key}: ${text}`)
    .join("\n");
}

function followupsText(steps: FollowupStep[]): string {
  if (steps.length === 0) return "(none)";
  return steps.map((step, i) => `${i + 1}. after ${step.delay_days} d, ${step.condition}: ${partsText(step.template)}`).join("\n");
}

function orNone(text: string | null | undefined, none = "(none)"): string {
  return text == null || text.trim() === "" ? none : text;
}

/** Every setting whose two versions differ, in the editor's order; empty when they are the same. */
export function clashDifferences(clash: CampaignClash): ClashRow[] {
  const rows: { label: string; of: (input: CampaignInput) => string }[] = [
    { label: "Name", of: (i) => i.name },
    { label: "Message", of: (i) => partsText(i.template) },
    { label: "Follow-ups", of: (i) => followupsText(i.followups) },
    { label: "Landing title", of: (i) => orNone(i.landing_title, "(the name)") },
    { label: "Prompt", of: (i) => orNone(i.prompt) },
    { label: "Longest video", of: (i) => `${i.max_duration_s} s` },
    { label: "Language", of: (i) => orNone(i.language, "en") },
    { label: "Page texts", of: (i) => stringsText(i.strings) },
    { label: "Organisation", of: (i) => orNone(i.organisation) },
    { label: "Links stop after", of: (i) => (i.link_expiry_days == null ? "never" : `${i.link_expiry_days} days`) },
    { label: "Public page", of: (i) => (i.public_page ? "on" : "off") },
    { label: "Daily cap", of: (i) => `${i.pacing.daily_cap} a day` },
    { label: "Spacing", of: (i) => `${i.pacing.min_spacing_s} s` },
    { label: "Hold people messaged elsewhere", of: (i) => `${i.hold_days ?? DEFAULT_HOLD_DAYS} days` },
    { label: "A started contact stays yours", of: (i) => `${leaseMinutes(i.lease_s)} min` },
    { label: "DM page with a user id", of: (i) => i.dm_url_with_id },
    { label: "DM page without one", of: (i) => i.dm_url_without_id },
  ];
  return rows
    .map(({ label, of }) => ({ label, mine: of(clash.mine), theirs: of(clash.theirs) }))
    .filter((row) => row.mine !== row.theirs);
}
