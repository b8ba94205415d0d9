// End to end in real VS Code: code-server with the built .vsix, driven by playwright-core in
// Debian's headless Chromium, against the fake Messages API (fixtures/calculator-session.json)
// on a committed copy of fixtures/calculator. The user's story, one STEPS function each, a
// screenshot after each into the output folder: open ROADMAP.md and see the lenses, click
// "▶ Run task", see attempt 1's pytest failure in the Problems panel, see the retry pass and the
// box ticked, roll the task back from the palette and see the box unticked and calc.py restored.
//
//   node tests/editors/vscode/e2e.mjs [--vsix FILE] [--out DIR] [--keep]
//
// Environment: ROADMAPD_CACHE (as setup.sh), ROADMAPD_SERVER (the daemon executable, started as
// `<it> serve`; default: the repo's .venv/bin/roadmapd), ROADMAPD_PYTHON (use roadmapd.python
// with this interpreter instead). Exit status 0 = every step passed; result.json has details.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CHROMIUM,
  CODE_SERVER,
  NODE24,
  REPO,
  installExtension,
  log,
  openBrowser,
  prepare,
  serverLog,
  startCodeServer,
  startFakeApi,
  stopAll,
} from "./harness.mjs";
import { STEPS } from "./steps.mjs";

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

// ---- run --------------------------------------------------------------------------------------

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
  for (const old of readdirSync(out).filter((f) => f.endsWith(".png"))) {
    rmSync(join(out, old));
  }
  const ctx = {
    tmp: mkdtempSync(join(tmpdir(), "roadmapd-vscode-")),
    vsix,
    pids: [],
    result: { steps: [] },
  };
  const started = Date.now();
  let failed;
  try {
    await startFakeApi(ctx);
    prepare(ctx);
    installExtension(ctx);
    await startCodeServer(ctx);
    await openBrowser(ctx);
    ctx.result.setupMs = Date.now() - started;
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
