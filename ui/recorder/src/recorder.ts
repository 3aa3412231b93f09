// The screens of a working link: greeting, camera, review with consent, upload, thank you — and
// the way out of TikTok's in-app browser when the camera is blocked.

import type { PublicLink } from "../../bindings/protocol";
import { isTikTokInApp, outsideBrowserName } from "./browser";
import { canRecord, closeCamera, openCamera, startRecording, type Recording } from "./camera";
import { copyLink } from "./clipboard";
import { consentText } from "./consent";
import { button, h, show } from "./dom";
import { isDeadEnd, problemText, serverMessageIsSpecific, type Problem } from "./errors";
import { recipientName } from "./greeting";
import { showDeadEnd } from "./pages";
import { percent, UploadRate } from "./progress";
import { fill, type Strings } from "./strings";
import { clock, duration, timeLeft } from "./time";
import { startUpload } from "./upload";

type Source = "camera" | "file";

export function startRecorder(link: PublicLink, strings: Strings): void {
  const userAgent = navigator.userAgent;
  const inApp = isTikTokInApp(userAgent);
  const browserName = outsideBrowserName(userAgent, navigator.maxTouchPoints);
  // Exactly these words go with the upload, so what the user ticked is what the server keeps.
  const consent = consentText(link.organisation, strings);

  let stream: MediaStream | null = null;
  let recording: Recording | null = null;
  let ticker: number | undefined;
  let previewUrl: string | null = null;
  // Bumped on every screen change, so a camera that opens late knows it is no longer wanted.
  let visit = 0;

  function leaveCamera(): void {
    window.clearInterval(ticker);
    ticker = undefined;
    recording = null;
    closeCamera(stream);
    stream = null;
  }

  function screen(name: string, ...children: Array<Node | null | false>): HTMLElement {
    visit++;
    leaveCamera();
    return show(name, ...children);
  }

  function greeting(): Array<Node | null> {
    return [
      h("p", { class: "kicker", "data-testid": "campaign-title" }, link.campaign_title),
      h("h1", { "data-testid": "greeting" }, fill(strings.greeting, { name: recipientName(link) })),
      link.prompt ? h("p", { class: "prompt", "data-testid": "prompt" }, link.prompt) : null,
      h("p", { class: "muted" }, fill(strings.maxLength, { duration: duration(link.max_duration_s, strings) })),
    ];
  }

  function fileChooser(label: string, className = "button secondary"): HTMLLabelElement {
    const input = h("input", { type: "file", accept: "video/*", class: "visually-hidden", "data-testid": "file-input" });
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      if (file) review(file, "file");
    });
    return h("label", { class: className, "data-testid": "choose-file" }, label, input);
  }

  function home(): void {
    if (inApp) {
      openInBrowser("in-app");
      return;
    }
    screen(
      "start",
      ...greeting(),
      canRecord()
        ? button(strings.startCamera, "start-camera", camera)
        : h("p", { class: "error", role: "alert" }, strings.errorNoRecorder),
      fileChooser(strings.chooseFile),
    );
  }

  /** How to leave TikTok's webview (or a browser that refused the camera), with the link to copy. */
  function openInBrowser(reason: "in-app" | "camera-failed"): void {
    const url = window.location.href;
    const field = h("input", { type: "text", readonly: true, class: "link-field", "data-testid": "link-field", value: url });
    const copyStatus = h("p", { class: "muted", "aria-live": "polite", "data-testid": "copy-status" });
    const copy = button(strings.copyLink, "copy-link", () => {
      void copyLink(url, field).then((copied) => {
        copyStatus.textContent = copied ? strings.copied : strings.copyManually;
      });
    });
    const steps = inApp
      ? h(
          "ol",
          { class: "steps", "data-testid": "open-in-browser-steps" },
          h("li", {}, strings.inAppStep1),
          h("li", {}, strings.inAppStep2),
          h("li", {}, fill(strings.inAppStep3, { browser: browserName })),
        )
      : null;
    const failed = reason === "camera-failed";
    const page = screen(
      "open-in-browser",
      ...greeting(),
      h(
        "div",
        { class: "card" },
        h("h2", {}, failed ? strings.cameraFailedTitle : strings.inAppTitle),
        h("p", {}, fill(failed ? strings.cameraFailedBody : strings.inAppBody, { browser: browserName })),
        steps,
        field,
        copy,
        copyStatus,
      ),
      h("p", {}, strings.orChooseFile),
      fileChooser(strings.chooseFile),
      canRecord() ? button(strings.tryCamera, "try-camera", camera, "link") : null,
    );
    page.dataset.reason = reason;
  }

  function camera(): void {
    if (!canRecord()) {
      openInBrowser("camera-failed");
      return;
    }
    const video = h("video", { autoplay: true, muted: true, playsinline: true, class: "viewer mirror" });
    // The attribute alone does not mute for autoplay in every WebKit; the property does.
    video.muted = true;
    const countdown = h("p", { class: "countdown", "data-testid": "countdown" }, clock(link.max_duration_s));
    const status = h("p", { class: "muted", "aria-live": "polite" }, strings.cameraStarting);
    const action = button(strings.record, "record", () => (recording ? finish() : begin()), "record");
    action.disabled = true;
    const page = screen(
      "camera",
      link.prompt ? h("p", { class: "prompt", "data-testid": "prompt" }, link.prompt) : null,
      h("div", { class: "stage" }, video, countdown),
      status,
      action,
      fileChooser(strings.chooseFile, "link"),
    );
    const thisVisit = visit;

    openCamera().then(
      (opened) => {
        if (thisVisit !== visit) {
          closeCamera(opened);
          return;
        }
        stream = opened;
        video.srcObject = opened;
        void video.play().catch(() => undefined);
        status.textContent = "";
        action.disabled = false;
      },
      () => {
        if (thisVisit === visit) openInBrowser("camera-failed");
      },
    );

    function begin(): void {
      if (!stream) return;
      try {
        recording = startRecording(stream);
      } catch {
        status.textContent = strings.errorNoRecorder;
        return;
      }
      const startedAt = Date.now();
      page.dataset.recording = "true";
      action.textContent = strings.stop;
      action.dataset.testid = "stop";
      action.className = "stop";
      const tick = () => {
        const left = link.max_duration_s - (Date.now() - startedAt) / 1000;
        countdown.textContent = fill(strings.timeLeft, { time: clock(left) });
        if (left <= 0) finish();
      };
      tick();
      ticker = window.setInterval(tick, 200);
    }

    function finish(): void {
      const current = recording;
      if (!current) return;
      recording = null;
      window.clearInterval(ticker);
      action.disabled = true;
      void current.stop().then((file) => {
        if (thisVisit !== visit) return;
        if (file.size === 0) {
          status.textContent = strings.errorEmptyRecording;
          action.textContent = strings.record;
          action.dataset.testid = "record";
          action.className = "record";
          action.disabled = false;
          page.dataset.recording = "false";
          return;
        }
        review(file, "camera");
      });
    }
  }

  /** `problem` is why the last send failed; a file the server refused as no video is not offered again. */
  function review(file: File, source: Source, problem?: Problem): void {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file);
    const refused = problem?.code === "not_a_video";
    const playback = h("video", { controls: true, playsinline: true, preload: "metadata", class: "viewer", "data-testid": "playback", src: previewUrl });
    const agreed = h("input", { type: "checkbox", "data-testid": "consent" });
    const hint = h("p", { class: "muted", "data-testid": "consent-needed" }, strings.consentNeeded);
    const send = button(strings.upload, "upload", () => {
      if (agreed.checked) upload(file, source);
    });
    send.disabled = true;
    agreed.addEventListener("change", () => {
      send.disabled = !agreed.checked;
      hint.hidden = agreed.checked;
    });
    screen(
      "review",
      h("h1", {}, strings.reviewTitle),
      h("div", { class: "stage" }, playback),
      problem ? problemNote(problem) : null,
      refused ? null : h("label", { class: "consent" }, agreed, h("span", { "data-testid": "consent-text" }, consent)),
      refused ? null : hint,
      refused ? null : send,
      source === "camera" ? button(strings.retake, "retake", camera, "secondary") : fileChooser(strings.chooseAnother),
    );
  }

  function upload(file: File, source: Source): void {
    const fillBar = h("div", { class: "bar-fill" });
    const bar = h("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, fillBar);
    const percentText = h("span", { "data-testid": "upload-percent" }, fill(strings.uploadPercent, { n: "0" }));
    const timeText = h("span", { "data-testid": "upload-time-left" });
    const status = h("p", { class: "muted", "aria-live": "polite", "data-testid": "upload-status" }, strings.uploadKeepOpen);
    const page = screen("upload", h("h1", {}, strings.uploadingTitle), bar, h("p", { class: "progress-text" }, percentText, " ", timeText), status);
    const rate = new UploadRate();
    // A recording exists only in this tab: leaving mid-upload would lose it, so ask first.
    const guard = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", guard);
    const release = () => window.removeEventListener("beforeunload", guard);

    startUpload(file, { token: link.token, consent }, {
      onProgress(sent, total) {
        rate.sample(sent, Date.now());
        const done = percent(sent, total);
        fillBar.style.width = `${done}%`;
        bar.setAttribute("aria-valuenow", String(done));
        percentText.textContent = fill(strings.uploadPercent, { n: String(done) });
        const left = timeLeft(rate.secondsLeft(total), strings);
        timeText.textContent = left && done < 100 ? `· ${fill(strings.uploadTimeLeft, { time: left })}` : "";
      },
      onWaiting(waiting) {
        if ((page.dataset.waiting === "true") === waiting) return;
        page.dataset.waiting = String(waiting);
        status.textContent = waiting ? strings.uploadWaiting : strings.uploadKeepOpen;
        if (waiting) timeText.textContent = "";
      },
      onDone() {
        release();
        thanks();
      },
      onFailed(problem: Problem) {
        release();
        if (isDeadEnd(problem.code)) {
          showDeadEnd(problem.code, strings);
          return;
        }
        review(file, source, problem);
      },
    });
  }

  /** Our sentence in the page's language, and the server's own reason when it names what was wrong. */
  function problemNote(problem: Problem): HTMLElement {
    const detail = serverMessageIsSpecific(problem.code) && problem.message ? problem.message : "";
    return h(
      "p",
      { class: "error", role: "alert", "data-testid": "upload-error", "data-code": problem.code },
      strings[problemText(problem.code)],
      detail ? h("small", { "data-testid": "upload-error-detail" }, detail) : null,
    );
  }

  function thanks(): void {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    screen("done", h("h1", {}, strings.doneTitle), h("p", {}, strings.doneBody));
  }

  home();
}
