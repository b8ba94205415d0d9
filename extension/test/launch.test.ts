import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import {
  DOCS_URL,
  type LaunchInputs,
  bootstrap,
  bundledProbe,
  describeLaunch,
  launchCandidates,
  noInterpreterMessage,
  noServerMessage,
  serverProcess,
  usesBundled,
} from "../src/launch";

test("the Python extension's interpreter comes first, then serverPath, python, PATH", () => {
  const all = launchCandidates({
    pythonExtensionInterpreter: "/venv/bin/python",
    serverPath: "/opt/bin/roadmapd",
    python: "/usr/bin/python3",
    roadmapdOnPath: "/usr/local/bin/roadmapd",
  });
  assert.deepEqual(
    all.map((l) => [l.source, l.command, l.args.join(" ")]),
    [
      ["python-extension", "/venv/bin/python", "-m roadmapd serve"],
      ["serverPath", "/opt/bin/roadmapd", "serve"],
      ["python", "/usr/bin/python3", "-m roadmapd serve"],
      ["PATH", "/usr/local/bin/roadmapd", "serve"],
    ],
  );
});

test("unset and blank inputs are skipped", () => {
  const only = launchCandidates({ serverPath: "  ", python: " /usr/bin/python3 " });
  assert.deepEqual(only, [
    { source: "python", command: "/usr/bin/python3", args: ["-m", "roadmapd", "serve"] },
  ]);
  assert.deepEqual(launchCandidates({}), []);
});

test("the failure message names what was tried and the fix", () => {
  const [python] = launchCandidates({ python: "/usr/bin/python3" });
  const text = noServerMessage([{ launch: python, reason: "roadmapd is not installed in it" }]);
  assert.match(
    text,
    /\/usr\/bin\/python3 -m roadmapd serve \(from the roadmapd\.python setting\): roadmapd is not installed in it/,
  );
  assert.match(text, /pip install roadmapd/);
  assert.match(noServerMessage([]), /no roadmapd on PATH/);
});

test("the API key goes into the environment only, never the command line", () => {
  const [launch] = launchCandidates({ serverPath: "/opt/bin/roadmapd" });
  const proc = serverProcess(launch, { PATH: "/usr/bin", HOME: "/home/u" }, "sk-ant-secret", "/work/repo");
  assert.equal(proc.options.env.ANTHROPIC_API_KEY, "sk-ant-secret");
  assert.equal(proc.options.env.PATH, "/usr/bin");
  assert.equal(proc.options.cwd, "/work/repo");
  assert.deepEqual([proc.command, ...proc.args], ["/opt/bin/roadmapd", "serve"]);
  assert.ok(!JSON.stringify([proc.command, proc.args]).includes("sk-ant"));
});

test("without a stored key the inherited environment is left alone", () => {
  const [launch] = launchCandidates({ serverPath: "/opt/bin/roadmapd" });
  assert.equal(serverProcess(launch, {}, undefined, undefined).options.env.ANTHROPIC_API_KEY, undefined);
  const inherited = serverProcess(launch, { ANTHROPIC_API_KEY: "from-shell" }, undefined, undefined);
  assert.equal(inherited.options.env.ANTHROPIC_API_KEY, "from-shell");
});

// ---- importStrategy: the bundled daemon -------------------------------------------------------

const ALL = {
  pythonExtensionInterpreter: "/venv/bin/python",
  serverPath: "/opt/bin/roadmapd",
  python: "/usr/bin/python3.12",
  roadmapdOnPath: "/usr/local/bin/roadmapd",
  pythonOnPath: "/usr/bin/python3",
  bundledLibs: "/ext/bundled/libs",
};

test("useBundled (the default): serverPath, then the bundled daemon on each interpreter", () => {
  for (const importStrategy of [undefined, "useBundled", "nonsense"]) {
    const all = launchCandidates({ ...ALL, importStrategy });
    assert.deepEqual(
      all.map((l) => [l.source, l.command, l.bundled]),
      [
        ["serverPath", "/opt/bin/roadmapd", undefined],
        ["python-extension", "/venv/bin/python", "/ext/bundled/libs"],
        ["python", "/usr/bin/python3.12", "/ext/bundled/libs"],
        ["python-on-PATH", "/usr/bin/python3", "/ext/bundled/libs"],
      ],
    );
    assert.deepEqual(all[1]?.args, ["-I", "-u", "-c", bootstrap("/ext/bundled/libs"), "serve"]);
  }
  assert.match(
    describeLaunch(launchCandidates(ALL)[3]!),
    /\/usr\/bin\/python3 with the bundled roadmapd \(from python3 on PATH\)/,
  );
});

test("fromEnvironment, and a package without bundled libs: today's order, roadmapd from the environment", () => {
  const environment = [
    ["python-extension", "/venv/bin/python", "-m roadmapd serve"],
    ["serverPath", "/opt/bin/roadmapd", "serve"],
    ["python", "/usr/bin/python3.12", "-m roadmapd serve"],
    ["PATH", "/usr/local/bin/roadmapd", "serve"],
  ];
  const shown = (inputs: LaunchInputs) =>
    launchCandidates(inputs).map((l) => [l.source, l.command, l.args.join(" ")]);
  assert.deepEqual(shown({ ...ALL, importStrategy: "fromEnvironment" }), environment);
  assert.deepEqual(shown({ ...ALL, bundledLibs: undefined }), environment);
  assert.equal(usesBundled({ ...ALL, importStrategy: "fromEnvironment" }), false);
  assert.equal(usesBundled({ ...ALL, bundledLibs: undefined }), false);
  assert.equal(usesBundled(ALL), true);
});

test("the same interpreter from two sources is probed once", () => {
  const all = launchCandidates({
    bundledLibs: "/l",
    python: "/usr/bin/python3",
    pythonOnPath: "/usr/bin/python3",
  });
  assert.deepEqual(
    all.map((l) => l.source),
    ["python"],
  );
});

test("no usable interpreter: one message naming each try and its reason, with the fix", () => {
  const [ext, onPath] = launchCandidates({
    bundledLibs: "/l",
    pythonExtensionInterpreter: "/v/bin/python",
    pythonOnPath: "/usr/bin/python3",
  });
  const text = noInterpreterMessage([
    { launch: ext!, reason: "Python 3.10.13 is too old: roadmapd needs 3.11 or newer" },
    { launch: onPath!, reason: "not found" },
  ]);
  assert.match(text, /needs Python 3\.11 or newer/);
  assert.match(text, /\/v\/bin\/python \(the Python extension's interpreter\): Python 3\.10\.13 is too old/);
  assert.match(text, /\/usr\/bin\/python3 \(python3 on PATH\): not found/);
  assert.match(text, /set roadmapd\.python/);
  assert.match(noInterpreterMessage([]), /no python3 on PATH/);
  assert.match(
    DOCS_URL,
    /^https:\/\/github\.com\/roadmapd\/roadmapd\/blob\/HEAD\/docs\/vscode\.md#python-interpreter$/,
  );
});

// ---- the bootstrap and the probe, run by a real interpreter when there is one -----------------

function python(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && existsSync(file)) {
      try {
        execFileSync(file, ["-c", "pass"], { stdio: "ignore" });
        return file;
      } catch {
        // a pyenv shim without that version, say
      }
    }
  }
  return undefined;
}

function run(command: string, args: string[], cwd?: string): { code: number; out: string; err: string } {
  try {
    const out = execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd });
    return { code: 0, out, err: "" };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: e.stdout, err: e.stderr };
  }
}

/** A fake bundle whose roadmapd prints where it was imported from and its arguments. */
function fakeBundle(compiled: string[]): string {
  const libs = path.join(mkdtempSync(path.join(tmpdir(), 'roadmapd-it\'s "bundled" ü-')), "libs");
  mkdirSync(path.join(libs, "roadmapd"), { recursive: true });
  writeFileSync(path.join(libs, "roadmapd/__init__.py"), "");
  writeFileSync(
    path.join(libs, "roadmapd/__main__.py"),
    "import sys, roadmapd\nprint(roadmapd.__file__)\nprint(' '.join(sys.argv[1:]))\nprint(sys.path[1] if len(sys.path) > 1 else '')\n",
  );
  writeFileSync(
    path.join(libs, "roadmapd-bundle.json"),
    JSON.stringify({ target: "linux-x64", pythons: ["3.11"], compiledModules: compiled }),
  );
  return libs;
}

const py3 = python("python3");

test(
  "the bootstrap imports roadmapd from the bundled libs, isolated from the working directory",
  { skip: !py3 },
  () => {
    const libs = fakeBundle([]);
    // A roadmapd in the working directory (the workspace) must not shadow the bundled one.
    const cwd = mkdtempSync(path.join(tmpdir(), "roadmapd-ws-"));
    mkdirSync(path.join(cwd, "roadmapd"));
    writeFileSync(
      path.join(cwd, "roadmapd/__init__.py"),
      "raise SystemExit('the workspace copy was imported')",
    );
    const [launch] = launchCandidates({ bundledLibs: libs, python: py3 });
    const result = run(launch!.command, launch!.args, cwd);
    assert.equal(result.code, 0, result.err);
    const [file, argv] = result.out.split("\n");
    assert.equal(file, path.join(libs, "roadmapd/__init__.py"));
    assert.equal(argv, "serve");
  },
);

test(
  "the probe accepts a bundle with this interpreter's compiled modules and says what is missing",
  { skip: !py3 },
  () => {
    const ok = fakeBundle([]);
    const probe = (libs: string) => run(py3!, ["-c", bundledProbe(libs)]);
    const version = execFileSync(py3!, ["-c", "import sys; print(sys.version_info >= (3, 11))"], {
      encoding: "utf8",
    });
    if (version.trim() !== "True") {
      assert.match(probe(ok).err, /is too old: roadmapd needs 3\.11 or newer/);
      return;
    }
    assert.equal(probe(ok).code, 0, probe(ok).err);
    const missing = fakeBundle(["pydantic_core/_pydantic_core"]);
    const result = probe(missing);
    assert.notEqual(result.code, 0);
    assert.match(result.err, /the bundled roadmapd has no pydantic_core\/_pydantic_core for Python 3\.\d+/);
    assert.match(result.err, /fromEnvironment/);
    const extSuffix = execFileSync(
      py3!,
      ["-c", "import importlib.machinery as m; print(m.EXTENSION_SUFFIXES[0])"],
      {
        encoding: "utf8",
      },
    ).trim();
    mkdirSync(path.join(missing, "pydantic_core"));
    writeFileSync(path.join(missing, "pydantic_core", `_pydantic_core${extSuffix}`), "");
    assert.equal(probe(missing).code, 0, probe(missing).err);
  },
);

// An old interpreter to try: ROADMAPD_TEST_OLD_PYTHON, else python3.10 / python2.7 / pypy3 (a
// Python 3.9 on Debian 12; scripts/system-deps.sh installs it for the tests) on PATH.
function olderThan311(exe: string | undefined): string | undefined {
  if (exe === undefined) return undefined;
  const probe = spawnSync(exe, ["-c", "import sys; sys.exit(sys.version_info >= (3, 11))"]);
  return probe.status === 0 ? exe : undefined;
}
const old =
  process.env.ROADMAPD_TEST_OLD_PYTHON ??
  python("python3.10") ??
  python("python2.7") ??
  python("python2") ??
  olderThan311(python("pypy3"));

test("an interpreter older than 3.11 is told it is too old, not a syntax error", { skip: !old }, () => {
  const result = run(old!, ["-c", bundledProbe(fakeBundle([]))]);
  assert.notEqual(result.code, 0);
  assert.match(
    result.err.trim().split("\n").pop() ?? "",
    /^Python [23]\.\d+\.\d+\S* is too old: roadmapd needs 3\.11 or newer$/,
  );
});
