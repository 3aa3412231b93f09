// A phone's connection drops in the middle of an upload: tus-js-client, going through a proxy
// that cuts the line once, asks the server where it got to and sends only the rest.

import assert from "node:assert/strict";
import fsp from "node:fs/promises";
import { after, before, test } from "node:test";
import {
  cuttingProxy,
  operatorOn,
  sha256,
  storedFiles,
  tempDir,
  tusUpload,
  uploadIdOf,
  videoLike,
} from "../lib/tus.mjs";
import { serveData } from "../lib/server.mjs";

const SIZE = 20 * 1024 * 1024;
const CUT_AFTER = 8 * 1024 * 1024;

/** @type {import("../lib/tus.mjs").RunningServer} */
let server;
/** @type {Awaited<ReturnType<typeof cuttingProxy>>} */
let proxy;
/** @type {string} */
let dataDir;

before(async () => {
  dataDir = await tempDir("tus-resume");
  server = await serveData(dataDir, ["--public-rate-per-minute", "0"]);
  proxy = await cuttingProxy(server.url, { cutAfter: CUT_AFTER });
});

after(async () => {
  try {
    await proxy?.close();
    await server?.stop();
  } finally {
    if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
  }
});

test("an upload cut off halfway resumes from where the server got to and arrives intact", async () => {
  const operator = await operatorOn(server);
  const source = await videoLike(SIZE);
  /** @type {Array<{ method: string, offset: string | undefined }>} */
  const sent = [];
  /** @type {Error[]} */
  const retriedAfter = [];
  const { url } = await tusUpload(source, {
    endpoint: `${proxy.url}/api/v1/uploads`,
    metadata: { token: await operator.linkToken(), filename: "long-take.webm", filetype: "video/webm" },
    retryDelays: [0, 200, 500],
    onBeforeRequest: (req) => void sent.push({ method: req.getMethod(), offset: req.getHeader("Upload-Offset") }),
    onShouldRetry: (error) => {
      retriedAfter.push(error);
      const status = error.originalResponse?.getStatus();
      return status === undefined || status >= 500 || status === 409 || status === 423;
    },
  });

  assert.ok(proxy.state.cut, "the proxy did cut the connection");
  assert.ok(retriedAfter.length >= 1, "tus-js-client saw the cut and retried");
  const afterCut = proxy.requests.filter((r) => r.afterCut);
  assert.ok(
    afterCut.some((r) => r.method === "HEAD") && afterCut.some((r) => r.method === "PATCH"),
    `after the cut the client asked for the offset and sent again: ${JSON.stringify(proxy.requests)}`,
  );
  assert.ok(proxy.requests.filter((r) => r.method === "PATCH").length >= 2, "more than one PATCH went through");

  // Resumed, not restarted: the PATCH after the cut starts where the server's bytes end.
  const patches = sent.filter((r) => r.method === "PATCH").map((r) => Number(r.offset));
  assert.equal(patches[0], 0);
  const resumedAt = patches[patches.length - 1] ?? 0;
  assert.ok(resumedAt > 0 && resumedAt <= CUT_AFTER, `resumed at ${resumedAt}, not from 0 and not past the cut`);
  assert.ok(
    proxy.state.forwardedAfterCut < SIZE - resumedAt + 64 * 1024,
    `only the rest went up again (${proxy.state.forwardedAfterCut} bytes after the cut)`,
  );
  assert.equal(sent.filter((r) => r.method === "POST").length, 1, "the same upload went on; no second one was created");

  const id = uploadIdOf(url);
  const stored = await storedFiles(dataDir, id, await operator.allEvents());
  assert.ok(stored.original, `videos/${id}/ holds the original`);
  assert.equal(sha256(await fsp.readFile(stored.original)), sha256(source), "the stored file is the one sent");
  const received = (await operator.allEvents()).filter((e) => e.kind === "video_received");
  assert.deepEqual(received.map((e) => e.upload_id), [id], "one video, announced once");
});
