"""`roadmapd demo`: the bundled example runs end to end against the bundled fake API server."""

from __future__ import annotations

from typing import Any


def test_demo_passes_every_task(tmp_path: Any, make_repo: Any) -> None:
    repo = make_repo("# unused\n")  # only for its environment (state dir, PATH, git identity)
    target = tmp_path / "demo"
    out = repo.cli("demo", "--keep", str(target), timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "checks failed" in out.stdout  # multiply fails once, then passes
    # the example's unittest runner (no pytest needed) locates the failure for the daemon
    failure = "test_calc.py:14:1: CalcTest.test_multiply failed: AssertionError: 81 != 12"
    assert failure in out.stdout
    trailers = [
        line
        for line in repo.git("-C", str(target), "log", "--format=%B").splitlines()
        if line.startswith("Roadmap-Task: ")
    ]
    assert trailers == ["Roadmap-Task: divide", "Roadmap-Task: multiply", "Roadmap-Task: subtract"]
    assert (target / "ROADMAP.md").read_text().count("- [x]") == 3
    assert f"code {target}" in out.stdout
