/**
 * Pure choices of a multi-root workspace, where each workspace folder with a roadmap has its own
 * daemon (its own config, state and lenses): which folder a document belongs to, where a server
 * command goes, and the folder's label on the surfaces all daemons share (status bar, transcript).
 */
import { CMD_PAUSE } from "../../protocol/protocol";

export interface FolderRef {
  uri: string;
  name: string;
}

/** The innermost folder holding `uri` (folders may nest), or undefined. */
export function folderFor<F extends FolderRef>(uri: string, folders: readonly F[]): F | undefined {
  let best: F | undefined;
  for (const folder of folders) {
    const base = folder.uri.endsWith("/") ? folder.uri : `${folder.uri}/`;
    if ((uri === folder.uri || uri.startsWith(base)) && (!best || folder.uri.length > best.uri.length)) {
      best = folder;
    }
  }
  return best;
}

/** Where a server command goes: the daemon of the document it names, every daemon, or ask. */
export type Target = { kind: "document"; uri: string } | { kind: "all" } | { kind: "ask" };

export function targetOf(command: string, args: readonly unknown[]): Target {
  const first = args[0];
  if (first !== null && typeof first === "object" && typeof (first as { uri?: unknown }).uri === "string") {
    return { kind: "document", uri: (first as { uri: string }).uri };
  }
  if (command === CMD_PAUSE) {
    return { kind: "all" }; // pausing means every run under way, whichever folder it is in
  }
  return { kind: "ask" };
}

/** `api: ` before a status or transcript line when several folders have a daemon. */
export function folderLabel(folder: FolderRef | undefined, multiRoot: boolean): string {
  return multiRoot && folder !== undefined ? `${folder.name}: ` : "";
}
