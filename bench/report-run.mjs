// What bench/tls's and bench/backup's report writers share: reading a run's JSON lines,
// writing the raw JSON file, and the min / **median** / max cells of their tables.

import fs from 'node:fs';
import path from 'node:path';

/**
 * Reads RUN.jsonl (argv's first), writes OUT.json (the second) and returns the machine line,
 * the results, the run's stamp (named after OUT.md, the third) and how many rounds it had.
 */
export function loadRun([rawPath, jsonPath, mdPath]) {
  const lines = fs.readFileSync(rawPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const machine = lines.find((l) => l.case === 'machine') ?? {};
  const results = lines.filter((l) => l.case !== 'machine');
  const stamp = path.basename(mdPath, '.md');
  fs.writeFileSync(jsonPath, `${JSON.stringify({ stamp, machine, results }, null, 1)}\n`);
  const rounds = Math.max(0, ...results.map((r) => r.round ?? 0));
  return { machine, results, stamp, rounds, mdPath };
}

const nums = (xs) => xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);

export const median = (xs) => {
  const s = nums(xs);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** min / **median** / max over the rounds, as in bench/run's tables. */
export const spread = (xs, digits) => {
  const s = nums(xs);
  if (s.length === 0) return '—';
  const f = (x) => x.toFixed(digits);
  return s.length === 1 ? f(s[0]) : `${f(s[0])} / **${f(median(s))}** / ${f(s.at(-1))}`;
};
