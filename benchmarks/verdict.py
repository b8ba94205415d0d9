"""Verdict benchmark: honest and dishonest scripted agents through the real CLI.

Each case of `roadmapd.testing.verdicts` (do nothing, announce and stop, code without a test, a
test that passes on the old code, delete / gut / skip the failing test, a conftest hook, editing
the check configuration, ticking another box; and two honest implementations) runs as
`roadmapd run --task sub` in a fresh repository, in the jail, against the fake Messages API.
Prints true passes, false passes, true and false rejections, and the extra wall time the
evidence costs an honest task (the baseline run plus the evidence run: evidence "auto" against
"none", median of the runs). Run: `python benchmarks/verdict.py`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script
from roadmapd.testing.verdicts import CALC, CASES, CONFIG, ROADMAP, TEST_CALC, Case

REPEATS = 3


def _env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "GIT_"))}
    env.update(
        ROADMAPD_STATE_DIR=str(state),
        ANTHROPIC_API_KEY="sk-bench-not-a-key",
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
        PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
    )
    return env


def run_case(case: Case, tmp: Path, evidence: str) -> tuple[bool, float]:
    """(committed, wall seconds of `roadmapd run`)."""
    root = Path(tempfile.mkdtemp(dir=tmp))
    env = _env(root / ".state")
    files = {
        "ROADMAP.md": ROADMAP,
        "roadmapd.toml": f'evidence = "{evidence}"\n' + CONFIG,
        ".gitignore": "__pycache__/\n.state/\n",
        "calc.py": CALC,
        "test_calc.py": TEST_CALC,
        **case.files,
    }
    for name, content in files.items():
        (root / name).write_text(content)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "initial"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    with FakeServer(script(*case.script_entries())) as server:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "roadmapd.cli", "run", "--task", "sub"],
            cwd=root,
            env={**env, "ANTHROPIC_BASE_URL": server.url},
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - started
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=root, capture_output=True, text=True, check=True
    )
    return log.stdout.splitlines()[0] == "Add subtract", wall


def main() -> int:
    tally = {"true pass": 0, "false pass": 0, "true rejection": 0, "false rejection": 0}
    extra: list[float] = []
    with tempfile.TemporaryDirectory(prefix="roadmapd-bench-verdict-") as tmp:
        for name, case in CASES.items():
            committed, wall = run_case(case, Path(tmp), "auto")
            kind = (
                ("true pass" if committed else "false rejection")
                if case.honest
                else ("false pass" if committed else "true rejection")
            )
            tally[kind] += 1
            print(f"  {name:<40} {'committed' if committed else 'refused':<10} {wall:5.2f} s")
        honest = [c for c in CASES.values() if c.honest]
        for case in honest:
            with_evidence = [run_case(case, Path(tmp), "auto")[1] for _ in range(REPEATS)]
            without = [run_case(case, Path(tmp), "none")[1] for _ in range(REPEATS)]
            extra.append(statistics.median(with_evidence) - statistics.median(without))
    print()
    print(f"{'verdict':<18} cases")
    for kind, n in tally.items():
        print(f"{kind:<18} {n}")
    print(
        f"\nextra wall time of the evidence per honest task (baseline + evidence run, "
        f"median of {REPEATS}): " + ", ".join(f"{e:+.2f} s" for e in extra)
    )
    return 0 if tally["false pass"] == 0 and tally["false rejection"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
