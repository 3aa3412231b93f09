// The server's Debian package as an admin meets it: what it declares and holds, `apt-get
// install` with its dependencies checked, the unit `systemd-analyze verify` accepts, the
// installed binary started the way the unit starts it (as the `clipdesk` user, with the
// packaged config), /healthz, `doctor` and `token create`, then `apt-get purge`.
// Needs root (or sudo) and the .deb `./dev package` (or `./dev test package`) built.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { freePort, start, waitForPort } from "../lib/process.mjs";
import { repoRoot, targetDir } from "../lib/paths.mjs";

const PACKAGE = "clipdesk-server";
const BINARY = "/usr/bin/clipdesk-server";
const UNIT = "/usr/lib/systemd/system/clipdesk-server.service";
const CONFIG = "/etc/clipdesk-server/config.toml";
const STATE = "/var/lib/clipdesk-server";
const USER = "clipdesk";
const SUDO = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
// Another package test may hold the dpkg lock for a moment: wait for it instead of failing.
const APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300"];

/**
 * Runs a program to its end; never throws, so a failure's output lands in the assertion.
 * @param {string[]} argv
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
function run(argv, options = {}) {
  const [command, ...args] = argv;
  return new Promise((resolve) => {
    execFile(command, args, { maxBuffer: 16 << 20, env: options.env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err?.message ?? "") });
    });
  });
}

/** @param {string[]} argv */
const asRoot = (argv) => run([...SUDO, ...argv]);

/** @param {{ code: number, stdout: string, stderr: string }} result */
const shown = (result) => `exit ${result.code}\n${result.stdout}\n${result.stderr}`;

/** @param {string} file */
async function exists(file) {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The workspace version, which the package's version must carry. */
async function workspaceVersion() {
  const manifest = await fs.readFile(path.join(repoRoot, "Cargo.toml"), "utf8");
  const version = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(manifest)?.[1];
  if (!version) throw new Error("no version in [workspace.package] of Cargo.toml");
  return version;
}

/** @type {string} */
let deb = "";
/** @type {string} */
let version = "";
/** @type {string} */
let dataDir = "";
/** What the machine had before the test, so `after` leaves it as it was. */
const had = { user: false, state: false };
/** Set once this test ran `apt-get install`: only then does `after` purge. */
let installing = false;
/** @type {ReturnType<typeof start> | undefined} */
let server;

before(async () => {
  version = await workspaceVersion();
  const arch = (await run(["dpkg", "--print-architecture"])).stdout.trim();
  deb = path.join(targetDir, "debian", `${PACKAGE}_${version}-1_${arch}.deb`);
  if (!(await exists(deb))) {
    throw new Error(`${deb} is missing: build it first with ./dev package (or ./dev test package)`);
  }
  had.user = (await run(["getent", "passwd", USER])).code === 0;
  had.state = await exists(STATE);
  if ((await run(["dpkg-query", "-W", "-f=${Status}", PACKAGE])).stdout.includes("ok installed")) {
    throw new Error(`${PACKAGE} is already installed here: this test installs and purges it, so remove it first`);
  }
});

after(async () => {
  await server?.stop(15_000);
  if (dataDir) await asRoot(["rm", "-rf", dataDir]);
  if (!installing) return;
  if ((await run(["dpkg-query", "-W", "-f=${Status}", PACKAGE])).stdout.includes("ok installed")) {
    await asRoot([...APT, "purge", PACKAGE]);
  }
  // Purge keeps the team's data folder and its user on purpose; the test's own go.
  if (!had.state) await asRoot(["rm", "-rf", STATE]);
  if (!had.user) await asRoot(["deluser", "--system", "--quiet", USER]);
});

test("the package is versioned from the workspace and depends on ffmpeg", async () => {
  const fields = await run(["dpkg-deb", "-f", deb, "Package", "Version", "Depends", "Description"]);
  assert.equal(fields.code, 0, shown(fields));
  assert.match(fields.stdout, new RegExp(`^Version: ${version.replaceAll(".", "\\.")}-1$`, "m"));
  const depends = (await run(["dpkg-deb", "-f", deb, "Depends"])).stdout;
  assert.match(depends, /\bffmpeg\b/, "the server converts every video with ffmpeg");
  assert.match(depends, /\blibc6\b/, "$auto found the binary's shared libraries");
  assert.match(depends, /\badduser\b/, "postinst makes the clipdesk user with adduser");
  const description = (await run(["dpkg-deb", "-f", deb, "Description"])).stdout;
  assert.ok(description.split("\n").length > 5, `a real extended description:\n${description}`);
  assert.match(description, /recorder page/);
});

test("the package holds the binary, the systemd unit and the config file as a conffile", async () => {
  const listing = await run(["dpkg-deb", "-c", deb]);
  assert.equal(listing.code, 0, shown(listing));
  for (const file of [BINARY, UNIT, CONFIG]) {
    assert.match(listing.stdout, new RegExp(` \\.${file}$`, "m"), `${file} in the package`);
  }
  const conffiles = await run(["sh", "-c", 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles', "sh", deb]);
  assert.equal(conffiles.stdout.trim(), CONFIG, "an upgrade keeps the admin's edits");
});

test("apt installs it with its dependencies checked, makes the clipdesk user and says what to do next", async () => {
  installing = true;
  const install = await asRoot([...APT, "install", deb.startsWith("/") ? deb : `./${deb}`]);
  assert.equal(install.code, 0, shown(install));
  assert.match(install.stdout, /doctor/, "the post-install message names doctor");
  assert.match(install.stdout, /config\.toml/, "and the config file to edit");
  const user = await run(["getent", "passwd", USER]);
  assert.equal(user.code, 0, "the service user exists");
  const [, , uid, , , home, shell] = user.stdout.trim().split(":");
  assert.ok(Number(uid) < 1000, `a system user (uid ${uid})`);
  assert.equal(home, STATE);
  assert.match(shell, /nologin|false/, "nobody logs in as it");
  const stat = await fs.stat(STATE);
  if (!had.state) assert.equal(stat.mode & 0o777, 0o750, "the data folder is the service's own");
  const config = await fs.stat(CONFIG);
  assert.equal(config.mode & 0o777, 0o640, "the settings (a bucket's secret key among them) are not world-readable");
  assert.equal(config.uid, 0, "root owns the settings");
  assert.equal(String(config.gid), user.stdout.trim().split(":")[3], "the service's group reads them");
  const versionOut = await run([BINARY, "--version"]);
  assert.equal(versionOut.stdout.trim(), `clipdesk-server ${version}`, shown(versionOut));
});

test("systemd-analyze verify accepts the installed unit", async () => {
  const verify = await run(["systemd-analyze", "verify", UNIT]);
  console.log(`systemd-analyze verify ${UNIT}: exit ${verify.code}${verify.stderr ? `\n${verify.stderr}` : " (no output)"}`);
  assert.equal(verify.code, 0, shown(verify));
  assert.equal(verify.stderr.trim(), "", "no warning either");
  const unit = await fs.readFile(UNIT, "utf8");
  for (const line of ["User=clipdesk", "StateDirectory=clipdesk-server", "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict"]) {
    assert.match(unit, new RegExp(`^${line}$`, "m"));
  }
});

test("the installed server runs as the unit runs it, answers /healthz, and doctor and token create work as clipdesk", async () => {
  const unit = await fs.readFile(UNIT, "utf8");
  const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1].trim().split(/\s+/) ?? [];
  assert.deepEqual(execStart.slice(0, 3), [BINARY, "--config", CONFIG], "the unit runs the packaged config");
  const [, ...args] = execStart;
  // The unit's data folder is /var/lib/clipdesk-server; the test's is a fresh one, given the
  // way an admin overrides one key (environment wins over the file).
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "clipdesk-server-deb-"));
  const chown = await asRoot(["chown", `${USER}:${USER}`, dataDir]);
  assert.equal(chown.code, 0, shown(chown));
  const port = await freePort();
  const env = {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    CLIPDESK_DATA: dataDir,
    CLIPDESK_LISTEN: `127.0.0.1:${port}`,
    CLIPDESK_PUBLIC_URL: `http://127.0.0.1:${port}`,
  };
  // User=, UMask=0077, NoNewPrivileges= and the empty capability set, without systemd.
  const asService = [
    ...SUDO,
    "setpriv",
    `--reuid=${USER}`,
    `--regid=${USER}`,
    "--init-groups",
    "--no-new-privs",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--",
    "sh",
    "-c",
    'umask 0077 && exec "$@"',
    "sh",
    BINARY,
  ];
  server = start(asService[0], [...asService.slice(1), ...args], { env });
  await waitForPort(port, 20_000).catch((err) => {
    throw new Error(`${err.message}\n${server?.output()}`);
  });
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  const body = await health.json();
  assert.match(String(body.instance_id), /\S/, `an instance id: ${JSON.stringify(body)}`);

  const serviceRun = (/** @type {string[]} */ argv) => run([...asService, "--config", CONFIG, ...argv], { env });
  const doctor = await serviceRun(["doctor"]);
  console.log(`doctor, as clipdesk with the packaged config:\n${doctor.stdout}`);
  assert.equal(doctor.code, 0, `doctor passes on the installed package:\n${shown(doctor)}`);
  assert.match(doctor.stdout, /^ok +ffmpeg: /m, shown(doctor));
  assert.match(doctor.stdout, /^ok +public URL: /m, "it reaches this very server");
  const token = await serviceRun(["token", "create", "--name", "ana"]);
  assert.equal(token.code, 0, shown(token));
  const apiToken = token.stdout.trim().split("\n").at(-1) ?? "";
  const events = await fetch(`http://127.0.0.1:${port}/api/v1/events?after=0&limit=1`, {
    headers: { authorization: `Bearer ${apiToken}` },
  });
  assert.equal(events.status, 200, "the running server accepts the token the admin made");

  const owners = await run(["find", dataDir, "!", "-user", USER]);
  assert.equal(owners.stdout.trim(), "", "every file of the data folder belongs to clipdesk");

  const { code, signal } = /** @type {{ code: number | null, signal: string | null }} */ (await server.stop(15_000));
  assert.equal(code, 0, `SIGTERM (systemctl stop) is a clean exit, not ${code ?? signal}:\n${server.output()}`);
});

test("apt-get purge removes the binary and the config, and keeps the data folder", async () => {
  const purge = await asRoot([...APT, "purge", PACKAGE]);
  assert.equal(purge.code, 0, shown(purge));
  assert.equal(await exists(BINARY), false, "the binary is gone");
  assert.equal(await exists(UNIT), false, "the unit is gone");
  assert.equal(await exists(CONFIG), false, "purge removes the conffile");
  assert.equal(await exists(STATE), true, "the team's videos are never deleted by a purge");
});
