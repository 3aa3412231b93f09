import { describe, expect, it } from "vitest";
import { parseRoute } from "./route";

describe("the page reads what the recipient opened", () => {
  it("a_personal_link_gives_its_token", () => {
    expect(parseRoute("/r/AbC-_0123456789xyzQW")).toEqual({ kind: "link", token: "AbC-_0123456789xyzQW" });
    expect(parseRoute("/r/AbC-_0123456789xyzQW/")).toEqual({ kind: "link", token: "AbC-_0123456789xyzQW" });
  });

  it("a_campaign_page_gives_its_slug", () => {
    expect(parseRoute("/c/summer-2025")).toEqual({ kind: "campaign", slug: "summer-2025" });
  });

  it("a_truncated_or_mangled_link_is_not_a_link", () => {
    expect(parseRoute("/")).toEqual({ kind: "none" });
    expect(parseRoute("/r/short")).toEqual({ kind: "none" });
    expect(parseRoute("/r/has space in it 12345")).toEqual({ kind: "none" });
    expect(parseRoute("/r/AbC-_0123456789xyzQW/extra")).toEqual({ kind: "none" });
    expect(parseRoute("/c/")).toEqual({ kind: "none" });
    expect(parseRoute("/c/a/b")).toEqual({ kind: "none" });
  });
});
