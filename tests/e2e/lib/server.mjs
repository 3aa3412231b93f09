// The real clipdesk-server binary on a random port: over a folder the caller keeps (so it
// can be killed and restarted on the same data), or over a fresh one of its own.

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { serverBin } from "./paths.mjs";
import { start } from "./process.mjs";

/** @typedef {Awaited<ReturnType<typeof serveData>>} RunningServer */

/**
 * The real server on a random port over `dataDir`. Unlike `startServer` the folder is the
 * caller's: it outlives the process, so a restart after a crash finds what was left in it.
 * @param {string} dataDir
 * @param {string[]} [flags] more `serve` flags, e.g. `["--max-upload-bytes", "1000"]`
 * @param {Record<string, string>} [env] more environment for the server
 */
export async function serveData(dataDir, flags = [], env = {}) {
  const proc = start(
    serverBin,
    ["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--data", dataDir, ...flags],
    { env: { ...process.env, RUST_LOG: "info", ...env } },
  );
  const stderr = proc.child.stderr;
  if (!stderr) throw new Error("server stderr is not piped");
  /** @type {string} */
  const addr = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${proc.output()}`)), 20_000);
    proc.exited.then(() => reject(new Error(`server exited at start:\n${proc.output()}`)));
    readline.createInterface({ input: stderr }).on("line", (line) => {
      try {
        const addr = JSON.parse(line)?.fields?.addr;
        if (addr) {
          clearTimeout(timer);
          resolve(addr);
        }
      } catch {
        // Not a JSON log line (a panic message, say): kept in proc.output().
      }
    });
  });
  let killed = false;
  return {
    url: `http://${addr}`,
    dataDir,
    output: proc.output,
    /**
     * SIGTERM, SIGKILL after 10 s; throws unless the server exited cleanly or was killed by
     * `kill()`. Leaves the data folder. (Not `proc.stop()`: its grace timer keeps Node alive.)
     */
    async stop() {
      const child = proc.child;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await proc.exited;
        clearTimeout(timer);
      }
      const { code, signal } = /** @type {{ code: number | null, signal: string | null }} */ (await proc.exited);
      if (code !== 0 && !killed) throw new Error(`server exited with ${code ?? signal}:\n${proc.output()}`);
    },
    /** SIGKILL: the crash, with no chance to finish anything. */
    async kill() {
      killed = true;
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/**
 * The real server on a random port with a fresh data folder of its own, removed at `stop()`.
 * @param {{ env?: Record<string, string> }} [options]
 */
export async function startServer(options = {}) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-server-e2e-"));
  const server = await serveData(dataDir, [], options.env);
  return {
    ...server,
    async stop() {
      try {
        await server.stop();
      } finally {
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
