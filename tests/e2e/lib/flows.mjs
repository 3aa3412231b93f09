// The operator's steps through the desktop window, shared by the suites and the screenshots
// script: importing contacts, making a campaign, working the queue, uploading as a recipient
// would, and reviewing the video that comes back.

import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { By, until } from "selenium-webdriver";
import { startDesktop } from "./desktop.mjs";
import { fixturesDir } from "./paths.mjs";
import { tempDir, tusUpload } from "./tus.mjs";

/** @typedef {import("selenium-webdriver").WebDriver} WebDriver */

const run = promisify(execFile);

export const ENTER = "\uE007";
export const ESCAPE = "\uE00C";
export const sampleContacts = path.join(fixturesDir, "contacts-sample.csv");

/**
 * Waits until the element's text matches, finding it afresh on every try: the UI re-renders
 * (the pacing countdown every second), so a found element can go stale between polls.
 * @param {WebDriver} driver
 * @param {string} css
 * @param {RegExp} pattern
 * @param {number} [timeout]
 * @returns {Promise<string>} the matching text
 */
export async function waitForText(driver, css, pattern, timeout = 10_000) {
  let last = "";
  await driver.wait(
    async () => {
      try {
        last = await driver.findElement(By.css(css)).getText();
        return pattern.test(last);
      } catch {
        return false; // not there yet, or re-rendered between find and read
      }
    },
    timeout,
    `${css} never matched ${pattern} (last: ${JSON.stringify(last)})`,
  );
  return last;
}

/**
 * Clicks `element` as a person would: once it is in the middle of the view and has stopped
 * moving. WebKit's driver does not always scroll a button below the fold (the campaign
 * editor's Save) into view by itself, and under load a click aimed before a late layout change
 * (the editor's variables arriving) lands beside the button.
 * @param {WebDriver} driver
 * @param {import("selenium-webdriver").WebElement} element
 */
export async function clickInView(driver, element) {
  let last = "";
  await driver.wait(
    async () => {
      await driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", element);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const rect = JSON.stringify(await element.getRect());
      const still = rect === last;
      last = rect;
      return still;
    },
    10_000,
    "the element never stopped moving within 10 s",
  );
  await element.click();
}

/**
 * Waits until an attribute of the element has the value, finding it afresh on every try.
 * @param {WebDriver} driver
 * @param {string} css
 * @param {string} name
 * @param {string} value
 * @param {number} [timeout]
 */
export async function waitForAttribute(driver, css, name, value, timeout = 10_000) {
  let last = /** @type {string | null} */ (null);
  await driver.wait(
    async () => {
      try {
        last = await driver.findElement(By.css(css)).getAttribute(name);
        return last === value;
      } catch {
        return false;
      }
    },
    timeout,
    `${css} never had ${name}="${value}" (last: ${last})`,
  );
}

/**
 * Presses keys as the operator does: on the page, not in a field.
 * @param {WebDriver} driver
 * @param {string} keys
 */
export async function press(driver, keys) {
  await driver.findElement(By.css("body")).sendKeys(keys);
}

/**
 * Opens a screen from the navigation and waits for it.
 * @param {WebDriver} driver
 * @param {"queue" | "contacts" | "campaigns" | "review" | "dashboard" | "settings"} screen
 */
export async function goTo(driver, screen) {
  const link = await driver.wait(until.elementLocated(By.css(`nav a[data-screen=${screen}]`)), 20_000);
  await link.click();
  await driver.wait(until.elementLocated(By.css(`main[data-screen=${screen}]`)), 10_000);
}

/**
 * The app started on a fresh data folder (named after `name`) with a {@link standInOpener}.
 * `stop` ends the app, then removes the opener and the folder.
 * @param {string} name
 */
export async function startWithOpener(name) {
  const dataDir = await tempDir(name);
  const opener = await standInOpener();
  const removeAll = async () => {
    await opener.remove();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  const app = await startDesktop({ dataDir, env: opener.env }).catch(async (error) => {
    await removeAll();
    throw error;
  });
  return {
    app,
    dataDir,
    opener,
    async stop() {
      try {
        await app.stop();
      } finally {
        await removeAll();
      }
    },
  };
}

/**
 * A stand-in for `xdg-open` (and `$BROWSER`) that notes each URL it is asked to open, one a
 * line, and opens nothing: TikTok itself is never called. `env` goes to `startDesktop`.
 */
export async function standInOpener() {
  const dir = await tempDir("opener");
  const bin = path.join(dir, "bin");
  const log = path.join(dir, "opened.txt");
  await fs.mkdir(bin);
  const script = path.join(bin, "xdg-open");
  await fs.writeFile(
    script,
    `#!/bin/sh\nprintf '%s\\n' "$*" >> "\${CLIPDESK_E2E_OPENED:-${log}}"\nexit 0\n`,
    { mode: 0o755 },
  );
  await fs.writeFile(log, "");
  return {
    /** For startDesktop: the app inherits tauri-driver's environment. */
    env: {
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      BROWSER: script,
      CLIPDESK_E2E_OPENED: log,
    },
    /** The URLs opened so far, oldest first. */
    async opened() {
      return (await fs.readFile(log, "utf8")).split("\n").filter((line) => line.trim());
    },
    /**
     * Waits until `count` URLs were opened and returns them.
     * @param {number} count
     */
    async waitForOpened(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const urls = await this.opened();
        if (urls.length >= count) return urls;
        if (Date.now() > deadline) throw new Error(`${urls.length} URLs opened, expected ${count}: ${urls.join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async remove() {
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The text on the X clipboard, read with xclip on this process's DISPLAY (the app's, under
 * the same xvfb-run). A hung owner fails the read after 5 s instead of hanging the test.
 */
export async function clipboardText() {
  const { stdout } = await run("xclip", ["-o", "-selection", "clipboard"], { timeout: 5_000 });
  return stdout;
}

/**
 * Opens the Contacts screen's import wizard on `csv` and waits for its preview.
 * @param {WebDriver} driver
 * @param {string} [csv]
 */
export async function openImportPreview(driver, csv = sampleContacts) {
  await goTo(driver, "contacts");
  const toggle = await driver.wait(until.elementLocated(By.css("[data-testid=import-toggle]")), 10_000);
  // The button toggles: open the wizard only when it is not open already.
  if ((await driver.findElements(By.css("[data-testid=import-path]"))).length === 0) await toggle.click();
  const input = await driver.wait(until.elementLocated(By.css("[data-testid=import-path]")), 10_000);
  await input.clear();
  await input.sendKeys(csv);
  await driver.findElement(By.css("[data-testid=import-preview]")).click();
  await driver.wait(until.elementLocated(By.css("[data-testid=import-preview-table]")), 10_000);
}

/**
 * Imports `csv` through the Contacts screen; returns the import's report line.
 * @param {WebDriver} driver
 * @param {string} [csv]
 */
export async function importContacts(driver, csv = sampleContacts) {
  await openImportPreview(driver, csv);
  await driver.findElement(By.css("[data-testid=import-run]")).click();
  return waitForText(driver, "[data-testid=import-report]", /^\d+ imported/, 30_000);
}

/**
 * Sets a number input the campaign editor labels `label`.
 * @param {import("selenium-webdriver").WebElement} editor
 * @param {string} label
 * @param {number} value
 */
async function setNumber(editor, label, value) {
  const input = await editor.findElement(By.xpath(`.//label[contains(., '${label}')]//input`));
  await input.clear();
  await input.sendKeys(String(value));
}

/**
 * Creates a campaign through the Campaigns screen; returns its slug, as the list shows it.
 * @param {WebDriver} driver
 * @param {{ name: string, template: string, dailyCap?: number, spacingS?: number }} campaign
 */
export async function createCampaign(driver, { name, template, dailyCap, spacingS }) {
  await goTo(driver, "campaigns");
  await driver.wait(until.elementLocated(By.css("[data-testid=campaign-new]")), 10_000).click();
  const editor = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-editor]")), 10_000);
  await editor.findElement(By.css("[data-testid=campaign-name]")).sendKeys(name);
  const message = await editor.findElement(By.css("textarea"));
  await message.clear();
  await message.sendKeys(template);
  if (dailyCap !== undefined) await setNumber(editor, "Daily cap", dailyCap);
  if (spacingS !== undefined) await setNumber(editor, "Spacing", spacingS);
  return saveCampaign(driver, editor, name);
}

/**
 * Saves the campaign open in the editor as `name`; returns its slug, as the list shows it.
 * @param {WebDriver} driver
 * @param {import("selenium-webdriver").WebElement} editor
 * @param {string} name
 */
export async function saveCampaign(driver, editor, name) {
  await clickInView(driver, await editor.findElement(By.css("[data-testid=campaign-save]")));
  await waitForText(driver, "[data-testid=campaign-notice]", new RegExp(`Saved “${name}”`));
  // The notice shows before the list is read again.
  const item = await driver.wait(
    until.elementLocated(By.xpath(`//*[@data-testid='campaign-list']//button[.//strong[normalize-space()='${name}']]`)),
    10_000,
    `"${name}" never appeared in the campaign list`,
  );
  const hint = await item.findElement(By.css(".hint")).getText();
  const slug = /^\/(\S+)/.exec(hint)?.[1];
  if (!slug) throw new Error(`no slug in the campaign list's line "${hint}"`);
  return slug;
}

/**
 * Picks the option of a `<select>` whose text is `text`.
 * @param {WebDriver} driver
 * @param {string} css the select
 * @param {string} text
 */
export async function chooseOption(driver, css, text) {
  const select = await driver.wait(until.elementLocated(By.css(css)), 10_000);
  await select.findElement(By.xpath(`.//option[normalize-space()='${text}']`)).click();
}

/**
 * Adds every contact (the Contacts screen's search left empty) to a campaign: the only one,
 * or the one named `campaign`.
 * @param {WebDriver} driver
 * @param {string} [campaign]
 * @returns {Promise<string>} the notice, e.g. "Added 10 to …"
 */
export async function addAllContacts(driver, campaign) {
  await goTo(driver, "contacts");
  const add = await driver.wait(until.elementLocated(By.css("[data-testid=add-matching]")), 10_000);
  if (campaign) await chooseOption(driver, "[data-testid=add-campaign]", campaign);
  await driver.wait(until.elementIsEnabled(add), 5_000);
  await add.click();
  return waitForText(driver, ".add .notice", campaign ? new RegExp(`^Added \\d+ to ${campaign}`) : /^Added \d+/);
}

/**
 * Opens the Queue on the campaign named `name`.
 * @param {WebDriver} driver
 * @param {string} name
 */
export async function openQueueOn(driver, name) {
  await goTo(driver, "queue");
  await chooseOption(driver, "[data-testid=queue-campaign]", name);
}

/**
 * The embedded server's URL, as Settings shows it.
 * @param {WebDriver} driver
 */
export async function serverUrl(driver) {
  await goTo(driver, "settings");
  return waitForText(driver, "[data-testid=server-url]", /^https?:\/\/\S+$/);
}

/**
 * Opens the Queue and starts the next contact with Enter; waits until one is shown (its link
 * may first have to be registered by the sync loop: the queue asks again by itself).
 * @param {WebDriver} driver
 * @returns {Promise<string>} the contact's heading, "@handle Name"
 */
export async function openQueueAndStart(driver) {
  await goTo(driver, "queue");
  await driver.wait(until.elementLocated(By.css("[data-testid=queue-campaign]")), 10_000);
  await driver.wait(until.elementLocated(By.css("[data-testid=queue] .prompt, [data-testid=queue-contact]")), 10_000);
  if ((await driver.findElements(By.css("[data-testid=queue-contact]"))).length === 0) await press(driver, ENTER);
  return waitForText(driver, "[data-testid=queue-contact] h2", /^@\S+/, 60_000);
}

/**
 * The contact on screen: handle (no `@`) and the text of each message part.
 * @param {WebDriver} driver
 */
export async function currentContact(driver) {
  const heading = await waitForText(driver, "[data-testid=queue-contact] h2", /^@\S+/);
  const handle = heading.slice(1).split(/\s/)[0] ?? "";
  const parts = await Promise.all(
    (await driver.findElements(By.css("[data-testid=queue-parts] pre"))).map((el) => el.getText()),
  );
  return { handle, parts };
}

/**
 * Enter on a started contact: copies the first part and opens the DM page. Waits for the
 * queue's notice saying so.
 * @param {WebDriver} driver
 */
export async function copyAndOpen(driver) {
  await press(driver, ENTER);
  return waitForText(driver, "[data-testid=queue-notice]", /^Copied /);
}

/**
 * Marks the contact on screen and waits until the queue moved past it.
 * @param {WebDriver} driver
 * @param {"sent" | "skipped" | "cant_dm"} outcome cant_dm picks the first reason (privacy settings)
 */
export async function mark(driver, outcome) {
  const { handle } = await currentContact(driver);
  const escaped = handle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (outcome === "sent") await press(driver, "s");
  else if (outcome === "skipped") await press(driver, "k");
  else {
    await press(driver, "f");
    await driver.wait(until.elementLocated(By.css("[data-testid=queue] .reasons")), 5_000);
    await press(driver, "1");
  }
  const word = { sent: "Sent", skipped: "Skipped", cant_dm: "Can't DM" }[outcome];
  await waitForText(driver, "[data-testid=queue-notice]", new RegExp(`^${word}: @${escaped} `));
}

/**
 * The link token in a message: the last path segment of its `/r/<token>` URL.
 * @param {string} text
 */
export function linkIn(text) {
  const match = /(https?:\/\/[^\s/]+)\/r\/([A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`no /r/<token> link in "${text}"`);
  return { url: match[0], origin: match[1] ?? "", token: match[2] ?? "" };
}

/**
 * Uploads a fixture video with tus-js-client as the recorder page does: to `/api/v1/uploads`,
 * the link token, file name and type and the consent text in the metadata.
 * @param {string} baseUrl the server's URL
 * @param {string} linkToken
 * @param {string} file
 * @param {string} [filetype]
 */
export async function uploadAsRecipient(baseUrl, linkToken, file, filetype = "video/mp4") {
  const bytes = await fs.readFile(file);
  const { url } = await tusUpload(bytes, {
    endpoint: `${baseUrl}/api/v1/uploads`,
    chunkSize: 8 * 1024 * 1024,
    retryDelays: [0, 500, 2000],
    metadata: {
      token: linkToken,
      filename: path.basename(file),
      filetype,
      consent: "I agree that this video may be used for the campaign.",
    },
  });
  return url;
}

/**
 * Waits in Review until a video is listed in `state` (e.g. "ready"); returns its id. `filter`
 * picks the list first (the screen opens on "to_review", which leaves decided videos out).
 * @param {WebDriver} driver
 * @param {{ state?: string, review?: string, filter?: "to_review" | "approved" | "rejected" | "all", timeoutMs?: number }} [want]
 */
export async function waitForReviewVideo(driver, { state, review, filter, timeoutMs = 90_000 } = {}) {
  await goTo(driver, "review");
  if (filter) {
    const tab = `[data-testid=review-filter-${filter}]`;
    await driver.wait(until.elementLocated(By.css(tab)), 10_000).click();
    await waitForAttribute(driver, tab, "aria-selected", "true");
  }
  let css = "[data-testid=review-list] li[data-video]";
  if (state) css += `[data-state=${state}]`;
  if (review) css += `[data-review=${review}]`;
  const item = await driver.wait(until.elementLocated(By.css(css)), timeoutMs, `no video listed as ${css}`);
  const id = await item.getAttribute("data-video");
  if (!id) throw new Error("a listed video has no data-video id");
  return id;
}

/**
 * Selects a video in Review by clicking it, and waits until it is the selected one.
 * @param {WebDriver} driver
 * @param {string} id
 */
export async function selectReviewVideo(driver, id) {
  const css = `[data-testid=review-list] li[data-video="${id}"]`;
  await driver.findElement(By.css(css)).click();
  await waitForAttribute(driver, css, "aria-selected", "true");
}

/**
 * The review player's state, read in the page.
 * @param {WebDriver} driver
 * @returns {Promise<{ readyState: number, currentTime: number, duration: number, paused: boolean, error: number | null, src: string }>}
 */
export async function playerState(driver) {
  return driver.executeScript(`
    const v = document.querySelector("video[data-testid=review-player]");
    if (!v) return null;
    return { readyState: v.readyState, currentTime: v.currentTime, duration: v.duration,
             paused: v.paused, error: v.error ? v.error.code : null, src: v.currentSrc || v.src };
  `);
}

/**
 * Plays the review player (muted: Xvfb has no sound card) until a frame is shown and time
 * moves; then seeks to the middle. Returns the states seen, for the asserts.
 * @param {WebDriver} driver
 */
export async function playAndSeek(driver) {
  await driver.wait(until.elementLocated(By.css("video[data-testid=review-player]")), 10_000);
  await driver.executeScript(`
    const v = document.querySelector("video[data-testid=review-player]");
    v.muted = true;
    window.__clipdeskPlay = "pending";
    v.play().then(() => (window.__clipdeskPlay = "playing"), (e) => (window.__clipdeskPlay = String(e)));
  `);
  let playing = await playerState(driver);
  await driver.wait(
    async () => {
      playing = await playerState(driver);
      return playing.readyState >= 2 && playing.currentTime > 0;
    },
    20_000,
    "the review player never played",
  ).catch(async (error) => {
    const play = await driver.executeScript("return window.__clipdeskPlay");
    throw new Error(`${error.message}: ${JSON.stringify(playing)}, play(): ${play}`);
  });
  await driver.executeScript(`
    const v = document.querySelector("video[data-testid=review-player]");
    v.pause();
    window.__clipdeskSeeked = false;
    v.addEventListener("seeked", () => (window.__clipdeskSeeked = true), { once: true });
    v.currentTime = v.duration / 2;
  `);
  await driver.wait(async () => driver.executeScript("return window.__clipdeskSeeked === true"), 10_000, "no seek");
  const seeked = await playerState(driver);
  return { playing, seeked };
}

/**
 * What scrolls sideways on the screen shown: the document, the screen's `main`, and every
 * scroll container inside it, each as `what: scrollWidth > clientWidth`. Empty when nothing does.
 * @param {WebDriver} driver
 * @returns {Promise<string[]>}
 */
export async function horizontalOverflow(driver) {
  return driver.executeScript(`
    const name = (el) => el === document.scrollingElement ? "document"
      : el.tagName.toLowerCase() + (el.dataset.testid ? "[data-testid=" + el.dataset.testid + "]" : "")
        + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/)[0] : "");
    const main = document.querySelector("main");
    const boxes = [document.scrollingElement, main];
    for (const el of main ? main.querySelectorAll("*") : []) {
      if (/(auto|scroll)/.test(getComputedStyle(el).overflowX)) boxes.push(el);
    }
    return boxes.filter((el) => el && el.scrollWidth > el.clientWidth)
      .map((el) => name(el) + ": " + el.scrollWidth + " > " + el.clientWidth);
  `);
}

/**
 * Resizes the app's window so its page is `width`×`height` (under Xvfb there is no frame), and
 * waits until the page has relaid out.
 * @param {WebDriver} driver
 * @param {number} width
 * @param {number} height
 */
export async function resizeWindow(driver, width, height) {
  await driver.manage().window().setRect({ width, height });
  await driver.wait(
    async () => {
      const [w, h] = /** @type {[number, number]} */ (await driver.executeScript("return [innerWidth, innerHeight]"));
      return w === width && h === height;
    },
    5_000,
    `the window never became ${width}×${height}`,
  );
}
