import assert from "node:assert/strict";
import { test } from "node:test";
import { launchCandidates, noServerMessage, serverProcess } from "../src/launch";

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
