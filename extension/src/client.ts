/**
 * One daemon's language client (one per workspace folder with a roadmap; `clients.ts` keeps
 * them): start the daemon (launch choice, API key from SecretStorage in its environment,
 * settings as initializationOptions), route its custom notifications to the status bar and the
 * transcript channel, filter the settings it pulls, run server commands through the trust gate,
 * stop and restart it. Server commands are not registered per client (two clients cannot both
 * register `roadmapd.runTask`): `clients.ts` registers each once and routes it here.
 */
import * as vscode from "vscode";
import {
  DidChangeWatchedFilesNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  ResponseError,
  type ServerOptions,
} from "vscode-languageclient/node";
import {
  NOTIFY_TASK_STATE,
  NOTIFY_TRANSCRIPT,
  REQUEST_ASK_USER,
  REQUEST_CHECKPOINTS,
  REQUEST_TASKS,
  type AskUserParams,
  type CheckpointsParams,
  type CheckpointsResult,
  type TaskState,
  type TasksParams,
  type TasksResult,
  type TranscriptLine,
} from "../../protocol/protocol";
import {
  DOCS_URL,
  describeLaunch,
  importStrategy,
  noInterpreterMessage,
  noServerMessage,
  serverProcess,
} from "./launch";
import { askUser, askUserCapability } from "./askUser";
import { type FolderRef, folderLabel } from "./folders";
import { commandGate } from "./gate";
import { chooseLaunch } from "./python";
import { type Registrable, replaceRepeatedRegistrations } from "./registrations";
import { DAEMON_KEYS, daemonSettings, documentSelector, explicitValue } from "./settings";
import type { TaskBoard } from "./status";
import { formatTranscript } from "./transcript";

export const API_KEY_SECRET = "roadmapd.anthropicApiKey";

export interface Surfaces {
  transcript: vscode.OutputChannel;
  serverLog: vscode.OutputChannel;
  board: TaskBoard;
  /** Called after the board changed (a state arrived, or the daemon stopped). */
  onBoardChanged(): void;
  /** Whether several folders have a daemon (their lines then carry the folder's name). */
  multiRoot(): boolean;
  /** The server's commands, once it announced them (registered once for every client). */
  onServerCommands(commands: readonly string[]): void;
}

/** The daemon's settings the user set explicitly for `scope` (defaults are the daemon's). */
function explicitSettings(scope: vscode.Uri | undefined): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration("roadmapd", scope);
  return daemonSettings(
    Object.fromEntries(DAEMON_KEYS.map((key) => [key, explicitValue(config.inspect(key))])),
  );
}

export class RoadmapClient {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly gate: NonNullable<Middleware["executeCommand"]>;

  /**
   * `bundledLibs`: the package's bundled/libs folder (roadmapd and its dependencies) when it
   * ships them, which roadmapd.importStrategy = useBundled runs. `folder`: the workspace folder
   * this daemon serves (undefined: a window without folders).
   */
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly surfaces: Surfaces,
    private readonly bundledLibs: string | undefined,
    readonly folder: vscode.WorkspaceFolder | undefined,
  ) {
    this.gate = commandGate(() => this, surfaces.transcript);
  }

  get ref(): FolderRef | undefined {
    return this.folder && { uri: this.folder.uri.toString(), name: this.folder.name };
  }

  /** Run a server command of this daemon through the trust gate (messages, confirmations). */
  async execute(command: string, args: unknown[]): Promise<unknown> {
    const next = async (name: string, callArgs: unknown[]): Promise<unknown> => {
      const client = this.running;
      if (client === undefined) {
        throw new Error("the roadmapd daemon is not running (Roadmap: Restart Server)");
      }
      return client.sendRequest(ExecuteCommandRequest.type, { command: name, arguments: callArgs });
    };
    return this.gate(command, args, next);
  }

  get running(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const { serverLog } = this.surfaces;
    const folder = this.folder?.uri;
    const strategy = importStrategy(
      vscode.workspace.getConfiguration("roadmapd", folder).get<string>("importStrategy"),
    );
    if (strategy === "useBundled" && this.bundledLibs === undefined) {
      serverLog.appendLine(
        "This build of the extension has no bundled daemon (bundled/libs; `make vsix` makes one): " +
          "using roadmapd from the environment.",
      );
    }
    const choice = await chooseLaunch(folder, this.bundledLibs);
    if (choice.launch === undefined) {
      const message = choice.bundled
        ? noInterpreterMessage(choice.rejected)
        : noServerMessage(choice.rejected);
      serverLog.appendLine(message);
      // Not awaited: activation (and every command waiting for it) must not hang on the toast.
      void vscode.window
        .showErrorMessage(message, "Open Docs", "Open Settings", "Show Log")
        .then(async (pick) => {
          if (pick === "Open Docs") {
            await vscode.env.openExternal(vscode.Uri.parse(DOCS_URL));
          } else if (pick === "Open Settings") {
            await vscode.commands.executeCommand("workbench.action.openSettings", "roadmapd.");
          } else if (pick === "Show Log") {
            serverLog.show(true);
          }
        });
      return;
    }
    serverLog.appendLine(`Starting ${describeLaunch(choice.launch)}`);
    for (const r of choice.rejected) {
      serverLog.appendLine(`  skipped ${describeLaunch(r.launch)}: ${r.reason}`);
    }
    // The key runs tasks; a workspace that is not trusted cannot run any, so it gets none.
    const apiKey = vscode.workspace.isTrusted ? await this.secrets.get(API_KEY_SECRET) : undefined;
    const proc = serverProcess(choice.launch, process.env, apiKey, folder?.fsPath);
    // No `transport`: stdio without the `--stdio` argument vscode-languageclient would append.
    const serverOptions: ServerOptions = proc;
    const config = vscode.workspace.getConfiguration("roadmapd", folder);
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector(
        config.get<string[]>("roadmaps"),
        (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? this.folder?.uri.fsPath : undefined,
      ),
      workspaceFolder: this.folder,
      initializationOptions: explicitSettings(folder),
      synchronize: { configurationSection: "roadmapd" },
      outputChannel: serverLog,
      traceOutputChannel: serverLog,
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (answer instanceof ResponseError || !Array.isArray(answer)) {
              return answer;
            }
            return answer.map((value: unknown, i: number) => {
              const item = params.items[i];
              if (item?.section !== "roadmapd") {
                return value;
              }
              return explicitSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : folder);
            });
          },
        },
      },
    };
    const client = new LanguageClient("roadmapd", "Roadmap (roadmapd)", serverOptions, clientOptions);
    // The typed getFeature overloads do not list didChangeWatchedFiles; the feature is there.
    const getFeature = client.getFeature.bind(client) as unknown as (
      method: string,
    ) => Registrable | undefined;
    const watcher = getFeature(DidChangeWatchedFilesNotification.method);
    if (watcher !== undefined) {
      replaceRepeatedRegistrations(watcher);
    }
    const commands = getFeature(ExecuteCommandRequest.method);
    if (commands !== undefined) {
      // clients.ts registers each server command once, for every client; not each client
      commands.register = () => undefined;
    }
    client.onNotification(NOTIFY_TASK_STATE, (state: TaskState) => {
      this.surfaces.board.update(state);
      this.surfaces.onBoardChanged();
    });
    client.onNotification(NOTIFY_TRANSCRIPT, (line: TranscriptLine) => {
      const label = folderLabel(this.ref, this.surfaces.multiRoot());
      this.surfaces.transcript.appendLine(label + formatTranscript(line));
    });
    client.registerFeature(askUserCapability);
    client.onRequest(REQUEST_ASK_USER, (params: AskUserParams) => askUser(params));
    this.client = client;
    try {
      await client.start();
      this.surfaces.onServerCommands(
        client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [],
      );
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(
        `Roadmap: the daemon (${describeLaunch(choice.launch)}) did not start: ${text}. See the "Roadmap Server" output.`,
      );
    }
  }

  async stop(): Promise<void> {
    await this.starting;
    const client = this.client;
    this.client = undefined;
    this.surfaces.board.clear();
    this.surfaces.onBoardChanged();
    if (client !== undefined && client.needsStop()) {
      await client.stop();
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Every task of this daemon's roadmaps with its state (`roadmapd/tasks`). */
  async tasks(params: TasksParams = {}): Promise<TasksResult> {
    const client = this.running;
    if (client === undefined) {
      return { roadmaps: [] };
    }
    return client.sendRequest<TasksResult>(REQUEST_TASKS, params);
  }

  async checkpoints(params: CheckpointsParams): Promise<CheckpointsResult> {
    const client = this.running;
    if (client === undefined) {
      throw new Error("the roadmapd daemon is not running (Roadmap: Restart Server)");
    }
    return client.sendRequest<CheckpointsResult>(REQUEST_CHECKPOINTS, params);
  }
}
