// The desktop app's own figures (issue 6), measured on the release build through tauri-driver +
// WebKitWebDriver, as the end-to-end suite drives it: cold start to an interactive queue, Enter
// to the browser being opened, idle memory with 10,000 contacts, and the binary's size.
// Started by bench/desktop/run; prints a markdown report on stdout, progress on stderr, and
// writes bench/desktop/results/<stamp>.{json,md} and the results section of the README.
// Nothing here talks to anything but 127.0.0.1, and the DM page is never opened: a stand-in
// xdg-open first on the app's PATH only records what it was asked to open.

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
// @ts-ignore: a path into tests/e2e's node_modules has no types of its own; the cast gives them.
import * as webdriver from "../../tests/e2e/node_modules/selenium-webdriver/index.js";
import { startDesktop } from "../../tests/e2e/lib/desktop.mjs";
import { waitForText } from "../../tests/e2e/lib/flows.mjs";
import { repoRoot, targetDir } from "../../tests/e2e/lib/paths.mjs";

const { By, Key, until } = /** @type {typeof import("selenium-webdriver")} */ (webdriver);
const here = path.dirname(fileURLToPath(import.meta.url));
/** The release build; BENCH_APP points elsewhere (e.g. the debug build, to try the bench quickly). */
const releaseBin = process.env.BENCH_APP ?? path.join(targetDir, "release", "clipdesk");

const RUNS = Number(process.env.RUNS ?? 5);
const SENDS = Number(process.env.SENDS ?? 20);
const CONTACTS = Number(process.env.CONTACTS ?? 10_000);
const IDLE_S = Number(process.env.IDLE_S ?? 30);
const KEEP = process.env.KEEP === "1";

const log = (/** @type {string} */ line) => process.stderr.write(`  ${line}\n`);
const step = (/** @type {string} */ line) => process.stderr.write(`\x1b[1m==> ${line}\x1b[0m\n`);

// ---- numbers ------------------------------------------------------------------------------

/** Nearest-rank percentile of `values` (0 < p ≤ 100). */
function percentile(/** @type {number[]} */ values, /** @type {number} */ p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
function median(/** @type {number[]} */ values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
function summary(/** @type {number[]} */ values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values };
}
const ms = (/** @type {number} */ x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const ms1 = (/** @type {number} */ x) => `${x.toFixed(1)} ms`;
const mib = (/** @type {number} */ kib) => `${(kib / 1024).toFixed(1)} MiB`;

/** Epoch milliseconds taken at the instant the wall clock ticks, so to well under a millisecond. */
function wallClockTick() {
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  return now;
}

// ---- processes ----------------------------------------------------------------------------

/** @typedef {{ pid: number, ppid: number, comm: string, utime: number, stime: number, starttime: number }} ProcStat */

/** /proc/<pid>/stat, or null when the process is gone (or a zombie). */
async function procStat(/** @type {number} */ pid) {
  try {
    const text = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    const rest = text.slice(close + 2).split(" ");
    if (rest[0] === "Z" || rest[0] === "X") return null;
    /** @type {ProcStat} */
    const stat = {
      pid,
      comm: text.slice(open + 1, close),
      ppid: Number(rest[1]),
      utime: Number(rest[11]),
      stime: Number(rest[12]),
      starttime: Number(rest[19]),
    };
    return stat;
  } catch {
    return null;
  }
}

/** Every live process under `root` (not `root` itself). */
async function descendants(/** @type {number} */ root) {
  const pids = (await fs.readdir("/proc")).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = (await Promise.all(pids.map(procStat))).filter((s) => s !== null);
  /** @type {ProcStat[]} */
  const found = [];
  const frontier = [root];
  while (frontier.length) {
    const parent = frontier.pop();
    for (const s of stats) {
      if (s.ppid === parent) {
        found.push(s);
        frontier.push(s.pid);
      }
    }
  }
  return found;
}

/** The app and its WebKit processes, found under tauri-driver's pid. */
async function appProcesses(/** @type {number} */ driverPid) {
  const under = await descendants(driverPid);
  const app = under.find((p) => p.comm === "clipdesk");
  if (!app) throw new Error(`no clipdesk process under tauri-driver (${under.map((p) => p.comm).join(", ")})`);
  return { app, web: await descendants(app.pid) };
}

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** When a process started, in epoch ms (±10 ms: the kernel counts in clock ticks). */
async function startedAtEpoch(/** @type {ProcStat} */ stat) {
  const uptimeS = Number((await fs.readFile("/proc/uptime", "utf8")).split(" ")[0]);
  const now = Date.now();
  return now - (uptimeS - stat.starttime / CLK_TCK) * 1000;
}

/** kB figures from /proc/<pid>/status and smaps_rollup. */
async function memory(/** @type {number} */ pid) {
  const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
  const rollup = await fs.readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
  const field = (/** @type {string} */ text, /** @type {string} */ name) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return {
    rss: field(status, "VmRSS"),
    hwm: field(status, "VmHWM"),
    anon: field(status, "RssAnon"),
    file: field(status, "RssFile"),
    shmem: field(status, "RssShmem"),
    pss: field(rollup, "Pss"),
  };
}

/** Waits until the pids are gone; returns the ones still there after `timeoutMs`. */
async function waitGone(/** @type {number[]} */ pids, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = (await Promise.all(pids.map(procStat))).filter((s) => s !== null).map((s) => s.pid);
    if (!alive.length || Date.now() > deadline) return alive;
    await sleep(100);
  }
}

/** Notes about processes that outlived their session, for the report. */
const exitNotes = /** @type {string[]} */ ([]);

/**
 * Stops a WebDriver session the way the e2e suite does, then checks that the app and its web
 * processes went with it; any that stay are ended by pid (they are ours) and noted.
 * @param {Awaited<ReturnType<typeof startDesktop>>} app
 * @param {string} label
 */
async function stopApp(app, label) {
  const tree = await appProcesses(app.driverPid).catch(() => null);
  const pids = tree ? [tree.app.pid, ...tree.web.map((w) => w.pid)] : [];
  // stop() itself fails when the app outlives its session (it kills it and says what it was doing).
  await app.stop().catch((/** @type {unknown} */ error) => exitNotes.push(`${label}: ${String(error).split("\n")[0]}`));
  const left = await waitGone(pids);
  if (left.length) {
    exitNotes.push(`${label}: ${left.join(", ")} still running 10 s after the session ended; sent SIGTERM`);
    for (const pid of left) process.kill(pid, "SIGTERM");
    const stubborn = await waitGone(left, 5_000);
    for (const pid of stubborn) process.kill(pid, "SIGKILL");
  }
}

/**
 * Runs `body` with the app, stopping it if `body` throws (on success `body` owns the stop).
 * @template T
 * @param {Awaited<ReturnType<typeof startDesktop>>} app
 * @param {string} root
 * @param {() => Promise<T>} body
 */
async function orStop(app, root, body) {
  try {
    return await body();
  } catch (error) {
    await dumpPage(app.driver, root);
    await stopApp(app, "failed run").catch(() => {});
    throw error;
  }
}

// ---- a launch's folders -------------------------------------------------------------------

/**
 * One launch's own folders: the data folder (CLIPDESK_DATA_DIR) and XDG homes, so WebKit's
 * storage and caches start empty as on a first run (and nothing lands in ~/.local/share), and
 * `bin/xdg-open`, the stand-in that records what the app asked to open.
 * @param {string} root
 */
async function launchEnv(root) {
  const dirs = {
    data: path.join(root, "data"),
    xdgData: path.join(root, "xdg-data"),
    xdgCache: path.join(root, "xdg-cache"),
    xdgConfig: path.join(root, "xdg-config"),
    bin: path.join(root, "bin"),
    opens: path.join(root, "opens.log"),
  };
  for (const dir of [dirs.data, dirs.xdgData, dirs.xdgCache, dirs.xdgConfig, dirs.bin]) {
    await fs.mkdir(dir, { recursive: true });
  }
  // EPOCHREALTIME is bash's own clock (µs), so the stamp costs no fork.
  const opener = `#!/bin/bash\n# Stand-in for xdg-open: records when it ran and its argument; opens nothing.\nprintf '%s %s\\n' "\${EPOCHREALTIME/./}" "$1" >> '${dirs.opens}'\n`;
  await fs.writeFile(path.join(dirs.bin, "xdg-open"), opener, { mode: 0o755 });
  return {
    dirs,
    env: {
      CLIPDESK_DATA_DIR: dirs.data,
      XDG_DATA_HOME: dirs.xdgData,
      XDG_CACHE_HOME: dirs.xdgCache,
      XDG_CONFIG_HOME: dirs.xdgConfig,
      PATH: `${dirs.bin}:${process.env.PATH}`,
    },
  };
}

/** @param {string} root */
async function launch(root) {
  const { dirs, env } = await launchEnv(root);
  const app = await startDesktop({ dataDir: dirs.data, env, application: releaseBin });
  return { app, dirs };
}

/** Refuses to go on unless the app's PATH starts with the stand-in's folder. */
async function assertStandInOpener(/** @type {number} */ pid, /** @type {string} */ bin) {
  const environ = (await fs.readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
  const pathVar = environ.find((e) => e.startsWith("PATH=")) ?? "";
  if (!pathVar.startsWith(`PATH=${bin}:`)) {
    throw new Error(`the app's PATH does not start with the stand-in xdg-open's folder: ${pathVar}`);
  }
}

// ---- the page -----------------------------------------------------------------------------

/**
 * Runs `script` in the page until it returns something truthy; returns that value, the page's
 * wall clock when its check succeeded (`at`) and when the check before it ran (`previous`, NaN
 * if the first check succeeded): the state was reached in between.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} script
 */
async function pollPage(driver, script, timeoutMs = 60_000) {
  const wrapped = `const value = (() => { ${script} })(); return { value, at: Date.now() };`;
  const deadline = Date.now() + timeoutMs;
  let previous = NaN;
  for (;;) {
    const sent = Date.now();
    const answer = /** @type {{ value: any, at: number } | null} */ (await driver.executeScript(wrapped).catch(() => null));
    if (answer?.value) {
      return { value: answer.value, at: answer.at, previous, receivedAt: Date.now(), roundTrip: Date.now() - sent };
    }
    if (answer) previous = answer.at;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${script}`);
    await sleep(5);
  }
}

const EMPTY_QUEUE = `
  const el = document.querySelector("main[data-screen=queue] [data-testid=empty-state]");
  return !!el && /Create a campaign/.test(el.textContent || "");`;
const START_PROMPT = `
  const b = [...document.querySelectorAll("[data-testid=queue] .prompt button")].find((b) => /Start next/.test(b.textContent || ""));
  return !!b && !b.disabled;`;
const CONTACT_PARTS = `
  const pre = document.querySelector("[data-testid=queue-parts] pre");
  const h2 = document.querySelector("[data-testid=queue-contact] h2");
  return pre && h2 && (pre.textContent || "").trim() ? (h2.textContent || "").trim().split(/\\s+/)[0] : null;`;
const NAVIGATION = `
  const t = performance.timing;
  return { navigationStart: t.navigationStart, domContentLoaded: t.domContentLoadedEventEnd, load: t.loadEventEnd };`;


/** After a failure: the window as a PNG and the page's text, beside the run's folders. */
async function dumpPage(/** @type {import("selenium-webdriver").WebDriver} */ driver, /** @type {string} */ root) {
  try {
    await fs.writeFile(path.join(root, "failure.png"), await driver.takeScreenshot(), "base64");
    await fs.writeFile(path.join(root, "failure.txt"), String(await driver.executeScript("return document.body.innerText")));
    log(`the page at the failure: ${root}/failure.{png,txt} (KEEP=1 keeps them)`);
  } catch {}
}

/** Sends a key to the page as the e2e suite does (to body; the queue listens on window). */
async function pressKey(/** @type {import("selenium-webdriver").WebDriver} */ driver, /** @type {string} */ key) {
  await driver.findElement(By.css("body")).sendKeys(key);
}

// ---- 4. binary size -----------------------------------------------------------------------

async function binarySize(/** @type {string} */ work) {
  const built = (await fs.stat(releaseBin)).size;
  const copy = path.join(work, "clipdesk.stripped");
  await fs.copyFile(releaseBin, copy);
  execFileSync("strip", ["--strip-all", copy]);
  const stripped = (await fs.stat(copy)).size;
  const describe = (/** @type {string} */ file) => execFileSync("file", ["-b", file], { encoding: "utf8" }).trim();
  const cargoToml = await fs.readFile(path.join(repoRoot, "Cargo.toml"), "utf8");
  const profile = /\[profile\.release\][^[]*/.exec(cargoToml)?.[0].trim() ?? "(none)";
  const result = { built, stripped, builtFile: describe(releaseBin), strippedFile: describe(copy), profile };
  await fs.rm(copy);
  return result;
}

// ---- 1. cold start ------------------------------------------------------------------------

/**
 * Breaks a launch down with the app's process start time and the page's navigation timing.
 * @param {Awaited<ReturnType<typeof startDesktop>>} app
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
async function coldStartEmpty(/** @type {string} */ root) {
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
async function coldStartWithData(prepared, root) {
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

/** Ports `pid` listens on (TCP, IPv4), from its socket fds and /proc/net/tcp. */
async function listeningPorts(/** @type {number} */ pid) {
  const inodes = new Set();
  for (const fd of await fs.readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]);
  }
  if (!inodes.size) return [];
  const table = await fs.readFile(`/proc/${pid}/net/tcp`, "utf8");
  return table
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === "0A" && inodes.has(f[9]))
    .map((f) => parseInt(f[1].split(":")[1], 16));
}

function healthz(/** @type {number} */ port) {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/healthz", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

/**
 * The app started straight from its binary, no WebDriver: when its window can first be read
 * (mapped), when a WebKit web process exists, when its embedded server answers /healthz, and
 * when the window reached its final picture. frames.py watches the top of the content area
 * (where the queue's empty state and its "Start next" prompt are) every ~15 ms and reports each
 * change; "drawn" is the last change before it stayed the same for 3 s. Watching costs ~10 % of
 * a core, which the app could have used.
 * @param {string | null} prepared the folder to copy, or null for a first-ever start
 * @param {string} root
 */
async function directStart(prepared, root) {
  if (prepared) await fs.cp(prepared, root, { recursive: true });
  const { env } = await launchEnv(root);
  const t0 = Date.now();
  const child = spawn(releaseBin, [], { env: { ...process.env, ...env }, stdio: "ignore" });
  const pid = /** @type {number} */ (child.pid);
  const watcher = spawn("python3", [path.join(here, "frames.py"), "clipdesk", "--region", "200,0,1000,200"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let watched = "";
  watcher.stdout.on("data", (chunk) => (watched += chunk));
  watcher.stderr.on("data", (chunk) => (watched += chunk));
  const watcherDone = new Promise((resolve) => watcher.once("exit", resolve));
  let watching = true;
  void watcherDone.then(() => (watching = false));
  /** @type {{ healthz?: number, webProcess?: number }} */
  const at = {};
  try {
    const deadline = t0 + 40_000;
    while ((watching || at.healthz === undefined || at.webProcess === undefined) && Date.now() < deadline) {
      if (at.healthz === undefined) {
        for (const port of await listeningPorts(pid)) {
          if (await healthz(port)) at.healthz = Date.now() - t0;
        }
      }
      if (at.webProcess === undefined && (await descendants(pid)).some((p) => p.comm.startsWith("WebKitWebProces"))) {
        at.webProcess = Date.now() - t0;
      }
      await sleep(20);
    }
    await watcherDone;
    execFileSync("import", ["-silent", "-window", "root", "-crop", "1200x800+0+0", path.join(root, "final.png")], {
      stdio: "ignore",
    });
  } finally {
    if (watcher.exitCode === null) watcher.kill("SIGTERM");
    const pids = [pid, ...(await descendants(pid)).map((p) => p.pid)];
    child.kill("SIGTERM");
    const left = await waitGone(pids);
    if (left.length) {
      exitNotes.push(`direct start: ${left.join(", ")} still running 10 s after SIGTERM to the app; killed`);
      for (const p of left) process.kill(p, "SIGKILL");
    }
  }
  /** @type {{ found_at: number, frames: [number, string][], grabs: number, errors: number, interval_ms: number }} */
  let seen;
  try {
    seen = JSON.parse(watched.trim().split("\n").at(-1) ?? "");
  } catch {
    throw new Error(`frames.py said: ${watched}`);
  }
  const first = seen.frames[0];
  const last = seen.frames.at(-1);
  return {
    healthzMs: at.healthz ?? NaN,
    webProcessMs: at.webProcess ?? NaN,
    windowMs: first ? first[0] - t0 : NaN,
    drawnMs: last ? last[0] - t0 : NaN,
    frames: seen.frames.map(([t, hash]) => [Math.round(t - t0), hash]),
    frameIntervalMs: seen.interval_ms,
  };
}

// ---- 3. memory ----------------------------------------------------------------------------

/**
 * Leaves the app alone for IDLE_S seconds, then reads every process's memory, and the CPU
 * time they used while idle.
 * @param {number} driverPid
 */
async function idleMemory(driverPid) {
  const before = await appProcesses(driverPid);
  const cpu0 = [before.app, ...before.web].reduce((sum, p) => sum + p.utime + p.stime, 0);
  await sleep(IDLE_S * 1000);
  const { app, web } = await appProcesses(driverPid);
  const cpu1 = [app, ...web].reduce((sum, p) => sum + p.utime + p.stime, 0);
  const appMem = await memory(app.pid);
  const webMem = await Promise.all(web.map(async (p) => ({ pid: p.pid, comm: p.comm, ...(await memory(p.pid)) })));
  const sum = (/** @type {"rss" | "hwm" | "pss" | "anon"} */ key) => webMem.reduce((s, w) => s + w[key], 0);
  return {
    app: { pid: app.pid, ...appMem },
    web: webMem,
    webRss: sum("rss"),
    webHwm: sum("hwm"),
    totalRss: appMem.rss + sum("rss"),
    totalHwm: appMem.hwm + sum("hwm"),
    totalPss: appMem.pss + sum("pss"),
    totalAnon: appMem.anon + sum("anon"),
    idleCpuPercent: ((cpu1 - cpu0) / CLK_TCK / IDLE_S) * 100,
  };
}

// ---- the 10,000-contact session -----------------------------------------------------------

const FIRST = ["maya", "dan", "zoe", "kenji", "priya", "lena", "tom", "sam", "noor", "alex", "ines", "omar", "yuki", "carla", "ben", "aisha"];
const LAST = ["lopez", "rossi", "muller", "tanaka", "singh", "novak", "smith", "garcia", "kowalski", "haddad"];
const WORDS = ["bakes", "rides", "travels", "codes", "fit", "art", "cooks", "plays", "sings", "draws", "runs", "reads"];
const TAGS = ["food", "baking", "cycling", "travel", "tech", "fitness", "art", "music", "vegan", "gaming"];

/** A CSV of `count` contacts with valid, unique TikTok handles (≤ 24 characters). */
async function writeContactsCsv(/** @type {string} */ file, /** @type {number} */ count) {
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
async function bigSession(root, csv) {
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

/**
 * For SENDS contacts in turn: Enter (copy the first part and open the DM page), wait for the
 * stand-in opener's record, check its URL, then K (skip) to the next contact. Latency is the
 * opener's stamp minus the wall clock just before the key went to WebDriver; the page's own
 * keydown time splits it into WebDriver's delivery and the app's part.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} opensFile
 */
async function enterLatency(driver, opensFile) {
  await driver.executeScript(`
    window.__benchKeydowns = [];
    window.addEventListener("keydown", (e) => {
      if (e.key === "Enter") window.__benchKeydowns.push(performance.timeOrigin + performance.now());
    }, true);`);
  const body = await driver.findElement(By.css("body"));
  /** @type {{ handle: string, totalMs: number, deliveryMs: number, appMs: number, url: string }[]} */
  const samples = [];
  let previous = "";
  for (let i = 0; i < SENDS; i++) {
    const shown = await pollPage(driver, CONTACT_PARTS, 30_000);
    const handle = String(shown.value).replace(/^@/, "");
    if (handle === previous) throw new Error(`K did not move past @${handle}`);
    previous = handle;
    const before = wallClockTick();
    await body.sendKeys(Key.ENTER);
    let lines = [];
    const deadline = Date.now() + 10_000;
    while ((lines = (await fs.readFile(opensFile, "utf8").catch(() => "")).trim().split("\n").filter(Boolean)).length <= i) {
      if (Date.now() > deadline) throw new Error(`the opener never ran for @${handle}`);
      await sleep(1);
    }
    const [stamp, url] = lines[i].split(" ");
    const openedAt = Number(stamp) / 1000;
    const expected = `https://www.tiktok.com/@${handle}`;
    if (url !== expected) throw new Error(`the opener got ${url}, expected ${expected}`);
    const keydowns = /** @type {number[]} */ (await driver.executeScript("return window.__benchKeydowns"));
    const keydownAt = keydowns[i];
    samples.push({ handle, url, totalMs: openedAt - before, deliveryMs: keydownAt - before, appMs: openedAt - keydownAt });
    // The queue ignores keys while a send is busy: wait for its notice before K.
    await waitForText(driver, "[data-testid=queue-notice]", /opened the DM page/);
    await body.sendKeys("k");
    await waitForText(driver, "[data-testid=queue-notice]", new RegExp(`^Skipped: @${handle.replace(/\./g, "\\.")}`));
  }
  const lines = (await fs.readFile(opensFile, "utf8")).trim().split("\n");
  if (lines.length !== SENDS) throw new Error(`the opener ran ${lines.length} times for ${SENDS} Enters`);
  const pick = (/** @type {"totalMs" | "deliveryMs" | "appMs"} */ key) => {
    const values = samples.map((s) => s[key]);
    return { p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values), min: Math.min(...values) };
  };
  return { samples, total: pick("totalMs"), delivery: pick("deliveryMs"), app: pick("appMs") };
}

// ---- the report ---------------------------------------------------------------------------

function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  const git = (/** @type {string[]} */ args) => execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
  let commit = "unknown";
  try {
    const dirty = git(["status", "--porcelain", "--untracked-files=no"]).split("\n").filter(Boolean).length;
    commit = `${git(["rev-parse", "--short", "HEAD"])}${dirty ? ` + ${dirty} uncommitted file(s)` : ""}`;
  } catch {}
  let webkit = "unknown";
  try {
    webkit = execFileSync("dpkg-query", ["-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"], { encoding: "utf8" });
  } catch {}
  return { cpu, cores: os.cpus().length, memGiB: os.totalmem() / 2 ** 30, commit, webkit, display: process.env.DISPLAY ?? "" };
}

/** @param {Record<string, any>} r */
function markdown(r) {
  const L = [];
  const load = (/** @type {number[]} */ l) => l.map((x) => x.toFixed(2)).join(" / ");
  L.push(`### ${r.startedUtc} UTC`);
  L.push("");
  L.push(`Command: \`${r.command}\`. Release build of ${r.machine.commit}; WebKitGTK ${r.machine.webkit}; Xvfb display ${r.machine.display}.`);
  L.push(`Machine: ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memGiB.toFixed(1)} GiB. Load average (1/5/15 min) ${load(r.loadBefore)} before, ${load(r.loadAfter)} after; the run took ${(r.durationMs / 60000).toFixed(1)} min.`);
  L.push("");

  const row = (/** @type {string} */ name, /** @type {{median:number,min:number,max:number}} */ s) =>
    `| ${name} | ${ms(s.median)} | ${ms(s.min)} | ${ms(s.max)} |`;
  const runsOf = (/** @type {number[]} */ xs) => xs.map((x) => x.toFixed(0)).join(", ");
  L.push(`**1. Cold start to an interactive queue** (${r.runs} runs each; every run a fresh copy of its folder; times from the WebDriver new-session request, which launches the app)`);
  L.push("");
  L.push("| start | median | min | max |");
  L.push("|---|---:|---:|---:|");
  const e = r.coldEmpty;
  const d = r.coldData;
  L.push(row("first ever (empty folder): request → empty state shown", e.ready));
  L.push(row("  of which: request → app process started (WebDriver's share)", e.processStart));
  L.push(row("  app process started → empty state shown", e.fromProcessStart));
  L.push(row("  app process started → page navigation start", e.navigation));
  L.push(row(`with data (${r.contacts} contacts, campaign): request → "Start next ⏎" ready`, d.prompt));
  L.push(row("with data: request → contact's parts shown (after one Enter)", d.ready));
  L.push(row("  of which: request → app process started (WebDriver's share)", d.processStart));
  L.push(row("  app process started → contact's parts shown", d.fromProcessStart));
  L.push(row("  app process started → page navigation start", d.navigation));
  const de = r.direct.empty;
  const dd = r.direct.data;
  L.push(row("without WebDriver, first ever: spawn → window mapped", de.window));
  L.push(row("without WebDriver, first ever: spawn → empty state drawn", de.drawn));
  L.push(row("without WebDriver, with data: spawn → window mapped", dd.window));
  L.push(row("without WebDriver, with data: spawn → WebKit web process exists", dd.webProcess));
  L.push(row("without WebDriver, with data: spawn → embedded server answers /healthz", dd.healthz));
  L.push(row(`without WebDriver, with data: spawn → "Start next ⏎" prompt drawn`, dd.drawn));
  L.push("");
  L.push(`Raw (ms). With WebDriver: empty ${runsOf(e.ready.runs)}; with data, prompt ${runsOf(d.prompt.runs)}, parts ${runsOf(d.ready.runs)}; the app process started ${runsOf(e.processStart.runs)} (empty) and ${runsOf(d.processStart.runs)} (data) after the request; the empty state and the prompt were reached at most ${runsOf(e.pollGap)} / ${runsOf(d.pollGap)} ms before the check that saw them (the check before, or DOMContentLoaded when the first check saw them: the resolution of "shown"). Without WebDriver: first ever, window ${runsOf(de.window.runs)}, drawn ${runsOf(de.drawn.runs)}; with data, window ${runsOf(dd.window.runs)}, web process ${runsOf(dd.webProcess.runs)}, /healthz ${runsOf(dd.healthz.runs)}, drawn ${runsOf(dd.drawn.runs)}; a frame every ${runsOf([...de.frameInterval, ...dd.frameInterval])} ms on average in each run (the resolution of "drawn").`);
  L.push("");

  const t = r.enter;
  L.push(`**2. Enter → browser opened** (${r.sends} contacts, K after each; the stand-in xdg-open's stamp minus the wall clock just before WebDriver was sent the key)`);
  L.push("");
  L.push("| part | p50 | p95 | max | min |");
  L.push("|---|---:|---:|---:|---:|");
  L.push(`| key sent → opener ran (the figure) | ${ms1(t.total.p50)} | ${ms1(t.total.p95)} | ${ms1(t.total.max)} | ${ms1(t.total.min)} |`);
  L.push(`| key sent → keydown in the page (WebDriver's delivery) | ${ms1(t.delivery.p50)} | ${ms1(t.delivery.p95)} | ${ms1(t.delivery.max)} | ${ms1(t.delivery.min)} |`);
  L.push(`| keydown → opener ran (the app: clipboard, IPC, spawning xdg-open) | ${ms1(t.app.p50)} | ${ms1(t.app.p95)} | ${ms1(t.app.max)} | ${ms1(t.app.min)} |`);
  L.push("");
  L.push(`Raw totals (ms): ${t.samples.map((/** @type {{totalMs:number}} */ s) => s.totalMs.toFixed(1)).join(", ")}. Every URL was \`https://www.tiktok.com/@<handle>\` of the contact shown.`);
  L.push("");

  L.push(`**3. Memory after ${r.idleS} s idle** (VmRSS and VmHWM, the peak since the process started, of clipdesk and of the WebKit processes under it; "anon" is RssAnon, the memory that is each process's own, not shared libraries; PSS shares shared pages out among every process on the machine that maps them)`);
  L.push("");
  L.push("| state | clipdesk RSS | clipdesk HWM | web processes RSS | web HWM | total RSS | total HWM | total anon | total PSS | CPU while idle (of one core) |");
  L.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const [name, m] of [
    ["fresh app, empty folder, Queue shown", r.memoryEmpty],
    [`${r.contacts} contacts imported, Contacts then Queue shown`, r.big.memoryImported],
    [`${r.contacts} contacts in a campaign, a contact on the Queue`, r.big.memoryCampaign],
  ]) {
    L.push(`| ${name} | ${mib(m.app.rss)} | ${mib(m.app.hwm)} | ${mib(m.webRss)} | ${mib(m.webHwm)} | **${mib(m.totalRss)}** | ${mib(m.totalHwm)} | ${mib(m.totalAnon)} | ${mib(m.totalPss)} | ${m.idleCpuPercent.toFixed(1)} % |`);
  }
  L.push("");
  for (const [name, m] of [["empty", r.memoryEmpty], ["imported", r.big.memoryImported], ["campaign", r.big.memoryCampaign]]) {
    const web = m.web.map((/** @type {any} */ w) => `${w.comm} ${w.rss} (anon ${w.anon}, file ${w.file}, shmem ${w.shmem})`).join("; ");
    L.push(`- ${name}, kB: clipdesk ${m.app.rss} (anon ${m.app.anon}, file ${m.app.file}, shmem ${m.app.shmem}, HWM ${m.app.hwm}); ${web}.`);
  }
  L.push("");
  L.push(`Around it: import of ${r.contacts} rows through the wizard ${ms(r.big.importMs)} (\`${r.big.importReport}\`); "Add these to campaign" ${ms(r.big.addAllMs)}; after the Queue's first Enter, a contact was on screen within ${ms(r.big.firstLinkMs)} and no outreach item lacked its link within ${ms(r.big.allLinksMs)}.`);
  L.push("");

  const b = r.binary;
  L.push("**4. Binary size**");
  L.push("");
  L.push("| binary | bytes | MiB |");
  L.push("|---|---:|---:|");
  L.push(`| target/release/clipdesk as built | ${b.built.toLocaleString("en")} | ${(b.built / 2 ** 20).toFixed(2)} |`);
  L.push(`| the same after \`strip --strip-all\` | ${b.stripped.toLocaleString("en")} | ${(b.stripped / 2 ** 20).toFixed(2)} |`);
  L.push("");
  L.push(`\`file\`: as built "${b.builtFile}"; stripped "${b.strippedFile}". Release profile: \`${b.profile.replace(/\n/g, "; ")}\`.`);
  L.push("");
  if (r.exitNotes.length) {
    L.push(`Processes that did not end with their session: ${r.exitNotes.join("; ")}.`);
  } else {
    L.push("Every app process (clipdesk and its WebKit processes) was gone within 10 s of its session ending.");
  }
  return L.join("\n");
}

/** Replaces the README's results section (between its markers) with `text`. */
async function updateReadme(/** @type {string} */ text) {
  const file = path.join(here, "README.md");
  const readme = await fs.readFile(file, "utf8").catch(() => "");
  const start = "<!-- results:start -->";
  const end = "<!-- results:end -->";
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) {
    log("README.md has no results markers; left as it is");
    return;
  }
  await fs.writeFile(file, `${readme.slice(0, a + start.length)}\n\n${text}\n\n${readme.slice(b)}`);
}

// ---- main ---------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const startedUtc = new Date(started).toISOString().slice(0, 16).replace("T", " ");
  const loadBefore = os.loadavg();
  await fs.access(releaseBin).catch(() => {
    throw new Error(`${releaseBin} is missing: bench/desktop/run builds it`);
  });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-bench-desktop-"));
  log(`working in ${work}${KEEP ? " (kept)" : ""}`);
  const r = /** @type {Record<string, any>} */ ({
    startedUtc,
    command: process.env.BENCH_COMMAND ?? "bench/desktop/run",
    machine: machine(),
    loadBefore,
    runs: RUNS,
    sends: SENDS,
    contacts: CONTACTS,
    idleS: IDLE_S,
  });
  try {
    step("binary size");
    r.binary = await binarySize(work);

    step(`cold start, empty folder, ${RUNS} runs`);
    const empty = [];
    for (let i = 0; i < RUNS; i++) {
      const { app, run } = await coldStartEmpty(path.join(work, `empty-${i}`));
      log(`run ${i + 1}: empty state after ${ms(run.readyMs)} (process started at ${ms(run.processStartMs)})`);
      empty.push(run);
      try {
        if (i === RUNS - 1) {
          step(`idle ${IDLE_S} s, fresh app with an empty folder`);
          r.memoryEmpty = await idleMemory(app.driverPid);
        }
      } finally {
        await stopApp(app, `empty start ${i + 1}`);
      }
    }
    r.coldEmpty = {
      ready: summary(empty.map((x) => x.readyMs)),
      processStart: summary(empty.map((x) => x.processStartMs)),
      fromProcessStart: summary(empty.map((x) => x.fromProcessStartMs)),
      navigation: summary(empty.map((x) => x.navigationStartMs - x.processStartMs)),
      pollGap: empty.map((x) => x.pollGapMs),
      raw: empty,
    };

    const csv = path.join(work, `contacts-${CONTACTS}.csv`);
    await writeContactsCsv(csv, CONTACTS);
    const prepared = path.join(work, "big");
    step(`the ${CONTACTS}-contact session`);
    r.big = await bigSession(prepared, csv);
    r.enter = r.big.enter;

    step(`cold start with data, ${RUNS} runs`);
    const data = [];
    for (let i = 0; i < RUNS; i++) {
      const { app, run } = await coldStartWithData(prepared, path.join(work, `data-${i}`));
      log(`run ${i + 1}: prompt after ${ms(run.promptMs)}, ${run.contact}'s parts after ${ms(run.readyMs)}`);
      data.push(run);
      await stopApp(app, `start with data ${i + 1}`);
      await fs.rm(path.join(work, `data-${i}`), { recursive: true, force: true });
    }
    r.coldData = {
      prompt: summary(data.map((x) => x.promptMs)),
      ready: summary(data.map((x) => x.readyMs)),
      processStart: summary(data.map((x) => x.processStartMs)),
      fromProcessStart: summary(data.map((x) => x.fromProcessStartMs)),
      navigation: summary(data.map((x) => x.navigationStartMs - x.processStartMs)),
      pollGap: data.map((x) => x.pollGapMs),
      raw: data,
    };

    /** @type {Record<string, any>} */
    r.direct = {};
    for (const [kind, source] of /** @type {[string, string | null][]} */ ([["empty", null], ["data", prepared]])) {
      step(`${kind === "empty" ? "first-ever start" : "start with data"} without WebDriver, ${RUNS} runs`);
      const direct = [];
      for (let i = 0; i < RUNS; i++) {
        const dir = path.join(work, `direct-${kind}-${i}`);
        const run = await directStart(source, dir);
        log(`run ${i + 1}: window ${ms(run.windowMs)}, web process ${ms(run.webProcessMs)}, /healthz ${ms(run.healthzMs)}, drawn ${ms(run.drawnMs)} (changes at ${run.frames.map((f) => f[0]).join(", ")} ms; a frame every ${ms1(run.frameIntervalMs)})`);
        direct.push(run);
        if (i < RUNS - 1) await fs.rm(dir, { recursive: true, force: true });
      }
      r.direct[kind] = {
        healthz: summary(direct.map((x) => x.healthzMs)),
        webProcess: summary(direct.map((x) => x.webProcessMs)),
        window: summary(direct.map((x) => x.windowMs)),
        drawn: summary(direct.map((x) => x.drawnMs)),
        frameInterval: direct.map((x) => x.frameIntervalMs),
        raw: direct,
      };
    }
  } finally {
    if (!KEEP) await fs.rm(work, { recursive: true, force: true });
  }
  r.exitNotes = exitNotes;
  r.loadAfter = os.loadavg();
  r.durationMs = Date.now() - started;

  const text = markdown(r);
  const stamp = new Date(started).toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  const results = path.join(here, "results");
  await fs.mkdir(results, { recursive: true });
  await fs.writeFile(path.join(results, `${stamp}.json`), `${JSON.stringify(r, null, 2)}\n`);
  await fs.writeFile(path.join(results, `${stamp}.md`), `${text}\n`);
  await updateReadme(text);
  process.stdout.write(`${text}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench/desktop failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
