// The desktop app's own figures (issue 6), measured on the release build through tauri-driver +
// WebKitWebDriver, as the end-to-end suite drives it: cold start to an interactive queue, Enter
// to the browser being opened, idle memory with 10,000 contacts, and the binary's size.
// Started by bench/desktop/run; prints a markdown report on stdout, progress on stderr, and
// writes bench/desktop/results/<stamp>.{json,md} and the results section of the README.
// Nothing here talks to anything but 127.0.0.1, and the DM page is never opened: a stand-in
// xdg-open first on the app's PATH only records what it was asked to open.
//
// One module per concern: knobs.mjs (what to run), driver.mjs (launching and driving the app),
// procs.mjs (its processes), binary-size.mjs, cold-start.mjs, direct-start.mjs, session.mjs
// (with memory.mjs and enter.mjs), report.mjs.

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { binarySize } from "./binary-size.mjs";
import { coldStartEmpty, coldStartWithData } from "./cold-start.mjs";
import { directStart } from "./direct-start.mjs";
import { stopApp } from "./driver.mjs";
import { CONTACTS, IDLE_S, KEEP, RUNS, SENDS, appBin, log, step } from "./knobs.mjs";
import { idleMemory } from "./memory.mjs";
import { ms, ms1, summary } from "./numbers.mjs";
import { exitNotes } from "./procs.mjs";
import { machine, markdown, saveResults } from "./report.mjs";
import { bigSession, writeContactsCsv } from "./session.mjs";

async function main() {
  const started = Date.now();
  const startedUtc = new Date(started).toISOString().slice(0, 16).replace("T", " ");
  const loadBefore = os.loadavg();
  await fs.access(appBin).catch(() => {
    throw new Error(`${appBin} is missing: bench/desktop/run builds it`);
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
  await saveResults(r, text, started);
  process.stdout.write(`${text}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench/desktop failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
