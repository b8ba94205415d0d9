import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskState } from "../../protocol/protocol";
import { TaskBoard, statusText } from "../src/status";

const base: TaskState = {
  uri: "file:///r/ROADMAP.md",
  taskId: "T001",
  title: "Add parser",
  status: "pending",
};

test("a running task shows attempt, phase and cost", () => {
  const text = statusText({
    ...base,
    status: "running",
    attempt: 2,
    maxAttempts: 3,
    phase: "agent turn 3",
    costUsd: 0.0412,
  });
  assert.equal(text, "$(sync~spin) T001 · attempt 2/3 · agent turn 3 · $0.04");
});

test("verifying without a phase says verifying", () => {
  assert.equal(
    statusText({ ...base, status: "verifying", attempt: 1 }),
    "$(sync~spin) T001 · attempt 1 · verifying",
  );
});

test("finished states show the outcome", () => {
  assert.equal(statusText({ ...base, status: "committed", costUsd: 0.1 }), "$(check) T001 passed · $0.10");
  assert.equal(
    statusText({ ...base, status: "passed", reason: "not committed: needs attention: conflicts" }),
    "$(warning) T001 not committed",
  );
  assert.equal(statusText({ ...base, status: "failed", problems: 1 }), "$(error) T001 failed · 1 problem");
  assert.equal(statusText({ ...base, status: "failed", problems: 3 }), "$(error) T001 failed · 3 problems");
  assert.equal(statusText({ ...base, status: "needs_replan" }), "$(edit) T001 needs replan");
  assert.equal(statusText({ ...base, status: "regressed" }), "$(warning) T001 regressed");
  assert.equal(statusText({ ...base, status: "needs_input" }), "$(question) T001 needs your answer");
  assert.equal(statusText({ ...base, status: "rolled_back" }), "$(circle-outline) T001 rolled back");
});

test("the board shows the latest active task and counts the others", () => {
  const board = new TaskBoard();
  assert.equal(board.view(), undefined);
  board.update({ ...base, status: "running", phase: "agent turn 1" });
  board.update({ ...base, taskId: "T002", status: "queued" });
  board.update({ ...base, taskId: "T003", status: "failed", reason: "budget spent" });
  const view = board.view();
  assert.equal(view?.text, "$(clock) T002 queued (+1 more)");
  board.update({ ...base, taskId: "T002", status: "committed" });
  board.update({ ...base, status: "committed" });
  assert.equal(board.view()?.text, "$(check) T001 passed");
  const label = (uri: string): string => (uri === base.uri ? "api: " : "other: ");
  assert.equal(board.view(label)?.text, "api: $(check) T001 passed");
  assert.deepEqual(
    board.withStatus("failed").map((s) => s.taskId),
    ["T003"],
  );
  board.clear();
  assert.equal(board.view(), undefined);
});

test("the tooltip carries the title and the reason", () => {
  const board = new TaskBoard();
  board.update({ ...base, status: "failed", reason: "no tests collected" });
  assert.match(board.view()?.tooltip ?? "", /T001 Add parser\nno tests collected/);
});
