/**
 * Entry point: creates the surfaces (transcript and server output channels, status bar item,
 * `roadmapd-git:` content provider), starts the daemons (one per workspace folder with a
 * roadmap, `clients.ts`; with the package's bundled daemon, if any) and wires restarts:
 * serverPath/python/importStrategy changes and a newly granted workspace trust restart them;
 * other settings reach them through workspace/didChangeConfiguration without a restart.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { RoadmapClient } from "./client";
import { RoadmapClients } from "./clients";
import { registerCommands } from "./commands";
import { folderFor, folderLabel } from "./folders";
import { GitContentProvider, SCHEME } from "./gitContent";
import { registerGraph } from "./graphPanel";
import { registerLmTools } from "./lmTools";
import { needsRestart } from "./settings";
import { TaskBoard } from "./status";
import { registerTaskTree } from "./taskTree";

let clients: RoadmapClients | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const transcript = vscode.window.createOutputChannel("Roadmap");
  const serverLog = vscode.window.createOutputChannel("Roadmap Server");
  const status = vscode.window.createStatusBarItem("roadmapd.status", vscode.StatusBarAlignment.Left, 50);
  status.name = "Roadmap task";
  status.command = "roadmapd.showOutput";
  const board = new TaskBoard();
  const refreshStatus = (): void => {
    const view = board.view((uri) => {
      const refs = daemons.all().flatMap((c) => (c.ref ? [c.ref] : []));
      return folderLabel(folderFor(uri, refs), daemons.multiRoot);
    });
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
  const surfaces = {
    transcript,
    serverLog,
    board,
    onBoardChanged: () => {
      refreshStatus();
      taskTree.tree.stateChanged();
    },
    multiRoot: () => daemons.multiRoot,
    onServerCommands: (commands: readonly string[]) => {
      daemons.registerServerCommands(commands);
      void taskTree.tree.reload(); // a daemon (re)started: its tasks
    },
  };
  const daemons: RoadmapClients = new RoadmapClients(
    (folder) => new RoadmapClient(context.secrets, surfaces, bundledLibs, folder),
  );
  clients = daemons;
  const taskTree = registerTaskTree(daemons, board);
  context.subscriptions.push(
    daemons,
    ...taskTree.disposables,
    ...registerGraph(taskTree.tree),
    ...registerLmTools(daemons, serverLog),
    transcript,
    serverLog,
    status,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, new GitContentProvider()),
    ...registerCommands({ clients: daemons, board, transcript, secrets: context.secrets }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((key) => event.affectsConfiguration(key))) {
        void daemons.restart();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void daemons.restart()),
    vscode.workspace.onDidChangeWorkspaceFolders((event) => void daemons.foldersChanged(event)),
    vscode.workspace.onDidOpenTextDocument((doc) => void daemons.opened(doc)),
  );
  await daemons.start();
}

export async function deactivate(): Promise<void> {
  await clients?.stop();
  clients = undefined;
}
