/**
 * Pure parts of the tools VS Code's own agents (Copilot, Claude in VS Code) may call
 * (`lmTools.ts`): checking a call's input, finding the task it names among the daemons'
 * listings, and the texts the agent reads back and the user confirms.
 */
import type { TaskListing } from "../../protocol/protocol";

export interface Located {
  uri: string;
  task: TaskListing;
}

export interface TaskInput {
  taskId: string;
  uri?: string;
}

/** The task id (and optional roadmap uri) of a call, or what is wrong with the input. */
export function taskInput(input: unknown): TaskInput | string {
  if (input === null || typeof input !== "object") {
    return 'expected an object like {"taskId": "T3"}';
  }
  const { taskId, uri } = input as { taskId?: unknown; uri?: unknown };
  if (typeof taskId !== "string" || taskId.trim() === "") {
    return "taskId must be a non-empty string (an id from roadmapd_listTasks)";
  }
  if (uri !== undefined && typeof uri !== "string") {
    return "uri, when given, must be the roadmap's URI (a string)";
  }
  return uri === undefined ? { taskId: taskId.trim() } : { taskId: taskId.trim(), uri };
}

/** The task a call names: by id, in the given roadmap if any; ambiguous ids need the uri. */
export function locate(all: readonly Located[], input: TaskInput): Located | string {
  const found = all.filter((l) => l.task.taskId === input.taskId && (!input.uri || l.uri === input.uri));
  if (found.length === 1 && found[0] !== undefined) {
    return found[0];
  }
  if (found.length === 0) {
    return `no task ${input.taskId}${input.uri ? ` in ${input.uri}` : ""}; roadmapd_listTasks lists the ids`;
  }
  return `${input.taskId} is in several roadmaps (${found.map((f) => f.uri).join(", ")}): give its uri`;
}

function statusOf(task: TaskListing): string {
  return task.checked && task.status === "pending" ? "done" : task.status;
}

/** One line per task: `T3 [failed] Add parser (depends on T1) — reason`, grouped by roadmap. */
export function listText(all: readonly Located[], label: (uri: string) => string): string {
  if (all.length === 0) {
    return "No roadmap tasks in this workspace.";
  }
  const lines: string[] = [];
  let last: string | undefined;
  for (const { uri, task } of all) {
    if (uri !== last) {
      lines.push(`${label(uri)} (uri: ${uri})`);
      last = uri;
    }
    const deps = task.depends?.length ? ` (depends on ${task.depends.join(", ")})` : "";
    const why = task.reason ? ` — ${task.reason}` : "";
    lines.push(`- ${task.taskId} [${statusOf(task)}] ${task.title}${deps}${why}`);
  }
  return lines.join("\n");
}

/** A task's result: status, reason, cost, duration, commit, then the log's tail. */
export function resultText(found: Located, log: string | undefined, maxLog = 6000): string {
  const t = found.task;
  const lines = [
    `${t.taskId}: ${t.title}`,
    `status: ${statusOf(t)}`,
    ...(t.reason ? [`reason: ${t.reason}`] : []),
    ...(t.costUsd ? [`cost: $${t.costUsd.toFixed(4)}`] : []),
    ...(t.durationS ? [`duration: ${Math.round(t.durationS)} s`] : []),
    ...(t.commit ? [`commit: ${t.commit}`] : []),
  ];
  if (log) {
    const tail = log.length > maxLog ? `…${log.slice(-maxLog)}` : log;
    lines.push("", "log of the last run (checks, evidence, transcript):", tail);
  }
  return lines.join("\n");
}

/** What the user confirms before an agent rolls a task back. */
export function rollbackConfirmation(found: Located): { title: string; message: string } {
  const t = found.task;
  return {
    title: `Roll back ${t.taskId}?`,
    message:
      `An agent asks to roll back ${t.taskId} "${t.title}" (${statusOf(t)}): its changes are undone ` +
      "and its box is unticked. Your current state is saved first (Roadmap: Undo Last Rollback).",
  };
}
