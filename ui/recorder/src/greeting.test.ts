import { describe, expect, it } from "vitest";
import { recipientName } from "./greeting";

describe("the page greets the recipient by name", () => {
  it("the_first_name_the_dm_used_is_used", () => {
    expect(recipientName({ first_name: "Maya", handle: "maya.bakes" })).toBe("Maya");
  });

  it("without_a_first_name_the_handle_is_used", () => {
    expect(recipientName({ first_name: null, handle: "maya.bakes" })).toBe("@maya.bakes");
    expect(recipientName({ first_name: "   ", handle: "maya.bakes" })).toBe("@maya.bakes");
  });
});
