// Copying the page's link so it can be pasted into a real browser; TikTok's webview often
// has no Clipboard API, so the old select-and-copy is the fallback.

/** Resolves true when the link is on the clipboard; the field is left selected either way. */
export function copyLink(url: string, field: HTMLInputElement): Promise<boolean> {
  // Selecting first, inside the tap, makes a long-press "Copy" work even if both ways below fail.
  field.focus();
  field.select();
  field.setSelectionRange(0, url.length);
  const legacyCopy = (): boolean => {
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  };
  if (navigator.clipboard?.writeText) {
    return navigator.clipboard.writeText(url).then(
      () => true,
      () => legacyCopy(),
    );
  }
  return Promise.resolve(legacyCopy());
}
