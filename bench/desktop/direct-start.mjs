// Figure 1 without WebDriver: the binary started by itself, watched from outside: window
// mapped, WebKit web process, embedded server answering, and the final picture drawn.

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { launchEnv } from "./driver.mjs";
import { appBin, here } from "./knobs.mjs";
import { descendants, exitNotes, waitGone } from "./procs.mjs";

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
export async function directStart(prepared, root) {
  if (prepared) await fs.cp(prepared, root, { recursive: true });
  const { env } = await launchEnv(root);
  const t0 = Date.now();
  const child = spawn(appBin, [], { env: { ...process.env, ...env }, stdio: "ignore" });
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
