// Any off-the-shelf tus client can upload: the official tus-js-client in Node against the real
// server, with every fixture a recipient might send, and every way an upload is refused.

import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { Upload } from "tus-js-client";
import {
  createUpload,
  errorBody,
  failedResponse,
  fixture,
  headUpload,
  openPatch,
  operatorOn,
  patchUpload,
  sha256,
  storedFiles,
  tempDir,
  tusUpload,
  uploadIdOf,
} from "../lib/tus.mjs";
import { serveData } from "../lib/server.mjs";

/** @type {import("../lib/tus.mjs").RunningServer} */
let server;
/** @type {Awaited<ReturnType<typeof operatorOn>>} */
let operator;
/** @type {string[]} */
const dirs = [];

before(async () => {
  const dataDir = await tempDir("tus-client");
  dirs.push(dataDir);
  server = await serveData(dataDir, ["--public-rate-per-minute", "0"]);
  operator = await operatorOn(server);
});

after(async () => {
  try {
    await server?.stop();
  } finally {
    for (const dir of dirs) await fsp.rm(dir, { recursive: true, force: true });
  }
});

const endpoint = () => `${server.url}/api/v1/uploads`;
const RETRIES = [0, 200, 500];

/**
 * The error an upload that should fail failed with.
 * @param {Promise<unknown>} upload
 */
async function failure(upload) {
  return upload.then(
    () => assert.fail("the upload succeeded but should have been refused"),
    (error) => error,
  );
}

/**
 * Each good fixture goes up a different way tus-js-client can send it: from a file stream or
 * a buffer, in one PATCH or many, or with the first chunk inside the creation POST.
 * @type {Array<{ name: string, ext: string, filetype: string, how: string, options: import("tus-js-client").UploadOptions, stream: boolean }>}
 */
const GOOD = [
  { name: "android-vp8-opus.webm", ext: "webm", filetype: "video/webm", how: "a file stream in 64 KiB chunks", stream: true, options: { chunkSize: 64 * 1024 } },
  { name: "ios-h264-aac-rotated.mp4", ext: "mp4", filetype: "video/mp4", how: "a buffer in one PATCH", stream: false, options: {} },
  { name: "iphone-h264.mov", ext: "mov", filetype: "video/quicktime", how: "creation-with-upload, then 100 KB chunks", stream: false, options: { uploadDataDuringCreation: true, chunkSize: 100_000 } },
  { name: "no-audio.webm", ext: "webm", filetype: "video/webm", how: "a file stream in 16 KiB chunks", stream: true, options: { chunkSize: 16 * 1024 } },
  // Its header is valid; that it is cut short is for the media checks to find, not the upload.
  { name: "truncated.mp4", ext: "mp4", filetype: "video/mp4", how: "a buffer in 10 KB chunks", stream: false, options: { chunkSize: 10_000 } },
];

for (const { name, ext, filetype, how, options, stream } of GOOD) {
  test(`a recipient's ${name} sent by tus-js-client as ${how} is stored byte for byte and announced`, async () => {
    const source = await fsp.readFile(fixture(name));
    /** @type {string[]} */
    const patches = [];
    const { url } = await tusUpload(stream ? fs.createReadStream(fixture(name)) : source, {
      endpoint: endpoint(),
      metadata: { token: await operator.linkToken(), filename: name, filetype, consent: "yes" },
      retryDelays: RETRIES,
      onBeforeRequest: (req) => {
        if (req.getMethod() === "PATCH") patches.push(req.getHeader("Upload-Offset") ?? "?");
      },
      ...options,
    });
    const id = uploadIdOf(url);
    const stored = await storedFiles(server.dataDir, id, await operator.allEvents());
    assert.ok(stored.original, `videos/${id}/ holds the original; it has ${stored.videoFiles}`);
    assert.equal(path.basename(stored.original), `original.${ext}`);
    assert.equal(sha256(await fsp.readFile(stored.original)), sha256(source), "the stored original is the file sent");
    assert.equal(stored.part, null, "the part file became the original");
    if (options.chunkSize && !options.uploadDataDuringCreation) {
      assert.equal(patches.length, Math.ceil(source.length / options.chunkSize), `one PATCH a chunk: ${patches}`);
    }

    const events = await operator.allEvents();
    const received = events.find((e) => e.kind === "video_received" && e.upload_id === id);
    assert.ok(received, `a video_received event names upload ${id}`);
    assert.ok(received.video_id && received.video_id !== id, "the video has its own id, never the upload's");
    assert.equal(received.detail.size, source.length);
    assert.equal(received.detail.filename, name);
  });
}

test("a PNG renamed to .mp4 is refused as not_a_video, with a video_rejected event and nothing kept", async () => {
  const error = await failure(
    tusUpload(fs.createReadStream(fixture("not-a-video.mp4")), {
      endpoint: endpoint(),
      metadata: { token: await operator.linkToken(), filename: "not-a-video.mp4", filetype: "video/mp4" },
      retryDelays: RETRIES,
    }),
  );
  const { status, body, request } = failedResponse(error);
  assert.equal(status, 422);
  assert.equal(body?.error.code, "not_a_video");
  assert.match(body?.error.message ?? "", /PNG/, "the reason names what the file really is");
  assert.ok(String(error).includes(body?.error.message ?? "\0"), "tus-js-client passes the server's reason on");

  const id = uploadIdOf(request.getURL());
  const rejected = (await operator.allEvents()).find((e) => e.kind === "video_rejected" && e.upload_id === id);
  assert.ok(rejected, `a video_rejected event names upload ${id}`);
  assert.equal(rejected.detail.reason, body?.error.message);
  const stored = await storedFiles(server.dataDir, id, await operator.allEvents());
  assert.deepEqual(stored, { part: null, videoFiles: null, original: null }, "neither part file nor video is kept");
  assert.equal((await headUpload(request.getURL())).status, 404, "a refused upload cannot be resumed");
});

test("an empty file is refused when the upload is created", async () => {
  const before = await operator.allEvents();
  const error = await failure(
    tusUpload(fs.createReadStream(fixture("zero-bytes.webm")), {
      endpoint: endpoint(),
      metadata: { token: await operator.linkToken(), filename: "zero-bytes.webm" },
      retryDelays: RETRIES,
    }),
  );
  const { status, body, request } = failedResponse(error);
  assert.equal(request.getMethod(), "POST", "refused at creation, before any PATCH");
  assert.equal(status, 422);
  assert.match(body?.error.message ?? "", /empty/);
  const events = (await operator.allEvents()).slice(before.length);
  assert.ok(!events.some((e) => e.kind === "video_received"), `no video came of it: ${events.map((e) => e.kind)}`);
});

test("without a usable link token tus-js-client can start no upload", async () => {
  const revoked = await operator.linkToken();
  await operator.api.revokeLink(revoked);
  const before = await operator.allEvents();
  /** @type {Array<{ why: string, metadata: Record<string, string>, status: number, code: string }>} */
  const cases = [
    { why: "no token", metadata: { filename: "clip.webm" }, status: 401, code: "unauthorized" },
    { why: "an unknown token", metadata: { token: "AAAAAAAAAAAAAAAAAAAAAA", filename: "clip.webm" }, status: 404, code: "not_found" },
    { why: "a made-up token", metadata: { token: "../../etc/passwd", filename: "clip.webm" }, status: 404, code: "not_found" },
    { why: "a revoked link's token", metadata: { token: revoked, filename: "clip.webm" }, status: 404, code: "revoked" },
  ];
  for (const { why, metadata, status, code } of cases) {
    const error = await failure(
      tusUpload(await fsp.readFile(fixture("no-audio.webm")), { endpoint: endpoint(), metadata, retryDelays: RETRIES }),
    );
    const answer = failedResponse(error);
    assert.equal(answer.status, status, why);
    assert.equal(answer.body?.error.code, code, why);
  }
  const events = (await operator.allEvents()).slice(before.length);
  assert.deepEqual(events.map((e) => e.kind), [], "no upload was started");
  assert.deepEqual(await fsp.readdir(path.join(server.dataDir, "uploads")), [], "no part file was left behind");
});

test("a file over the server's --max-upload-bytes is refused with 413 before any byte is sent", async () => {
  const dataDir = await tempDir("tus-max-size");
  dirs.push(dataDir);
  const small = await serveData(dataDir, ["--max-upload-bytes", "100000", "--public-rate-per-minute", "0"]);
  try {
    const smallOperator = await operatorOn(small);
    /** @type {string[]} */
    const methods = [];
    const error = await failure(
      tusUpload(await fsp.readFile(fixture("android-vp8-opus.webm")), {
        endpoint: `${small.url}/api/v1/uploads`,
        metadata: { token: await smallOperator.linkToken(), filename: "android-vp8-opus.webm" },
        retryDelays: RETRIES,
        onBeforeRequest: (req) => void methods.push(req.getMethod()),
      }),
    );
    const { status, body } = failedResponse(error);
    assert.equal(status, 413);
    assert.equal(body?.error.code, "payload_too_large");
    assert.match(body?.error.message ?? "", /100000/, "the message names the limit");
    assert.deepEqual(methods, ["POST"], "refused at creation, and not retried");

    // The limit, not something else, refused it: a file under it goes through.
    const { url } = await tusUpload(await fsp.readFile(fixture("no-audio.webm")), {
      endpoint: `${small.url}/api/v1/uploads`,
      metadata: { token: await smallOperator.linkToken(), filename: "no-audio.webm" },
      retryDelays: RETRIES,
    });
    assert.ok((await storedFiles(dataDir, uploadIdOf(url), await smallOperator.allEvents())).original);
  } finally {
    await small.stop();
  }
});

test("a PATCH whose Upload-Checksum does not match is a 460 that keeps nothing; the right one goes on", async () => {
  const source = await fsp.readFile(fixture("ios-h264-aac-rotated.mp4"));
  const url = await createUpload(server.url, { length: source.length, token: await operator.linkToken(), filename: "ios.mp4" });
  const chunk = source.subarray(0, 100_000);
  const digest = (/** @type {string} */ algo, /** @type {Buffer} */ bytes) =>
    `${algo} ${crypto.createHash(algo).update(bytes).digest("base64")}`;

  const wrong = await patchUpload(url, 0, chunk, { "upload-checksum": digest("sha256", Buffer.from("other bytes")) });
  assert.equal(wrong.status, 460);
  assert.equal((await errorBody(wrong))?.error.code, "checksum_mismatch");
  assert.deepEqual(await headUpload(url), { status: 200, offset: 0 }, "the offset did not move");

  const right = await patchUpload(url, 0, chunk, { "upload-checksum": digest("sha256", chunk) });
  assert.equal(right.status, 204);
  assert.equal(right.headers.get("upload-offset"), "100000");
  const sha1 = await patchUpload(url, 100_000, source.subarray(100_000, 150_000), { "upload-checksum": digest("sha1", source.subarray(100_000, 150_000)) });
  assert.equal(sha1.status, 204, "sha1 is accepted too");

  // tus-js-client takes over the same upload from its URL and sends only the rest.
  /** @type {string[]} */
  const offsets = [];
  await tusUpload(source, {
    uploadUrl: url,
    retryDelays: RETRIES,
    onBeforeRequest: (req) => {
      if (req.getMethod() === "PATCH") offsets.push(req.getHeader("Upload-Offset") ?? "?");
    },
  });
  assert.deepEqual(offsets, ["150000"]);
  const stored = await storedFiles(server.dataDir, uploadIdOf(url), await operator.allEvents());
  assert.ok(stored.original);
  assert.equal(sha256(await fsp.readFile(stored.original)), sha256(source));
});

test("a second PATCH while one is writing gets 423 or 409 and none of its bytes get in", async () => {
  const source = await fsp.readFile(fixture("iphone-h264.mov"));
  const url = await createUpload(server.url, { length: source.length, token: await operator.linkToken(), filename: "iphone.mov" });
  const first = openPatch(url, 0, source.length);
  await first.write(source.subarray(0, 64 * 1024));
  // Wait until the server is really writing the first body before the second arrives.
  const deadline = Date.now() + 5000;
  while ((await headUpload(url)).offset === 0) {
    assert.ok(Date.now() < deadline, "the server never started writing the first PATCH");
    await sleep(20);
  }
  const second = await patchUpload(url, 0, Buffer.alloc(source.length, 2));
  assert.ok([423, 409].includes(second.status), `the second PATCH got ${second.status}`);
  assert.ok(["locked", "conflict"].includes((await errorBody(second))?.error.code ?? ""));

  await first.write(source.subarray(64 * 1024));
  first.end();
  assert.equal((await first.response).status, 204);
  const stored = await storedFiles(server.dataDir, uploadIdOf(url), await operator.allEvents());
  assert.ok(stored.original);
  assert.equal(sha256(await fsp.readFile(stored.original)), sha256(source), "only the first PATCH's bytes are stored");
});

test("a recipient who cancels terminates the upload: HEAD is 404 and the part file is gone", async () => {
  const source = await fsp.readFile(fixture("android-vp8-opus.webm"));
  const token = await operator.linkToken();
  /** @type {string | null} */
  let url = null;
  await new Promise((resolve, reject) => {
    const upload = new Upload(source, {
      endpoint: endpoint(),
      metadata: { token, filename: "android.webm" },
      chunkSize: 32 * 1024,
      retryDelays: RETRIES,
      onChunkComplete: () => {
        url = upload.url;
        upload.abort(true).then(resolve, reject);
      },
      onSuccess: () => reject(new Error("the upload finished although it was cancelled")),
      onError: reject,
    });
    upload.start();
  });
  assert.ok(url, "the upload had a URL before it was cancelled");
  const id = uploadIdOf(url);
  assert.equal((await headUpload(url)).status, 404);
  assert.deepEqual(await storedFiles(server.dataDir, id, await operator.allEvents()), { part: null, videoFiles: null, original: null });
  const events = await operator.allEvents();
  assert.ok(events.some((e) => e.kind === "upload_started" && e.upload_id === id));
  assert.ok(!events.some((e) => e.kind === "video_received" && e.upload_id === id));
});
