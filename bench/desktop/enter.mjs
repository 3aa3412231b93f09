// Figure 2: Enter → browser opened. For each contact in turn, the key goes to the page, the
// stand-in xdg-open records when it ran, and K moves on.

import fs from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { By, Key } from "selenium-webdriver";
import { CONTACT_PARTS, pollPage, waitForText } from "./driver.mjs";
import { SENDS } from "./knobs.mjs";
import { percentile, wallClockTick } from "./numbers.mjs";

/**
 * For SENDS contacts in turn: Enter (copy the first part and open the DM page), wait for the
 * stand-in opener's record, check its URL, then K (skip) to the next contact. Latency is the
 * opener's stamp minus the wall clock just before the key went to WebDriver; the page's own
 * keydown time splits it into WebDriver's delivery and the app's part.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} opensFile
 */
export async function enterLatency(driver, opensFile) {
  await driver.executeScript(`
    window.__benchKeydowns = [];
    window.addEventListener("keydown", (e) => {
      if (e.key === "Enter") window.__benchKeydowns.push(performance.timeOrigin + performance.now());
    }, true);`);
  const body = await driver.findElement(By.css("body"));
  /** @type {{ handle: string, totalMs: number, deliveryMs: number, appMs: number, url: string }[]} */
  const samples = [];
  let previous = "";
  for (let i = 0; i < SENDS; i++) {
    const shown = await pollPage(driver, CONTACT_PARTS, 30_000);
    const handle = String(shown.value).replace(/^@/, "");
    if (handle === previous) throw new Error(`K did not move past @${handle}`);
    previous = handle;
    const before = wallClockTick();
    await body.sendKeys(Key.ENTER);
    let lines = [];
    const deadline = Date.now() + 10_000;
    while ((lines = (await fs.readFile(opensFile, "utf8").catch(() => "")).trim().split("\n").filter(Boolean)).length <= i) {
      if (Date.now() > deadline) throw new Error(`the opener never ran for @${handle}`);
      await sleep(1);
    }
    const [stamp, url] = lines[i].split(" ");
    const openedAt = Number(stamp) / 1000;
    const expected = `https://www.tiktok.com/@${handle}`;
    if (url !== expected) throw new Error(`the opener got ${url}, expected ${expected}`);
    const keydowns = /** @type {number[]} */ (await driver.executeScript("return window.__benchKeydowns"));
    const keydownAt = keydowns[i];
    samples.push({ handle, url, totalMs: openedAt - before, deliveryMs: keydownAt - before, appMs: openedAt - keydownAt });
    // The queue ignores keys while a send is busy: wait for its notice before K.
    await waitForText(driver, "[data-testid=queue-notice]", /opened the DM page/);
    await body.sendKeys("k");
    await waitForText(driver, "[data-testid=queue-notice]", new RegExp(`^Skipped: @${handle.replace(/\./g, "\\.")}`));
  }
  const lines = (await fs.readFile(opensFile, "utf8")).trim().split("\n");
  if (lines.length !== SENDS) throw new Error(`the opener ran ${lines.length} times for ${SENDS} Enters`);
  const pick = (/** @type {"totalMs" | "deliveryMs" | "appMs"} */ key) => {
    const values = samples.map((s) => s[key]);
    return { p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values), min: Math.min(...values) };
  };
  return { samples, total: pick("totalMs"), delivery: pick("deliveryMs"), app: pick("appMs") };
}
