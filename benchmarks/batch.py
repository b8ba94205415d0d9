"""Batch benchmark: the demo's three tasks with `batch_size = 1` against `batch_size = 3`.

Each run is what a user runs: `python -m roadmapd run --all --json` on a fresh copy of the bundled
calculator example (`roadmapd demo`'s project), against the fake Messages API playing the demo's
scripted session, with its prompt-cache model (prefix hits within 5 minutes, 10% price for
reads, 125% for writes). The two settings alternate, REPEATS runs each; tokens and cost come
from the run's own JSON events (every run gives the same figures: the script is fixed), wall time
is the median. Prints the table and the ratios batch 3 / batch 1. Run: `python benchmarks/batch.py`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from roadmapd.console.demo import SESSION, prepare_project
from roadmapd.testing import FakeServer

REPEATS = int(os.environ.get("BATCH_BENCH_REPEATS", "3"))


@dataclass
class Figures:
    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    cost: float = 0.0
    committed: int = 0

    def add(self, outcome: dict[str, object]) -> None:
        usage = outcome["usage"]
        assert isinstance(usage, dict)
        self.input += usage["input_tokens"]
        self.cache_write += usage["cache_creation_input_tokens"]
        self.cache_read += usage["cache_read_input_tokens"]
        self.output += usage["output_tokens"]
        self.cost += usage["cost_usd"]
        self.committed += outcome["status"] == "committed"


def one_run(batch: int, tmp: Path) -> tuple[Figures, float]:
    project = prepare_project(Path(tempfile.mkdtemp(dir=tmp)) / "calculator")
    config = project / "roadmapd.toml"
    config.write_text(f"batch_size = {batch}\n" + config.read_text(encoding="utf-8"))
    subprocess.run(["git", "commit", "-qam", f"batch {batch}"], cwd=project, check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OTEL_"))}
    env["ROADMAPD_STATE_DIR"] = str(project.parent / "state")
    env["ANTHROPIC_API_KEY"] = "sk-bench-not-a-key"
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", "")))
    session = json.loads(SESSION.read_text(encoding="utf-8"))
    with FakeServer(session) as server:
        env["ANTHROPIC_BASE_URL"] = server.url
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "roadmapd", "run", "--all", "--json"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"batch {batch}: roadmapd run failed\n{done.stdout}\n{done.stderr}")
    figures = Figures()
    for line in done.stdout.splitlines():
        event = json.loads(line)
        if event.get("type") == "RunFinished":
            for outcome in event["outcomes"]:
                figures.add(outcome)
    return figures, wall


def main() -> int:
    figures: dict[int, Figures] = {}
    walls: dict[int, list[float]] = {1: [], 3: []}
    with tempfile.TemporaryDirectory(prefix="roadmapd-batch-") as tmp:
        for _ in range(REPEATS):
            for batch in (1, 3):
                found, wall = one_run(batch, Path(tmp))
                if batch in figures and figures[batch] != found:
                    raise SystemExit(f"batch {batch}: token figures differ between runs")
                figures[batch] = found
                walls[batch].append(wall)
    print(f"the demo's three tasks, {REPEATS} runs of each setting (wall: median)\n")
    head = f"{'':<22}{'batch 1':>12}{'batch 3':>12}{'3 / 1':>9}"
    print(head)
    print("-" * len(head))
    rows = [
        ("tasks committed", "committed", "{:d}"),
        ("input tokens", "input", "{:d}"),
        ("cache write tokens", "cache_write", "{:d}"),
        ("cache read tokens", "cache_read", "{:d}"),
        ("output tokens", "output", "{:d}"),
        ("cost (USD)", "cost", "{:.4f}"),
    ]
    for label, name, fmt in rows:
        one, three = getattr(figures[1], name), getattr(figures[3], name)
        ratio = f"{three / one:.2f}" if one else "-"
        print(f"{label:<22}{fmt.format(one):>12}{fmt.format(three):>12}{ratio:>9}")
    w1, w3 = statistics.median(walls[1]), statistics.median(walls[3])
    print(f"{'wall time (s)':<22}{w1:>12.2f}{w3:>12.2f}{w3 / w1:>9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
