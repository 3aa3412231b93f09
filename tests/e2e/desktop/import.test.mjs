// Importing lists as operators really have them, through the Contacts screen's wizard in a
// real WebDriver session: a semicolon-separated Windows-1252 file with a "TikTok URL" header
// (one column's field changed by hand), an .xlsx with two sheets, and three pasted profile
// links. The files are the core's fixtures (crates/core/tests/fixtures/import).

import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { chooseOption, goTo, horizontalOverflow, resizeWindow, waitForText } from "../lib/flows.mjs";
import { repoRoot } from "../lib/paths.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";

const fixtures = path.join(repoRoot, "crates", "core", "tests", "fixtures", "import");

const { running, driver } = desktopForTheseTests("clipdesk-desktop-import-e2e-");

/** @param {string} testid */
async function click(testid) {
  await driver().wait(until.elementLocated(By.css(`[data-testid=${testid}]`)), 10_000).click();
}

/** Takes the screen at both declared sizes and checks nothing scrolls sideways. */
async function screens(/** @type {string} */ name) {
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    assert.deepEqual(await horizontalOverflow(driver()), [], `${name} at ${width}x${height} scrolls sideways`);
    await running().app.screenshot(`desktop-import-${name}-${width}x${height}`);
  }
}

/** Opens the file wizard on `file` and waits for its preview. */
async function previewFile(/** @type {string} */ file) {
  await goTo(driver(), "contacts");
  if ((await driver().findElements(By.css("[data-testid=import-path]"))).length === 0) await click("import-toggle");
  const input = await driver().wait(until.elementLocated(By.css("[data-testid=import-path]")), 10_000);
  await input.clear();
  await input.sendKeys(path.join(fixtures, file));
  await click("import-preview");
  return driver().wait(until.elementLocated(By.css("[data-testid=import-preview-table]")), 10_000);
}

/**
 * The preview table's text. Its cells cut long values with an ellipsis (overflow: hidden),
 * which WebKitWebDriver's getText reads as hidden, so the text is taken from the page.
 */
async function previewText() {
  return /** @type {Promise<string>} */ (
    driver().executeScript("return document.querySelector('[data-testid=import-preview-table]')?.textContent ?? ''")
  );
}

/** Each column's field as the preview's selects show it ("" is ignored). */
async function fields() {
  const selects = await driver().findElements(By.css("[data-testid=import-field]"));
  return Promise.all(selects.map((el) => el.getAttribute("value")));
}

test("a semicolon-separated Windows-1252 file shows its names decoded and imports with a field changed by hand", async () => {
  await previewFile("semicolon-windows-1252.csv");
  await waitForText(driver(), "[data-testid=import-encoding]", /^windows-1252$/);
  assert.equal(await driver().findElement(By.css("[data-testid=import-delimiter]")).getAttribute("value"), ";");
  const shown = await previewText();
  assert.match(shown, /Zoë Müller/);
  assert.match(shown, /café crème €5/);
  assert.deepEqual(await fields(), ["handle", "", "tags", ""], "TikTok URL is the handle; Creator name is unknown");

  await chooseOption(driver(), "[data-testid=import-field][data-column='1']", "display name");
  assert.deepEqual(await fields(), ["handle", "display_name", "tags", ""]);
  await screens("preview");

  await click("import-run");
  await waitForText(driver(), "[data-testid=import-report]", /^3 imported, 0 updated, 0 skipped, 0 rejected/);
  await waitForText(driver(), "[data-testid=contacts-table]", /Zoë Müller/);
  await waitForText(driver(), "[data-testid=contacts-table]", /@senor\.pena[\s\S]*Señor Peña/);
});

test("an .xlsx is read from its first sheet, its sheets offered, a shortened id kept out with a warning", async () => {
  await previewFile("creators.xlsx");
  const sheets = await driver().findElements(By.css("[data-testid=import-sheet] option"));
  assert.deepEqual(await Promise.all(sheets.map((el) => el.getText())), ["Creators", "Later"]);
  assert.deepEqual(await driver().findElements(By.css("[data-testid=import-encoding]")), [], "no encoding for a spreadsheet");
  assert.deepEqual(await fields(), ["handle", "user_id", "display_name", "tags"]);
  assert.match(await previewText(), /7277192393706324999/, "a user id typed as text keeps its 19 digits");
  await screens("xlsx");

  await click("import-run");
  await waitForText(
    driver(),
    "[data-testid=import-report]",
    /^3 imported, 0 updated, 1 skipped, 0 rejected\. 1 kept with a warning\./,
  );
  await waitForText(driver(), "[data-testid=import-problems]", /looks like a number Excel shortened/);

  // The second sheet, picked in the preview.
  await previewFile("creators.xlsx");
  await chooseOption(driver(), "[data-testid=import-sheet]", "Later");
  await driver().wait(async () => /second\.sheet/.test(await previewText()), 10_000, "the sheet Later is previewed");
  await click("import-run");
  await waitForText(driver(), "[data-testid=import-report]", /^1 imported/);
});

test("three pasted profile links import like a one-column file", async () => {
  await goTo(driver(), "contacts");
  await click("paste-toggle");
  const text = await driver().wait(until.elementLocated(By.css("[data-testid=paste-text]")), 10_000);
  // One per line, then two on a line separated by a comma.
  await text.sendKeys(
    "https://www.tiktok.com/@paste.one?lang=en",
    Key.ENTER,
    "www.tiktok.com/@paste.two/video/7277192393706324999, https://m.tiktok.com/@paste.three/",
  );
  await click("paste-preview");
  await waitForText(driver(), "[data-testid=paste-count]", /^3 entries to import$/);
  await screens("paste");
  await click("import-run");
  await waitForText(driver(), "[data-testid=import-report]", /^3 imported, 0 updated, 0 skipped, 0 rejected/);
  for (const handle of ["paste.one", "paste.two", "paste.three"]) {
    await waitForText(driver(), "[data-testid=contacts-table]", new RegExp(`@${handle.replace(".", "\\.")}`));
  }
});
