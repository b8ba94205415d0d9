/** Pure texts of the rollback flow: quick pick items, the modal confirmation, the outcome. */
import type { CheckpointEntry, RollbackResult } from "../../protocol/protocol";

export function shortCommit(commit: string | null | undefined): string {
  return commit ? commit.slice(0, 8) : "";
}

/** "3 minutes ago", "2 days ago": when a checkpoint was made, relative to `nowSeconds`. */
export function ago(createdAt: number, nowSeconds: number): string {
  const s = Math.max(0, Math.round(nowSeconds - createdAt));
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${name}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "just now";
}

function listFiles(files: readonly string[] | undefined, max = 5): string {
  if (!files || files.length === 0) {
    return "no recorded files";
  }
  const shown = files.slice(0, max).join(", ");
  return files.length > max ? `${shown} and ${files.length - max} more` : shown;
}

export interface PickItem {
  label: string;
  description: string;
  detail: string;
  entry: CheckpointEntry;
}

/** Quick pick items, newest first: task, when, files. */
export function checkpointItems(entries: readonly CheckpointEntry[], nowSeconds: number): PickItem[] {
  return [...entries]
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((entry) => ({
      label: `${entry.taskId} ${entry.title}`,
      description: `${ago(entry.createdAt, nowSeconds)} · checkpoint ${shortCommit(entry.commit)}`,
      detail: listFiles(entry.files),
      entry,
    }));
}

/** The modal confirmation: names the task, the files that change and how to undo. */
export function confirmText(entry: CheckpointEntry): string {
  const files = entry.files ?? [];
  const what =
    files.length > 0
      ? `${files.length} file${files.length === 1 ? "" : "s"} (${listFiles(files)}) go back`
      : "the working tree goes back";
  return (
    `Roll back ${entry.taskId} "${entry.title}"? ${what} to checkpoint ${shortCommit(entry.commit)}` +
    `${entry.taskCommit ? `, undoing commit ${shortCommit(entry.taskCommit)}` : ""}, and its box is unticked. ` +
    "Your current state is saved to a backup ref first, so this can be undone."
  );
}

/** What to tell the user after rollbackTask / rollbackUndo answered. */
export function outcomeText(result: RollbackResult): string {
  const parts = [result.message];
  if (result.conflicts && result.conflicts.length > 0) {
    parts.push(`Conflicts: ${result.conflicts.join(", ")}.`);
  }
  if (result.dependants && result.dependants.length > 0) {
    parts.push(`Later tasks depend on it: ${result.dependants.join(", ")}.`);
  }
  if (result.backupRef && !result.message.includes(result.backupRef)) {
    parts.push(`Backup: ${result.backupRef}.`);
  }
  return parts.join(" ");
}
