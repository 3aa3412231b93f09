// Figure 3: what the app and its WebKit processes hold in memory, and the CPU they use, while
// nobody touches them.

import fs from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { IDLE_S } from "./knobs.mjs";
import { CLK_TCK, appProcesses } from "./procs.mjs";

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

/**
 * Leaves the app alone for IDLE_S seconds, then reads every process's memory, and the CPU
 * time they used while idle.
 * @param {number} driverPid
 */
export async function idleMemory(driverPid) {
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
