// The desktop app's window as an operator first sees it, through a real WebDriver session:
// the first run asks who works at this desk, then the screens.

import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { startDesktop } from "../lib/desktop.mjs";
import { press, waitForText } from "../lib/flows.mjs";
import { repoRoot } from "../lib/paths.mjs";

/** @type {Awaited<ReturnType<typeof startDesktop>>} */
let app;
/** @type {string} */
let dataDir;

before(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-desktop-e2e-"));
  // The first run is left on screen: the first test goes through it.
  app = await startDesktop({ dataDir, operator: null });
});

after(async () => {
  await app?.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

test("a fresh app asks the operator's name before the Queue can be used, and refuses a blank one", async () => {
  const { driver } = app;
  await driver.wait(until.elementLocated(By.css("[data-testid=first-run]")), 20_000);
  assert.equal((await driver.findElements(By.css("nav[aria-label=Screens]"))).length, 0, "no screen before the name");
  await app.screenshot("desktop-first-run");
  await press(driver, "1");
  assert.equal((await driver.findElements(By.css("[data-testid=queue]"))).length, 0, "number keys open no screen");

  const name = await driver.findElement(By.css("[data-testid=first-run-operator]"));
  await name.sendKeys("   ");
  await driver.findElement(By.css("[data-testid=first-run-save]")).click();
  await waitForText(driver, "[data-testid=first-run-error]", /operator: must be 1 to 64 characters/);
  assert.equal((await driver.findElements(By.css("nav[aria-label=Screens]"))).length, 0, "still asking");

  await name.clear();
  await name.sendKeys("Maria Lopez");
  await driver.findElement(By.css("[data-testid=first-run-save]")).click();
  await driver.wait(until.elementLocated(By.css("nav[aria-label=Screens]")), 20_000);
  await driver.wait(until.elementLocated(By.css("[data-testid=queue]")), 10_000);
});

test("the window shows every screen in the navigation, the queue first", async () => {
  const { driver } = app;
  const nav = await driver.wait(until.elementLocated(By.css("nav[aria-label=Screens]")), 20_000);
  const labels = await Promise.all((await nav.findElements(By.css("a span"))).map((el) => el.getText()));
  assert.deepEqual(labels, ["Queue", "Contacts", "Campaigns", "Review", "Dashboard", "Settings"]);
  const current = await driver.findElement(By.css("nav a[aria-current=page]")).getAttribute("data-screen");
  assert.equal(current, "queue");
  const empty = await driver.findElement(By.css("[data-testid=empty-state] h1")).getText();
  assert.match(empty, /queue is empty/i);
});

test("Settings shows the app's version and data folder from the Rust side", async () => {
  const { driver } = app;
  await driver.findElement(By.css("nav a[data-screen=settings]")).click();
  const version = await driver.wait(until.elementLocated(By.css("[data-testid=app-version]")), 10_000);
  const cargo = await fs.readFile(path.join(repoRoot, "Cargo.toml"), "utf8");
  const expected = /\[workspace\.package\][^[]*?version = "([^"]+)"/.exec(cargo)?.[1];
  assert.equal(await version.getText(), expected);
  const shownDir = await driver.findElement(By.css("[data-testid=data-dir]")).getText();
  assert.equal(shownDir, dataDir, "the data folder comes from CLIPDESK_DATA_DIR through the command");
  await waitForText(driver, "[data-testid=operator]", /^Maria Lopez$/);
  assert.equal(
    await driver.findElement(By.css("[data-testid=settings-operator]")).getAttribute("value"),
    "Maria Lopez",
    "the first run's name is the one Settings saves",
  );
  await app.screenshot("desktop-settings");
});

test("with no server configured the app runs its own, and syncs with it", async () => {
  const { driver } = app;
  const url = await driver.findElement(By.css("[data-testid=server-url]")).getText();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(await driver.findElement(By.css("[data-testid=server-mode]")).getText(), /embedded/);
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200, "the embedded server answers on the URL Settings shows");
  const sync = await driver.findElement(By.css("[data-testid=sync-state]"));
  await driver.wait(async () => (await sync.getAttribute("data-state")) === "connected", 15_000);
  const files = await fs.readdir(path.join(dataDir, "server"));
  assert.ok(files.includes("clipdesk-server.sqlite3"), "the server's data lives beside the app's");
});

test("number keys switch screens", async () => {
  const { driver } = app;
  await driver.findElement(By.css("body")).sendKeys("4");
  await driver.wait(until.elementLocated(By.css("main[data-screen=review]")), 5_000);
  const current = await driver.findElement(By.css("nav a[aria-current=page]")).getAttribute("data-screen");
  assert.equal(current, "review");
});

test("? shows every shortcut, and Escape closes the list", async () => {
  const { driver } = app;
  await driver.findElement(By.css("body")).sendKeys("?");
  const sheet = await driver.wait(until.elementLocated(By.css("[data-testid=shortcuts]")), 5_000);
  const text = await sheet.getText();
  for (const expected of ["Go to Queue", "Copy the next part", "Undo the last outcome", "Approve", "Next video"]) {
    assert.ok(text.includes(expected), `the list has "${expected}"`);
  }
  await driver.findElement(By.css("body")).sendKeys("\uE00C"); // Escape
  await driver.wait(async () => (await driver.findElements(By.css("[data-testid=shortcuts]"))).length === 0, 5_000);
  // Typing ? into a field is text, not the list.
  await driver.findElement(By.css("nav a[data-screen=contacts]")).click();
  const search = await driver.wait(until.elementLocated(By.css("input[type=search], [data-testid=contacts-search]")), 5_000);
  await search.sendKeys("?");
  assert.equal((await driver.findElements(By.css("[data-testid=shortcuts]"))).length, 0);
});

test("a restarted app remembers the name and does not ask again", async () => {
  await app.stop();
  app = await startDesktop({ dataDir, operator: null });
  const { driver } = app;
  await driver.wait(until.elementLocated(By.css("nav[aria-label=Screens]")), 20_000);
  assert.equal((await driver.findElements(By.css("[data-testid=first-run]"))).length, 0, "not asked again");
  await driver.findElement(By.css("nav a[data-screen=settings]")).click();
  await waitForText(driver, "[data-testid=operator]", /^Maria Lopez$/);
});
