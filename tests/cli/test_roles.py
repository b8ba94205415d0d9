"""Roles end to end: the implementer and the reviewer on two different Messages API servers
(as a local llama-server beside the hosted API would be), each with its own model, max_tokens
and thinking budget; `roadmapd status --json` shows each role's tokens and cost."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from roadmapd.agent.review import TOOL_NAME
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd.testing.verdicts import CASES, CONFIG, ROADMAP

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

TOP = 'review = "agent"\nmodel = "claude-sonnet-4-6"\n'
ROLES = """
[roles.implementer]
base_url = "{implementer}"
max_tokens = 6000
thinking_budget_tokens = 2048

[roles.reviewer]
base_url = "{reviewer}"
model = "claude-haiku-4-5"
max_tokens = 2048
timeout_s = 30
"""


def test_each_role_talks_to_its_own_server_with_its_own_settings(make_repo: Any) -> None:
    honest = CASES["honest, with its own test"]
    verdict = tool_use(TOOL_NAME, {"decision": "pass", "reason": "complete"})
    with (
        FakeServer(script(*honest.steps, text("Done."))) as implementer,
        FakeServer(script(verdict)) as reviewer,
    ):
        roles = ROLES.format(implementer=implementer.url, reviewer=reviewer.url)
        repo = make_repo(ROADMAP, files={"roadmapd.toml": TOP + CONFIG + roles})
        run = repo.cli("run", "--task", "sub")
        built = implementer.requests()
        reviewed = reviewer.requests()
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == ["Add subtract", "initial"]

    bodies = [r["body"] for r in built]
    assert len(bodies) == 3  # two edits and the final answer: all on the implementer's server
    assert {b["model"] for b in bodies} == {"claude-sonnet-4-6"}
    assert {b["max_tokens"] for b in bodies} == {6000}
    assert all(b["thinking"] == {"type": "enabled", "budget_tokens": 2048} for b in bodies)
    assert all("tool_choice" not in b for b in bodies)

    (review,) = [r["body"] for r in reviewed]
    assert review["model"] == "claude-haiku-4-5" and review["max_tokens"] == 2048
    assert review["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert "thinking" not in review

    row = json.loads(repo.cli("status", "--json").stdout)[0]
    assert set(row["roles"]) == {"implementer", "reviewer"}
    assert row["roles"]["implementer"]["tokens"] > row["roles"]["reviewer"]["tokens"] > 0
    assert row["roles"]["reviewer"]["cost_usd"] > 0
    assert row["total_cost_usd"] == pytest.approx(
        row["roles"]["implementer"]["cost_usd"] + row["roles"]["reviewer"]["cost_usd"], abs=1e-5
    )
    table = repo.cli("status").stdout
    assert "By role (last run):" in table and "reviewer" in table, table
    assert all(repo.secret not in r["headers"].get("x-api-key", "") for r in built + reviewed)


def test_a_thinking_budget_the_request_cannot_hold_is_a_config_error(make_repo: Any) -> None:
    bad = "[roles.reviewer]\nmax_tokens = 2048\nthinking_budget_tokens = 4096\n"
    repo = make_repo(ROADMAP, files={"roadmapd.toml": CONFIG + "\n" + bad})
    run = repo.cli("run", "--task", "sub")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "roles.reviewer.thinking_budget_tokens must be at least 1024 and below its" in run.stderr
