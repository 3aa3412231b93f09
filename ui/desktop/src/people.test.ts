import { describe, expect, it } from "vitest";
import type { CampaignItem, Person } from "../../bindings/core";
import { canRemove, canRevoke, confirmText, itemStatus, who } from "./people";

function item(fields: Partial<CampaignItem> = {}): CampaignItem {
  return {
    outreach_id: 1,
    campaign_name: "Spring",
    state: "queued",
    link_url: "http://127.0.0.1/r/abc",
    handed_out: false,
    link_revoked: false,
    videos: 0,
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
});
