#!/usr/bin/env node
// Turns a bench/tls run's JSON lines into the raw JSON file and the Markdown tables.
//   node report-tls.mjs RUN.jsonl OUT.json OUT.md

import fs from 'node:fs';
import { loadRun, spread } from './report-run.mjs';

const { machine, results, stamp, rounds, mdPath } = loadRun(process.argv.slice(2));
const of = (scheme, mode) => results.filter((r) => r.scheme === scheme && r.mode === mode);
const MB = 1e6;

const out = [];
const p = (s = '') => out.push(s);
p(`# TLS on the recorder page — ${stamp}`);
p();
p(`${rounds} round(s), every case on a fresh server process and data folder, in a different order each round. Cells are min / **median** / max over the rounds.`);
p();
p(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB, Linux ${machine.kernel}; ${machine.clipdesk_server} at ${machine.clipdesk_rev}; ${machine.oha}; ${machine.curl?.split(' ').slice(0, 2).join(' ')}; ${machine.openssl}. Certificate: ECDSA P-256 leaf for 127.0.0.1 signed by a CA the clients trust (openssl).`);
p();
p(`Load average (1/5/15 min) ${machine.load_before} before the run, ${machine.load_after} after; the load tool shares the 2 cores with the server.`);
p();
const first = results.find((r) => r.tool === 'oha') ?? {};
p(`### GET /r/<token> at a fixed ${first.rate ?? 1000} req/s (oha, ${first.seconds ?? '?'} s, ${first.connections ?? '?'} connections, latency-corrected)`);
p();
p('| transport | connections | req/s achieved | success | p50 ms | p99 ms | slowest ms | connect (+ handshake) ms, mean | server CPU s | server peak RSS MB |');
p('|---|---|---|---|---|---|---|---|---|---|');
const MODES = {
  keepalive: 'keep-alive',
  'new-connection': 'new connection per request',
};
for (const mode of Object.keys(MODES)) {
  for (const scheme of ['https', 'http']) {
    const rs = of(scheme, mode);
    if (rs.length === 0) continue;
    p(`| ${scheme} | ${MODES[mode]} | ${spread(rs.map((r) => r.rps), 0)} | ${spread(rs.map((r) => r.success * 100), 2)} % | ${spread(rs.map((r) => r.total_ms.p50), 2)} | ${spread(rs.map((r) => r.total_ms.p99), 2)} | ${spread(rs.map((r) => r.total_ms.max), 1)} | ${mode === 'keepalive' ? '—' : spread(rs.map((r) => r.dialup_ms.average), 2)} | ${spread(rs.map((r) => r.server_cpu_s), 2)} | ${spread(rs.map((r) => r.server_memory.hwm / MB), 1)} |`);
  }
}
p();
p('*p50/p99/slowest*: from the moment each request was due (1,000 a second) to its whole answer, so a stall counts against every request that should have been sent during it. With keep-alive the connections are opened once: this is the page. With a new connection per request every request also pays a TCP connect and, over https, a TLS 1.3 handshake; oha shares one rustls client configuration, with its default session cache, across its connections, and the server hands out TLS 1.3 tickets, so these handshakes can resume a session (PSK with an X25519 exchange, no certificate sent): read in the source of oha 1.16, not observed on the wire. *Connect (+ handshake)*: oha\'s mean time to a usable connection. *Server CPU*: user + system seconds the server process used during the case. *Peak RSS*: the server\'s VmHWM at the end of the case (a fresh process, so that case\'s peak, start-up included).');
p();
const full = results.filter((r) => r.mode === 'full-handshake');
if (full.length) {
  p(`### Full handshakes, one request after another (curl --no-sessionid, Connection: close, ${full[0].requests} requests)`);
  p();
  p('| transport | success | connect + handshake p50 ms | p99 ms | slowest ms | whole request p50 ms | p99 ms | slowest ms | server peak RSS MB |');
  p('|---|---|---|---|---|---|---|---|---|');
  for (const scheme of ['https', 'http']) {
    const rs = of(scheme, 'full-handshake');
    if (rs.length === 0) continue;
    p(`| ${scheme} | ${spread(rs.map((r) => r.success * 100), 2)} % | ${spread(rs.map((r) => r.handshake_ms.p50), 2)} | ${spread(rs.map((r) => r.handshake_ms.p99), 2)} | ${spread(rs.map((r) => r.handshake_ms.max), 1)} | ${spread(rs.map((r) => r.total_ms.p50), 2)} | ${spread(rs.map((r) => r.total_ms.p99), 2)} | ${spread(rs.map((r) => r.total_ms.max), 1)} | ${spread(rs.map((r) => r.server_memory.hwm / MB), 1)} |`);
  }
  p();
  p('What a phone opening its link for the first time pays: TCP connect plus a full TLS 1.3 handshake (the ECDSA certificate sent and verified), then the page. Over http the handshake column is the TCP connect alone.');
  p();
}
fs.writeFileSync(mdPath, `${out.join('\n')}\n`);
