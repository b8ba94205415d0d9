/**
 * Pure model behind the status bar: the latest TaskState per task (from roadmapd/taskState)
 * and the text, tooltip and icon that show the running task, its phase and its cost.
 */
import type { TaskState } from "../../protocol/protocol";

const ACTIVE = new Set<TaskState["status"]>(["queued", "running", "verifying"]);

export interface StatusView {
  text: string;
  tooltip: string;
}

export function isActive(state: TaskState): boolean {
  return ACTIVE.has(state.status);
}

function cost(state: TaskState): string | undefined {
  return state.costUsd !== undefined && state.costUsd > 0 ? `$${state.costUsd.toFixed(2)}` : undefined;
}

function attempt(state: TaskState): string | undefined {
  if (!state.attempt) {
    return undefined;
  }
  return state.maxAttempts ? `attempt ${state.attempt}/${state.maxAttempts}` : `attempt ${state.attempt}`;
}

/** The status bar text for one task's state. */
export function statusText(state: TaskState): string {
  const parts: string[] = [];
  switch (state.status) {
    case "queued":
      parts.push(`$(clock) ${state.taskId} queued`);
      break;
    case "running":
    case "verifying":
      parts.push(`$(sync~spin) ${state.taskId}`, attempt(state) ?? "", state.phase ?? state.status);
      break;
    case "passed":
    case "committed":
      // A passed task whose commit was refused (or whose parallel lane conflicted) says so.
      parts.push(
        state.status === "passed" && state.reason?.startsWith("not committed")
          ? `$(warning) ${state.taskId} not committed`
          : `$(check) ${state.taskId} passed`,
      );
      break;
    case "regressed":
      parts.push(`$(warning) ${state.taskId} regressed`);
      break;
    case "needs_replan":
      parts.push(`$(edit) ${state.taskId} needs replan`);
      break;
    case "needs_input":
      parts.push(`$(question) ${state.taskId} needs your answer`);
      break;
    case "failed":
      parts.push(`$(error) ${state.taskId} failed`);
      if (state.problems) {
        parts.push(`${state.problems} problem${state.problems === 1 ? "" : "s"}`);
      }
      break;
    default:
      parts.push(`$(circle-outline) ${state.taskId} ${state.status.replace("_", " ")}`);
  }
  const price = cost(state);
  if (price) {
    parts.push(price);
  }
  return parts.filter((p) => p.length > 0).join(" · ");
}

/** Every task's latest state; the view shows the most recent active task, else the last one. */
export class TaskBoard {
  private readonly states = new Map<string, TaskState>();
  private lastKey: string | undefined;

  update(state: TaskState): void {
    const key = `${state.uri}#${state.taskId}`;
    this.states.delete(key);
    this.states.set(key, state);
    this.lastKey = key;
  }

  clear(): void {
    this.states.clear();
    this.lastKey = undefined;
  }

  active(): TaskState[] {
    return [...this.states.values()].filter(isActive);
  }

  get(uri: string, taskId: string): TaskState | undefined {
    return this.states.get(`${uri}#${taskId}`);
  }

  withStatus(...statuses: TaskState["status"][]): TaskState[] {
    return [...this.states.values()].filter((s) => statuses.includes(s.status));
  }

  /** `label(uri)`: what goes before the text (a multi-root workspace: the task's folder). */
  view(label: (uri: string) => string = () => ""): StatusView | undefined {
    const active = this.active();
    const shown =
      active.length > 0
        ? active[active.length - 1]
        : this.lastKey
          ? this.states.get(this.lastKey)
          : undefined;
    if (shown === undefined) {
      return undefined;
    }
    const others = active.length > 1 ? ` (+${active.length - 1} more)` : "";
    const detail = shown.reason ? `\n${shown.reason}` : "";
    return {
      text: label(shown.uri) + statusText(shown) + others,
      tooltip: `Roadmap: ${shown.taskId} ${shown.title}${detail}\nClick to show the log.`,
    };
  }
}
