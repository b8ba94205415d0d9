/**
 * The palette commands (category "Roadmap"). Task commands find their task on the cursor line
 * from the server's own code lenses; everything is sent as the protocol's roadmapd.* commands,
 * so the trust gate and result handling in gate.ts apply to them as to lens clicks.
 */
import * as vscode from "vscode";
import {
  CMD_CANCEL_TASK,
  CMD_RETRY_TASK,
  CMD_ROLLBACK_TASK,
  CMD_ROLLBACK_UNDO,
  CMD_PAUSE,
  CMD_RESUME_RUN,
  CMD_REVERIFY_DONE,
  CMD_RUN_ALL,
  CMD_RUN_TASK,
  type CheckpointEntry,
  type TaskState,
} from "../../protocol/protocol";
import { API_KEY_SECRET } from "./client";
import { type RoadmapClients, roadmapGlobs } from "./clients";
import { showTaskDiff } from "./gitContent";
import { type LensCommand, commandOnLine } from "./lensPick";
import { checkpointItems } from "./rollbackText";
import { DEFAULT_ROADMAPS, documentSelector } from "./settings";
import type { TaskBoard } from "./status";

export interface Deps {
  clients: RoadmapClients;
  board: TaskBoard;
  transcript: vscode.OutputChannel;
  secrets: vscode.SecretStorage;
}

/** The workspace's roadmap files (the roadmapd.roadmaps globs). */
async function roadmapFiles(): Promise<vscode.Uri[]> {
  const found: vscode.Uri[] = [];
  for (const glob of roadmapGlobs()) {
    found.push(...(await vscode.workspace.findFiles(glob, "**/node_modules/**", 50)));
  }
  return found;
}

/** The roadmap to act on: the active editor's when it is one, else the workspace's (ask if several). */
async function roadmapUri(): Promise<vscode.Uri | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && vscode.languages.match(documentSelector(roadmapGlobs()), doc) > 0) {
    return doc.uri;
  }
  const found = await roadmapFiles();
  if (found.length <= 1) {
    if (found.length === 0) {
      void vscode.window.showWarningMessage(
        `Roadmap: no roadmap file (${roadmapGlobs().join(", ")}) in this workspace.`,
      );
    }
    return found[0];
  }
  const pick = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: "Which roadmap?" },
  );
  return pick?.uri;
}

/** What "Open Roadmap" writes when the workspace has none (and the user asks for one). */
export const STARTER_ROADMAP = [
  "# Roadmap",
  "",
  "Each unchecked box is a task: click ▶ Run task above it. Ids, dependencies and hints:",
  "docs/roadmap-format.md of roadmapd.",
  "",
  "- [ ] Describe the first small change here, with the test that proves it",
  "",
].join("\n");

/** Opens the workspace's roadmap (asks if several); offers to create ROADMAP.md when none. */
async function openRoadmap(): Promise<void> {
  const found = await roadmapFiles();
  let uri: vscode.Uri | undefined = found[0];
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(
      found.map((file) => ({ label: vscode.workspace.asRelativePath(file), uri: file })),
      { placeHolder: "Which roadmap?" },
    );
    uri = pick?.uri;
  } else if (found.length === 0) {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder === undefined) {
      void vscode.window.showInformationMessage(
        "Roadmap: open a folder first; its ROADMAP.md holds the tasks.",
      );
      return;
    }
    const first = roadmapGlobs()[0] ?? DEFAULT_ROADMAPS[0];
    const name = /[*?[\]{}]/.test(first) ? "ROADMAP.md" : first.replace(/^\.\//, "");
    const create = `Create ${name}`;
    const pick = await vscode.window.showInformationMessage(
      `Roadmap: no roadmap file (${roadmapGlobs().join(", ")}) in this workspace.`,
      create,
    );
    if (pick !== create) {
      return;
    }
    uri = vscode.Uri.joinPath(folder.uri, name);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(STARTER_ROADMAP));
  }
  if (uri !== undefined) {
    await vscode.window.showTextDocument(uri);
  }
}

/** The server's lens command on the cursor line, preferring the commands in `wanted` order. */
async function lensAtCursor(wanted: string[]): Promise<LensCommand | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    return undefined;
  }
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[]>(
      "vscode.executeCodeLensProvider",
      editor.document.uri,
      10000,
    )) ?? [];
  const commands: LensCommand[] = lenses
    .filter((lens) => lens.command?.command)
    .map((lens) => ({
      line: lens.range.start.line,
      command: lens.command?.command ?? "",
      arguments: lens.command?.arguments ?? [],
    }));
  return commandOnLine(commands, editor.selection.active.line, wanted);
}

async function runLens(lens: LensCommand): Promise<void> {
  await vscode.commands.executeCommand(lens.command, ...lens.arguments);
}

async function pickState(states: TaskState[], placeHolder: string): Promise<TaskState | undefined> {
  if (states.length <= 1) {
    return states[0];
  }
  const pick = await vscode.window.showQuickPick(
    states.map((state) => ({ label: `${state.taskId} ${state.title}`, description: state.status, state })),
    { placeHolder },
  );
  return pick?.state;
}

async function onStateOrCursor(
  deps: Deps,
  command: string,
  statuses: TaskState["status"][],
  verb: string,
): Promise<void> {
  const lens = await lensAtCursor([command]);
  if (lens !== undefined) {
    return runLens(lens);
  }
  const state = await pickState(deps.board.withStatus(...statuses), `Task to ${verb}`);
  if (state === undefined) {
    void vscode.window.showInformationMessage(
      `Roadmap: no task to ${verb} (none at the cursor, none ${statuses.join("/")}).`,
    );
    return;
  }
  await vscode.commands.executeCommand(command, { uri: state.uri, taskId: state.taskId });
}

async function pickCheckpoint(
  deps: Deps,
  placeHolder: string,
  finishedOnly: boolean,
): Promise<{ uri: vscode.Uri; entry: CheckpointEntry } | undefined> {
  const uri = await roadmapUri();
  if (uri === undefined) {
    return undefined;
  }
  const client = await deps.clients.forUri(uri.toString());
  if (client === undefined) {
    throw new Error(`no roadmapd daemon serves ${vscode.workspace.asRelativePath(uri)}`);
  }
  const answer = await client.checkpoints({ uri: uri.toString() });
  const entries = answer.checkpoints.filter((c) => !finishedOnly || c.taskCommit);
  if (entries.length === 0) {
    void vscode.window.showInformationMessage(
      `Roadmap: no ${finishedOnly ? "finished tasks" : "checkpoints"} in ${vscode.workspace.asRelativePath(uri)}.`,
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(checkpointItems(entries, Date.now() / 1000), {
    placeHolder,
    matchOnDetail: true,
  });
  return pick ? { uri, entry: pick.entry } : undefined;
}

export function registerCommands(deps: Deps): vscode.Disposable[] {
  const guard = (body: () => Promise<unknown>) => async (): Promise<void> => {
    try {
      await body();
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Roadmap: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const table: Record<string, () => Promise<unknown>> = {
    "roadmapd.openRoadmap": openRoadmap,
    "roadmapd.runTaskAtCursor": async () => {
      const lens = await lensAtCursor([CMD_RUN_TASK, CMD_RETRY_TASK]);
      if (lens === undefined) {
        const line = (vscode.window.activeTextEditor?.selection.active.line ?? 0) + 1;
        void vscode.window.showInformationMessage(
          `Roadmap: no runnable task on line ${line}; put the cursor on a "- [ ]" task line of a roadmap.`,
        );
        return;
      }
      await runLens(lens);
    },
    "roadmapd.runAllPending": async () => {
      const uri = await roadmapUri();
      if (uri !== undefined) {
        await vscode.commands.executeCommand(CMD_RUN_ALL, { uri: uri.toString() });
      }
    },
    "roadmapd.pauseRun": async () => vscode.commands.executeCommand(CMD_PAUSE),
    "roadmapd.resume": async () => vscode.commands.executeCommand(CMD_RESUME_RUN),
    "roadmapd.reverifyDoneTasks": async () => {
      // the active roadmap's done tasks, else every roadmap's
      const doc = vscode.window.activeTextEditor?.document;
      const args =
        doc && vscode.languages.match(documentSelector(roadmapGlobs()), doc) > 0
          ? [{ uri: doc.uri.toString() }]
          : [];
      await vscode.commands.executeCommand(CMD_REVERIFY_DONE, ...args);
    },
    "roadmapd.cancel": () =>
      onStateOrCursor(deps, CMD_CANCEL_TASK, ["queued", "running", "verifying"], "cancel"),
    "roadmapd.retry": () =>
      onStateOrCursor(deps, CMD_RETRY_TASK, ["failed", "cancelled", "interrupted", "regressed"], "retry"),
    "roadmapd.showOutput": async () => deps.transcript.show(true),
    "roadmapd.rollBack": async () => {
      const picked = await pickCheckpoint(deps, "Task to roll back (newest first)", false);
      if (picked) {
        await vscode.commands.executeCommand(CMD_ROLLBACK_TASK, {
          uri: picked.uri.toString(),
          taskId: picked.entry.taskId,
        });
      }
    },
    "roadmapd.undoRollback": async () => vscode.commands.executeCommand(CMD_ROLLBACK_UNDO),
    "roadmapd.showDiff": async () => {
      const picked = await pickCheckpoint(deps, "Finished task to compare", true);
      const folder = picked && vscode.workspace.getWorkspaceFolder(picked.uri);
      if (picked && folder) {
        await showTaskDiff(folder.uri.fsPath, picked.entry);
      }
    },
    "roadmapd.setApiKey": async () => {
      const key = await vscode.window.showInputBox({
        title: "Roadmap: Anthropic API key",
        prompt:
          "Stored in VS Code's secret storage and passed to the daemon as ANTHROPIC_API_KEY. Empty: remove it.",
        password: true,
        ignoreFocusOut: true,
      });
      if (key === undefined) {
        return;
      }
      await (key.trim()
        ? deps.secrets.store(API_KEY_SECRET, key.trim())
        : deps.secrets.delete(API_KEY_SECRET));
      await deps.clients.restart();
      void vscode.window.showInformationMessage(
        `Roadmap: API key ${key.trim() ? "saved" : "removed"}; the daemon was restarted.`,
      );
    },
    "roadmapd.restartServer": () => deps.clients.restart(),
  };
  return Object.entries(table).map(([name, body]) => vscode.commands.registerCommand(name, guard(body)));
}
