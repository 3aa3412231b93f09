#!/usr/bin/env node
// Helper for bench/media/run. Two modes, each prints one JSON line on stdout:
//
//   node media.mjs process --base URL --operator T --link L FILE...
//     uploads each file (tus POST + one PATCH), one at a time, and waits for its
//     video_ready / video_failed on the event feed before the next. Per file: seconds from
//     video_received to video_ready by the events' `at`, and client wall time from the
//     PATCH's 204 to seeing video_ready (the feed is long-polled, so this is ~immediate).
//
//   node media.mjs load --base URL --operator T --link L --window S --concurrency C
//                       --rate R --probe-file F [CLIP...]
//     uploads the CLIPs (media jobs), waits 2 s, then for S seconds runs C paced loops (R a second
//     in all) of
//     creation-with-upload POSTs of 1 MiB (Upload-Length 2 MiB, so the upload stays
//     incomplete and makes no media job of its own) and reports their latency p50/p99,
//     plus how many media jobs finished during the window.
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const mode = argv.shift();
const opts = { files: [] };
for (let i = 0; i < argv.length; i++) {
  if (argv[i].startsWith('--')) opts[argv[i].slice(2)] = argv[++i];
  else opts.files.push(argv[i]);
}
const base = new URL(opts.base);
const b64 = (s) => Buffer.from(s).toString('base64');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}

const tus = (extra) => ({ 'Tus-Resumable': '1.0.0', ...extra });
const metadata = (name, type) => `token ${b64(opts.link)},filename ${b64(name)},filetype ${b64(type)}`;
const typeOf = (f) => (f.endsWith('.webm') ? 'video/webm' : f.endsWith('.mov') ? 'video/quicktime' : 'video/mp4');

async function upload(file) {
  const body = fs.readFileSync(file);
  const created = await request('POST', '/api/v1/uploads', tus({
    'Upload-Length': String(body.length),
    'Upload-Metadata': metadata(file.split('/').pop(), typeOf(file)),
  }));
  if (created.status !== 201) throw new Error(`POST ${file}: ${created.status} ${created.body}`);
  const path = new URL(created.headers.location, base).pathname;
  const patched = await request('PATCH', path, tus({
    'Upload-Offset': '0',
    'Content-Type': 'application/offset+octet-stream',
    'Content-Length': String(body.length),
  }), body);
  if (patched.status !== 204) throw new Error(`PATCH ${file}: ${patched.status} ${patched.body}`);
  return performance.now();
}

// The event feed, long-polled in the background; waiters get every event as it arrives.
let after = 0;
const events = [];
const waiters = new Set();
let feeding = true;
async function feed() {
  while (feeding) {
    const res = await request('GET', `/api/v1/events?after=${after}&wait=5`, { Authorization: `Bearer ${opts.operator}` });
    if (res.status !== 200) throw new Error(`events: ${res.status} ${res.body}`);
    const page = JSON.parse(res.body);
    for (const e of page.events) {
      e.seen = performance.now();
      events.push(e);
      for (const w of waiters) w(e);
    }
    after = page.next_after ?? after;
  }
}
function nextEvent(pred) {
  const found = events.find(pred);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const w = (e) => { if (pred(e)) { waiters.delete(w); resolve(e); } };
    waiters.add(w);
  });
}
const done = (e) => e.kind === 'video_ready' || e.kind === 'video_failed';

async function processMode() {
  const results = [];
  for (const file of opts.files) {
    const start = events.length;
    const uploaded = await upload(file);
    const received = await nextEvent((e) => events.indexOf(e) >= start && e.kind === 'video_received');
    const end = await nextEvent((e) => done(e) && e.video_id === received.video_id);
    results.push({
      file: file.split('/').pop(),
      kind: end.kind,
      detail: end.kind === 'video_failed' ? end.detail : undefined,
      events_s: (Date.parse(end.at) - Date.parse(received.at)) / 1000,
      wall_s: (end.seen - uploaded) / 1000,
    });
    console.error(`    ${JSON.stringify(results.at(-1))}`);
  }
  return { results };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function loadMode() {
  for (const f of opts.files) await upload(f);
  await new Promise((r) => setTimeout(r, 2000));
  const probe = fs.readFileSync(opts['probe-file']).subarray(0, 1 << 20);
  const windowMs = Number(opts.window) * 1000;
  const readyBefore = events.filter(done).length;
  const t0 = performance.now();
  const lat = [];
  let failed = 0;
  let firstFailure;
  // Paced: each of the C loops sends RATE/C requests a second (or as fast as it can, if
  // it falls behind); the latency is from send to response.
  const interval = (1000 * Number(opts.concurrency)) / Number(opts.rate);
  const loop = async (i) => {
    for (let k = 0; ; k++) {
      const due = t0 + (i * interval) / Number(opts.concurrency) + k * interval;
      if (due - t0 >= windowMs) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const s = performance.now();
      try {
        const res = await request('POST', '/api/v1/uploads', tus({
          'Upload-Length': String(2 << 20),
          'Upload-Metadata': metadata('probe.webm', 'video/webm'),
          'Content-Type': 'application/offset+octet-stream',
          'Content-Length': String(probe.length),
        }), probe);
        if (res.status !== 201) { failed++; firstFailure ??= `${res.status} ${res.body}`; continue; }
        lat.push(performance.now() - s);
      } catch (err) { failed++; firstFailure ??= String(err); }
    }
  };
  await Promise.all(Array.from({ length: Number(opts.concurrency) }, (_, i) => loop(i)));
  const readyAfter = events.filter(done).length;
  lat.sort((a, b) => a - b);
  return {
    clips: opts.files.length,
    uploads: lat.length,
    failed,
    first_failure: firstFailure,
    p50_ms: pct(lat, 50),
    p99_ms: pct(lat, 99),
    max_ms: lat.at(-1),
    jobs_done_in_window: readyAfter - readyBefore,
    jobs_done_before_window: readyBefore,
  };
}

const feeding_ = feed().catch((err) => { console.error(err); process.exit(1); });
const out = mode === 'process' ? await processMode() : await loadMode();
feeding = false;
console.log(JSON.stringify(out));
process.exit(0);
