// The queue's keyboard: which key does what, given what is on screen. Pure, so it is tested
// without a window.

import type { CantDmReason, Outcome } from "../../bindings/core";

export const SNOOZE_MS = 24 * 60 * 60 * 1000;

/** Picked with 1–4 after `F`, in this order. */
export const cantDmReasons: { reason: CantDmReason; label: string }[] = [
  { reason: "privacy_settings", label: "Privacy settings" },
  { reason: "not_following", label: "Not following" },
  { reason: "age", label: "Age" },
  { reason: "other", label: "Other" },
];

export type QueueAction =
  | { kind: "start" }
  /** Copy the first part and open the DM page. */
  | { kind: "send" }
  | { kind: "copy_next" }
  | { kind: "mark"; outcome: Outcome }
  | { kind: "choose_reason" }
  | { kind: "cancel_reason" }
  | { kind: "undo" }
  /** "Send anyway…": ask first, saying what it risks. */
  | { kind: "ask_send_anyway" }
  | { kind: "confirm_send_anyway" }
  | { kind: "cancel_send_anyway" };

export type QueueKeyState = {
  /** A contact is started and waiting for its outcome. */
  started: boolean;
  /** `F` was pressed and a reason is being picked. */
  choosingReason: boolean;
  /** Pacing waits and the next contact is shown, not started: only what sends nothing. */
  triage?: boolean;
  /** The "Send anyway" confirmation is open: it takes no queue key but Escape. */
  confirmingSendAnyway?: boolean;
};

/** The action for `key`, or null when the key means nothing here (it is then left alone). */
export function actionForKey(key: string, state: QueueKeyState, now: number): QueueAction | null {
  if (state.confirmingSendAnyway) return key === "Escape" ? { kind: "cancel_send_anyway" } : null;
  if (state.choosingReason) {
    const choice = cantDmReasons[["1", "2", "3", "4"].indexOf(key)];
    if (choice) return { kind: "mark", outcome: { outcome: "cant_dm", reason: choice.reason } };
    if (key === "Escape") return { kind: "cancel_reason" };
    return null;
  }
  const lower = key.length === 1 ? key.toLowerCase() : key;
  if (lower === "u") return { kind: "undo" };
  if (!state.started && state.triage) {
    // Skip, can't DM and later send nothing, so pacing does not hold them back; copying,
    // opening the DM page and marking sent wait (Enter only asks again).
    return lower === "Enter" ? { kind: "start" } : triageAction(lower, now);
  }
  if (!state.started) return key === "Enter" ? { kind: "start" } : null;
  switch (lower) {
    case "Enter":
      return { kind: "send" };
    case "c":
      return { kind: "copy_next" };
    case "s":
      return { kind: "mark", outcome: { outcome: "sent" } };
    default:
      return triageAction(lower, now);
  }
}

/** K, F and L (a lower-case key): skip, can't DM (a reason next) and later, which send nothing. */
function triageAction(key: string, now: number): QueueAction | null {
  switch (key) {
    case "k":
      return { kind: "mark", outcome: { outcome: "skipped" } };
    case "f":
      return { kind: "choose_reason" };
    case "l":
      return { kind: "mark", outcome: { outcome: "snoozed", until: now + SNOOZE_MS } };
    default:
      return null;
  }
}

/**
 * What Enter on a started contact did, as the notice says it: the DM page when the contact has
 * a TikTok user id, else their profile page (where the operator presses Message).
 */
export function sendNotice(parts: number, hasUserId: boolean): string {
  const page = hasUserId ? "the DM page" : "their profile page (no user id: press Message there)";
  return parts > 1
    ? `Copied part 1 of ${parts} and opened ${page}: paste and send, then C for the next part`
    : `Copied the message and opened ${page}: paste and send, then S`;
}

/** True when a key went to a form field, where it is text, not a command. */
export function typingIn(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== "string") return false;
  const element = target as HTMLElement;
  return element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
}
