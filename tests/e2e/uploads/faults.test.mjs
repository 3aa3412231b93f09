// Uploads survive what goes wrong on the server's side: the process killed while twenty
// uploads are mid-body, and a disk that fills up under a PATCH.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fsp from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { after, describe, test } from "node:test";
import { operatorApi } from "../lib/api.mjs";
import {
  TUS_RESUMABLE,
  createUpload,
  errorBody,
  failedResponse,
  headUpload,
  openPatch,
  operatorOn,
  patchUpload,
  sha256,
  storedFiles,
  tempDir,
  tusUpload,
  uploadIdOf,
  videoLike,
} from "../lib/tus.mjs";
import { serveData } from "../lib/server.mjs";

const run = promisify(execFile);
const MiB = 1024 * 1024;
const FLAGS = ["--public-rate-per-minute", "0"];

/**
 * Polls `check` until it holds, for at most `timeoutMs`.
 * @param {() => Promise<boolean>} check
 * @param {string} what said when it never holds
 */
async function until(check, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} (waited ${timeoutMs} ms)`);
    await sleep(25);
  }
}

/** @param {string} dataDir */
async function videoFolders(dataDir) {
  return fsp.readdir(path.join(dataDir, "videos")).catch(() => []);
}

describe("a server killed mid-upload", () => {
  const UPLOADS = 20;
  const SIZE = 8 * MiB;
  const FIRST = 4 * MiB;
  const IN_FLIGHT = MiB / 2;

  /** @type {import("../lib/tus.mjs").RunningServer | undefined} */
  let server;
  /** @type {string | undefined} */
  let dataDir;

  after(async () => {
    try {
      await server?.stop();
    } finally {
      if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
    }
  });

  test("twenty uploads resume after SIGKILL and a restart, and nothing half-written becomes a video", async () => {
    dataDir = await tempDir("tus-crash");
    server = await serveData(dataDir, FLAGS);
    const operator = await operatorOn(server);
    const tokens = await operator.linkTokens(UPLOADS);
    const sources = await Promise.all(tokens.map(() => videoLike(SIZE)));
    const urls = await Promise.all(
      tokens.map((token, i) => createUpload(server?.url ?? "", { length: SIZE, token, filename: `take-${i}.webm` })),
    );

    // Each upload sends its first half in one PATCH, acknowledged...
    const firsts = await Promise.all(urls.map((url, i) => patchUpload(url, 0, sources[i]?.subarray(0, FIRST) ?? Buffer.alloc(0))));
    for (const response of firsts) {
      assert.equal(response.status, 204);
      assert.equal(response.headers.get("upload-offset"), String(FIRST));
    }
    // ...then starts its second half, and the server is writing all twenty when it dies.
    const seconds = urls.map((url) => openPatch(url, FIRST, SIZE - FIRST));
    await Promise.all(seconds.map((patch, i) => patch.write(sources[i]?.subarray(FIRST, FIRST + IN_FLIGHT) ?? Buffer.alloc(0))));
    await until(
      async () => (await Promise.all(urls.map(headUpload))).every((head) => (head.offset ?? 0) > FIRST),
      "the server did not start writing every second PATCH",
    );
    // More bytes on their way, so the kill lands on bodies still arriving.
    for (const [i, patch] of seconds.entries()) {
      void patch.write(sources[i]?.subarray(FIRST + IN_FLIGHT, FIRST + 2 * IN_FLIGHT) ?? Buffer.alloc(0));
    }
    await server.kill();
    const sent = seconds.map((patch) => FIRST + patch.sent);
    const answers = await Promise.allSettled(seconds.map((patch) => patch.response));
    assert.ok(answers.every((a) => a.status === "rejected"), "no PATCH in flight was answered: the kill came first");
    assert.deepEqual(await videoFolders(dataDir), [], "no video folder exists for an unfinished upload");

    server = await serveData(dataDir, FLAGS);
    const api = operatorApi(server.url, operator.apiToken);
    const restartedUrls = urls.map((url) => new URL(new URL(url).pathname, server?.url).toString());
    assert.deepEqual(await videoFolders(dataDir), [], "recovery at start-up took no partial upload for a video");
    assert.equal((await api.events({ limit: 1000 })).events.filter((e) => e.kind === "video_received").length, 0);

    await Promise.all(
      restartedUrls.map(async (url, i) => {
        const source = sources[i] ?? Buffer.alloc(0);
        const sentHere = sent[i] ?? 0;
        const head = await headUpload(url);
        assert.equal(head.status, 200, `upload ${i} is still known after the restart`);
        const offset = head.offset ?? -1;
        assert.ok(offset > 0 && offset <= sentHere, `upload ${i}: offset ${offset} is in (0, ${sentHere}], what was sent`);
        assert.ok(offset >= FIRST, `upload ${i}: the acknowledged first half (${FIRST}) survived, offset ${offset}`);
        const rest = await patchUpload(url, offset, source.subarray(offset));
        assert.equal(rest.status, 204, `upload ${i}: ${await rest.text()}`);
        const stored = await storedFiles(dataDir ?? "", uploadIdOf(url), (await api.events({ limit: 1000 })).events);
        assert.ok(stored.original, `upload ${i} became a video`);
        assert.equal(sha256(await fsp.readFile(stored.original)), sha256(source), `upload ${i} is stored intact`);
      }),
    );

    /** @type {string[]} */
    const received = [];
    let after = 0;
    for (;;) {
      const page = await api.events({ after, limit: 1000 });
      received.push(...page.events.filter((e) => e.kind === "video_received").map((e) => e.upload_id ?? ""));
      if (!page.more) break;
      after = page.next_after;
    }
    assert.equal(received.length, UPLOADS, "exactly one video_received per upload");
    assert.deepEqual(new Set(received), new Set(urls.map(uploadIdOf)));
  });
});

describe("a disk that fills up under a PATCH", () => {
  const SIZE = 8 * MiB;

  /** @type {import("../lib/tus.mjs").RunningServer | undefined} */
  let server;
  /** @type {Awaited<ReturnType<typeof operatorOn>> | undefined} */
  let operator;
  /** @type {string | undefined} */
  let mountPoint;
  let mounted = false;

  /** The server on a 4 MB tmpfs, started by the first test that needs it. */
  async function serverOnSmallDisk() {
    if (server && operator && mountPoint) return { server, operator, mountPoint };
    assert.equal(
      process.getuid?.(),
      0,
      "the full-disk tests mount a 4 MB tmpfs as the server's data folder and must run as root",
    );
    mountPoint = await tempDir("tus-full-disk");
    await run("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
    mounted = true;
    server = await serveData(mountPoint, FLAGS);
    operator = await operatorOn(server);
    return { server, operator, mountPoint };
  }

  after(async () => {
    try {
      await server?.stop();
    } finally {
      if (mounted && mountPoint) await run("umount", [mountPoint]);
      if (mountPoint) await fsp.rm(mountPoint, { recursive: true, force: true });
    }
  });

  test("a full disk answers 507 naming it, keeps the bytes written, and the server stays up", async () => {
    const { server, operator, mountPoint } = await serverOnSmallDisk();
    const source = await videoLike(SIZE);
    const url = await createUpload(server.url, { length: SIZE, token: await operator.linkToken() });

    const answer = await patchUpload(url, 0, source);
    assert.equal(answer.status, 507);
    const body = await errorBody(answer);
    assert.equal(body?.error.code, "unavailable");
    assert.match(body?.error.message ?? "", /disk is full/, "the message names the full disk");

    const head = await headUpload(url);
    assert.equal(head.status, 200);
    const kept = head.offset ?? 0;
    assert.ok(kept > 0 && kept < SIZE, `the bytes that fit are kept for a resume: offset ${kept}`);
    const part = (await storedFiles(mountPoint, uploadIdOf(url))).part;
    assert.ok(part, "the part file is still there");
    assert.equal((await fsp.stat(part)).size, kept, "HEAD tells the part file's real size");
    const stored = await fsp.readFile(part);
    assert.ok(stored.equals(source.subarray(0, kept)), "the kept bytes are the first bytes sent");

    const again = await patchUpload(url, kept, source.subarray(kept, kept + MiB));
    assert.equal(again.status, 507, "resuming while the disk is still full is refused the same way");
    assert.equal((await headUpload(url)).offset, kept, "and changes nothing");
    assert.deepEqual(await videoFolders(mountPoint), [], "nothing became a video");
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, "the server still answers");

    const cancelled = await fetch(url, { method: "DELETE", headers: TUS_RESUMABLE });
    assert.equal(cancelled.status, 204, "a cancelled upload gives its space back");
  });

  // The server reads out the rest of a body it stopped writing before it answers, so the
  // client's HTTP stack sees the 507 instead of a broken pipe (RFC 9112 §9.6).
  test("tus-js-client is told the disk is full (507), not merely that the connection broke", async () => {
    const { server, operator } = await serverOnSmallDisk();
    const error = await tusUpload(await videoLike(SIZE), {
      endpoint: `${server.url}/api/v1/uploads`,
      metadata: { token: await operator.linkToken(), filename: "too-big-for-the-disk.webm" },
      retryDelays: null,
    }).then(
      () => assert.fail("an 8 MB upload fitted on a 4 MB disk"),
      (error) => error,
    );
    const { status, body } = failedResponse(error);
    assert.equal(status, 507);
    assert.equal(body?.error.code, "unavailable");
  });
});
