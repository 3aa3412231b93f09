// The screens of a working link: greeting (or "we have your video" on a link that delivered
// one), camera, review with consent, upload, thank you — and the way out of TikTok's in-app
// browser when the camera is blocked.

import type { PublicLink } from "../../bindings/protocol";
import { isTikTokInApp, outsideBrowserName } from "./browser";
import { cameraIds, canRecord, closeCamera, openCamera, openCameraOf, startRecording, type Recording } from "./camera";
import { mirrored, switchChoices, type CameraChoice } from "./cameraSwitch";
import { declineLink } from "./api";
import { copyLink } from "./clipboard";
import { consentText } from "./consent";
import { button, h, show } from "./dom";
import { isDeadEnd, problemText, serverMessageIsSpecific, type Problem } from "./errors";
import { recipientName } from "./greeting";
import { showDeadEnd } from "./pages";
import { refusalOf, type Refusal } from "./pick";
import { percent, UploadRate } from "./progress";
import { fill, type StringKey, type Strings } from "./strings";
import { clock, duration, timeLeft } from "./time";
import { startUpload } from "./upload";

type Source = "camera" | "file";

const REFUSAL_TEXT: Record<Refusal, StringKey> = {
  empty: "fileIsEmpty",
  text: "fileIsText",
  image: "fileIsImage",
  audio: "fileIsAudio",
  document: "fileIsDocument",
  other: "fileIsOther",
};

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
  // The camera the recipient switched to: a retake opens it again, not the front one.
  let chosenCamera: CameraChoice | undefined;
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

  /** The file picker, and the place where a file that is no video is refused, named, at once. */
  function fileChooser(label: string, className = "button secondary"): HTMLElement {
    const input = h("input", { type: "file", accept: "video/*", class: "visually-hidden", "data-testid": "file-input" });
    const refused = h("p", { class: "error", role: "alert", "data-testid": "file-refused", hidden: true });
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      if (!file) return;
      const refusal = refusalOf(file);
      if (!refusal) {
        review(file, "file");
        return;
      }
      refused.textContent = fill(strings.fileRefused, { file: file.name, reason: strings[REFUSAL_TEXT[refusal]] });
      refused.dataset.reason = refusal;
      refused.hidden = false;
      // Picking the same file again is then a change too, and is refused again, not ignored.
      input.value = "";
    });
    return h("div", { class: "file-choice" }, h("label", { class: className, "data-testid": "choose-file" }, label, input), refused);
  }

  /** A link that already delivered: say so, and offer another only while the link takes more. */
  function received(): void {
    const count = link.videos_received;
    const more = link.uploads_left > 0;
    const page = screen(
      "received",
      h("p", { class: "kicker", "data-testid": "campaign-title" }, link.campaign_title),
      h("h1", { "data-testid": "received" }, count > 1 ? fill(strings.receivedTitleMany, { n: String(count) }) : strings.receivedTitle),
      h("p", { "data-testid": "received-next" }, more ? strings.receivedMore : strings.receivedClose),
      more ? button(strings.sendAnother, "send-another", home, "secondary") : null,
    );
    page.dataset.more = String(more);
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
      noThanks(),
    );
  }

  /** The quiet way out: last on the screen, so nobody taps it instead of recording. */
  function noThanks(): HTMLElement {
    return button(strings.noThanks, "no-thanks", decline, "link");
  }

  /** "No thanks" with an optional reason; sent, the page ends as a declined link does. */
  function decline(): void {
    const reason = h("textarea", { maxlength: "500", rows: "3", "data-testid": "decline-reason" });
    const failed = h("p", { class: "error", role: "alert", "data-testid": "decline-error", hidden: true });
    const send = button(strings.declineSend, "decline-send", () => {
      send.disabled = true;
      failed.hidden = true;
      void declineLink(link.token, reason.value).then((result) => {
        send.disabled = false;
        if (result.ok) {
          leaveCamera();
          showDeadEnd("declined", strings);
          return;
        }
        if (isDeadEnd(result.problem.code)) {
          leaveCamera();
          showDeadEnd(result.problem.code, strings);
          return;
        }
        failed.textContent = strings[problemText(result.problem.code)];
        failed.hidden = false;
      });
    }, "secondary");
    screen(
      "decline",
      h("h1", {}, strings.declineTitle),
      h("label", { class: "field" }, h("span", {}, strings.declineReasonLabel), reason),
      failed,
      send,
      button(strings.declineBack, "decline-back", home, "link"),
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
      noThanks(),
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
    // Offered only with two cameras or more, and not during a take: MediaRecorder stops
    // when the tracks of the stream it records change.
    const switcher = button(strings.switchCamera, "switch-camera", () => void switchCamera(), "switch");
    switcher.hidden = true;
    const status = h("p", { class: "muted", "aria-live": "polite" }, strings.cameraStarting);
    const action = button(strings.record, "record", () => (recording ? finish() : begin()), "record");
    action.disabled = true;
    const page = screen(
      "camera",
      link.prompt ? h("p", { class: "prompt", "data-testid": "prompt" }, link.prompt) : null,
      h("div", { class: "stage" }, video, countdown, switcher),
      status,
      action,
      fileChooser(strings.chooseFile, "link"),
    );
    const thisVisit = visit;
    let cameras = 0;
    let switching = false;

    function showSwitcher(): void {
      switcher.hidden = cameras < 2 || !!recording;
      switcher.disabled = switching;
    }

    function attach(opened: MediaStream, switched = false): void {
      stream = opened;
      video.srcObject = opened;
      const open = openCameraOf(opened);
      if (switched) chosenCamera = open.deviceId ? { deviceId: open.deviceId } : undefined;
      video.classList.toggle("mirror", mirrored(open));
      void video.play().catch(() => undefined);
      status.textContent = "";
      action.disabled = false;
      // Device ids are listed only once the camera is allowed, so count them now.
      void cameraIds().then((ids) => {
        if (thisVisit !== visit) return;
        cameras = ids.length;
        showSwitcher();
      });
    }

    // The chosen camera may be gone (unplugged, taken by another app): then the usual one.
    openCamera(chosenCamera)
      .catch((error: unknown) => (chosenCamera ? openCamera() : Promise.reject(error)))
      .then(
        (opened) => {
          if (thisVisit !== visit) {
            closeCamera(opened);
            return;
          }
          attach(opened);
        },
        () => {
          if (thisVisit === visit) openInBrowser("camera-failed");
        },
      );

    /** The other camera; the one before it again if none opens, and the way out if not even that. */
    async function switchCamera(): Promise<void> {
      if (!stream || recording || switching) return;
      const open = openCameraOf(stream);
      const choices: Array<CameraChoice | undefined> = switchChoices(await cameraIds(), open);
      if (choices.length === 0 || thisVisit !== visit || !stream) return;
      switching = true;
      showSwitcher();
      action.disabled = true;
      status.textContent = strings.cameraStarting;
      // Phones open one camera at a time: the current one closes first.
      closeCamera(stream);
      stream = null;
      video.srcObject = null;
      choices.push(open.deviceId ? { deviceId: open.deviceId } : undefined);
      for (const choice of choices) {
        let opened: MediaStream;
        try {
          opened = await openCamera(choice);
        } catch {
          continue;
        }
        if (thisVisit !== visit) {
          closeCamera(opened);
          return;
        }
        switching = false;
        attach(opened, true);
        return;
      }
      switching = false;
      if (thisVisit === visit) openInBrowser("camera-failed");
    }

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
      showSwitcher();
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
          showSwitcher();
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

  if (link.videos_received > 0) received();
  else home();
}
