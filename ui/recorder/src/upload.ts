// Sending a video with tus: resumable, retried while the connection is flaky, resumed after a reload.

import { Upload, type DetailedError } from "tus-js-client";
import { parseProblem, type Problem } from "./errors";

export const UPLOADS_ENDPOINT = "/api/v1/uploads";

/** Spaced so a short drop costs seconds and a long one does not hammer the server. */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];
/** After the retries are used up (or the phone says it is offline), keep trying this often. */
const RESUME_EVERY_MS = 15000;
/** No byte moved for this long: the connection is dead even if no error came. */
const STALL_MS = 20000;
/** After a stall on a network that claims to be up, try again soon. */
const STALL_RETRY_MS = 2000;
/** Big enough for few round trips, small enough that a dropped connection loses little. */
const CHUNK_SIZE = 8 * 1024 * 1024;

export type UploadDetails = { token: string; consent: string };

export type UploadEvents = {
  onProgress(sent: number, total: number): void;
  /** True while the connection is gone and the upload waits to resume by itself. */
  onWaiting(waiting: boolean): void;
  onDone(): void;
  onFailed(problem: Problem): void;
};

/** Errors worth trying again: no answer at all, a busy or restarting server, a lock held by a dead request. */
function isTransient(error: Error | DetailedError): boolean {
  const status = "originalResponse" in error ? (error.originalResponse?.getStatus() ?? 0) : 0;
  const hadRequest = "originalRequest" in error && !!error.originalRequest;
  if (!hadRequest) return false;
  return status === 0 || status >= 500 || status === 409 || status === 423 || status === 429;
}

function problemOf(error: Error | DetailedError): Problem {
  const response = "originalResponse" in error ? error.originalResponse : null;
  if (!response) return { code: "network", message: "" };
  return parseProblem(response.getStatus(), response.getBody() ?? "");
}

export function startUpload(file: File, details: UploadDetails, events: UploadEvents): { cancel(): void } {
  let state: "running" | "waiting" | "finished" = "running";
  let lastActivity = Date.now();
  let resumeTimer: number | undefined;

  const upload = new Upload(file, {
    endpoint: UPLOADS_ENDPOINT,
    chunkSize: CHUNK_SIZE,
    retryDelays: RETRY_DELAYS,
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    metadata: {
      token: details.token,
      filename: file.name,
      filetype: file.type || "application/octet-stream",
      consent: details.consent,
    },
    // The link token is part of the fingerprint: the same file sent on another link is a new upload.
    fingerprint: (f) =>
      Promise.resolve(["clipdesk", details.token, f.name, f.type, f.size, f.lastModified].join("|")),
    onShouldRetry: (error) => isTransient(error) && navigator.onLine !== false,
    onProgress: (sent, total) => {
      lastActivity = Date.now();
      events.onProgress(sent, total);
    },
    onSuccess: () => {
      finish();
      events.onDone();
    },
    onError: (error) => {
      if (state === "finished") return;
      if (isTransient(error)) {
        pause();
      } else {
        finish();
        events.onFailed(problemOf(error));
      }
    },
  });

  /** Stops the request in flight (if any) and waits for the network to come back. */
  function pause(): void {
    if (state !== "running") return;
    state = "waiting";
    void upload.abort(false);
    events.onWaiting(true);
    window.clearTimeout(resumeTimer);
    resumeTimer = window.setTimeout(resume, navigator.onLine === false ? RESUME_EVERY_MS : STALL_RETRY_MS);
  }

  /** Asks the server how much it has (tus HEAD) and sends the rest. */
  function resume(): void {
    if (state !== "waiting") return;
    window.clearTimeout(resumeTimer);
    state = "running";
    lastActivity = Date.now();
    events.onWaiting(false);
    upload.start();
  }

  function finish(): void {
    state = "finished";
    window.clearTimeout(resumeTimer);
    window.clearInterval(watchdog);
    window.removeEventListener("online", resume);
    window.removeEventListener("offline", pause);
  }

  // A phone switching networks often leaves a request hanging with no error at all: treat a
  // long silence, or the browser saying it went offline, as a drop and resume from the server's offset.
  const watchdog = window.setInterval(() => {
    if (state === "running" && (navigator.onLine === false || Date.now() - lastActivity > STALL_MS)) pause();
  }, 1000);
  window.addEventListener("online", resume);
  window.addEventListener("offline", pause);

  // A reload (or a re-picked file) continues the upload the server already has part of.
  upload
    .findPreviousUploads()
    .then((previous) => {
      const latest = previous[previous.length - 1];
      if (latest) upload.resumeFromPreviousUpload(latest);
    })
    .catch(() => undefined)
    .then(() => {
      lastActivity = Date.now();
      if (state === "running") upload.start();
    });

  return {
    cancel() {
      finish();
      void upload.abort(false);
    },
  };
}
