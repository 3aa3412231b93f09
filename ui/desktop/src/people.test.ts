import { describe, expect, it } from "vitest";
import type { CampaignItem, CampaignPerson, Person, StatusCounts } from "../../bindings/core";
import { canRemove, canRevoke, confirmText, filterKey, itemStatus, personStatusText, statusChips, who } from "./people";

function item(fields: Partial<CampaignItem> = {}): CampaignItem {
  return {
    outreach_id: 1,
    campaign_name: "Spring",
    state: "queued",
    link_url: "http://127.0.0.1/r/abc",
    handed_out: false,
    link_revoked: false,
    videos: 0,
    status: fields.state === "sent" ? "sent" : "queued",
    status_at: "2026-11-25T10:00:00Z",
    sent_by_colleague: null,
    sent_at: null,
    ...fields,
  };
}

function person(campaigns: CampaignItem[], videos = 0): Person {
  return {
    contact: { id: 1, handle: "maya.bakes", user_id: null, display_name: "Maya", tags: [], notes: "", source: null },
    campaigns,
    history: [],
    videos,
    suppressed: null,
  };
}

describe("people controls", () => {
  it("removing a contact nobody messaged asks nothing; after the link was sent it says the link is revoked", () => {
    const maya = person([item()]);
    expect(confirmText(maya, { kind: "remove", item: item() })).toBeNull();
    const sent = item({ state: "sent", handed_out: true });
    expect(confirmText(maya, { kind: "remove", item: sent })).toMatch(/^Remove @maya\.bakes \(Maya\) from Spring\? .*revoked/);
  });

  it("forgetting names the person and everything deleted", () => {
    const text = confirmText(person([item({ state: "sent", handed_out: true, videos: 1 }), item()], 1), { kind: "forget" });
    expect(text).toContain("Forget @maya.bakes (Maya)?");
    expect(text).toContain("1 video, their uploads and 2 links are deleted");
    expect(text).toContain("cannot be undone");
  });

  it("deleting says which links are revoked and that sends still count", () => {
    const text = confirmText(person([item({ state: "sent", handed_out: true }), item()]), { kind: "delete" });
    expect(text).toContain("The 1 link they were sent will be revoked first.");
    expect(text).toContain("still count toward today's cap");
  });

  it("only a link that went out can be revoked, and nothing being messaged is touched", () => {
    expect(canRevoke(item())).toBe(false);
    expect(canRevoke(item({ state: "sent", handed_out: true }))).toBe(true);
    expect(canRevoke(item({ state: "sent", handed_out: true, link_revoked: true }))).toBe(false);
    expect(canRemove(item({ state: "in_progress", handed_out: true }))).toBe(false);
    expect(canRevoke(item({ state: "in_progress", handed_out: true }))).toBe(false);
  });

  it("an item's status says when its link is revoked and how many videos came", () => {
    expect(itemStatus(item({ state: "sent", handed_out: true, link_revoked: true, videos: 2 }))).toBe(
      "sent · link revoked · 2 videos",
    );
    expect(itemStatus(item({ link_url: null }))).toBe("queued · link not issued yet");
    expect(who(person([]))).toBe("@maya.bakes (Maya)");
  });

  it("an item's status leads with where the person stands", () => {
    expect(itemStatus(item({ state: "sent", status: "declined", handed_out: true }))).toBe("declined");
    expect(itemStatus(item({ state: "sent", status: "started", handed_out: true }))).toBe("started uploading");
    expect(itemStatus(item({ state: "snoozed", status: "queued" }))).toBe("later");
    expect(itemStatus(item({ state: "in_progress", status: "queued" }))).toBe("being messaged");
    // Team mode: a colleague's send is named, with how long ago; one of this desktop's is not.
    const sent = { state: "sent", handed_out: true, sent_at: "2026-11-25T07:00:00Z" } as const;
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(itemStatus(item({ ...sent, sent_by_colleague: "ana" }), now)).toBe("sent by ana, 3 h ago");
    expect(itemStatus(item({ ...sent, status: "opened", sent_by_colleague: "ana" }), now)).toBe("opened · sent by ana, 3 h ago");
    expect(itemStatus(item(sent), now)).toBe("sent");
  });

  it("the chips offer opened-not-uploaded as one click, with every status's count", () => {
    const counts: StatusCounts = {
      total: 9,
      queued: 1,
      sent: 1,
      opened: 2,
      started: 1,
      uploaded: 1,
      approved: 0,
      rejected: 0,
      declined: 1,
      cant_dm: 1,
      skipped: 1,
      opened_not_uploaded: 3,
    };
    const chips = statusChips(counts);
    expect(chips.slice(0, 3).map((c) => [c.label, c.count])).toEqual([
      ["Everyone", 9],
      ["Opened, not uploaded", 3],
      ["Queued", 1],
    ]);
    expect(chips.map((c) => c.key)).toEqual(chips.map((c) => filterKey(c.filter)));
    expect(chips.find((c) => c.key === "cant_dm")?.label).toBe("Can't DM");
    expect(chips).toHaveLength(12);
  });

  it("a person's status says since when, and until when they were put off", () => {
    const base: CampaignPerson = {
      outreach_id: 1,
      contact: person([]).contact,
      status: "opened",
      status_at: "2026-11-25T10:00:00Z",
      snoozed_until: null,
    };
    const iso = (text: string) => text.slice(0, 10);
    expect(personStatusText(base, iso)).toBe("opened 2026-11-25");
    expect(personStatusText({ ...base, status: "queued", snoozed_until: "2026-11-26T09:00:00Z" }, iso)).toBe(
      "queued (later, until 2026-11-26)",
    );
  });
});
