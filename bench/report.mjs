#!/usr/bin/env node
// Turns a run's JSON lines into the raw JSON file, the Markdown tables, and the README's
// "latest results" section.
//   node report.mjs RUN.jsonl OUT.json OUT.md [README.md]

import fs from 'node:fs';
import path from 'node:path';

const [rawPath, jsonPath, mdPath, readmePath] = process.argv.slice(2);
const lines = fs.readFileSync(rawPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const machine = lines.find((l) => l.case === 'machine') ?? {};
const results = lines.filter((l) => l.case !== 'machine');
const stamp = path.basename(mdPath, '.md');
fs.writeFileSync(jsonPath, `${JSON.stringify({ stamp, machine, results }, null, 1)}\n`);

const rounds = Math.max(0, ...results.map((r) => r.round ?? 0));
const MB = 1e6;
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs, digits) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return '—';
  const f = (x) => x.toFixed(digits);
  return s.length === 1 ? f(s[0]) : `${f(s[0])} / **${f(median(s))}** / ${f(s.at(-1))}`;
};
// The main tables are tus-load.mjs's own client in cold memory; the clients table has the rest.
const by = (kase, server, client, memory) =>
  results.filter((r) => r.case === kase && r.server === server && (r.client ?? 'node') === client && (r.memory ?? 'cold') === memory);
const of = (kase, server) => by(kase, server, 'node', 'cold');
const med = (kase, server, pick) => median(of(kase, server).map(pick));
const gbps = (r) => (r.ok === r.uploads ? r.throughput_gbps : null);
const bodyGbps = (r) => (r.ok === r.uploads ? r.body_throughput_gbps : null);
const hwm = (r) => (r.rss?.hwm ? r.rss.hwm / MB : null);
const tail = (r) => r.tail_ms?.max ?? null;
const cpu = (r) => (r.ok === r.uploads ? r.server_cpu_s_per_gb : null);

const ratio = (a, b) => (a != null && b != null && b > 0 ? a / b : null);
const fmt = (x, d = 2) => (x == null ? '—' : x.toFixed(d));

const NAMES = {
  'dd-cache': 'dd (page cache, cold memory)',
  'dd-cache-warm': 'dd (page cache, warm memory)',
  'dd-fdatasync': 'dd conv=fdatasync',
  clipdesk: 'clipdesk-server',
  'clipdesk-fsync-each': 'clipdesk-server --fsync-every-patch true',
  'tus-node': '@tus/server + @tus/file-store',
  rustus: 'rustus',
  'rustus-fsync': 'rustus --force-fsync true',
  'null-sink': 'null sink (the client\'s ceiling)',
  'clipdesk-s3': 'clipdesk-server, S3 backend (s3s-fs)',
};
const CASES = {
  '1GiB': 'one 1 GiB upload, one PATCH',
  '1GiB-64MiB-patches': 'one 1 GiB upload in 16 PATCHes of 64 MiB',
  '200x20MB': '200 uploads of 20 MB at once',
};

const out = [];
const p = (s = '') => out.push(s);

p(`# Benchmark run ${stamp}`);
p();
p(
  `${rounds} round(s), every case on a fresh server and data folder, servers in a different order each round. ` +
    'Cells are min / **median** / max over the rounds. GB/s and MB are decimal (10^9, 10^6 bytes).',
);
p();
p(
  `Machine: ${machine.cpu ?? '?'}, ${machine.cores ?? '?'} cores, ${machine.memory_gib ?? '?'} GiB, ` +
    `Linux ${machine.kernel ?? '?'}, data on ${machine.fs ?? '?'}; Node ${machine.node ?? '?'}; ` +
    `${machine.clipdesk_server ?? 'clipdesk-server'} at ${machine.clipdesk_rev ?? '?'}; ` +
    `@tus/server ${machine.tus_server ?? '?'} + @tus/file-store ${machine.tus_file_store ?? '?'}; ` +
    `${machine.rustus ?? 'rustus'}; page load by ${machine.oha ?? '?'}.`,
);
p();
p(
  `Load average (1/5/15 min) ${machine.load_before ?? '?'} before the run, ${machine.load_after ?? '?'} after: ` +
    'the machine is shared (other sessions compile and run browser tests on the same 2 cores), ' +
    'so figures are noisy; compare servers within a round, not across runs.',
);
p();

p('## Uploads');
p();
{
  const cold = med('1GiB', 'dd-cache', gbps);
  const warm = med('1GiB', 'dd-cache-warm', gbps);
  p(
    'This machine is a VM that hands memory back to its host about 2 s after it is freed; writing into such ' +
      `memory again costs a host fault, so the page cache fills ${fmt(ratio(warm, cold), 0)}× slower here ` +
      '(dd cold vs warm below). Every case starts after 4 s idle, so every contender writes into cold memory alike.',
  );
}
p();
p('| case | server | GB/s, to the last response | GB/s, body only | completion tail ms | server CPU s per GB | peak RSS MB | failed |');
p('|---|---|---|---|---|---|---|---|');
const rows = [
  ['1GiB', ['dd-cache', 'dd-cache-warm', 'dd-fdatasync', 'clipdesk', 'clipdesk-fsync-each', 'clipdesk-s3', 'tus-node', 'rustus', 'rustus-fsync', 'null-sink']],
  ['1GiB-64MiB-patches', ['clipdesk', 'clipdesk-fsync-each']],
  ['200x20MB', ['clipdesk', 'clipdesk-s3', 'tus-node', 'rustus', 'null-sink']],
];
for (const [kase, servers] of rows) {
  for (const server of servers) {
    const rs = of(kase, server);
    if (rs.length === 0) continue;
    const dd = server.startsWith('dd-');
    const sink = server === 'null-sink';
    const failed = rs.reduce((n, r) => n + (r.failed ?? 0), 0);
    const failure = rs.find((r) => r.failed)?.first_failure;
    p(
      `| ${CASES[kase]} | ${NAMES[server]} | ${spread(rs.map(gbps), 2)} | ${dd ? '—' : spread(rs.map(bodyGbps), 2)} | ` +
        `${dd ? '—' : spread(rs.map(tail), 0)} | ${dd || sink ? '—' : spread(rs.map(cpu), 2)} | ` +
        `${dd || sink ? '—' : spread(rs.map(hwm), 1)} | ` +
        `${failed ? `${failed}: ${String(failure?.status ?? '')} ${String(failure?.error ?? '').slice(0, 80).replace(/\|/g, '/')}` : 0} |`,
    );
  }
}
p();
p(
  '*To the last response*: all bytes over the wall time from the first POST to the last PATCH answer, ' +
    'what a recipient waits for. *Body only*: the same bytes up to the moment the client handed the last ' +
    'body byte to the socket, before the server does what it does at completion. *Completion tail*: from that ' +
    'moment to the answer (the largest over the uploads): for clipdesk-server the fsync of the file, the rename ' +
    'into videos/ and the folder syncs; @tus/server syncs nothing; rustus only now writes the body it held in ' +
    'memory. *Server CPU*: user + system seconds the server process used during the case, per GB received: ' +
    'steadier than wall time on a shared machine. *Peak RSS*: the server process\'s VmHWM at the ' +
    'end of the case (a fresh process each case, so it is that case\'s peak, start-up included). ' +
    '*Null sink*: a Python server that answers like tus and discards the bytes: the most this client moves here.',
);
p();

// Targets, on medians.
const mark = (ok) => (ok == null ? '?' : ok ? 'met' : '**not met**');
const targets = [];
const change = (from, to) => {
  if (from == null || to == null || from === 0) return '—';
  const pct = (100 * (to - from)) / from;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(0)} %`;
};
for (const kase of ['1GiB', '200x20MB']) {
  const clip = med(kase, 'clipdesk', gbps);
  const clipBody = med(kase, 'clipdesk', bodyGbps);
  const peers = ['tus-node', 'rustus'].map((s) => [s, med(kase, s, gbps)]).filter(([, v]) => v != null);
  const [fastName, fast] = peers.sort((a, b) => b[1] - a[1])[0] ?? [null, null];
  const r = ratio(clip, fast);
  const rb = ratio(clipBody, fast);
  const sink = med(kase, 'null-sink', gbps);
  targets.push([
    `${CASES[kase]}: throughput ≥ 1.5× the faster peer`,
    `${fmt(clip)} GB/s vs ${NAMES[fastName] ?? '?'} ${fmt(fast)} GB/s = **${fmt(r)}×** ` +
      `(body only, before the completion fsync: ${fmt(clipBody)} GB/s = ${fmt(rb)}×; ` +
      `the client's ceiling, null sink: ${fmt(sink)} GB/s = ${fmt(ratio(sink, fast))}× the peer)`,
    mark(r == null ? null : r >= 1.5),
  ]);
}
{
  const clip = med('1GiB', 'clipdesk', hwm);
  const rus = med('1GiB', 'rustus', hwm);
  const r = ratio(clip, rus);
  const idle = median(of('1GiB', 'rustus').map((x) => (x.rss?.before ? x.rss.before / MB : null)));
  targets.push([
    'one 1 GiB upload: peak RSS within 2× of rustus',
    `${fmt(clip, 1)} MB vs rustus ${fmt(rus, 1)} MB = **${fmt(r)}×** (rustus 0.5 holds the whole PATCH body ` +
      `in memory; against rustus idle, ${fmt(idle, 1)} MB, it is ${fmt(ratio(clip, idle))}×)`,
    mark(r == null ? null : r <= 2),
  ]);
  const many = med('200x20MB', 'clipdesk', hwm);
  targets.push(['200 uploads at once: peak RSS < 80 MB', `**${fmt(many, 1)} MB**`, mark(many == null ? null : many < 80)]);
}
const pages = results.filter((r) => r.case === 'page');
const pageP99 = median(pages.map((r) => r.fixed_1000?.p99_ms));
const pageRate = median(pages.map((r) => r.fixed_1000?.rps));
targets.push([
  'the page: p99 < 5 ms at 1,000 req/s',
  pageP99 == null ? 'no fixed-rate run (wrk)' : `p99 **${fmt(pageP99)} ms** at ${fmt(pageRate, 0)} req/s`,
  mark(pageP99 == null ? null : pageP99 < 5),
]);

// Every client, cold and warm: the durable figure against the faster peer that syncs nothing.
const CLIENTS = { node: 'tus-load.mjs (Node http)', curl: '`curl -T`', 'tus-js': 'tus-js-client (Node)' };
if (results.some((r) => r.client && r.client !== 'node')) {
  p('## Every client, cold and warm memory: one 1 GiB PATCH');
  p();
  p(
    'GB/s to the last response; clipdesk-server syncs the file before it answers, the peers sync nothing. ' +
      '*Cold*: after 4 s idle (the host has taken freed memory back); *warm*: right after 1 GiB was written ' +
      'and deleted, as when cases run back to back.',
  );
  p();
  const s3 = results.some((r) => r.server === 'clipdesk-s3');
  p(`| client | memory | clipdesk-server |${s3 ? ' clipdesk-server, S3 |' : ''} @tus/server | rustus | clipdesk ÷ the faster peer |`);
  p(`|---|---|---|${s3 ? '---|' : ''}---|---|---|`);
  for (const client of Object.keys(CLIENTS)) {
    for (const memory of ['cold', 'warm']) {
      const cell = (server) => spread(by('1GiB', server, client, memory).map(gbps), 2);
      const m = (server) => median(by('1GiB', server, client, memory).map(gbps));
      const clip = m('clipdesk');
      const peer = Math.max(m('tus-node') ?? -1, m('rustus') ?? -1);
      if (clip == null && peer < 0) continue;
      const r = ratio(clip, peer > 0 ? peer : null);
      targets.push([
        `${CLIENTS[client]}, ${memory}: durable clipdesk-server ≥ the faster non-syncing peer`,
        `${fmt(clip)} vs ${fmt(peer > 0 ? peer : null)} GB/s = **${fmt(r)}×**`,
        mark(r == null ? null : r >= 1),
      ]);
      p(
        `| ${CLIENTS[client]} | ${memory} | ${cell('clipdesk')} |${s3 ? ` ${cell('clipdesk-s3')} |` : ''} ${cell('tus-node')} | ` +
          `${cell('rustus')} | **${fmt(r)}×** |`,
      );
    }
  }
  p();
  p('| server | peak RSS MB, one 1 GiB PATCH (every client and memory) |');
  p('|---|---|');
  for (const server of ['clipdesk', 'clipdesk-s3', 'tus-node', 'rustus']) {
    const rs = results.filter((r) => r.case === '1GiB' && r.server === server);
    if (rs.length) p(`| ${NAMES[server]} | ${spread(rs.map(hwm), 1)} |`);
  }
  const s3rs = results.filter((r) => r.server === 'clipdesk-s3' && r.extra_rss);
  if (s3rs.length) p(`| s3s-fs (the bucket behind the S3 backend) | ${spread(s3rs.map((r) => r.extra_rss.hwm / MB), 1)} |`);
  p();
}

// Local disk against the S3 backend: when the video is recorded.
if (results.some((r) => r.video_received)) {
  p('## Upload complete → `video_received`, per backend');
  p();
  p(
    'From the last PATCH\'s answer to the upload\'s `video_received` in the event feed (long-polled by the client; ' +
      'negative: the event was in the feed before the answer reached the client). With local disk the answer ' +
      'waits for it; with the S3 backend the original is put in the bucket, verified and only then recorded.',
  );
  p();
  p('| case | backend | GB/s, to the last response | → video_received, p50 ms | → video_received, slowest ms | clipdesk-server peak RSS MB | s3s-fs peak RSS MB |');
  p('|---|---|---|---|---|---|---|');
  for (const kase of ['1GiB', '200x20MB']) {
    for (const server of ['clipdesk', 'clipdesk-s3']) {
      const rs = results.filter((r) => r.case === kase && r.server === server && r.video_received);
      if (!rs.length) continue;
      p(
        `| ${CASES[kase]} | ${NAMES[server]} | ${spread(rs.map(gbps), 2)} | ${spread(rs.map((r) => r.video_received.p50_ms), 0)} | ` +
          `${spread(rs.map((r) => r.video_received.max_ms), 0)} | ${spread(rs.map(hwm), 1)} | ` +
          `${server === 'clipdesk-s3' ? spread(rs.map((r) => (r.extra_rss?.hwm ?? 0) / MB), 1) : '—'} |`,
      );
    }
  }
  p();
}

p('## Against the issue\'s targets (medians)');
p();
p('| target | measured | |');
p('|---|---|---|');
for (const [t, m, ok] of targets) p(`| ${t} | ${m} | ${ok} |`);
p();

p('## What syncing costs');
p();
p(
  'clipdesk-server syncs when an upload completes, before `video_received`: `sync_all` on the file, ' +
    'rename into `videos/<id>/`, then `sync_all` on both folders. With `--fsync-every-patch true` it ' +
    'also `sync_data`s after every PATCH. Neither peer syncs by default (rustus can, with `--force-fsync true`: ' +
    '`sync_data` after every PATCH); dd shows the disk with and without.',
);
p();
p('| what | median | throughput change |');
p('|---|---|---|');
{
  const ddc = med('1GiB', 'dd-cache', gbps);
  const ddf = med('1GiB', 'dd-fdatasync', gbps);
  const ddw = med('1GiB', 'dd-cache-warm', gbps);
  p(`| dd 1 GiB, page cache (cold memory) → fdatasync | ${fmt(ddc)} → ${fmt(ddf)} GB/s | ${change(ddc, ddf)} |`);
  p(`| dd 1 GiB, page cache (warm memory) → fdatasync | ${fmt(ddw)} → ${fmt(ddf)} GB/s | ${change(ddw, ddf)} |`);
  const t1 = med('1GiB', 'clipdesk', tail);
  const w1 = med('1GiB', 'clipdesk', (r) => r.wall_s);
  p(
    `| clipdesk-server, 1 GiB in one PATCH: completion tail | ${fmt(t1, 0)} ms of ${fmt(w1 == null ? null : w1 * 1000, 0)} ms | ` +
      `the upload waits ${fmt(t1 != null && w1 ? (100 * t1) / (w1 * 1000) : null, 0)} % of its wall time for it |`,
  );
  for (const kase of ['1GiB', '1GiB-64MiB-patches']) {
    const a = med(kase, 'clipdesk', gbps);
    const b = med(kase, 'clipdesk-fsync-each', gbps);
    p(
      `| ${CASES[kase]}: default → --fsync-every-patch | ${fmt(a)} → ${fmt(b)} GB/s | ` +
        `${change(a, b)} |`,
    );
  }
  const ra = med('1GiB', 'rustus', gbps);
  const rb = med('1GiB', 'rustus-fsync', gbps);
  if (rb != null) {
    p(
      `| rustus, 1 GiB in one PATCH: default → --force-fsync true | ${fmt(ra)} → ${fmt(rb)} GB/s | ` +
        `${change(ra, rb)} |`,
    );
  }
  const t200 = med('200x20MB', 'clipdesk', tail);
  p(
    `| clipdesk-server, 200 × 20 MB: the slowest upload's completion tail | ${fmt(t200, 0)} ms | ` +
      '200 fsyncs of 20 MB sharing the disk, plus draining what the 200 sockets\' kernel buffers held |',
  );
}
p();

p('## The recorder page, GET /r/<token>');
p();
if (pages.length === 0) {
  p('(not run)');
} else {
  p('| load | req/s | p50 ms | p99 ms | slowest ms | server peak RSS MB |');
  p('|---|---|---|---|---|---|');
  const row = (label, pick) => {
    const rs = pages.map(pick).filter(Boolean);
    if (rs.length === 0) return;
    p(
      `| ${label} | ${spread(rs.map((x) => x.rps), 0)} | ${spread(rs.map((x) => x.p50_ms), 2)} | ${spread(rs.map((x) => x.p99_ms), 2)} | ` +
        `${spread(rs.map((x) => x.max_ms), 1)} | ${spread(pages.map((r) => r.server_hwm / MB), 1)} |`,
    );
  };
  const tool = pages[0].tool;
  row(tool === 'oha' ? 'fixed 1,000 req/s for 10 s, 10 connections (oha -q 1000, latency-corrected)' : '—', (r) => r.fixed_1000);
  row(tool === 'oha' ? 'as fast as it goes for 5 s, 10 connections (oha)' : 'wrk -t2 -c10 -d15s', (r) => r.max_rate);
  p();
  p('The load tool runs on the same 2 cores as the server.');
}
p();

const md = `${out.join('\n')}\n`;
fs.writeFileSync(mdPath, md);

if (readmePath && fs.existsSync(readmePath)) {
  const readme = fs.readFileSync(readmePath, 'utf8');
  const start = '<!-- latest-results:start -->';
  const end = '<!-- latest-results:end -->';
  const section = md.replace(/^# .*\n/, `Run ${stamp} (\`bench/results/${stamp}.md\`):\n`).replace(/^## /gm, "### ");
  const body = `${start}\n${section}${end}`;
  const next = readme.includes(start)
    ? readme.replace(new RegExp(`${start}[\\s\\S]*${end}`), body)
    : `${readme.trimEnd()}\n\n## Latest results\n\n${body}\n`;
  fs.writeFileSync(readmePath, next);
}
