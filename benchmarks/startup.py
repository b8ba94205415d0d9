"""CLI start-up: `python benchmarks/startup.py [RUNS]`.

What a shell or an editor waits for before roadmapd answers: `roadmapd --help`,
`roadmapd tasks ROADMAP.md --json` and `roadmapd status`, each started RUNS times (default 20)
as a real process (the `roadmapd` console script next to this interpreter), spawn to exit, in a
fresh git repository with a 300-task roadmap whose state store remembers 30 finished tasks
(`status` reads them). The runs are interleaved (help, tasks, status, help, ...) so a noisy
neighbour hits every command alike. Prints the median and p90 of each, and the heavy modules
each command imported (`python -X importtime`): anthropic, httpx2 and git (GitPython) load
only when a task runs. Target: <= 0.3 s each.

The language server's start (spawn to first lenses, `roadmapd serve` and
`python -m roadmapd serve`) is measured by `benchmarks/lsp.py`.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsp import make_roadmap, roadmapd_script, with_bytecode
from roadmapd.engine import TaskStatus
from roadmapd.store import ENV_STATE_DIR, StateStore, TaskRecord, UsageModel

TASKS = 300
REMEMBERED = 30
TARGET_S = 0.3
HEAVY = ("anthropic", "httpx2", "git")
COMMANDS = {
    "roadmapd --help": ["--help"],
    "roadmapd tasks ROADMAP.md --json": ["tasks", "ROADMAP.md", "--json"],
    "roadmapd status": ["status"],
}


def make_repo(root: Path, env: dict[str, str]) -> None:
    root.mkdir()
    (root / "ROADMAP.md").write_text(make_roadmap(TASKS), encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "initial"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    store = StateStore(root, root=Path(env[ENV_STATE_DIR]))
    for i in range(3, 3 * REMEMBERED + 1, 3):  # the checked tasks T00003, T00006, ...
        usage = UsageModel(input_tokens=12_000, output_tokens=900, cost_usd=0.0495)

        def finished(state: TaskRecord, usage: UsageModel = usage) -> None:
            state.status = TaskStatus.COMMITTED
            state.attempts = 1
            state.usage = state.total_usage = usage
            state.commit = "0123456789abcdef0123456789abcdef01234567"

        store.update(f"T{i:05d}", finished)


def heavy_modules(argv: list[str], cwd: Path, env: dict[str, str]) -> list[str]:
    """The HEAVY top-level packages `roadmapd ARGV` imported (from `-X importtime`)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "roadmapd", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return sorted(h for h in HEAVY if h in names or any(n.startswith(h + ".") for n in names))


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(runs: int) -> dict[str, tuple[list[float], list[float], list[str]]]:
    script = roadmapd_script()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "GIT_"))}
        env = with_bytecode(env, Path(tmp))
        env.update(
            {ENV_STATE_DIR: str(Path(tmp) / "state")},
            GIT_AUTHOR_NAME="Bench",
            GIT_AUTHOR_EMAIL="bench@example.invalid",
            GIT_COMMITTER_NAME="Bench",
            GIT_COMMITTER_EMAIL="bench@example.invalid",
            GIT_CONFIG_GLOBAL=os.devnull,
        )
        repo = Path(tmp) / "repo"
        make_repo(repo, env)
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for argv in COMMANDS.values():  # once each, unmeasured: bytecode written, caches warm
            subprocess.run([script, *argv], cwd=repo, env=env, capture_output=True, check=True)
        for _ in range(runs):
            for name, argv in COMMANDS.items():
                c0, t0 = cpu_of_children(), time.perf_counter()
                subprocess.run(
                    [script, *argv], cwd=repo, env=env, stdout=subprocess.DEVNULL, check=True
                )
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(cpu_of_children() - c0)
        return {
            name: (times[name], cpu[name], heavy_modules(argv, repo, env))
            for name, argv in COMMANDS.items()
        }


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10, method="inclusive")[8]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    results = measure(runs)
    print(
        f"CLI start-up, spawn to exit ({runs} runs each, interleaved; {TASKS}-task roadmap, "
        f"{REMEMBERED} task states in the store)"
    )
    width = max(len(name) for name in results)
    print(
        f"{'command':<{width}} {'median s':>9} {'p90 s':>7} {'cpu s':>6} {'target':>7}  "
        "heavy imports"
    )
    for name, (samples, cpu, heavy) in results.items():
        median = statistics.median(samples)
        verdict = "OK" if median <= TARGET_S else "SLOW"
        print(
            f"{name:<{width}} {median:>9.3f} {p90(samples):>7.3f} {statistics.median(cpu):>6.3f} "
            f"{'<=' + str(TARGET_S):>7}  {', '.join(heavy) or 'none'} -> {verdict}"
        )
    print("median, p90: wall time; cpu: the median user + system time of the process (what a")
    print("busy machine does not inflate)")
    print(f"heavy imports: which of {', '.join(HEAVY)} the command loaded (none is the goal)")


if __name__ == "__main__":
    main()
