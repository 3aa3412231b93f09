// Launching the app and driving its page: each launch gets its own folders and a stand-in
// xdg-open, tauri-driver + WebKitWebDriver open the session (which is what starts the app), and
// the page is read by polling scripts in it, timed by the page's own clock.

import fs from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Builder, By } from "selenium-webdriver";
// The end-to-end suites' process helpers use Node alone, so they load without tests/e2e's
// node_modules; selenium-webdriver is this benchmark's own (package.json beside this file).
import { freePort, start, waitForPort } from "../../tests/e2e/lib/process.mjs";
import { appBin, log } from "./knobs.mjs";
import { appProcesses, exitNotes, waitGone } from "./procs.mjs";

/** @typedef {import("selenium-webdriver").WebDriver} WebDriver */
/** @typedef {Awaited<ReturnType<typeof openSession>>} Session */

/**
 * Starts tauri-driver on free ports and opens a WebDriver session on `application`: the
 * new-session request is what launches the app, so benchmarks time from just before it.
 * @param {{ application: string, env: Record<string, string> }} options
 */
async function openSession({ application, env }) {
  const port = await freePort();
  const nativePort = await freePort();
  const driverProc = start("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, ...env },
  });
  try {
    await waitForPort(port);
    const session = new Builder()
      .usingServer(`http://127.0.0.1:${port}/`)
      .withCapabilities({ browserName: "wry", "tauri:options": { application } });
    const launchedAt = performance.timeOrigin + performance.now();
    const driver = await session.build();
    return {
      driver,
      /** Epoch milliseconds (fractional) just before the new-session request. */
      launchedAt,
      /** tauri-driver's pid: the app runs under it (tauri-driver → WebKitWebDriver → app). */
      driverPid: /** @type {number} */ (driverProc.child.pid), // it listens, so it was spawned
      driverProc,
    };
  } catch (error) {
    await driverProc.stop();
    throw new Error(`${error}\n--- tauri-driver output ---\n${driverProc.output()}`);
  }
}

/**
 * Ends a session, then checks that the app and its web processes went with it; any that stay
 * are ended by pid (they are ours) and noted. tauri-driver goes last: its SIGTERM only ends
 * WebKitWebDriver, which would orphan an app still running.
 * @param {Session} app
 * @param {string} label
 */
export async function stopApp(app, label) {
  const tree = await appProcesses(app.driverPid).catch(() => null);
  const pids = tree ? [tree.app.pid, ...tree.web.map((w) => w.pid)] : [];
  await app.driver.quit().catch((/** @type {unknown} */ error) => {
    exitNotes.push(`${label}: the session did not quit: ${String(error).split("\n")[0]}`);
  });
  const left = await waitGone(pids);
  if (left.length) {
    exitNotes.push(`${label}: ${left.join(", ")} still running 10 s after the session ended; sent SIGTERM`);
    for (const pid of left) process.kill(pid, "SIGTERM");
    const stubborn = await waitGone(left, 5_000);
    for (const pid of stubborn) process.kill(pid, "SIGKILL");
  }
  await app.driverProc.stop();
}

/**
 * Runs `body` with the app, stopping it if `body` throws (on success `body` owns the stop).
 * @template T
 * @param {Session} app
 * @param {string} root
 * @param {() => Promise<T>} body
 */
export async function orStop(app, root, body) {
  try {
    return await body();
  } catch (error) {
    await dumpPage(app.driver, root);
    await stopApp(app, "failed run").catch(() => {});
    throw error;
  }
}

/**
 * One launch's own folders: the data folder (CLIPDESK_DATA_DIR) and XDG homes, so WebKit's
 * storage and caches start empty as on a first run (and nothing lands in ~/.local/share), and
 * `bin/xdg-open`, the stand-in that records what the app asked to open.
 * @param {string} root
 */
export async function launchEnv(root) {
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

/** Launches the app through WebDriver with its folders under `root`. */
export async function launch(/** @type {string} */ root) {
  const { dirs, env } = await launchEnv(root);
  const app = await openSession({ application: appBin, env });
  return { app, dirs };
}

/** Refuses to go on unless the app's PATH starts with the stand-in's folder. */
export async function assertStandInOpener(/** @type {number} */ pid, /** @type {string} */ bin) {
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
 * @param {WebDriver} driver
 * @param {string} script
 */
export async function pollPage(driver, script, timeoutMs = 60_000, intervalMs = 5) {
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
    await sleep(intervalMs);
  }
}

/**
 * Waits until the text of the element `css` matches `pattern`, looking every 200 ms (as
 * WebDriver's own waits do: these are steps between measurements, not measurements); returns
 * the text.
 * @param {WebDriver} driver
 * @param {string} css
 * @param {RegExp} pattern
 */
export async function waitForText(driver, css, pattern, timeoutMs = 10_000) {
  const read = `const el = document.querySelector(${JSON.stringify(css)}); return el ? el.innerText.trim() : null;`;
  const matches = `new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)}).test(text)`;
  const check = `const text = (() => { ${read} })(); return text !== null && ${matches} ? text : null;`;
  try {
    return String((await pollPage(driver, check, timeoutMs, 200)).value);
  } catch {
    const last = await driver.executeScript(read).catch(() => null);
    throw new Error(`${css} never matched ${pattern} (last: ${JSON.stringify(last)})`);
  }
}

export const EMPTY_QUEUE = `
  const el = document.querySelector("main[data-screen=queue] [data-testid=empty-state]");
  return !!el && /Create a campaign/.test(el.textContent || "");`;
export const START_PROMPT = `
  const b = [...document.querySelectorAll("[data-testid=queue] .prompt button")].find((b) => /Start next/.test(b.textContent || ""));
  return !!b && !b.disabled;`;
export const CONTACT_PARTS = `
  const pre = document.querySelector("[data-testid=queue-parts] pre");
  const h2 = document.querySelector("[data-testid=queue-contact] h2");
  return pre && h2 && (pre.textContent || "").trim() ? (h2.textContent || "").trim().split(/\\s+/)[0] : null;`;
export const NAVIGATION = `
  const t = performance.timing;
  return { navigationStart: t.navigationStart, domContentLoaded: t.domContentLoadedEventEnd, load: t.loadEventEnd };`;

/** After a failure: the window as a PNG and the page's text, beside the run's folders. */
export async function dumpPage(/** @type {WebDriver} */ driver, /** @type {string} */ root) {
  try {
    await fs.writeFile(path.join(root, "failure.png"), await driver.takeScreenshot(), "base64");
    await fs.writeFile(path.join(root, "failure.txt"), String(await driver.executeScript("return document.body.innerText")));
    log(`the page at the failure: ${root}/failure.{png,txt} (KEEP=1 keeps them)`);
  } catch {}
}

/** Sends a key to the page as the e2e suite does (to body; the queue listens on window). */
export async function pressKey(/** @type {WebDriver} */ driver, /** @type {string} */ key) {
  await driver.findElement(By.css("body")).sendKeys(key);
}
