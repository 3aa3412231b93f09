#!/usr/bin/env node
// The tus clients every server is measured with: creates uploads (POST with Upload-Length and
// Upload-Metadata), streams each body from a file in one PATCH or several, and prints one JSON
// object with the timings. With --pid it also reads the server's memory and CPU time from /proc.
//
//   node tus-load.mjs --endpoint http://127.0.0.1:8750/api/v1/uploads --file f.bin \
//     [--count 200] [--patch-bytes 67108864] [--metadata 'token dG9r,filename YS53ZWJt']
//     [--pid 1234] [--extra-pid 5678] [--client node|curl|tus-js]
//     [--events http://127.0.0.1:8750/api/v1/events --operator TOKEN] [--case c --server s --round 1]
//
// --count uploads run at once, each on its own socket; --patch-bytes splits each body into
// PATCHes of that size (default: the whole file in one); --pid is the server to watch
// (--extra-pid another process whose peak RSS is reported beside it, e.g. the S3 server).
// --client: `node` (this file's own http requests, the default), `curl` (`curl -T`, the tus
// headers by hand, one PATCH) or `tus-js` (tus-js-client's Upload, as a Node app would use it).
// --events: clipdesk-server's feed, watched from the start, to time each upload from its last
// PATCH's answer to its `video_received`.

import fs from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

function parseArgs(argv) {
  const args = { count: 1, metadata: '', pid: 0, 'extra-pid': 0, client: 'node', events: '', operator: '', chunk: 1 << 20, 'patch-bytes': 0, case: '', server: '', round: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    args[key] = ['count', 'pid', 'extra-pid', 'chunk', 'patch-bytes', 'round'].includes(key) ? Number(value) : value;
  }
  if (!args.endpoint || !args.file) {
    throw new Error('usage: tus-load.mjs --endpoint URL --file PATH [--count N] [--metadata S] [--pid PID]');
  }
  if (!['node', 'curl', 'tus-js'].includes(args.client)) throw new Error(`--client ${args.client}: use node, curl or tus-js`);
  return args;
}

// VmRSS and VmHWM of a process, in bytes (0 when it is gone).
function memory(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number((status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm')) || [0, 0])[1]);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

// CPU seconds (user + system) a process has used so far; less noisy than wall time on a
// shared machine. Clock ticks are 100 a second on Linux.
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

// The process and its descendants, so a server that forks workers is counted whole.
function treePids(pid) {
  const pids = [pid];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children.split(/\s+/).filter(Boolean)) pids.push(...treePids(Number(child)));
    }
  } catch {
    // the process is gone or /proc has no children file; count what we have
  }
  return pids;
}

function request(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent });
    let bodySent = null;
    req.on('finish', () => {
      bodySent = performance.now();
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString(), bodySent }));
      res.on('error', reject);
    });
    if (body) {
      body.on('error', reject);
      body.pipe(req);
    } else {
      req.end();
    }
  });
}

async function upload(agent, args, size) {
  const t0 = performance.now();
  const created = await request(agent, 'POST', args.endpoint, {
    'Tus-Resumable': '1.0.0',
    'Upload-Length': String(size),
    'Upload-Metadata': args.metadata,
    'Content-Length': '0',
  });
  if (created.status !== 201 || !created.headers.location) {
    return { ok: false, stage: 'create', status: created.status, error: created.text.slice(0, 300), ms: performance.now() - t0 };
  }
  const location = new URL(created.headers.location, args.endpoint).toString();
  const t1 = performance.now();
  const step = args['patch-bytes'] > 0 ? args['patch-bytes'] : size;
  let offset = 0;
  let patched;
  let patches = 0;
  do {
    const length = Math.min(step, size - offset);
    patched = await request(
      agent,
      'PATCH',
      location,
      {
        'Tus-Resumable': '1.0.0',
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': String(offset),
        'Content-Length': String(length),
      },
      fs.createReadStream(args.file, { start: offset, end: offset + length - 1, highWaterMark: args.chunk }),
    );
    patches += 1;
    const next = Number(patched.headers['upload-offset'] ?? -1);
    if (patched.status !== 204 || next !== offset + length) break;
    offset = next;
  } while (offset < size);
  const t2 = performance.now();
  return {
    ok: patched.status === 204 && offset === size,
    status: patched.status,
    error: patched.status === 204 ? undefined : patched.text.slice(0, 300),
    id: uploadId(location),
    patches,
    create_ms: t1 - t0,
    patch_ms: t2 - t1,
    // From the last body byte handed to the socket to the last response: the server draining
    // its buffers plus whatever it does at completion (clipdesk-server's fsync and rename).
    tail_ms: patched.bodySent ? t2 - patched.bodySent : null,
    start: t0,
    body_end: patched.bodySent ?? t2,
    end: t2,
  };
}

// The upload's id: the last segment of its URL (clipdesk-server's events name it so).
const uploadId = (location) => location.split('/').filter(Boolean).at(-1);

// Runs a command; resolves with its stdout, rejects with its stderr if it fails.
function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 300)}`))));
  });
}

// `curl -T`: the POST and one PATCH with the tus headers written by hand, as an outside
// side-by-side run would do. curl's timings cannot tell when the body's last byte left, so
// there is no "body only" figure for it.
async function uploadWithCurl(args, size) {
  const t0 = performance.now();
  const headers = await run('curl', ['-sS', '-o', '/dev/null', '-D', '-', '-X', 'POST',
    '-H', 'Tus-Resumable: 1.0.0', '-H', `Upload-Length: ${size}`, '-H', `Upload-Metadata: ${args.metadata}`,
    '-H', 'Content-Length: 0', args.endpoint]);
  const status = Number(headers.match(/^HTTP\/[0-9.]+ (\d+)/m)?.[1] ?? 0);
  const location = headers.match(/^location:\s*(\S+)/im)?.[1];
  if (status !== 201 || !location) return { ok: false, stage: 'create', status, error: headers.slice(0, 300) };
  const url = new URL(location, args.endpoint).toString();
  const t1 = performance.now();
  const out = await run('curl', ['-sS', '-o', '/dev/null', '-D', '-', '-T', args.file, '-X', 'PATCH',
    '-H', 'Tus-Resumable: 1.0.0', '-H', 'Content-Type: application/offset+octet-stream',
    '-H', 'Upload-Offset: 0', '-H', 'Expect:', url]);
  const t2 = performance.now();
  const patchStatus = Number([...out.matchAll(/^HTTP\/[0-9.]+ (\d+)/gm)].at(-1)?.[1] ?? 0);
  const offset = Number(out.match(/^upload-offset:\s*(\d+)/im)?.[1] ?? -1);
  return {
    ok: patchStatus === 204 && offset === size,
    status: patchStatus,
    error: patchStatus === 204 ? undefined : out.slice(0, 300),
    id: uploadId(url),
    patches: 1,
    create_ms: t1 - t0,
    patch_ms: t2 - t1,
    tail_ms: null,
    start: t0,
    body_end: null,
    end: t2,
  };
}

// tus-js-client 4 in Node, from an fs.ReadStream (which it reads by path, so one PATCH of the
// whole file unless --patch-bytes), no retries, no resume store.
async function uploadWithTusJs(args, size) {
  const { Upload } = await import('tus-js-client');
  const metadata = Object.fromEntries(
    args.metadata
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [key, value = ''] = pair.trim().split(' ');
        return [key, Buffer.from(value, 'base64').toString()];
      }),
  );
  const t0 = performance.now();
  let t1 = t0;
  let patches = 0;
  return new Promise((resolve) => {
    const upload = new Upload(fs.createReadStream(args.file), {
      endpoint: args.endpoint,
      uploadSize: size,
      metadata,
      chunkSize: args['patch-bytes'] > 0 ? args['patch-bytes'] : Infinity,
      retryDelays: null,
      storeFingerprintForResuming: false,
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') {
          if (patches === 0) t1 = performance.now();
          patches += 1;
        }
      },
      onSuccess: () => {
        const t2 = performance.now();
        resolve({ ok: true, status: 204, id: uploadId(upload.url), patches, create_ms: t1 - t0, patch_ms: t2 - t1, tail_ms: null, start: t0, body_end: null, end: t2 });
      },
      onError: (err) => resolve({ ok: false, stage: 'tus-js', error: String(err).slice(0, 300) }),
    });
    upload.start();
  });
}

// Watches clipdesk-server's event feed (long polls) and notes when each upload's
// `video_received` arrived here.
function watchEvents(args) {
  const seen = new Map();
  let stopped = false;
  const done = (async () => {
    let after = 0;
    while (!stopped) {
      try {
        const res = await fetch(`${args.events}?after=${after}&limit=1000&wait=1`, { headers: { Authorization: `Bearer ${args.operator}` } });
        const page = await res.json();
        const now = performance.now();
        for (const event of page.events ?? []) {
          if (event.kind === 'video_received' && event.upload_id && !seen.has(event.upload_id)) seen.set(event.upload_id, now);
        }
        after = page.next_after ?? after;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return {
    seen,
    // Waits until every id has its event (at most `ms`), then stops watching.
    async settle(ids, ms) {
      const deadline = performance.now() + ms;
      while (ids.some((id) => !seen.has(id)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      stopped = true;
      await done;
    },
  };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const size = fs.statSync(args.file).size;
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.count });

  let peakTreeRss = 0;
  const sample = () => {
    if (!args.pid) return;
    const rss = treePids(args.pid).reduce((sum, p) => sum + memory(p).rss, 0);
    peakTreeRss = Math.max(peakTreeRss, rss);
  };
  sample();
  const sampler = setInterval(sample, 50);
  const before = args.pid ? memory(args.pid) : null;
  const cpuBefore = args.pid ? cpuSeconds(args.pid) : null;

  const one = { node: () => upload(agent, args, size), curl: () => uploadWithCurl(args, size), 'tus-js': () => uploadWithTusJs(args, size) }[args.client];
  const watcher = args.events ? watchEvents(args) : null;
  let extraPeak = 0;
  const sampleExtra = setInterval(() => {
    if (args['extra-pid']) extraPeak = Math.max(extraPeak, memory(args['extra-pid']).rss);
  }, 50);
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: args.count }, () => one().catch((err) => ({ ok: false, stage: 'network', error: String(err) }))),
  );
  const wall = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  clearInterval(sampleExtra);
  sample();
  const after = args.pid ? memory(args.pid) : null;
  const cpuAfter = args.pid ? cpuSeconds(args.pid) : null;
  agent.destroy();

  const ok = results.filter((r) => r.ok);
  let received = null;
  if (watcher) {
    const ids = ok.map((r) => r.id);
    await watcher.settle(ids, 120_000);
    // Negative when the event was in the feed before the answer reached the client.
    const lags = ok.filter((r) => watcher.seen.has(r.id)).map((r) => watcher.seen.get(r.id) - r.end).sort((a, b) => a - b);
    received = { seen: lags.length, of: ids.length, p50_ms: quantile(lags, 0.5), max_ms: lags.at(-1) ?? null, last_after_last_answer_ms: lags.length ? Math.max(...ok.map((r) => watcher.seen.get(r.id) ?? Infinity)) - Math.max(...ok.map((r) => r.end)) : null };
  }
  const patchMs = ok.map((r) => r.patch_ms).sort((a, b) => a - b);
  const tails = ok.map((r) => r.tail_ms).filter((t) => t !== null).sort((a, b) => a - b);
  const failures = results.filter((r) => !r.ok);
  const bodyEnd = ok.length ? Math.max(...ok.map((r) => r.body_end)) : null;
  const out = {
    case: args.case,
    server: args.server,
    client: args.client,
    round: args.round,
    endpoint: args.endpoint,
    uploads: args.count,
    bytes_each: size,
    ok: ok.length,
    failed: failures.length,
    first_failure: failures[0] ?? null,
    wall_s: wall,
    // Every byte the client sent over the whole wall time, first POST to last response.
    throughput_gbps: (size * ok.length) / wall / 1e9,
    // The same bytes up to the moment the last body byte left the client: what the server
    // takes in, without what it does once an upload is complete.
    body_throughput_gbps: bodyEnd ? (size * ok.length) / ((bodyEnd - t0) / 1000) / 1e9 : null,
    patches_each: ok[0]?.patches ?? null,
    patch_ms: { min: patchMs[0] ?? null, p50: quantile(patchMs, 0.5), p99: quantile(patchMs, 0.99), max: patchMs.at(-1) ?? null },
    tail_ms: { p50: quantile(tails, 0.5), max: tails.at(-1) ?? null },
    // The server's memory: VmRSS when the case began and ended, VmHWM (its peak since it
    // started) and the largest VmRSS of it and its children sampled every 50 ms.
    rss: args.pid ? { before: before.rss, hwm: after.hwm, after: after.rss, peak_sampled: peakTreeRss } : null,
    // Another process's peak (e.g. the S3 server behind clipdesk-server): VmHWM and sampled.
    extra_rss: args['extra-pid'] ? { hwm: memory(args['extra-pid']).hwm, peak_sampled: extraPeak } : null,
    // From each upload's last PATCH answer to its `video_received` in the feed.
    video_received: received,
    // The server's CPU time during the case, per GB received.
    server_cpu_s: cpuBefore != null && cpuAfter != null ? cpuAfter - cpuBefore : null,
    server_cpu_s_per_gb: cpuBefore != null && cpuAfter != null && ok.length ? (cpuAfter - cpuBefore) / ((size * ok.length) / 1e9) : null,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`tus-load: ${err.stack || err}\n`);
  process.exitCode = 2;
});
