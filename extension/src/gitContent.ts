/**
 * "Show Diff" for a finished task: a read-only `roadmapd-git:` document scheme whose content
 * is `git show <commit>:<path>`, and a `vscode.diff` / `vscode.changes` between the task's
 * checkpoint commit and its task commit. Git lists the changed files; nothing is guessed.
 */
import { execFile } from "node:child_process";
import * as vscode from "vscode";
import type { CheckpointEntry } from "../../protocol/protocol";
import { shortCommit } from "./rollbackText";

export const SCHEME = "roadmapd-git";

function git(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", ["-C", root, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(stderr.trim() || error.message));
      } else {
        resolve(stdout);
      }
    });
  });
}

interface At {
  root: string;
  commit: string;
  path: string;
}

export function gitUri(at: At): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${at.path}`, query: JSON.stringify(at) });
}

export class GitContentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const at = JSON.parse(uri.query) as At;
    try {
      return await git(at.root, ["show", `${at.commit}:${at.path}`]);
    } catch {
      return ""; // the file does not exist in that commit (added or deleted by the task)
    }
  }
}

/** Opens the diff of a finished task: one file in `vscode.diff`, several in `vscode.changes`. */
export async function showTaskDiff(root: string, entry: CheckpointEntry): Promise<void> {
  if (!entry.taskCommit) {
    void vscode.window.showInformationMessage(`Roadmap: ${entry.taskId} has no task commit to compare yet.`);
    return;
  }
  const top = (await git(root, ["rev-parse", "--show-toplevel"])).trim();
  const names = (await git(top, ["diff", "--name-only", "-z", entry.commit, entry.taskCommit]))
    .split("\0")
    .filter((n) => n.length > 0);
  if (names.length === 0) {
    void vscode.window.showInformationMessage(`Roadmap: ${entry.taskId} changed no files.`);
    return;
  }
  const title = `${entry.taskId}: ${shortCommit(entry.commit)} ↔ ${shortCommit(entry.taskCommit)}`;
  const pair = (p: string): [vscode.Uri, vscode.Uri, vscode.Uri] => [
    vscode.Uri.file(`${top}/${p}`),
    gitUri({ root: top, commit: entry.commit, path: p }),
    gitUri({ root: top, commit: entry.taskCommit as string, path: p }),
  ];
  if (names.length === 1) {
    const [, before, after] = pair(names[0]);
    await vscode.commands.executeCommand("vscode.diff", before, after, `${names[0]} (${title})`);
  } else {
    await vscode.commands.executeCommand("vscode.changes", title, names.map(pair));
  }
}
