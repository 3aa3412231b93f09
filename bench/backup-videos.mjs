#!/usr/bin/env node
// Helper for bench/backup. Each mode prints one JSON line on stdout, progress on stderr.
//
//   node backup-videos.mjs fill --base URL --operator T --file F --count N [--concurrency C]
//                               [--wait-s S]
//     makes a campaign and N links (one recipient each), uploads F once through every link
//     (tus creation-with-upload: one POST with the whole body), then polls GET /api/v1/videos
//     until no video is still `received` (its media job done) or S seconds passed.
//
//   node backup-videos.mjs wait --base URL --operator T [--wait-s S]
//     polls like fill does until no video is still `received` (a reused data folder).
//
//   node backup-videos.mjs count --base URL --operator T
//     lists every video (GET /api/v1/videos, pages of 200) and counts them by state.
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const mode = argv.shift();
const opts = {};
for (let i = 0; i < argv.length; i += 2) opts[argv[i].replace(/^--/, '')] = argv[i + 1];
if (!opts.base || !opts.operator) throw new Error('--base and --operator are needed');
const base = new URL(opts.base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const b64 = (s) => Buffer.from(s).toString('base64');
const auth = { Authorization: `Bearer ${opts.operator}` };

function request(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function json(method, path, body) {
  const res = await request(method, path, { ...auth, 'Content-Type': 'application/json' }, body && JSON.stringify(body));
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return JSON.parse(res.body);
}

// Every video, by state, with the sizes the server recorded.
async function census() {
  const states = {};
  let after = 0;
  let videos = 0;
  let bytes = 0;
  for (;;) {
    const page = await json('GET', `/api/v1/videos?after=${after}&limit=200`);
    for (const v of page.videos) {
      states[v.state] = (states[v.state] ?? 0) + 1;
      videos += 1;
      bytes += (v.size ?? 0) + (v.rendition_size ?? 0);
    }
    after = page.next_after;
    if (!page.more) break;
  }
  return { videos, states, bytes_recorded: bytes };
}

async function fill() {
  const count = Number(opts.count);
  const concurrency = Number(opts.concurrency ?? 4);
  const waitS = Number(opts['wait-s'] ?? 3600);
  const body = fs.readFileSync(opts.file);
  const name = opts.file.split('/').pop();
  const type = name.endsWith('.webm') ? 'video/webm' : name.endsWith('.mov') ? 'video/quicktime' : 'video/mp4';
  await json('PUT', '/api/v1/campaigns/backup', { title: 'backup bench' });
  const recipients = Array.from({ length: count }, (_, i) => ({ handle: `bench_${String(i).padStart(4, '0')}` }));
  const { links } = await json('POST', '/api/v1/campaigns/backup/links', { recipients });
  if (links.length !== count) throw new Error(`asked for ${count} links, got ${links.length}`);

  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  let firstFailure;
  const worker = async () => {
    while (next < links.length) {
      const link = links[next++];
      const res = await request('POST', '/api/v1/uploads', {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(body.length),
        'Upload-Metadata': `token ${b64(link.token)},filename ${b64(name)},filetype ${b64(type)}`,
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(body.length),
      }, body);
      if (res.status !== 201 || res.headers['upload-offset'] !== String(body.length)) {
        failed += 1;
        firstFailure ??= `${res.status} offset ${res.headers['upload-offset']} ${res.body}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const uploadedS = (performance.now() - t0) / 1000;
  console.error(`    ${count - failed}/${count} uploads in ${uploadedS.toFixed(1)} s${failed ? `; first failure: ${firstFailure}` : ''}`);

  const seen = await processed(t0, uploadedS + waitS);
  const processedS = (performance.now() - t0) / 1000;
  return { uploads: count, upload_failed: failed, first_failure: firstFailure, upload_bytes: body.length, upload_s: uploadedS, until_processed_s: processedS, media_s: processedS - uploadedS, ...seen };
}

// The media jobs: a video leaves `received` when its job is done (ready or failed). Polls
// until none is left or `untilS` seconds after `t0`; the last census.
async function processed(t0, untilS) {
  let lastLog = 0;
  for (;;) {
    const seen = await census();
    const waiting = seen.states.received ?? 0;
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed - lastLog >= 30 || waiting === 0) {
      console.error(`    ${elapsed.toFixed(0)} s: ${JSON.stringify(seen.states)}`);
      lastLog = elapsed;
    }
    if (waiting === 0 || elapsed > untilS) return seen;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const result = mode === 'fill' ? await fill()
  : mode === 'count' ? await census()
  : mode === 'wait' ? { waited_s: 0, ...(await processed(performance.now(), Number(opts['wait-s'] ?? 3600))) }
  : null;
if (!result) throw new Error(`unknown mode ${mode}: fill, count or wait`);
console.log(JSON.stringify(result));
agent.destroy();
