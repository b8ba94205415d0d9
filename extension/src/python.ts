/**
 * Finds how to start the daemon on this machine: asks the Python extension (when installed)
 * for the active interpreter, reads the settings, looks on PATH, and probes each candidate in
 * launch.ts's order (is serverPath executable? does the interpreter import roadmapd? or, for the
 * bundled daemon: is it Python >= 3.11 with the bundled compiled modules for its version?).
 */
import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  type Launch,
  type LaunchInputs,
  type Rejected,
  bundledProbe,
  launchCandidates,
  usesBundled,
} from "./launch";

interface PythonApi {
  environments?: { getActiveEnvironmentPath?: (resource?: vscode.Uri) => { path?: unknown } | undefined };
}

async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  if (ext === undefined) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const env = api?.environments?.getActiveEnvironmentPath?.(resource);
    return typeof env?.path === "string" ? env.path : undefined;
  } catch {
    return undefined;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(...names: string[]): string | undefined {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      const candidate = path.join(dir, name);
      if (dir && isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** The interpreter a bare `python3` would start (Windows: `python.exe`). */
function pythonOnPath(): string | undefined {
  return process.platform === "win32" ? onPath("python.exe", "python3.exe") : onPath("python3", "python");
}

/** Exits 0 when `python -m roadmapd` can run; else prints the reason as its last stderr line. */
const PROBE = [
  "import importlib.util, sys",
  "try:",
  "    found = importlib.util.find_spec('roadmapd.__main__') is not None",
  "except ImportError:",
  "    sys.exit('roadmapd is not installed in it')",
  "if not found:",
  "    sys.exit('its roadmapd has no `python -m roadmapd` entry point; upgrade roadmapd')",
].join("\n");

function runProbe(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 20000 }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve(undefined);
      } else if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        resolve("not found");
      } else {
        resolve(stderr.trim().split("\n").pop() || error.message);
      }
    });
  });
}

/** Why `launch` cannot work, or undefined when it looks usable. */
function probe(launch: Launch): Promise<string | undefined> {
  if (launch.source === "serverPath" || launch.source === "PATH") {
    return Promise.resolve(isExecutable(launch.command) ? undefined : "not an executable file");
  }
  if (launch.bundled !== undefined) {
    // Without -I (Python 2 does not know it): an interpreter of any age must say its version.
    return runProbe(launch.command, ["-c", bundledProbe(launch.bundled)]);
  }
  return runProbe(launch.command, ["-c", PROBE]);
}

export interface Choice {
  launch?: Launch;
  rejected: Rejected[];
  /** The candidates were the bundled daemon's (useBundled with a package that has it). */
  bundled: boolean;
}

/**
 * The first candidate that passes its probe, with the reasons the earlier ones failed.
 * `bundledLibs`: the package's bundled/libs folder, when it ships the daemon.
 */
export async function chooseLaunch(
  folder: vscode.Uri | undefined,
  bundledLibs: string | undefined,
): Promise<Choice> {
  const config = vscode.workspace.getConfiguration("roadmapd", folder);
  const inputs: LaunchInputs = {
    importStrategy: config.get<string>("importStrategy"),
    bundledLibs,
    pythonExtensionInterpreter: await pythonExtensionInterpreter(folder),
    serverPath: config.get<string>("serverPath"),
    python: config.get<string>("python"),
    roadmapdOnPath: onPath(process.platform === "win32" ? "roadmapd.exe" : "roadmapd"),
    pythonOnPath: pythonOnPath(),
  };
  const bundled = usesBundled(inputs);
  const rejected: Rejected[] = [];
  for (const launch of launchCandidates(inputs)) {
    const reason = await probe(launch);
    if (reason === undefined) {
      return { launch, rejected, bundled };
    }
    rejected.push({ launch, reason });
  }
  return { rejected, bundled };
}
