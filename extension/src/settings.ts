/**
 * Pure mapping of the `roadmapd.*` editor settings to what the daemon receives: the
 * initializationOptions / workspace/configuration answer (only the daemon's own keys, only
 * values the user set) and the document selector built from the roadmap globs.
 */

/** Settings the daemon understands (its Config fields, camelCase). */
export const DAEMON_KEYS = [
  "model",
  "baseUrl",
  "maxAttempts",
  "budgetUsd",
  "roadmaps",
  "checks",
  "commitMode",
  "sandbox",
  "maxParallel",
  "approval",
  "roles",
] as const;

/** Settings only the extension reads; a change to one of these restarts the daemon. */
export const RESTART_KEYS = ["serverPath", "python", "importStrategy"] as const;

/** The daemon's default (config.DEFAULT_ROADMAPS): ours, then Kiro's and Spec Kit's task files. */
export const DEFAULT_ROADMAPS = ["ROADMAP.md", ".kiro/specs/*/tasks.md", "specs/*/tasks.md"];

/** What `WorkspaceConfiguration.inspect` reports for one key (the parts we read). */
export interface Inspection {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The value the user set, most specific scope first; undefined when only the default applies
 * (VS Code invents defaults such as [] or 0 for settings without one: never send those).
 */
export function explicitValue(inspection: Inspection | undefined): unknown {
  return inspection?.workspaceFolderValue ?? inspection?.workspaceValue ?? inspection?.globalValue;
}

/** The daemon's settings from a section object: its keys only, unset and empty values dropped. */
export function daemonSettings(section: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (section === null || typeof section !== "object") {
    return out;
  }
  const values = section as Record<string, unknown>;
  for (const key of DAEMON_KEYS) {
    const value = values[key];
    if (value === undefined || value === null || value === "") {
      continue;
    }
    out[key] = value;
  }
  return out;
}

export interface FileSelector {
  scheme: "file";
  language: "markdown";
  pattern: string;
}

/**
 * One selector per roadmap glob; globs are relative to a workspace folder, so match anywhere, or,
 * given the folder's path (a multi-root workspace: one daemon per folder), anywhere below it.
 */
export function documentSelector(globs: readonly string[] | undefined, folderPath?: string): FileSelector[] {
  const usable = (globs ?? []).map((g) => g.trim()).filter((g) => g.length > 0);
  const base = folderPath === undefined ? "" : folderPath.replace(/\\/g, "/").replace(/\/$/, "");
  return (usable.length > 0 ? usable : DEFAULT_ROADMAPS).map((glob) => {
    const anywhere =
      glob.startsWith("**/") || glob.startsWith("/") ? glob : `**/${glob.replace(/^\.\//, "")}`;
    const below = glob.startsWith("/") ? glob : `${base}/${anywhere}`;
    return { scheme: "file", language: "markdown", pattern: base ? below : anywhere };
  });
}

/** Whether a configuration change (tested per full key) needs the daemon restarted. */
export function needsRestart(affects: (key: string) => boolean): boolean {
  return RESTART_KEYS.some((key) => affects(`roadmapd.${key}`));
}
