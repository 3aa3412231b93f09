// Links that say when they won't work: the Queue warns while links point at this computer,
// Settings' "Check" says what a public address reaches (another clipdesk-server, or this app's
// own), and "Test connection" shows a remote server's own doctor.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { By } from "selenium-webdriver";
import { createOperatorToken } from "../lib/api.mjs";
import { startDesktop } from "../lib/desktop.mjs";
import { goTo, horizontalOverflow, resizeWindow, serverUrl, waitForAttribute, waitForText } from "../lib/flows.mjs";
import { startServer } from "../lib/server.mjs";

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let other;
/** @type {string} */
let dataDir;
/** @type {net.Server | undefined} */
let proxy;

before(async () => {
  other = await startServer();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-desktop-reach-e2e-"));
  app = await startDesktop({ dataDir });
});

after(async () => {
  await app?.stop();
  await other?.stop();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  await fs.rm(dataDir, { recursive: true, force: true });
});

function driver() {
  if (!app) throw new Error("the app is not running");
  return app.driver;
}

/** @param {string} testid @param {string} text */
async function fill(testid, text) {
  const field = await driver().findElement(By.css(`[data-testid=${testid}]`));
  await field.clear();
  if (text) await field.sendKeys(text);
}

/** @param {string} testid */
async function click(testid) {
  await driver().findElement(By.css(`[data-testid=${testid}]`)).click();
}

/** Both declared sizes: a screenshot each, and nothing may scroll sideways. */
async function screens(/** @type {string} */ name) {
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    assert.deepEqual(await horizontalOverflow(driver()), [], `${name} at ${width}x${height} scrolls sideways`);
    await app?.screenshot(`desktop-reach-${name}-${width}x${height}`);
  }
}

/**
 * An address of this machine that is not loopback, or else a stand-in: a TCP proxy on
 * 127.0.0.1 forwarding to `port` (the address then still reaches the same server).
 * @param {number} port
 */
async function anotherWayTo(port) {
  for (const addresses of Object.values(os.networkInterfaces())) {
    const found = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (found) return `http://${found.address}:${port}`;
  }
  proxy = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise((resolve) => proxy?.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {net.AddressInfo} */ (proxy.address());
  return `http://127.0.0.1:${address.port}`;
}

test("with the embedded server the Queue warns, before any send, that only this computer can open links", async () => {
  await goTo(driver(), "queue");
  const warning = await waitForText(driver(), "[data-testid=queue-links-warning]", /only this computer/);
  assert.match(warning, /^Links point at 127\.0\.0\.1: only this computer can open them\./);
  assert.match(warning, /Settings/, "the way out is named");
  await screens("queue-warning");
  await goTo(driver(), "settings");
  await waitForAttribute(driver(), "[data-testid=links-reach]", "data-reach", "this_computer");
  await waitForText(driver(), "[data-testid=links-reach]", /Only this computer can open these links/);
});

test("Check on a public address that leads to another clipdesk-server says it reached another instance", async () => {
  if (!other) throw new Error("no second server");
  await goTo(driver(), "settings");
  await fill("settings-public-url", other.url);
  await click("settings-check");
  await waitForAttribute(driver(), "[data-testid=settings-check-result]", "data-outcome", "other_instance", 20_000);
  await waitForText(driver(), "[data-testid=settings-check-result]", /another clipdesk-server/);
});

test("a public address that leads to this app's own server is saved, links use it, and Check confirms it", async () => {
  const own = await serverUrl(driver());
  const port = Number(new URL(own).port);
  const address = await anotherWayTo(port);
  await fill("settings-public-url", address);
  const listenAll = await driver().findElement(By.css("[data-testid=settings-listen-all]"));
  if (!(await listenAll.isSelected())) await listenAll.click();
  await click("settings-save");
  await waitForText(driver(), "[data-testid=settings-save-result]", /^Saved\.$/, 30_000);
  await waitForText(driver(), "[data-testid=links-base]", new RegExp(`^${address.replace(/[.]/g, "\\.")}$`));
  await click("settings-check");
  await waitForAttribute(driver(), "[data-testid=settings-check-result]", "data-outcome", "this_server", 20_000);
  await waitForText(driver(), "[data-testid=settings-check-result]", /^Reaches this app's server/);
  await screens("settings-embedded");
});

test("Test connection on a remote server shows that server's own doctor, line by line", async () => {
  if (!other) throw new Error("no second server");
  const token = await createOperatorToken(other.dataDir, "reach-e2e");
  await goTo(driver(), "settings");
  await click("settings-remote");
  await fill("settings-server-url", other.url);
  await fill("settings-server-token", token);
  await click("settings-test");
  await waitForText(driver(), "[data-testid=settings-test-result]", /^Connected: clipdesk-server/, 20_000);
  await waitForText(driver(), "[data-testid=settings-doctor-summary]", /^\d+ ok, \d+ warn, \d+ FAIL$/, 60_000);
  const lines = await driver().findElements(By.css("[data-testid=settings-doctor-line]"));
  const texts = await Promise.all(lines.map((line) => line.getText()));
  for (const check of ["ffmpeg", "data folder", "secret key", "links", "public URL", "clock"]) {
    assert.ok(
      texts.some((text) => text.includes(`${check}:`)),
      `${check} is among ${JSON.stringify(texts)}`,
    );
  }
  const links = texts.find((text) => text.includes("links:")) ?? "";
  assert.match(links, /only this computer/, "the remote server's own verdict on its links");
  await screens("settings-doctor");
});
