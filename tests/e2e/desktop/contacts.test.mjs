// One person's controls on the Contacts screen, through a real WebDriver session against the
// embedded server: an edit refused and then saved, removal from a campaign, a sent link
// revoked (the page refuses it), and a person forgotten (their video gone on the server).

import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { By, until } from "selenium-webdriver";
import { createOperatorToken, operatorApi } from "../lib/api.mjs";
import {
  addAllContacts,
  copyAndOpen,
  createCampaign,
  currentContact,
  goTo,
  horizontalOverflow,
  importContacts,
  linkIn,
  mark,
  openQueueAndStart,
  resizeWindow,
  serverUrl,
  uploadAsRecipient,
  waitForText,
} from "../lib/flows.mjs";
import { fixturesDir } from "../lib/paths.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";

/** @type {string} the embedded server */
let url;
/** @type {ReturnType<typeof operatorApi>} */
let api;
/** The contact sent a link, its token and the video that came back. */
const sent = { handle: "", token: "", video: "" };

const { running, driver } = desktopForTheseTests("clipdesk-desktop-contacts-e2e-", async ({ app, dataDir }) => {
  await importContacts(app.driver);
  await createCampaign(app.driver, { name: "Spring", template: "Hi {{first_name|there}}, record for us: {{link}}" });
  await addAllContacts(app.driver);
  url = await serverUrl(app.driver);
  api = operatorApi(url, await createOperatorToken(path.join(dataDir, "server"), "contacts-e2e"));
});

/** @param {string} testid */
async function click(testid) {
  await driver().wait(until.elementLocated(By.css(`[data-testid=${testid}]`)), 10_000).click();
}

/**
 * Replaces a field's text.
 * @param {string} testid
 * @param {string} text
 */
async function fill(testid, text) {
  const field = await driver().findElement(By.css(`[data-testid=${testid}]`));
  await field.clear();
  await field.sendKeys(text);
}

/**
 * Searches the Contacts screen for `handle` and opens that contact's panel.
 * @param {string} handle
 */
async function openPerson(handle) {
  await goTo(driver(), "contacts");
  await fill("contacts-search", handle);
  const open = await driver().wait(
    until.elementLocated(By.xpath(`//button[@data-testid='contact-open' and normalize-space()='@${handle}']`)),
    10_000,
  );
  await open.click();
  await waitForText(driver(), "[data-testid=person-name]", new RegExp(`^@${handle.replace(/\./g, "\\.")}( |$)`));
}

/**
 * What the recipient's page is told about a link: "200", or the status and error code.
 * @param {string} token
 */
async function pageAnswer(token) {
  const response = await fetch(`${url}/api/v1/public/links/${token}`);
  if (response.ok) return "200";
  const body = /** @type {{ error: { code: string } }} */ (await response.json());
  return `${response.status} ${body.error.code}`;
}

/** Takes the screen at both declared sizes and checks nothing scrolls sideways. */
async function screens(/** @type {string} */ name) {
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    assert.deepEqual(await horizontalOverflow(driver()), [], `${name} at ${width}x${height} scrolls sideways`);
    await running().app.screenshot(`desktop-contacts-${name}-${width}x${height}`);
  }
}

test("an edit with a bad handle names the field and changes nothing; a good one is saved and in the history", async () => {
  await openPerson("dan_rides");
  await click("person-edit");
  await fill("edit-handle", "dan.");
  await click("edit-save");
  await waitForText(driver(), "[data-testid=edit-error]", /^handle: /);
  const invalid = await driver().findElement(By.css("[data-testid=edit-handle]")).getAttribute("aria-invalid");
  assert.equal(invalid, "true", "the bad field is marked");
  await screens("edit-error");
  await waitForText(driver(), "[data-testid=person-name]", /^@dan_rides /, 2_000);

  await fill("edit-handle", "dan_rides_bikes");
  await click("edit-save");
  await waitForText(driver(), "[data-testid=person-notice]", /^Saved @dan_rides_bikes\./);
  await waitForText(driver(), "[data-testid=person-name]", /^@dan_rides_bikes /);
  await waitForText(driver(), "[data-testid=person-history] li[data-action=edited]", /handle dan_rides → dan_rides_bikes/);
});

test("removing a contact nobody messaged takes it out of the campaign without asking", async () => {
  await openPerson("kenji.codes");
  await click("person-remove");
  await waitForText(driver(), "[data-testid=person-notice]", /^Removed from Spring\.$/);
  assert.equal((await driver().findElements(By.css("[data-testid=person-confirm]"))).length, 0, "nothing to confirm");
  assert.equal((await driver().findElements(By.css("[data-testid=person-campaigns]"))).length, 0, "in no campaign");
  await waitForText(driver(), "[data-testid=person-history] li[data-action=removed_from_campaign]", /Spring removed from the campaign — /);
});

test("a sent link revoked from the contact's panel is refused by the person's page", async () => {
  await openQueueAndStart(driver());
  const { handle, parts } = await currentContact(driver());
  const link = linkIn(parts.join("\n"));
  await copyAndOpen(driver());
  await mark(driver(), "sent");
  sent.handle = handle;
  sent.token = link.token;
  assert.equal(await pageAnswer(sent.token), "200");
  await uploadAsRecipient(url, sent.token, path.join(fixturesDir, "videos", "no-audio.webm"), "video/webm");
  const received = await api.waitForEvent((e) => e.kind === "video_received" && e.link === sent.token);
  sent.video = received.find((e) => e.kind === "video_received")?.video_id ?? "";
  assert.ok(sent.video, "the upload became a video");

  // The video reaches this desktop through the feed; the panel counts it.
  const deadline = Date.now() + 30_000;
  for (;;) {
    await openPerson(handle);
    const status = await driver().findElement(By.css("[data-testid=person-item-status]")).getText();
    if (/1 video/.test(status)) break;
    if (Date.now() > deadline) throw new Error(`the video never reached the panel: ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await click("person-revoke");
  await waitForText(driver(), "[data-testid=person-confirm] p", new RegExp(`^Revoke @${handle.replace(/\./g, "\\.")}.*'s link in Spring\\?`));
  await click("person-confirm-yes");
  await waitForText(driver(), "[data-testid=person-notice]", /^Revoked .* link in Spring\.$/);
  await waitForText(driver(), "[data-testid=person-item-status]", /^uploaded · link revoked · 1 video$/);
  await waitForText(driver(), "[data-testid=person-history] li[data-action=link_revoked]", /link revoked/);
  assert.equal(await pageAnswer(sent.token), "404 revoked", "the page refuses the link");
});

test("forgetting asks first, naming the person and what goes, then deletes their video on the server and here", async () => {
  await openPerson(sent.handle);
  await click("person-forget");
  const question = await waitForText(driver(), "[data-testid=person-confirm] p", /^Forget @/);
  assert.match(question, new RegExp(`^Forget @${sent.handle.replace(/\./g, "\\.")}`));
  assert.match(question, /1 video, their uploads and 1 link are deleted/);
  await screens("forget-confirm");
  await click("person-confirm-no");
  assert.equal((await driver().findElements(By.css("[data-testid=person-confirm]"))).length, 0);
  assert.ok(await api.video(sent.video), "cancelled: the video is still there");

  await click("person-forget");
  await click("person-confirm-yes");
  await waitForText(driver(), "[data-testid=contacts-notice]", /^Forgot @.*: 1 link\(s\) and 1 video\(s\) deleted\.$/, 20_000).catch(
    async (error) => {
      console.log(await driver().findElement(By.css("main")).getAttribute("outerHTML"));
      await running().app.screenshot("desktop-contacts-failed");
      throw error;
    },
  );
  assert.equal((await driver().findElements(By.css("[data-testid=person-panel]"))).length, 0);
  await waitForText(driver(), "[data-testid=contacts-empty]", /No contact matches/);
  await assert.rejects(api.video(sent.video), /answered 404/, "the video is gone on the server");
  assert.equal(await pageAnswer(sent.token), "404 not_found", "and so is the link");
});
