// What the user agent tells us about where the page runs: TikTok's in-app browser, iOS or not.

/** TikTok's webview names itself in several ways across versions and platforms. */
const TIKTOK_MARKERS = /BytedanceWebview|musical_ly|TikTok/i;

/** True inside TikTok's in-app browser, which blocks the camera (and sometimes the file picker). */
export function isTikTokInApp(userAgent: string): boolean {
  return TIKTOK_MARKERS.test(userAgent);
}

/** iPhones and iPads, including iPadOS that claims to be a Mac but has a touch screen. */
export function isIOS(userAgent: string, maxTouchPoints = 0): boolean {
  return /iPhone|iPad|iPod/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
}

/** The browser to send the user to: the one that owns links on their phone. */
export function outsideBrowserName(userAgent: string, maxTouchPoints = 0): string {
  if (isIOS(userAgent, maxTouchPoints)) return "Safari";
  if (/Android/.test(userAgent)) return "Chrome";
  return "Safari / Chrome";
}
