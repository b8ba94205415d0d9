import assert from "node:assert/strict";
import { test } from "node:test";
import type { CheckpointEntry } from "../../protocol/protocol";
import { commandOnLine } from "../src/lensPick";
import { ago, checkpointItems, confirmText, outcomeText } from "../src/rollbackText";
import { OTHER, answerOf, questionButtons, questionText } from "../src/askUserText";
import { formatTranscript } from "../src/transcript";

test("transcript lines carry task, attempt and kind on every line", () => {
  assert.equal(
    formatTranscript({ taskId: "T1", attempt: 2, kind: "tool_call", text: "bash: pytest -q" }),
    "[T1 #2] → bash: pytest -q",
  );
  assert.equal(
    formatTranscript({ taskId: "T1", attempt: 1, kind: "text", text: "one\r\ntwo\n" }),
    "[T1 #1] one\n        two",
  );
});

test("the lens on the cursor line is chosen by preference", () => {
  const lenses = [
    { line: 2, command: "roadmapd.runTask", arguments: [{ uri: "u", taskId: "A" }] },
    { line: 4, command: "roadmapd.showLog", arguments: [] },
    { line: 4, command: "roadmapd.retryTask", arguments: [{ uri: "u", taskId: "B" }] },
  ];
  assert.equal(
    commandOnLine(lenses, 2, ["roadmapd.runTask", "roadmapd.retryTask"])?.arguments[0],
    lenses[0].arguments[0],
  );
  assert.equal(
    commandOnLine(lenses, 4, ["roadmapd.runTask", "roadmapd.retryTask"])?.command,
    "roadmapd.retryTask",
  );
  assert.equal(commandOnLine(lenses, 3, ["roadmapd.runTask"]), undefined);
});

const entry: CheckpointEntry = {
  taskId: "T002",
  title: "Add CLI",
  createdAt: 1000,
  ref: "refs/roadmapd/checkpoints/T002",
  commit: "0123456789abcdef",
  taskCommit: "fedcba9876543210",
  files: ["a.py", "b.py", "c.py", "d.py", "e.py", "f.py"],
};

test("checkpoints are listed newest first with when and files", () => {
  const items = checkpointItems(
    [{ ...entry, taskId: "T001", createdAt: 10, files: [] }, entry],
    1000 + 3 * 3600,
  );
  assert.deepEqual(
    items.map((i) => i.label),
    ["T002 Add CLI", "T001 Add CLI"],
  );
  assert.equal(items[0].description, "3 hours ago · checkpoint 01234567");
  assert.equal(items[0].detail, "a.py, b.py, c.py, d.py, e.py and 1 more");
  assert.equal(items[1].detail, "no recorded files");
  assert.equal(ago(100, 100), "just now");
  assert.equal(ago(0, 61), "1 minute ago");
});

test("the confirmation names the task, the files, the commits and the undo", () => {
  const text = confirmText({ ...entry, files: ["a.py"] });
  assert.match(
    text,
    /Roll back T002 "Add CLI"\? 1 file \(a\.py\) go back to checkpoint 01234567, undoing commit fedcba98/,
  );
  assert.match(text, /can be undone/);
});

test("the outcome lists conflicts, dependants and the backup ref", () => {
  const text = outcomeText({
    ok: false,
    message: "Refused.",
    method: "refused",
    conflicts: ["a.py"],
    dependants: ["T003"],
    backupRef: "refs/roadmapd/backup/1",
  });
  assert.equal(
    text,
    "Refused. Conflicts: a.py. Later tasks depend on it: T003. Backup: refs/roadmapd/backup/1.",
  );
});

test("the backup ref is named once when the daemon's message already names it", () => {
  const ref = "refs/roadmapd/backups/20261122T001512Z";
  const text = outcomeText({
    ok: true,
    message: `rolled back multiply; your previous state is saved at ${ref}`,
    method: "branch-moved",
    backupRef: ref,
  });
  assert.equal(text, `rolled back multiply; your previous state is saved at ${ref}`);
});

test("the agent's question: its choices, then a typed answer; blank is no answer", () => {
  const params = { uri: null, taskId: "T7", question: "Ints or floats?", choices: ["ints", "floats"] };
  assert.equal(questionText(params), "Roadmap: the agent of T7 asks: Ints or floats?");
  assert.deepEqual(questionButtons(params), ["ints", "floats", OTHER]);
  assert.deepEqual(answerOf("floats"), { answer: "floats" });
  assert.deepEqual(answerOf(OTHER, "  decimals  "), { answer: "decimals" });
  assert.deepEqual(answerOf(OTHER, " "), { answer: null });
  assert.deepEqual(answerOf(OTHER, undefined), { answer: null });
  assert.deepEqual(answerOf(undefined), { answer: null });
});
