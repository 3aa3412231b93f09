// Settings → Updates: the words for what the updater found, downloaded and is downloading.

import type { UpdateCheck, UpdateDownload, UpdateProgress } from "../../bindings/core";

/** The headline of the Updates section. */
export function checkHeadline(check: UpdateCheck): string {
  switch (check.state) {
    case "off":
      return `clipdesk ${check.current}: updates are off for this build (${check.reason})`;
    case "up_to_date":
      return `clipdesk ${check.current} is up to date`;
    case "available":
      return `Version ${check.version} is available (this is ${check.current})`;
  }
}

export function downloadHeadline(download: UpdateDownload): string {
  switch (download.state) {
    case "verified":
      return `Version ${download.version} downloaded (${megabytes(download.size)}) and verified: signed with this app's key`;
    case "refused":
      return download.message;
  }
}

/** "3.2 of 10.3 MB (31%)", or "3.2 MB" when the server did not say how much. */
export function progressText(progress: UpdateProgress): string {
  if (progress.total === null || progress.total === 0) return megabytes(progress.downloaded);
  const percent = Math.min(100, Math.floor((progress.downloaded / progress.total) * 100));
  return `${(progress.downloaded / 1e6).toFixed(1)} of ${megabytes(progress.total)} (${percent}%)`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
