// The multi-root story (e2e.mjs --daemon multiroot): a .code-workspace of two folders, api/ and
// web/, each its own git repository with a roadmap. Each folder gets its own daemon; the
// "▶ Run task" lens in each folder's ROADMAP.md runs the task there, and each commits in its
// own repository (not in the other), with the folder's name on the status bar. The "Roadmap"
// view's task tree then shows both folders' roadmaps with their tasks' states, and its filters;
// the dependency graph webview draws the four tasks and two dependencies, and a click on a node
// reveals that task's roadmap.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { daemonProcesses, daemonStarts, serverLog } from "./harness.mjs";
import {
  failOnOurErrors,
  noErrorNotifications,
  retryPassesAndTicks,
  runTaskFromLens,
  setApiKey,
  waitForLenses,
} from "./steps.mjs";
import { runCommand, waitUntil } from "./workbench.mjs";

function commits(dir) {
  return execFileSync("git", ["-C", dir, "log", "--format=%s"], {
    encoding: "utf8",
  })
    .trim()
    .split("\n");
}

async function openTwoFolders(ctx) {
  ctx.daemons = 2;
  await ctx.page.goto(
    `http://127.0.0.1:${ctx.port}/?workspace=${encodeURIComponent(ctx.workspaceFile)}`,
  );
  await ctx.page.waitForSelector(".monaco-workbench", { timeout: 90000 });
  await waitUntil(
    ctx.page,
    async () => ({
      starts: daemonStarts(ctx),
      processes: daemonProcesses(ctx).length,
    }),
    (s) => s.starts === 2 && s.processes === 2,
    90000,
    "expected one daemon per folder (two)",
  );
}

/** Quick open the ROADMAP.md of folder `name` (its row says the folder). */
async function openRoadmapOf(ctx, name, title) {
  ctx.workspace = ctx.folders[name];
  await ctx.page
    .locator(".monaco-workbench")
    .click({ position: { x: 700, y: 450 } });
  await ctx.page.keyboard.press("Control+P");
  await ctx.page
    .locator(".quick-input-widget input")
    .waitFor({ state: "visible" });
  await ctx.page.keyboard.type("ROADMAP.md");
  const row = ctx.page
    .locator(".quick-input-list .monaco-list-row", { hasText: "ROADMAP.md" })
    .filter({ hasText: name })
    .first();
  await row.waitFor();
  await row.click();
  await ctx.page
    .locator(".editor-instance .view-line", { hasText: title })
    .first()
    .waitFor();
}

async function openApiRoadmap(ctx) {
  await openRoadmapOf(ctx, "api", "Api calculator roadmap");
}

/** Run multiply from the lens in folder `here`; record both repositories' commits after. */
async function runIn(ctx, here, other) {
  await runTaskFromLens(ctx);
  await retryPassesAndTicks(ctx);
  ctx.result[here] = {
    commits: commits(ctx.folders[here]),
    [other]: commits(ctx.folders[other]),
  };
}

async function runInApi(ctx) {
  await runIn(ctx, "api", "web");
}

async function openWebRoadmap(ctx) {
  await openRoadmapOf(ctx, "web", "Web calculator roadmap");
  await waitForLenses(ctx);
}

async function runInWeb(ctx) {
  await runIn(ctx, "web", "api");
}

async function eachFolderCommittedItsOwn(ctx) {
  await failOnOurErrors(ctx);
  const status = await ctx.page.$$eval(".statusbar-item", (els) =>
    els.map((e) => (e.textContent ?? "").replace(/\s+/g, " ").trim()),
  );
  ctx.result.statusBar = status.filter((t) => t.includes("multiply"));
  const roadmaps = Object.fromEntries(
    Object.entries(ctx.folders).map(([name, dir]) => [
      name,
      readFileSync(join(dir, "ROADMAP.md"), "utf8").includes(
        "- [x] Add `multiply",
      ),
    ]),
  );
  ctx.result.ticked = roadmaps;
  // the extension registered its tools for VS Code's agents (it logs when the API is missing)
  ctx.result.lmTools = !serverLog(ctx).includes("no language model tools API");
  if (!roadmaps.api || !roadmaps.web) {
    throw new Error(`a roadmap is not ticked: ${JSON.stringify(roadmaps)}`);
  }
  if (!ctx.result.statusBar.some((t) => t.startsWith("web: "))) {
    throw new Error(
      `the status bar does not name the folder: ${JSON.stringify(status)}`,
    );
  }
}

/** The rows of the task tree (label and description), as shown. */
async function treeRows(ctx) {
  return ctx.page.$$eval(
    '[id="workbench.view.extension.roadmapd"] .monaco-list-row',
    (els) => els.map((e) => (e.textContent ?? "").replace(/\s+/g, " ").trim()),
  );
}

async function taskTreeShowsBothFolders(ctx) {
  await ctx.page
    .locator('.activitybar [aria-label^="Roadmap"]')
    .first()
    .click();
  const rows = await waitUntil(
    ctx.page,
    () => treeRows(ctx),
    (r) =>
      r.some((t) => t.startsWith("api/ROADMAP.md")) &&
      r.some((t) => t.startsWith("web/ROADMAP.md")) &&
      r.filter(
        (t) => t.startsWith("multiply Add") && /\$0\.\d\d · \d+ s/.test(t),
      ).length === 2 &&
      r.filter((t) => t.startsWith("divide Add")).length === 2,
    60000,
    "the task tree did not show both roadmaps with multiply passed and divide pending",
  );
  ctx.result.tree = rows;
  await ctx.page.screenshot({ path: join(ctx.out, "task-tree.png") }); // docs/images/vscode-task-tree.png
}

async function taskTreeFilters(ctx) {
  await runCommand(ctx.page, "Roadmap: Show Pending Tasks");
  const pending = await waitUntil(
    ctx.page,
    () => treeRows(ctx),
    (r) =>
      !r.some((t) => t.startsWith("multiply")) &&
      r.filter((t) => t.startsWith("divide")).length === 2,
    30000,
    "the pending filter still shows multiply, or not divide",
  );
  await runCommand(ctx.page, "Roadmap: Show Failed Tasks");
  const failed = await waitUntil(
    ctx.page,
    () => treeRows(ctx),
    (r) => !r.some((t) => /^(multiply|divide)/.test(t)),
    30000,
    "the failed filter shows tasks although none failed",
  );
  await runCommand(ctx.page, "Roadmap: Show All Tasks");
  await waitUntil(
    ctx.page,
    () => treeRows(ctx),
    (r) => r.filter((t) => t.startsWith("multiply")).length === 2,
    30000,
    "the tree did not come back to all tasks",
  );
  ctx.result.filters = { pending, failed };
}

/** The graph webview's nodes (status, text) and edge count, from whichever frame holds it. */
async function graphSeen(ctx) {
  for (const frame of ctx.page.frames()) {
    try {
      const nodes = await frame.$$eval("g.node", (els) =>
        els.map((e) => ({
          key: e.getAttribute("data-key"),
          status: e.getAttribute("data-status"),
          stroke: e.querySelector("rect")?.style.stroke ?? "",
        })),
      );
      if (nodes.length > 0) {
        return {
          frame,
          nodes,
          edges: await frame.$$eval("path.edge", (els) => els.length),
        };
      }
    } catch {
      // a frame that went away meanwhile
    }
  }
  return { nodes: [], edges: 0 };
}

async function dependencyGraph(ctx) {
  await runCommand(ctx.page, "Roadmap: Show Dependency Graph");
  const seen = await waitUntil(
    ctx.page,
    () => graphSeen(ctx),
    (s) => s.nodes.length === 4 && s.edges === 2,
    60000,
    "the graph did not draw four tasks and two dependencies",
  );
  ctx.result.graph = { nodes: seen.nodes, edges: seen.edges };
  await ctx.page.screenshot({ path: join(ctx.out, "dependency-graph.png") }); // docs/images/vscode-dependency-graph.png
  // a click on api's divide reveals api's roadmap (web's is the one open now)
  await seen.frame
    .locator('g.node[data-key$="/api/ROADMAP.md#divide"]')
    .click();
  ctx.result.revealed = await waitUntil(
    ctx.page,
    () => ctx.page.locator(".tabs-container .tab.active").first().innerText(),
    (t) => /ROADMAP\.md/.test(t.replace(/\s+/g, "")) && /api/.test(t),
    30000,
    "a click on api's divide node did not reveal api's roadmap",
  );
}

export const MULTIROOT_STEPS = [
  openTwoFolders,
  openApiRoadmap,
  waitForLenses,
  setApiKey,
  runInApi,
  openWebRoadmap,
  runInWeb,
  eachFolderCommittedItsOwn,
  taskTreeShowsBothFolders,
  taskTreeFilters,
  dependencyGraph,
  noErrorNotifications,
];
