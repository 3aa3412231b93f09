// The report: the machine and build measured, the markdown tables, and where they are kept
// (results/<stamp>.{json,md} and the results section of README.md).

import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../tests/e2e/lib/paths.mjs";
import { here, log } from "./knobs.mjs";
import { mib, ms, ms1 } from "./numbers.mjs";

export function machine() {
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
export function markdown(r) {
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

/**
 * Writes the run's raw numbers and its report under results/, named by when it started, and
 * puts the report in the README.
 * @param {Record<string, any>} r
 * @param {string} text
 * @param {number} started
 */
export async function saveResults(r, text, started) {
  const stamp = new Date(started).toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  const results = path.join(here, "results");
  await fs.mkdir(results, { recursive: true });
  await fs.writeFile(path.join(results, `${stamp}.json`), `${JSON.stringify(r, null, 2)}\n`);
  await fs.writeFile(path.join(results, `${stamp}.md`), `${text}\n`);
  await updateReadme(text);
}
