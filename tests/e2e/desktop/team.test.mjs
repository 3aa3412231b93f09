// Team mode end to end (issue 13): two desktops, each with its own data folder and token, on
// one real clipdesk-server. Ana imports the people and makes the campaign, Ben's desktop shows
// it; they work the queue in turns until it is empty for both, and nobody gets two DMs: every
// handle reaches exactly one clipboard. Ben's Dashboard counts Ana's sends too.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { By, until } from "selenium-webdriver";
import { startDesktop } from "../lib/desktop.mjs";
import {
  addAllContacts,
  clipboardText,
  createCampaign,
  ENTER,
  goTo,
  importContacts,
  mark,
  openQueueOn,
  press,
  standInOpener,
  waitForAttribute,
  waitForText,
} from "../lib/flows.mjs";
import { serverBin } from "../lib/paths.mjs";
import { startServer } from "../lib/server.mjs";
import { tempDir } from "../lib/tus.mjs";

/** @typedef {import("selenium-webdriver").WebDriver} WebDriver */

const run = promisify(execFile);

/** The people Ana imports: three with a user id (DM page), three without (profile page). */
const PEOPLE = [
  ["@team.maya", "7277192393706324901", "Maya"],
  ["team_dan", "", "Dan"],
  ["@team.zoe", "7277192393706324903", "Zoë"],
  ["team_kenji", "", "Kenji"],
  ["@team.ola", "7277192393706324905", "Ola"],
  ["team_rui", "", "Rui"],
];
const HANDLES = PEOPLE.map(([handle]) => (handle ?? "").replace(/^@/, "").toLowerCase()).sort();
const CAMPAIGN = "Team bakes";

/**
 * One operator's desktop: the app, its stand-in for the browser, its data folder.
 * @typedef {{ name: string, app: Awaited<ReturnType<typeof startDesktop>>, opener: Awaited<ReturnType<typeof standInOpener>>, dataDir: string }} Desk
 */

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {Desk[]} */
const desks = [];
/** @type {string} */
let work;
/** The campaign's slug, as Ana's Campaigns list shows it. */
let slug = "";
/** @type {{ by: string, handle: string, text: string }[]} */
const copies = [];

/**
 * A token made with the server's own command, with the roles asked for; it prints the token
 * last. The data folder goes by environment, as `token create` takes no `--data`.
 * @param {string} dataDir
 * @param {string} name
 * @param {string} roles
 */
async function createToken(dataDir, name, roles) {
  const { stdout } = await run(serverBin, ["token", "create", "--name", name, "--role", roles], {
    env: { ...process.env, CLIPDESK_DATA: dataDir },
  });
  const token = stdout.trim().split("\n").pop()?.trim();
  if (!token) throw new Error(`token create printed no token:\n${stdout}`);
  return token;
}

/**
 * Starts one operator's desktop on a fresh data folder, its first run answered with `name`.
 * @param {string} name
 * @returns {Promise<Desk>}
 */
async function startDesk(name) {
  const dataDir = path.join(work, name);
  await fs.mkdir(dataDir);
  const opener = await standInOpener();
  const app = await startDesktop({ dataDir, env: opener.env, operator: name });
  return { name, app, opener, dataDir };
}

/** @param {string} name */
function desk(name) {
  const found = desks.find((d) => d.name === name);
  if (!found) throw new Error(`${name}'s desktop did not start`);
  return found;
}

before(async () => {
  work = await tempDir("team-e2e");
  server = await startServer();
  const tokens = {
    ana: await createToken(server.dataDir, "ana", "operator,reviewer"),
    ben: await createToken(server.dataDir, "ben", "operator,reviewer"),
  };
  // Two apps at once: each startDesktop runs its own tauri-driver on ports of its own.
  const started = await Promise.allSettled([startDesk("ana"), startDesk("ben")]);
  for (const result of started) if (result.status === "fulfilled") desks.push(result.value);
  const failed = started.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  for (const { name, app } of desks) await connect(app.driver, server.url, tokens[/** @type {"ana" | "ben"} */ (name)], name);
});

after(async () => {
  // Every app is stopped even when one fails to stop; the first failure is the hook's.
  const stops = await Promise.allSettled(desks.map(({ app }) => app.stop()));
  for (const { opener } of desks) await opener.remove();
  await server?.stop();
  if (work) await fs.rm(work, { recursive: true, force: true });
  const failed = stops.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
});

/**
 * Points the desktop at the server through Settings, as an operator does, and waits for sync.
 * @param {WebDriver} driver
 * @param {string} url
 * @param {string} token
 * @param {string} operator
 */
async function connect(driver, url, token, operator) {
  await goTo(driver, "settings");
  await driver.findElement(By.css("[data-testid=settings-remote]")).click();
  const fill = async (/** @type {string} */ testid, /** @type {string} */ text) => {
    const field = await driver.findElement(By.css(`[data-testid=${testid}]`));
    await field.clear();
    await field.sendKeys(text);
  };
  await fill("settings-server-url", url);
  await fill("settings-server-token", token);
  await fill("settings-operator", operator);
  await driver.findElement(By.css("[data-testid=settings-save]")).click();
  await waitForText(driver, "[data-testid=settings-save-result]", /^Saved\.$/, 20_000);
  await waitForAttribute(driver, "[data-testid=sync-state]", "data-state", "connected", 15_000);
}

/**
 * What the Queue shows now: a started contact, the empty queue, the prompt to start, or
 * something else (waiting for links, pacing, offline), named by its text.
 * @param {WebDriver} driver
 * @returns {Promise<"started" | "empty" | "prompt" | "other">}
 */
async function queueState(driver) {
  if ((await driver.findElements(By.css("[data-testid=queue-contact]"))).length) return "started";
  if ((await driver.findElements(By.css("[data-testid=queue] .prompt"))).length) return "prompt";
  const empty = await driver.findElements(By.css("[data-testid=queue] [data-testid=empty-state] h1"));
  const title = await empty[0]?.getText().catch(() => "");
  if (title && /^Nobody is waiting/.test(title)) return "empty";
  return "other";
}

/**
 * Waits until the Queue shows a started contact or the empty queue; Enter on the prompt.
 * @param {WebDriver} driver
 * @param {number} [timeout]
 * @returns {Promise<"started" | "empty">}
 */
async function settledQueue(driver, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let pressed = false;
  for (;;) {
    const state = await queueState(driver).catch(() => /** @type {const} */ ("other"));
    if (state === "started" || state === "empty") return state;
    if (state === "prompt" && !pressed) {
      await press(driver, ENTER);
      pressed = true;
    }
    if (Date.now() > deadline) {
      const shown = await driver.findElement(By.css("[data-testid=queue]")).getText().catch(() => "?");
      throw new Error(`the queue shows neither a contact nor "Nobody is waiting" after ${timeout} ms:\n${shown}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * One operator's turn: the contact on screen is copied and opened (Enter), the clipboard read
 * at once (both apps share one X display and one clipboard), then marked sent. An empty queue
 * is asked once more (Enter) before the turn says so.
 * @param {Desk} operator
 * @returns {Promise<string | null>} the handle copied, or null when the queue is empty
 */
async function takeTurn({ name, app: { driver } }) {
  let state = await settledQueue(driver);
  if (state === "empty") {
    await press(driver, ENTER);
    await new Promise((resolve) => setTimeout(resolve, 500));
    state = await settledQueue(driver);
    if (state === "empty") return null;
  }
  const heading = await waitForText(driver, "[data-testid=queue-contact] h2", /^@\S+/);
  const shown = (heading.slice(1).split(/\s/)[0] ?? "").toLowerCase();
  await press(driver, ENTER);
  await waitForText(driver, "[data-testid=queue-notice]", /^Copied /);
  const text = await clipboardText();
  const handle = (/^Hi @(\S+?):/.exec(text)?.[1] ?? "").toLowerCase();
  copies.push({ by: name, handle, text });
  assert.equal(handle, shown, `${name}'s clipboard holds the message for the contact on screen`);
  await mark(driver, "sent");
  return handle;
}

test("Ana imports the people and makes the campaign; Ben's desktop shows it", async () => {
  const ana = desk("ana").app.driver;
  const ben = desk("ben").app.driver;
  const csv = path.join(work, "team.csv");
  const rows = PEOPLE.map(([handle, id, name]) => `${handle},${id},${name},team,`);
  await fs.writeFile(csv, ["handle,user_id,display_name,tags,notes", ...rows].join("\n") + "\n");
  assert.match(await importContacts(ana, csv), new RegExp(`^${PEOPLE.length} imported`));
  // Pacing allows every send of the test at once: the turns alternate without waits.
  slug = await createCampaign(ana, { name: CAMPAIGN, template: "Hi @{{handle}}: {{link}}", dailyCap: 50, spacingS: 0 });
  assert.match(await addAllContacts(ana, CAMPAIGN), new RegExp(`^Added ${PEOPLE.length} to ${CAMPAIGN}`));

  // Through the server's event feed: Campaigns reads the list when it opens, so open it again.
  const item = By.xpath(`//*[@data-testid='campaign-list']//button[.//strong[normalize-space()='${CAMPAIGN}']]`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    await goTo(ben, "campaigns");
    await new Promise((resolve) => setTimeout(resolve, 300));
    if ((await ben.findElements(item)).length) break;
    if (Date.now() > deadline) assert.fail(`"${CAMPAIGN}" never appeared in Ben's Campaigns within 10 s`);
  }
  const hint = await ben.findElement(item).findElement(By.css(".hint")).getText();
  assert.match(hint, new RegExp(`^/${slug}\\b`), "Ben's campaign is Ana's, under the same slug");
});

test("Ana and Ben work the queue in turns until it is empty for both; no handle is copied twice", async (t) => {
  const turns = [desk("ana"), desk("ben")];
  for (const { app } of turns) await openQueueOn(app.driver, CAMPAIGN);
  /** @type {Record<string, boolean>} */
  const empty = {};
  // Each turn sends one person or finds the queue empty: twice the people, and a margin,
  // bounds a loop that never ends.
  for (let turn = 0; turn < PEOPLE.length * 2 + 4; turn += 1) {
    const operator = /** @type {Desk} */ (turns[turn % 2]);
    empty[operator.name] = (await takeTurn(operator)) === null;
    if (empty.ana && empty.ben) break;
  }
  t.diagnostic(`copied in turn: ${copies.map((c) => `${c.by} @${c.handle}`).join(", ")}`);
  assert.ok(empty.ana && empty.ben, "the queue emptied for both");

  const by = (/** @type {string} */ name) => copies.filter((c) => c.by === name).map((c) => c.handle);
  const ana = by("ana");
  const ben = by("ben");
  const both = ana.filter((handle) => ben.includes(handle));
  assert.deepEqual(both, [], `no handle in both clipboards (ana copied ${ana.join(", ")}; ben copied ${ben.join(", ")})`);
  const twice = copies.map((c) => c.handle).filter((handle, i, all) => all.indexOf(handle) !== i);
  assert.deepEqual(twice, [], "nobody's message is copied twice on one desktop");
  assert.equal(copies.length, PEOPLE.length, "as many copies as people imported");
  assert.deepEqual(copies.map((c) => c.handle).sort(), HANDLES, "every imported person is copied exactly once");
  assert.ok(ana.length > 0 && ben.length > 0, "both operators sent someone");

  // Enter opens the DM or profile page through the stand-in opener: TikTok itself is never called.
  for (const { name, opener } of turns) {
    const opened = await opener.opened();
    assert.equal(opened.length, by(name).length, `${name}'s desktop opened one page per copy`);
    for (const url of opened) assert.match(url, /tiktok\.com/, "the stand-in opener got the TikTok page");
  }
});

test("Ben's Dashboard counts Ana's sends", async () => {
  const ben = desk("ben").app.driver;
  await goTo(ben, "dashboard");
  const cell = `[data-testid=funnel] tr[data-campaign="${slug}"] td[data-stage=sent]`;
  await ben.wait(until.elementLocated(By.css(cell)), 10_000);
  // The Dashboard reads its figures when it opens and again whenever the feed brings changes.
  await waitForText(ben, cell, new RegExp(`^${PEOPLE.length}$`), 5_000);
});

test("in Ben's Contacts, a person Ana sent reads \"sent by ana\" with how long ago", async () => {
  const ben = desk("ben").app.driver;
  const handle = copies.find((c) => c.by === "ana")?.handle;
  assert.ok(handle, "Ana sent someone");
  await goTo(ben, "contacts");
  const search = await ben.wait(until.elementLocated(By.css("[data-testid=contacts-search]")), 10_000);
  await search.clear();
  await search.sendKeys(handle);
  const open = await ben.wait(
    until.elementLocated(By.xpath(`//button[@data-testid='contact-open' and normalize-space()='@${handle}']`)),
    10_000,
  );
  await open.click();
  await waitForText(ben, "[data-testid=person-item-status]", /^sent by ana, just now$/, 10_000);
});
