// The reviewer's screen against a real clipdesk-server: moving through videos with J/K, a
// note and a rejection with R (then an approval, without that note), and a race lost to
// another reviewer — shown with their decision, then decided again. Decisions are in the
// operator's name from Settings ("Dana"), not the token's ("desk"). The desktop reaches the
// server through a proxy that can hold its review requests, so "the other reviewer was first"
// happens every time, not by luck.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import http from "node:http";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { createOperatorToken, operatorApi } from "../lib/api.mjs";
import { startDesktop } from "../lib/desktop.mjs";
import {
  addAllContacts,
  createCampaign,
  goTo,
  horizontalOverflow,
  importContacts,
  playerState,
  press,
  resizeWindow,
  selectReviewVideo,
  uploadAsRecipient,
  waitForAttribute,
  waitForReviewVideo,
  waitForText,
} from "../lib/flows.mjs";
import { startServer } from "../lib/server.mjs";
import { fixture, tempDir } from "../lib/tus.mjs";

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof holdingProxy>>} */
let proxy;
/** @type {string} */
let dataDir;
/** @type {ReturnType<typeof operatorApi>} the other reviewer, straight to the server */
let ana;
/** @type {string} */
let anaToken;
/** @type {string[]} */
const videos = [];

/**
 * A reverse proxy to `target` that can hold `PUT …/review` requests until released.
 * @param {string} target
 */
async function holdingProxy(target) {
  /** @type {(() => void) | null} */
  let release = null;
  /** @type {Promise<void> | null} */
  let gate = null;
  let held = 0;
  const proxyServer = http.createServer(async (req, res) => {
    if (gate && req.method === "PUT" && /\/review$/.test(req.url ?? "")) {
      held += 1;
      await gate;
    }
    const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => proxyServer.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (proxyServer.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    hold() {
      gate = new Promise((resolve) => (release = () => resolve(undefined)));
      held = 0;
    },
    held: () => held,
    open() {
      release?.();
      gate = null;
    },
    close() {
      proxyServer.closeAllConnections();
      return new Promise((resolve) => proxyServer.close(() => resolve(undefined)));
    },
  };
}

before(async () => {
  server = await startServer();
  proxy = await holdingProxy(server.url);
  const deskToken = await createOperatorToken(server.dataDir, "desk");
  anaToken = await createOperatorToken(server.dataDir, "ana");
  ana = operatorApi(server.url, anaToken);
  dataDir = await tempDir("desktop-review-e2e");
  app = await startDesktop({ dataDir });
  const { driver } = app;

  // This desktop uses the server (through the proxy) instead of its embedded one.
  await goTo(driver, "settings");
  await driver.findElement(By.css("[data-testid=settings-remote]")).click();
  await driver.findElement(By.css("[data-testid=settings-server-url]")).sendKeys(proxy.url);
  await driver.findElement(By.css("[data-testid=settings-server-token]")).sendKeys(deskToken);
  const operator = await driver.findElement(By.css("[data-testid=settings-operator]"));
  await operator.clear();
  await operator.sendKeys("Dana");
  await driver.findElement(By.css("[data-testid=settings-save]")).click();
  await waitForText(driver, "[data-testid=settings-save-result]", /^Saved\.$/);

  await importContacts(driver);
  const slug = await createCampaign(driver, { name: "Review bakes", template: "Hi @{{handle}}: {{link}}" });
  await addAllContacts(driver);

  // Two recipients upload; their links come from the feed the desktop's registration fed.
  /** @type {string[]} */
  let links = [];
  const deadline = Date.now() + 30_000;
  while (links.length < 2 && Date.now() < deadline) {
    const page = await ana.events({ after: 0, limit: 100 });
    links = page.events.filter((e) => e.kind === "link_created" && e.campaign === slug).map((e) => e.link ?? "");
    if (links.length < 2) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(links.length >= 2, "the desktop registered its contacts' links on the server");
  await uploadAsRecipient(server.url, links[0] ?? "", fixture("ios-h264-aac-rotated.mp4"));
  await uploadAsRecipient(server.url, links[1] ?? "", fixture("ios-h264-aac-rotated.mp4"));
});

after(async () => {
  try {
    await app?.stop();
  } finally {
    proxy?.open();
    await proxy?.close();
    await server?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  }
});

function driver() {
  if (!app) throw new Error("the app is not running");
  return app.driver;
}

/** @param {string} id */
const row = (id) => `[data-testid=review-list] li[data-video="${id}"]`;

test("new videos are listed with a count in the navigation, and J/K move through them", async () => {
  await waitForReviewVideo(driver(), { state: "ready" });
  await driver().wait(
    async () => (await driver().findElements(By.css("[data-testid=review-list] li[data-state=ready]"))).length === 2,
    90_000,
    "both videos become ready",
  );
  const items = await driver().findElements(By.css("[data-testid=review-list] li[data-video]"));
  for (const item of items) videos.push((await item.getAttribute("data-video")) ?? "");
  const [first = "", second = ""] = videos;
  await waitForText(driver(), "[data-testid=review-waiting]", /^2$/);
  // Each row shows its poster, loaded from the server's signed address.
  await driver().wait(
    async () =>
      driver().executeScript(`
        const posters = [...document.querySelectorAll("[data-testid=review-poster]")];
        return posters.length === 2 && posters.every((img) => img.complete && img.naturalWidth > 0);
      `),
    15_000,
    "both rows show a loaded poster",
  );

  await selectReviewVideo(driver(), first);
  await press(driver(), "j");
  await waitForAttribute(driver(), row(second), "aria-selected", "true");
  await press(driver(), "j");
  await waitForAttribute(driver(), row(second), "aria-selected", "true"); // the last stays
  await press(driver(), "\uE013"); // ↑: the previous video
  await waitForAttribute(driver(), row(first), "aria-selected", "true");
  // K is skip, as in the Queue: on to the next video without a decision.
  await press(driver(), "k");
  await waitForAttribute(driver(), row(second), "aria-selected", "true");
  assert.equal(await driver().findElement(By.css(row(first))).getAttribute("data-review"), "pending", "K decided nothing");
  await press(driver(), "\uE013");
  await waitForAttribute(driver(), row(first), "aria-selected", "true");
  // The player comes once the selected video's media addresses are back: wait, do not race it.
  await driver().wait(until.elementLocated(By.css("video[data-testid=review-player]")), 10_000);
});

test("another reviewer's earlier decision wins and is shown beside ours", async () => {
  const [first = ""] = videos;
  proxy.hold();
  await press(driver(), "a");
  await waitForText(driver(), "[data-testid=review-decision]", /^Approved — sending…$/);
  await driver().wait(async () => proxy.held() > 0, 10_000, "the desktop sent its review");

  const theirs = await fetch(`${server.url}/api/v1/videos/${first}/review`, {
    method: "PUT",
    headers: { authorization: `Bearer ${anaToken}`, "content-type": "application/json" },
    body: JSON.stringify({ decision: "rejected", note: "off-brand", version: 0 }),
  });
  assert.equal(theirs.status, 200, "the other reviewer decides first");
  proxy.open();

  await waitForText(
    driver(),
    "[data-testid=review-conflict]",
    /^ana decided first: Rejected \(“off-brand”\)\. Your approved was not saved/,
    15_000,
  );
  await waitForText(driver(), "[data-testid=review-decision]", /^Rejected by ana$/);

  // Deciding again, having seen theirs, is saved.
  await press(driver(), "a");
  await waitForText(driver(), "[data-testid=review-decision]", /^Approved by Dana$/, 15_000);
  assert.equal((await driver().findElements(By.css("[data-testid=review-conflict]"))).length, 0);
});

test("N writes a note that R saves with the rejection; A then approves without it", async () => {
  const [, second = ""] = videos;
  await press(driver(), "j");
  await waitForAttribute(driver(), row(second), "aria-selected", "true");
  await press(driver(), "n");
  const note = await driver().findElement(By.css("textarea[data-testid=review-note]"));
  await note.sendKeys("too dark to use");
  await note.sendKeys("\uE00C"); // Escape: back to the keys, the note kept
  await press(driver(), "r");
  await waitForText(driver(), "[data-testid=review-decision]", /^Rejected by Dana$/, 15_000);
  await waitForText(driver(), ".viewer .note", /too dark to use/);
  const review = async () =>
    (await (await fetch(`${server.url}/api/v1/videos/${second}`, { headers: { authorization: `Bearer ${anaToken}` } })).json()).review;
  const saved = await review();
  assert.equal(saved.decision, "rejected");
  assert.equal(saved.note, "too dark to use");
  assert.equal(saved.reviewer, "Dana");

  await press(driver(), "a");
  await waitForText(driver(), "[data-testid=review-decision]", /^Approved by Dana$/, 15_000);
  assert.equal((await driver().findElements(By.css(".viewer .note"))).length, 0, "the rejection's note is not shown");
  const approved = await review();
  assert.equal(approved.decision, "approved");
  assert.equal(approved.note, "", "the rejection's note stays with the rejection");
});

/** @param {string} id */
async function serverReview(id) {
  const answer = await fetch(`${server.url}/api/v1/videos/${id}`, { headers: { authorization: `Bearer ${anaToken}` } });
  return (await answer.json()).review;
}

/** The ids the list shows, in order. */
async function listed() {
  const rows = await driver().findElements(By.css("[data-testid=review-list] li[data-video]"));
  return Promise.all(rows.map((r) => r.getAttribute("data-video")));
}

test("T types a tag with completion from the tags in use, Shift+4 rates, and the list filters by both", async () => {
  const [first = "", second = ""] = videos;
  await driver().findElement(By.css("[data-testid=review-filter-all]")).click();
  await driver().wait(async () => (await listed()).length === 2, 10_000, "All lists both videos");
  await selectReviewVideo(driver(), first);
  await press(driver(), "t");
  const field = await driver().findElement(By.css("[data-testid=review-tag-input]"));
  assert.equal(await driver().executeScript("return document.activeElement?.dataset.testid"), "review-tag-input");
  await field.sendKeys("Hook\uE007");
  await waitForText(driver(), "[data-testid=review-tags]", /Hook/);
  await field.sendKeys("\uE00C"); // Escape: back to the keys
  await press(driver(), "\uE008" + "4"); // Shift+4
  await waitForAttribute(driver(), "[data-testid=review-rating] button[aria-label='4 stars']", "aria-checked", "true");
  await driver().wait(
    async () => {
      const review = await serverReview(first);
      return review.rating === 4 && review.tags.join() === "Hook";
    },
    15_000,
    "the tag and the rating reach the server",
  );

  // On the next video the field offers the tag already used.
  await selectReviewVideo(driver(), second);
  await press(driver(), "t");
  await driver().wait(
    async () => driver().executeScript(`
      const input = document.querySelector("[data-testid=review-tag-input]");
      return [...(input.list?.options ?? [])].some((o) => o.value === "Hook");
    `),
    10_000,
    "completion offers Hook",
  );
  const secondField = await driver().findElement(By.css("[data-testid=review-tag-input]"));
  await secondField.sendKeys("b-roll\uE007\uE00C");
  await waitForText(driver(), "[data-testid=review-tags]", /b-roll/);
  await press(driver(), "\uE008" + "2");
  await waitForAttribute(driver(), "[data-testid=review-rating] button[aria-label='2 stars']", "aria-checked", "true");

  const tagFilter = await driver().findElement(By.css("[data-testid=review-tag-filter]"));
  await tagFilter.sendKeys("hook\uE007");
  await driver().wait(async () => JSON.stringify(await listed()) === JSON.stringify([first]), 10_000, "only the tagged video");
  // Backspaces, not clear(): the field is read as typed.
  await tagFilter.sendKeys("\uE003\uE003\uE003\uE003\uE007");
  await chooseRating("3");
  await driver().wait(async () => JSON.stringify(await listed()) === JSON.stringify([first]), 10_000, "only the 4-star video");
  await chooseRating("");
  await driver().wait(async () => (await listed()).length === 2, 10_000, "both again");
});

/** @param {string} value "" for any rating */
async function chooseRating(value) {
  await driver().executeScript(
    `const s = document.querySelector("[data-testid=review-rating-filter]");
     s.selectedIndex = arguments[0] === "" ? 0 : Number(arguments[0]);
     s.dispatchEvent(new Event("change", { bubbles: true }));`,
    value,
  );
}

test("S plays at 1.5×, and , and . pause and step one frame", async () => {
  const [first = ""] = videos;
  await selectReviewVideo(driver(), first);
  await driver().wait(until.elementLocated(By.css("video[data-testid=review-player]")), 10_000);
  await press(driver(), "s");
  await waitForText(driver(), "[data-testid=review-speed]", /^1\.5×/);
  const rate = await driver().executeScript("return document.querySelector('video[data-testid=review-player]').playbackRate");
  assert.equal(rate, 1.5, "the player plays at the speed shown");
  await driver().wait(async () => (await playerState(driver()))?.readyState >= 1, 10_000, "metadata loaded");
  await driver().executeScript("document.querySelector('video[data-testid=review-player]').currentTime = 1");
  await driver().wait(async () => Math.abs((await playerState(driver())).currentTime - 1) < 0.001, 5_000);
  await press(driver(), ".");
  await driver().wait(async () => Math.abs((await playerState(driver())).currentTime - (1 + 1 / 30)) < 0.005, 5_000, "one frame on");
  assert.equal((await playerState(driver())).paused, true);
  await press(driver(), ",");
  await press(driver(), ",");
  await driver().wait(async () => Math.abs((await playerState(driver())).currentTime - (1 - 1 / 30)) < 0.005, 5_000, "two frames back");
  await press(driver(), "s");
  await press(driver(), "s");
  await waitForText(driver(), "[data-testid=review-speed]", /^1×/);
});

test("P makes the current frame the poster, and the list shows the new one", async () => {
  const [first = ""] = videos;
  await selectReviewVideo(driver(), first);
  const posterSrc = () =>
    driver().executeScript(
      `const img = document.querySelector('[data-testid=review-list] li[data-video="${first}"] [data-testid=review-poster]');
       return img && img.complete && img.naturalWidth > 0 ? img.src : null;`,
    );
  await driver().wait(async () => (await posterSrc()) !== null, 15_000, "the list shows a poster");
  const before = await posterSrc();
  const state = await playerState(driver());
  await driver().executeScript(
    "document.querySelector('video[data-testid=review-player]').currentTime = arguments[0]",
    Math.max(0, state.duration - 0.5),
  );
  await press(driver(), "p");
  await waitForText(driver(), "[data-testid=review-notice]", /^Poster set to the frame at /, 20_000);
  await driver().wait(
    async () => {
      const now = await posterSrc();
      return now !== null && now !== before && /[?&]v=1(&|$)/.test(now);
    },
    20_000,
    "the list's poster becomes the new one",
  );
  const video = await (await fetch(`${server.url}/api/v1/videos/${first}`, { headers: { authorization: `Bearer ${anaToken}` } })).json();
  assert.match(video.urls.poster, /[?&]v=1(&|$)/, "every desktop gets the new poster's address");
});

test("the Review screen with tags, stars and the player's controls fits at 900x600 and 1280x800", async () => {
  const [first = ""] = videos;
  await selectReviewVideo(driver(), first);
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    assert.deepEqual(await horizontalOverflow(driver()), [], `Review at ${width}x${height} scrolls sideways`);
    await app?.screenshot(`desktop-review-labels-${width}x${height}`);
  }
});
