"""Commands that need no agent: `tasks`, usage and configuration errors (exit code 2)."""

from __future__ import annotations

import json
from typing import Any

ROADMAP = """# Plan

- [ ] Add subtract <!-- id: sub -->
- [x] Set up
- [ ] Needs a missing one <!-- id: orphan -->
  - Depends: nowhere
- [-] in progress, Kiro style
"""


def test_tasks_json_and_problems_on_stderr(make_repo: Any) -> None:
    repo = make_repo(ROADMAP)
    out = repo.cli("tasks", "ROADMAP.md", "--json")
    assert out.returncode == 0, out.stderr
    tasks = json.loads(out.stdout)
    assert [(t["id"], t["checked"], t["line"]) for t in tasks] == [
        ("sub", False, 2),
        ("set-up", True, 3),
        ("orphan", False, 4),
    ]
    assert tasks[2]["depends"] == ["nowhere"]
    problems = out.stderr.splitlines()
    assert any(p.startswith("ROADMAP.md:6:3: ") and "nowhere" in p for p in problems), problems
    assert any(p.startswith("ROADMAP.md:7:") for p in problems), problems

    text = repo.cli("tasks", "ROADMAP.md")
    assert text.returncode == 0
    assert "[x] set-up: Set up" in text.stdout and "3 tasks, 1 done" in text.stdout


def test_usage_errors_exit_2(make_repo: Any) -> None:
    repo = make_repo(ROADMAP)
    missing = repo.cli("tasks", "NOPE.md")
    assert missing.returncode == 2 and "NOPE.md: no such file" in missing.stderr

    no_selector = repo.cli("run")
    assert no_selector.returncode == 2
    assert "--task ID" in no_selector.stderr and "sub" in no_selector.stderr

    unknown = repo.cli("run", "--task", "T999")
    assert unknown.returncode == 2 and "unknown task id 'T999'" in unknown.stderr

    no_key = repo.cli("run", "--task", "sub", env={"ANTHROPIC_API_KEY": ""})
    assert no_key.returncode == 2 and "ANTHROPIC_API_KEY" in no_key.stderr

    no_log = repo.cli("log", "sub")
    assert no_log.returncode == 2 and "no run of task" in no_log.stderr

    bad_option = repo.cli("run", "--task", "sub", "--max-attempts", "0")
    assert bad_option.returncode == 2 and "max_attempts" in bad_option.stderr

    (repo.path / "roadmapd.toml").write_text('[[checks]]\nname="t"\nrun="x"\nparser="pytets"\n')
    bad_config = repo.cli("status")
    assert bad_config.returncode == 2
    assert (
        "checks[0].parser: expected one of" in bad_config.stderr and "pytets" in bad_config.stderr
    )
    assert "Traceback" not in bad_config.stderr


def test_not_a_git_repository(tmp_path: Any, make_repo: Any) -> None:
    repo = make_repo(ROADMAP)
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "ROADMAP.md").write_text(ROADMAP)
    out = repo.cli("status", str(outside / "ROADMAP.md"))
    assert out.returncode == 2 and "not inside a git repository" in out.stderr
