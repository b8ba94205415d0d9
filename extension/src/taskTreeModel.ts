/**
 * Pure model of the task tree view: the daemons' `roadmapd/tasks` listings, with the live
 * `roadmapd/taskState` updates laid over them, shaped into roadmaps -> sections -> tasks (sub-tasks
 * under their parent), each with its status icon, description ("$0.02 · 41 s"), tooltip and the
 * context value the view's inline actions key on; and the filters (pending / failed / all).
 */
import type { TaskListing, TaskState } from "../../protocol/protocol";

export type Status = TaskListing["status"];
export type Filter = "all" | "pending" | "failed";

export interface RoadmapTasks {
  uri: string;
  /** What the roadmap is called in the tree, e.g. "ROADMAP.md" or "web/ROADMAP.md". */
  label: string;
  tasks: TaskListing[];
}

export interface TreeNode {
  kind: "roadmap" | "section" | "task";
  key: string;
  label: string;
  uri: string;
  line?: number;
  task?: TaskListing;
  description?: string;
  tooltip?: string;
  icon?: string;
  color?: string;
  contextValue?: string;
  children: TreeNode[];
}

const ICONS: Record<Status, [string, string | undefined]> = {
  pending: ["circle-large-outline", undefined],
  blocked: ["circle-slash", "disabledForeground"],
  queued: ["clock", undefined],
  running: ["sync~spin", "charts.blue"],
  verifying: ["beaker", "charts.blue"],
  awaiting_approval: ["question", "charts.yellow"],
  passed: ["pass", "testing.iconPassed"],
  committed: ["pass-filled", "testing.iconPassed"],
  failed: ["error", "testing.iconFailed"],
  cancelled: ["circle-slash", undefined],
  interrupted: ["debug-disconnect", "charts.orange"],
  rolled_back: ["discard", undefined],
  needs_replan: ["edit", "charts.orange"],
  needs_input: ["comment-discussion", "charts.yellow"],
  regressed: ["warning", "charts.orange"],
};

const WORKING = new Set<Status>(["queued", "running", "verifying"]);
const FAILED = new Set<Status>([
  "failed",
  "cancelled",
  "interrupted",
  "regressed",
  "needs_replan",
  "needs_input",
]);
const DONE = new Set<Status>(["passed", "committed"]);

/** The ThemeIcon id and ThemeColor id of a task's row. */
export function statusIcon(task: TaskListing): { icon: string; color?: string } {
  if (task.checked && task.status === "pending") {
    return { icon: "pass-filled", color: "disabledForeground" }; // ticked by hand, never run
  }
  const [icon, color] = ICONS[task.status] ?? ICONS.pending;
  return color === undefined ? { icon } : { icon, color };
}

/**
 * What the inline actions key on: `task.<status>` plus the actions that apply, e.g.
 * `task.failed.retry.rollback.log`. The package's menus match with `viewItem =~ /\.retry\b/`.
 */
export function contextValue(task: TaskListing): string {
  const s = task.status;
  const actions: string[] = [];
  if (WORKING.has(s)) {
    actions.push("cancel");
  } else if (!task.checked && (s === "pending" || s === "rolled_back" || s === "blocked")) {
    actions.push("run");
  } else if (FAILED.has(s) || (s === "passed" && !task.commit)) {
    actions.push("retry");
  }
  if (!WORKING.has(s) && s !== "pending" && s !== "rolled_back" && s !== "blocked") {
    actions.push("rollback");
  }
  if (DONE.has(s) && task.commit) {
    actions.push("diff");
  }
  if (s !== "pending") {
    actions.push("log");
  }
  return ["task", s, ...actions].join(".");
}

function duration(seconds: number): string {
  if (seconds < 60) {
    return `${Math.round(seconds)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** "$0.02 · 41 s" (cost and duration of the last run), "running", or nothing. */
export function describe(task: TaskListing): string {
  const parts: string[] = [];
  if (WORKING.has(task.status) || task.status === "needs_input") {
    parts.push(task.status.replace("_", " "));
  }
  if (task.costUsd) {
    parts.push(`$${task.costUsd.toFixed(2)}`);
  }
  if (task.durationS !== undefined && task.durationS !== null && !WORKING.has(task.status)) {
    parts.push(duration(task.durationS));
  }
  return parts.join(" · ");
}

export function matches(filter: Filter, task: TaskListing): boolean {
  if (filter === "pending") {
    return !task.checked && !DONE.has(task.status);
  }
  if (filter === "failed") {
    return FAILED.has(task.status) || (task.status === "passed" && !task.commit);
  }
  return true;
}

/** A listing with the live state of its task laid over it (status, cost, duration, ...). */
export function withState(task: TaskListing, state: TaskState | undefined): TaskListing {
  if (state === undefined) {
    return task;
  }
  return {
    ...task,
    status: state.status,
    reason: state.reason ?? null,
    costUsd: state.costUsd ?? task.costUsd,
    durationS: state.durationS ?? task.durationS,
    commit: state.commit ?? task.commit,
    checked: task.checked || state.status === "committed",
  };
}

function taskNode(uri: string, task: TaskListing): TreeNode {
  const { icon, color } = statusIcon(task);
  const status = task.checked && task.status === "pending" ? "done" : task.status.replace("_", " ");
  const reason = task.reason ? `\n${task.reason}` : "";
  return {
    kind: "task",
    key: `${uri}#${task.taskId}`,
    label: `${task.taskId} ${task.title}`,
    uri,
    line: task.line,
    task,
    description: describe(task),
    tooltip: `${task.taskId}: ${task.title}\n${status}${reason}`,
    icon,
    ...(color === undefined ? {} : { color }),
    contextValue: contextValue(task),
    children: [],
  };
}

/**
 * The tree: one node per roadmap, its sections nested by heading, tasks under their section or
 * their parent task. With a filter, a task is kept when it or one of its sub-tasks matches;
 * empty sections and roadmaps are dropped (except when nothing is filtered).
 */
export function buildTree(
  roadmaps: readonly RoadmapTasks[],
  states: (uri: string, taskId: string) => TaskState | undefined,
  filter: Filter = "all",
): TreeNode[] {
  const out: TreeNode[] = [];
  for (const roadmap of roadmaps) {
    const root: TreeNode = {
      kind: "roadmap",
      key: roadmap.uri,
      label: roadmap.label,
      uri: roadmap.uri,
      children: [],
    };
    const sections = new Map<string, TreeNode>();
    const tasks = new Map<string, TreeNode>();
    const sectionOf = (headings: string[]): TreeNode => {
      let parent = root;
      for (let i = 0; i < headings.length; i++) {
        const key = `${roadmap.uri}§${headings.slice(0, i + 1).join("\u0000")}`;
        let node = sections.get(key);
        if (node === undefined) {
          node = { kind: "section", key, label: headings[i] ?? "", uri: roadmap.uri, children: [] };
          sections.set(key, node);
          parent.children.push(node);
        }
        parent = node;
      }
      return parent;
    };
    for (const listing of roadmap.tasks) {
      const task = withState(listing, states(roadmap.uri, listing.taskId));
      const node = taskNode(roadmap.uri, task);
      tasks.set(task.taskId, node);
      const parent = task.parent ? tasks.get(task.parent) : undefined;
      (parent ?? sectionOf(task.headings)).children.push(node);
    }
    const kept = filter === "all" ? root : prune(root, filter);
    if (kept !== undefined) {
      out.push(kept);
    }
  }
  return out;
}

function prune(node: TreeNode, filter: Filter): TreeNode | undefined {
  const children = node.children.flatMap((c) => prune(c, filter) ?? []);
  const self = node.kind === "task" && node.task !== undefined && matches(filter, node.task);
  if (!self && children.length === 0) {
    return undefined;
  }
  return { ...node, children };
}
