// Where the things under test live, relative to the repository root.

import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, "target");
export const serverBin = path.join(targetDir, "debug", "clipdesk-server");
export const desktopBin = path.join(targetDir, "debug", "clipdesk");
export const artifactsDir = path.join(repoRoot, "tests", "e2e", "artifacts");
export const fixturesDir = path.resolve(repoRoot, "tests", "fixtures");
