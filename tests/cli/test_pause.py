"""SIGTERM pauses `roadmapd run`; `roadmapd run --resume` continues; Ctrl-C still cancels.

A real `roadmapd run` subprocess on a real git repository against the fake Messages API,
whose first reply is held back (`delay_ms`): the signal arrives while the first task waits
for the model, so when it lands is certain.
"""

from __future__ import annotations

import json
import signal
import time
from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text

TWO_TASKS = (
    "# Plan\n\n- [ ] Add subtract <!-- id: sub -->\n  - Files: calc.py\n"
    "- [ ] Add multiply <!-- id: mul -->\n  - Files: calc.py\n"
)
SUBTRACT = "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"
MULTIPLY = "    return a - b\n\n\ndef multiply(a, b):\n    return a * b\n"
HELD_MS = 5000  # the first reply's delay: the window in which the test sends its signal


def _wait_for_request(server: FakeServer) -> None:
    deadline = time.monotonic() + 30
    while not server.requests() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.requests(), "the first model request never came"


def _rows(repo: Any) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in json.loads(repo.cli("status", "--json").stdout)}


def test_sigterm_finishes_the_task_under_way_and_resume_runs_the_rest(
    make_repo: Any, edit: Any
) -> None:
    repo = make_repo(TWO_TASKS)
    first = {**edit("calc.py", "    return a + b\n", SUBTRACT), "delay_ms": HELD_MS}
    with FakeServer(script(first, text("subtract added"))) as server:
        proc = repo.popen("run", "--all", env={"ANTHROPIC_BASE_URL": server.url})
        _wait_for_request(server)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, out + err
    assert "pausing" in err
    assert "paused; not started: mul (roadmapd run --resume runs them)" in out
    assert repo.commits() == ["Add subtract", "initial"]  # the task under way finished
    rows = _rows(repo)
    assert rows["sub"]["status"] == "committed"
    assert rows["mul"]["status"] == "idle"
    assert "not started: mul (roadmapd run --resume runs them)" in repo.cli("status").stdout

    with FakeServer(script(edit("calc.py", "    return a - b\n", MULTIPLY), text("ok"))) as s:
        resumed = repo.cli("run", "--resume", env={"ANTHROPIC_BASE_URL": s.url})
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming run" in resumed.stdout and ": mul" in resumed.stdout
    assert repo.commits() == ["Add multiply", "Add subtract", "initial"]
    assert _rows(repo)["mul"]["status"] == "committed"

    again = repo.cli("run", "--resume")  # the paused run is over
    assert again.returncode == 2 and "no paused run to resume" in again.stderr


def test_ctrl_c_still_cancels_at_once_and_leaves_nothing_to_resume(
    make_repo: Any, edit: Any
) -> None:
    repo = make_repo(TWO_TASKS)
    first = {**edit("calc.py", "    return a + b\n", SUBTRACT), "delay_ms": HELD_MS}
    with FakeServer(script(first, text("subtract added"))) as server:
        proc = repo.popen("run", "--all", env={"ANTHROPIC_BASE_URL": server.url})
        _wait_for_request(server)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert repo.commits() == ["initial"]
    assert _rows(repo)["sub"]["status"] == "cancelled"
    resumed = repo.cli("run", "--resume")
    assert resumed.returncode == 2 and "no paused run to resume" in resumed.stderr


def test_resume_takes_no_task_arguments(make_repo: Any) -> None:
    repo = make_repo(TWO_TASKS)
    run = repo.cli("run", "--resume", "--task", "sub")
    assert run.returncode == 2 and "give no tasks with it" in run.stderr


def test_an_unreadable_paused_run_is_said_and_nothing_runs(make_repo: Any) -> None:
    repo = make_repo(TWO_TASKS)
    assert repo.cli("status").returncode == 0  # the repository's state folder exists now
    folder = next(p.parent for p in repo.state_files() if p.name == "repo.json")
    (folder / "paused-run.json").write_text("{not json", encoding="utf-8")
    run = repo.cli("run", "--resume")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "no paused run to resume" in run.stderr and "unreadable paused run" in run.stderr
    assert repo.commits() == ["initial"]
