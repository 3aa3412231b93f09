// Which container and codecs MediaRecorder should record in, given what the browser supports.

export type RecordingFormat = { mimeType: string; extension: "webm" | "mp4" };

/**
 * WebM first (Chrome, Firefox, Android): VP8 before VP9 because phones encode it in real
 * time more reliably, and the server converts everything anyway. MP4 H.264 + AAC is what iOS
 * Safari records. Order matters: the first supported entry wins.
 */
export const PREFERRED_FORMATS: readonly RecordingFormat[] = [
  { mimeType: "video/webm;codecs=vp8,opus", extension: "webm" },
  { mimeType: "video/webm;codecs=vp9,opus", extension: "webm" },
  { mimeType: "video/webm", extension: "webm" },
  { mimeType: "video/mp4;codecs=avc1.42E01E,mp4a.40.2", extension: "mp4" },
  { mimeType: "video/mp4;codecs=avc1,mp4a", extension: "mp4" },
  { mimeType: "video/mp4", extension: "mp4" },
];

/**
 * The first preferred format the browser can record, or null to let MediaRecorder pick its
 * own default. `isTypeSupported` is `MediaRecorder.isTypeSupported` in the page.
 */
export function chooseFormat(isTypeSupported: (mimeType: string) => boolean): RecordingFormat | null {
  for (const format of PREFERRED_FORMATS) {
    try {
      if (isTypeSupported(format.mimeType)) return format;
    } catch {
      // Some old WebKit builds throw on codec strings they do not parse; try the next one.
    }
  }
  return null;
}

/** The file extension for what a recorder actually produced (its `mimeType` may differ from what we asked). */
export function extensionFor(mimeType: string): string {
  const type = mimeType.toLowerCase();
  if (type.startsWith("video/mp4")) return "mp4";
  if (type.startsWith("video/quicktime")) return "mov";
  return "webm";
}
