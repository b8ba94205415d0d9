/**
 * Pure choice of how to start the daemon, in order: the Python extension's active
 * interpreter, the `roadmapd.serverPath` setting, the `roadmapd.python` setting, `roadmapd`
 * on PATH; the server options (the API key goes into the environment, never the arguments);
 * and the message with the fix when nothing works.
 */

export type LaunchSource = "python-extension" | "serverPath" | "python" | "PATH";

export interface Launch {
  source: LaunchSource;
  command: string;
  args: string[];
}

export interface LaunchInputs {
  /** Active interpreter reported by ms-python.python, if the extension is installed. */
  pythonExtensionInterpreter?: string;
  serverPath?: string;
  python?: string;
  /** Full path of `roadmapd` found on PATH, if any. */
  roadmapdOnPath?: string;
}

const SERVE = ["serve"];
const MODULE_SERVE = ["-m", "roadmapd", "serve"];

/** Every way to start the daemon the inputs offer, best first. */
export function launchCandidates(inputs: LaunchInputs): Launch[] {
  const out: Launch[] = [];
  const add = (source: LaunchSource, command: string | undefined, args: string[]): void => {
    const trimmed = command?.trim();
    if (trimmed) {
      out.push({ source, command: trimmed, args });
    }
  };
  add("python-extension", inputs.pythonExtensionInterpreter, MODULE_SERVE);
  add("serverPath", inputs.serverPath, SERVE);
  add("python", inputs.python, MODULE_SERVE);
  add("PATH", inputs.roadmapdOnPath, SERVE);
  return out;
}

export function describeLaunch(launch: Launch): string {
  const where: Record<LaunchSource, string> = {
    "python-extension": "the Python extension's interpreter",
    serverPath: "the roadmapd.serverPath setting",
    python: "the roadmapd.python setting",
    PATH: "roadmapd on PATH",
  };
  return `${[launch.command, ...launch.args].join(" ")} (from ${where[launch.source]})`;
}

export interface Rejected {
  launch: Launch;
  reason: string;
}

/** The error shown when no candidate works: what was tried and how to fix it. */
export function noServerMessage(rejected: readonly Rejected[]): string {
  const tried =
    rejected.length === 0
      ? "No Python extension interpreter, no roadmapd.serverPath or roadmapd.python setting, and no roadmapd on PATH."
      : `Tried: ${rejected.map((r) => `${describeLaunch(r.launch)}: ${r.reason}`).join("; ")}.`;
  return (
    `Roadmap: cannot start the roadmapd daemon. ${tried} ` +
    "Fix: `pip install roadmapd` into your project's Python, then set roadmapd.python to that " +
    "interpreter (or roadmapd.serverPath to the roadmapd executable) and run 'Roadmap: Restart Server'."
  );
}

export interface ServerProcess {
  command: string;
  args: string[];
  options: { cwd?: string; env: Record<string, string | undefined> };
}

/** How the language client spawns the daemon; the API key travels only in the environment. */
export function serverProcess(
  launch: Launch,
  baseEnv: Record<string, string | undefined>,
  apiKey: string | undefined,
  cwd: string | undefined,
): ServerProcess {
  const env: Record<string, string | undefined> = { ...baseEnv, PYTHONUNBUFFERED: "1" };
  if (apiKey) {
    env.ANTHROPIC_API_KEY = apiKey;
  }
  return { command: launch.command, args: [...launch.args], options: { cwd, env } };
}
