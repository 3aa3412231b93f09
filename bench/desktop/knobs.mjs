// What a run measures and with what, from the environment (bench/desktop/run passes it on),
// and the progress lines on stderr.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { targetDir } from "../../tests/e2e/lib/paths.mjs";

/** This folder: results/, README.md and frames.py live here. */
export const here = path.dirname(fileURLToPath(import.meta.url));
/** The release build; BENCH_APP points elsewhere (e.g. the debug build, to try the bench quickly). */
export const appBin = process.env.BENCH_APP ?? path.join(targetDir, "release", "clipdesk");

export const RUNS = Number(process.env.RUNS ?? 5);
export const SENDS = Number(process.env.SENDS ?? 20);
export const CONTACTS = Number(process.env.CONTACTS ?? 10_000);
export const IDLE_S = Number(process.env.IDLE_S ?? 30);
export const KEEP = process.env.KEEP === "1";

export const log = (/** @type {string} */ line) => process.stderr.write(`  ${line}\n`);
export const step = (/** @type {string} */ line) => process.stderr.write(`\x1b[1m==> ${line}\x1b[0m\n`);
