// The desktop app as an operator gets it: the .deb and .rpm that `./dev package` builds with
// Tauri's bundler, what they declare, and the .deb installed with apt-get, started from
// /usr/bin/clipdesk through tauri-driver, and removed again.

import assert from "node:assert/strict";
import { execFile as execFileCallback, execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { By, until } from "selenium-webdriver";
import { startDesktop } from "../lib/desktop.mjs";
import { artifactsDir, repoRoot, targetDir } from "../lib/paths.mjs";

const execFile = promisify(execFileCallback);

const INSTALLED_BIN = "/usr/bin/clipdesk";
const bundleDir = path.join(targetDir, "release", "bundle");

/** @type {string} the workspace's version, which names the packages */
let version;
/** @type {string} */
let deb;
/** @type {string} */
let rpm;
/** @type {string} a fresh HOME (and XDG folders inside it) for the installed app */
let home;
/** @type {boolean} set when apt-get starts installing the package, so `after` removes it */
let installed = false;

/** Runs a command as root: directly when the tests run as root, else through sudo. */
function asRoot(/** @type {string} */ command, /** @type {string[]} */ args) {
  return process.getuid?.() === 0 ? execFile(command, args) : execFile("sudo", [command, ...args]);
}

/** apt-get, waiting for the dpkg lock when another install is running meanwhile. */
function aptGet(/** @type {string[]} */ args) {
  return asRoot("apt-get", ["-o", "DPkg::Lock::Timeout=300", "-y", "-q", ...args]);
}

/** One control field of a .deb (`dpkg-deb -f`). */
function debField(/** @type {string} */ file, /** @type {string} */ field) {
  return execFileSync("dpkg-deb", ["-f", file, field], { encoding: "utf8" }).trim();
}

/** The package names in a Depends line (alternatives and version constraints dropped). */
function dependsNames(/** @type {string} */ line) {
  return line
    .split(",")
    .flatMap((part) => part.split("|"))
    .map((name) => name.trim().replace(/\s*\(.*\)$/, ""))
    .filter(Boolean);
}

/** dpkg's status line for clipdesk ("" when dpkg has never heard of it). */
function packageStatus() {
  return spawnSync("dpkg-query", ["-W", "-f=${Status}", "clipdesk"], { encoding: "utf8" }).stdout ?? "";
}

/** A bundle the tests need, or an error that says how to build it. */
async function bundle(/** @type {string} */ kind, /** @type {string} */ name) {
  const file = path.join(bundleDir, kind, name);
  await fs.access(file).catch(() => {
    throw new Error(`${file} is missing: build it with ./dev package (CARGO_TARGET_DIR=${targetDir})`);
  });
  return file;
}

before(async () => {
  const cargo = await fs.readFile(path.join(repoRoot, "Cargo.toml"), "utf8");
  const found = /\[workspace\.package\][^[]*?version = "([^"]+)"/.exec(cargo)?.[1];
  if (!found) throw new Error("no version in Cargo.toml's [workspace.package]");
  version = found;
  deb = await bundle("deb", `clipdesk_${version}_amd64.deb`);
  rpm = await bundle("rpm", `clipdesk-${version}-1.x86_64.rpm`);
  home = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-installed-home-"));
});

after(async () => {
  // Also when a test failed half way: the machine keeps no clipdesk package.
  try {
    if (installed) {
      await aptGet(["remove", "clipdesk"]);
      await assert.rejects(fs.access(INSTALLED_BIN), { code: "ENOENT" }, `${INSTALLED_BIN} is gone`);
    }
  } finally {
    if (home) await fs.rm(home, { recursive: true, force: true });
  }
});

test("the .deb is named with the workspace version and describes the app", () => {
  assert.equal(debField(deb, "Package"), "clipdesk");
  assert.equal(debField(deb, "Version"), version);
  assert.equal(debField(deb, "Architecture"), "amd64");
  const description = debField(deb, "Description");
  assert.match(description, /^Hand out TikTok outreach links, collect the videos, review them\n/);
  assert.match(description, /Operators work through a queue of TikTok users/);
  const files = execFileSync("dpkg-deb", ["-c", deb], { encoding: "utf8" });
  assert.match(files, /\s(\.\/)?usr\/bin\/clipdesk$/m, "the app lands in /usr/bin");
  assert.match(files, /\s(\.\/)?usr\/share\/applications\/clipdesk\.desktop$/m, "with a menu entry");
});

test("the .deb depends on WebKitGTK, ffmpeg and the GStreamer plugins that play H.264 and AAC", () => {
  const depends = dependsNames(debField(deb, "Depends"));
  for (const name of [
    "libwebkit2gtk-4.1-0",
    "libgtk-3-0",
    "ffmpeg",
    "gstreamer1.0-plugins-good",
    "gstreamer1.0-plugins-bad",
    "gstreamer1.0-libav",
  ]) {
    assert.ok(depends.includes(name), `Depends has ${name}: ${depends.join(", ")}`);
  }
});

test("the .rpm is built beside it, requiring ffmpeg and the GStreamer plugins under Fedora's names", async () => {
  const { size } = await fs.stat(rpm);
  assert.ok(size > 1_000_000, `${rpm} holds the app (${size} bytes)`);
  // ./dev installs Debian's rpm tool for this suite.
  const requires = execFileSync("rpm", ["-qp", "--requires", rpm], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  for (const name of ["/usr/bin/ffmpeg", "gstreamer1-plugins-good", "gstreamer1-plugins-bad-free", "gstreamer1-plugin-libav"]) {
    assert.match(requires, new RegExp(`^${name.replace(/[.]/g, "\\.")}\\b`, "m"), `requires ${name}`);
  }
});

test("installed with apt-get, /usr/bin/clipdesk opens on the Queue with its own server", async (t) => {
  const startedAt = performance.now();
  installed = true; // from here on `after` removes it, even after a failed install
  await aptGet(["install", deb]);
  const installedVersion = execFileSync("dpkg-query", ["-W", "-f=${Version}", "clipdesk"], { encoding: "utf8" });
  assert.equal(installedVersion, version);
  const installSeconds = (performance.now() - startedAt) / 1000;

  // A user's first start: nothing in HOME. The data folder is the one the app picks by
  // itself under XDG_DATA_HOME (named so the helpers find the app's process by it).
  const xdgData = path.join(home, ".local", "share");
  const dataDir = path.join(xdgData, "dev.clipdesk.desktop");
  const app = await startDesktop({
    dataDir,
    application: INSTALLED_BIN,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_DATA_HOME: xdgData,
      XDG_CACHE_HOME: path.join(home, ".cache"),
      XDG_STATE_HOME: path.join(home, ".local", "state"),
    },
  });
  try {
    const { driver } = app;
    const queue = await driver.wait(until.elementLocated(By.css("[data-testid=queue]")), 20_000, "the Queue never showed");
    await driver.wait(until.elementIsVisible(queue), 10_000, "the Queue is in the page but not shown");
    const seconds = (performance.now() - startedAt) / 1000;
    const line = `install to first window: ${seconds.toFixed(1)} s (apt-get install ${installSeconds.toFixed(1)} s)`;
    t.diagnostic(line);
    console.log(line);
    await app.screenshot("package-installed-queue");
    // What the display shows, beside what WebKit painted: the installed window itself.
    execFileSync("import", ["-window", "root", path.join(artifactsDir, "package-installed-queue-display.png")]);
    assert.equal((await driver.findElements(By.css("[data-testid=first-run]"))).length, 0, "the first run is over");

    await driver.findElement(By.css("nav a[data-screen=settings]")).click();
    const shown = await driver.wait(until.elementLocated(By.css("[data-testid=app-version]")), 10_000);
    assert.equal(await shown.getText(), version, "the installed build is this version");
    assert.match(await driver.findElement(By.css("[data-testid=server-mode]")).getText(), /embedded/);
    const url = await driver.findElement(By.css("[data-testid=server-url]")).getText();
    assert.equal((await fetch(`${url}/healthz`)).status, 200, "the embedded server answers");
    const files = await fs.readdir(dataDir);
    assert.ok(files.includes("clipdesk.sqlite3"), `the app keeps its data under XDG_DATA_HOME: ${files.join(", ")}`);
  } finally {
    await app.stop();
  }
});

test("apt-get remove takes /usr/bin/clipdesk away", async () => {
  assert.equal(packageStatus(), "install ok installed", "the install test installed the package");
  await aptGet(["remove", "clipdesk"]);
  installed = false;
  await assert.rejects(fs.access(INSTALLED_BIN), { code: "ENOENT" }, `${INSTALLED_BIN} is gone`);
  assert.doesNotMatch(packageStatus(), /install ok installed/, "dpkg no longer lists clipdesk as installed");
});
