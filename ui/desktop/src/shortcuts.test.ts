import { describe, expect, it } from "vitest";
import { actionForKey } from "./queueKeys";
import { reviewActionForKey } from "./review";
import { screenForKey } from "./screens";
import { shortcutSections, togglesShortcuts } from "./shortcuts";

function section(title: string) {
  const found = shortcutSections.find((s) => s.title === title);
  if (!found) throw new Error(`no section ${title}`);
  return found.shortcuts;
}

/** "Space" → " ", "↓" → "ArrowDown", "1–4" → "1", letters lower case. */
function keyOf(label: string): string {
  const named: Record<string, string> = { Space: " ", "↓": "ArrowDown", "↑": "ArrowUp", Esc: "Escape", "1–4": "1", "Shift+1–5": "Shift+1" };
  return named[label] ?? (label.length === 1 ? label.toLowerCase() : label);
}

describe("the shortcut list", () => {
  it("lists a screen key for every screen, each going where it says", () => {
    for (const shortcut of section("Anywhere").filter((s) => /^Go to /.test(s.does))) {
      const target = screenForKey(shortcut.keys[0] ?? "", false);
      expect(shortcut.does.toLowerCase()).toBe(`go to ${target}`);
    }
  });

  it("lists only queue keys the queue acts on", () => {
    const started = { started: true, choosingReason: false };
    for (const shortcut of section("Queue")) {
      expect(actionForKey(keyOf(shortcut.keys[0] ?? ""), started, 0), shortcut.does).not.toBeNull();
    }
  });

  it("gives K one meaning: skip, in the Queue and in Review", () => {
    const skips = shortcutSections.flatMap((s) => s.shortcuts).filter((s) => s.keys.includes("K"));
    expect(skips.length).toBe(2);
    for (const shortcut of skips) expect(shortcut.does).toMatch(/^Skip/);
    expect(reviewActionForKey("k")).toEqual(reviewActionForKey("j"));
  });

  it("lists only review keys the Review screen acts on", () => {
    for (const shortcut of section("Review")) {
      for (const key of shortcut.keys) expect(reviewActionForKey(keyOf(key)), shortcut.does).not.toBeNull();
    }
  });

  it("opens with ? unless typing", () => {
    expect(togglesShortcuts("?", false)).toBe(true);
    expect(togglesShortcuts("?", true)).toBe(false);
    expect(togglesShortcuts("/", false)).toBe(false);
  });
});
