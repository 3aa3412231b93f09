// The server and the recorder page as a phone's browser sees them: real server, real Chromium.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchChromium } from "../lib/chromium.mjs";
import { startServer } from "../lib/server.mjs";

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("healthz answers ok from the browser", async () => {
  const page = await browser.context.newPage();
  const response = await page.goto(`${server.url}/healthz`);
  assert.equal(response?.status(), 200);
  const health = await response?.json();
  assert.equal(health.status, "ok");
  assert.match(health.version, /^\d+\.\d+\.\d+/);
  await page.close();
});

test("the recorder page's own assets load and its script runs", async () => {
  const page = await browser.context.newPage();
  /** @type {string[]} */
  const failures = [];
  page.on("requestfailed", (request) => failures.push(request.url()));
  page.on("pageerror", (error) => failures.push(error.message));
  // An unknown link still gets the page (with a 404); its script asks the API why.
  const response = await page.goto(`${server.url}/r/AAAAAAAAAAAAAAAAAAAAAA`);
  assert.equal(response?.status(), 404);
  await page.waitForSelector('[data-screen="dead-end"]', { timeout: 10_000 });
  assert.deepEqual(failures, [], "no request failed and no script error");
  await page.close();
});
