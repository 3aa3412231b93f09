import { describe, expect, it } from "vitest";
import { actionForKey, sendNotice, SNOOZE_MS } from "./queueKeys";

const idle = { started: false, choosingReason: false };
const started = { started: true, choosingReason: false };
const choosing = { started: true, choosingReason: true };
/** Pacing waits; the next contact is shown, not started. */
const triage = { started: false, choosingReason: false, triage: true };
const triageChoosing = { started: false, choosingReason: true, triage: true };
const confirming = { started: false, choosingReason: false, triage: true, confirmingSendAnyway: true };

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

  it("while pacing waits, skips, can't-DMs and puts off the contact shown, since those send nothing", () => {
    expect(actionForKey("k", triage, 0)).toEqual({ kind: "mark", outcome: { outcome: "skipped" } });
    expect(actionForKey("F", triage, 0)).toEqual({ kind: "choose_reason" });
    expect(actionForKey("2", triageChoosing, 0)).toEqual({ kind: "mark", outcome: { outcome: "cant_dm", reason: "not_following" } });
    expect(actionForKey("l", triage, 5)).toEqual({ kind: "mark", outcome: { outcome: "snoozed", until: 5 + SNOOZE_MS } });
    expect(actionForKey("u", triage, 0)).toEqual({ kind: "undo" });
  });

  it("while pacing waits, neither marks sent nor copies: S and C do nothing, Enter only asks again", () => {
    expect(actionForKey("s", triage, 0)).toBeNull();
    expect(actionForKey("c", triage, 0)).toBeNull();
    expect(actionForKey("Enter", triage, 0)).toEqual({ kind: "start" });
  });

  it("takes no queue key while Send anyway asks for confirmation, and Escape cancels it", () => {
    expect(actionForKey("k", confirming, 0)).toBeNull();
    expect(actionForKey("Enter", confirming, 0)).toBeNull();
    expect(actionForKey("Escape", confirming, 0)).toEqual({ kind: "cancel_send_anyway" });
  });
});

describe("sendNotice", () => {
  it("says the DM page when the contact has a user id, and the profile page when not", () => {
    expect(sendNotice(1, true)).toBe("Copied the message and opened the DM page: paste and send, then S");
    expect(sendNotice(2, false)).toBe(
      "Copied part 1 of 2 and opened their profile page (no user id: press Message there): paste and send, then C for the next part",
    );
  });
});
