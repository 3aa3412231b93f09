import { describe, expect, it } from "vitest";
import type { Template } from "../../bindings/core";
import { addPart, errorByField, movePart, placeholder, removePart, withKind } from "./campaignForm";

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
