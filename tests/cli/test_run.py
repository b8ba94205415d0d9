"""`roadmapd run` end to end: a real subprocess, a real git repository, the fake API server."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from roadmapd.testing import FakeServer
from roadmapd.testing.script import error, script, text, tool_use

SUBTRACT_BUGGY = "    return a + b\n\n\ndef subtract(a, b):\n    return a + b\n"
TEST_SUBTRACT = "\n\ndef test_subtract():\n    assert calc.subtract(5, 3) == 2\n"


def test_pass_after_retry_commits_once_ticks_and_keeps_the_key_secret(
    make_repo: Any, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    before = repo.head()
    session = script(
        edit("calc.py", "    return a + b\n", SUBTRACT_BUGGY),
        edit("test_calc.py", "== 5\n", "== 5\n" + TEST_SUBTRACT),
        text("Done, all tests pass."),
        edit(
            "calc.py",
            "def subtract(a, b):\n    return a + b",
            "def subtract(a, b):\n    return a - b",
        ),
        text("Fixed the sign."),
    )
    with FakeServer(session) as server:
        run = repo.cli("run", "--task", "sub", env={"ANTHROPIC_BASE_URL": server.url})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "checks failed" in run.stdout and "attempt 2/2" in run.stdout
    assert "- [x] Add subtract" in repo.read("ROADMAP.md")
    assert repo.commits() == ["Add subtract", "initial"]
    assert repo.head() != before
    assert "Roadmap-Task: sub" in repo.git("log", "-1", "--format=%B")
    assert "return a - b" in repo.read("calc.py")

    status = repo.cli("status", "--json")
    row = json.loads(status.stdout)[0]
    assert (row["id"], row["status"], row["attempts"], row["checked"]) == (
        "sub",
        "committed",
        2,
        True,
    )
    table = repo.cli("status")
    assert re.search(r"^sub\s+\[x\]\s+committed\s+2\s", table.stdout, re.M), table.stdout

    log = repo.cli("log", "sub")
    assert log.returncode == 0
    assert "checks failed" in log.stdout and "Done, all tests pass." in log.stdout
    assert "status verifying -> passed" in log.stdout
    raw = repo.cli("log", "sub", "--json")
    kinds = [json.loads(line)["type"] for line in raw.stdout.splitlines()]
    assert kinds.count("AttemptStarted") == 2 and "Committed" in kinds

    outputs = [run, status, table, log, raw]
    assert all(repo.secret not in p.stdout + p.stderr for p in outputs)
    state_files = repo.state_files()
    assert state_files, "the state dir should hold task states and run logs"
    assert all(repo.secret.encode() not in p.read_bytes() for p in state_files)
    assert all(repo.secret not in json.dumps(r) for r in server.requests())


def test_lying_agent_fails_without_committing(make_repo: Any, one_task_roadmap: str) -> None:
    failing_test = "import calc\n\n\ndef test_subtract():\n    assert calc.subtract(5, 3) == 2\n"
    repo = make_repo(one_task_roadmap, {"test_calc.py": failing_test})
    before = repo.head()
    lie = script(text("I implemented subtract. All tests pass!"))
    run = repo.run(lie, "--task", "sub", "--max-attempts", "1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert repo.head() == before and repo.commits() == ["initial"]
    assert "- [ ] Add subtract" in repo.read("ROADMAP.md")
    assert re.search(r"^\s+test_calc\.py:5:\d+: .*subtract", run.stdout, re.M), run.stdout
    assert "roadmapd rollback sub" in run.stdout
    row = json.loads(repo.cli("status", "--json").stdout)[0]
    assert row["status"] == "failed"


DEPS = "# Plan\n\n- [ ] First <!-- id: a -->\n- [ ] Second <!-- id: b -->\n  - Depends: a\n"


def test_dependencies_are_refused_then_run_in_order(make_repo: Any, edit: Any) -> None:
    repo = make_repo(DEPS)
    refused = repo.cli("run", "--task", "b")
    assert refused.returncode == 1
    assert "b not run: depends on a" in refused.stdout
    assert repo.commits() == ["initial"]

    session = script(
        edit("calc.py", "    return a + b\n", "    return a + b\n\n\ndef two():\n    return 2\n"),
        text("a done"),
        edit("calc.py", "    return 2\n", "    return 2\n\n\ndef three():\n    return 3\n"),
        text("b done"),
    )
    run = repo.run(session, "--all", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    started = [e["task_ids"] for e in events if e["type"] == "RunStarted"]
    assert started == [["a"], ["b"]]
    assert repo.commits() == ["Second", "First", "initial"]
    assert repo.read("ROADMAP.md").count("- [x]") == 2


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ([error(401, "authentication_error", "invalid x-api-key")], "authentication"),
        ([], "script exhausted"),
    ],
    ids=["401", "exhausted"],
)
def test_api_faults_fail_the_task_with_a_reason(
    make_repo: Any, one_task_roadmap: str, entries: list[dict[str, object]], reason: str
) -> None:
    repo = make_repo(one_task_roadmap)
    run = repo.run(script(*entries), "--task", "sub")
    assert run.returncode == 1, run.stdout + run.stderr
    assert reason in run.stdout
    assert repo.secret not in run.stdout + run.stderr
    assert repo.commits() == ["initial"]
    assert json.loads(repo.cli("status", "--json").stdout)[0]["status"] == "failed"


def _processes_with(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if proc.name.isdigit() and marker.encode() in cmdline:
            found.append(int(proc.name))
    return found


def test_ctrl_c_cancels_cleanly(make_repo: Any, one_task_roadmap: str) -> None:
    repo = make_repo(one_task_roadmap)
    marker = f"sleep 29.{os.getpid()}"  # this run's own: suites may run side by side
    session = script(tool_use("bash", {"command": f"{marker}; echo slept"}), text("done"))
    with FakeServer(session) as server:
        proc = repo.popen("run", "--task", "sub", env={"ANTHROPIC_BASE_URL": server.url})
        deadline = time.monotonic() + 30
        while not _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_with(marker), "the slow tool call never started"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "cancelled" in out
    time.sleep(0.2)
    assert _processes_with(marker) == []
    row = json.loads(repo.cli("status", "--json").stdout)[0]
    assert row["status"] == "cancelled"
    assert repo.commits() == ["initial"]
