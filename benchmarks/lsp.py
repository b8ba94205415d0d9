"""Language-server latency: `python benchmarks/lsp.py`.

Drives the server over stdio with a minimal JSON-RPC client, started the way editors start it.

The first table is the start an editor waits for: spawn -> initialize -> didOpen -> the first
lenses shown on a 300-task roadmap, for both commands editors run, `roadmapd serve` (the
console script) and `python -m roadmapd serve` (what the VS Code extension starts), START_RUNS
fresh processes each, interleaved; target p50 <= 0.5 s. Every server here runs with bytecode,
as an installed roadmapd does (see `with_bytecode`).

The second table, through `python -m roadmapd serve`: p50/p95/p99 of `textDocument/codeLens`
for roadmaps of 300 and 10,000 tasks, the time from spawning the server to the first lenses,
the server's RSS with the 10,000-task file open, and the latency of fresh lenses after a
one-character edit. Each sample is what an editor waits for before it can draw: the codeLens
request, then `codeLens/resolve` (sent all at once) for the lenses in view that came without a
title. It measures a client that resolves (like VS Code's: a big roadmap's task lenses come
without titles) and, at 10,000 tasks, one that does not (every lens whole). Targets: p95 < 10 ms
(300) and < 100 ms (10,000), first lenses < 1 s, edit reflected < 50 ms.

The third table splits the server's side of an edit (full parse, incremental re-parse, lens
rebuild), measured in process. The fourth repeats the codeLens measurement WHILE a task
streams: the first task runs through the real engine against the fake Messages API (a git
repo, many turns, each delayed and made of many text deltas), so the server handles
transcript lines, state changes and progress on the same loop while it answers.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from roadmapd.parse_cache import ENV_CACHE_DIR
from roadmapd.store import ENV_STATE_DIR
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, tool_use

#: A client that resolves lenses, as VS Code's announces itself; the server then sends a big
#: roadmap's task lenses without titles, and the client resolves the ones on screen.
CAPS = {
    "textDocument": {"codeLens": {"dynamicRegistration": True}},
    "workspace": {"codeLens": {"refreshSupport": True}},
    "window": {"workDoneProgress": True},
}
#: A client that does not resolve (like Neovim 0.7): every lens comes whole.
CAPS_WHOLE = {k: v for k, v in CAPS.items() if k != "textDocument"}
SCREEN_LINES = 50  # the lenses a client resolves: those in view
START_RUNS = 20
START_TARGET_MS = 500.0
LOG = ["--log-level", "ERROR"]


def roadmapd_script() -> str:
    """The `roadmapd` console script installed with this interpreter (what a shell runs)."""
    here = Path(sys.executable).parent / "roadmapd"
    found = str(here) if here.is_file() else shutil.which("roadmapd")
    if found is None:
        raise SystemExit("no `roadmapd` command next to this python or on PATH: pip install -e .")
    return found


def serve_commands() -> dict[str, list[str]]:
    """The two ways editors start the server (extension/src/launch.ts)."""
    return {
        "roadmapd serve": [roadmapd_script(), "serve", *LOG],
        "python -m roadmapd serve": [sys.executable, "-m", "roadmapd", "serve", *LOG],
    }


def with_bytecode(env: Mapping[str, str], tmp: Path) -> dict[str, str]:
    """`env` for a measured roadmapd process: with bytecode, as an installed roadmapd runs (pip
    compiles it; a test or CI environment may say PYTHONDONTWRITEBYTECODE, and compiling every
    module at each start would triple the start-up figures). The bytecode goes under `tmp`."""
    out = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return out


def make_roadmap(n: int) -> str:
    lines = ["# Roadmap", ""]
    for i in range(1, n + 1):
        if i % 25 == 1:
            lines += [f"## Phase {i // 25 + 1}", ""]
        lines.append(f"- [{'x' if i % 3 == 0 else ' '}] T{i:05d} Implement feature number {i}")
        if i % 4 == 0:
            lines.append(f"  - depends: T{i - 1:05d}")
    return "\n".join(lines) + "\n"


class Client:
    def __init__(
        self, root: Path, env: dict[str, str] | None = None, command: list[str] | None = None
    ) -> None:
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "roadmapd", "serve", *LOG],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=root,
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.next_id = 0
        self.notifications: dict[str, int] = {}
        self.last_state: dict[str, Any] = {}

    def send(self, method: str, params: Any, request: bool = True) -> int:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            msg["id"] = self.next_id
        body = json.dumps(msg).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.stdin.flush()
        return self.next_id

    def read(self) -> dict[str, Any]:
        length = 0
        while (line := self.stdout.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message: dict[str, Any] = json.loads(self.stdout.read(length))
        method = message.get("method")
        if method is not None and "id" not in message:
            self.notifications[method] = self.notifications.get(method, 0) + 1
            if method == "roadmapd/taskState":
                self.last_state = message["params"]
        return message

    def request(self, method: str, params: Any) -> Any:
        return self.requests(method, [params])[0]

    def requests(self, method: str, many: list[Any]) -> list[Any]:
        """Send all requests at once (as an editor resolving lenses does), then await them."""
        ids = [self.send(method, params) for params in many]
        results: dict[int, Any] = {}
        while len(results) < len(ids):
            msg = self.read()
            if msg.get("id") in ids and "method" not in msg:
                results[msg["id"]] = msg.get("result")
            elif "method" in msg and "id" in msg:  # a server request (e.g. codeLens/refresh)
                result = {"applied": True} if msg["method"] == "workspace/applyEdit" else None
                reply = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
                self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(reply) + reply)
                self.stdin.flush()
        return [results[i] for i in ids]

    def lenses_shown(self, doc: dict[str, Any]) -> list[Any]:
        """`textDocument/codeLens`, then `codeLens/resolve` for the unresolved lenses in view."""
        lenses: list[Any] = self.request("textDocument/codeLens", doc)
        bare = [
            x for x in lenses if "command" not in x and x["range"]["start"]["line"] < SCREEN_LINES
        ]
        shown = self.requests("codeLens/resolve", bare) if bare else []
        assert all("command" in x for x in shown), "a lens in view did not resolve"
        return lenses

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.request("shutdown", None)
        self.send("exit", None, request=False)
        self.proc.wait(timeout=10)


def timed_edits(
    client: Client, doc: dict[str, Any], line: int, char: int, count: int, pause_s: float = 0.0
) -> list[float]:
    """Milliseconds from a one-character didChange (versions 2, 3, ...: i / I in turn, so every
    edit changes the text) to the fresh lenses shown, `count` times."""
    uri = doc["textDocument"]["uri"]
    out = []
    for version in range(2, 2 + count):
        change = {
            "range": {
                "start": {"line": line, "character": char},
                "end": {"line": line, "character": char + 1},
            },
            "text": "I" if version % 2 else "i",
        }
        t0 = time.perf_counter()
        client.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            request=False,
        )
        client.lenses_shown(doc)
        out.append((time.perf_counter() - t0) * 1000)
        time.sleep(pause_s)
    return out


def pct(samples: list[float], p: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1]


def measure(n: int, repeats: int, caps: dict[str, Any]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = make_roadmap(n)
        (root / "ROADMAP.md").write_text(text, encoding="utf-8")
        uri = (root / "ROADMAP.md").as_uri()
        doc = {"textDocument": {"uri": uri}}
        start = time.perf_counter()
        client = Client(root, with_bytecode(os.environ, root / ".cache"))
        client.request(
            "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": caps}
        )
        client.send("initialized", {}, request=False)
        item = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
        client.send("textDocument/didOpen", {"textDocument": item}, request=False)
        first = client.lenses_shown(doc)
        first_s = time.perf_counter() - start
        assert first, "no lenses"
        size = len(json.dumps(first, ensure_ascii=False, separators=(",", ":")).encode())
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            client.lenses_shown(doc)
            samples.append((time.perf_counter() - t0) * 1000)
        rss = client.rss_mb()
        # the first task's line: "- [ ] T00001 Implement ..."
        edits = timed_edits(client, doc, 4, 14, max(10, repeats // 4))
        client.close()
    return {
        "p50": pct(samples, 50),
        "p95": pct(samples, 95),
        "p99": pct(samples, 99),
        "first_ms": first_s * 1000,
        "rss_mb": rss,
        "edit_p50": pct(edits, 50),
        "edit_p95": pct(edits, 95),
        "kb": size / 1024,
    }


def first_lenses_ms(root: Path, command: list[str], env: dict[str, str]) -> float:
    """Spawn `command` in `root`, open ROADMAP.md: ms until its first lenses are shown."""
    text = (root / "ROADMAP.md").read_text(encoding="utf-8")
    uri = (root / "ROADMAP.md").as_uri()
    start = time.perf_counter()
    client = Client(root, env, command)
    init = {"processId": None, "rootUri": root.as_uri(), "capabilities": CAPS}
    client.request("initialize", init)
    client.send("initialized", {}, request=False)
    item = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
    client.send("textDocument/didOpen", {"textDocument": item}, request=False)
    lenses = client.lenses_shown({"textDocument": {"uri": uri}})
    elapsed = (time.perf_counter() - start) * 1000
    assert lenses, "no lenses"
    client.close()
    return elapsed


def measure_start(n: int, runs: int) -> dict[str, list[float]]:
    """Spawn -> first lenses (ms) on an `n`-task roadmap, `runs` times per command, interleaved;
    one unmeasured start first writes the bytecode."""
    commands = serve_commands()
    samples: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "ROADMAP.md").write_text(make_roadmap(n), encoding="utf-8")
        env = with_bytecode(os.environ, root / ".cache")
        for command in commands.values():
            first_lenses_ms(root, command, env)
        for _ in range(runs):
            for name, command in commands.items():
                samples[name].append(first_lenses_ms(root, command, env))
    return samples


def streaming_script(turns: int, blocks: int, delay_ms: int) -> dict[str, Any]:
    """`turns` replies, each `delay_ms` late and made of `blocks` text blocks (3 deltas each)."""
    replies = []
    for turn in range(turns):
        view = {"command": "view", "path": "notes.txt", "view_range": [1, turn + 1]}
        reply = tool_use("str_replace_based_edit_tool", view)
        words = [
            {"type": "text", "text": f"Turn {turn}, thought {i}: checking the parser. "}
            for i in range(blocks)
        ]
        reply["content"] = [*words, *reply["content"]]
        reply["delay_ms"] = delay_ms
        replies.append(reply)
    return script(*replies)


def until_streaming(client: Client, doc: dict[str, Any], timeout_s: float = 120.0) -> None:
    """Ask for lenses until the agent's turns stream: its state's phase names a turn (the task's
    first transcript lines come at once, then the agent takes a few seconds to start)."""
    deadline = time.monotonic() + timeout_s
    while "turn" not in str(client.last_state.get("phase", "")):
        if time.monotonic() > deadline:
            raise SystemExit(f"the agent never streamed: {client.last_state}")
        client.lenses_shown(doc)


def streaming_workspace(tmp: Path, text: str, api_url: str) -> tuple[Path, dict[str, str]]:
    """A git repo under `tmp` with `text` as its ROADMAP.md, set up to run a task against the
    fake Messages API at `api_url`: (its root, the server's environment)."""
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    root = tmp / "repo"
    root.mkdir()
    (root / "ROADMAP.md").write_text(text, encoding="utf-8")
    (root / "notes.txt").write_text("notes\n", encoding="utf-8")
    (root / "roadmapd.toml").write_text(
        'sandbox = "off"\nmax_turns = 100\n[[checks]]\nname = "true"\nrun = "true"\n',
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-qm", "init"], check=True)
    env = {
        **with_bytecode(os.environ, tmp),
        "ANTHROPIC_BASE_URL": api_url,
        "ANTHROPIC_API_KEY": "bench-key-0123456789",
        ENV_STATE_DIR: str(tmp / "state"),
        ENV_CACHE_DIR: str(tmp / "cache"),  # the parse cache: its own, empty
    }
    return root, env


def measure_streaming(n: int, repeats: int) -> dict[str, float]:
    """codeLens latency while the first task streams through the engine (fake API)."""
    with tempfile.TemporaryDirectory() as tmp, FakeServer(streaming_script(60, 60, 150)) as api:
        text = make_roadmap(n)
        root, env = streaming_workspace(Path(tmp), text, api.url)
        uri = (root / "ROADMAP.md").as_uri()
        doc = {"textDocument": {"uri": uri}}
        client = Client(root, env)
        client.request(
            "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": CAPS}
        )
        client.send("initialized", {}, request=False)
        item = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
        client.send("textDocument/didOpen", {"textDocument": item}, request=False)
        client.request("textDocument/codeLens", doc)
        run = {"command": "roadmapd.runTask", "arguments": [{"uri": uri, "taskId": "T00001"}]}
        started = client.request("workspace/executeCommand", run)
        assert started and started["ok"], started
        until_streaming(client, doc)
        before = dict(client.notifications)
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            client.lenses_shown(doc)
            samples.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)  # an editor asks now and then, not in a tight loop
        during = {k: v - before.get(k, 0) for k, v in client.notifications.items()}
        still = client.last_state.get("status")
        client.close()
    return {
        "p50": pct(samples, 50),
        "p95": pct(samples, 95),
        "p99": pct(samples, 99),
        "transcript": during.get("roadmapd/transcript", 0),
        "states": during.get("roadmapd/taskState", 0),
        "running": 1.0 if still in ("running", "verifying") else 0.0,
    }


def measure_edit_split(n: int, repeats: int = 20) -> dict[str, float]:
    """In process, the server-side parts of an edit (ms, best of `repeats`): the full parse, the
    incremental re-parse of a one-character edit, the lens rebuild after it, a full lens build,
    the rebuild after an inserted line, and the payload size (KB)."""
    from pygls.workspace import TextDocument

    from roadmapd.roadmap import parse
    from roadmapd.server.documents import Documents
    from roadmapd.server.lens_cache import DocumentLenses, LensCache
    from roadmapd.server.task_states import InMemoryTaskStates

    def best(f: Any) -> float:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f()
            times.append((time.perf_counter() - t0) * 1000)
        return min(times)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        uri = (root / "ROADMAP.md").as_uri()
        lines = make_roadmap(n).split("\n")
        buffers = {uri: TextDocument(uri, "\n".join(lines), version=1)}
        docs = Documents(lambda: buffers)
        docs.configure(root, ["ROADMAP.md"])
        states = InMemoryTaskStates()
        cache = LensCache(states)
        first = docs.get(uri)
        assert first is not None
        payload = cache.lenses(first)
        parse_ms = best(lambda: parse(first.text))
        build_ms = best(lambda: DocumentLenses(first, states, {}).payload())
        reparse, rebuild, inserted = [], [], []
        for version in range(2, 2 + repeats):
            lines[4] = lines[4][:14] + ("I" if version % 2 else "i") + lines[4][15:]
            buffers[uri] = TextDocument(uri, "\n".join(lines), version=version)
            t0 = time.perf_counter()
            parsed = docs.get(uri)
            t1 = time.perf_counter()
            assert parsed is not None
            cache.lenses(parsed)
            reparse.append((t1 - t0) * 1000)
            rebuild.append((time.perf_counter() - t1) * 1000)
        lines.insert(6, "- [ ] T99999 An inserted task")
        buffers[uri] = TextDocument(uri, "\n".join(lines), version=1000)
        parsed = docs.get(uri)
        assert parsed is not None
        t0 = time.perf_counter()
        cache.lenses(parsed)
        inserted.append((time.perf_counter() - t0) * 1000)
    return {
        "parse": parse_ms,
        "reparse": min(reparse),
        "rebuild": min(rebuild),
        "build": build_ms,
        "inserted": inserted[0],
        "kb": len(payload.encode()) / 1024,
    }


def main() -> None:
    print(
        f"server start: spawn -> initialize -> didOpen -> first lenses shown, 300 tasks "
        f"(ms, {START_RUNS} fresh processes per command, interleaved)"
    )
    print(f"{'command':>26} {'p50':>7} {'p90':>7} {'max':>7} {'target p50':>10}")
    for name, starts in measure_start(300, START_RUNS).items():
        print(
            f"{name:>26} {pct(starts, 50):>7.0f} {pct(starts, 90):>7.0f} {max(starts):>7.0f} "
            f"{'<=' + str(int(START_TARGET_MS)):>10}"
        )
    print()
    rows = [
        (300, "resolves", measure(300, 200, CAPS), 10.0),
        (10_000, "resolves", measure(10_000, 60, CAPS), 100.0),
        (10_000, "whole", measure(10_000, 60, CAPS_WHOLE), 100.0),
    ]
    print(
        "textDocument/codeLens over stdio, then codeLens/resolve of the lenses on the first "
        f"{SCREEN_LINES} lines (ms; client-side, includes JSON decode)"
    )
    print(
        f"{'tasks':>7} {'client':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'target p95':>10} "
        f"{'first lenses':>12} {'edit p50':>9} {'edit p95':>9} {'RSS MB':>7} {'lenses KB':>9}"
    )
    for n, client, r, target in rows:
        print(
            f"{n:>7} {client:>8} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['p99']:>7.2f} "
            f"{'<' + str(target):>10} {r['first_ms']:>12.0f} {r['edit_p50']:>9.2f} "
            f"{r['edit_p95']:>9.2f} {r['rss_mb']:>7.1f} {r['kb']:>9.0f}"
        )
    print("targets: first lenses < 1000 ms, edit reflected < 50 ms")
    print("resolves: a client like VS Code's (big roadmaps get task lenses without titles);")
    print("whole: a client that does not resolve (Neovim 0.7) gets every lens whole")
    print()
    print("server side of a one-character edit, in process (ms, best of 20)")
    print(
        f"{'tasks':>7} {'parse':>7} {'reparse':>8} {'lenses':>7} {'full lenses':>11} "
        f"{'after insert':>12} {'payload KB':>10}"
    )
    for n in (300, 10_000):
        e = measure_edit_split(n)
        print(
            f"{n:>7} {e['parse']:>7.2f} {e['reparse']:>8.2f} {e['rebuild']:>7.2f} "
            f"{e['build']:>11.2f} {e['inserted']:>12.2f} {e['kb']:>10.0f}"
        )
    print("reparse/lenses: after the edit; full: from scratch; the rest of 'edit' is transport")
    print()
    print(
        "textDocument/codeLens (+ resolve in view) WHILE a task streams "
        "(fake API: 150 ms per turn, 180 deltas; a resolving client)"
    )
    print(f"{'tasks':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'transcript':>10} {'states':>7} still")
    for n, repeats in ((300, 200), (10_000, 60)):
        r = measure_streaming(n, repeats)
        print(
            f"{n:>7} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['p99']:>7.2f} "
            f"{r['transcript']:>10.0f} {r['states']:>7.0f} "
            f"{'running' if r['running'] else 'finished'}"
        )
    print("transcript/states: notifications received during the measurement")


if __name__ == "__main__":
    main()
