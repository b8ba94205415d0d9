/**
 * Entry point: creates the surfaces (transcript and server output channels, status bar item,
 * `roadmapd-git:` content provider), starts the client (with the package's bundled daemon, if
 * any) and wires restarts: serverPath/python/importStrategy changes and a newly granted
 * workspace trust restart the daemon; other settings reach it through
 * workspace/didChangeConfiguration without a restart.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { RoadmapClient } from "./client";
import { registerCommands } from "./commands";
import { commandGate } from "./gate";
import { GitContentProvider, SCHEME } from "./gitContent";
import { needsRestart } from "./settings";
import { TaskBoard } from "./status";

let client: RoadmapClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const transcript = vscode.window.createOutputChannel("Roadmap");
  const serverLog = vscode.window.createOutputChannel("Roadmap Server");
  const status = vscode.window.createStatusBarItem("roadmapd.status", vscode.StatusBarAlignment.Left, 50);
  status.name = "Roadmap task";
  status.command = "roadmapd.showOutput";
  const board = new TaskBoard();
  const refreshStatus = (): void => {
    const view = board.view();
    if (view === undefined) {
      status.hide();
      return;
    }
    status.text = view.text;
    status.tooltip = view.tooltip;
    status.show();
  };
  // The daemon the package ships (make vsix); a development build has none.
  const libs = path.join(context.extensionPath, "bundled", "libs");
  const bundledLibs = existsSync(path.join(libs, "roadmapd-bundle.json")) ? libs : undefined;
  const roadmap: RoadmapClient = new RoadmapClient(
    context.secrets,
    {
      transcript,
      serverLog,
      board,
      onBoardChanged: refreshStatus,
      executeCommand: commandGate(() => roadmap, transcript),
    },
    bundledLibs,
  );
  client = roadmap;
  context.subscriptions.push(
    transcript,
    serverLog,
    status,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, new GitContentProvider()),
    ...registerCommands({ client: roadmap, board, transcript, secrets: context.secrets }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((key) => event.affectsConfiguration(key))) {
        void roadmap.restart();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void roadmap.restart()),
  );
  await roadmap.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
