import { describe, expect, it } from "vitest";
import type { CampaignClash, CampaignInput, Template } from "../../bindings/core";
import { stringsFor } from "../../recorder/src/strings";
import {
  addFollowup,
  addPart,
  clashDifferences,
  clashHeadline,
  consentPreview,
  errorByField,
  hasItsPlace,
  inputOf,
  isPageText,
  languageChoices,
  leaseMinutes,
  leaseSeconds,
  linksExpireAt,
  movePart,
  overridesToSave,
  pageTexts,
  placeholder,
  publicPageUrl,
  removeFollowup,
  removePart,
  teamSettingsError,
  withKind,
} from "./campaignForm";

const template: Template = {
  parts: [
    { kind: "text", variants: ["Hi {{first_name|there}}", "Hey {{handle}}"] },
    { kind: "tiktok_video", variants: ["https://www.tiktok.com/@us/video/1"] },
  ],
};

describe("the editor's parts", () => {
  it("adds an empty text part at the end, leaving the original alone", () => {
    const added = addPart(template);
    expect(added.parts).toHaveLength(3);
    expect(added.parts[2]).toEqual({ kind: "text", variants: [""] });
    expect(template.parts).toHaveLength(2);
  });

  it("removes a part but never the last one", () => {
    expect(removePart(template, 0).parts).toEqual([template.parts[1]]);
    const one = { parts: [{ kind: "text" as const, variants: ["x"] }] };
    expect(removePart(one, 0)).toBe(one);
  });

  it("moves a part within bounds", () => {
    expect(movePart(template, 1, -1).parts.map((p) => p.kind)).toEqual(["tiktok_video", "text"]);
    expect(movePart(template, 1, 1)).toBe(template);
    expect(movePart(template, 0, -1)).toBe(template);
  });

  it("turns a text part into a video link with one address", () => {
    expect(withKind(template, 0, "tiktok_video").parts[0]).toEqual({ kind: "tiktok_video", variants: ["Hi {{first_name|there}}"] });
    expect(withKind(template, 1, "text").parts[1]).toEqual({ kind: "text", variants: ["https://www.tiktok.com/@us/video/1"] });
  });

  it("writes variables as they are typed in a template", () => {
    expect(placeholder("link")).toBe("{{link}}");
  });
});

describe("errorByField", () => {
  it("puts an invalid field's message beside that field", () => {
    expect(errorByField({ code: "invalid", message: "daily_cap: must be 1 to 1000 a day", field: "daily_cap" })).toEqual({
      field: "daily_cap",
      message: "daily_cap: must be 1 to 1000 a day",
    });
  });

  it("puts anything else on the form", () => {
    expect(errorByField({ code: "internal", message: "something went wrong", field: null }).field).toBe("form");
    expect(errorByField(new Error("boom"))).toEqual({ field: "form", message: "boom" });
  });
});

describe("the recipient's page in the editor", () => {
  it("offers the languages the recorder page speaks, named for the operator", () => {
    const choices = languageChoices();
    expect(choices.map((c) => c.tag)).toEqual(["en", "es"]);
    expect(choices.find((c) => c.tag === "es")?.label).toBe("Spanish (español)");
    expect(choices.find((c) => c.tag === "en")?.label).toBe("English");
  });

  it("lists every text of the page with its default in the chosen language", () => {
    const english = pageTexts(null);
    expect(english.map((t) => t.key)).toEqual(Object.keys(stringsFor(null)));
    expect(english.find((t) => t.key === "doneTitle")?.text).toBe("Thank you!");
    expect(pageTexts("es").find((t) => t.key === "doneTitle")?.text).toBe("¡Gracias!");
  });

  it("saves only non-empty overrides of texts the page has", () => {
    expect(overridesToSave({ doneTitle: "¡Mil gracias!", retake: "  ", upload: "", notAKey: "x" })).toEqual({
      doneTitle: "¡Mil gracias!",
    });
    expect(isPageText("consent")).toBe(true);
    expect(isPageText("toString")).toBe(false);
  });

  it("previews the consent in the page's language, with an override and the organisation", () => {
    expect(consentPreview("es", {}, " Crumb & Co. ")).toBe("Acepto que Crumb & Co. guarde este video y lo use en su contenido.");
    expect(consentPreview(null, {}, "")).toBe(
      "I agree that the team that sent me this link may keep this video and use it in its content.",
    );
    expect(consentPreview("en", { consent: "{organisation} may use my video." }, "Crumb")).toBe("Crumb may use my video.");
  });

  it("says links stop working days after the campaign was created, or after saving a new one", () => {
    const created = "2026-03-01T10:00:00Z";
    expect(linksExpireAt(created, 30)?.toISOString()).toBe("2026-03-31T10:00:00.000Z");
    expect(linksExpireAt(null, 1, Date.parse("2026-05-05T00:00:00Z"))?.toISOString()).toBe("2026-05-06T00:00:00.000Z");
    expect(linksExpireAt(created, null)).toBeNull();
    expect(linksExpireAt(created, 0)).toBeNull();
  });

  it("puts the public page at <server>/c/<slug>", () => {
    expect(publicPageUrl("http://127.0.0.1:8750/", "spring")).toBe("http://127.0.0.1:8750/c/spring");
  });

  it("shows an override's error beside that text, and unknown fields on the form", () => {
    expect(hasItsPlace("strings.doneTitle")).toBe(true);
    expect(hasItsPlace("organisation")).toBe(true);
    expect(hasItsPlace("language")).toBe(true);
    expect(hasItsPlace("server")).toBe(false);
  });

  it("edits a copy of a campaign without its id, slug or creation time", () => {
    const input = inputOf({
      id: 3,
      slug: "spring",
      created_at: "2026-03-01T10:00:00Z",
      name: "Spring",
      template: { parts: [{ kind: "text", variants: ["Hi {{link}}"] }] },
      landing_title: "",
      prompt: "",
      max_duration_s: 60,
      link_expiry_days: 7,
      dm_url_with_id: "https://www.tiktok.com/messages?u={user_id}",
      dm_url_without_id: "https://www.tiktok.com/@{handle}",
      pacing: { daily_cap: 50, min_spacing_s: 90 },
      language: "es",
      public_page: true,
      strings: { doneTitle: "¡Mil gracias!" },
      organisation: "Crumb",
      followups: [{ template: { parts: [{ kind: "text", variants: ["Again {{link}}"] }] }, delay_days: 2, condition: "no_open" }],
      followups_first: false,
      hold_days: 0,
      lease_s: 120,
    });
    expect(Object.keys(input)).not.toContain("created_at");
    expect([input.hold_days, input.lease_s], "the team settings go with the copy").toEqual([0, 120]);
    expect(input.followups[0]?.delay_days).toBe(2);
    expect(input.strings).toEqual({ doneTitle: "¡Mil gracias!" });
  });
});

describe("the editor's follow-ups", () => {
  it("adds steps holding the link, at most three, and removes one without touching the rest", () => {
    const one = addFollowup([]);
    expect(one).toEqual([{ template: { parts: [{ kind: "text", variants: ["{{link}}"] }] }, delay_days: 3, condition: "no_open" }]);
    const three = addFollowup(addFollowup(one));
    expect(three.map((s) => s.condition)).toEqual(["no_open", "no_upload", "no_upload"]);
    expect(addFollowup(three)).toHaveLength(3);
    three[1]!.delay_days = 7;
    const removed = removeFollowup(three, 0);
    expect(removed.map((s) => s.delay_days)).toEqual([7, 3]);
    expect(three).toHaveLength(3);
    removed[0]!.template.parts[0]!.variants[0] = "changed {{link}}";
    expect(three[1]!.template.parts[0]!.variants[0]).toBe("{{link}}");
  });

  it("places an error about a step beside that step's field", () => {
    expect(hasItsPlace("followups.1.delay_days")).toBe(true);
    expect(hasItsPlace("followups")).toBe(true);
    expect(hasItsPlace("server")).toBe(false);
  });
});

describe("the team settings", () => {
  it("shows the lease in minutes and saves it in seconds", () => {
    expect(leaseMinutes(900)).toBe(15);
    expect(leaseMinutes(90)).toBe(1.5);
    expect(leaseMinutes(undefined)).toBe(15);
    expect(leaseSeconds(20)).toBe(1200);
    expect(leaseSeconds(1.5)).toBe(90);
    expect(leaseSeconds(null)).toBeNaN();
  });

  it("names the field of a setting the server would refuse, before anything is sent", () => {
    expect(teamSettingsError({ hold_days: 30, lease_s: 900 })).toBeNull();
    expect(teamSettingsError({})?.field, "an emptied box is not the default").toBe("hold_days");
    expect(teamSettingsError({ hold_days: 30 })?.field).toBe("lease_s");
    expect(teamSettingsError({ hold_days: 0, lease_s: 86_400 })).toBeNull();
    expect(teamSettingsError({ hold_days: 366, lease_s: 900 })?.field).toBe("hold_days");
    expect(teamSettingsError({ hold_days: 2.5, lease_s: 900 })?.field).toBe("hold_days");
    expect(teamSettingsError({ hold_days: null as unknown as number, lease_s: 900 })?.field).toBe("hold_days");
    expect(teamSettingsError({ hold_days: 30, lease_s: 4 })?.field).toBe("lease_s");
    expect(teamSettingsError({ hold_days: 30, lease_s: leaseSeconds(null) })?.field).toBe("lease_s");
    expect(teamSettingsError({ hold_days: 30, lease_s: 86_460 })?.field).toBe("lease_s");
    expect(hasItsPlace("hold_days") && hasItsPlace("lease_s")).toBe(true);
  });
});

function spring(): CampaignInput {
  return {
    name: "Spring",
    template: { parts: [{ kind: "text", variants: ["Hi {{handle}} {{link}}"] }] },
    landing_title: "",
    prompt: "Show us",
    max_duration_s: 60,
    link_expiry_days: null,
    dm_url_with_id: "https://www.tiktok.com/messages?u={user_id}",
    dm_url_without_id: "https://www.tiktok.com/@{handle}",
    pacing: { daily_cap: 50, min_spacing_s: 0 },
    language: null,
    public_page: false,
    strings: {},
    organisation: null,
    followups: [],
    followups_first: true,
    hold_days: 30,
    lease_s: 900,
  };
}

describe("a colleague's clashing edit", () => {
  const clash = (theirs: Partial<CampaignInput>, editor: string | null = "ana"): CampaignClash => ({
    campaign_id: 1,
    mine: spring(),
    theirs: { ...spring(), ...theirs },
    their_version: 4,
    their_editor: editor,
  });

  it("names who changed it and the version, or a colleague when the server did not say", () => {
    expect(clashHeadline(clash({}))).toMatch(/^ana changed this campaign on the server \(version 4\)/);
    expect(clashHeadline(clash({}, null))).toMatch(/^A colleague changed this campaign/);
  });

  it("lists only the settings that differ, side by side", () => {
    const rows = clashDifferences(
      clash({
        name: "Spring!",
        template: { parts: [{ kind: "text", variants: ["Hey {{handle}} {{link}}", "Yo {{link}}"] }] },
        strings: { doneTitle: "Thanks!" },
        pacing: { daily_cap: 20, min_spacing_s: 0 },
        lease_s: 300,
        dm_url_without_id: "https://www.tiktok.com/@{handle}?lang=en",
      }),
    );
    expect(rows.map((r) => r.label)).toEqual([
      "Name",
      "Message",
      "Page texts",
      "Daily cap",
      "A started contact stays yours",
      "DM page without one",
    ]);
    expect(rows[1]).toEqual({ label: "Message", mine: "Part 1: Hi {{handle}} {{link}}", theirs: "Part 1: Hey {{handle}} {{link}}\n  or: Yo {{link}}" });
    expect(rows[2]).toEqual({ label: "Page texts", mine: "(the page's own)", theirs: "doneTitle: Thanks!" });
    expect(rows[4]).toEqual({ label: "A started contact stays yours", mine: "15 min", theirs: "5 min" });
    expect(clashDifferences(clash({}))).toEqual([]);
  });

  it("counts a setting absent from an old definition as the server's default", () => {
    const old = spring();
    delete old.hold_days;
    delete old.lease_s;
    expect(clashDifferences({ ...clash({}), theirs: old })).toEqual([]);
  });
});
