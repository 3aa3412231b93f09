// "Export diagnostics" in Settings: a zip for a bug report with the logs, versions, settings and
// sync state, written where the operator says, with the server's token and contacts' handles
// nowhere in it. The path is typed, as the save dialog (Choose…) would fill it in.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { createOperatorToken } from "../lib/api.mjs";
import { goTo, horizontalOverflow, importContacts, resizeWindow, waitForAttribute, waitForText } from "../lib/flows.mjs";
import { startServer } from "../lib/server.mjs";
import { desktopForTheseTests } from "../lib/suite.mjs";

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {string} */
let token = "";

before(async () => {
  server = await startServer();
  token = await createOperatorToken(server.dataDir, "diagnostics-e2e");
});

after(async () => {
  await server?.stop();
});

const { running, driver } = desktopForTheseTests("desktop-diagnostics-e2e", async ({ app }) => {
  await importContacts(app.driver);
});

/** @param {string} testid @param {string} text */
async function fill(testid, text) {
  const field = await driver().findElement(By.css(`[data-testid=${testid}]`));
  await field.clear();
  if (text) await field.sendKeys(text);
}

/** @param {string} testid */
async function click(testid) {
  const button = await driver().findElement(By.css(`[data-testid=${testid}]`));
  // A button is enabled once the typed text reached the component.
  await driver().wait(until.elementIsEnabled(button), 10_000);
  await button.click();
}

/** @param {string} zip */
function entries(zip) {
  return execFileSync("unzip", ["-Z1", zip], { encoding: "utf8" }).trim().split("\n");
}

/** @param {string} zip @param {string} [name] every entry's inflated bytes when no name */
function inflated(zip, name) {
  return execFileSync("unzip", ["-p", zip, ...(name ? [name] : [])], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

test("Settings exports a diagnostics zip with each part, naming the path it could not write", async () => {
  if (!server) throw new Error("no server");
  const { dataDir } = running();
  await goTo(driver(), "settings");
  await click("settings-remote");
  await fill("settings-server-url", server.url);
  await fill("settings-server-token", token);
  await click("settings-save");
  await waitForText(driver(), "[data-testid=settings-save-result]", /^Saved\.$/, 20_000);
  await waitForAttribute(driver(), "[data-testid=sync-state]", "data-state", "connected", 20_000);

  const nowhere = path.join(dataDir, "no-such-folder", "diagnostics.zip");
  await fill("diagnostics-path", nowhere);
  await click("diagnostics-export");
  await waitForText(driver(), "[data-testid=diagnostics-result]", /^path: cannot save .*no-such-folder\/diagnostics\.zip: the folder .* does not exist/);

  const zip = path.join(dataDir, "clipdesk-diagnostics.zip");
  await fill("diagnostics-path", zip);
  await click("diagnostics-export");
  await waitForText(driver(), "[data-testid=diagnostics-result]", new RegExp(`^Saved to ${zip.replace(/[.]/g, "\\.")}$`), 20_000);

  const names = entries(zip);
  for (const part of ["README.txt", "versions.txt", "settings.json", "sync.json", "campaigns.json"]) {
    assert.ok(names.includes(part), `${part} in ${names.join(", ")}`);
  }
  assert.ok(
    names.some((name) => name.startsWith("logs/") && name !== "logs/NOT-INCLUDED.txt"),
    `the app's own log file is in it: ${names.join(", ")}`,
  );
  const versions = inflated(zip, "versions.txt");
  assert.match(versions, new RegExp(`^server: ${server.url} \\(remote\\): clipdesk-server \\S+, instance \\w+`, "m"));
  assert.match(versions, /^webkitgtk: \d+\.\d+/m, "the webview's version, from the app");
  const settings = JSON.parse(inflated(zip, "settings.json"));
  assert.equal(settings.server_url, server.url);
  assert.equal(settings.server_token, "<removed>", "the token is there, but removed");
  const sync = JSON.parse(inflated(zip, "sync.json"));
  assert.equal(sync.status.state, "connected");
  assert.equal(sync.rows_per_table.contacts, 10, "the imported contacts are counted");

  const everything = inflated(zip).toLowerCase();
  for (const secret of [token, "maya.bakes", "dan_rides", "7277192393706324999", "Maya Lopez"]) {
    assert.ok(!everything.includes(secret.toLowerCase()), `${secret} is nowhere in the zip`);
  }
});

test("the diagnostics block fits at 900x600 and 1280x800", async () => {
  const { app } = running();
  await driver().executeScript("document.querySelector('[data-testid=diagnostics]').scrollIntoView()");
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    await driver().executeScript("document.querySelector('[data-testid=diagnostics]').scrollIntoView()");
    assert.deepEqual(await horizontalOverflow(driver()), [], `Settings at ${width}x${height} scrolls sideways`);
    await app.screenshot(`desktop-settings-diagnostics-${width}x${height}`);
  }
});
