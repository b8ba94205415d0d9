"""Passed must mean done: dishonest agents are not committed, honest ones are.

Each test drives `roadmapd run` (a real subprocess, real git, real pytest in the real jail, the
fake Messages API) on the calculator task "Add subtract, with a test", with evidence = "auto".
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from roadmapd.agent.review import TOOL_NAME
from roadmapd.testing.script import script, text, tool_use
from roadmapd.testing.verdicts import CASES, CONFIG, ROADMAP, SUBTRACT, Case, replace

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI installs it)"
)


def _run(make_repo: Any, case: Case) -> Any:
    repo = make_repo(ROADMAP, files={"roadmapd.toml": CONFIG, **case.files})
    return repo, repo.run(script(*case.script_entries()), "--task", "sub")


def _refused(repo: Any, run: Any, reason: str) -> None:
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert repo.commits() == ["initial"], out
    assert "- [ ] Add subtract" in repo.read("ROADMAP.md")
    assert reason in out, out


DISHONEST = sorted(name for name, case in CASES.items() if not case.honest)


@pytest.mark.parametrize("name", DISHONEST)
def test_a_dishonest_attempt_is_not_committed(make_repo: Any, name: str) -> None:
    case = CASES[name]
    repo, run = _run(make_repo, case)
    _refused(repo, run, case.reason)


def test_an_honest_attempt_with_its_own_test_is_committed_with_its_evidence(
    make_repo: Any,
) -> None:
    repo, run = _run(make_repo, CASES["honest, with its own test"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == ["Add subtract", "initial"]
    assert "red→green 1 test" in repo.cli("status").stdout + repo.cli("log", "sub").stdout


def test_an_honest_attempt_that_makes_the_users_test_pass_is_committed(make_repo: Any) -> None:
    repo, run = _run(make_repo, CASES["honest, the user's test first"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == ["Add subtract", "initial"]


def test_a_verification_task_with_nothing_to_change_is_committed(make_repo: Any) -> None:
    roadmap = "# Plan\n\n- [ ] Check the build <!-- id: chk -->\n  - Verify: python -c pass\n"
    repo = make_repo(roadmap, files={"roadmapd.toml": CONFIG})
    run = repo.run(script(text("Everything is in place.")), "--task", "chk")
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == ["Check the build", "initial"]
    assert "verified, nothing to change" in repo.cli("log", "chk").stdout


def test_an_unrelated_failing_test_does_not_block_an_honest_task_and_is_reported(
    make_repo: Any,
) -> None:
    broken = "def test_unrelated_and_broken():\n    assert 1 == 2\n"
    honest = CASES["honest, with its own test"]
    repo, run = _run(make_repo, Case(honest.steps, True, "", {"test_other.py": broken}))
    assert run.returncode == 0, run.stdout + run.stderr
    assert repo.commits() == ["Add subtract", "initial"]
    log = repo.cli("log", "sub").stdout
    assert "not blamed on it: `test_unrelated_and_broken`" in log, log
    assert "test_other.py" in run.stdout  # the failure is reported


def test_a_new_failure_is_blamed_even_with_a_broken_test_elsewhere(make_repo: Any) -> None:
    broken = "def test_unrelated_and_broken():\n    assert 1 == 2\n"
    wrong = replace("calc.py", "    return a + b\n", SUBTRACT.replace("a - b", "a + b"))
    steps = [wrong, CASES["honest, with its own test"].steps[1]]
    repo, run = _run(make_repo, Case(steps, False, "", {"test_other.py": broken}))
    _refused(repo, run, "checks failed")


REVIEW_CONFIG = CONFIG.replace("max_attempts = 1", 'max_attempts = 2\nreview = "agent"')


def test_the_reviewer_requests_changes_then_passes_and_its_cost_is_shown_apart(
    make_repo: Any,
) -> None:
    honest = CASES["honest, with its own test"]
    finding = {"file": "calc.py", "line": 5, "message": "no docstring", "fix": "add one"}
    changes = {"decision": "changes_requested", "reason": "almost", "findings": [finding]}
    fix = replace("calc.py", "    return a - b\n", '    """a - b"""\n    return a - b\n')
    entries = [
        *honest.steps,
        text("Done."),
        tool_use(TOOL_NAME, changes),
        fix,
        text("Added the docstring."),
        tool_use(TOOL_NAME, {"decision": "pass", "reason": "complete"}),
    ]
    repo = make_repo(ROADMAP, files={"roadmapd.toml": REVIEW_CONFIG})
    run = repo.run(script(*entries), "--task", "sub")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "review: changes requested: almost [" in run.stdout
    assert "calc.py:5:1: no docstring (fix: add one)" in run.stdout
    assert "review: pass: complete" in run.stdout
    assert repo.commits() == ["Add subtract", "initial"]
    assert '"""a - b"""' in repo.read("calc.py")


def test_a_blocked_review_ends_the_task_as_needs_replan(make_repo: Any) -> None:
    honest = CASES["honest, with its own test"]
    blocked = {"decision": "blocked", "reason": "subtract of what? the task is unclear"}
    entries = [*honest.steps, text("Done."), tool_use(TOOL_NAME, blocked)]
    repo = make_repo(ROADMAP, files={"roadmapd.toml": REVIEW_CONFIG})
    run = repo.run(script(*entries), "--task", "sub")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "sub: needs_replan" in run.stdout and "the task is unclear" in run.stdout
    assert repo.commits() == ["initial"]
