// Follow-ups, through a real WebDriver session on the debug build: a campaign with two
// follow-up steps ("no open after 2 days", then "opened, no upload after 3 days"), the first
// message sent to two people from the Queue, a real upload (tus, to the app's server) by one
// of them, then the app's clock moved forward (CLIPDESK_CLOCK_FILE, debug builds only;
// nothing sleeps): the other one's follow-up comes up with its own text, the same link and
// their DM page, and is sent; the one who uploaded gets no step, however far the clock moves.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { startDesktop } from "../lib/desktop.mjs";
import {
  addAllContacts,
  clickInView,
  clipboardText,
  copyAndOpen,
  currentContact,
  goTo,
  horizontalOverflow,
  importContacts,
  linkIn,
  mark,
  openQueueAndStart,
  resizeWindow,
  serverUrl,
  standInOpener,
  uploadAsRecipient,
  waitForReviewVideo,
  waitForText,
} from "../lib/flows.mjs";
import { fixture, tempDir } from "../lib/tus.mjs";

const DAY_MS = 24 * 3600 * 1000;

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {string} */
let dataDir;
/** @type {string} */
let clockFile;
/** @type {Awaited<ReturnType<typeof standInOpener>>} */
let opener;

const state = {
  server: "",
  /** @type {Map<string, string>} handle → link token of their first message */
  tokens: new Map(),
};

/**
 * Moves the app's clock to `days` after the real time.
 * @param {number} days
 */
async function shiftClock(days) {
  await fs.writeFile(clockFile, String(Math.round(days * DAY_MS)));
}

before(async () => {
  dataDir = await tempDir("desktop-followups-e2e");
  clockFile = path.join(dataDir, "clock-offset-ms");
  await shiftClock(0);
  opener = await standInOpener();
  app = await startDesktop({ dataDir, env: { ...opener.env, CLIPDESK_CLOCK_FILE: clockFile } });
});

after(async () => {
  try {
    await app?.stop();
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
    await opener?.remove();
  }
});

function running() {
  if (!app) throw new Error("the app is not running");
  return app;
}

test("a campaign gets a follow-up step in the editor; a follow-up without the link is named at its field", async () => {
  const { driver } = running();
  const csv = path.join(dataDir, "two.csv");
  await fs.writeFile(csv, "handle,user_id,display_name\nmaya.bakes,7277,Maya Lopez\ndan_rides,,Dan\n");
  assert.match(await importContacts(driver, csv), /^2 imported/);

  await goTo(driver, "campaigns");
  await driver.wait(until.elementLocated(By.css("[data-testid=campaign-new]")), 10_000).click();
  const editor = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-editor]")), 10_000);
  await editor.findElement(By.css("[data-testid=campaign-name]")).sendKeys("Follow bakes");
  const message = await editor.findElement(By.css("[data-testid=campaign-part] textarea"));
  await message.clear();
  await message.sendKeys("Hi {{first_name|there}}, record a clip for us: {{link}}");
  const spacing = await editor.findElement(By.xpath(".//label[contains(., 'Spacing')]//input"));
  await spacing.clear();
  await spacing.sendKeys("0");

  await editor.findElement(By.css("[data-testid=campaign-followup-add]")).click();
  const step = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-followup]")), 5_000);
  const text = await step.findElement(By.css("[data-testid=campaign-followup-text]"));
  await text.clear();
  await text.sendKeys("Still up for it, {{first_name|there}}?");
  const condition = await step.findElement(By.css("[data-testid=campaign-followup-condition]"));
  assert.equal(await condition.getAttribute("value"), "no_open", "a first step is 'no open' unless changed");
  const delay = await step.findElement(By.css("[data-testid=campaign-followup-delay]"));
  await delay.clear();
  await delay.sendKeys("2");
  await clickInView(driver, await editor.findElement(By.css("[data-testid=campaign-save]")));
  await waitForText(driver, "[data-testid=campaign-editor] .error.field[data-field='followups.0.template']", /^follow-up 1: not every message would include \{\{link\}\}/);

  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver, width, height);
    await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", step);
    assert.deepEqual(await horizontalOverflow(driver), [], `nothing scrolls sideways at ${width}×${height}`);
    await running().screenshot(`desktop-followups-editor-${width}x${height}`);
  }

  await text.sendKeys(" Same link: {{link}}");
  // A second step for people who opened but sent nothing: whoever uploaded must get neither.
  await editor.findElement(By.css("[data-testid=campaign-followup-add]")).click();
  const steps = await editor.findElements(By.css("[data-testid=campaign-followup]"));
  assert.equal(steps.length, 2);
  const second = /** @type {import("selenium-webdriver").WebElement} */ (steps[1]);
  assert.equal(await second.findElement(By.css("[data-testid=campaign-followup-condition]")).getAttribute("value"), "no_upload");
  const secondText = await second.findElement(By.css("[data-testid=campaign-followup-text]"));
  await secondText.clear();
  await secondText.sendKeys("Your video is one tap away: {{link}}");
  await clickInView(driver, await editor.findElement(By.css("[data-testid=campaign-save]")));
  await waitForText(driver, "[data-testid=campaign-notice]", /Saved “Follow bakes”/);
  assert.match(await addAllContacts(driver), /^Added 2 to Follow bakes/);
  state.server = await serverUrl(driver);
});

test("the first message goes to both from the Queue; one of them uploads a video on their link", async () => {
  const { driver } = running();
  await openQueueAndStart(driver);
  for (let index = 0; index < 2; index += 1) {
    const { handle } = await currentContact(driver);
    await copyAndOpen(driver);
    const copied = await clipboardText();
    assert.match(copied, /^Hi \S+, record a clip for us: /);
    state.tokens.set(handle, linkIn(copied).token);
    await mark(driver, "sent");
  }
  assert.deepEqual([...state.tokens.keys()], ["maya.bakes", "dan_rides"]);
  await waitForText(driver, "[data-testid=empty-state]", /Nobody is waiting/);

  const dan = state.tokens.get("dan_rides");
  assert.ok(dan);
  await uploadAsRecipient(state.server, dan, fixture("ios-h264-aac-rotated.mp4"));
  // Listed in Review: the desktop's sync has taken the upload in.
  await waitForReviewVideo(driver);
});

test("three days later the follow-up comes up with its own text, the same link and the DM page, and is sent", async () => {
  const { driver } = running();
  await shiftClock(3);
  await goTo(driver, "contacts");
  await goTo(driver, "queue");
  await driver.wait(until.elementLocated(By.css("[data-testid=queue] .prompt")), 10_000);
  // The left counts include the follow-up due, and only Maya's: Dan sent his video.
  await waitForText(driver, "[data-testid=queue-left]", /^no new people · 1 follow-up due$/);
  const heading = await openQueueAndStart(driver);
  assert.match(heading, /^@maya\.bakes/, "the follow-up of the one who did not open comes up");
  await waitForText(driver, "[data-testid=queue-followup]", /^Follow-up 1 of 2 · sent 3 days ago · not opened$/);

  const opened = (await opener.opened()).length;
  await copyAndOpen(driver);
  const copied = await clipboardText();
  const token = state.tokens.get("maya.bakes");
  assert.ok(token);
  assert.match(copied, /^Still up for it, Maya\? Same link: /, "the follow-up's own text");
  assert.equal(linkIn(copied).token, token, "the same link as the first message");
  const urls = await opener.waitForOpened(opened + 1);
  assert.equal(urls[opened], "https://www.tiktok.com/messages?lang=en&u=7277", "Maya's DM page");

  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver, width, height);
    assert.deepEqual(await horizontalOverflow(driver), [], `nothing scrolls sideways at ${width}×${height}`);
    await running().screenshot(`desktop-followups-queue-${width}x${height}`);
  }

  await mark(driver, "sent");
  // It counts against pacing like any send: the first messages are three days old now.
  await waitForText(driver, "[data-testid=pace]", /^1 of 50 sent in the last 24 hours/);
  await waitForText(driver, "[data-testid=empty-state]", /Nobody is waiting/);
});

test("the one who uploaded never gets the follow-up, however far the clock moves", async () => {
  const { driver } = running();
  await shiftClock(30);
  await goTo(driver, "contacts");
  await goTo(driver, "queue");
  await driver.wait(until.elementLocated(By.css("[data-testid=queue] .prompt")), 10_000);
  await waitForText(driver, "[data-testid=queue-left]", /^nobody left$/);
  await driver.findElement(By.css("[data-testid=queue] .prompt button")).click();
  await waitForText(driver, "[data-testid=empty-state]", /Nobody is waiting/);
  assert.equal((await driver.findElements(By.css("[data-testid=queue-followup]"))).length, 0);
});
