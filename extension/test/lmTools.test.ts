import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskListing } from "../../protocol/protocol";
import { listText, locate, resultText, rollbackConfirmation, taskInput } from "../src/lmToolsText";

const A = "file:///w/api/ROADMAP.md";
const B = "file:///w/web/ROADMAP.md";
const task = (taskId: string, extra: Partial<TaskListing> = {}): TaskListing => ({
  taskId,
  title: `Task ${taskId}`,
  line: 1,
  headings: [],
  checked: false,
  status: "pending",
  ...extra,
});
const ALL = [
  {
    uri: A,
    task: task("T1", { status: "committed", checked: true, costUsd: 0.0123, durationS: 41.4, commit: "abc" }),
  },
  { uri: A, task: task("T2", { status: "failed", depends: ["T1"], reason: "checks failed" }) },
  { uri: B, task: task("T1", { checked: true }) },
];

test("a call's input is checked with a message the agent can act on", () => {
  assert.deepEqual(taskInput({ taskId: " T2 " }), { taskId: "T2" });
  assert.deepEqual(taskInput({ taskId: "T1", uri: A }), { taskId: "T1", uri: A });
  assert.match(String(taskInput({})), /taskId must be a non-empty string/);
  assert.match(String(taskInput(null)), /expected an object/);
  assert.match(String(taskInput({ taskId: "T1", uri: 3 })), /uri, when given/);
});

test("a task is found by id; an id in two roadmaps needs its uri", () => {
  assert.equal(locate(ALL, { taskId: "T2" }), ALL[1]);
  assert.equal(locate(ALL, { taskId: "T1", uri: B }), ALL[2]);
  assert.match(String(locate(ALL, { taskId: "T1" })), /in several roadmaps .*give its uri/);
  assert.match(String(locate(ALL, { taskId: "T9" })), /no task T9; roadmapd_listTasks lists the ids/);
});

test("the list, the result and the confirmation say what the user would see", () => {
  const list = listText(ALL, (uri) => (uri === A ? "api/ROADMAP.md" : "web/ROADMAP.md"));
  assert.equal(
    list,
    [
      `api/ROADMAP.md (uri: ${A})`,
      "- T1 [committed] Task T1",
      "- T2 [failed] Task T2 (depends on T1) — checks failed",
      `web/ROADMAP.md (uri: ${B})`,
      "- T1 [done] Task T1",
    ].join("\n"),
  );
  assert.equal(
    listText([], () => ""),
    "No roadmap tasks in this workspace.",
  );
  const first = ALL[0];
  assert.ok(first);
  assert.equal(
    resultText(first, "x".repeat(10), 4),
    "T1: Task T1\nstatus: committed\ncost: $0.0123\nduration: 41 s\ncommit: abc\n\nlog of the last run (checks, evidence, transcript):\n…xxxx",
  );
  const second = ALL[1];
  assert.ok(second);
  const confirm = rollbackConfirmation(second);
  assert.equal(confirm.title, "Roll back T2?");
  assert.match(confirm.message, /T2 "Task T2" \(failed\): its changes are undone/);
});
