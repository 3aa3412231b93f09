// Import through the app (issue 15): ROWS (100,000) contacts from a CSV and from an .xlsx,
// through the Contacts screen's wizard, timed by the page's clock: Preview clicked → the
// preview table in the DOM, and Import clicked → the report in the DOM (a MutationObserver
// in the page takes the time; the next paint follows within a frame). Together they are "from
// choosing the file to the report on screen". The .xlsx is made with python3's openpyxl
// (skipped, and said so, when it is not installed).
//
//   xvfb-run -a node bench/desktop/import.mjs          (the release build, as the bench)
//   ROWS=20000 BENCH_APP=target/debug/clipdesk xvfb-run -a node bench/desktop/import.mjs
//
// Run by hand; never part of ./dev test. Prints one markdown table.

import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { By } from "selenium-webdriver";
import { launch, pollPage, stopApp } from "./driver.mjs";
import { log, step } from "./knobs.mjs";
import { writeContactsCsv } from "./session.mjs";

const ROWS = Number(process.env.ROWS ?? 100_000);

/** The same contacts as the CSV, in an .xlsx (user ids none, all cells text); false when openpyxl is missing. */
function writeXlsx(/** @type {string} */ csv, /** @type {string} */ xlsx) {
  const script = `
import csv, sys
from openpyxl import Workbook
book = Workbook(write_only=True)
sheet = book.create_sheet("Contacts")
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.reader(f):
        sheet.append(row)
book.save(sys.argv[2])
`;
  try {
    execFileSync("python3", ["-c", script, csv, xlsx], { stdio: ["ignore", "ignore", "pipe"] });
    return true;
  } catch (error) {
    log(`no .xlsx: ${String(error).split("\n")[0]}`);
    return false;
  }
}

/**
 * Clicks `testid` and takes the page's time when `check` first holds, seen by a
 * MutationObserver inside the page (so the time is the DOM change's, not a poll's); the bench
 * looks for that record every 100 ms. Polling WebDriver every few ms instead costs CPU the
 * import needs on a 2-core machine (WebKitWebDriver and WebKit answer each poll).
 */
async function timed(
  /** @type {import("selenium-webdriver").WebDriver} */ driver,
  /** @type {string} */ testid,
  /** @type {string} */ check,
) {
  const before = /** @type {number} */ (
    await driver.executeScript(`
      window.__benchDone = null;
      const check = () => (() => { ${check} })();
      const observer = new MutationObserver(() => {
        const value = check();
        if (value && !window.__benchDone) {
          window.__benchDone = { at: Date.now(), value };
          observer.disconnect();
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      const t = Date.now();
      document.querySelector("[data-testid=${testid}]").click();
      return t;`)
  );
  const done = await pollPage(driver, `return window.__benchDone;`, 120_000, 100);
  return { ms: done.value.at - before, value: done.value.value };
}

async function importFile(/** @type {import("selenium-webdriver").WebDriver} */ driver, /** @type {string} */ file) {
  await driver.findElement(By.css("nav a[data-screen=contacts]")).click();
  if ((await driver.findElements(By.css("[data-testid=import-path]"))).length === 0) {
    await driver.findElement(By.css("[data-testid=import-toggle]")).click();
  }
  const input = await driver.findElement(By.css("[data-testid=import-path]"));
  await input.clear();
  await input.sendKeys(file);
  const preview = await timed(driver, "import-preview", `return document.querySelector("[data-testid=import-run]") !== null;`);
  const report = await timed(
    driver,
    "import-run",
    `const el = document.querySelector("[data-testid=import-report]"); return el ? el.innerText.trim() : null;`,
  );
  return { preview, report };
}

/** Answers a fresh app's first run with an operator name, then waits for the screens. */
async function passFirstRun(/** @type {import("selenium-webdriver").WebDriver} */ driver) {
  const first = await pollPage(
    driver,
    `return document.querySelector("[data-testid=first-run]") ? "first" : document.querySelector("nav[aria-label=Screens]") ? "nav" : null;`,
  );
  if (first.value === "first") {
    await driver.findElement(By.css("[data-testid=first-run-operator]")).sendKeys("bench");
    await driver.findElement(By.css("[data-testid=first-run-save]")).click();
    await pollPage(driver, `return document.querySelector("nav[aria-label=Screens]") !== null;`);
  }
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-bench-import-"));
const csv = path.join(root, "contacts.csv");
const xlsx = path.join(root, "contacts.xlsx");
step(`writing ${ROWS} contacts as CSV${"" /* and xlsx */}`);
await writeContactsCsv(csv, ROWS);
const haveXlsx = writeXlsx(csv, xlsx);

/** @type {string[]} */
const lines = ["| file | rows | Preview → preview shown | Import → report shown | total | report |", "|---|---|---|---|---|---|"];
for (const [kind, file] of /** @type {[string, string][]} */ ([["CSV", csv], ...(haveXlsx ? [["xlsx", xlsx]] : [])])) {
  step(`importing the ${kind} into a fresh app`);
  const { app } = await launch(path.join(root, kind));
  try {
    await passFirstRun(app.driver);
    const size = (await fs.stat(file)).size / 1e6;
    // Then the same file again: every row skipped as unchanged, the report's largest case.
    for (const what of [kind, `${kind} again`]) {
      const { preview, report } = await importFile(app.driver, file);
      lines.push(
        `| ${what} (${size.toFixed(1)} MB) | ${ROWS} | ${preview.ms} ms | ${report.ms} ms | ${preview.ms + report.ms} ms | ${String(report.value).split("\n")[0]} |`,
      );
    }
  } finally {
    await stopApp(app, kind);
  }
}
await fs.rm(root, { recursive: true, force: true });
console.log(lines.join("\n"));
