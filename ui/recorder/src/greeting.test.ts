import { describe, expect, it } from "vitest";
import { recipientName } from "./greeting";

describe("the page greets the recipient by name", () => {
  it("a_known_display_name_is_used", () => {
    expect(recipientName({ display_name: "Maya Bakes 🍰", handle: "maya.bakes" })).toBe("Maya Bakes 🍰");
  });

  it("without_a_display_name_the_handle_is_used", () => {
    expect(recipientName({ display_name: null, handle: "maya.bakes" })).toBe("@maya.bakes");
    expect(recipientName({ display_name: "   ", handle: "maya.bakes" })).toBe("@maya.bakes");
  });
});
