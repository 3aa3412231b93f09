// Exporting approved videos from Review against a real clipdesk-server: two videos approved
// with A, ticked with X, E opens the export dialog, the folder is typed, and the files and
// manifests land on disk in a campaign folder; a second export skips them all. The dialog is
// photographed at 900x600 and 1280x800 and must not scroll sideways.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { By } from "selenium-webdriver";
import { createOperatorToken, operatorApi } from "../lib/api.mjs";
import { startDesktop } from "../lib/desktop.mjs";
import {
  addAllContacts,
  createCampaign,
  goTo,
  horizontalOverflow,
  importContacts,
  press,
  resizeWindow,
  selectReviewVideo,
  uploadAsRecipient,
  waitForAttribute,
  waitForText,
} from "../lib/flows.mjs";
import { startServer } from "../lib/server.mjs";
import { fixture, tempDir } from "../lib/tus.mjs";

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {string} */
let dataDir;
/** @type {string} */
let exportDir;
/** @type {string} */
let slug;
/** @type {string[]} */
const videos = [];

before(async () => {
  server = await startServer();
  const deskToken = await createOperatorToken(server.dataDir, "desk");
  const ana = operatorApi(server.url, await createOperatorToken(server.dataDir, "ana"));
  dataDir = await tempDir("desktop-export-e2e");
  exportDir = await tempDir("desktop-export-folder");
  app = await startDesktop({ dataDir });
  const { driver } = app;

  await goTo(driver, "settings");
  await driver.findElement(By.css("[data-testid=settings-remote]")).click();
  await driver.findElement(By.css("[data-testid=settings-server-url]")).sendKeys(server.url);
  await driver.findElement(By.css("[data-testid=settings-server-token]")).sendKeys(deskToken);
  const operator = await driver.findElement(By.css("[data-testid=settings-operator]"));
  await operator.clear();
  await operator.sendKeys("Dana");
  await driver.findElement(By.css("[data-testid=settings-save]")).click();
  await waitForText(driver, "[data-testid=settings-save-result]", /^Saved\.$/);

  await importContacts(driver);
  slug = await createCampaign(driver, { name: "Export bakes", template: "Hi @{{handle}}: {{link}}" });
  await addAllContacts(driver);
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
    await server?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    if (exportDir) await fs.rm(exportDir, { recursive: true, force: true });
  }
});

function driver() {
  if (!app) throw new Error("the app is not running");
  return app.driver;
}

/** @param {string} id */
const row = (id) => `[data-testid=review-list] li[data-video="${id}"]`;

test("two approved videos ticked with X are exported by E into a typed folder, with manifests", async () => {
  await goTo(driver(), "review");
  await driver().wait(
    async () => (await driver().findElements(By.css("[data-testid=review-list] li[data-state=ready]"))).length === 2,
    90_000,
    "both videos become ready",
  );
  for (const item of await driver().findElements(By.css("[data-testid=review-list] li[data-video]"))) {
    videos.push((await item.getAttribute("data-video")) ?? "");
  }
  await driver().findElement(By.css("[data-testid=review-filter-all]")).click();
  await waitForAttribute(driver(), "[data-testid=review-filter-all]", "aria-selected", "true");
  for (const id of videos) {
    await selectReviewVideo(driver(), id);
    await press(driver(), "a");
    await waitForText(driver(), "[data-testid=review-decision]", /^Approved by Dana$/, 15_000);
    await press(driver(), "x");
    await driver().wait(
      async () => driver().executeScript(`return document.querySelector('${row(id)} [data-testid=review-check]').checked`),
      5_000,
      "X ticks the watched video",
    );
  }
  await waitForText(driver(), "[data-testid=review-export]", /^Export 2…/);

  await press(driver(), "e");
  const dialog = await driver().findElement(By.css("[data-testid=export-dialog]"));
  assert.equal(await dialog.findElement(By.css("[data-testid=export-scope-selected]")).isSelected(), true, "the ticked videos by default");
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    assert.deepEqual(await horizontalOverflow(driver()), [], `nothing scrolls sideways at ${width}x${height}`);
    await app?.screenshot(`desktop-export-dialog-${width}x${height}`);
  }
  const folder = await driver().findElement(By.css("[data-testid=export-folder]"));
  await folder.clear();
  await folder.sendKeys(exportDir);
  await driver().findElement(By.css("[data-testid=export-start]")).click();
  await waitForText(driver(), "[data-testid=export-result]", /^Exported 2, skipped 0\.$/, 60_000);
  await app?.screenshot("desktop-export-done-1280x800");

  const campaignDir = path.join(exportDir, slug);
  const files = (await fs.readdir(campaignDir)).sort();
  assert.equal(files.filter((f) => f.endsWith("-rendition.mp4")).length, 2, files.join(", "));
  assert.equal(files.filter((f) => f.endsWith("-poster.jpg")).length, 2, files.join(", "));
  assert.equal(files.filter((f) => /^[a-z0-9_.]+-\d{4}-\d{2}-\d{2}\.mp4$/.test(f)).length, 2, files.join(", "));
  assert.ok(files.includes("manifest.csv") && files.includes("manifest.json"), files.join(", "));
  assert.ok(!files.some((f) => f.endsWith(".part")), "no partial file is left");
  const manifest = JSON.parse(await fs.readFile(path.join(campaignDir, "manifest.json"), "utf8"));
  assert.deepEqual(manifest.videos.map((/** @type {{ video_id: string }} */ v) => v.video_id).sort(), [...videos].sort());
  for (const entry of manifest.videos) {
    assert.equal(entry.decision, "approved");
    assert.equal(entry.reviewer, "Dana");
    assert.equal(entry.consent, "I agree that this video may be used for the campaign.");
    const original = await fs.readFile(path.join(campaignDir, entry.original.name));
    const onServer = await fs.readFile(path.join(server.dataDir, "videos", entry.video_id, "original.mp4"));
    assert.ok(original.equals(onServer), `${entry.original.name} is the uploaded original`);
  }

  // The same export again finds every file in place.
  await driver().findElement(By.css("[data-testid=export-start]")).click();
  await waitForText(driver(), "[data-testid=export-result]", /^Exported 0, skipped 2\.$/, 60_000);
  await press(driver(), "\uE00C"); // Escape closes the dialog
  await driver().wait(async () => (await driver().findElements(By.css("[data-testid=export-dialog]"))).length === 0, 5_000);
});
