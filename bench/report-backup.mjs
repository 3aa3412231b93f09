#!/usr/bin/env node
// Turns a bench/backup run's JSON lines into the raw JSON file and the Markdown tables.
//   node report-backup.mjs RUN.jsonl OUT.json OUT.md

import fs from 'node:fs';
import { loadRun, spread } from './report-run.mjs';

const { machine, results, stamp, rounds, mdPath } = loadRun(process.argv.slice(2));
const MB = 1e6;
const fill = results.find((r) => r.case === 'fill');
const source = results.find((r) => r.case === 'source')?.data;
const copies = (how) => results.filter((r) => r.case === 'copy' && r.how === how);
const restores = results.filter((r) => r.case === 'restore');

const out = [];
const p = (s = '') => out.push(s);
p(`# Backup and restore — ${stamp}`);
p();
p(`${rounds} round(s), the three copies in a different order each round, each after \`sync\` and a few seconds idle. Cells are min / **median** / max over the rounds. MB are decimal (10^6 bytes).`);
p();
p(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, Linux ${machine.kernel}, data on ${machine.fs}; ${machine.clipdesk_server} at ${machine.clipdesk_rev}; ${machine.ffmpeg}.`);
p();
p(`Load average (1/5/15 min) ${machine.load_before} before the run, ${machine.load_after} after: the machine is shared.`);
p();
if (fill) {
  p('### The server being backed up');
  p();
  const ready = fill.states.ready ?? 0;
  const jobs = ready === fill.uploads
    ? `every media job (probe, poster, H.264 rendition; media workers: ${fill.media_workers}) done ${fill.media_s.toFixed(0)} s later (${(fill.media_s / fill.uploads).toFixed(2)} s a video)`
    : `${ready} media jobs (probe, poster, H.264 rendition; media workers: ${fill.media_workers}) done ${fill.media_s.toFixed(0)} s later, when FILL_WAIT_S ran out: the copies ran with jobs still going`;
  p(`${fill.uploads} links, \`${fill.fixture}\` (${fill.upload_bytes} bytes) uploaded once through each with tus (one creation-with-upload POST, 4 at a time): ${fill.uploads - fill.upload_failed} uploaded in ${fill.upload_s.toFixed(1)} s; ${jobs}. States: ${JSON.stringify(fill.states)}.`);
  p();
}
const resumed = results.find((r) => r.case === 'resumed');
if (resumed) {
  p(`### The server being backed up\n\nThe data folder a previous run filled (\`KEEP=1\`), its server started again and left to finish its media jobs: ${JSON.stringify(resumed.states)} after ${resumed.wait_s.toFixed(0)} s.`);
  p();
}
if (source) {
  p(`Data folder: **${(source.apparent_bytes / MB).toFixed(1)} MB** in ${source.files} files (${(source.disk_bytes / MB).toFixed(1)} MB on disk).`);
  p();
}
p('### Copying the data folder while the server runs');
p();
p('| how | wall s | MB (du --apparent-size) | MB on disk (du) | files |');
p('|---|---|---|---|---|');
const HOW = {
  backup: '`clipdesk-server backup --to DIR`',
  cp: '`cp -r` (the reference: not consistent, nothing synced)',
  'cp-sync': '`cp -r`, then fsync of every file and folder it wrote',
};
for (const [how, name] of Object.entries(HOW)) {
  const rs = copies(how);
  if (rs.length === 0) continue;
  p(`| ${name} | ${spread(rs.map((r) => r.wall_s), 2)} | ${spread(rs.map((r) => r.copy.apparent_bytes / MB), 1)} | ${spread(rs.map((r) => r.copy.disk_bytes / MB), 1)} | ${spread(rs.map((r) => r.copy.files), 0)} |`);
}
p();
p('The backup takes a consistent snapshot of the database with SQLite\'s online backup, copies the media files that snapshot names, hashes every file (SHA-256) into `manifest.json`, and fsyncs the lot before renaming the folder into place. It leaves out `secret.key` and `instance-id`. `cp -r` copies whatever is there, mid-write or not, and syncs nothing; the third row adds the syncs, the part of the backup\'s cost that is the disk\'s.');
p();
if (restores.length) {
  p('### Restoring');
  p();
  p('| what | wall s | MB (du --apparent-size) | files | videos listed by the restored server |');
  p('|---|---|---|---|---|');
  p(`| \`clipdesk-server restore --from DIR --data NEW\` | ${spread(restores.map((r) => r.wall_s), 2)} | ${spread(restores.map((r) => r.restored.apparent_bytes / MB), 1)} | ${spread(restores.map((r) => r.restored.files), 0)} | ${spread(restores.map((r) => r.listed.states.ready ?? 0), 0)} ready of ${spread(restores.map((r) => r.listed.videos), 0)} |`);
  p(`| the restored server: start until /healthz answers | ${spread(restores.map((r) => r.start_s), 2)} | | | |`);
  p();
  p('The restore checks every file against the manifest (size and SHA-256) before moving the folder into place. The restored server is then started and its API asked for every video, with the operator token of the original (tokens live in the database).');
  p();
}
fs.writeFileSync(mdPath, `${out.join('\n')}\n`);
