// Fills a fresh app with sample data and saves a PNG of every screen, for the docs: at the
// window's default size (NAME.png) and again at each extra size (NAME-900x600.png: the declared
// minimum window). Run by scripts/screenshots (which builds the app and provides a display);
// not a test, but a screen that scrolls sideways at an extra size is reported.
//
//   node tools/screenshots.mjs [OUT_DIR]     default: docs/screenshots in the repository
//   SCREENSHOT_SIZES=900x600,1280x800 …     the extra sizes (default 900x600)

import fs from "node:fs/promises";
import path from "node:path";
import { By, until } from "selenium-webdriver";
import {
  addAllContacts,
  clipboardText,
  copyAndOpen,
  createCampaign,
  goTo,
  horizontalOverflow,
  importContacts,
  linkIn,
  mark,
  openImportPreview,
  openQueueAndStart,
  press,
  resizeWindow,
  selectReviewVideo,
  serverUrl,
  startWithOpener,
  uploadAsRecipient,
  waitForAttribute,
  waitForReviewVideo,
  waitForText,
} from "../lib/flows.mjs";
import { repoRoot } from "../lib/paths.mjs";
import { fixture } from "../lib/tus.mjs";

const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, "docs", "screenshots"));
const extraSizes = (process.env.SCREENSHOT_SIZES ?? "900x600").split(",").filter(Boolean).map((size) => {
  const [width, height] = size.split("x").map(Number);
  if (!width || !height) throw new Error(`SCREENSHOT_SIZES: "${size}" is not WIDTHxHEIGHT`);
  return { width, height };
});
await fs.mkdir(outDir, { recursive: true });

const { app, dataDir, opener } = await startWithOpener("screenshots");
const { driver } = app;
const defaultRect = await driver.manage().window().getRect();
/** @type {string[]} */
const failed = [];

/**
 * Runs one step; a failure is reported and the other screens are still taken.
 * @param {string} name
 * @param {() => Promise<void>} step
 */
async function step(name, step) {
  try {
    await step();
  } catch (error) {
    failed.push(name);
    console.error(`✖ ${name}: ${error instanceof Error ? error.message : error}`);
  }
}

/** @param {string} file */
async function shoot(file) {
  // Let transitions and late images settle: the shot is for people, not for asserts.
  await driver.sleep(300);
  await fs.writeFile(file, await driver.takeScreenshot(), "base64");
  console.log(`✔ ${path.relative(process.cwd(), file)}`);
}

/**
 * Saves the screen as it is at the default size, then at each extra size (the window is put
 * back afterwards, the screen's state kept).
 * @param {string} name
 */
async function save(name) {
  await shoot(path.join(outDir, `${name}.png`));
  for (const { width, height } of extraSizes) {
    await resizeWindow(driver, width, height);
    await shoot(path.join(outDir, `${name}-${width}x${height}.png`));
    const overflow = await horizontalOverflow(driver);
    if (overflow.length) {
      failed.push(`${name} at ${width}x${height} scrolls sideways`);
      console.error(`✖ ${name} at ${width}×${height} scrolls sideways: ${overflow.join("; ")}`);
    }
    await resizeWindow(driver, defaultRect.width, defaultRect.height);
  }
}

try {
  /** The first contact's link token, from the message the queue copied. */
  let linkToken = "";
  let server = "";

  await step("sample data", async () => {
    await importContacts(driver);
    await createCampaign(driver, {
      name: "Spring bakes",
      template: "Hi {{first_name|there}}! We loved your baking videos, @{{handle}}. Would you record 30 seconds for our spring menu? {{link}}",
      spacingS: 0,
    });
    await addAllContacts(driver);
    server = await serverUrl(driver);
  });

  await step("queue", async () => {
    await openQueueAndStart(driver);
    await copyAndOpen(driver);
    linkToken = linkIn(await clipboardText()).token;
    await mark(driver, "sent");
    await mark(driver, "skipped");
    await copyAndOpen(driver);
    await waitForText(driver, "[data-testid=pace]", /sent in the last 24 hours/);
    await save("queue");
  });

  await step("review", async () => {
    if (!linkToken) throw new Error("no link was copied in the queue");
    await uploadAsRecipient(server, linkToken, fixture("ios-h264-aac-rotated.mp4"));
    const id = await waitForReviewVideo(driver, { state: "ready" });
    await selectReviewVideo(driver, id);
    await press(driver, "a");
    await waitForAttribute(driver, `[data-testid=review-list] li[data-video="${id}"]`, "data-review", "approved");
    await waitForText(driver, "[data-testid=review-decision]", /Approved/);
    // The poster, not a black frame: wait until the player has something to show.
    await driver
      .wait(
        () => driver.executeScript("const v = document.querySelector('video[data-testid=review-player]'); return !!v && v.readyState >= 2"),
        10_000,
      )
      .catch(() => {});
    await save("review");
  });

  await step("dashboard", async () => {
    await goTo(driver, "dashboard");
    await driver.wait(until.elementLocated(By.css("[data-testid=funnel] tr[data-campaign]")), 15_000);
    await driver.wait(until.elementLocated(By.css("[data-testid=sends-per-day]")), 10_000);
    await save("dashboard");
  });

  await step("campaigns", async () => {
    await goTo(driver, "campaigns");
    const item = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-list] button.item")), 10_000);
    await item.click();
    // With its editor open when the app allows; the list alone still shows the screen.
    await driver.wait(until.elementLocated(By.css("[data-testid=campaign-editor]")), 5_000).catch(() => {
      console.error("! campaigns: the saved campaign's editor did not open; the shot shows the list");
    });
    await save("campaigns");
  });

  await step("contacts", async () => {
    await openImportPreview(driver);
    await save("contacts");
  });

  await step("settings", async () => {
    await goTo(driver, "settings");
    await waitForAttribute(driver, "[data-testid=sync-state]", "data-state", "connected", 15_000);
    await save("settings");
  });

  await step("shortcuts", async () => {
    await goTo(driver, "queue");
    await press(driver, "?");
    await driver.wait(until.elementLocated(By.css("[data-testid=shortcuts]")), 5_000);
    await save("shortcuts");
    await press(driver, "\uE00C"); // Escape
  });
} finally {
  await app.stop().catch((error) => {
    failed.push("stop");
    console.error(`✖ stop: ${error.message}`);
  });
  await fs.rm(dataDir, { recursive: true, force: true });
  await opener.remove();
}

if (failed.length) {
  console.error(`screenshots missing: ${failed.join(", ")}`);
  process.exitCode = 1;
}
