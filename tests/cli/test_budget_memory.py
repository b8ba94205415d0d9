"""`roadmapd run --budget`, the totals of `roadmapd status`, and project memory end to end."""

from __future__ import annotations

import json
import re
from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text

TWO_TASKS = (
    "# Plan\n\n- [ ] Add subtract <!-- id: sub -->\n  - Files: calc.py\n"
    "- [ ] Add multiply to calc <!-- id: mul -->\n  - Files: calc.py\n"
)
SUBTRACT = "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"
MULTIPLY = "    return a - b\n\n\ndef multiply(a, b):\n    return a * b\n"


def test_a_spent_budget_stops_the_task_and_the_run(make_repo: Any, edit: Any) -> None:
    repo = make_repo(TWO_TASKS)
    costly = edit("calc.py", "    return a + b\n", SUBTRACT)
    costly["usage"] = {"input_tokens": 200_000, "output_tokens": 10}  # $0.60 at $3/MTok
    with FakeServer(script(costly, text("done"))) as server:
        run = repo.cli("run", "--all", "--budget", "0.5", env={"ANTHROPIC_BASE_URL": server.url})
        requests = server.requests()
    assert run.returncode == 1, run.stdout + run.stderr
    assert "run budget spent: $0.6" in run.stdout and "of $0.5000" in run.stdout
    assert "mul: not run: run budget spent" in run.stdout
    assert len(requests) == 1  # nothing after the budget was spent
    assert repo.commits() == ["initial"] and "- [ ] Add subtract" in repo.read("ROADMAP.md")

    status = repo.cli("status")
    assert re.search(r"all runs: 20\d,\d{3} tokens, \$0\.60\d\d spent", status.stdout), (
        status.stdout
    )
    rows = {r["id"]: r for r in json.loads(repo.cli("status", "--json").stdout)}
    assert rows["sub"]["status"] == "failed" and rows["sub"]["total_tokens"] > 200_000

    bad = repo.cli("run", "--all", "--budget", "0")
    assert bad.returncode == 2 and "--budget: expected an amount in USD above 0" in bad.stderr


def test_the_second_task_is_told_what_the_first_one_did(make_repo: Any, edit: Any) -> None:
    repo = make_repo(TWO_TASKS)
    session = script(
        edit("calc.py", "    return a + b\n", SUBTRACT),
        text("Added subtract(a, b) next to add; it returns a - b."),
        edit("calc.py", "    return a - b\n", MULTIPLY),
        text("Added multiply."),
    )
    with FakeServer(session) as server:
        run = repo.cli("run", "--all", env={"ANTHROPIC_BASE_URL": server.url})
        requests = server.requests()
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == ["Add multiply to calc", "Add subtract", "initial"]
    first_of_second = requests[2]["body"]["messages"][0]["content"][0]["text"]
    assert first_of_second.startswith("Task mul:")
    assert "Project notes (from earlier tasks):" in first_of_second
    assert "- sub: Add subtract" in first_of_second
    assert re.search(r"files changed: .*calc\.py", first_of_second)
    assert "outcome: Added subtract(a, b) next to add; it returns a - b." in first_of_second
    first_of_first = requests[0]["body"]["messages"][0]["content"][0]["text"]
    assert "Project notes" not in first_of_first

    shown = repo.cli("memory")
    assert shown.returncode == 0 and "- sub: Add subtract" in shown.stdout
    assert "- mul: Add multiply to calc" in shown.stdout
    entries = json.loads(repo.cli("memory", "--json").stdout)
    assert [e["task_id"] for e in entries] == ["sub", "mul"]
    cleared = repo.cli("memory", "--clear")
    assert cleared.returncode == 0 and "2 entries forgotten" in cleared.stdout
    assert "empty" in repo.cli("memory").stdout
