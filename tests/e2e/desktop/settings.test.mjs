// Settings: pointing the desktop at a real clipdesk-server (with a connection test that says
// what is wrong), refusing bad input without changing anything, keeping the choice across a
// restart, and going back to the embedded server.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { By } from "selenium-webdriver";
import { createOperatorToken } from "../lib/api.mjs";
import { startDesktop } from "../lib/desktop.mjs";
import { goTo, waitForAttribute, waitForText } from "../lib/flows.mjs";
import { freePort } from "../lib/process.mjs";
import { startServer } from "../lib/server.mjs";

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {string} */
let token;
/** @type {string} */
let dataDir;

before(async () => {
  server = await startServer();
  token = await createOperatorToken(server.dataDir, "desk-e2e");
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-desktop-settings-e2e-"));
  app = await startDesktop({ dataDir });
});

after(async () => {
  await app?.stop();
  await server?.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

function driver() {
  if (!app) throw new Error("the app is not running");
  return app.driver;
}

/**
 * Replaces a field's text.
 * @param {string} testid
 * @param {string} text
 */
async function fill(testid, text) {
  const field = await driver().findElement(By.css(`[data-testid=${testid}]`));
  await field.clear();
  if (text) await field.sendKeys(text);
}

/** @param {string} testid */
async function click(testid) {
  await driver().findElement(By.css(`[data-testid=${testid}]`)).click();
}

test("the connection test names what is wrong: the address, then the token", async () => {
  await goTo(driver(), "settings");
  await waitForText(driver(), "[data-testid=server-mode]", /embedded/);
  await click("settings-remote");

  const nobody = `http://127.0.0.1:${await freePort()}`;
  await fill("settings-server-url", nobody);
  await fill("settings-server-token", token);
  await click("settings-test");
  await waitForText(driver(), "[data-testid=settings-test-result]", /cannot be reached/);

  await fill("settings-server-url", server.url);
  await fill("settings-server-token", "not-a-token");
  await click("settings-test");
  await waitForText(driver(), "[data-testid=settings-test-result]", /refused the API token/);

  await fill("settings-server-token", token);
  await click("settings-test");
  await waitForText(driver(), "[data-testid=settings-test-result]", /^Connected: clipdesk-server .+ token is accepted/);
});

test("a server that fails its check is not saved", async () => {
  await fill("settings-server-url", "ftp://clips.example.com");
  await click("settings-save");
  await waitForText(driver(), "[data-testid=settings-save-result]", /server_url: must start with http/);
  const shown = await driver().findElement(By.css("[data-testid=server-url]")).getText();
  assert.match(shown, /^http:\/\/127\.0\.0\.1:\d+$/, "still the embedded server");
  await waitForText(driver(), "[data-testid=server-mode]", /embedded/);
});

test("saving a server and token moves sync to it, and a restart keeps it", async () => {
  await fill("settings-server-url", server.url);
  await fill("settings-server-token", token);
  await fill("settings-operator", "maria");
  await click("settings-save");
  await waitForText(driver(), "[data-testid=settings-save-result]", /^Saved\.$/);
  await waitForText(driver(), "[data-testid=server-url]", new RegExp(`^${server.url}$`));
  await waitForText(driver(), "[data-testid=server-mode]", /remote/);
  await waitForAttribute(driver(), "[data-testid=sync-state]", "data-state", "connected", 15_000);
  await waitForText(driver(), "[data-testid=operator]", /^maria$/);

  await app?.stop();
  app = undefined;
  app = await startDesktop({ dataDir });
  await goTo(driver(), "settings");
  await waitForText(driver(), "[data-testid=server-url]", new RegExp(`^${server.url}$`));
  await waitForAttribute(driver(), "[data-testid=sync-state]", "data-state", "connected", 15_000);
});

test("going back to the embedded server starts it inside the app", async () => {
  await click("settings-embedded");
  await click("settings-save");
  await waitForText(driver(), "[data-testid=settings-save-result]", /^Saved\.$/, 20_000);
  await waitForText(driver(), "[data-testid=server-mode]", /embedded/);
  const shown = await driver().findElement(By.css("[data-testid=server-url]")).getText();
  assert.match(shown, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(shown, server.url);
  await waitForAttribute(driver(), "[data-testid=sync-state]", "data-state", "connected", 15_000);
});
