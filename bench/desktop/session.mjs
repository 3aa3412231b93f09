// The 10,000-contact session: one launch that imports the contacts through the Contacts
// screen, reads idle memory (figure 3), puts every contact in a campaign, reads it again, times
// Enter (figure 2), and leaves its folder as the "with data" start for figure 1.

import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { By, Key, until } from "selenium-webdriver";
import {
  CONTACT_PARTS,
  EMPTY_QUEUE,
  START_PROMPT,
  assertStandInOpener,
  dumpPage,
  launch,
  pollPage,
  pressKey,
  stopApp,
  waitForText,
} from "./driver.mjs";
import { enterLatency } from "./enter.mjs";
import { CONTACTS, IDLE_S, SENDS, log, step } from "./knobs.mjs";
import { idleMemory } from "./memory.mjs";
import { ms } from "./numbers.mjs";
import { appProcesses } from "./procs.mjs";

const FIRST = ["maya", "dan", "zoe", "kenji", "priya", "lena", "tom", "sam", "noor", "alex", "ines", "omar", "yuki", "carla", "ben", "aisha"];
const LAST = ["lopez", "rossi", "muller", "tanaka", "singh", "novak", "smith", "garcia", "kowalski", "haddad"];
const WORDS = ["bakes", "rides", "travels", "codes", "fit", "art", "cooks", "plays", "sings", "draws", "runs", "reads"];
const TAGS = ["food", "baking", "cycling", "travel", "tech", "fitness", "art", "music", "vegan", "gaming"];

/** A CSV of `count` contacts with valid, unique TikTok handles (≤ 24 characters). */
export async function writeContactsCsv(/** @type {string} */ file, /** @type {number} */ count) {
  const lines = ["handle,display_name,tags,notes"];
  for (let i = 0; i < count; i++) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7) % LAST.length];
    const handle = `${first}.${WORDS[(i * 5) % WORDS.length]}_${i}`;
    const name = `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}`;
    const tags = `${TAGS[i % TAGS.length]};${TAGS[(i * 3 + 1) % TAGS.length]}`;
    lines.push(`@${handle},${name},${tags},row ${i + 1} of the bench list`);
  }
  await fs.writeFile(file, `${lines.join("\n")}\n`);
}

/** Reads a single number from the app's database (read-only; the app keeps writing). */
function sqliteCount(/** @type {string} */ db, /** @type {string} */ sql) {
  return Number(execFileSync("sqlite3", ["-readonly", "-cmd", ".timeout 5000", db, sql], { encoding: "utf8" }).trim());
}

/**
 * Imports the CSV through the Contacts screen, reads idle memory, fills a campaign with every
 * contact, reads idle memory again, times Enter → opener over SENDS contacts, and leaves the
 * folder as the "with data" start for the cold-start runs.
 * @param {string} root
 * @param {string} csv
 */
export async function bigSession(root, csv) {
  const { app, dirs } = await launch(root);
  const { driver } = app;
  const out = /** @type {Record<string, any>} */ ({});
  try {
    await pollPage(driver, EMPTY_QUEUE);
    await assertStandInOpener((await appProcesses(app.driverPid)).app.pid, dirs.bin);

    step(`importing ${CONTACTS} contacts through the Contacts screen`);
    await driver.findElement(By.css("nav a[data-screen=contacts]")).click();
    await waitForText(driver, "[data-testid=contacts-empty]", /No contacts yet/);
    await driver.findElement(By.css("[data-testid=import-toggle]")).click();
    await driver.findElement(By.css("[data-testid=import-path]")).sendKeys(csv);
    await driver.findElement(By.css("[data-testid=import-preview]")).click();
    await driver.wait(until.elementLocated(By.css("[data-testid=import-preview-table]")), 10_000);
    const importStart = Date.now();
    await driver.findElement(By.css("[data-testid=import-run]")).click();
    const report = await waitForText(driver, "[data-testid=import-report]", /imported/, 120_000);
    out.importMs = Date.now() - importStart;
    out.importReport = report.split("\n")[0];
    if (!new RegExp(`^${CONTACTS} imported, 0 updated, 0 skipped, 0 rejected`).test(report)) {
      throw new Error(`the import did not take every row: ${report}`);
    }
    await waitForText(driver, "[data-testid=contacts-total]", new RegExp(`^${CONTACTS} contacts$`), 30_000);
    await driver.findElement(By.css("nav a[data-screen=queue]")).click();
    await pollPage(driver, EMPTY_QUEUE);

    step(`idle ${IDLE_S} s with ${CONTACTS} contacts, no campaign (Queue shown)`);
    out.memoryImported = await idleMemory(app.driverPid);

    step("a campaign (daily cap 1000, no spacing) with every contact");
    await driver.findElement(By.css("nav a[data-screen=campaigns]")).click();
    await driver.wait(until.elementLocated(By.css("[data-testid=campaign-new]")), 10_000).click();
    const editor = await driver.wait(until.elementLocated(By.css("[data-testid=campaign-editor]")), 10_000);
    await editor.findElement(By.css("[data-testid=campaign-name]")).sendKeys("Bench");
    await editor.findElement(By.css("textarea")).sendKeys("Hi {{first_name|there}}, record a clip for us: {{link}}");
    // Typing over a number field's default is unreliable through WebDriver: set the value and
    // send the input event the form's binding listens to.
    for (const [label, value] of [["Daily cap", "1000"], ["Spacing", "0"]]) {
      const input = await editor.findElement(By.xpath(`.//label[contains(., '${label}')]/input`));
      await driver.executeScript(
        `arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event("input", { bubbles: true }));`,
        input,
        value,
      );
    }
    await editor.findElement(By.css("[data-testid=campaign-save]")).click();
    await waitForText(driver, "[data-testid=campaign-notice]", /Saved “Bench”/);
    await pollPage(
      driver,
      `return /1000 a day/.test(document.querySelector("[data-testid=campaign-list]")?.textContent || "");`,
      10_000,
    );

    await driver.findElement(By.css("nav a[data-screen=contacts]")).click();
    const add = await driver.wait(until.elementLocated(By.css("[data-testid=add-matching]")), 10_000);
    await driver.wait(until.elementIsEnabled(add), 10_000);
    const addStart = Date.now();
    await add.click();
    await waitForText(driver, ".add .notice", new RegExp(`^Added ${CONTACTS} to Bench`), 120_000);
    out.addAllMs = Date.now() - addStart;

    await driver.findElement(By.css("nav a[data-screen=queue]")).click();
    await pollPage(driver, START_PROMPT);
    await pressKey(driver, Key.ENTER);
    const linksStart = Date.now();
    await pollPage(driver, CONTACT_PARTS, 180_000);
    out.firstLinkMs = Date.now() - linksStart;
    const db = path.join(dirs.data, "clipdesk.sqlite3");
    const deadline = Date.now() + 300_000;
    while (sqliteCount(db, "SELECT count(*) FROM outreach WHERE link_token IS NULL") > 0) {
      if (Date.now() > deadline) throw new Error("links were still missing after 5 minutes");
      await sleep(1000);
    }
    out.allLinksMs = Date.now() - linksStart;
    log(`first contact with its link after ${ms(out.firstLinkMs)}, all ${CONTACTS} links after ${ms(out.allLinksMs)}`);

    step(`idle ${IDLE_S} s with ${CONTACTS} contacts in a campaign (a contact on the Queue)`);
    out.memoryCampaign = await idleMemory(app.driverPid);

    step(`Enter → opener, ${SENDS} contacts (K after each)`);
    out.enter = await enterLatency(driver, dirs.opens);
    const after = await appProcesses(app.driverPid);
    out.processes = [after.app, ...after.web].map((p) => p.comm);
  } catch (error) {
    await dumpPage(driver, root);
    await stopApp(app, "failed run").catch(() => {});
    throw error;
  }
  await stopApp(app, "10k session");
  return out;
}
