// The app's processes as /proc shows them: the tree under tauri-driver, start times, and
// waiting for them to end.

import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** @typedef {{ pid: number, ppid: number, comm: string, utime: number, stime: number, starttime: number }} ProcStat */

/** /proc/<pid>/stat, or null when the process is gone (or a zombie). */
export async function procStat(/** @type {number} */ pid) {
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
export async function descendants(/** @type {number} */ root) {
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
export async function appProcesses(/** @type {number} */ driverPid) {
  const under = await descendants(driverPid);
  const app = under.find((p) => p.comm === "clipdesk");
  if (!app) throw new Error(`no clipdesk process under tauri-driver (${under.map((p) => p.comm).join(", ")})`);
  return { app, web: await descendants(app.pid) };
}

export const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** When a process started, in epoch ms (±10 ms: the kernel counts in clock ticks). */
export async function startedAtEpoch(/** @type {ProcStat} */ stat) {
  const uptimeS = Number((await fs.readFile("/proc/uptime", "utf8")).split(" ")[0]);
  const now = Date.now();
  return now - (uptimeS - stat.starttime / CLK_TCK) * 1000;
}

/** Waits until the pids are gone; returns the ones still there after `timeoutMs`. */
export async function waitGone(/** @type {number[]} */ pids, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = (await Promise.all(pids.map(procStat))).filter((s) => s !== null).map((s) => s.pid);
    if (!alive.length || Date.now() > deadline) return alive;
    await sleep(100);
  }
}

/** Notes about processes that outlived their session, for the report. */
export const exitNotes = /** @type {string[]} */ ([]);
