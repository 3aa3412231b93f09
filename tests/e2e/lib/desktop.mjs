// The built desktop app under tauri-driver + WebKitWebDriver, driven through WebDriver.

import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { Builder, Capabilities } from "selenium-webdriver";
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
 * Starts the app with its data in `dataDir` and opens a WebDriver session on its window.
 * @param {{ dataDir: string, env?: Record<string, string> }} options
 */
export async function startDesktop({ dataDir, env = {} }) {
  await fs.access(desktopBin).catch(() => {
    throw new Error(`${desktopBin} is missing: build it with cargo build -p clipdesk`);
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
    capabilities.set("tauri:options", { application: desktopBin });
    const driver = await new Builder().usingServer(`http://127.0.0.1:${port}/`).withCapabilities(capabilities).build();
    return {
      driver,
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
      /** Ends the session and tauri-driver (SIGTERM, so WebKitWebDriver goes too), then checks nothing is left. */
      async stop() {
        await driver.quit().catch(() => {});
        await stopDriver(driverProc, port, nativePort);
      },
    };
  } catch (error) {
    await stopDriver(driverProc, port, nativePort);
    throw new Error(`${error}\n--- tauri-driver output ---\n${driverProc.output()}`);
  }
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
