import { describe, expect, it } from "vitest";
import { linkToken } from "./token";

describe("linkToken", () => {
  it("reads a base64url token from /r/<token>", () => {
    expect(linkToken("/r/AbC-_0123456789xyzQW")).toBe("AbC-_0123456789xyzQW");
    expect(linkToken("/r/AbC-_0123456789xyzQW/")).toBe("AbC-_0123456789xyzQW");
  });

  it("refuses paths without a plausible token", () => {
    expect(linkToken("/")).toBeNull();
    expect(linkToken("/r/short")).toBeNull();
    expect(linkToken("/r/has space in it 12345")).toBeNull();
    expect(linkToken("/c/campaign")).toBeNull();
  });
});
