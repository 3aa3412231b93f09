// The tus side of the upload tests: tus-js-client run to the end, tus requests made by hand
// for what a client never sends, video-like files of any size, and a TCP proxy that cuts a
// connection halfway.

import crypto from "node:crypto";
import { once } from "node:events";
import fs from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import * as tus from "tus-js-client";
import { createOperatorToken, operatorApi } from "./api.mjs";
import { fixturesDir } from "./paths.mjs";

/** @typedef {import("../../../ui/bindings/protocol.js").Event} FeedEvent */
/** @typedef {import("../../../ui/bindings/protocol.js").ErrorResponse} ErrorResponse */
/** @typedef {import("./server.mjs").RunningServer} RunningServer */

export const videoFixtures = path.join(fixturesDir, "videos");
export const TUS_RESUMABLE = { "tus-resumable": "1.0.0" };
const OCTETS = "application/offset+octet-stream";

/** @param {string} name a file in the shared video fixtures */
export function fixture(name) {
  return path.join(videoFixtures, name);
}

/** @param {string} purpose */
export async function tempDir(purpose) {
  return fs.mkdtemp(path.join(os.tmpdir(), `clipdesk-${purpose}-`));
}

/**
 * An operator with one campaign on `server`, who hands out a fresh link per upload (a link
 * takes only a few uploads).
 * @param {{ url: string, dataDir: string }} server
 * @param {string} [apiToken] an operator token made earlier on the same data folder
 */
export async function operatorOn(server, apiToken) {
  const token = apiToken ?? (await createOperatorToken(server.dataDir, "uploads-e2e"));
  const api = operatorApi(server.url, token);
  const slug = "uploads-e2e";
  await api.putCampaign(slug, { title: "Uploads", prompt: "Show us your kitchen.", max_duration_s: 60 });
  let issued = 0;
  return {
    api,
    apiToken: token,
    /** A new link's token. */
    async linkToken() {
      const link = await api.createLink(slug, { handle: `maker_${++issued}`, display_name: "Maya" });
      return link.token;
    },
    /** @param {number} count */
    async linkTokens(count) {
      const recipients = Array.from({ length: count }, () => ({ handle: `maker_${++issued}` }));
      return (await api.createLinks(slug, recipients)).map((link) => link.token);
    },
    /** Every event in the feed, oldest first. */
    async allEvents() {
      /** @type {FeedEvent[]} */
      const events = [];
      let after = 0;
      for (;;) {
        const page = await api.events({ after, limit: 1000 });
        events.push(...page.events);
        if (!page.more) return events;
        after = page.next_after;
      }
    },
  };
}

/** @param {Buffer} bytes */
export function sha256(bytes) {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/**
 * `size` random bytes that start like a real recording (the fixture's first 64 bytes, which
 * is all the server sniffs), so the finished upload is taken as a video.
 * @param {number} size
 * @param {string} [like]
 */
export async function videoLike(size, like = "android-vp8-opus.webm") {
  const head = (await fs.readFile(fixture(like))).subarray(0, 64);
  const bytes = crypto.randomBytes(size);
  head.copy(bytes, 0);
  return bytes;
}

/** @param {string} uploadUrl */
export function uploadIdOf(uploadUrl) {
  const id = new URL(uploadUrl).pathname.split("/").pop();
  if (!id) throw new Error(`no upload id in ${uploadUrl}`);
  return id;
}

/**
 * What the server keeps of an upload: its part file while receiving, its video folder after.
 * The video's folder is named by its own id (never the upload's), which the feed tells.
 * @param {string} dataDir
 * @param {string} id the upload's id
 * @param {FeedEvent[]} [events] the feed, to find the video the upload became
 */
export async function storedFiles(dataDir, id, events = []) {
  const exists = (/** @type {string} */ p) => fs.stat(p).then(() => true, () => false);
  const videoId = events.find((e) => e.kind === "video_received" && e.upload_id === id)?.video_id;
  const videoDir = videoId ? path.join(dataDir, "videos", videoId) : null;
  const videoFiles = videoDir && (await exists(videoDir)) ? await fs.readdir(videoDir) : null;
  const original = videoFiles?.find((name) => name.startsWith("original."));
  return {
    part: (await exists(path.join(dataDir, "uploads", id))) ? path.join(dataDir, "uploads", id) : null,
    /** The folder's files, or null when there is no `videos/<video id>/`. */
    videoFiles,
    original: videoDir && original ? path.join(videoDir, original) : null,
  };
}

/** @param {Record<string, string>} pairs */
export function encodeMetadata(pairs) {
  return Object.entries(pairs)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");
}

/**
 * Reads an answer's JSON error body, or null when it has none.
 * @param {Response} response
 * @returns {Promise<ErrorResponse | null>}
 */
export async function errorBody(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * `POST /api/v1/uploads` by hand; returns the upload's absolute URL.
 * @param {string} baseUrl
 * @param {{ length: number, token: string, filename?: string }} upload
 */
export async function createUpload(baseUrl, { length, token, filename = "clip.webm" }) {
  const response = await fetch(`${baseUrl}/api/v1/uploads`, {
    method: "POST",
    headers: {
      ...TUS_RESUMABLE,
      "upload-length": String(length),
      "upload-metadata": encodeMetadata({ token, filename }),
    },
  });
  const location = response.headers.get("location");
  if (response.status !== 201 || !location) {
    throw new Error(`creating an upload answered ${response.status}: ${await response.text()}`);
  }
  return new URL(location, baseUrl).toString();
}

/**
 * One `PATCH` by hand, body sent whole.
 * @param {string} uploadUrl
 * @param {number} offset
 * @param {Buffer} body
 * @param {Record<string, string>} [headers]
 */
export async function patchUpload(uploadUrl, offset, body, headers = {}) {
  return fetch(uploadUrl, {
    method: "PATCH",
    headers: { ...TUS_RESUMABLE, "content-type": OCTETS, "upload-offset": String(offset), ...headers },
    // A Buffer is a fine body; TypeScript's DOM types only doubt its ArrayBuffer kind.
    body: /** @type {Uint8Array<ArrayBuffer>} */ (body),
  });
}

/**
 * `HEAD` an upload: its status and, when found, its offset.
 * @param {string} uploadUrl
 */
export async function headUpload(uploadUrl) {
  const response = await fetch(uploadUrl, { method: "HEAD", headers: TUS_RESUMABLE });
  const offset = response.headers.get("upload-offset");
  return { status: response.status, offset: offset === null ? null : Number(offset) };
}

/**
 * A `PATCH` whose body the test writes piece by piece, so it stays in flight as long as the
 * test wants. `sent` counts the bytes handed to the socket: at most what the server received.
 * @param {string} uploadUrl
 * @param {number} offset
 * @param {number} length the body's Content-Length
 */
export function openPatch(uploadUrl, offset, length) {
  const request = http.request(uploadUrl, {
    method: "PATCH",
    headers: {
      ...TUS_RESUMABLE,
      "content-type": OCTETS,
      "upload-offset": String(offset),
      "content-length": String(length),
    },
  });
  /** @type {Promise<{ status: number, body: string }>} */
  const response = new Promise((resolve, reject) => {
    request.once("response", (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.once("error", reject);
    });
    request.once("error", reject);
  });
  // Callers that crash the server on purpose never await it.
  response.catch(() => {});
  let sent = 0;
  let answered = false;
  response.then(() => (answered = true), () => (answered = true));
  return {
    response,
    get sent() {
      return sent;
    },
    /** Writes `chunk` and waits until the socket took it (or the request ended). @param {Buffer} chunk */
    async write(chunk) {
      if (answered) return;
      sent += chunk.length;
      if (!request.write(chunk)) {
        await Promise.race([once(request, "drain"), response.then(() => {}, () => {})]);
      }
    },
    end() {
      request.end();
    },
  };
}

/**
 * Runs tus-js-client's Node `Upload` to the end: resolves with the upload's URL on success,
 * rejects with its (Detailed)Error.
 * @param {Buffer | import("node:fs").ReadStream} file
 * @param {tus.UploadOptions} options
 * @returns {Promise<{ url: string, upload: tus.Upload }>}
 */
export function tusUpload(file, options) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(/** @type {Buffer} */ (file), {
      ...options,
      onSuccess: () => {
        if (upload.url) resolve({ url: upload.url, upload });
        else reject(new Error("tus-js-client succeeded without an upload URL"));
      },
      onError: reject,
    });
    upload.start();
  });
}

/**
 * The answer to a tus-js-client request that failed: status and JSON body.
 * @param {unknown} error
 */
export function failedResponse(error) {
  if (!(error instanceof tus.DetailedError) || !error.originalResponse) {
    throw new Error(`expected a tus error with a server answer, got: ${error}`);
  }
  const response = error.originalResponse;
  /** @type {ErrorResponse | null} */
  let body = null;
  try {
    body = JSON.parse(response.getBody());
  } catch {
    // Not JSON: the assertions on `body` say so.
  }
  return { status: response.getStatus(), body, request: error.originalRequest };
}

/**
 * A TCP proxy in front of `targetUrl` that notes every request line it forwards and, once,
 * cuts both sockets after `cutAfter` bytes went through towards the server in all (headers
 * included: they are a few hundred bytes next to megabytes of body).
 * @param {string} targetUrl
 * @param {{ cutAfter: number }} options
 */
export async function cuttingProxy(targetUrl, { cutAfter }) {
  const target = new URL(targetUrl);
  /** @type {Array<{ method: string, path: string, afterCut: boolean }>} */
  const requests = [];
  const state = { forwarded: 0, cut: false, forwardedAfterCut: 0 };
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  const REQUEST_LINE = /(OPTIONS|POST|HEAD|PATCH|DELETE|GET) (\/\S*) HTTP\/1\.1\r\n/g;

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    // Request lines may straddle two reads; keep the end of the previous one.
    let tail = "";
    client.on("data", (chunk) => {
      let pass = chunk;
      let cutNow = false;
      if (!state.cut && state.forwarded + chunk.length >= cutAfter) {
        pass = chunk.subarray(0, cutAfter - state.forwarded);
        cutNow = true;
      }
      const text = tail + pass.toString("latin1");
      for (const match of text.matchAll(REQUEST_LINE)) {
        if ((match.index ?? 0) + match[0].length > tail.length) {
          requests.push({ method: match[1] ?? "", path: match[2] ?? "", afterCut: state.cut });
        }
      }
      tail = text.slice(-64);
      state.forwarded += pass.length;
      if (state.cut) state.forwardedAfterCut += pass.length;
      if (cutNow) {
        state.cut = true;
        upstream.write(pass, () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      if (!upstream.write(pass)) {
        client.pause();
        upstream.once("drain", () => client.resume());
      }
    });
    upstream.on("data", (chunk) => {
      if (!client.write(chunk)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      a.on("end", () => b.end());
      a.on("error", () => b.destroy());
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    /** Whether the cut happened, and how many bytes went towards the server before and after. */
    state,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
