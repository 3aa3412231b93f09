// What the Contacts screen offers for one person, and what it asks before doing it: the
// confirmation names the person and everything the action deletes or stops.

import { ageText } from "./review";
import type { CampaignItem, CampaignPerson, PeopleFilter, Person, PersonStatus, StatusCounts } from "../../bindings/core";

export type PersonAction =
  | { kind: "forget" }
  | { kind: "delete" }
  | { kind: "remove"; item: CampaignItem }
  | { kind: "revoke"; item: CampaignItem };

/** `@maya.bakes (Maya Lopez)`, or the handle alone. */
export function who(person: Person): string {
  const { handle, display_name } = person.contact;
  return display_name ? `@${handle} (${display_name})` : `@${handle}`;
}

/** `1 video`, `2 videos`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A link still in the person's hands: sent (or opened, or used) and not revoked. */
export function liveLink(item: CampaignItem): boolean {
  return item.handed_out && !item.link_revoked;
}

/** Revoke is for a link that went out; one never sent is removed with its item instead. */
export function canRevoke(item: CampaignItem): boolean {
  return item.state !== "in_progress" && liveLink(item) && item.link_url !== null;
}

/** An item being messaged right now is finished in the Queue first. */
export function canRemove(item: CampaignItem): boolean {
  return item.state !== "in_progress";
}

/** Each status as the screen names it. */
export const statusLabels: Record<PersonStatus, string> = {
  queued: "queued",
  sent: "sent",
  opened: "opened",
  started: "started uploading",
  uploaded: "uploaded",
  approved: "approved",
  rejected: "rejected",
  declined: "declined",
  cant_dm: "can't DM",
  skipped: "skipped",
};

/** The filter chips, in funnel order, with their counts: everyone, the useful "opened, not uploaded", then each status. */
export function statusChips(counts: StatusCounts): { key: string; filter: PeopleFilter; label: string; count: number }[] {
  const chips: { key: string; filter: PeopleFilter; label: string; count: number }[] = [
    { key: "all", filter: { kind: "all" }, label: "Everyone", count: counts.total },
    { key: "opened_not_uploaded", filter: { kind: "opened_not_uploaded" }, label: "Opened, not uploaded", count: counts.opened_not_uploaded },
  ];
  const order: PersonStatus[] = ["queued", "sent", "opened", "started", "uploaded", "approved", "rejected", "declined", "cant_dm", "skipped"];
  for (const status of order) {
    chips.push({ key: status, filter: { kind: "status", status }, label: capitalise(statusLabels[status]), count: counts[status] });
  }
  return chips;
}

/** The key of a filter, as its chip is marked. */
export function filterKey(filter: PeopleFilter): string {
  return filter.kind === "status" ? filter.status : filter.kind;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `opened 25 Nov, 10:00`, or for someone put off, `queued (later, until 26 Nov, 09:00)`. */
export function personStatusText(person: CampaignPerson, format: (iso: string) => string = localTime): string {
  const label = statusLabels[person.status];
  if (person.snoozed_until) return `${label} (later, until ${format(person.snoozed_until)})`;
  return `${label} ${format(person.status_at)}`;
}

function localTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** `opened · link revoked · 1 video`: where they stand (a queued one being messaged or put off says so). */
export function itemStatus(item: CampaignItem, now: number = Date.now()): string {
  const words: Partial<Record<CampaignItem["state"], string>> = {
    in_progress: "being messaged",
    snoozed: "later",
  };
  const facts = [item.status === "queued" ? (words[item.state] ?? "queued") : statusLabels[item.status]];
  if (item.sent_by_colleague) {
    // Team mode: who sent them, so nobody here messages them again.
    const by = `sent by ${item.sent_by_colleague}${item.sent_at ? `, ${ageText(item.sent_at, now)}` : ""}`;
    if (item.status === "sent") facts[0] = by;
    else facts.push(by);
  }
  if (item.link_revoked) facts.push("link revoked");
  else if (!item.link_url) facts.push("link not issued yet");
  if (item.videos > 0) facts.push(plural(item.videos, "video"));
  return facts.join(" · ");
}

/** The question asked before `action`, or null when it changes nothing outside this desktop's list. */
export function confirmText(person: Person, action: PersonAction): string | null {
  const name = who(person);
  switch (action.kind) {
    case "revoke":
      return `Revoke ${name}'s link in ${action.item.campaign_name}? Their page will refuse it and any upload from now on. Videos already received stay.`;
    case "remove":
      if (!liveLink(action.item)) return null;
      return `Remove ${name} from ${action.item.campaign_name}? Their link was sent: it will be revoked and their page will refuse uploads. Videos already received stay, and they will not be added to ${action.item.campaign_name} again.`;
    case "delete": {
      const live = person.campaigns.filter(liveLink).length;
      const revokes = live > 0 ? ` The ${plural(live, "link")} they were sent will be revoked first.` : "";
      return `Delete ${name} from this desktop, with their place in ${plural(person.campaigns.length, "campaign")}?${revokes} Their videos stay in Review and their sends still count toward today's cap.`;
    }
    case "forget": {
      const links = person.campaigns.filter((c) => c.link_url !== null).length;
      return (
        `Forget ${name}? On the server: ${plural(person.videos, "video")}, their uploads and ${plural(links, "link")} are deleted. ` +
        `Here: the contact, their campaigns and the details of their history. Only their handle and user id are kept, so they are never messaged again. This cannot be undone.`
      );
    }
  }
}
