/**
 * The daemons of the window: one `RoadmapClient` per workspace folder that has a roadmap (its
 * own config, state and lenses), started at activation, when a folder is added or when a roadmap
 * document of a folder without one is opened, and stopped when its folder is removed. A window
 * without folders has one daemon.
 *
 * Each server command (`roadmapd.runTask`, ...) is registered here once, when a daemon first
 * announces it, and routed by its argument: a command naming a document goes to that document's
 * folder's daemon; Pause goes to every daemon; anything else to the only daemon, or the user
 * picks the folder.
 */
import * as vscode from "vscode";
import { folderFor, targetOf } from "./folders";
import type { RoadmapClient } from "./client";
import { DEFAULT_ROADMAPS, documentSelector } from "./settings";

const NO_FOLDER = "";

export class RoadmapClients implements vscode.Disposable {
  private readonly clients = new Map<string, RoadmapClient>();
  private readonly registered = new Map<string, vscode.Disposable>();

  constructor(private readonly make: (folder: vscode.WorkspaceFolder | undefined) => RoadmapClient) {}

  get multiRoot(): boolean {
    return this.clients.size > 1;
  }

  all(): RoadmapClient[] {
    return [...this.clients.values()];
  }

  /** Start the daemons of the folders that have a roadmap (the only folder in any case). */
  async start(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      await this.ensure(undefined);
      return;
    }
    const wanted = folders.length === 1 ? [...folders] : await withRoadmaps(folders);
    await Promise.all(wanted.map((folder) => this.ensure(folder)));
  }

  /** The daemon of `folder`, started if it has none yet. */
  async ensure(folder: vscode.WorkspaceFolder | undefined): Promise<RoadmapClient> {
    const key = folder?.uri.toString() ?? NO_FOLDER;
    let client = this.clients.get(key);
    if (client === undefined) {
      client = this.make(folder);
      this.clients.set(key, client);
      await client.start();
    }
    return client;
  }

  /** The daemon serving `uri` (started for its folder when a roadmap there is opened first). */
  async forUri(uri: string): Promise<RoadmapClient | undefined> {
    const refs = this.all().flatMap((c) => (c.ref ? [{ ...c.ref, client: c }] : []));
    const known = folderFor(uri, refs);
    if (known !== undefined) {
      return known.client;
    }
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(uri));
    if (folder !== undefined) {
      return this.ensure(folder);
    }
    return this.clients.get(NO_FOLDER) ?? (this.clients.size === 1 ? this.all()[0] : undefined);
  }

  /** A roadmap document was opened: its folder gets a daemon if it has none yet. */
  async opened(doc: vscode.TextDocument): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (folder === undefined || this.clients.has(folder.uri.toString()) || this.clients.size === 0) {
      return;
    }
    if (vscode.languages.match(documentSelector(roadmapGlobs(folder)), doc) > 0) {
      await this.ensure(folder);
    }
  }

  /** The only daemon, or the one of the folder the user picks. */
  async choose(placeHolder = "Which folder?"): Promise<RoadmapClient | undefined> {
    const all = this.all();
    if (all.length <= 1) {
      return all[0];
    }
    const pick = await vscode.window.showQuickPick(
      all.map((client) => ({ label: client.folder?.name ?? "(no folder)", client })),
      { placeHolder },
    );
    return pick?.client;
  }

  /** Register the server commands not registered yet, each routed by `execute`. */
  registerServerCommands(commands: readonly string[]): void {
    for (const command of commands) {
      if (!this.registered.has(command)) {
        const route = (...args: unknown[]): Promise<unknown> => this.execute(command, args);
        this.registered.set(command, vscode.commands.registerCommand(command, route));
      }
    }
  }

  async execute(command: string, args: unknown[]): Promise<unknown> {
    const target = targetOf(command, args);
    if (target.kind === "all") {
      const results = await Promise.all(this.all().map((c) => c.execute(command, args)));
      return results[0];
    }
    const client = target.kind === "document" ? await this.forUri(target.uri) : await this.choose();
    if (client === undefined) {
      if (target.kind === "document") {
        void vscode.window.showWarningMessage(`Roadmap: no roadmapd daemon serves ${target.uri}.`);
      }
      return undefined;
    }
    return client.execute(command, args);
  }

  /** Folders added get a daemon when they have a roadmap; removed ones lose theirs. */
  async foldersChanged(event: vscode.WorkspaceFoldersChangeEvent): Promise<void> {
    for (const folder of event.removed) {
      const key = folder.uri.toString();
      const client = this.clients.get(key);
      this.clients.delete(key);
      await client?.stop();
    }
    await Promise.all((await withRoadmaps(event.added)).map((folder) => this.ensure(folder)));
  }

  async restart(): Promise<void> {
    await Promise.all(this.all().map((client) => client.restart()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((client) => client.stop()));
  }

  dispose(): void {
    for (const registration of this.registered.values()) {
      registration.dispose();
    }
    this.registered.clear();
  }
}

/** The folders holding a file that matches their roadmapd.roadmaps globs. */
async function withRoadmaps(folders: readonly vscode.WorkspaceFolder[]): Promise<vscode.WorkspaceFolder[]> {
  const found = await Promise.all(
    folders.map(async (folder) => {
      for (const glob of roadmapGlobs(folder)) {
        const pattern = new vscode.RelativePattern(folder, glob.startsWith("**/") ? glob : `**/${glob}`);
        if ((await vscode.workspace.findFiles(pattern, "**/node_modules/**", 1)).length > 0) {
          return true;
        }
      }
      return false;
    }),
  );
  return folders.filter((_, i) => found[i]);
}

/** The roadmapd.roadmaps globs (of `folder` when given), else the defaults. */
export function roadmapGlobs(folder?: vscode.WorkspaceFolder): string[] {
  const configured = vscode.workspace.getConfiguration("roadmapd", folder?.uri).get<string[]>("roadmaps");
  return configured && configured.length > 0 ? configured : DEFAULT_ROADMAPS;
}
