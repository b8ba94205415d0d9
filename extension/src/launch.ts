/**
 * Pure choice of how to start the daemon, by `roadmapd.importStrategy`:
 *
 * - `useBundled` (default): the roadmapd shipped in the package (bundled/libs, put first on
 *   sys.path by a `-c` bootstrap) runs on a Python >= 3.11: the Python extension's active
 *   interpreter, else the `roadmapd.python` setting, else `python3` on PATH. An explicit
 *   `roadmapd.serverPath` still wins. A package without bundled libs (a development build)
 *   behaves as fromEnvironment.
 * - `fromEnvironment`: the interpreter's own roadmapd, in order: the Python extension's active
 *   interpreter, `roadmapd.serverPath`, `roadmapd.python`, `roadmapd` on PATH.
 *
 * Also the server options (the API key goes into the environment, never the arguments) and the
 * messages with the fix when nothing works.
 */

export type LaunchSource = "python-extension" | "serverPath" | "python" | "PATH" | "python-on-PATH";
export type ImportStrategy = "useBundled" | "fromEnvironment";

export interface Launch {
  source: LaunchSource;
  command: string;
  args: string[];
  /** The bundled libs folder this launch imports roadmapd from (useBundled). */
  bundled?: string;
}

export interface LaunchInputs {
  importStrategy?: string;
  /** The package's bundled/libs folder, when the package ships the daemon. */
  bundledLibs?: string;
  /** Active interpreter reported by ms-python.python, if the extension is installed. */
  pythonExtensionInterpreter?: string;
  serverPath?: string;
  python?: string;
  /** Full path of `roadmapd` found on PATH, if any. */
  roadmapdOnPath?: string;
  /** Full path of `python3` (Windows: `python.exe`) found on PATH, if any. */
  pythonOnPath?: string;
}

/** Where the docs explain interpreters, strategies and the fixes (the error messages' button). */
export const DOCS_URL = "https://github.com/roadmapd/roadmapd/blob/HEAD/docs/vscode.md#python-interpreter";
export const MIN_PYTHON = "3.11";

const SERVE = ["serve"];
const MODULE_SERVE = ["-m", "roadmapd", "serve"];

export function importStrategy(value: string | undefined): ImportStrategy {
  return value === "fromEnvironment" ? "fromEnvironment" : "useBundled";
}

/**
 * `python -I -u -c <this> serve` runs the bundled roadmapd: isolated (no PYTHONPATH, no user
 * site-packages, not the working directory: the workspace cannot shadow a module), unbuffered,
 * the bundled libs first on sys.path, then `python -m roadmapd` as runpy does it.
 */
export function bootstrap(libs: string): string {
  return [
    "import sys, runpy",
    `sys.path.insert(0, ${JSON.stringify(libs)})`,
    "runpy.run_module('roadmapd', run_name='__main__', alter_sys=True)",
  ].join("; ");
}

export function bundledArgs(libs: string): string[] {
  return ["-I", "-u", "-c", bootstrap(libs), ...SERVE];
}

/** Whether the inputs run the bundled daemon (useBundled, and the package has it). */
export function usesBundled(inputs: LaunchInputs): boolean {
  return importStrategy(inputs.importStrategy) === "useBundled" && Boolean(inputs.bundledLibs);
}

/** Every way to start the daemon the inputs offer, best first. */
export function launchCandidates(inputs: LaunchInputs): Launch[] {
  const out: Launch[] = [];
  const add = (source: LaunchSource, command: string | undefined, args: string[], bundled?: string): void => {
    const trimmed = command?.trim();
    if (
      trimmed &&
      !out.some((l) => l.command === trimmed && l.bundled === bundled && l.args.join() === args.join())
    ) {
      out.push(
        bundled === undefined
          ? { source, command: trimmed, args }
          : { source, command: trimmed, args, bundled },
      );
    }
  };
  const libs = inputs.bundledLibs;
  if (usesBundled(inputs) && libs) {
    add("serverPath", inputs.serverPath, SERVE);
    add("python-extension", inputs.pythonExtensionInterpreter, bundledArgs(libs), libs);
    add("python", inputs.python, bundledArgs(libs), libs);
    add("python-on-PATH", inputs.pythonOnPath, bundledArgs(libs), libs);
    return out;
  }
  add("python-extension", inputs.pythonExtensionInterpreter, MODULE_SERVE);
  add("serverPath", inputs.serverPath, SERVE);
  add("python", inputs.python, MODULE_SERVE);
  add("PATH", inputs.roadmapdOnPath, SERVE);
  return out;
}

const WHERE: Record<LaunchSource, string> = {
  "python-extension": "the Python extension's interpreter",
  serverPath: "the roadmapd.serverPath setting",
  python: "the roadmapd.python setting",
  PATH: "roadmapd on PATH",
  "python-on-PATH": "python3 on PATH",
};

export function describeLaunch(launch: Launch): string {
  if (launch.bundled !== undefined) {
    return `${launch.command} with the bundled roadmapd (from ${WHERE[launch.source]})`;
  }
  return `${[launch.command, ...launch.args].join(" ")} (from ${WHERE[launch.source]})`;
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
    "interpreter (or roadmapd.serverPath to the roadmapd executable) and run 'Roadmap: Restart Server', " +
    "or set roadmapd.importStrategy to useBundled."
  );
}

/** useBundled found no Python >= 3.11 that can run the bundled daemon. */
export function noInterpreterMessage(rejected: readonly Rejected[]): string {
  const tried =
    rejected.length === 0
      ? "No interpreter from the Python extension, no roadmapd.python setting, no python3 on PATH."
      : `Tried: ${rejected.map((r) => `${r.launch.command} (${WHERE[r.launch.source]}): ${r.reason}`).join("; ")}.`;
  return (
    `Roadmap: cannot start the bundled roadmapd daemon: it needs Python ${MIN_PYTHON} or newer. ${tried} ` +
    `Fix: install Python ${MIN_PYTHON}+ and select it in the Python extension, or set roadmapd.python ` +
    "to it, then run 'Roadmap: Restart Server'."
  );
}

/**
 * Exits 0 when the bundled daemon can run on this interpreter, else prints why as its last
 * stderr line. Python 2 syntax on purpose: an old interpreter must still say it is too old.
 */
export function bundledProbe(libs: string): string {
  return [
    "import sys, os, json",
    `libs = ${JSON.stringify(libs)}`,
    "version = sys.version.split()[0]",
    `if sys.version_info < (${MIN_PYTHON.replace(".", ", ")}):`,
    `    sys.exit('Python %s is too old: roadmapd needs ${MIN_PYTHON} or newer' % version)`,
    "import importlib.machinery, importlib.util",
    "if sys.implementation.name != 'cpython':",
    "    sys.exit('%s %s is not CPython, which the bundled roadmapd is built for' % (sys.implementation.name, version))",
    "try:",
    "    with open(os.path.join(libs, 'roadmapd-bundle.json')) as f:",
    "        manifest = json.load(f)",
    "except (OSError, ValueError) as e:",
    "    sys.exit('the bundled roadmapd is incomplete (%s); reinstall the extension' % e)",
    "for module in manifest.get('compiledModules', []):",
    "    folder, _, stem = module.rpartition('/')",
    "    where = os.path.join(libs, *folder.split('/'))",
    "    if not any(os.path.exists(os.path.join(where, stem + s)) for s in importlib.machinery.EXTENSION_SUFFIXES):",
    "        sys.exit('the bundled roadmapd has no %s for Python %s on this system (it has CPython %s, %s); set roadmapd.importStrategy to fromEnvironment and pip install roadmapd' % (module, version, ', '.join(manifest.get('pythons', [])), manifest.get('target')))",
    "sys.path.insert(0, libs)",
    "if importlib.util.find_spec('roadmapd.__main__') is None:",
    "    sys.exit('the bundled roadmapd is incomplete; reinstall the extension')",
  ].join("\n");
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
