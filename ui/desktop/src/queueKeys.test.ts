import { describe, expect, it } from "vitest";
import { actionForKey, SNOOZE_MS } from "./queueKeys";

const idle = { started: false, choosingReason: false };
const started = { started: true, choosingReason: false };
const choosing = { started: true, choosingReason: true };

describe("actionForKey", () => {
  it("starts the next contact with Enter when nothing is started", () => {
    expect(actionForKey("Enter", idle, 0)).toEqual({ kind: "start" });
    expect(actionForKey("s", idle, 0)).toBeNull();
  });

  it("copies the first part and opens the DM page with Enter once a contact is started", () => {
    expect(actionForKey("Enter", started, 0)).toEqual({ kind: "send" });
    expect(actionForKey("c", started, 0)).toEqual({ kind: "copy_next" });
  });

  it("marks outcomes with one key, upper or lower case", () => {
    expect(actionForKey("S", started, 0)).toEqual({ kind: "mark", outcome: { outcome: "sent" } });
    expect(actionForKey("k", started, 0)).toEqual({ kind: "mark", outcome: { outcome: "skipped" } });
  });

  it("snoozes for a day with L", () => {
    expect(actionForKey("l", started, 1000)).toEqual({
      kind: "mark",
      outcome: { outcome: "snoozed", until: 1000 + SNOOZE_MS },
    });
  });

  it("asks for a reason after F and takes it from 1 to 4", () => {
    expect(actionForKey("f", started, 0)).toEqual({ kind: "choose_reason" });
    expect(actionForKey("1", choosing, 0)).toEqual({
      kind: "mark",
      outcome: { outcome: "cant_dm", reason: "privacy_settings" },
    });
    expect(actionForKey("4", choosing, 0)).toEqual({ kind: "mark", outcome: { outcome: "cant_dm", reason: "other" } });
    expect(actionForKey("Escape", choosing, 0)).toEqual({ kind: "cancel_reason" });
    expect(actionForKey("s", choosing, 0)).toBeNull();
  });

  it("undoes with U whether or not a contact is started", () => {
    expect(actionForKey("u", idle, 0)).toEqual({ kind: "undo" });
    expect(actionForKey("U", started, 0)).toEqual({ kind: "undo" });
  });

  it("leaves number keys alone outside the reason choice, so they still switch screens", () => {
    expect(actionForKey("1", started, 0)).toBeNull();
  });
});
