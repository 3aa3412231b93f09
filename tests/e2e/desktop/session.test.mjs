// The app in a desktop session: a private D-Bus session bus stands in for the user's, so the
// single-instance and notification plugins have the bus they use on a real desktop. A second
// start on the same data folder hands over and exits; another folder is another instance; a
// video that arrives raises a notification (seen on the bus by dbus-monitor: no notification
// daemon runs here, so the call's delivery is what is checked, not a popup).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { createOperatorToken, operatorApi } from "../lib/api.mjs";
import { appProcesses, startDesktop } from "../lib/desktop.mjs";
import { addAllContacts, createCampaign, importContacts, serverUrl, uploadAsRecipient } from "../lib/flows.mjs";
import { desktopBin } from "../lib/paths.mjs";
import { start } from "../lib/process.mjs";
import { fixture, tempDir } from "../lib/tus.mjs";

/** @type {Awaited<ReturnType<typeof startDesktop>> | undefined} */
let app;
/** @type {string} */
let dataDir;
/** @type {string} */
let busDir;
/** @type {ReturnType<typeof start>} */
let bus;
/** @type {ReturnType<typeof start>} */
let monitor;
/** @type {Record<string, string>} */
let sessionEnv;

before(async () => {
  busDir = await tempDir("desktop-session-bus");
  const address = `unix:path=${path.join(busDir, "bus")}`;
  bus = start("dbus-daemon", ["--session", "--nofork", `--address=${address}`, "--print-address=1"]);
  const deadline = Date.now() + 10_000;
  while (!bus.output().includes(address) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(bus.output().includes(address), `dbus-daemon did not start:\n${bus.output()}`);
  sessionEnv = { DBUS_SESSION_BUS_ADDRESS: address };
  monitor = start("dbus-monitor", ["--address", address, "interface='org.freedesktop.Notifications'"]);
  await new Promise((r) => setTimeout(r, 300)); // becomes a monitor before anything is sent
  dataDir = await tempDir("desktop-session-e2e");
  app = await startDesktop({ dataDir, env: sessionEnv });
});

after(async () => {
  try {
    await app?.stop();
  } finally {
    await monitor?.stop();
    await bus?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(busDir, { recursive: true, force: true });
  }
});

/**
 * Runs the app binary directly; resolves with its exit code, or null when it was still
 * running after `ms` (it is then stopped with SIGTERM).
 * @param {Record<string, string>} env
 * @param {number} ms
 */
async function runApp(env, ms) {
  const child = spawn(desktopBin, [], { env: { ...process.env, ...env }, stdio: "ignore" });
  const exited = once(child, "exit").then(([code]) => /** @type {number | null} */ (code));
  const timer = new Promise((resolve) => setTimeout(() => resolve("running"), ms));
  const first = await Promise.race([exited, timer]);
  if (first !== "running") return /** @type {number | null} */ (first);
  child.kill("SIGTERM");
  await exited;
  return null;
}

test("a second start on the same data folder hands over to the running app and exits", async () => {
  const code = await runApp({ ...sessionEnv, CLIPDESK_DATA_DIR: dataDir }, 15_000);
  assert.equal(code, 0, "the second start exits by itself, successfully");
  assert.equal((await appProcesses(dataDir)).length, 1, "one app runs for this folder");
});

test("another data folder is another instance, and SIGTERM ends it through the normal exit", async () => {
  const other = await tempDir("desktop-session-other");
  try {
    const code = await runApp({ ...sessionEnv, CLIPDESK_DATA_DIR: other }, 5_000);
    assert.equal(code, null, "the app for another folder keeps running");
    // runApp ended it with SIGTERM (a logout does the same): the window-state and log
    // plugins wrote their files beside the data, and the embedded server stopped cleanly.
    const windowState = JSON.parse(await fs.readFile(path.join(other, "window-state.json"), "utf8"));
    assert.ok(windowState.main?.width > 0, `the main window's size was saved: ${JSON.stringify(windowState)}`);
    const log = await fs.readFile(path.join(other, "logs", "clipdesk.log"), "utf8");
    assert.match(log, /clipdesk-server listening/, "the embedded server's lines reach the log file");
    assert.match(log, /SIGTERM: exiting[\s\S]*the embedded server stopped/);
  } finally {
    await fs.rm(other, { recursive: true, force: true });
  }
});

test("a video that arrives raises a desktop notification", async () => {
  if (!app) throw new Error("the app is not running");
  const { driver } = app;
  await importContacts(driver);
  const slug = await createCampaign(driver, { name: "Session bakes", template: "Hi @{{handle}}: {{link}}" });
  await addAllContacts(driver);

  // The embedded server's feed says which links the app registered.
  const url = await serverUrl(driver);
  const api = operatorApi(url, await createOperatorToken(path.join(dataDir, "server"), "session-e2e"));
  /** @type {string | undefined} */
  let link;
  const deadline = Date.now() + 30_000;
  while (!link && Date.now() < deadline) {
    const page = await api.events({ after: 0, limit: 100 });
    link = page.events.find((e) => e.kind === "link_created" && e.campaign === slug)?.link ?? undefined;
    if (!link) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(link, "the app registered its contacts' links");
  await uploadAsRecipient(url, link, fixture("ios-h264-aac-rotated.mp4"));

  const seen = Date.now() + 20_000;
  while (!/member=Notify[\s\S]*A new video arrived/.test(monitor.output()) && Date.now() < seen) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(monitor.output(), /member=Notify[\s\S]*string "clipdesk"[\s\S]*A new video arrived\. Open Review to watch it\./);
});
