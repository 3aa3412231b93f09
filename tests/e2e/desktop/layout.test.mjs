// The window at its declared minimum size (900×600, src-tauri/tauri.conf.json): every screen,
// filled with data, fits without scrolling sideways; and the Review list's state badge is
// whole at the default width as at the minimum.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { By, until } from "selenium-webdriver";
import {
  addAllContacts,
  copyAndOpen,
  clipboardText,
  createCampaign,
  goTo,
  horizontalOverflow,
  importContacts,
  linkIn,
  mark,
  openImportPreview,
  openQueueAndStart,
  resizeWindow,
  sampleContacts,
  serverUrl,
  uploadAsRecipient,
  waitForReviewVideo,
  waitForText,
} from "../lib/flows.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";
import { fixture } from "../lib/tus.mjs";

const { running, driver } = desktopForTheseTests("desktop-layout-e2e");

/**
 * The Review list's badges that are not whole: cut by their own box, their row or the list.
 * @returns {Promise<string[]>}
 */
async function clippedBadges() {
  return driver().executeScript(`
    const list = document.querySelector("[data-testid=review-list]");
    const inner = list.getBoundingClientRect().left + list.clientLeft + list.clientWidth;
    return [...list.querySelectorAll(".badge")].flatMap((badge) => {
      const box = badge.getBoundingClientRect();
      const row = badge.closest("button").getBoundingClientRect();
      const whole = badge.scrollWidth <= badge.clientWidth && box.right <= row.right + 0.5 && box.right <= inner + 0.5;
      return whole ? [] : [badge.textContent + ": right " + box.right + ", row " + row.right + ", list " + inner];
    });
  `);
}

test("every screen, with data, fits 900×600 without scrolling sideways", async () => {
  const d = driver();
  // Data in every screen: contacts, a campaign, a send, and a video back from the recipient.
  // The first contact has the longest handle TikTok allows (24): it is the one the video is
  // from, so the Review list's row is as full as it gets.
  const csv = path.join(running().dataDir, "contacts.csv");
  const sample = await fs.readFile(sampleContacts, "utf8");
  const [header, ...rows] = sample.trimEnd().split("\n");
  const long = "@sourdough.collective_ld,7277192393706320001,The Sourdough Collective of London,food;baking;bread,long handle";
  await fs.writeFile(csv, [header, long, ...rows].join("\n") + "\n");
  await importContacts(d, csv);
  await createCampaign(d, {
    name: "Spring bakes with a long enough name to test the layout",
    template: "Hi {{first_name|there}}! We loved your baking videos, @{{handle}}. Record 30 seconds for us? {{link}}",
    spacingS: 0,
  });
  await addAllContacts(d);
  const server = await serverUrl(d);
  await openQueueAndStart(d);
  await copyAndOpen(d);
  const { token } = linkIn(await clipboardText());
  await mark(d, "sent");
  await uploadAsRecipient(server, token, fixture("ios-h264-aac-rotated.mp4"));
  await waitForReviewVideo(d);

  await resizeWindow(d, 900, 600);
  /** @type {Record<string, string[]>} */
  const overflowing = {};
  /** @param {string} screen */
  const check = async (screen) => {
    const found = await horizontalOverflow(d);
    if (found.length) overflowing[screen] = found;
    await running().app.screenshot(`desktop-layout-900x600-${screen}`);
  };

  await openQueueAndStart(d);
  await check("queue");

  await goTo(d, "contacts");
  await d.wait(until.elementLocated(By.css("[data-testid=contacts-table] tbody tr")), 10_000);
  await check("contacts");
  await openImportPreview(d);
  await check("contacts-import");

  await goTo(d, "campaigns");
  await d.wait(until.elementLocated(By.css("[data-testid=campaign-list] button.item")), 10_000).click();
  await d.wait(until.elementLocated(By.css("[data-testid=campaign-editor]")), 10_000);
  await check("campaigns");

  await goTo(d, "review");
  await d.wait(until.elementLocated(By.css("[data-testid=review-list] li[data-video]")), 10_000);
  await check("review");
  assert.deepEqual(await clippedBadges(), [], "the state badge is whole at 900 px");

  await goTo(d, "dashboard");
  await d.wait(until.elementLocated(By.css("[data-testid=funnel] tr[data-campaign]")), 15_000);
  await check("dashboard");

  await goTo(d, "settings");
  await waitForText(d, "[data-testid=server-url]", /^https?:\/\/\S+$/);
  await check("settings");

  assert.deepEqual(overflowing, {}, "no screen scrolls sideways at the minimum window size");
});

test("the Review list's state badge is whole at 1200 px", async () => {
  const d = driver();
  await resizeWindow(d, 1200, 800);
  await goTo(d, "review");
  await d.wait(until.elementLocated(By.css("[data-testid=review-list] li[data-video] .badge")), 10_000);
  await running().app.screenshot("desktop-layout-1200x800-review");
  assert.deepEqual(await clippedBadges(), []);
  assert.deepEqual(await horizontalOverflow(d), []);
});
