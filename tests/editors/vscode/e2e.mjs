// End to end in real VS Code: code-server with the built .vsix, driven by playwright-core in
// Debian's headless Chromium, against the fake Messages API (fixtures/calculator-session.json)
// on a committed copy of fixtures/calculator. The user's story, one STEPS function each, a
// screenshot after each into the output folder: open ROADMAP.md and see the lenses, click
// "▶ Run task", see attempt 1's pytest failure in the Problems panel, see the retry pass and the
// box ticked, roll the task back from the palette and see the box unticked and calc.py restored.
//
//   node tests/editors/vscode/e2e.mjs [--daemon bundled|environment|no-python|multiroot] [--vsix FILE]
//                                     [--out DIR] [--keep]
//
// --daemon bundled (the default): the roadmapd inside the .vsix, run by a fresh venv of the
// system's python3 with pytest and without roadmapd (proved before and while it runs).
// --daemon environment: roadmapd.importStrategy fromEnvironment with ROADMAPD_SERVER (the daemon
// executable, started as `<it> serve`; default: the repo's .venv/bin/roadmapd), or ROADMAPD_PYTHON
// (roadmapd.python with this interpreter instead).
// --daemon no-python: the only python3 is older than 3.11 (ROADMAPD_E2E_OLD_PYTHON, else one of
// ~/.pyenv/versions): the error message with its "Open Docs" button, nothing else.
// --daemon multiroot: as environment, in a workspace of two folders, each its own repository and
// daemon: a task run in each folder commits in that folder's repository (multiroot.mjs).
// Environment: ROADMAPD_CACHE (as setup.sh), ROADMAPD_E2E_BASE_PYTHON (what the bare venv is made
// of; default /usr/bin/python3). Exit status 0 = every step passed; result.json has details.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CHROMIUM,
  CODE_SERVER,
  NODE24,
  PYTEST_WHEELS,
  REPO,
  bareInterpreter,
  installExtension,
  oldPython,
  log,
  openBrowser,
  prepare,
  serverLog,
  startCodeServer,
  startFakeApi,
  stopAll,
} from "./harness.mjs";
import { stepsFor } from "./steps.mjs";

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The newest extension/roadmapd-linux-x64-*.vsix (`make vsix`): the package for this machine. */
function defaultVsix() {
  const dir = join(REPO, "extension");
  const found = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^roadmapd-linux-x64-.*\.vsix$/.test(f))
        .map((f) => join(dir, f))
    : [];
  return found.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs).at(-1);
}

// ---- run --------------------------------------------------------------------------------------

async function main() {
  const mode = option("--daemon", "bundled");
  const outDirs = {
    bundled: "test-output/vscode-bundled",
    environment: "test-output/vscode",
    "no-python": "test-output/vscode-no-python",
    multiroot: "test-output/vscode-multiroot",
  };
  if (!(mode in outDirs)) {
    process.stderr.write(
      `e2e: --daemon is ${Object.keys(outDirs).join(", ")}, not ${mode}\n`,
    );
    process.exit(2);
  }
  const out = resolve(option("--out", join(REPO, outDirs[mode])));
  const vsix = option("--vsix", defaultVsix());
  const needs = [
    ["Node 24", NODE24, "bash tests/editors/vscode/setup.sh"],
    ["code-server", CODE_SERVER, "bash tests/editors/vscode/setup.sh"],
    ["chromium", CHROMIUM, "bash tests/editors/vscode/setup.sh"],
    [
      "the extension .vsix",
      vsix ?? "extension/roadmapd-linux-x64-*.vsix",
      "make vsix",
    ],
  ];
  if (mode === "bundled") {
    needs.push([
      "pytest wheels",
      join(PYTEST_WHEELS, "requirements.txt"),
      "bash tests/editors/vscode/setup.sh",
    ]);
  }
  if (mode === "no-python") {
    needs.push([
      "a Python older than 3.11",
      oldPython(),
      "set ROADMAPD_E2E_OLD_PYTHON to one (e.g. pyenv install 3.10)",
    ]);
  }
  for (const [what, path, fix] of needs) {
    if (!path || !existsSync(path)) {
      process.stderr.write(`e2e: ${what} is missing (${path}); run: ${fix}\n`);
      process.exit(2);
    }
  }
  mkdirSync(out, { recursive: true });
  for (const old of readdirSync(out).filter((f) => f.endsWith(".png"))) {
    rmSync(join(out, old));
  }
  const ctx = {
    tmp: mkdtempSync(join(tmpdir(), "roadmapd-vscode-")),
    vsix,
    mode,
    out,
    oldPython: oldPython(),
    pids: [],
    result: { mode, vsix, steps: [] },
  };
  const started = Date.now();
  let failed;
  try {
    await startFakeApi(ctx);
    if (mode === "bundled") {
      bareInterpreter(ctx);
    }
    prepare(ctx);
    installExtension(ctx);
    await startCodeServer(ctx);
    await openBrowser(ctx);
    ctx.result.setupMs = Date.now() - started;
    for (const step of stepsFor(mode)) {
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
  } finally {
    if (ctx.userData) {
      writeFileSync(join(out, "roadmap-server.log"), serverLog(ctx));
    }
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
