// The built desktop app under tauri-driver + WebKitWebDriver, driven through WebDriver.

import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { Builder, By, Capabilities, until } from "selenium-webdriver";
import { artifactsDir, desktopBin } from "./paths.mjs";
import { freePort, portInUse, start, waitForPort } from "./process.mjs";

/**
 * Processes whose command line mentions `needle`, other than this one.
 * @param {string} needle
 */
function processesMatching(needle) {
  try {
    return execFileSync("pgrep", ["-af", "--", needle], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() && !line.includes("pgrep"));
  } catch {
    return []; // pgrep exits 1 when nothing matches.
  }
}

/**
 * The app's processes started for `dataDir`: the desktop binary with that CLIPDESK_DATA_DIR in
 * its environment (read from /proc; the app's command line names no data folder).
 * @param {string} dataDir
 * @param {string} [application] the binary started
 * @returns {Promise<number[]>}
 */
export async function appProcesses(dataDir, application = desktopBin) {
  const wanted = `CLIPDESK_DATA_DIR=${dataDir}`;
  const bin = await fs.realpath(application).catch(() => application);
  /** @type {number[]} */
  const pids = [];
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const exe = await fs.readlink(`/proc/${entry}/exe`);
      if (exe.replace(/ \(deleted\)$/, "") !== bin) continue;
      const environ = (await fs.readFile(`/proc/${entry}/environ`, "utf8")).split("\0");
      if (environ.includes(wanted)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/**
 * What a process that will not exit is doing: each thread's name, state and kernel wait.
 * @param {number} pid
 */
async function threadReport(pid) {
  const lines = [];
  for (const tid of await fs.readdir(`/proc/${pid}/task`).catch(() => [])) {
    const read = (/** @type {string} */ file) => fs.readFile(`/proc/${pid}/task/${tid}/${file}`, "utf8").catch(() => "?");
    const comm = (await read("comm")).trim();
    const state = /^State:\s*(.*)$/m.exec(await read("status"))?.[1] ?? "?";
    const wchan = (await read("wchan")).trim();
    lines.push(`  ${tid} ${comm}: ${state}, waiting in ${wchan || "-"}`);
  }
  return lines.join("\n");
}

/**
 * `promise`, or an error naming `what` once `ms` have passed. WebKitWebDriver never answers
 * a new session whose app died starting (seen under load: GTK could not open the display), and
 * a test waiting on it would wait for ever; the session's quit gets a limit as well.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
function within(promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  // The loser still settles (the driver is stopped): its outcome is not wanted.
  promise.catch(() => {});
  return /** @type {Promise<T>} */ (Promise.race([promise, late]).finally(() => clearTimeout(timer)));
}

/** The operator name the helpers give when a fresh app asks for one. */
export const E2E_OPERATOR = "e2e-operator";

/**
 * Answers the first run's question, the operator's name, when the app asks it (a fresh data
 * folder); an app already named shows its screens at once. Returns when the navigation shows.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} [operator]
 */
export async function passFirstRun(driver, operator = E2E_OPERATOR) {
  const first = await driver.wait(
    until.elementLocated(By.css("[data-testid=first-run], nav[aria-label=Screens]")),
    30_000,
    "neither the first run nor the screens appeared",
  );
  if ((await first.getAttribute("data-testid")) === "first-run") {
    await driver.findElement(By.css("[data-testid=first-run-operator]")).sendKeys(operator);
    await driver.findElement(By.css("[data-testid=first-run-save]")).click();
  }
  await driver.wait(until.elementLocated(By.css("nav[aria-label=Screens]")), 20_000, "the first run never ended");
}

/**
 * Starts the app with its data in `dataDir` and opens a WebDriver session on its window.
 * `application` is the binary to drive (the debug build unless told; bench/desktop passes the
 * release one). A fresh app's first run is answered with `operator` ({@link passFirstRun});
 * `operator: null` leaves the first run on screen for the test to go through.
 * @param {{ dataDir: string, env?: Record<string, string>, application?: string, operator?: string | null }} options
 */
export async function startDesktop({ dataDir, env = {}, application = desktopBin, operator = E2E_OPERATOR }) {
  await fs.access(application).catch(() => {
    throw new Error(`${application} is missing: build it with cargo build -p clipdesk`);
  });
  const port = await freePort();
  const nativePort = await freePort();
  const driverProc = start("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, CLIPDESK_DATA_DIR: dataDir, ...env },
  });
  try {
    await waitForPort(port);
    const capabilities = new Capabilities();
    capabilities.setBrowserName("wry");
    capabilities.set("tauri:options", { application });
    // The new-session request is what launches the app; benchmarks time from here.
    const launchedAt = performance.timeOrigin + performance.now();
    const driver = await within(
      Promise.resolve(new Builder().usingServer(`http://127.0.0.1:${port}/`).withCapabilities(capabilities).build()),
      60_000,
      "the WebDriver session (which launches the app)",
    );
    const appPids = await appProcesses(dataDir, application);
    const app = {
      /** The app's own process ids, found when the session started. */
      appPids,
      driver,
      /** Epoch milliseconds (fractional) just before the new-session request. */
      launchedAt,
      /** tauri-driver's pid: the app runs under it (tauri-driver → WebKitWebDriver → app). */
      driverPid: /** @type {number} */ (driverProc.child.pid), // it listens, so it was spawned
      /**
       * Saves a PNG of the window under tests/e2e/artifacts/.
       * @param {string} name
       */
      async screenshot(name) {
        await fs.mkdir(artifactsDir, { recursive: true });
        const file = path.join(artifactsDir, `${name}.png`);
        await fs.writeFile(file, await driver.takeScreenshot(), "base64");
        return file;
      },
      /**
       * Ends the session, waits for the app to exit, then ends tauri-driver (SIGTERM, so
       * WebKitWebDriver goes too) and checks nothing is left: no driver, no port, no app
       * process for this data folder. An app that does not exit is described thread by
       * thread, then killed, and the stop fails.
       */
      async stop() {
        // Quitting the session is what closes the app: tauri-driver's SIGTERM only SIGKILLs
        // WebKitWebDriver, which orphans an app still running. So wait for the app first.
        const quit = await within(driver.quit(), 20_000, "quitting the session").then(() => null, (error) => error);
        const stuck = await waitForAppExit(appPids);
        await stopDriver(driverProc, port, nativePort);
        if (stuck) throw new Error(`${stuck}${quit ? `\nthe session did not quit: ${quit}` : ""}`);
      },
    };
    if (operator !== null) {
      await passFirstRun(driver, operator).catch(async (/** @type {unknown} */ error) => {
        await app.stop().catch(() => {});
        throw error;
      });
    }
    return app;
  } catch (error) {
    await stopDriver(driverProc, port, nativePort);
    throw new Error(`${error}\n--- tauri-driver output ---\n${driverProc.output()}`);
  }
}

/**
 * Waits up to 10 s for the app's processes to end. Those still running are described thread
 * by thread and killed; the description is returned (null when all ended).
 * @param {number[]} pids
 * @returns {Promise<string | null>}
 */
async function waitForAppExit(pids) {
  // A zombie has exited: only its parent has not reaped it yet.
  const alive = (/** @type {number} */ pid) =>
    fs.readFile(`/proc/${pid}/stat`, "utf8").then((stat) => !/^\d+ \(.*\) Z/.test(stat), () => false);
  const deadline = Date.now() + 10_000;
  /** @type {number[]} */
  let left = pids;
  while (Date.now() < deadline) {
    left = (await Promise.all(pids.map(async (pid) => ((await alive(pid)) ? pid : 0)))).filter(Boolean);
    if (!left.length) return null;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reports = await Promise.all(left.map(async (pid) => `app ${pid} did not exit:\n${await threadReport(pid)}`));
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited just now.
    }
  }
  return `the app outlived its session\n${reports.join("\n")}`;
}

/**
 * @param {ReturnType<typeof start>} driverProc
 * @param {number} port
 * @param {number} nativePort
 */
async function stopDriver(driverProc, port, nativePort) {
  await driverProc.stop();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const leftovers = processesMatching(`--port=${nativePort}`);
    const busy = (await portInUse(port)) || (await portInUse(nativePort));
    if (!leftovers.length && !busy) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const leftovers = processesMatching(`--port=${nativePort}`);
  throw new Error(`tauri-driver left processes or ports behind: ${leftovers.join("; ")} ports ${port}/${nativePort}`);
}
