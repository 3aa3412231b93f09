// Webhook delivery against a healthy receiver on loopback: latency (receiver arrival − the
// event's time in the feed) p50/p99 over COUNT events, then a restart round (kill -TERM the
// server mid-stream, start it again) counting events against unique webhook-ids received.
// Driven by bench/webhooks/run; writes the results file it is given.
import { spawn, spawnSync } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    server: { type: "string" },
    count: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "4" },
    data: { type: "string" },
    out: { type: "string" },
    port: { type: "string", default: "18796" },
    command: { type: "string", default: "bench/webhooks/run" },
    config: { type: "string" },
  },
});
const COUNT = Number(args.count);
const RETRY_BASE_MS = 200;
const CONCURRENCY = Number(args.concurrency);
const PORT = Number(args.port);
const BASE = `http://127.0.0.1:${PORT}`;
const log = (...m) => console.error("==>", ...m);

function cli(...argv) {
  const r = spawnSync(args.server, [...argv, "--data", args.data], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout.trim().split("\n");
}

// The receiver: verifies every signature (Standard Webhooks), records each arrival.
const arrivals = [];
let secret = "";
let badSignatures = 0;
// While true the receiver answers 503 (it is "away"): those attempts are counted, not received.
let away = false;
let refused = 0;
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const arrived = Date.now();
    if (away) {
      refused += 1;
      res.writeHead(503).end();
      return;
    }
    const body = Buffer.concat(chunks).toString("utf8");
    const id = req.headers["webhook-id"];
    const ts = req.headers["webhook-timestamp"];
    const expected = createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
      .update(`${id}.${ts}.${body}`)
      .digest();
    const ok = String(req.headers["webhook-signature"] ?? "")
      .split(" ")
      .some((s) => {
        const given = Buffer.from(s.replace(/^v1,/, ""), "base64");
        return s.startsWith("v1,") && given.length === expected.length && timingSafeEqual(given, expected);
      });
    if (!ok) badSignatures += 1;
    const event = JSON.parse(body).data;
    arrivals.push({ id, seq: event.seq, at: Date.parse(event.at), arrived });
    res.writeHead(200).end();
  });
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;

let server = null;
async function startServer() {
  server = spawn(
    args.server,
    ["serve", "--config", args.config, "--listen", `127.0.0.1:${PORT}`, "--data", args.data, "--public-rate-per-minute", "0",
     "--max-connections-per-ip", "0"],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  let exited = false;
  server.once("exit", () => (exited = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    // A server that exits at once found the port taken: another one would answer instead.
    if (exited) throw new Error(`the server exited at start (is 127.0.0.1:${PORT} in use?)`);
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error("server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
}
async function stopServer() {
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;
}

rmSync(args.data, { recursive: true, force: true });
mkdirSync(args.data, { recursive: true });
args.config = `${args.data}.toml`;
writeFileSync(args.config, `webhook_retry_base_ms = ${RETRY_BASE_MS}\n`);
const token = cli("token", "create", "--name", "bench").at(-1);
const added = cli("webhook", "add", hookUrl, "--events", "link_created");
const endpoint = added[0];
secret = added.at(-1);
await startServer();
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const put = await fetch(`${BASE}/api/v1/campaigns/bench`, {
  method: "PUT", headers: auth,
  body: JSON.stringify({ title: "Bench", prompt: "Say hi", max_duration_s: 60 }),
});
if (!put.ok) throw new Error(`campaign: ${put.status}`);

// One link per request, retried (the same handle: no second event) while the server is away.
async function issue(handle) {
  for (;;) {
    try {
      const r = await fetch(`${BASE}/api/v1/campaigns/bench/links`, {
        method: "POST", headers: auth, body: JSON.stringify({ recipients: [{ handle }] }),
      });
      if (r.ok) return;
      if (r.status < 500) throw new Error(`${handle}: ${r.status} ${await r.text()}`);
    } catch (err) {
      if (String(err.message).includes(`${handle}:`)) throw err;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
async function issueAll(prefix, n, onProgress = () => {}) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) {
      const i = next++;
      await issue(`${prefix}_${i}`);
      await onProgress(i);
    }
  }));
}
async function feedSeqs(after) {
  const seqs = [];
  for (;;) {
    const page = await (await fetch(`${BASE}/api/v1/events?after=${after}&limit=1000`, { headers: auth })).json();
    for (const e of page.events) if (e.kind === "link_created") seqs.push(e.seq);
    after = page.next_after;
    if (!page.more) return { seqs, last: after };
  }
}
async function settle(expected, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (new Set(arrivals.map((a) => a.id)).size < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
}
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

// Round 1: latency with a healthy receiver.
log(`round 1: ${COUNT} link_created events, ${CONCURRENCY} requests at once`);
const t0 = Date.now();
await issueAll("lat", COUNT);
const sentS = (Date.now() - t0) / 1000;
await settle(COUNT);
const firstById = new Map();
for (const a of arrivals) if (!firstById.has(a.id)) firstById.set(a.id, a);
const latencies = [...firstById.values()].map((a) => a.arrived - a.at).sort((a, b) => a - b);
const round1 = {
  events: COUNT, delivered: firstById.size, arrivals: arrivals.length,
  p50_ms: pct(latencies, 50), p99_ms: pct(latencies, 99), max_ms: latencies.at(-1),
  events_per_s: +(COUNT / sentS).toFixed(1),
};
log(JSON.stringify(round1));
const { last: round2After } = await feedSeqs(0);

// Round 2: kill -TERM the server half way through, start it again, go on.
log(`round 2: ${COUNT} events, the server stopped (SIGTERM) and started again half way`);
arrivals.length = 0;
let restartedAt = null;
await issueAll("rst", COUNT, async (i) => {
  if (i === Math.floor(COUNT / 2) && restartedAt === null) {
    restartedAt = Date.now();
    away = true;
    await stopServer();
    await startServer();
    log(`restarted in ${Date.now() - restartedAt} ms`);
    // The receiver stays away a moment longer: what was queued meanwhile waits for a retry.
    setTimeout(() => (away = false), 1000);
  }
});
const { seqs } = await feedSeqs(round2After);
await settle(seqs.length);
// Let retries of ids already received show up before counting.
await new Promise((r) => setTimeout(r, 2000));
const listed = await (await fetch(`${BASE}/api/v1/webhooks`, { headers: auth })).json();
const received = new Set(arrivals.map((a) => a.seq));
const ids = new Set(arrivals.map((a) => a.id));
const seqsPerId = new Map();
for (const a of arrivals) seqsPerId.set(a.id, a.seq);
const idsPerSeq = new Map();
for (const [id, seq] of seqsPerId) idsPerSeq.set(seq, (idsPerSeq.get(seq) ?? 0) + 1);
const round2 = {
  events: seqs.length,
  unique_webhook_ids: ids.size,
  arrivals: arrivals.length,
  lost: seqs.filter((s) => !received.has(s)).length,
  events_with_two_ids: [...idsPerSeq.values()].filter((n) => n > 1).length,
  repeated_arrivals_of_one_id: arrivals.length - ids.size,
  answered_503_while_away: refused,
  endpoint: listed.webhooks.find((w) => w.id === endpoint),
};
log(JSON.stringify(round2));
await stopServer();
receiver.close();

const cpu = os.cpus()[0]?.model ?? "?";
const version = spawnSync(args.server, ["--version"], { encoding: "utf8" }).stdout.trim();
const md = `# Webhook delivery — ${new Date().toISOString().slice(0, 16)}Z

Command: \`${args.command}\` (COUNT=${COUNT}, ${CONCURRENCY} requests at once). ${version}, release build.
Machine: ${cpu}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} at the end.

The receiver is a Node http server on 127.0.0.1 answering 200 at once, verifying every
Standard Webhooks signature (bad signatures: **${badSignatures}**). Events are \`link_created\`,
one per \`POST /api/v1/campaigns/bench/links\` of one recipient; the endpoint subscribed to them with
\`clipdesk-server webhook add\`.

## Latency, healthy receiver

Latency = the receiver's arrival time − the event's \`at\` in the feed (both the same machine's clock, ms).

| events | delivered | arrivals | p50 ms | p99 ms | max ms | events/s sent |
|---|---|---|---|---|---|---|
| ${round1.events} | ${round1.delivered} | ${round1.arrivals} | **${round1.p50_ms}** | **${round1.p99_ms}** | ${round1.max_ms} | ${round1.events_per_s} |

## Restart mid-stream

The server got SIGTERM after half of the events, was started again on the same data folder, and
the client went on (retrying requests refused while it was down). The receiver answered 503 from
the SIGTERM until 1 s after the new server answered, so deliveries were left pending across the
restart (webhook_retry_base_ms = ${RETRY_BASE_MS} for this run: retries after 0.2 s, 12 s, …).

| events in the feed | unique webhook-ids received | arrivals (2xx) | 503s while away | lost | events sent under two ids | repeats of one id |
|---|---|---|---|---|---|---|
| ${round2.events} | ${round2.unique_webhook_ids} | ${round2.arrivals} | ${refused} | **${round2.lost}** | ${round2.events_with_two_ids} | ${round2.repeated_arrivals_of_one_id} |

Endpoint counts at the end: pending ${round2.endpoint?.pending}, delivered ${round2.endpoint?.delivered}, failed ${round2.endpoint?.failed}.
`;
writeFileSync(args.out, md);
writeFileSync(args.out.replace(/\.md$/, ".json"), JSON.stringify({ round1, round2, badSignatures }, null, 2));
log(`wrote ${args.out}`);
process.exit(round2.lost === 0 && badSignatures === 0 ? 0 : 1);
