/**
 * The "Roadmap" view container's task tree: every daemon's tasks (`roadmapd/tasks`), live from
 * `roadmapd/taskState` through the status bar's TaskBoard (no polling), re-listed when a roadmap
 * is saved or a daemon (re)starts. Shaping is `taskTreeModel.ts`; this module is the VS Code
 * side: tree items, the filter, click to reveal the task's line, and the inline actions (Run,
 * Retry, Cancel, Roll Back, Show Diff, Show Log), which send the same roadmapd.* commands as the
 * lenses, so the trust gate and confirmations apply.
 */
import * as vscode from "vscode";
import {
  CMD_CANCEL_TASK,
  CMD_RETRY_TASK,
  CMD_ROLLBACK_TASK,
  CMD_RUN_TASK,
  CMD_SHOW_LOG,
  type TaskListing,
} from "../../protocol/protocol";
import type { RoadmapClients } from "./clients";
import { showTaskDiff } from "./gitContent";
import type { TaskBoard } from "./status";
import { type Filter, type RoadmapTasks, type TreeNode, buildTree } from "./taskTreeModel";

export const VIEW_ID = "roadmapd.tasks";

export class TaskTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roadmaps: RoadmapTasks[] = [];
  private filter: Filter = "all";
  private timer: NodeJS.Timeout | undefined;
  view: vscode.TreeView<TreeNode> | undefined;

  constructor(
    private readonly clients: RoadmapClients,
    private readonly board: TaskBoard,
  ) {}

  /** Ask every daemon for its tasks again (a roadmap was saved, a daemon started). */
  async reload(): Promise<void> {
    const multi = this.clients.multiRoot;
    const lists = await Promise.all(
      this.clients.all().map(async (client) => {
        const answer = await client.tasks().catch(() => ({ roadmaps: [] }));
        return answer.roadmaps.map((r) => ({
          uri: r.uri,
          tasks: r.tasks,
          label: labelOf(r.uri, multi),
        }));
      }),
    );
    this.roadmaps = lists.flat();
    this.changed.fire(undefined);
  }

  /** A task's state changed: redraw soon (states come in bursts while a task streams). */
  stateChanged(): void {
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.changed.fire(undefined);
      }, 150);
    }
  }

  setFilter(filter: Filter): void {
    this.filter = filter;
    if (this.view !== undefined) {
      this.view.description = filter === "all" ? undefined : filter;
    }
    this.changed.fire(undefined);
  }

  /** The listings the tree shows (the graph draws the same). */
  get listings(): readonly RoadmapTasks[] {
    return this.roadmaps;
  }

  /** The live state of a task (from roadmapd/taskState), if one arrived. */
  state(uri: string, taskId: string): ReturnType<TaskBoard["get"]> {
    return this.board.get(uri, taskId);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node !== undefined) {
      return node.children;
    }
    return buildTree(this.roadmaps, (uri, id) => this.board.get(uri, id), this.filter);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const collapsed =
      node.children.length === 0
        ? vscode.TreeItemCollapsibleState.None
        : node.kind === "task"
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(node.label, collapsed);
    item.id = `${this.filter}|${node.key}`;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue ?? node.kind;
    if (node.icon !== undefined) {
      item.iconPath = new vscode.ThemeIcon(
        node.icon,
        node.color ? new vscode.ThemeColor(node.color) : undefined,
      );
    } else if (node.kind === "roadmap") {
      item.iconPath = new vscode.ThemeIcon("checklist");
    }
    const line = node.line ?? 0;
    item.command = {
      command: "vscode.open",
      title: "Reveal",
      arguments: [vscode.Uri.parse(node.uri), { selection: new vscode.Range(line, 0, line, 0) }],
    };
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

function labelOf(uri: string, multiRoot: boolean): string {
  const parsed = vscode.Uri.parse(uri);
  return vscode.workspace.asRelativePath(parsed, multiRoot);
}

function ref(node: TreeNode | undefined): { uri: string; taskId: string } | undefined {
  const task: TaskListing | undefined = node?.task;
  return node && task ? { uri: node.uri, taskId: task.taskId } : undefined;
}

/** The view, its refresh triggers, and its commands. */
export function registerTaskTree(
  clients: RoadmapClients,
  board: TaskBoard,
): { tree: TaskTree; disposables: vscode.Disposable[] } {
  const tree = new TaskTree(clients, board);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  tree.view = view;
  const send = (command: string) => async (node?: TreeNode) => {
    const target = ref(node);
    if (target !== undefined) {
      await vscode.commands.executeCommand(command, target);
    }
  };
  const isRoadmap = (doc: vscode.TextDocument): boolean => /\.md$/i.test(doc.uri.path);
  return {
    tree,
    disposables: [
      tree,
      view,
      vscode.commands.registerCommand("roadmapd.tree.run", send(CMD_RUN_TASK)),
      vscode.commands.registerCommand("roadmapd.tree.retry", send(CMD_RETRY_TASK)),
      vscode.commands.registerCommand("roadmapd.tree.cancel", send(CMD_CANCEL_TASK)),
      vscode.commands.registerCommand("roadmapd.tree.rollBack", send(CMD_ROLLBACK_TASK)),
      vscode.commands.registerCommand("roadmapd.tree.showLog", send(CMD_SHOW_LOG)),
      vscode.commands.registerCommand("roadmapd.tree.showDiff", async (node?: TreeNode) => {
        const target = ref(node);
        const client = target && (await clients.forUri(target.uri));
        const folder = target && vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(target.uri));
        if (!target || !client || !folder) {
          return;
        }
        const answer = await client.checkpoints({ uri: target.uri });
        const entry = answer.checkpoints.find((c) => c.taskId === target.taskId && c.taskCommit);
        if (entry !== undefined) {
          await showTaskDiff(folder.uri.fsPath, entry);
        }
      }),
      vscode.commands.registerCommand("roadmapd.tree.refresh", () => tree.reload()),
      vscode.commands.registerCommand("roadmapd.tree.filterPending", () => tree.setFilter("pending")),
      vscode.commands.registerCommand("roadmapd.tree.filterFailed", () => tree.setFilter("failed")),
      vscode.commands.registerCommand("roadmapd.tree.filterAll", () => tree.setFilter("all")),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (isRoadmap(doc)) {
          void tree.reload();
        }
      }),
    ],
  };
}
