// Figure 4: the binary's size as built and stripped.

import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "../../tests/e2e/lib/paths.mjs";
import { appBin } from "./knobs.mjs";

export async function binarySize(/** @type {string} */ work) {
  const built = (await fs.stat(appBin)).size;
  const copy = path.join(work, "clipdesk.stripped");
  await fs.copyFile(appBin, copy);
  execFileSync("strip", ["--strip-all", copy]);
  const stripped = (await fs.stat(copy)).size;
  const describe = (/** @type {string} */ file) => execFileSync("file", ["-b", file], { encoding: "utf8" }).trim();
  const cargoToml = await fs.readFile(path.join(repoRoot, "Cargo.toml"), "utf8");
  const profile = /\[profile\.release\][^[]*/.exec(cargoToml)?.[0].trim() ?? "(none)";
  const result = { built, stripped, builtFile: describe(appBin), strippedFile: describe(copy), profile };
  await fs.rm(copy);
  return result;
}
