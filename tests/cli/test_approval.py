"""The review gate and risky commands at the terminal: `--yes`, and a stdin that is no terminal."""

from __future__ import annotations

from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

SUBTRACT = "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"
GATED = 'approval = "before-commit"\n'


def test_without_a_terminal_a_passed_task_is_rejected_and_undone(
    make_repo: Any, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    (repo.path / "roadmapd.toml").write_text(GATED + repo.read("roadmapd.toml"), encoding="utf-8")
    repo.git("commit", "-qam", "gate")
    session = script(edit("calc.py", "    return a + b\n", SUBTRACT), text("Added subtract."))
    run = repo.run(session, "--task", "sub")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "needs approval before its commit, but stdin is not a terminal" in run.stderr
    assert "rolled_back" in run.stdout and "rejected" in run.stdout
    assert repo.commits() == ["gate", "initial"]
    assert "subtract" not in repo.read("calc.py") and "- [ ] Add subtract" in repo.read(
        "ROADMAP.md"
    )
    assert "refs/roadmapd/backups/" in repo.git("for-each-ref", "refs/roadmapd/backups")


def test_yes_approves_the_commit_and_a_risky_command_is_denied_without_it(
    make_repo: Any, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    (repo.path / "roadmapd.toml").write_text(GATED + repo.read("roadmapd.toml"), encoding="utf-8")
    repo.git("commit", "-qam", "gate")
    session = script(
        tool_use("bash", {"command": "curl -s http://127.0.0.1:9/x"}),
        edit("calc.py", "    return a + b\n", SUBTRACT),
        text("Added subtract."),
    )
    run = repo.run(session, "--task", "sub", "--yes")
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == ["Add subtract", "gate", "initial"]

    repo2_session = script(
        tool_use("bash", {"command": "sudo rm -rf /tmp/nothing-here"}),
        text("Could not do it."),
    )
    (repo.path / "ROADMAP.md").write_text(
        repo.read("ROADMAP.md") + "- [ ] Clean up <!-- id: clean -->\n", encoding="utf-8"
    )
    repo.git("commit", "-qam", "more")
    with FakeServer(repo2_session) as server:
        run = repo.cli("run", "--task", "clean", env={"ANTHROPIC_BASE_URL": server.url})
        requests = server.requests()
    assert "clean's agent wanted to run 'sudo rm -rf /tmp/nothing-here'" in run.stderr
    result = requests[1]["body"]["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert "the user did not allow this command" in result["content"]
