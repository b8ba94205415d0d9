/**
 * Every roadmapd command passes through here (lens clicks and palette alike), as the language
 * client's executeCommand middleware: running is refused in untrusted workspaces with an
 * explanation, a roll back is confirmed in a modal naming what changes and answered with an
 * Undo button, failures and `ok: false` answers become messages, showLog text goes to the log.
 */
import * as vscode from "vscode";
import type { Middleware } from "vscode-languageclient/node";
import {
  CMD_PAUSE,
  CMD_RESUME_RUN,
  CMD_RETRY_TASK,
  CMD_REVERIFY_DONE,
  CMD_ROLLBACK_TASK,
  CMD_ROLLBACK_UNDO,
  CMD_RUN_ALL,
  CMD_RUN_SECTION,
  CMD_RUN_TASK,
  CMD_SHOW_LOG,
  type CheckpointEntry,
  type CommandResult,
  type RollbackArgs,
  type RollbackResult,
} from "../../protocol/protocol";
import type { RoadmapClient } from "./client";
import { confirmText, outcomeText } from "./rollbackText";

/** Commands that run an agent, checks or change the working tree. */
export const NEEDS_TRUST = new Set([
  CMD_RUN_TASK,
  CMD_RETRY_TASK,
  CMD_RUN_SECTION,
  CMD_RUN_ALL,
  CMD_ROLLBACK_TASK,
  CMD_ROLLBACK_UNDO,
  CMD_REVERIFY_DONE,
  CMD_RESUME_RUN,
]);

/** Commands whose `ok` answer is news the user waits for (not only a started run). */
const SAY_WHEN_OK = new Set([CMD_REVERIFY_DONE, CMD_PAUSE]);

type Next = (command: string, args: unknown[]) => Promise<unknown>;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function explainUntrusted(): Promise<void> {
  const pick = await vscode.window.showWarningMessage(
    "Roadmap: running, retrying and rolling back tasks is disabled in Restricted Mode, because it " +
      "runs an agent and the project's checks. Trust this workspace to enable it.",
    "Manage Workspace Trust",
  );
  if (pick !== undefined) {
    await vscode.commands.executeCommand("workbench.trust.manage");
  }
}

export async function undoRollback(next: Next): Promise<void> {
  const result = (await next(CMD_ROLLBACK_UNDO, [])) as RollbackResult | undefined;
  if (result !== undefined) {
    const show = result.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(`Roadmap: ${outcomeText(result)}`);
  }
}

async function rollBack(client: RoadmapClient, args: unknown[], next: Next): Promise<unknown> {
  const ref = args[0] as RollbackArgs | undefined;
  if (ref === undefined || typeof ref !== "object") {
    return next(CMD_ROLLBACK_TASK, args);
  }
  const found = await client.checkpoints({ uri: ref.uri }).then(
    (answer) => answer.checkpoints.find((c: CheckpointEntry) => c.taskId === ref.taskId),
    () => undefined,
  );
  const text = found
    ? confirmText(found)
    : `Roll back ${ref.taskId}? Its changes are undone and its box is unticked; your current state is saved first.`;
  if ((await vscode.window.showWarningMessage(text, { modal: true }, "Roll Back")) !== "Roll Back") {
    return undefined;
  }
  let result = (await next(CMD_ROLLBACK_TASK, [ref])) as RollbackResult;
  if (result.method === "refused" && !ref.force && (result.dependants?.length || result.conflicts?.length)) {
    const force = await vscode.window.showWarningMessage(
      `Roadmap: ${outcomeText(result)}`,
      { modal: true },
      "Roll Back Anyway",
    );
    if (force !== "Roll Back Anyway") {
      return result;
    }
    result = (await next(CMD_ROLLBACK_TASK, [{ ...ref, force: true }])) as RollbackResult;
  }
  if (result.ok) {
    const pick = await vscode.window.showInformationMessage(`Roadmap: ${outcomeText(result)}`, "Undo");
    if (pick === "Undo") {
      await undoRollback(next);
    }
  } else {
    void vscode.window.showWarningMessage(`Roadmap: ${outcomeText(result)}`);
  }
  return result;
}

export function commandGate(
  client: () => RoadmapClient,
  transcript: vscode.OutputChannel,
): NonNullable<Middleware["executeCommand"]> {
  return async (command, args, next) => {
    if (NEEDS_TRUST.has(command) && !vscode.workspace.isTrusted) {
      void explainUntrusted();
      return undefined;
    }
    const call: Next = async (name, callArgs) => next(name, callArgs);
    try {
      if (command === CMD_ROLLBACK_TASK) {
        return await rollBack(client(), args, call);
      }
      if (command === CMD_ROLLBACK_UNDO) {
        await undoRollback(call);
        return undefined;
      }
      const result = await call(command, args);
      if (command === CMD_SHOW_LOG && typeof result === "string") {
        transcript.appendLine(result);
        transcript.show(true);
      } else if (result && typeof result === "object" && (result as CommandResult).ok === false) {
        void vscode.window.showWarningMessage(`Roadmap: ${(result as CommandResult).message}`);
      } else if (result && typeof result === "object" && SAY_WHEN_OK.has(command)) {
        void vscode.window.showInformationMessage(`Roadmap: ${(result as CommandResult).message}`);
      }
      return result;
    } catch (error) {
      void vscode.window.showErrorMessage(`Roadmap: ${errorText(error)}`);
      return undefined;
    }
  };
}
