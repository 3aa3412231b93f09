// The real clipdesk-server binary on a random port with a fresh data folder.

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { serverBin } from "./paths.mjs";
import { start } from "./process.mjs";

/** @param {{ env?: Record<string, string> }} [options] */
export async function startServer(options = {}) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-server-e2e-"));
  const proc = start(
    serverBin,
    ["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--data", dataDir],
    { env: { ...process.env, RUST_LOG: "info", ...options.env } },
  );
  const stderr = proc.child.stderr;
  if (!stderr) throw new Error("server stderr is not piped");
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
  return {
    url: `http://${addr}`,
    dataDir,
    output: proc.output,
    async stop() {
      const { code, signal } = await proc.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`server exited with ${code ?? signal}:\n${proc.output()}`);
    },
  };
}
