// The recorder page as a recipient uses it: a real server, real Chromium with a fake camera,
// links made through the operator API, and the event feed that tells the desktop what happened.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, afterEach, before, test } from "node:test";
import { createOperatorToken, operatorApi } from "../lib/api.mjs";
import { launchChromium } from "../lib/chromium.mjs";
import { artifactsDir, fixturesDir } from "../lib/paths.mjs";
import { startServer } from "../lib/server.mjs";
import { createUpload, patchUpload } from "../lib/tus.mjs";

const TIKTOK_UA =
  "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) " +
  "Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36 trill_330704 BytedanceWebview/d8a21c6 musical_ly_2022803040";
const WEBM_FIXTURE = path.join(fixturesDir, "videos", "android-vp8-opus.webm");
/** A first load over the wire: every request's headers and body as the browser received them. */
const BUDGET_TRANSFERRED_BYTES = 50 * 1024;

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let browser;
/** @type {ReturnType<typeof operatorApi>} */
let api;
let campaigns = 0;
/** What the pages' Content-Security-Policy blocked during the current test. */
/** @type {string[]} */
let cspViolations = [];

before(async () => {
  server = await startServer();
  api = operatorApi(server.url, await createOperatorToken(server.dataDir));
  // Two cameras, as a phone has a front and a back one.
  browser = await launchChromium({ fakeCamera: true, cameras: 2 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Every page of every test runs under the server's real policy: anything it blocks fails the test.
afterEach(() => {
  const blocked = cspViolations;
  cspViolations = [];
  assert.deepEqual(blocked, [], "the Content-Security-Policy blocked nothing the page does");
});

/**
 * A fresh campaign with one link for Maya; each test gets its own so their events don't mix.
 * @param {Parameters<typeof api.putCampaign>[1]} [fields]
 */
async function mayasLink(fields = {}) {
  const slug = `e2e-${++campaigns}`;
  await api.putCampaign(slug, fields);
  // An emoji first, as TikTok names often have: the DM's {{first_name}} and the greeting say "Maya".
  const link = await api.createLink(slug, { handle: "maya.bakes", display_name: "🍰 Maya Bakes", user_id: "6812345678901234567" });
  return { slug, token: link.token, url: `${server.url}/r/${link.token}` };
}

/** A new tab that reports what the Content-Security-Policy blocks, by event and in the console. */
async function newPage() {
  const page = await browser.context.newPage();
  await page.exposeFunction("reportCspViolation", (/** @type {string} */ what) => cspViolations.push(what));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      /** @type {any} */ (window).reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return page;
}

/**
 * Opens `url` in a new tab, keeping every request and script error it makes.
 * @param {string} url
 * @param {{ userAgent?: string, width?: number }} [options]
 */
async function openPage(url, options = {}) {
  const page = await newPage();
  if (options.width) await page.setViewportSize({ width: options.width, height: 760 });
  if (options.userAgent) {
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Emulation.setUserAgentOverride", { userAgent: options.userAgent });
  }
  /** @type {import("playwright-core").Request[]} */
  const requests = [];
  /** @type {string[]} */
  const errors = [];
  page.on("request", (request) => requests.push(request));
  page.on("pageerror", (error) => errors.push(error.message));
  const response = await page.goto(url);
  return { page, requests, errors, response };
}

/**
 * Waits for the page to show a screen (its `data-screen`).
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
async function screen(page, name, timeout = 15_000) {
  return page.waitForSelector(`section[data-screen="${name}"]`, { timeout });
}

/**
 * Ticks consent, sends, and waits for the thank-you screen.
 * @param {import("playwright-core").Page} page
 */
async function consentAndSend(page) {
  await screen(page, "review");
  assert.equal(await page.isDisabled('[data-testid="upload"]'), true, "nothing is sent before consent is given");
  await page.check('[data-testid="consent"]');
  await page.click('[data-testid="upload"]');
  await screen(page, "done", 30_000);
}

/**
 * The consent kept with the one video `token` delivered, as the desktop reads it.
 * @param {string} token
 */
async function storedConsent(token) {
  const events = await api.waitForEvent((e) => e.link === token && e.kind === "video_received", { timeoutMs: 30_000 });
  const received = events.find((e) => e.link === token && e.kind === "video_received");
  const video = await api.video(/** @type {string} */ (received?.video_id));
  return video.consent;
}

/**
 * Requested URLs that left the server's origin (data: URLs stay in the page).
 * @param {string[]} urls
 */
function foreignRequests(urls) {
  const origin = new URL(server.url).origin;
  return urls.filter((url) => !url.startsWith("data:") && !url.startsWith("blob:") && new URL(url).origin !== origin);
}

/**
 * The feed's events about one link, in order.
 * @param {string} token
 * @param {string} kind the event to wait for
 */
async function linkEventsUntil(token, kind) {
  const events = await api.waitForEvent((e) => e.link === token && e.kind === kind, { timeoutMs: 30_000 });
  return events.filter((e) => e.link === token).map((e) => e.kind);
}

test("a recipient records with the camera, agrees, sends, and the video reaches the feed", { timeout: 90_000 }, async () => {
  const link = await mayasLink({ max_duration_s: 30, organisation: "Crumb & Co. Bakery" });
  const { page, requests, errors } = await openPage(link.url);

  await screen(page, "start");
  assert.equal(await page.innerText('[data-testid="greeting"]'), "Hi Maya!", "the first name, as the DM said it");
  assert.equal(await page.textContent('[data-testid="campaign-title"]'), "Summer launch");
  assert.match(await page.innerText('[data-testid="prompt"]'), /favourite recipe/);

  await page.click('[data-testid="start-camera"]');
  await screen(page, "camera");
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  await page.click('[data-testid="record"]');
  await page.waitForSelector('[data-testid="stop"]');
  await page.waitForTimeout(3000);
  // The countdown runs down from the campaign's 30 s (rounded up and redrawn every 200 ms, so
  // 3 s in it may still say 0:28).
  assert.match(await page.innerText('[data-testid="countdown"]'), /0:2[5-8]/);
  await page.click('[data-testid="stop"]');

  await screen(page, "review");
  const consentText = await page.innerText('[data-testid="consent-text"]');
  assert.equal(consentText, "I agree that Crumb & Co. Bakery may keep this video and use it in its content.");
  await consentAndSend(page);
  assert.equal(await storedConsent(link.token), consentText, "the video keeps exactly the words shown next to the box");

  const kinds = await linkEventsUntil(link.token, "video_received");
  assert.ok(kinds.indexOf("link_opened") >= 0, `the open is in the feed: ${kinds}`);
  assert.ok(kinds.indexOf("link_opened") < kinds.indexOf("video_received"), `opened before received: ${kinds}`);
  assert.deepEqual(foreignRequests(requests.map((r) => r.url())), [], "the page talks to no other host");
  assert.deepEqual(errors, [], "no script error");
  await page.close();
});

test("a camera recording reaches the desktop with the length it was recorded for", { timeout: 90_000 }, async () => {
  // Chrome's MediaRecorder writes a WebM with no duration in its header (so do Android
  // phones): the length has to come from the media job, not from the upload.
  const link = await mayasLink({ max_duration_s: 30 });
  const page = await newPage();
  // The recorded length: from the page's call to MediaRecorder.start() to the recorder's
  // "stop" event. (Its "start" event can come a second late under load, while the file
  // already holds that second.)
  await page.addInitScript(() => {
    const start = MediaRecorder.prototype.start;
    MediaRecorder.prototype.start = function (/** @type {number | undefined} */ timeslice) {
      const marks = /** @type {any} */ (window).recorderMarks = { start: performance.now(), stop: 0 };
      this.addEventListener("stop", () => (marks.stop = performance.now()));
      return start.call(this, timeslice);
    };
  });
  await page.goto(link.url);
  await screen(page, "start");
  await page.click('[data-testid="start-camera"]');
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  await page.click('[data-testid="record"]');
  await page.waitForSelector('[data-testid="stop"]');
  await page.waitForTimeout(5000);
  await page.click('[data-testid="stop"]');
  await consentAndSend(page);
  const marks = await page.evaluate(() => /** @type {{ start: number, stop: number }} */ (/** @type {any} */ (window).recorderMarks));
  const recordedMs = Math.round(marks.stop - marks.start);
  assert.ok(recordedMs >= 4500, `the recorder ran for the 5 s take: ${JSON.stringify(marks)}`);
  await page.close();

  const events = await api.waitForEvent((e) => e.link === link.token && (e.kind === "video_ready" || e.kind === "video_failed"), {
    timeoutMs: 60_000,
  });
  const outcome = events.find((e) => e.link === link.token && (e.kind === "video_ready" || e.kind === "video_failed"));
  assert.equal(outcome?.kind, "video_ready", `the media job made a rendition: ${JSON.stringify(outcome?.detail)}`);
  const video = await api.video(/** @type {string} */ (outcome.video_id));
  assert.equal(video.filetype, "video/webm", "Chromium recorded WebM, the case without a duration");
  const reported = video.probe?.duration_ms ?? 0;
  console.log(`recorded ${recordedMs} ms; the API reports ${reported} ms, the feed ${outcome.detail.duration_ms} ms`);
  assert.ok(reported > 0, "the video has a length, not 0:00");
  assert.ok(Math.abs(reported - recordedMs) <= 1000, `the API's ${reported} ms is within 1 s of the ${recordedMs} ms recorded`);
  assert.equal(outcome.detail.duration_ms, reported, "desktops hear the same length from the feed");
});

test("recording stops by itself at the campaign's longest length", { timeout: 60_000 }, async () => {
  const link = await mayasLink({ max_duration_s: 2 });
  const { page } = await openPage(link.url);
  await screen(page, "start");
  await page.click('[data-testid="start-camera"]');
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  await page.click('[data-testid="record"]');
  // Nobody presses stop: the countdown ends the take and shows it for review.
  await screen(page, "review", 10_000);
  await page.click('[data-testid="retake"]');
  await screen(page, "camera");
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  await page.close();
});

test("a recipient sends a video from the camera roll instead", { timeout: 60_000 }, async () => {
  const link = await mayasLink();
  const { page, errors } = await openPage(link.url);
  await screen(page, "start");
  await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await consentAndSend(page);
  const kinds = await linkEventsUntil(link.token, "video_received");
  assert.ok(kinds.includes("link_opened"), `the open is in the feed: ${kinds}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("consent names who receives the video, never the landing title, and is kept as shown", { timeout: 60_000 }, async () => {
  const title = "Show us your summer bake!";
  const named = await mayasLink({ title, organisation: "Crumb & Co. Bakery" });
  const unnamed = await mayasLink({ title });
  /** @type {string[]} */
  const shown = [];
  for (const link of [named, unnamed]) {
    const { page, errors } = await openPage(link.url);
    await screen(page, "start");
    assert.equal(await page.textContent('[data-testid="campaign-title"]'), title);
    await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
    await screen(page, "review");
    const visible = await page.innerText('[data-testid="consent-text"]');
    assert.ok(!visible.includes(title), `the consent does not name the landing title: ${visible}`);
    await consentAndSend(page);
    assert.equal(await storedConsent(link.token), visible, "what is kept is exactly what was shown");
    assert.deepEqual(errors, []);
    shown.push(visible);
    await page.close();
  }
  assert.match(shown[0] ?? "", /Crumb & Co\. Bakery may keep this video/, "the campaign's organisation is the party");
  // No organisation on the campaign or the server: a neutral party, no invented name.
  assert.match(shown[1] ?? "", /^I agree that the team that sent me this link may keep this video/);
});

test("a file that is not a video is refused with the server's reason", { timeout: 60_000 }, async () => {
  const link = await mayasLink();
  const { page } = await openPage(link.url);
  await screen(page, "start");
  await page.setInputFiles('[data-testid="file-input"]', path.join(fixturesDir, "videos", "not-a-video.mp4"));
  await screen(page, "review");
  await page.check('[data-testid="consent"]');
  await page.click('[data-testid="upload"]');
  const error = await page.waitForSelector('[data-testid="upload-error"]', { timeout: 30_000 });
  assert.equal(await error.getAttribute("data-code"), "not_a_video");
  assert.match(await page.innerText('[data-testid="upload-error-detail"]'), /PNG/i, "the server's reason is shown");
  assert.equal(await page.$('[data-testid="upload"]'), null, "the refused file is not offered again");
  assert.ok(await page.$('[data-testid="file-input"]'), "another file can be chosen");
  await page.close();
});

test("a campaign page asks for the handle, then becomes the visitor's own link", { timeout: 60_000 }, async () => {
  const slug = `e2e-public-${++campaigns}`;
  await api.putCampaign(slug, { public_page: true, title: "Open call" });
  const { page, response } = await openPage(`${server.url}/c/${slug}`);
  assert.equal(response?.status(), 200);
  await screen(page, "handle");
  assert.equal(await page.innerText('[data-testid="campaign-title"]'), "Open call");

  await page.fill('[data-testid="handle-input"]', "@no spaces allowed");
  await page.click('[data-testid="handle-continue"]');
  await page.waitForSelector('[data-testid="handle-error"]:not([hidden])');
  assert.match(await page.innerText('[data-testid="handle-error"]'), /doesn't look right/);

  await page.fill('[data-testid="handle-input"]', "@New.Person");
  await page.click('[data-testid="handle-continue"]');
  await screen(page, "start");
  assert.equal(await page.innerText('[data-testid="greeting"]'), "Hi @new.person!");
  const token = new URL(page.url()).pathname.replace(/^\/r\//, "");
  assert.match(token, /^[A-Za-z0-9_-]{16,}$/, `the address became the personal link: ${page.url()}`);

  await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await consentAndSend(page);
  const kinds = await linkEventsUntil(token, "video_received");
  assert.ok(kinds.includes("link_opened"), `the visit is in the feed: ${kinds}`);
  await page.close();
});

/** A real MP4 of a few MB, big enough that a throttled upload is still going when the network drops. */
async function bigVideo() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-recorder-e2e-"));
  const file = path.join(dir, "big.mp4");
  await promisify(execFile)("ffmpeg", [
    "-v", "error", "-y",
    "-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30:duration=4",
    "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "20", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-shortest", file,
  ]);
  return { file, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

test("an upload cut off by a dropped connection resumes where it stopped", { timeout: 120_000 }, async (t) => {
  const video = await bigVideo();
  t.after(video.remove);
  const link = await mayasLink();
  const { page, requests } = await openPage(link.url);
  await screen(page, "start");
  // A slow uplink, so the connection can drop halfway through.
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send("Network.enable");
  const slow = { offline: false, latency: 20, downloadThroughput: 500_000, uploadThroughput: 150_000 };
  await cdp.send("Network.emulateNetworkConditions", slow);
  await page.setInputFiles('[data-testid="file-input"]', video.file);
  await page.check('[data-testid="consent"]');
  await page.click('[data-testid="upload"]');
  await screen(page, "upload");
  await page.waitForFunction(() => Number.parseInt(document.querySelector('[data-testid="upload-percent"]')?.textContent ?? "0", 10) >= 30, null, { timeout: 30_000 });

  await cdp.send("Network.emulateNetworkConditions", { ...slow, offline: true });
  await page.waitForSelector('section[data-screen="upload"][data-waiting="true"]', { timeout: 30_000 });
  assert.match(await page.innerText('[data-testid="upload-status"]'), /Connection lost/);
  await page.waitForTimeout(1000);
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await screen(page, "done", 60_000);

  const creations = requests.filter((r) => r.method() === "POST" && r.url().endsWith("/api/v1/uploads"));
  assert.equal(creations.length, 1, "the upload was resumed, not created again");
  const offsets = requests
    .filter((r) => r.method() === "PATCH")
    .map((r) => Number(r.headers()["upload-offset"] ?? "-1"));
  assert.ok(offsets.length >= 2 && offsets.some((offset) => offset > 0), `a PATCH continued past the first byte: ${offsets}`);
  const kinds = await linkEventsUntil(link.token, "video_received");
  assert.equal(kinds.filter((k) => k === "upload_started").length, 1, `one upload in the feed: ${kinds}`);
  await page.close();
});

test("an unknown link says so and shows no recorder", { timeout: 30_000 }, async () => {
  const { page, response } = await openPage(`${server.url}/r/AAAAAAAAAAAAAAAAAAAAAA`);
  assert.equal(response?.status(), 404);
  // The server hands out the page itself with a 404; its script finds out why from the API.
  const dead = await screen(page, "dead-end");
  assert.equal(await dead.getAttribute("data-reason"), "not_found");
  assert.match(await page.innerText("h1"), /doesn't work/);
  assert.equal(await page.$('[data-testid="start-camera"], [data-testid="file-input"], video'), null, "no recorder");
  await page.close();
});

test("an unknown campaign page says so and shows no recorder", { timeout: 30_000 }, async () => {
  const { page, response } = await openPage(`${server.url}/c/no-such-campaign`);
  assert.equal(response?.status(), 404);
  const dead = await screen(page, "dead-end");
  assert.equal(await dead.getAttribute("data-reason"), "not_found");
  assert.equal(await page.$('[data-testid="start-camera"], [data-testid="file-input"], [data-testid="handle-input"], video'), null, "no recorder");
  await page.close();
});

test("a revoked link says it was turned off", { timeout: 30_000 }, async () => {
  const link = await mayasLink();
  await api.revokeLink(link.token);
  const { page } = await openPage(link.url);
  const dead = await screen(page, "dead-end");
  assert.equal(await dead.getAttribute("data-reason"), "revoked");
  assert.match(await page.innerText('[data-testid="dead-end-reason"]'), /turned this link off/);
  assert.equal(await page.$('[data-testid="start-camera"], [data-testid="file-input"], video'), null, "no recorder");
  await page.close();
});

test("a person who does not want to record says no thanks, with a reason, inside TikTok's browser too", { timeout: 60_000 }, async () => {
  const link = await mayasLink();
  const { page } = await openPage(link.url, { userAgent: TIKTOK_UA, width: 360 });
  await screen(page, "open-in-browser");
  await page.click('[data-testid="no-thanks"]');
  await screen(page, "decline");
  await page.screenshot({ path: path.join(artifactsDir, "recorder-decline-360.png"), fullPage: true });
  await page.click('[data-testid="decline-back"]');
  await screen(page, "open-in-browser");
  await page.click('[data-testid="no-thanks"]');
  await screen(page, "decline");
  await page.fill('[data-testid="decline-reason"]', "I'm camera shy");
  await page.click('[data-testid="decline-send"]');
  const dead = await screen(page, "dead-end");
  assert.equal(await dead.getAttribute("data-reason"), "declined");
  assert.match(await page.innerText("h1"), /Thanks for letting us know/);
  const events = await api.waitForEvent((e) => e.link === link.token && e.kind === "link_declined", { timeoutMs: 30_000 });
  const declined = events.filter((e) => e.link === link.token && e.kind === "link_declined");
  assert.equal(declined.length, 1);
  assert.equal(declined[0].detail.reason, "I'm camera shy");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), "no horizontal scroll");
  await page.close();

  const again = await openPage(link.url);
  const reopened = await screen(again.page, "dead-end");
  assert.equal(await reopened.getAttribute("data-reason"), "declined", "a second visit shows no recorder");
  assert.equal(await again.page.$('[data-testid="start-camera"], [data-testid="file-input"]'), null);
  await again.page.close();
});

test("an expired link says it has expired", { timeout: 30_000 }, async () => {
  const link = await mayasLink();
  // Links made while the campaign ran; then the campaign ends.
  await api.putCampaign(link.slug, { expires_at: new Date(Date.now() - 60_000).toISOString() });
  const { page } = await openPage(link.url);
  const dead = await screen(page, "dead-end");
  assert.equal(await dead.getAttribute("data-reason"), "expired");
  assert.match(await page.innerText("h1"), /expired/);
  await page.close();
});

test("inside TikTok's browser the page shows how to open it in a real browser", { timeout: 30_000 }, async () => {
  const link = await mayasLink();
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  const { page } = await openPage(link.url, { userAgent: TIKTOK_UA, width: 360 });
  const steps = await screen(page, "open-in-browser");
  assert.equal(await steps.getAttribute("data-reason"), "in-app");
  assert.equal(await page.innerText('[data-testid="greeting"]'), "Hi Maya!");
  assert.match(await page.innerText('[data-testid="open-in-browser-steps"]'), /Open in browser/);
  assert.equal(await page.inputValue('[data-testid="link-field"]'), link.url);
  assert.ok(await page.$('[data-testid="file-input"]'), "a camera-roll video can still be sent");

  await page.click('[data-testid="copy-link"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="copy-status"]')?.textContent);
  assert.equal(await page.innerText('[data-testid="copy-status"]'), "Link copied!");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link.url);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), "no horizontal scroll");
  await page.close();
});

test("a Spanish campaign reads Spanish, with its own wording where it has some", { timeout: 30_000 }, async () => {
  const link = await mayasLink({ language: "es", strings: { chooseFile: "Subir un video del carrete", no_such_key: "x" } });
  const { page } = await openPage(link.url);
  await screen(page, "start");
  assert.equal(await page.innerText('[data-testid="greeting"]'), "¡Hola, Maya!");
  assert.equal(await page.innerText('[data-testid="start-camera"]'), "Grabar un video");
  assert.match(await page.innerText('[data-testid="choose-file"]'), /Subir un video del carrete/);
  assert.equal(await page.getAttribute("html", "lang"), "es");
  assert.equal(await page.title(), "Graba un video");
  await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await screen(page, "review");
  assert.match(await page.innerText('[data-testid="consent-text"]'), /^Acepto/);
  assert.equal(await page.innerText('[data-testid="upload"]'), "Enviar video");
  await page.close();
});

test("the page fits a 360 px phone without sideways scrolling", { timeout: 60_000 }, async () => {
  const link = await mayasLink({ prompt: "Show us your kitchen: https://example.invalid/a-very-long-address-that-should-wrap-instead-of-scrolling" });
  const { page } = await openPage(link.url, { width: 360 });
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= 360);
  await screen(page, "start");
  assert.ok(await fits(), "start screen fits");
  await fs.mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactsDir, "recorder-360-start.png"), fullPage: true });
  await page.click('[data-testid="start-camera"]');
  await screen(page, "camera");
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  assert.ok(await fits(), "camera screen fits");
  await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await screen(page, "review");
  assert.ok(await fits(), "review screen fits");
  await page.screenshot({ path: path.join(artifactsDir, "recorder-360-review.png"), fullPage: true });
  await page.close();
});

test("a first load is at most 50 KB over the wire, brotli-compressed, from this host only", { timeout: 30_000 }, async () => {
  const link = await mayasLink();
  const page = await newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send("Network.enable");
  // A first visit: nothing from the cache of earlier tests.
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  /** @type {Map<string, { url: string, type: string, encoding: string, bytes: number | null }>} */
  const loads = new Map();
  cdp.on("Network.requestWillBeSent", (e) => {
    if (!e.request.url.startsWith("data:")) loads.set(e.requestId, { url: e.request.url, type: e.type ?? "", encoding: "", bytes: null });
  });
  cdp.on("Network.responseReceived", (e) => {
    const load = loads.get(e.requestId);
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    if (load) load.encoding = headers["content-encoding"] ?? "";
  });
  // encodedDataLength: what came off the socket for this request, headers and body.
  cdp.on("Network.loadingFinished", (e) => {
    const load = loads.get(e.requestId);
    if (load) load.bytes = e.encodedDataLength;
  });
  const response = await page.goto(link.url);
  assert.equal(response?.status(), 200);
  await screen(page, "start");
  await page.waitForLoadState("networkidle");

  const all = [...loads.values()];
  const report = all.map((l) => `${l.type} ${new URL(l.url).pathname} ${l.encoding || "identity"} ${l.bytes} B`).join("\n  ");
  assert.ok(all.every((l) => l.bytes !== null), `every request finished:\n  ${report}`);
  const total = all.reduce((sum, l) => sum + (l.bytes ?? 0), 0);
  console.log(`first load: ${total} B over the wire\n  ${report}`);
  assert.ok(total <= BUDGET_TRANSFERRED_BYTES, `the first load is ${total} B over the wire:\n  ${report}`);
  const pageFiles = all.filter((l) => ["Document", "Script", "Stylesheet"].includes(l.type));
  assert.deepEqual(
    pageFiles.map((l) => l.type).sort(),
    ["Document", "Script", "Stylesheet"],
    `the page, its script and its stylesheet are counted:\n  ${report}`,
  );
  for (const file of pageFiles) assert.equal(file.encoding, "br", `${file.type} ${file.url} arrives brotli-compressed`);
  assert.deepEqual(foreignRequests(all.map((l) => l.url)), [], "the page loads nothing from another host");
  await page.close();
});

/**
 * Fits 360 px without sideways scrolling; saved as `recorder-360-<name>.png` to look at.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
async function phoneShot(page, name) {
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), `${name} fits 360 px`);
  await fs.mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactsDir, `recorder-360-${name}.png`), fullPage: true });
}

/**
 * The camera the page's preview shows: its device and label, as the browser names them.
 * @param {import("playwright-core").Page} page
 */
function previewCamera(page) {
  return page.evaluate(() => {
    const video = /** @type {HTMLVideoElement} */ (document.querySelector('[data-screen="camera"] video'));
    const track = /** @type {MediaStream | null} */ (video.srcObject)?.getVideoTracks()[0];
    return { deviceId: track?.getSettings().deviceId ?? "", label: track?.label ?? "", state: track?.readyState ?? "" };
  });
}

test("a link opened again after its video arrived says so and offers to send another", { timeout: 90_000 }, async () => {
  const link = await mayasLink();
  const first = await openPage(link.url, { width: 360 });
  await screen(first.page, "start");
  await first.page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await consentAndSend(first.page);
  await first.page.close();

  const { page, errors } = await openPage(link.url, { width: 360 });
  const received = await screen(page, "received");
  assert.equal(await page.innerText('[data-testid="received"]'), "We have your video, thank you!");
  assert.equal(await received.getAttribute("data-more"), "true", "the link takes 2 more of its 3");
  assert.match(await page.innerText('[data-testid="received-next"]'), /send another/);
  assert.equal(await page.$('[data-testid="start-camera"], [data-testid="file-input"], video'), null, "no recorder until asked for");
  await phoneShot(page, "received");

  await page.click('[data-testid="send-another"]');
  await screen(page, "start");
  assert.equal(await page.innerText('[data-testid="greeting"]'), "Hi Maya!");
  await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await consentAndSend(page);
  assert.deepEqual(errors, []);
  await page.close();

  const again = await openPage(link.url, { width: 360 });
  await screen(again.page, "received");
  assert.equal(await again.page.innerText('[data-testid="received"]'), "We have your 2 videos, thank you!");
  await again.page.close();
});

test("a link that has taken all its videos only thanks", { timeout: 60_000 }, async () => {
  const link = await mayasLink();
  // The server's 3 uploads per link, sent with tus from outside the page.
  const video = await fs.readFile(WEBM_FIXTURE);
  for (const filename of ["a.webm", "b.webm", "c.webm"]) {
    const upload = await createUpload(server.url, { length: video.length, token: link.token, filename });
    const response = await patchUpload(upload, 0, video);
    assert.equal(response.status, 204, `${filename} arrived`);
  }
  const { page, errors } = await openPage(link.url, { width: 360 });
  const received = await screen(page, "received");
  assert.equal(await page.innerText('[data-testid="received"]'), "We have your 3 videos, thank you!");
  assert.equal(await received.getAttribute("data-more"), "false");
  assert.match(await page.innerText('[data-testid="received-next"]'), /close this page/);
  assert.equal(await page.$('[data-testid="send-another"]'), null, "nothing more to send");
  assert.equal(await page.$('[data-testid="start-camera"], [data-testid="file-input"], video'), null, "no recorder");
  await phoneShot(page, "received-all");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the recipient switches between two cameras before recording, and records with the other one", { timeout: 90_000 }, async () => {
  const link = await mayasLink();
  const { page, errors } = await openPage(link.url, { width: 360 });
  await screen(page, "start");
  await page.click('[data-testid="start-camera"]');
  await screen(page, "camera");
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  await page.waitForSelector('[data-testid="switch-camera"]:not([hidden])');
  const before = await previewCamera(page);
  assert.equal(before.state, "live");
  await page.evaluate(() => {
    const video = /** @type {HTMLVideoElement} */ (document.querySelector('[data-screen="camera"] video'));
    /** @type {any} */ (window).firstTrack = /** @type {MediaStream} */ (video.srcObject).getVideoTracks()[0];
  });
  await phoneShot(page, "camera-switch");

  await page.click('[data-testid="switch-camera"]');
  await page.waitForFunction(
    (deviceId) => {
      const video = /** @type {HTMLVideoElement | null} */ (document.querySelector('[data-screen="camera"] video'));
      const track = /** @type {MediaStream | null} */ (video?.srcObject ?? null)?.getVideoTracks()[0];
      return !!track && track.readyState === "live" && track.getSettings().deviceId !== deviceId;
    },
    before.deviceId,
    { timeout: 10_000 },
  );
  const after = await previewCamera(page);
  assert.notEqual(after.deviceId, before.deviceId, "another camera");
  assert.notEqual(after.label, before.label, `another camera by name: ${before.label} → ${after.label}`);
  assert.equal(
    await page.evaluate(() => /** @type {MediaStreamTrack} */ (/** @type {any} */ (window).firstTrack).readyState),
    "ended",
    "the first camera was turned off",
  );

  // A take with the second camera; the switch is not offered while it runs.
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  await page.click('[data-testid="record"]');
  await page.waitForSelector('[data-testid="stop"]');
  assert.equal(await page.isVisible('[data-testid="switch-camera"]'), false, "no switch during a take");
  await page.waitForTimeout(1500);
  await page.click('[data-testid="stop"]');
  await screen(page, "review");
  await page.click('[data-testid="retake"]');
  await screen(page, "camera");
  await page.waitForSelector('[data-testid="switch-camera"]:not([hidden])');
  assert.equal((await previewCamera(page)).deviceId, after.deviceId, "a retake keeps the camera switched to");
  await page.click('[data-testid="switch-camera"]');
  await page.waitForFunction(
    (deviceId) => {
      const video = /** @type {HTMLVideoElement | null} */ (document.querySelector('[data-screen="camera"] video'));
      const track = /** @type {MediaStream | null} */ (video?.srcObject ?? null)?.getVideoTracks()[0];
      return !!track && track.readyState === "live" && track.getSettings().deviceId === deviceId;
    },
    before.deviceId,
    { timeout: 10_000 },
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test("with one camera no switch is offered", { timeout: 60_000 }, async () => {
  const single = await launchChromium({ fakeCamera: true });
  try {
    const link = await mayasLink();
    const page = await single.context.newPage();
    await page.goto(link.url);
    await screen(page, "start");
    await page.click('[data-testid="start-camera"]');
    await page.waitForSelector('[data-testid="record"]:not([disabled])');
    // The cameras are counted once the camera is open; give that its moment.
    await page.waitForTimeout(1000);
    assert.equal(await page.isVisible('[data-testid="switch-camera"]'), false);
    await page.close();
  } finally {
    await single.close();
  }
});

test("a text file or a PDF is refused as soon as it is picked, named, and nothing is uploaded", { timeout: 60_000 }, async () => {
  const link = await mayasLink();
  const { page, requests, errors } = await openPage(link.url, { width: 360 });
  await screen(page, "start");
  await page.setInputFiles('[data-testid="file-input"]', { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("my recipe") });
  const refused = await page.waitForSelector('[data-testid="file-refused"]:not([hidden])', { timeout: 5_000 });
  assert.equal(
    await refused.innerText(),
    "“notes.txt” can't be sent: it is a text file, not a video. Please choose a video.",
  );
  assert.equal(await page.getAttribute("#app", "data-screen"), "start", "still on the first screen");
  assert.equal(await page.$('[data-testid="consent"], [data-testid="upload"]'), null, "no consent, no send");
  await phoneShot(page, "file-refused");

  // The same from the camera screen, with a PDF.
  await page.click('[data-testid="start-camera"]');
  await screen(page, "camera");
  await page.waitForSelector('[data-testid="record"]:not([disabled])');
  await page.setInputFiles('[data-testid="file-input"]', { name: "contract.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n") });
  await page.waitForSelector('[data-testid="file-refused"]:not([hidden])', { timeout: 5_000 });
  assert.match(await page.innerText('[data-testid="file-refused"]'), /“contract\.pdf” can't be sent: it is a document, not a video/);
  assert.equal(await page.getAttribute("#app", "data-screen"), "camera", "the camera stays ready");

  // A video picked after that goes on to consent as usual.
  await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await screen(page, "review");
  const uploads = requests.filter((r) => r.url().includes("/api/v1/uploads"));
  assert.deepEqual(uploads.map((r) => `${r.method()} ${r.url()}`), [], "nothing was uploaded");
  assert.deepEqual(errors, []);
  await page.close();
});
