// The app's screens in navigation order; the URL hash names the one shown.

export const screens = [
  { id: "queue", label: "Queue", key: "1" },
  { id: "contacts", label: "Contacts", key: "2" },
  { id: "campaigns", label: "Campaigns", key: "3" },
  { id: "review", label: "Review", key: "4" },
  { id: "dashboard", label: "Dashboard", key: "5" },
  { id: "settings", label: "Settings", key: "6" },
] as const;

export type ScreenId = (typeof screens)[number]["id"];

export const defaultScreen: ScreenId = "queue";

/** `#/review` → `review`; anything unknown falls back to the queue. */
export function screenFromHash(hash: string): ScreenId {
  const id = hash.replace(/^#\/?/, "").split(/[/?]/)[0];
  const found = screens.find((screen) => screen.id === id);
  return found ? found.id : defaultScreen;
}

export function hashFor(id: ScreenId): string {
  return `#/${id}`;
}

/** The screen a number key jumps to, unless the key was typed into a field. */
export function screenForKey(key: string, typingInField: boolean): ScreenId | null {
  if (typingInField) return null;
  const found = screens.find((screen) => screen.key === key);
  return found ? found.id : null;
}
