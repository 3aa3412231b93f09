import { describe, expect, it } from "vitest";
import { mirrored, switchChoices } from "./cameraSwitch";

describe("switching between the front and back camera", () => {
  it("one_camera_offers_no_switch", () => {
    expect(switchChoices([], {})).toEqual([]);
    expect(switchChoices(["front"], { deviceId: "front", facingMode: "user" })).toEqual([]);
  });

  it("a_phone_asks_for_the_other_side_first_then_the_next_camera", () => {
    expect(switchChoices(["front", "back", "wide"], { deviceId: "front", facingMode: "user" })).toEqual([
      { facingMode: "environment" },
      { deviceId: "back" },
    ]);
    expect(switchChoices(["front", "back"], { deviceId: "back", facingMode: "environment" })).toEqual([
      { facingMode: "user" },
      { deviceId: "front" },
    ]);
  });

  it("cameras_that_do_not_say_which_way_they_face_go_round_the_list", () => {
    expect(switchChoices(["a", "b"], { deviceId: "a" })).toEqual([{ deviceId: "b" }]);
    expect(switchChoices(["a", "b"], { deviceId: "b", facingMode: "" })).toEqual([{ deviceId: "a" }]);
    expect(switchChoices(["a", "b"], {}), "an unknown open camera starts at the first").toEqual([{ deviceId: "a" }]);
  });

  it("only_the_front_camera_is_mirrored", () => {
    expect(mirrored({ facingMode: "user" })).toBe(true);
    expect(mirrored({})).toBe(true);
    expect(mirrored({ facingMode: "environment" })).toBe(false);
  });
});
