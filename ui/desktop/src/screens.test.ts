import { describe, expect, it } from "vitest";
import { hashFor, screenForKey, screenFromHash, screens } from "./screens";

describe("screenFromHash", () => {
  it("reads the screen named in the hash", () => {
    expect(screenFromHash("#/review")).toBe("review");
    expect(screenFromHash("#settings")).toBe("settings");
    expect(screenFromHash("#/contacts/maya.bakes")).toBe("contacts");
  });

  it("falls back to the queue for an empty or unknown hash", () => {
    expect(screenFromHash("")).toBe("queue");
    expect(screenFromHash("#/nope")).toBe("queue");
  });

  it("round-trips every screen through its hash", () => {
    for (const screen of screens) {
      expect(screenFromHash(hashFor(screen.id))).toBe(screen.id);
    }
  });
});

describe("screenForKey", () => {
  it("maps number keys to screens in navigation order", () => {
    expect(screenForKey("1", false)).toBe("queue");
    expect(screenForKey("6", false)).toBe("settings");
    expect(screenForKey("7", false)).toBeNull();
  });

  it("ignores keys typed into a field", () => {
    expect(screenForKey("1", true)).toBeNull();
  });
});
