// Updates from the team's own server: an admin publishes a signed release with
// `clipdesk-server release add`; the app (version N, the workspace's) sees N+1 in Settings →
// Updates, downloads it and verifies its signature with its key, and refuses N+2 signed with
// another key. Keys are made here with the Tauri CLI; nothing is installed (that needs root and
// would replace the app).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { By } from "selenium-webdriver";
import { createOperatorToken } from "../lib/api.mjs";
import { startDesktop } from "../lib/desktop.mjs";
import { goTo, horizontalOverflow, resizeWindow, waitForAttribute, waitForText } from "../lib/flows.mjs";
import { repoRoot, serverBin } from "../lib/paths.mjs";
import { startServer } from "../lib/server.mjs";

const run = promisify(execFile);
const tauriCli = path.join(repoRoot, "ui", "node_modules", ".bin", "tauri");

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {string} */
let dataDir;
/** @type {string} */
let keysDir;
/** The workspace version the debug app reports, and the two releases after it. */
let current = "";
let next = "";
let afterNext = "";

/** `tauri signer generate` without a password; returns the private key's path. @param {string} name */
async function generateKey(name) {
  const file = path.join(keysDir, `${name}.key`);
  await run(tauriCli, ["signer", "generate", "--ci", "-p", "", "-w", file]);
  return file;
}

/**
 * A stand-in package signed with `key` for `version`, published on the test server.
 * @param {string} version @param {string} key @param {string} notes
 */
async function publish(version, key, notes) {
  const file = path.join(keysDir, `clipdesk_${version}_amd64.deb`);
  await fs.writeFile(file, Buffer.alloc(300_000, version));
  await run(tauriCli, ["signer", "sign", "-f", key, "-p", "", "--app-version", version, file]);
  if (!server) throw new Error("no server");
  const { stdout } = await run(serverBin, [
    "release", "add", "--data", server.dataDir, "--version", version,
    "--file", file, "--signature", `${file}.sig`, "--notes", notes,
  ]);
  assert.match(stdout, new RegExp(`published ${version.replaceAll(".", "\\.")} deb`));
}

before(async () => {
  const cargo = await fs.readFile(path.join(repoRoot, "Cargo.toml"), "utf8");
  current = /\[workspace\.package\][^[]*?version = "(\d+)\.(\d+)\.(\d+)"/.exec(cargo)?.slice(1, 4).join(".") ?? "";
  const [major, minor] = current.split(".").map(Number);
  next = `${major}.${minor + 1}.0`;
  afterNext = `${major}.${minor + 2}.0`;
  keysDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-updater-keys-"));
  const keyA = await generateKey("a");
  await generateKey("b");
  server = await startServer();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-desktop-updates-e2e-"));
  const publicKey = (await fs.readFile(`${keyA}.pub`, "utf8")).trim();
  app = await startDesktop({ dataDir, env: { CLIPDESK_UPDATER_PUBKEY: publicKey, CLIPDESK_UPDATER_FORMAT: "deb" } });
});

after(async () => {
  await app?.stop();
  await server?.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(keysDir, { recursive: true, force: true });
});

function driver() {
  if (!app) throw new Error("the app is not running");
  return app.driver;
}

/** @param {string} testid */
async function click(testid) {
  await driver().findElement(By.css(`[data-testid=${testid}]`)).click();
}

/** @param {string} testid @param {string} text */
async function fill(testid, text) {
  const field = await driver().findElement(By.css(`[data-testid=${testid}]`));
  await field.clear();
  await field.sendKeys(text);
}

/** The Updates section at both declared sizes; nothing may scroll sideways. @param {string} name */
async function screens(name) {
  const section = await driver().findElement(By.css("[data-testid=updates]"));
  for (const [width, height] of [
    [900, 600],
    [1280, 800],
  ]) {
    await resizeWindow(driver(), width, height);
    await driver().executeScript("arguments[0].scrollIntoView({block: 'end'})", section);
    assert.deepEqual(await horizontalOverflow(driver()), [], `${name} at ${width}x${height} scrolls sideways`);
    await app?.screenshot(`desktop-updates-${name}-${width}x${height}`);
  }
}

test("a desktop connected to a server with no release hears it is up to date", async () => {
  if (!server) throw new Error("no server");
  const token = await createOperatorToken(server.dataDir, "updates-e2e");
  await goTo(driver(), "settings");
  await click("settings-remote");
  await fill("settings-server-url", server.url);
  await fill("settings-server-token", token);
  await click("settings-save");
  await waitForText(driver(), "[data-testid=settings-save-result]", /^Saved\.$/, 30_000);
  await click("update-check");
  await waitForAttribute(driver(), "[data-testid=update-state]", "data-state", "up_to_date", 20_000);
  await waitForText(driver(), "[data-testid=update-state]", new RegExp(`^clipdesk ${current} is up to date$`));
  await screens("up-to-date");
});

test("the next version, signed with the app's key, is offered with its notes and verifies", async () => {
  await publish(next, path.join(keysDir, "a.key"), "Faster review and a calmer queue");
  await click("update-check");
  await waitForAttribute(driver(), "[data-testid=update-state]", "data-state", "available", 20_000);
  await waitForText(driver(), "[data-testid=update-state]", new RegExp(`^Version ${next} is available`));
  await waitForText(driver(), "[data-testid=update-notes]", /^Faster review and a calmer queue$/);
  await click("update-download");
  await waitForAttribute(driver(), "[data-testid=update-download-result]", "data-state", "verified", 30_000);
  await waitForText(driver(), "[data-testid=update-download-result]", /0\.3 MB\) and verified/);
  assert.equal(
    (await driver().findElements(By.css("[data-testid=update-install]"))).length,
    1,
    "a verified update can be installed",
  );
  await screens("verified");
});

test("a newer version signed with another key is refused and not installed", async () => {
  await publish(afterNext, path.join(keysDir, "b.key"), "Signed elsewhere");
  await click("update-check");
  await waitForText(driver(), "[data-testid=update-state]", new RegExp(`^Version ${afterNext} is available`), 20_000);
  await click("update-download");
  await waitForAttribute(driver(), "[data-testid=update-download-result]", "data-state", "refused", 30_000);
  await waitForText(
    driver(),
    "[data-testid=update-download-result]",
    /^The update is not signed with this app's key: not installed\.$/,
  );
  assert.equal(
    (await driver().findElements(By.css("[data-testid=update-install]"))).length,
    0,
    "a refused update offers no install",
  );
  await screens("refused");
});

test("started again, the app learns of the newest release from its server and points to Settings", async () => {
  await app?.stop();
  app = undefined;
  const publicKey = (await fs.readFile(path.join(keysDir, "a.key.pub"), "utf8")).trim();
  app = await startDesktop({ dataDir, env: { CLIPDESK_UPDATER_PUBKEY: publicKey, CLIPDESK_UPDATER_FORMAT: "deb" } });
  await waitForText(driver(), "[data-testid=update-offered]", new RegExp(`^Version ${afterNext} is available$`), 20_000);
  await click("update-offered");
  await waitForText(driver(), "[data-testid=update-state]", new RegExp(`^Version ${afterNext} is available`), 20_000);
  await screens("offered-at-start");
});
