import assert from "node:assert/strict";
import { test } from "node:test";
import { daemonSettings, documentSelector, explicitValue, needsRestart } from "../src/settings";

test("daemon settings keep only the daemon's keys and values that are set", () => {
  const section = {
    model: "claude-sonnet-4-6",
    baseUrl: "",
    maxAttempts: 4,
    budgetUsd: undefined,
    roadmaps: ["ROADMAP.md", "docs/TODO.md"],
    checks: [{ name: "tests", run: "pytest -q", parser: "pytest" }],
    commitMode: "per-task",
    sandbox: null,
    maxParallel: 3,
    roles: { reviewer: { model: "claude-haiku-4-5", baseUrl: "http://127.0.0.1:8080" } },
    serverPath: "/opt/roadmapd",
    python: "/usr/bin/python3",
    trace: { server: "verbose" },
  };
  assert.deepEqual(daemonSettings(section), {
    model: "claude-sonnet-4-6",
    maxAttempts: 4,
    roadmaps: ["ROADMAP.md", "docs/TODO.md"],
    checks: [{ name: "tests", run: "pytest -q", parser: "pytest" }],
    commitMode: "per-task",
    maxParallel: 3,
    roles: { reviewer: { model: "claude-haiku-4-5", baseUrl: "http://127.0.0.1:8080" } },
  });
});

test("daemon settings of nothing or a non-object are empty", () => {
  assert.deepEqual(daemonSettings(undefined), {});
  assert.deepEqual(daemonSettings("roadmapd"), {});
  assert.deepEqual(daemonSettings(null), {});
});

test("the document selector matches the roadmap globs in any workspace folder", () => {
  assert.deepEqual(
    documentSelector(["ROADMAP.md", "./plans/*.md", "**/TODO.md", " "]).map((s) => s.pattern),
    ["**/ROADMAP.md", "**/plans/*.md", "**/TODO.md"],
  );
  assert.deepEqual(documentSelector(undefined), [
    { scheme: "file", language: "markdown", pattern: "**/ROADMAP.md" },
    { scheme: "file", language: "markdown", pattern: "**/.kiro/specs/*/tasks.md" },
    { scheme: "file", language: "markdown", pattern: "**/specs/*/tasks.md" },
  ]);
  assert.equal(documentSelector([]).length, 3); // the defaults: ours, Kiro's, Spec Kit's
});

test("only serverPath, python and importStrategy changes restart the daemon", () => {
  assert.equal(
    needsRestart((key) => key === "roadmapd.importStrategy"),
    true,
  );
  assert.equal(
    needsRestart((key) => key === "roadmapd.python"),
    true,
  );
  assert.equal(
    needsRestart((key) => key === "roadmapd.serverPath"),
    true,
  );
  assert.equal(
    needsRestart((key) => key === "roadmapd.model" || key === "roadmapd.checks"),
    false,
  );
});

test("only values the user set count, the most specific scope winning", () => {
  assert.equal(explicitValue(undefined), undefined);
  assert.equal(explicitValue({}), undefined);
  assert.equal(explicitValue({ globalValue: 5 }), 5);
  assert.equal(explicitValue({ globalValue: 5, workspaceValue: 2 }), 2);
  assert.equal(explicitValue({ globalValue: 5, workspaceValue: 2, workspaceFolderValue: 7 }), 7);
  assert.deepEqual(explicitValue({ workspaceValue: [] }), []);
});
