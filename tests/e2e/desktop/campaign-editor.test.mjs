// The campaign editor's recipient page (issue 12): the operator picks the page's language,
// replaces a text, names the organisation the consent gives the video to, sets when links
// stop working and opens the public campaign page; the real server then gives a recipient
// exactly that. And the editor fits the minimum window without a legend over its border.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";
import { By, until } from "selenium-webdriver";
import { launchChromium } from "../lib/chromium.mjs";
import {
  addAllContacts,
  clickInView,
  clipboardText,
  copyAndOpen,
  goTo,
  horizontalOverflow,
  importContacts,
  linkIn,
  openQueueAndStart,
  resizeWindow,
  serverUrl,
  waitForText,
} from "../lib/flows.mjs";
import { fixturesDir } from "../lib/paths.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";

const run = promisify(execFile);
const WEBM_FIXTURE = path.join(fixturesDir, "videos", "android-vp8-opus.webm");
const NAME = "Pan de verano";
const ORGANISATION = "Crumb & Co. Panadería";
const REVIEW_TITLE = "¿Te gusta cómo quedó?";
const HANDLE_TITLE = "¿Cómo te llamas en TikTok?";

/** @type {Awaited<ReturnType<typeof launchChromium>> | undefined} */
let browser;

const { running, driver } = desktopForTheseTests("desktop-campaign-editor-e2e", async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** @param {string} css */
async function find(css) {
  return driver().wait(until.elementLocated(By.css(css)), 10_000);
}

/**
 * Replaces an input's text.
 * @param {string} css
 * @param {string} text
 */
async function fill(css, text) {
  const field = await find(css);
  await field.clear();
  await field.sendKeys(text);
}

/**
 * Opens the campaign `name` in the editor.
 * @param {string} name
 */
async function openCampaign(name) {
  await goTo(driver(), "campaigns");
  const item = await driver().wait(
    until.elementLocated(By.xpath(`//*[@data-testid='campaign-list']//button[.//strong[normalize-space()='${name}']]`)),
    10_000,
  );
  await item.click();
  return find("[data-testid=campaign-editor]");
}

/** @param {boolean} on */
async function setPublicPage(on) {
  const box = await find("[data-testid=campaign-public-page]");
  if ((await box.isSelected()) !== on) await box.click();
}

/** @param {string} name */
async function save(name) {
  await clickInView(driver(), await find("[data-testid=campaign-save]"));
  await waitForText(driver(), "[data-testid=campaign-notice]", new RegExp(`Saved “${name}”`));
}

/**
 * Asks `url` until `ok(status, body)` holds: the desktop sends a saved campaign to the server
 * by itself, a moment after the save.
 * @param {string} url
 * @param {(status: number, body: any) => boolean} ok
 */
async function until200or404(url, ok, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const response = await fetch(url);
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    if (ok(response.status, body)) return body;
    last = `${response.status} ${text.slice(0, 200)}`;
    if (Date.now() > deadline) throw new Error(`${url} never answered as wanted; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The campaign's `expires_at` (Unix ms) as the embedded server stored it. */
async function storedExpiry(/** @type {string} */ slug) {
  const db = path.join(running().dataDir, "server", "clipdesk-server.sqlite3");
  const { stdout } = await run("sqlite3", ["-readonly", db, `SELECT expires_at FROM campaigns WHERE slug = '${slug}'`]);
  return Number(stdout.trim());
}

test("a recipient gets the page in Spanish with the operator's text and organisation, on a public page that closes when turned off", async () => {
  const d = driver();
  await importContacts(d);
  const server = await serverUrl(d);

  await goTo(d, "campaigns");
  await (await find("[data-testid=campaign-new]")).click();
  await find("[data-testid=campaign-editor]");
  await fill("[data-testid=campaign-name]", NAME);
  await fill("[data-testid=campaign-editor] textarea", "¡Hola {{first_name|amigo}}! Graba un video para nosotros: {{link}}");
  await (await find("[data-testid=campaign-language] option[value=es]")).click();
  await fill("[data-testid=campaign-organisation]", ORGANISATION);
  await waitForText(d, "[data-testid=campaign-consent-preview]", /Acepto que Crumb & Co\. Panadería guarde este video/);
  await fill("[data-testid=campaign-link-expiry]", "30");
  await waitForText(d, "[data-testid=campaign-link-expiry-note]", /stops working on .+30 days after the campaign was saved/);
  await setPublicPage(true);
  await waitForText(d, "[data-testid=campaign-page]", /address is shown once the campaign is saved/);
  for (const [key, text] of [
    ["reviewTitle", REVIEW_TITLE],
    ["handleTitle", HANDLE_TITLE],
    ["chooseAnother", ""],
  ]) {
    await (await find(`[data-testid=campaign-text-key] option[value=${key}]`)).click();
    await (await find("[data-testid=campaign-text-add]")).click();
    const box = await find(`[data-testid=campaign-text][data-key=${key}] textarea`);
    // The page's own text, in the campaign's language, shows what is being replaced.
    if (key === "reviewTitle") assert.equal(await box.getAttribute("placeholder"), "¿Qué tal quedó?");
    if (text) await box.sendKeys(text);
  }
  assert.equal(
    (await d.findElements(By.css("[data-testid=campaign-text-key] option[value=reviewTitle]"))).length,
    0,
    "a text already replaced is not offered twice",
  );
  await save(NAME);

  // Saved: the editor shows the public address, and copies it.
  await openCampaign(NAME);
  const shownUrl = await waitForText(d, "[data-testid=campaign-public-url]", /\/c\/\S+$/);
  const slug = shownUrl.split("/c/")[1] ?? "";
  assert.equal(shownUrl, `${server}/c/${slug}`);
  await (await find("[data-testid=campaign-public-copy]")).click();
  await d.wait(async () => (await clipboardText()) === shownUrl, 5_000, "the address is on the clipboard");
  const note = await waitForText(d, "[data-testid=campaign-link-expiry-note]", /30 days after the campaign was created/);
  const shownExpiry = await (await find("[data-testid=campaign-link-expiry-note] time")).getAttribute("datetime");
  assert.ok(shownExpiry, note);
  assert.equal((await (await find("[data-testid=campaign-language]")).getAttribute("value")), "es");

  // The public page: open, in Spanish, with the replaced text, naming the organisation.
  const open = await until200or404(`${server}/api/v1/public/campaigns/${slug}`, (status) => status === 200);
  assert.equal(open.language, "es");
  assert.deepEqual(open.strings, { reviewTitle: REVIEW_TITLE, handleTitle: HANDLE_TITLE }, "only the texts given are sent");
  assert.equal(open.organisation, ORGANISATION);
  const page = await browser?.context.newPage();
  if (!page) throw new Error("no browser");
  const response = await page.goto(shownUrl);
  assert.equal(response?.status(), 200);
  await page.waitForSelector(`text=${HANDLE_TITLE}`, { timeout: 15_000 });
  assert.equal(await page.getAttribute("html", "lang"), "es");

  // A contact's own link: the same page settings, and the consent names the organisation.
  await addAllContacts(d);
  await openQueueAndStart(d);
  await copyAndOpen(d);
  const { token, url } = linkIn(await clipboardText());
  const link = await (await fetch(`${server}/api/v1/public/links/${token}`)).json();
  assert.equal(link.language, "es");
  assert.equal(link.organisation, ORGANISATION);
  assert.equal(link.strings.reviewTitle, REVIEW_TITLE);
  await page.goto(url);
  await page.setInputFiles('[data-testid="file-input"]', WEBM_FIXTURE);
  await page.waitForSelector(`text=${REVIEW_TITLE}`, { timeout: 15_000 });
  assert.equal(
    await page.innerText('[data-testid="consent-text"]'),
    "Acepto que Crumb & Co. Panadería guarde este video y lo use en su contenido.",
  );
  // An override left empty keeps the page's own text.
  await page.waitForSelector("text=Elegir otro video", { timeout: 5_000 });
  await page.close();

  // Links stop working when the editor said they would.
  assert.equal(await storedExpiry(slug), Date.parse(shownExpiry), "the server's expiry is the one shown");

  // Public page off: the address answers 404, page and API alike.
  await openCampaign(NAME);
  await setPublicPage(false);
  await save(NAME);
  await until200or404(`${server}/api/v1/public/campaigns/${slug}`, (status) => status === 404);
  assert.equal((await fetch(shownUrl)).status, 404, "the page is gone too");
  assert.equal((await fetch(`${server}/api/v1/public/links/${token}`)).status, 200, "invited people's links still work");
});

test("an organisation the server would refuse is named beside its field and nothing is saved", async () => {
  const d = driver();
  const editor = await openCampaign(NAME);
  await fill("[data-testid=campaign-organisation]", "C".repeat(201));
  await clickInView(d, await find("[data-testid=campaign-save]"));
  const error = await waitForText(d, "[data-field=organisation]", /organisation: must be at most 200 characters/);
  assert.ok(error);
  assert.equal((await d.findElements(By.css("[data-testid=campaign-notice]"))).length, 0, "not saved");
  assert.ok(await editor.isDisplayed(), "the form stays open with what was typed");
  await openCampaign(NAME);
  assert.equal(await (await find("[data-testid=campaign-organisation]")).getAttribute("value"), ORGANISATION);
});

test("the editor fits 900×600 with every legend one line inside its border", async () => {
  const d = driver();
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(d, width, height);
    await openCampaign(NAME);
    await setPublicPage(true); // on: the address row shows
    await find("[data-testid=campaign-public-url]");
    assert.deepEqual(await horizontalOverflow(d), [], `nothing scrolls sideways at ${width}×${height}`);
    /** @type {string[]} */
    const wrapped = await d.executeScript(`
      return [...document.querySelectorAll("[data-testid=campaign-editor] legend")].flatMap((legend) => {
        const style = getComputedStyle(legend);
        const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3; // "normal" is about 1.2
        const lines = legend.getBoundingClientRect().height / line;
        const cut = legend.scrollWidth > legend.clientWidth;
        return lines > 1.5 || cut ? [legend.textContent + ": " + lines.toFixed(1) + " lines" + (cut ? ", cut" : "")] : [];
      });
    `);
    assert.deepEqual(wrapped, [], `every legend is one whole line at ${width}×${height}`);
    await running().app.screenshot(`desktop-campaign-editor-${width}x${height}`);
    await d.executeScript("document.querySelector('[data-testid=campaign-page]').scrollIntoView()");
    await running().app.screenshot(`desktop-campaign-editor-${width}x${height}-page`);
    await d.executeScript("document.querySelector('[data-testid=campaign-texts]').scrollIntoView()");
    await running().app.screenshot(`desktop-campaign-editor-${width}x${height}-texts`);
  }
});
