"""`roadmapd verify`: done tasks re-verified at HEAD, in the real jail, with no model call.

A real `roadmapd run` (fake Messages API, real git, real pytest in bubblewrap) commits the
calculator's "Add subtract" with its own test as the evidence; then commits by hand break and
fix it, and `roadmapd verify` (a real subprocess, no API server at all) judges HEAD.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from roadmapd.testing.script import script
from roadmapd.testing.verdicts import CASES, CONFIG, ROADMAP

from .conftest import Repo

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI installs it)"
)

BROKEN = "    return a - b\n"


def _done_repo(make_repo: Any) -> Any:
    repo = make_repo(ROADMAP, files={"roadmapd.toml": CONFIG})
    honest = CASES["honest, with its own test"]
    run = repo.run(script(*honest.script_entries()), "--task", "sub")
    assert run.returncode == 0, run.stdout + run.stderr
    return repo


def _commit(repo: Any, name: str, text: str, message: str) -> None:
    (repo.path / name).write_text(text, encoding="utf-8")
    repo.git("add", name)
    repo.git("commit", "-q", "-m", message)


def _row(repo: Any, task_id: str) -> dict[str, Any]:
    rows = json.loads(repo.cli("status", "--json").stdout)
    return next(r for r in rows if r["id"] == task_id)


def test_a_broken_done_task_regresses_and_a_fix_clears_it(make_repo: Any) -> None:
    repo = _done_repo(make_repo)
    ok = repo.cli("verify", env={"ANTHROPIC_API_KEY": ""})  # no model call, no key needed
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "sub: ok: re-verified at HEAD: 1 evidence test passed" in ok.stdout

    calc = repo.read("calc.py")
    _commit(repo, "calc.py", calc.replace(BROKEN, "    return a + b\n"), "break subtract")
    bad = repo.cli("verify", "--done")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "sub: REGRESSED: regressed at HEAD: evidence `test_subtract` fails" in bad.stdout
    assert "test_calc.py:" in bad.stdout  # the failing test, where it failed
    row = _row(repo, "sub")
    assert row["status"] == "regressed" and "test_subtract" in row["reason"]
    assert "regressed" in repo.cli("status").stdout
    assert "- [x] Add subtract" in repo.read("ROADMAP.md")  # the box stays: the work is there
    record = json.loads(next(p for p in repo.state_files() if p.name == "sub.json").read_text())
    assert record["evidence"] == ["test_calc::test_subtract"]  # recorded by the passing run
    assert record["regressed_from"] == "committed"
    log = repo.cli("log", "sub").stdout  # the re-verify is the task's last run
    assert "status committed -> regressed: regressed at HEAD" in log, log

    _commit(repo, "calc.py", calc, "fix subtract")
    fixed = repo.cli("verify", "sub")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _row(repo, "sub")["status"] == "committed"


def test_a_failing_check_that_is_no_tasks_own_is_reported_not_blamed(make_repo: Any) -> None:
    repo = _done_repo(make_repo)
    broken = "def test_unrelated():\n    assert 1 == 2\n"
    _commit(repo, "test_other.py", broken, "an unrelated failing test")
    run = repo.cli("verify", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(run.stdout)
    assert doc["regressed"] == [] and doc["tasks"][0]["passed"] is True
    assert [u["check"] for u in doc["unblamed"]] == ["tests"]
    assert _row(repo, "sub")["status"] == "committed"


def test_a_task_whose_verify_command_fails_at_head_regresses(make_repo: Any) -> None:
    roadmap = "# Plan\n\n- [x] Has a marker <!-- id: mark -->\n  - Verify: test -f MARKER\n"
    repo = make_repo(roadmap, files={"roadmapd.toml": CONFIG, "MARKER": "here\n"})
    assert repo.cli("verify").returncode == 0
    repo.git("rm", "-q", "MARKER")
    repo.git("commit", "-q", "-m", "drop the marker")
    run = repo.cli("verify")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "mark: REGRESSED: regressed at HEAD: Verify `test -f MARKER`" in run.stdout
    assert _row(repo, "mark")["status"] == "regressed"


def test_bad_arguments_get_a_clear_message(make_repo: Any) -> None:
    repo = make_repo(ROADMAP, files={"roadmapd.toml": CONFIG})
    unknown = repo.cli("verify", "nope")
    assert unknown.returncode == 2 and "unknown task id 'nope'" in unknown.stderr
    both = repo.cli("verify", "sub", "--done")
    assert both.returncode == 2 and "not both" in both.stderr
    nothing = repo.cli("verify")
    assert nothing.returncode == 0 and "no done task to re-verify" in nothing.stdout


def test_a_repository_without_a_commit_is_a_clear_error(make_repo: Any) -> None:
    repo = make_repo(ROADMAP, files={"roadmapd.toml": CONFIG})
    fresh = repo.path.parent / "fresh"
    fresh.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=fresh, check=True, env=repo.env)
    (fresh / "ROADMAP.md").write_text("- [x] Ticked <!-- id: t -->\n  - Verify: true\n")
    (fresh / "roadmapd.toml").write_text(CONFIG)
    run = Repo(fresh, repo.env, repo.state_dir).cli("verify")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "roadmapd: no commit to re-verify at HEAD" in run.stderr
    assert "Traceback" not in run.stderr


def test_verify_done_on_run_re_verifies_after_the_run_and_fails_it_on_a_regression(
    make_repo: Any,
) -> None:
    roadmap = ROADMAP + "- [x] Has a marker <!-- id: mark -->\n  - Verify: test -f MARKER\n"
    config = 'verify_done = "on-run"\n' + CONFIG
    repo = make_repo(roadmap, files={"roadmapd.toml": config})
    honest = CASES["honest, with its own test"]
    run = repo.run(script(*honest.script_entries()), "--task", "sub")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "sub: ok: re-verified at HEAD" in run.stdout
    assert "mark: REGRESSED" in run.stdout
    assert repo.commits()[0] == "Add subtract"
    assert _row(repo, "mark")["status"] == "regressed"
    assert _row(repo, "sub")["status"] == "committed"
