// Every keyboard shortcut, by where it works: what the `?` overlay shows. The screens' key
// handlers (queueKeys.ts, review.ts, screens.ts) are tested against this table, so the
// overlay cannot drift from what the keys do.

import { screens } from "./screens";

export type Shortcut = { keys: string[]; does: string };
export type ShortcutSection = { title: string; shortcuts: Shortcut[] };

export const shortcutSections: ShortcutSection[] = [
  {
    title: "Anywhere",
    shortcuts: [
      ...screens.map((screen) => ({ keys: [screen.key], does: `Go to ${screen.label}` })),
      { keys: ["?"], does: "Show or hide this list" },
      { keys: ["Esc"], does: "Close this list" },
    ],
  },
  {
    title: "Queue",
    shortcuts: [
      { keys: ["Enter"], does: "Start the next contact; then copy the first part and open the DM page" },
      { keys: ["C"], does: "Copy the next part" },
      { keys: ["S"], does: "Mark sent" },
      { keys: ["K"], does: "Skip: on to the next contact, nothing sent (works while pacing waits)" },
      { keys: ["F", "1–4"], does: "Can't DM, then pick the reason (works while pacing waits)" },
      { keys: ["L"], does: "Later: snooze for a day (works while pacing waits)" },
      { keys: ["U"], does: "Undo the last outcome" },
    ],
  },
  {
    title: "Review",
    shortcuts: [
      { keys: ["A"], does: "Approve" },
      { keys: ["R"], does: "Reject" },
      { keys: ["N"], does: "Write a note (Ctrl+Enter saves it)" },
      { keys: ["J", "↓"], does: "Next video" },
      { keys: ["K"], does: "Skip: on to the next video without deciding" },
      { keys: ["↑"], does: "Previous video" },
      { keys: ["Space"], does: "Play or pause" },
      { keys: ["S"], does: "Play speed: 1×, 1.5×, 2×" },
      { keys: [",", "."], does: "Pause, then one frame back or on" },
      { keys: ["P"], does: "Make the current frame the poster" },
      { keys: ["T"], does: "Type a tag (Enter adds it, Esc leaves the field)" },
      { keys: ["Shift+1–5"], does: "Rate 1 to 5 stars" },
      { keys: ["0"], does: "Clear the rating" },
      { keys: ["X"], does: "Tick the video for export" },
      { keys: ["E"], does: "Export videos to a folder" },
    ],
  },
];

/** True when `?` should toggle the overlay: not while typing in a field. */
export function togglesShortcuts(key: string, typingInField: boolean): boolean {
  return key === "?" && !typingInField;
}
