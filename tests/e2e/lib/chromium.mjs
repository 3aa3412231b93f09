// Debian's Chromium driven by playwright-core: never a downloaded browser.

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * `cameras`: how many fake cameras the page sees (Chromium's `device-count`; one by default),
 * so a phone's front and back camera can be played.
 * @param {{ fakeCamera?: boolean, cameras?: number }} [options]
 */
export async function launchChromium(options = {}) {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
  if (options.fakeCamera) {
    const devices = options.cameras && options.cameras > 1 ? `=device-count=${options.cameras}` : "";
    args.push("--use-fake-ui-for-media-stream", `--use-fake-device-for-media-stream${devices}`);
  }
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args,
  });
  return {
    context,
    async close() {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    },
  };
}
