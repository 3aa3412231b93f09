// The operator's whole loop on one app data folder: contacts imported, a campaign made, three
// contacts worked from the queue (message on the clipboard, TikTok's DM page handed to the
// system opener), a recipient's video uploaded on the link, watched and approved in Review;
// then the app restarted on the same folder finds everything as it was left.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { after, before, test } from "node:test";
import { By } from "selenium-webdriver";
import { startDesktop } from "../lib/desktop.mjs";
import {
  clipboardText,
  copyAndOpen,
  createCampaign,
  currentContact,
  goTo,
  importContacts,
  addAllContacts,
  linkIn,
  mark,
  openQueueAndStart,
  playAndSeek,
  press,
  sampleContacts,
  selectReviewVideo,
  serverUrl,
  standInOpener,
  uploadAsRecipient,
  waitForAttribute,
  waitForReviewVideo,
  waitForText,
} from "../lib/flows.mjs";
import { fixture, tempDir } from "../lib/tus.mjs";

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {string} */
let dataDir;
/** @type {Awaited<ReturnType<typeof standInOpener>>} */
let opener;

/** What the earlier tests learnt and the later ones check. */
const loop = {
  slug: "",
  server: "",
  /** @type {Array<{ handle: string, message: string, token: string }>} */
  worked: [],
  videoId: "",
};

/** The fixture's user ids by handle, to know each contact's DM page. */
const userIds = new Map(
  (await fs.readFile(sampleContacts, "utf8"))
    .split("\n")
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => {
      const [handle = "", userId = ""] = line.split(",");
      return [handle.replace(/^@/, "").toLowerCase(), userId];
    }),
);

/**
 * TikTok's DM page for a contact: the messages page with their user id, or their profile.
 * @param {string} handle
 */
function dmUrl(handle) {
  const userId = userIds.get(handle);
  return userId
    ? `https://www.tiktok.com/messages?lang=en&u=${userId}`
    : `https://www.tiktok.com/@${encodeURIComponent(handle)}`;
}

before(async () => {
  dataDir = await tempDir("desktop-loop-e2e");
  opener = await standInOpener();
  app = await startDesktop({ dataDir, env: opener.env });
});

after(async () => {
  try {
    await app?.stop();
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
    await opener?.remove();
  }
});

/** The running app; fails the test instead of a TypeError when it did not start. */
function running() {
  if (!app) throw new Error("the app is not running");
  return app;
}

test("the operator imports the sample contacts and makes a campaign with all of them", async () => {
  const { driver } = running();
  const report = await importContacts(driver);
  assert.match(report, /^10 imported, 0 updated, 0 skipped, 0 rejected/);
  loop.slug = await createCampaign(driver, {
    name: "Loop bakes",
    template: "Hi {{first_name|there}} (@{{handle}}), record a clip for us: {{link}}",
    dailyCap: 50,
    spacingS: 0, // three sends in a row, no pacing wait between them
  });
  assert.match(await addAllContacts(driver), /^Added 10 to Loop bakes/);
  loop.server = await serverUrl(driver);
});

test("Enter copies each contact's own message and opens their TikTok DM page; S, K and F mark them", async () => {
  const { driver } = running();
  await openQueueAndStart(driver);
  /** @type {Array<"sent" | "skipped" | "cant_dm">} */
  const outcomes = ["sent", "skipped", "cant_dm"];
  for (const [index, outcome] of outcomes.entries()) {
    const { handle, parts } = await currentContact(driver);
    const [first] = parts;
    assert.ok(first, `@${handle} has a message`);
    await copyAndOpen(driver);

    const copied = await clipboardText();
    assert.equal(copied, first, "the clipboard holds the first part exactly as shown");
    assert.ok(copied.includes(`(@${handle})`), `the message names @${handle}: ${copied}`);
    const link = linkIn(copied);
    assert.equal(link.origin, loop.server, "the link points at the app's server");
    assert.ok(!loop.worked.some((w) => w.token === link.token), "each contact gets their own link");
    const page = await fetch(link.url);
    assert.equal(page.status, 200, "the link opens the recorder page");

    const opened = await opener.waitForOpened(index + 1);
    assert.equal(opened[index], dmUrl(handle), `the opener got @${handle}'s DM page`);

    loop.worked.push({ handle, message: copied, token: link.token });
    await mark(driver, outcome);
  }
  assert.deepEqual(
    loop.worked.map((w) => w.handle),
    ["maya.bakes", "dan_rides", "zoe.travels"],
    "the queue serves contacts in import order",
  );
  const next = await currentContact(driver);
  assert.equal(next.handle, "kenji.codes", "the fourth contact is next");
  await waitForText(driver, "[data-testid=pace]", /^1 of 50 sent in the last 24 hours/);
});

test("a video uploaded on the first contact's link shows in Review, plays, and is approved with A", async () => {
  const { driver } = running();
  const first = loop.worked[0];
  assert.ok(first, "the first contact was worked");
  await uploadAsRecipient(loop.server, first.token, fixture("ios-h264-aac-rotated.mp4"));

  loop.videoId = await waitForReviewVideo(driver, { state: "ready" });
  await selectReviewVideo(driver, loop.videoId);
  await driver.findElement(By.css("video[data-testid=review-player]"));
  const { playing, seeked } = await playAndSeek(driver);
  assert.ok(playing.readyState >= 2 && playing.currentTime > 0, `the video plays: ${JSON.stringify(playing)}`);
  assert.ok(
    Math.abs(seeked.currentTime - seeked.duration / 2) < 0.5,
    `the seek lands in the middle: ${JSON.stringify(seeked)}`,
  );

  await press(driver, "a");
  await waitForAttribute(driver, `[data-testid=review-list] li[data-video="${loop.videoId}"]`, "data-review", "approved");
  // "by <reviewer>" once the server took it; "sending…" before.
  await waitForText(driver, "[data-testid=review-decision]", /^Approved by \S+$/, 15_000);
});

test("restarted on the same folder, the app shows the queue, counts and review as they were left", async () => {
  await running().stop();
  app = undefined;
  app = await startDesktop({ dataDir, env: opener.env });
  const { driver } = app;

  const heading = await openQueueAndStart(driver);
  assert.match(heading, /^@kenji\.codes/, "the three marked contacts do not come back");
  await waitForText(driver, "[data-testid=pace]", /^1 of 50 sent in the last 24 hours/);

  await goTo(driver, "dashboard");
  const row = `[data-testid=funnel] tr[data-campaign="${loop.slug}"]`;
  await waitForText(driver, `${row} td[data-stage=sent]`, /^1$/);
  await waitForText(driver, `${row} td[data-stage=uploaded]`, /^1$/);
  await waitForText(driver, `${row} td[data-stage=approved]`, /^1$/);

  const approved = await waitForReviewVideo(driver, { filter: "approved", review: "approved", timeoutMs: 20_000 });
  assert.equal(approved, loop.videoId, "the approved video is the one uploaded");
  await selectReviewVideo(driver, loop.videoId);
  await waitForText(driver, "[data-testid=review-decision]", /Approved/);
  await waitForAttribute(driver, `[data-testid=review-list] li[data-video="${loop.videoId}"]`, "data-state", "ready");
});
