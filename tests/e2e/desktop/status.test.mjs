// Each person's status after real server events, through a real WebDriver session against the
// embedded server: four people sent their link; one opens it, one starts a tus upload and stops
// half way, one says "no thanks". The campaign's people list shows each status, "Opened, not
// uploaded" filters in one click, and the Dashboard shows declined, started and the funnel per
// variant with its verdict.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { By, until } from "selenium-webdriver";
import {
  addAllContacts,
  chooseOption,
  copyAndOpen,
  currentContact,
  goTo,
  horizontalOverflow,
  importContacts,
  linkIn,
  mark,
  openQueueAndStart,
  resizeWindow,
  saveCampaign,
  serverUrl,
  waitForText,
} from "../lib/flows.mjs";
import { fixturesDir } from "../lib/paths.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";
import { createUpload, patchUpload } from "../lib/tus.mjs";

const CAMPAIGN = "Status";
/** @type {string} the embedded server */
let url;
/** @type {string} the campaign's slug */
let slug = "";
/** The people sent a link, in the order they were sent: handle and link token. */
/** @type {{ handle: string, token: string }[]} */
const sent = [];

const { running, driver } = desktopForTheseTests("clipdesk-desktop-status-e2e-", async ({ app }) => {
  await importContacts(app.driver);
  slug = await createCampaignWithTwoVariants(app.driver);
  await addAllContacts(app.driver);
  url = await serverUrl(app.driver);
});

/**
 * The campaign "Status": its one part in two variants, no spacing between sends.
 * @param {import("selenium-webdriver").WebDriver} d
 */
async function createCampaignWithTwoVariants(d) {
  await goTo(d, "campaigns");
  await d.wait(until.elementLocated(By.css("[data-testid=campaign-new]")), 10_000).click();
  const editor = await d.wait(until.elementLocated(By.css("[data-testid=campaign-editor]")), 10_000);
  await editor.findElement(By.css("[data-testid=campaign-name]")).sendKeys(CAMPAIGN);
  const first = await editor.findElement(By.css("textarea[aria-label='Part 1 variant 1']"));
  await first.clear();
  await first.sendKeys("Hi {{first_name|there}}, record for us: {{link}}");
  const part = await editor.findElement(By.css("[data-testid=campaign-part]"));
  await part.findElement(By.xpath(".//button[normalize-space()='Add a variant']")).click();
  const second = await editor.findElement(By.css("textarea[aria-label='Part 1 variant 2']"));
  await second.sendKeys("Hey {{first_name|there}}! A short video? {{link}}");
  const spacing = await editor.findElement(By.xpath(".//label[contains(., 'Spacing')]//input"));
  await spacing.clear();
  await spacing.sendKeys("0");
  return saveCampaign(d, editor, CAMPAIGN);
}

/** Takes the screen at both declared sizes and checks nothing scrolls sideways. */
async function screens(/** @type {string} */ name) {
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    assert.deepEqual(await horizontalOverflow(driver()), [], `${name} at ${width}x${height} scrolls sideways`);
    await running().app.screenshot(`desktop-status-${name}-${width}x${height}`);
  }
}

/** @param {string} token */
async function openLink(token) {
  const response = await fetch(`${url}/api/v1/public/links/${token}`);
  assert.equal(response.status, 200, `opening ${token}`);
}

/**
 * The status each handle shows in the people list, once `expected` holds (sync brings them).
 * @param {Record<string, string>} expected handle → status
 */
async function waitForStatuses(expected) {
  /** @type {Record<string, string>} */
  let shown = {};
  await driver()
    .wait(async () => {
      shown = {};
      for (const row of await driver().findElements(By.css("[data-testid=campaign-people-table] tbody tr"))) {
        const handle = (await row.findElement(By.css("[data-testid=contact-open]")).getText()).slice(1);
        shown[handle] = (await row.getAttribute("data-status")) ?? "";
      }
      return Object.entries(expected).every(([handle, status]) => shown[handle] === status);
    }, 45_000)
    .catch(() => {
      throw new Error(`statuses shown ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`);
    });
  return shown;
}

test("people of a campaign show their statuses after real opens, a half-way upload and a decline", async () => {
  for (let i = 0; i < 4; i++) {
    await openQueueAndStart(driver());
    const { handle, parts } = await currentContact(driver());
    sent.push({ handle, token: linkIn(parts.join("\n")).token });
    await copyAndOpen(driver());
    await mark(driver(), "sent");
  }
  const [opener, starter, decliner, quiet] = sent;
  assert.ok(opener && starter && decliner && quiet);
  await openLink(opener.token);
  await openLink(starter.token);
  const video = await fs.readFile(path.join(fixturesDir, "videos", "no-audio.webm"));
  const upload = await createUpload(url, { length: video.length, token: starter.token });
  const half = await patchUpload(upload, 0, video.subarray(0, Math.floor(video.length / 2)));
  assert.equal(half.status, 204, "the first half is taken");
  await openLink(decliner.token);
  const declined = await fetch(`${url}/api/v1/public/links/${decliner.token}/decline`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ reason: "camera shy" }),
  });
  assert.equal(declined.status, 204);

  await goTo(driver(), "contacts");
  await chooseOption(driver(), "[data-testid=people-campaign]", `People in ${CAMPAIGN}, by status`);
  const shown = await waitForStatuses({
    [opener.handle]: "opened",
    [starter.handle]: "started",
    [decliner.handle]: "declined",
    [quiet.handle]: "sent",
  });
  const queued = Object.values(shown).filter((s) => s === "queued").length;
  assert.ok(queued > 0, "the people not messaged yet are queued");
  await waitForText(driver(), `[data-testid=campaign-people-table] tr[data-status=declined] [data-testid=person-status]`, /^declined /);
  await waitForText(driver(), "[data-testid=status-chip][data-status=declined]", /^Declined 1$/);
  await screens("people");

  // One click: those who opened and have not uploaded (the decliner is not among them).
  await driver().findElement(By.css("[data-testid=status-chip][data-status=opened_not_uploaded]")).click();
  await driver().wait(async () => {
    const rows = await driver().findElements(By.css("[data-testid=campaign-people-table] tbody tr"));
    return rows.length === 2;
  }, 10_000);
  const filtered = await waitForStatuses({ [opener.handle]: "opened", [starter.handle]: "started" });
  assert.deepEqual(Object.keys(filtered).sort(), [opener.handle, starter.handle].sort());
  const pressed = await driver().findElement(By.css("[data-testid=status-chip][data-status=opened_not_uploaded]")).getAttribute("aria-pressed");
  assert.equal(pressed, "true");
  await screens("opened-not-uploaded");

  // The person panel says where they stand in the campaign.
  await driver().findElement(By.xpath(`//button[@data-testid='contact-open' and normalize-space()='@${starter.handle}']`)).click();
  await waitForText(driver(), "[data-testid=person-item-status]", /^started uploading/);
});

test("the Dashboard shows declined and started in the funnel and the funnel per variant with its verdict", async () => {
  await goTo(driver(), "dashboard");
  const row = `[data-testid=funnel] tr[data-campaign='${slug}']`;
  await waitForText(driver(), `${row} td[data-stage=sent]`, /^4$/, 20_000);
  await waitForText(driver(), `${row} td[data-stage=started]`, /^1$/);
  await waitForText(driver(), `${row} td[data-stage=declined]`, /^1$/);
  await waitForText(driver(), `${row} td[data-stage=opened]`, /^3$/);
  const table = `[data-testid=variants][data-campaign='${slug}']`;
  const variants = await driver().wait(until.elementLocated(By.css(table)), 10_000);
  const rows = await variants.findElements(By.css("tbody tr"));
  assert.equal(rows.length, 2, "both variants were sent");
  let sentInAll = 0;
  for (const r of rows) sentInAll += Number(await r.findElement(By.css("td")).getText());
  assert.equal(sentInAll, 4, "every send is counted under its variant");
  await waitForText(driver(), `${table} [data-testid=verdict]`, /^Not yet meaningful: too few sends/);
  await screens("dashboard");
});
