import { describe, expect, it } from "vitest";
import type { Template } from "../../bindings/core";
import { errorByField, placeholder, textVariants, withTextVariants } from "./campaignForm";

const template: Template = {
  parts: [
    { kind: "text", variants: ["Hi {{first_name|there}}", "Hey {{handle}}"] },
    { kind: "tiktok_video", variants: ["https://www.tiktok.com/@us/video/1"] },
  ],
};

describe("the editor's text part", () => {
  it("reads the first text part's variants", () => {
    expect(textVariants(template)).toEqual(["Hi {{first_name|there}}", "Hey {{handle}}"]);
    expect(textVariants({ parts: [] })).toEqual([]);
  });

  it("replaces them and keeps the other parts", () => {
    const changed = withTextVariants(template, ["Hello {{link}}"]);
    expect(changed.parts).toEqual([
      { kind: "text", variants: ["Hello {{link}}"] },
      { kind: "tiktok_video", variants: ["https://www.tiktok.com/@us/video/1"] },
    ]);
    expect(textVariants(template)).toHaveLength(2);
  });

  it("adds a text part to a template without one", () => {
    expect(withTextVariants({ parts: [] }, ["x"])).toEqual({ parts: [{ kind: "text", variants: ["x"] }] });
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
