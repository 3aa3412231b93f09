#!/usr/bin/env node
// Not a benchmark: opens N uploads whose PATCH sends 1,000 bytes of 1,000,000 and then stalls
// (a phone on a bad network), then times /healthz and the recorder page. Against
// clipdesk-server, past 512 stalled PATCHes every request that needs the database waits.
//
//   node stalled-uploads.mjs http://127.0.0.1:PORT LINK_TOKEN [N=530]
// (start the server as bench/run does, with --public-rate-per-minute 0 --uploads-per-link 100000)

import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [base, link, n = '530'] = process.argv.slice(2);
if (!base || !link) {
  process.stderr.write('usage: stalled-uploads.mjs BASE_URL LINK_TOKEN [N]\n');
  process.exit(2);
}
const metadata = `token ${Buffer.from(link).toString('base64')}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 100000 });
const within = (ms, promise) => Promise.race([promise, new Promise((r) => setTimeout(() => r(null), ms))]);

const create = () =>
  new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v1/uploads`, {
      method: 'POST',
      agent,
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '1000000', 'Upload-Metadata': metadata, 'Content-Length': '0' },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers.location));
    });
    req.on('error', reject);
    req.end();
  });

const stalled = [];
for (let i = 1; i <= Number(n); i++) {
  const t = performance.now();
  const location = await within(5000, create());
  if (!location) {
    console.log(`POST #${i}, with ${i - 1} PATCHes stalled: no answer in 5 s`);
    break;
  }
  if (i === 1 || i % 100 === 0 || i >= 510) console.log(`POST #${i}: ${(performance.now() - t).toFixed(1)} ms`);
  const patch = http.request(new URL(location, base), {
    method: 'PATCH',
    agent,
    headers: {
      'Tus-Resumable': '1.0.0',
      'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': '0',
      'Content-Length': '1000000',
    },
  });
  patch.on('error', () => {});
  patch.write(Buffer.alloc(1000));
  stalled.push(patch);
}
await new Promise((r) => setTimeout(r, 1000));

for (const path of ['/healthz', `/r/${link}`]) {
  const t = performance.now();
  const status = await within(
    15000,
    new Promise((resolve) => {
      const req = http.get(`${base}${path}`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', (err) => resolve(String(err)));
    }),
  );
  const took = (performance.now() - t).toFixed(1);
  console.log(`with ${stalled.length} PATCHes stalled: GET ${path.startsWith('/r/') ? '/r/<token>' : path} -> ${status ?? 'no answer'} in ${took} ms`);
}
for (const patch of stalled) patch.destroy();
agent.destroy();
process.exit(0);
