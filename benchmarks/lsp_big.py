"""Big nested roadmaps in every client: `python benchmarks/lsp_big.py` (issue #21).

The roadmap is `nested_roadmap.nested_roadmap` (phases, sections, sub-tasks to depth 3, bodies
with paragraphs, `Depends:` / `Files:` / `Acceptance:` lines and code blocks). Each row is one
fresh `python -m roadmapd serve` over stdio, with one of two clients (`lsp.CAPS`: resolves
lenses like VS Code; `lsp.CAPS_WHOLE`: does not, like Neovim 0.7), idle or while task T00001
streams through the real engine against the fake Messages API (as in `lsp.py`). Per row:
spawn -> first lenses shown, `textDocument/codeLens` (+ `codeLens/resolve` of the lenses in view)
p50/p95, one-character edit -> fresh lenses p50/p95, and the server's RSS; the targets beside.

The second table splits those latencies: the server's share, measured in process on the same
text with the server's own code (cold parse, incremental re-parse after the edit, lens rows
after the edit, and the encoding of the response as the server writes it, redaction included),
and the rest (transport, the client's decode, the event loop). The floor is what no server can
avoid: `json.loads` + `json.dumps` of the payload in this Python (a client decodes it; some
server encodes it). No timing is added to the daemon for this: normal use pays nothing.

ROADMAPD_BENCH_QUICK=1 runs fewer samples (a smoke run of about a minute).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsp import (
    CAPS,
    CAPS_WHOLE,
    Client,
    pct,
    streaming_script,
    streaming_workspace,
    timed_edits,
    until_streaming,
    with_bytecode,
)
from nested_roadmap import nested_roadmap
from roadmapd.parse_cache import ENV_CACHE_DIR, ParseCache
from roadmapd.testing import FakeServer

QUICK = os.environ.get("ROADMAPD_BENCH_QUICK") == "1"
REPEATS = 12 if QUICK else 40
EDITS = 6 if QUICK else 15
CLIENTS = {"resolves": CAPS, "whole": CAPS_WHOLE}
#: (tasks, client, target codeLens p95 / edit p50 in ms) - issue #21
ROWS = [
    (20_000, "resolves", 100.0),
    (20_000, "whole", 100.0),
    (10_000, "resolves", 50.0),
]
FIRST_TARGET_MS = 1000.0
RSS_TARGET_MB = 150.0
EDITED_TASK = "T00002"  # the edit: one character of this task's title (its id is explicit)


def edit_position(text: str) -> tuple[int, int]:
    """(line, character) of the `I` of "Implement" in EDITED_TASK's title."""
    for number, line in enumerate(text.split("\n")):
        if f"] {EDITED_TASK} " in line:
            return number, line.index("Implement")
    raise AssertionError(f"{EDITED_TASK} is not in the roadmap")


def open_roadmap(client: Client, root: Path, text: str, caps: dict[str, Any]) -> dict[str, Any]:
    """initialize, initialized, didOpen ROADMAP.md; the codeLens params of the document."""
    uri = (root / "ROADMAP.md").as_uri()
    client.request(
        "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": caps}
    )
    client.send("initialized", {}, request=False)
    item = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
    client.send("textDocument/didOpen", {"textDocument": item}, request=False)
    return {"textDocument": {"uri": uri}}


def sample(client: Client, doc: dict[str, Any], text: str) -> dict[str, Any]:
    """codeLens samples, then edit -> lenses samples (ms), and the RSS."""
    lens_ms = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        client.lenses_shown(doc)
        lens_ms.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.01)  # an editor asks now and then, not in a tight loop
    line, char = edit_position(text)
    edit_ms = timed_edits(client, doc, line, char, EDITS, pause_s=0.01)
    return {"lens": lens_ms, "edit": edit_ms, "rss": client.rss_mb()}


def first_lenses(root: Path, env: dict[str, str], text: str, caps: dict[str, Any]) -> Any:
    """(ms from spawning the server to its first lenses shown, the client, the document)."""
    t0 = time.perf_counter()
    client = Client(root, env)
    doc = open_roadmap(client, root, text, caps)
    assert client.lenses_shown(doc), "no lenses"
    return (time.perf_counter() - t0) * 1000, client, doc


def measure_idle(n: int, caps: dict[str, Any]) -> dict[str, Any]:
    """The samples with the file never seen (an empty parse cache: `first`), then the first
    lenses of a second server on the same file, which reads the parse the first one kept
    (`again`)."""
    text = nested_roadmap(n)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "ROADMAP.md").write_text(text, encoding="utf-8")
        env = {**with_bytecode(os.environ, root / ".cache"), ENV_CACHE_DIR: str(root / "parse")}
        Client(root, env).close()  # writes the bytecode, as an installed roadmapd has it
        first, client, doc = first_lenses(root, env, text, caps)
        out = sample(client, doc, text)
        kept_parse(root / "parse")
        client.close()
        again, client, _ = first_lenses(root, env, text, caps)
        client.close()
    return {**out, "first": first, "again": again}


def kept_parse(cache: Path) -> None:
    """Until the writer process has written the parse cache's entry (the server starts it soon
    after the first lenses, the CLI at once), and nothing else is in the folder."""
    deadline = time.monotonic() + 60
    while [p.suffix for p in cache.glob("parse/*")] != [".parse"]:
        if time.monotonic() > deadline:
            raise SystemExit("the server kept no parse of the roadmap")
        time.sleep(0.05)


def cli_ms(n: int, runs: int) -> dict[str, float]:
    """`roadmapd tasks --json ROADMAP.md` wall time (ms, median of `runs`): with an empty parse
    cache (`cold`: parses, starts the entry's writer and exits), and with the entry (`warm`,
    once the writer is done)."""
    text = nested_roadmap(n)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        roadmap = root / "ROADMAP.md"
        roadmap.write_text(text, encoding="utf-8")
        env = with_bytecode(os.environ, root / ".cache")
        command = [sys.executable, "-m", "roadmapd", "tasks", "--json", str(roadmap)]
        subprocess.run(command, env=env, check=True, capture_output=True)  # bytecode
        out: dict[str, list[float]] = {"cold": [], "warm": []}
        for i in range(runs):
            cache = {**env, ENV_CACHE_DIR: str(root / f"parse{i}")}
            for kind in ("cold", "warm"):
                t0 = time.perf_counter()
                subprocess.run(command, env=cache, check=True, capture_output=True)
                out[kind].append((time.perf_counter() - t0) * 1000)
                kept_parse(root / f"parse{i}")
    return {kind: statistics.median(ms) for kind, ms in out.items()}


def measure_streaming(n: int, caps: dict[str, Any]) -> dict[str, Any]:
    text = nested_roadmap(n)
    with tempfile.TemporaryDirectory() as tmp, FakeServer(streaming_script(80, 60, 150)) as api:
        root, env = streaming_workspace(Path(tmp), text, api.url)
        client = Client(root, env)
        doc = open_roadmap(client, root, text, caps)
        client.lenses_shown(doc)
        kept_parse(Path(env[ENV_CACHE_DIR]))  # the parse cache's writer done, as a while later
        run = {"command": "roadmapd.runTask", "arguments": [{"uri": doc["textDocument"]["uri"]}]}
        run["arguments"][0]["taskId"] = "T00001"
        started = client.request("workspace/executeCommand", run)
        assert started and started["ok"], started
        until_streaming(client, doc)
        before = client.notifications.get("roadmapd/transcript", 0)
        out = sample(client, doc, text)
        streamed = client.notifications.get("roadmapd/transcript", 0) - before
        running = client.last_state.get("status") in ("running", "verifying")
        client.close()
    nan = float("nan")
    return {**out, "first": nan, "again": nan, "streamed": streamed, "running": running}


def best_ms(f: Callable[[], object], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


class _Sink:
    """A writer that keeps only the size of what the server writes."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size = len(data)


def server_share(n: int, resolvable: bool, payload_file: Path) -> dict[str, float]:
    """In process, best of a few (ms): cold parse, re-parse after the edit, lens rows after the
    edit, a full lens build, the encoding of the codeLens response, payload KB; the payload is
    written to `payload_file` (the floor is measured where the client is)."""
    from pygls.workspace import TextDocument

    from roadmapd.roadmap import parse
    from roadmapd.roadmap.parser import clear_caches
    from roadmapd.server.app import create_server
    from roadmapd.server.documents import Documents
    from roadmapd.server.lens_cache import LensCache
    from roadmapd.server.task_states import InMemoryTaskStates

    text = nested_roadmap(n)

    def cold() -> None:
        clear_caches()
        parse(text)

    parse_ms = best_ms(cold, 3)
    with tempfile.TemporaryDirectory() as tmp:
        kept = ParseCache(Path(tmp))
        kept.parse(text, "/bench/ROADMAP.md")
        kept.wait()
        kept_ms = best_ms(lambda: kept.parse(text, "/bench/ROADMAP.md"), 3)
    line, char = edit_position(text)
    lines = text.split("\n")
    uri = "file:///bench/ROADMAP.md"
    buffers = {uri: TextDocument(uri, text, version=1)}
    docs = Documents(lambda: buffers)
    docs.configure(Path("/bench"), ["ROADMAP.md"])
    first = docs.get(uri)
    assert first is not None
    full_ms = best_ms(lambda: LensCache(InMemoryTaskStates()).lenses(first, resolvable=resolvable))
    cache = LensCache(InMemoryTaskStates())
    payload = cache.lenses(first, resolvable=resolvable)
    reparse, rows = [], []
    for version in range(2, 12):
        lines[line] = lines[line][:char] + ("I" if version % 2 else "i") + lines[line][char + 1 :]
        buffers[uri] = TextDocument(uri, "\n".join(lines), version=version)
        t0 = time.perf_counter()
        parsed = docs.get(uri)
        t1 = time.perf_counter()
        assert parsed is not None
        payload = cache.lenses(parsed, resolvable=resolvable)
        reparse.append((t1 - t0) * 1000)
        rows.append((time.perf_counter() - t1) * 1000)
    protocol = create_server().protocol
    sink = _Sink()
    protocol.set_writer(sink)
    encode_ms = best_ms(lambda: protocol._send_response(1, payload))
    payload_file.write_bytes(bytes(payload))
    return {
        "parse": parse_ms,
        "kept": kept_ms,
        "reparse": statistics.median(reparse),
        "rows": statistics.median(rows),
        "full": full_ms,
        "encode": encode_ms,
        "kb": sink.size / 1024,
    }


def server_share_apart(n: int, resolvable: bool) -> dict[str, float]:
    """`server_share` in a process of its own: run here it would leave the server's modules and
    caches in this process, the measuring client, whose own garbage collector then walks them
    at every payload it decodes (it made the later rows' latencies up to twice as slow)."""
    with tempfile.TemporaryDirectory() as tmp:
        payload = Path(tmp) / "payload.json"
        done = subprocess.run(
            [sys.executable, __file__, "--share", str(n), "1" if resolvable else "0", str(payload)],
            check=True,
            capture_output=True,
            text=True,
        )
        share: dict[str, float] = json.loads(done.stdout)
        blob = payload.read_bytes()
    share["floor"] = best_ms(lambda: json.dumps(json.loads(blob), ensure_ascii=False))
    return share


def main() -> None:
    print(
        "nested roadmaps (sub-tasks to depth 3, realistic bodies) over stdio: "
        f"codeLens (+ resolve in view) and edit -> fresh lenses (ms, {REPEATS} and {EDITS} "
        "samples), spawn -> first lenses, RSS; a fresh server per row"
    )
    head = (
        f"{'tasks':>6} {'client':>8} {'mode':>9} {'lens p50':>8} {'p95':>7} {'edit p50':>8} "
        f"{'p95':>7} {'target':>6} {'first':>6} {'again':>6} {'RSS MB':>6} {'streamed':>8}"
    )
    print(head)
    shares: dict[tuple[int, str], dict[str, float]] = {}
    figures: list[tuple[int, str, str, dict[str, Any]]] = []
    for n, client, target in ROWS:
        for mode in ("idle", "streaming"):
            run = measure_idle if mode == "idle" else measure_streaming
            r = run(n, CLIENTS[client])
            figures.append((n, client, mode, r))
            streamed = f"{r['streamed']}{'' if r['running'] else '*'}" if "streamed" in r else "-"
            print(
                f"{n:>6} {client:>8} {mode:>9} {pct(r['lens'], 50):>8.1f} "
                f"{pct(r['lens'], 95):>7.1f} {pct(r['edit'], 50):>8.1f} {pct(r['edit'], 95):>7.1f} "
                f"{'<=' + str(int(target)):>6} {r['first']:>6.0f} {r['again']:>6.0f} "
                f"{r['rss']:>6.0f} {streamed:>8}",
                flush=True,
            )
        shares[(n, client)] = server_share_apart(n, client == "resolves")
    print(
        f"targets: lens p95 and edit p50 <= target; first lenses <= {FIRST_TARGET_MS:.0f} ms "
        f"(spawn included); RSS <= {RSS_TARGET_MB:.0f} MB. first: the file never seen; again: "
        "a second server, which reads the parse the first kept. streamed: transcript lines "
        "during the samples (* the task had finished before the end)"
    )
    print()
    print(
        "where the time goes (ms): the server's share in process (parse: best of 3; the rest: "
        "median of 10 edits), the rest of the idle p50 (transport, client decode, loop); "
        "floor: json.loads + json.dumps of the payload"
    )
    print(
        f"{'tasks':>6} {'client':>8} {'parse':>6} {'kept':>5} {'reparse':>7} {'rows':>6} "
        f"{'full rows':>9} "
        f"{'encode':>6} {'lens rest':>9} {'edit rest':>9} {'floor':>6} {'KB':>6}"
    )
    for n, client, _ in ROWS:
        s = shares[(n, client)]
        idle = next(r for m, c, mode, r in figures if (m, c, mode) == (n, client, "idle"))
        lens_rest = pct(idle["lens"], 50) - s["encode"]
        edit_rest = pct(idle["edit"], 50) - s["reparse"] - s["rows"] - s["encode"]
        print(
            f"{n:>6} {client:>8} {s['parse']:>6.1f} {s['kept']:>5.1f} {s['reparse']:>7.2f} "
            f"{s['rows']:>6.2f} "
            f"{s['full']:>9.1f} {s['encode']:>6.2f} {lens_rest:>9.1f} {edit_rest:>9.1f} "
            f"{s['floor']:>6.1f} {s['kb']:>6.0f}"
        )
    print(
        "parse: cold; kept: the same parse read from the parse cache (digest, read, load); "
        "reparse/rows: after the one-character edit; full rows: every lens row from scratch; "
        "encode: the codeLens response as the server writes it"
    )
    print()
    runs = 3 if QUICK else 7
    print(f"the CLI on the same roadmaps: roadmapd tasks --json (ms, median of {runs} processes)")
    print(f"{'tasks':>6} {'never seen':>10} {'seen before':>11} {'ratio':>6}")
    for n in sorted({n for n, _, _ in ROWS}, reverse=True):
        cli = cli_ms(n, runs)
        print(f"{n:>6} {cli['cold']:>10.0f} {cli['warm']:>11.0f} {cli['cold'] / cli['warm']:>6.2f}")
    print(
        "never seen: parses (its writer process keeps the parse after it exits); seen before: "
        "reads the kept parse"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--share"]:
        print(json.dumps(server_share(int(sys.argv[2]), sys.argv[3] == "1", Path(sys.argv[4]))))
    else:
        main()
