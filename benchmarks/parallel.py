"""Parallel runs benchmark: wall time of 4 independent tasks with max_parallel 1 vs 4.

Each task is a scripted 3-turn agent session (a shell command, a file creation, a final
message) on the fake Messages API server with 300 ms of latency per turn, run end to end by the
real CLI (`roadmapd run --all`) in a fresh repository: worktrees, checkpoints, checks, commits
and integration included. The fake server answers in script order, so each task gets its own
server behind one URL (`roadmapd.testing.router.FakeServers`). Prints both wall times and the
speed-up. Run: `python benchmarks/parallel.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from roadmapd.testing.router import FakeServers
from roadmapd.testing.script import script, text, tool_use

TASKS = 4
DELAY_MS = 300
EDITOR = "str_replace_based_edit_tool"
CONFIG = 'sandbox = "off"\nmax_parallel = {n}\n\n[[checks]]\nname = "ok"\nrun = "python -c pass"\n'


def session(i: int) -> dict[str, Any]:
    return script(
        tool_use("bash", {"command": "python -c 'print(1)'"}),
        tool_use(EDITOR, {"command": "create", "path": f"mod{i}.py", "file_text": f"V = {i}\n"}),
        text(f"Added mod{i}.py."),
    )


def make_repo(root: Path, n: int, env: dict[str, str]) -> None:
    root.mkdir()
    lines = [f"- [ ] Add module {i} <!-- id: t{i} -->\n  - Files: mod{i}.py" for i in range(TASKS)]
    (root / "ROADMAP.md").write_text("# Plan\n\n" + "\n".join(lines) + "\n")
    (root / "roadmapd.toml").write_text(CONFIG.format(n=n))
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "initial"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)


def run_once(n: int, tmp: Path) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "GIT_"))}
    env.update(
        ROADMAPD_STATE_DIR=str(tmp / f"state-{n}"),
        ANTHROPIC_API_KEY="sk-bench-not-a-real-key",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    repo = tmp / f"repo-{n}"
    make_repo(repo, n, env)
    with FakeServers({f"t{i}": session(i) for i in range(TASKS)}, delay_ms=DELAY_MS) as api:
        env["ANTHROPIC_BASE_URL"] = api.url
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "roadmapd.cli", "run", "--all", "--yes"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"max_parallel {n}: roadmapd run failed ({done.returncode})")
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=repo, capture_output=True, text=True, check=True
    )
    return elapsed, len(log.stdout.splitlines()) - 1


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="roadmapd-bench-parallel-") as tmp:
        serial, commits_1 = run_once(1, Path(tmp))
        parallel, commits_4 = run_once(4, Path(tmp))
    turns = 3 * TASKS
    print(f"{TASKS} independent tasks, 3 turns each, {DELAY_MS} ms of API latency per turn")
    print(f"  max_parallel 1: {serial:6.2f} s wall ({commits_1} commits; {turns} turns in a row)")
    print(f"  max_parallel 4: {parallel:6.2f} s wall ({commits_4} commits)")
    print(f"  speed-up: {serial / parallel:.2f}x")
    return 0 if commits_1 == commits_4 == TASKS else 1


if __name__ == "__main__":
    raise SystemExit(main())
