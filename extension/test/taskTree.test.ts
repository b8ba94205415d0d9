import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskListing, TaskState } from "../../protocol/protocol";
import { buildTree, contextValue, describe, statusIcon, type TreeNode } from "../src/taskTreeModel";

const URI = "file:///r/ROADMAP.md";

function task(taskId: string, extra: Partial<TaskListing> = {}): TaskListing {
  return {
    taskId,
    title: `Task ${taskId}`,
    line: 0,
    headings: ["Plan"],
    checked: false,
    status: "pending",
    ...extra,
  };
}

const LISTING = [
  task("T1", {
    headings: ["Plan", "Phase 1"],
    line: 3,
    status: "committed",
    checked: true,
    costUsd: 0.0213,
    durationS: 41.2,
    commit: "abc",
  }),
  task("T1.1", { headings: ["Plan", "Phase 1"], parent: "T1", line: 4 }),
  task("T2", { headings: ["Plan", "Phase 1"], line: 6, status: "failed", reason: "checks failed" }),
  task("T3", { headings: ["Plan", "Phase 2"], line: 9, depends: ["T2"] }),
];

const shape = (nodes: TreeNode[]): unknown =>
  nodes.map((n) => (n.children.length ? { [n.label]: shape(n.children) } : n.label));

test("roadmaps, sections by heading, tasks under their section or parent task", () => {
  const tree = buildTree([{ uri: URI, label: "ROADMAP.md", tasks: LISTING }], () => undefined);
  assert.deepEqual(shape(tree), [
    {
      "ROADMAP.md": [
        {
          Plan: [
            { "Phase 1": [{ "T1 Task T1": ["T1.1 Task T1.1"] }, "T2 Task T2"] },
            { "Phase 2": ["T3 Task T3"] },
          ],
        },
      ],
    },
  ]);
  const t1 = tree[0]?.children[0]?.children[0]?.children[0];
  assert.equal(t1?.description, "$0.02 · 41 s");
  assert.equal(t1?.line, 3);
  assert.equal(t1?.icon, "pass-filled");
});

test("filters keep a task, its ancestors, and nothing empty", () => {
  const failed = buildTree([{ uri: URI, label: "ROADMAP.md", tasks: LISTING }], () => undefined, "failed");
  assert.deepEqual(shape(failed), [{ "ROADMAP.md": [{ Plan: [{ "Phase 1": ["T2 Task T2"] }] }] }]);
  const pending = buildTree([{ uri: URI, label: "ROADMAP.md", tasks: LISTING }], () => undefined, "pending");
  assert.deepEqual(shape(pending), [
    {
      "ROADMAP.md": [
        {
          Plan: [
            { "Phase 1": [{ "T1 Task T1": ["T1.1 Task T1.1"] }, "T2 Task T2"] },
            { "Phase 2": ["T3 Task T3"] },
          ],
        },
      ],
    },
  ]);
});

test("live states override the listing: status, cost, reason", () => {
  const running: TaskState = { uri: URI, taskId: "T3", title: "Task T3", status: "running", costUsd: 0.004 };
  const tree = buildTree([{ uri: URI, label: "ROADMAP.md", tasks: LISTING }], (u, id) =>
    u === URI && id === "T3" ? running : undefined,
  );
  const t3 = tree[0]?.children[0]?.children[1]?.children[0];
  assert.equal(t3?.icon, "sync~spin");
  assert.equal(t3?.description, "running · $0.00");
  assert.equal(t3?.contextValue, "task.running.cancel.log");
});

test("context values carry the actions that apply", () => {
  assert.equal(contextValue(task("a")), "task.pending.run");
  assert.equal(contextValue(task("a", { status: "failed" })), "task.failed.retry.rollback.log");
  assert.equal(
    contextValue(task("a", { status: "committed", checked: true, commit: "c" })),
    "task.committed.rollback.diff.log",
  );
  assert.equal(contextValue(task("a", { status: "passed" })), "task.passed.retry.rollback.log"); // not committed
  assert.equal(contextValue(task("a", { status: "rolled_back" })), "task.rolled_back.run.log");
  assert.equal(contextValue(task("a", { status: "needs_input" })), "task.needs_input.retry.rollback.log");
  assert.equal(contextValue(task("a", { status: "queued" })), "task.queued.cancel.log");
});

test("icons and descriptions for the other states", () => {
  assert.deepEqual(statusIcon(task("a", { checked: true })), {
    icon: "pass-filled",
    color: "disabledForeground",
  });
  assert.deepEqual(statusIcon(task("a", { status: "regressed" })), {
    icon: "warning",
    color: "charts.orange",
  });
  assert.equal(describe(task("a", { status: "failed", costUsd: 0.1, durationS: 125 })), "$0.10 · 2 min 5 s");
  assert.equal(describe(task("a")), "");
});
