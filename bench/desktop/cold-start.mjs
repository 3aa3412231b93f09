// Figure 1: cold start to an interactive queue through WebDriver, from the new-session request
// (which launches the app), with an empty folder and with a copy of the 10,000-contact one.

import fs from "node:fs/promises";
import path from "node:path";
import { Key } from "selenium-webdriver";
import {
  CONTACT_PARTS,
  EMPTY_QUEUE,
  NAVIGATION,
  START_PROMPT,
  assertStandInOpener,
  launch,
  orStop,
  pollPage,
  pressKey,
} from "./driver.mjs";
import { appProcesses, startedAtEpoch } from "./procs.mjs";

/**
 * Breaks a launch down with the app's process start time and the page's navigation timing.
 * @param {import("./driver.mjs").Session} app
 * @param {number} launchedAt
 */
async function launchBreakdown(app, launchedAt) {
  const { app: proc } = await appProcesses(app.driverPid);
  const processStart = await startedAtEpoch(proc);
  const nav = /** @type {{ navigationStart: number, domContentLoaded: number, load: number }} */ (
    await app.driver.executeScript(NAVIGATION)
  );
  return {
    processStartMs: processStart - launchedAt,
    navigationStartMs: nav.navigationStart - launchedAt,
    domContentLoadedMs: nav.domContentLoaded - launchedAt,
  };
}

/**
 * How long before its check a state may already have been reached: since the check before, or
 * since DOMContentLoaded when the first check succeeded (WebKitWebDriver holds a script until
 * the page has loaded, so the first check can run late).
 * @param {{ at: number, previous: number }} poll
 * @param {number} launchedAt
 * @param {number} domContentLoadedMs
 */
function resolution(poll, launchedAt, domContentLoadedMs) {
  const since = Math.max(Number.isNaN(poll.previous) ? -Infinity : poll.previous, launchedAt + domContentLoadedMs);
  return poll.at - since;
}

/** A first-ever start: empty data folder, until the queue's empty state shows. */
export async function coldStartEmpty(/** @type {string} */ root) {
  const { app } = await launch(root);
  const launchedAt = app.launchedAt;
  const sessionAt = Date.now();
  return orStop(app, root, async () => {
    const ready = await pollPage(app.driver, EMPTY_QUEUE);
    const breakdown = await launchBreakdown(app, launchedAt);
    return {
      app,
      run: {
        sessionMs: sessionAt - launchedAt,
        readyMs: ready.at - launchedAt,
        fromProcessStartMs: ready.at - launchedAt - breakdown.processStartMs,
        pollGapMs: resolution(ready, launchedAt, breakdown.domContentLoadedMs),
        ...breakdown,
      },
    };
  });
}

/**
 * A start with data: the prepared folder copied fresh, until the "Start next" prompt takes
 * Enter, then Enter, until the contact's parts show.
 * @param {string} prepared
 * @param {string} root
 */
export async function coldStartWithData(prepared, root) {
  await fs.cp(prepared, root, { recursive: true });
  await fs.rm(path.join(root, "opens.log"), { force: true });
  const { app, dirs } = await launch(root);
  const launchedAt = app.launchedAt;
  const sessionAt = Date.now();
  return orStop(app, root, async () => {
    const prompt = await pollPage(app.driver, START_PROMPT);
    await pressKey(app.driver, Key.ENTER);
    const parts = await pollPage(app.driver, CONTACT_PARTS);
    const breakdown = await launchBreakdown(app, launchedAt);
    await assertStandInOpener((await appProcesses(app.driverPid)).app.pid, dirs.bin);
    return {
      app,
      run: {
        sessionMs: sessionAt - launchedAt,
        promptMs: prompt.at - launchedAt,
        readyMs: parts.at - launchedAt,
        fromProcessStartMs: parts.at - launchedAt - breakdown.processStartMs,
        contact: parts.value,
        pollGapMs: resolution(prompt, launchedAt, breakdown.domContentLoadedMs),
        ...breakdown,
      },
    };
  });
}
