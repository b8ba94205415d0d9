"""Parse benchmark: roadmapd's scanner against the peer parser it replaces (ai-infra 1.5.2).

Run as `python benchmarks/parse.py`. Generates ROADMAPs of 200, 2,000 and 10,000 tasks in two
layouts (realistic: phases, sections of ~10 tasks, sub-bullets, code fences; flat: every task
in one section) and prints one table measured in a single run, medians of a few repetitions.
"cold" parses with the parser's caches emptied first (a document never seen); "edit" parses the
document after a one-character change with `parse`; "reparse" does the same with `reparse`,
given the previous version and its parse, as the language server does on every keystroke.
The last lines split one cold 10,000-task parse into its phases (best of a few runs, garbage
collector paused as in `parse`): line scan, task names, ids, Tasks (with their Ranges), finish.
Every field of a Task is computed inside `parse`; none is deferred to attribute access.
The peer's wheel is downloaded once into ~/.cache/roadmapd-bench/ (outside the repository);
only its stdlib-only modules are loaded, under a synthetic parent package.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import time
import types
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from roadmapd.roadmap import Roadmap, parse, reparse
from roadmapd.roadmap.parser import clear_caches, parse_marked, without_gc

CACHE = Path.home() / ".cache" / "roadmapd-bench"
PEER = "ai-infra==1.5.2"
PEER_MODULES = ("models", "roadmap", "parser")
SIZES = (200, 2_000, 10_000)
WORDS = "parse scan lens commit verify rollback cache index token stream retry budget".split()  # noqa: SIM905


def _task(n: int, checked: bool) -> str:
    words = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(5))
    return f"- [{'x' if checked else ' '}] **Task {n}: {words}** - make the {words} work"


def realistic(tasks: int) -> str:
    """Phases of 100 tasks, sections of 10, two sub-bullets per task, a fence per section."""
    out = ["# Project Roadmap", "", "Intro paragraph for the whole plan.", ""]
    for n in range(tasks):
        if n % 100 == 0:
            out += [f"## Phase {n // 100 + 1}: Milestone {n // 100 + 1}", ""]
        if n % 10 == 0:
            section = f"{n // 100 + 1}.{n % 100 // 10 + 1}"
            out += [f"### {section} Section {n // 10}", "", f"**Files**: `src/mod{n}.py`", ""]
            out += ["```python", f"def example_{n}() -> None:", "    - [ ] not a task", "```", ""]
        out.append(_task(n, n % 3 == 0))
        out.append(f"  - Files: src/mod{n // 10}.py")
        out.append(f"  - Keep the {WORDS[n % len(WORDS)]} path fast")
    return "\n".join(out) + "\n"


def flat(tasks: int) -> str:
    """Every task in one section, one line each."""
    out = ["# Project Roadmap", "", "## Phase 1: Everything", "", "### 1.1 All tasks", ""]
    out += [_task(n, n % 3 == 0) for n in range(tasks)]
    return "\n".join(out) + "\n"


def load_peer() -> Callable[[str], int] | str:
    """The peer's parse function (returning its task count), or why it could not be loaded."""
    wheels = sorted(CACHE.glob("ai_infra-1.5.2-*.whl"))
    if not wheels:
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", PEER, "-d", str(CACHE)]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=180)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"could not download {PEER}: {exc}"
        wheels = sorted(CACHE.glob("ai_infra-1.5.2-*.whl"))
        if not wheels:
            return f"pip download {PEER} produced no wheel in {CACHE}"
    root = CACHE / "ai_infra-1.5.2"
    if not (root / "ai_infra" / "executor" / "parser.py").exists():
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(root)
    for name in ("ai_infra", "ai_infra.executor"):
        package = types.ModuleType(name)
        package.__path__ = [str(root / name.replace(".", "/"))]
        sys.modules[name] = package
    for module in PEER_MODULES:
        name = f"ai_infra.executor.{module}"
        spec = importlib.util.spec_from_file_location(
            name, root / "ai_infra/executor" / f"{module}.py"
        )
        if spec is None or spec.loader is None:
            return f"cannot load {name}"
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)
    parser_cls = sys.modules["ai_infra.executor.parser"].RoadmapParser

    def peer_parse(text: str) -> int:
        return int(parser_cls().parse_string(text).total_tasks)

    return peer_parse


def median_ms(fn: Callable[[], object], reps: int, before: Callable[[], object] = int) -> float:
    times = []
    for _ in range(reps):
        before()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _variants(text: str) -> list[str]:
    """`text` and `text` after a one-character edit in its middle task's title."""
    at = text.index("make the", len(text) // 2)
    return [text, text[:at] + "Make" + text[at + 4 :]]


def edited(text: str) -> Callable[[], object]:
    """Full parses after a one-character edit, each parse seeing a different document than the
    one before (the edit toggles)."""
    variants = _variants(text)
    turn = [0]

    def parse_again() -> object:
        turn[0] ^= 1
        return parse(variants[turn[0]])

    return parse_again


def reparsed(text: str) -> Callable[[], object]:
    """Incremental re-parses after the same toggling edit, each from the previous result."""
    variants = _variants(text)
    turn = [0]
    current: list[Roadmap] = [parse(text)]

    def reparse_again() -> object:
        old = variants[turn[0]]
        turn[0] ^= 1
        current[0] = reparse(current[0], old, variants[turn[0]])
        return current[0]

    return reparse_again


def _phases_once(text: str) -> dict[str, float]:
    """One cold parse, timed per phase (ms) through the parser's phase marks."""
    clear_caches()
    times: dict[str, float] = {}
    last = [time.perf_counter()]

    def mark(phase: str) -> None:
        now = time.perf_counter()
        times[phase] = (now - last[0]) * 1000
        last[0] = now

    parse_marked(text, mark)
    return times


def phases(text: str, reps: int = 5) -> str:
    """The best time of each phase over `reps` cold parses, as one line."""
    runs = [without_gc(partial(_phases_once, text)) for _ in range(reps)]
    return "  ".join(f"{k} {min(r[k] for r in runs):.1f}" for k in runs[0])


def main() -> None:
    peer = load_peer()
    if isinstance(peer, str):
        print(f"peer parser unavailable ({peer}); printing roadmapd's numbers only")
    head = f"{'tasks':>7} {'layout':<10} {'KB':>6} {'cold ms':>8} {'edit ms':>8} {'reparse':>8}"
    print(f"{head} {'peer ms':>8} {'cold x':>7} {'edit x':>7} {'rep. x':>7}")
    per_task: dict[str, list[tuple[int, float]]] = {"realistic": [], "flat": []}
    throughput: list[float] = []
    for size in SIZES:
        for layout, make in (("realistic", realistic), ("flat", flat)):
            text = make(size)
            found = len(parse(text).tasks)
            assert found == size, f"{layout} {size}: parsed {found} tasks"
            reps = 15 if size < 10_000 else 9
            cold = median_ms(partial(parse, text), reps, clear_caches)
            again = edited(text)
            again()
            edit = median_ms(again, reps)
            incremental = reparsed(text)
            incremental()
            rep = median_ms(incremental, reps)
            per_task[layout].append((size, cold * 1000 / size))
            throughput.append(len(text.encode()) / 1e6 / (cold / 1000))
            peer_cell, cold_x, edit_x, rep_x = "-", "-", "-", "-"
            if not isinstance(peer, str):
                slow = layout == "flat" and size >= 2_000
                peer_reps = 1 if slow and size >= 10_000 else 3 if slow else 5
                theirs = median_ms(partial(peer, text), peer_reps)
                peer_cell = f"{theirs:.1f}"
                cold_x, edit_x = f"{theirs / cold:.1f}x", f"{theirs / edit:.1f}x"
                rep_x = f"{theirs / rep:.0f}x"
            kb = len(text.encode()) / 1024
            row = f"{size:>7} {layout:<10} {kb:>6.0f} {cold:>8.2f} {edit:>8.2f} {rep:>8.2f}"
            print(f"{row} {peer_cell:>8} {cold_x:>7} {edit_x:>7} {rep_x:>7}")
    print(f"throughput (cold): {min(throughput):.1f}-{max(throughput):.1f} MB/s")
    for layout, points in per_task.items():
        cells = ", ".join(f"{n}: {us:.2f} us/task" for n, us in points)
        print(f"linear growth (cold, {layout}): {cells}")
    for layout, make in (("realistic", realistic), ("flat", flat)):
        print(f"phases (cold, 10000 {layout}, ms): {phases(make(10_000))}")


if __name__ == "__main__":
    main()
