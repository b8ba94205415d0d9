/**
 * "Roadmap: Show Dependency Graph": a webview panel drawing every task as a node coloured by its
 * status and every `Depends:` as an edge (laid out by `graphModel.ts`), redrawn live whenever the
 * task tree changes (a state arrived, the listings were reloaded); a click on a node reveals the
 * task's line. The page runs one nonce'd script under a strict Content-Security-Policy and loads
 * nothing: no local resource roots, no remote content.
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { buildGraph, graphHtml } from "./graphModel";
import type { TaskTree } from "./taskTree";

export const GRAPH_COMMAND = "roadmapd.showGraph";

export function registerGraph(tree: TaskTree): vscode.Disposable[] {
  let panel: vscode.WebviewPanel | undefined;
  const graph = () => buildGraph(tree.listings, (uri, id) => tree.state(uri, id));
  const show = async (): Promise<void> => {
    if (panel !== undefined) {
      panel.reveal();
      return;
    }
    if (tree.listings.length === 0) {
      await tree.reload();
    }
    const opened = vscode.window.createWebviewPanel(
      "roadmapd.graph",
      "Roadmap: Dependency Graph",
      vscode.ViewColumn.Beside,
      {
        enableScripts: true,
        localResourceRoots: [],
      },
    );
    panel = opened;
    const nonce = randomBytes(16).toString("base64");
    opened.webview.html = graphHtml(graph(), nonce, opened.webview.cspSource);
    const redraw = tree.onDidChangeTreeData(() => {
      void opened.webview.postMessage({ type: "graph", graph: graph() });
    });
    const clicks = opened.webview.onDidReceiveMessage(
      async (message: { type?: string; uri?: string; line?: number }) => {
        if (
          message.type === "reveal" &&
          typeof message.uri === "string" &&
          typeof message.line === "number"
        ) {
          const line = message.line;
          await vscode.window.showTextDocument(vscode.Uri.parse(message.uri), {
            viewColumn: vscode.ViewColumn.One,
            selection: new vscode.Range(line, 0, line, 0),
          });
        }
      },
    );
    opened.onDidDispose(() => {
      redraw.dispose();
      clicks.dispose();
      panel = undefined;
    });
  };
  return [vscode.commands.registerCommand(GRAPH_COMMAND, show), { dispose: () => panel?.dispose() }];
}
