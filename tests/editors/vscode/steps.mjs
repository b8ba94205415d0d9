// The steps of the VS Code end-to-end story (run by e2e.mjs): each proves one thing a user
// sees in real VS Code, in order; `ctx` carries the page, the workspace and the results.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  apiRequests,
  daemonProcesses,
  daemonStarts,
  serverLog,
} from "./harness.mjs";
import {
  editorLines,
  lensTitles,
  lensesAbove,
  ourToasts,
  poll,
  problemRows,
  problemsStatus,
  quickOpen,
  runCommand,
  showProblems,
  switchTab,
  toasts,
  waitUntil,
} from "./workbench.mjs";
import { MULTIROOT_STEPS } from "./multiroot.mjs";

const MULTIPLY = "Add `multiply(a, b)` to calc.py";
const DIVIDE = "Add `divide(a, b)`";
const API_KEY = "sk-e2e-0123456789abcdef";

const onDisk = (ctx, file) => readFileSync(join(ctx.workspace, file), "utf8");

/** Fails at once when the extension shows an error or a warning toast. */
async function failOnOurErrors(ctx) {
  const bad = await ctx.page.$$eval(".notification-toast", (els) =>
    els
      .filter((e) => e.querySelector(".codicon-error, .codicon-warning"))
      .map((e) => (e.innerText ?? "").replace(/\s+/g, " ").trim())
      .filter((t) => /roadmapd|Roadmap/.test(t)),
  );
  if (bad.length > 0) {
    throw new Error(`the extension says: ${bad.join(" | ")}`);
  }
}

// ---- steps: each proves one thing a user sees --------------------------------------------------

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
  await ctx.page
    .locator(".monaco-workbench")
    .click({ position: { x: 700, y: 450 } });
  await quickOpen(ctx.page, "ROADMAP.md", "Calculator roadmap");
}

export async function waitForLenses(ctx) {
  // ▶ Run task on multiply, ⏸ waits for multiply on divide; an error toast ends the wait early.
  const probe = async () => {
    await failOnOurErrors(ctx);
    return {
      multiply: await lensesAbove(ctx.page, MULTIPLY),
      divide: await lensesAbove(ctx.page, DIVIDE),
    };
  };
  const seen = await waitUntil(
    ctx.page,
    probe,
    (s) =>
      s.multiply.includes("▶ Run task") &&
      s.divide.some((t) => t.includes("waits for multiply")),
    90000,
    'expected "▶ Run task" on multiply and "⏸ waits for multiply" on divide',
  );
  ctx.result.lenses = seen;
}

async function bundledDaemonRuns(ctx) {
  // The daemon that made those lenses is the .vsix's own: the bare interpreter runs it with the
  // installed extension's bundled/libs first on sys.path; it has the bundled pydantic-core
  // loaded; on its PATH there is no roadmapd and no interpreter that can import one.
  const [daemon, ...more] = daemonProcesses(ctx);
  if (daemon === undefined || more.length > 0) {
    throw new Error(
      `expected one daemon process, found ${JSON.stringify(daemonProcesses(ctx))}`,
    );
  }
  const libs = join(
    ctx.extensions,
    readdirSync(ctx.extensions).find((d) => d.startsWith("roadmapd.roadmapd-")),
    "bundled/libs",
  );
  const onPath = daemon.path
    .split(":")
    .filter((dir) => dir && existsSync(join(dir, "roadmapd")));
  const importers = ["python3", "python"]
    .flatMap((name) => daemon.path.split(":").map((dir) => join(dir, name)))
    .filter((exe) => existsSync(exe))
    .filter(
      (exe) =>
        spawnSync(exe, ["-c", "import roadmapd"], { stdio: "ignore" })
          .status === 0,
    );
  ctx.result.daemon = {
    pid: daemon.pid,
    interpreter: daemon.argv[0],
    flags: daemon.argv.slice(1, 4),
    bootstrap: daemon.argv[4],
    path: daemon.path,
    roadmapdOnPath: onPath,
    pythonsThatImportRoadmapd: importers,
    bundledLibs: libs,
    bundledModulesLoaded: daemon.maps.filter((f) => f.startsWith(libs)),
  };
  const log = serverLog(ctx);
  if (daemon.argv[0] !== ctx.interpreter) {
    throw new Error(
      `the daemon runs on ${daemon.argv[0]}, not ${ctx.interpreter}`,
    );
  }
  if (!daemon.argv[4]?.includes(JSON.stringify(libs))) {
    throw new Error(
      `the daemon does not import from ${libs}: ${daemon.argv[4]}`,
    );
  }
  if (ctx.result.daemon.bundledModulesLoaded.length === 0) {
    throw new Error(`no compiled module of ${libs} is loaded by the daemon`);
  }
  if (onPath.length > 0 || importers.length > 0) {
    throw new Error(
      `roadmapd is reachable from the daemon's PATH: ${JSON.stringify(ctx.result.daemon)}`,
    );
  }
  if (!log.includes(`Starting ${ctx.interpreter} with the bundled roadmapd`)) {
    throw new Error(
      "the Roadmap Server log does not say the bundled roadmapd started",
    );
  }
}

async function nudgeLenses(ctx) {
  // An edit and its undo make VS Code ask for lenses again, whatever the daemon sends.
  await ctx.page
    .locator(".view-line", { hasText: "Calculator roadmap" })
    .click();
  await ctx.page.keyboard.press("End");
  await ctx.page.keyboard.type(" ");
  await ctx.page.keyboard.press("Backspace");
  await ctx.page.keyboard.press("Control+S");
}

async function settingsReachDaemonWithoutReload(ctx) {
  // Workspace setting roadmapd.roadmaps -> PLAN.md: the same daemon process (no reload) stops
  // treating ROADMAP.md as a roadmap and its lenses go; remove the setting and they return.
  const dir = join(ctx.workspace, ".vscode");
  const hasRun = (titles) => titles.includes("▶ Run task");
  const until = async (predicate, what) => {
    const { ok, value } = await poll(
      ctx.page,
      async () => {
        await nudgeLenses(ctx);
        return lensTitles(ctx.page);
      },
      predicate,
      30000,
    );
    if (!ok) {
      throw new Error(`${what}; lenses: ${JSON.stringify(value)}`);
    }
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "settings.json"),
    JSON.stringify({ "roadmapd.roadmaps": ["PLAN.md"] }),
  );
  await until((t) => !hasRun(t), "lenses stayed after roadmaps -> PLAN.md");
  writeFileSync(join(dir, "settings.json"), "{}");
  await until(hasRun, "lenses did not return after roadmaps was removed");
  if (daemonStarts(ctx) !== 1) {
    throw new Error(
      `expected one daemon start, the log shows ${daemonStarts(ctx)}`,
    );
  }
}

export async function setApiKey(ctx) {
  // The key goes into SecretStorage and restarts the daemon with it as ANTHROPIC_API_KEY (the
  // fake API answers 401 without one, so the run below proves it arrived).
  await runCommand(ctx.page, "Roadmap: Set API Key");
  await ctx.page
    .locator(".quick-input-widget input[type=password]")
    .waitFor({ state: "visible" });
  await ctx.page.keyboard.type(API_KEY);
  await ctx.page.keyboard.press("Enter");
  await waitUntil(
    ctx.page,
    async () => ({
      toasts: await ourToasts(ctx.page),
      starts: daemonStarts(ctx),
    }),
    // each daemon started once, then again with the key
    (s) =>
      s.toasts.some((t) => t.includes("API key saved")) &&
      s.starts === 2 * (ctx.daemons ?? 1),
    60000,
    "no 'API key saved' message and daemon restart",
  );
  await waitUntil(
    ctx.page,
    () => lensesAbove(ctx.page, MULTIPLY),
    (t) => t.includes("▶ Run task"),
    60000,
    "no lenses after the daemon restarted",
  );
  await runCommand(ctx.page, "Notifications: Clear All Notifications");
  if (serverLog(ctx).includes(API_KEY)) {
    throw new Error("the API key appears in the Roadmap Server log");
  }
}

export async function runTaskFromLens(ctx) {
  await showProblems(ctx.page);
  await ctx.page
    .locator(".codelens-decoration a", { hasText: "▶ Run task" })
    .first()
    .click();
  ctx.result.running = await waitUntil(
    ctx.page,
    async () => {
      await failOnOurErrors(ctx);
      return lensesAbove(ctx.page, MULTIPLY);
    },
    (t) => t.includes("■ Cancel"),
    60000,
    'no "■ Cancel" lens on multiply after the click',
  );
}

async function problemsShowTheFailure(ctx) {
  // Attempt 1 fails its pytest check: the failure on test_calc.py and the summary on the task
  // line stay in the Problems panel while attempt 2 runs (the fake API answers it after 10 s).
  // The lens meanwhile shows the automatic retry under way.
  const seen = await waitUntil(
    ctx.page,
    async () => ({
      rows: await problemRows(ctx.page),
      status: await problemsStatus(ctx.page),
      lenses: await lensesAbove(ctx.page, MULTIPLY),
    }),
    (s) =>
      s.rows.some((r) => r.includes("assert 81 == 12")) &&
      s.rows.some((r) => r.includes("failed verification")) &&
      s.lenses.some((t) => t.startsWith("attempt 2")),
    90000,
    "the Problems panel never showed multiply's pytest failure during attempt 2",
  );
  ctx.result.failure = seen;
  if (!/Errors: [1-9]|[1-9]/.test(seen.status)) {
    throw new Error(`the status bar shows no error: ${seen.status}`);
  }
}

export async function retryPassesAndTicks(ctx) {
  const seen = await waitUntil(
    ctx.page,
    async () => {
      await failOnOurErrors(ctx);
      return {
        lines: (await editorLines(ctx.page)).filter((l) =>
          l.includes("multiply"),
        ),
        lenses: await lensesAbove(ctx.page, MULTIPLY),
        divide: await lensesAbove(ctx.page, DIVIDE),
        rows: await problemRows(ctx.page),
      };
    },
    (s) =>
      s.lines.some((l) => l.startsWith(`- [x] ${MULTIPLY}`)) &&
      s.lenses.some((t) => /^✓ (passed|committed)/.test(t)) &&
      s.divide.includes("▶ Run task") &&
      !s.rows.some((r) => r.includes("assert 81 == 12")),
    120000,
    "the retry did not pass, tick the box, show ✓ passed and clear the failure",
  );
  ctx.result.passed = seen;
  if (!onDisk(ctx, "ROADMAP.md").includes(`- [x] ${MULTIPLY}`)) {
    throw new Error("ROADMAP.md on disk is not ticked");
  }
  const requests = apiRequests(ctx).filter((r) => r.path === "/v1/messages");
  ctx.result.apiRequests = requests.length;
  // The fake answers 401 without a key; its log redacts the key (anthropic 2.12 sends it as
  // "Authorization: Bearer") but keeps the header.
  const keyed = (r) =>
    r.headers.authorization === "[redacted]" ||
    r.headers["x-api-key"] === "[redacted]";
  if (requests.length === 0 || !requests.every(keyed)) {
    throw new Error("a request to the API carried no API key");
  }
}

async function openChangedFile(ctx) {
  await quickOpen(ctx.page, "calc.py", "def multiply");
  const lines = await editorLines(ctx.page);
  if (!lines.some((l) => l.includes("return a * b"))) {
    throw new Error(`calc.py does not show the fix: ${JSON.stringify(lines)}`);
  }
}

async function rollBackFromPalette(ctx) {
  await runCommand(ctx.page, "Roadmap: Roll Back Task");
  const item = ctx.page
    .locator(".quick-input-list .monaco-list-row", { hasText: "multiply" })
    .first();
  await item.waitFor();
  ctx.result.rollbackPick = (await item.innerText()).replace(/\s+/g, " ");
  await item.click();
  const dialog = ctx.page.locator(".monaco-dialog-box");
  await dialog.waitFor({ state: "visible" });
  ctx.result.rollbackDialog = (await dialog.innerText()).replace(/\s+/g, " ");
  await dialog
    .locator(".monaco-button", { hasText: "Roll Back" })
    .first()
    .click();
  const shown = await waitUntil(
    ctx.page,
    () => toasts(ctx.page),
    (t) =>
      t.some(
        (x) =>
          x.includes("Roadmap: rolled back multiply") && x.includes("Undo"),
      ),
    60000,
    "no rollback message with Undo",
  );
  ctx.result.rollbackMessage = shown.find((x) =>
    x.includes("Roadmap: rolled back"),
  );
}

async function fileRestored(ctx) {
  // calc.py on disk and in its (clean) editor is the pre-task text; the user's untracked
  // .vscode/settings.json is still there.
  const seen = await waitUntil(
    ctx.page,
    async () => ({
      disk: onDisk(ctx, "calc.py"),
      editor: await editorLines(ctx.page),
    }),
    (s) =>
      s.disk === ctx.original["calc.py"] &&
      !s.editor.some((l) => l.includes("multiply")) &&
      s.editor.some((l) => l.includes("return a + b")),
    60000,
    "calc.py was not restored on disk and in the editor",
  );
  ctx.result.calcAfterRollback = seen.editor;
  ctx.result.gitStatusAfterRollback = execFileSync(
    "git",
    ["-C", ctx.workspace, "status", "--porcelain"],
    { encoding: "utf8" },
  );
  if (onDisk(ctx, "test_calc.py") !== ctx.original["test_calc.py"]) {
    throw new Error("test_calc.py was not restored");
  }
  if (!existsSync(join(ctx.workspace, ".vscode/settings.json"))) {
    throw new Error("the rollback removed the untracked .vscode/settings.json");
  }
}

async function boxUnticked(ctx) {
  await switchTab(ctx.page, "ROADMAP.md", "Calculator roadmap");
  const seen = await waitUntil(
    ctx.page,
    async () => ({
      lines: (await editorLines(ctx.page)).filter((l) =>
        l.includes("multiply"),
      ),
      lenses: await lensesAbove(ctx.page, MULTIPLY),
    }),
    (s) =>
      s.lines.some((l) => l.startsWith(`- [ ] ${MULTIPLY}`)) &&
      s.lenses.some((t) => t.includes("rolled back")),
    60000,
    "the box is not unticked with a ⟲ rolled back lens",
  );
  ctx.result.rolledBack = seen;
  if (onDisk(ctx, "ROADMAP.md") !== ctx.original["ROADMAP.md"]) {
    throw new Error("ROADMAP.md on disk differs from the original");
  }
}

export async function noErrorNotifications(ctx) {
  ctx.result.notifications = await ourToasts(ctx.page);
  await failOnOurErrors(ctx);
}

export { failOnOurErrors };

export const STEPS = [
  openWorkspace,
  openRoadmap,
  waitForLenses,
  bundledDaemonRuns,
  settingsReachDaemonWithoutReload,
  setApiKey,
  runTaskFromLens,
  problemsShowTheFailure,
  retryPassesAndTicks,
  openChangedFile,
  rollBackFromPalette,
  fileRestored,
  boxUnticked,
  noErrorNotifications,
];

async function noInterpreterError(ctx) {
  // One error toast: the bundled daemon needs Python >= 3.11, what was tried and why; its
  // "Open Docs" button opens the docs' interpreter section. No daemon was started.
  const shown = await waitUntil(
    ctx.page,
    () => ourToasts(ctx.page),
    (t) => t.some((x) => x.includes("needs Python 3.11 or newer")),
    90000,
    "no error message about the missing Python 3.11",
  );
  const seen = {
    message: shown.find((x) => x.includes("needs Python 3.11 or newer")),
    starts: daemonStarts(ctx),
    processes: daemonProcesses(ctx).length,
  };
  ctx.result.noInterpreter = seen;
  const toast = ctx.page.locator(".notification-toast", {
    hasText: "needs Python 3.11 or newer",
  });
  // No network here: answer the docs site locally, so the opened tab keeps its URL.
  await ctx.page
    .context()
    .route("https://github.com/**", (route) =>
      route.fulfill({ contentType: "text/html", body: "<h1>docs</h1>" }),
    );
  const opened = async (click) => {
    const popup = ctx.page.context().waitForEvent("page", { timeout: 30000 });
    await click();
    const page = await popup;
    await page.waitForLoadState();
    return page.url();
  };
  const dialog = ctx.page.locator(".monaco-dialog-box");
  seen.opened = await opened(async () => {
    await toast.locator(".monaco-button", { hasText: "Open Docs" }).click();
    // VS Code asks before it opens an external link: "Open".
    await dialog
      .waitFor({ state: "visible", timeout: 10000 })
      .catch(() => undefined);
    if (await dialog.isVisible()) {
      seen.dialog = (await dialog.innerText()).replace(/\s+/g, " ");
      await dialog.locator(".monaco-button", { hasText: /^Open$/ }).click();
    }
  });
  if (!seen.opened?.includes("docs/vscode.md#python-interpreter")) {
    throw new Error(`Open Docs opened ${seen.opened}`);
  }
  if (seen.starts !== 0 || seen.processes !== 0) {
    throw new Error(`a daemon was started: ${JSON.stringify(seen)}`);
  }
}

/** The story for a daemon mode: the bundled one also proves which daemon runs; without a
 * usable Python the story is the error message. */
export function stepsFor(mode) {
  if (mode === "multiroot") {
    return MULTIROOT_STEPS;
  }
  if (mode === "no-python") {
    return [openWorkspace, openRoadmap, noInterpreterError];
  }
  return STEPS.filter(
    (step) => mode === "bundled" || step !== bundledDaemonRuns,
  );
}
