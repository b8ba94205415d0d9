/**
 * Tools for VS Code's own agents (Copilot, Claude in VS Code; `contributes.languageModelTools`):
 * list the roadmap's tasks with their status, run a task, read a task's result and log, roll a
 * task back (VS Code asks the user first: `prepareInvocation`'s confirmation). Each goes through
 * the same daemons and commands as a lens click, so the trust gate applies. Where this editor
 * has no `vscode.lm.registerTool` (code-server builds and editors without the chat API), nothing
 * is registered and the server log says so once.
 */
import * as vscode from "vscode";
import { CMD_ROLLBACK_TASK, CMD_RUN_TASK, CMD_SHOW_LOG } from "../../protocol/protocol";
import type { RoadmapClients } from "./clients";
import {
  type Located,
  type TaskInput,
  listText,
  locate,
  resultText,
  rollbackConfirmation,
  taskInput,
} from "./lmToolsText";

export const TOOLS = {
  list: "roadmapd_listTasks",
  run: "roadmapd_runTask",
  result: "roadmapd_taskResult",
  rollBack: "roadmapd_rollbackTask",
} as const;

function text(value: string): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(value)]);
}

async function everyTask(clients: RoadmapClients): Promise<Located[]> {
  const answers = await Promise.all(clients.all().map((c) => c.tasks().catch(() => ({ roadmaps: [] }))));
  return answers.flatMap((a) => a.roadmaps.flatMap((r) => r.tasks.map((task) => ({ uri: r.uri, task }))));
}

async function found(clients: RoadmapClients, input: unknown): Promise<Located | string> {
  const checked = taskInput(input);
  return typeof checked === "string" ? checked : locate(await everyTask(clients), checked);
}

function label(uri: string): string {
  return vscode.workspace.asRelativePath(
    vscode.Uri.parse(uri),
    (vscode.workspace.workspaceFolders?.length ?? 0) > 1,
  );
}

export function registerLmTools(clients: RoadmapClients, log: vscode.OutputChannel): vscode.Disposable[] {
  const lm = (vscode as { lm?: { registerTool?: typeof vscode.lm.registerTool } }).lm;
  if (typeof lm?.registerTool !== "function") {
    log.appendLine("This editor has no language model tools API: the roadmapd_* tools are not offered.");
    return [];
  }
  const register = lm.registerTool.bind(lm);
  const command = async (name: string, at: Located): Promise<unknown> =>
    vscode.commands.executeCommand(name, { uri: at.uri, taskId: at.task.taskId });
  return [
    register<Record<string, never>>(TOOLS.list, {
      invoke: async () => text(listText(await everyTask(clients), label)),
    }),
    register<TaskInput>(TOOLS.run, {
      prepareInvocation: (options) => ({ invocationMessage: `Running roadmap task ${options.input.taskId}` }),
      invoke: async (options) => {
        const at = await found(clients, options.input);
        if (typeof at === "string") {
          return text(at);
        }
        const answer = (await command(CMD_RUN_TASK, at)) as { ok?: boolean; message?: string } | undefined;
        const said = answer?.message ?? "no answer (is the workspace trusted?)";
        return text(
          `${answer?.ok ? "started" : "not started"}: ${said}. It runs in the background; ` +
            `${TOOLS.result} tells its status and result.`,
        );
      },
    }),
    register<TaskInput>(TOOLS.result, {
      invoke: async (options) => {
        const at = await found(clients, options.input);
        if (typeof at === "string") {
          return text(at);
        }
        const log = at.task.status === "pending" ? undefined : await command(CMD_SHOW_LOG, at);
        return text(resultText(at, typeof log === "string" ? log : undefined));
      },
    }),
    register<TaskInput>(TOOLS.rollBack, {
      prepareInvocation: async (options) => {
        const at = await found(clients, options.input);
        return typeof at === "string"
          ? { invocationMessage: at }
          : {
              invocationMessage: `Rolling back ${at.task.taskId}`,
              confirmationMessages: rollbackConfirmation(at),
            };
      },
      invoke: async (options) => {
        const at = await found(clients, options.input);
        if (typeof at === "string") {
          return text(at);
        }
        const answer = (await command(CMD_ROLLBACK_TASK, at)) as
          { ok?: boolean; message?: string } | undefined;
        return text(answer?.message ?? `the roll back of ${at.task.taskId} was not done`);
      },
    }),
  ];
}
