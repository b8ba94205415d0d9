"""Kiro's task files through the real CLI: the default roadmap patterns find
`.kiro/specs/*/tasks.md` and `specs/*/tasks.md`; a task Kiro marks `[-]` runs with a prompt
saying it is to be done now, and its box is ticked in place; `--all` leaves Kiro's optional
`[ ]*` tasks out. Real git, real pytest, the fake Messages API."""

from __future__ import annotations

import json
from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text

from .conftest import CONFIG, MakeRepo

KIRO = """# Implementation Plan

- [x] 1. Set up the calculator module
  - _Requirements: 1.1_

- [-] 2. Add subtract
  - Files: calc.py
  - _Requirements: 1.2_

- [ ]* 3. Write property tests for subtract
  - _Requirements: 1.2_
"""
SPECKIT = "# Tasks\n\n## Phase 1: Setup\n\n- [ ] T001 [P] [US1] Create the project layout\n"
SUB = "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"


def test_kiro_task_files_run_with_their_marks(make_repo: MakeRepo, edit: Any) -> None:
    kiro = ".kiro/specs/calc/tasks.md"
    repo = make_repo("", files={"roadmapd.toml": CONFIG.format(attempts=1)})
    (repo.path / "ROADMAP.md").unlink()
    for name, content in ((kiro, KIRO), ("specs/001-calc/tasks.md", SPECKIT)):
        (repo.path / name).parent.mkdir(parents=True)
        (repo.path / name).write_text(content, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "Kiro and Spec Kit task files instead of ROADMAP.md")
    listed = json.loads(repo.cli("status", "--json").stdout)  # the first default roadmap: Kiro's
    speckit = json.loads(repo.cli("tasks", "specs/001-calc/tasks.md", "--json").stdout)
    shown = repo.cli("tasks", kiro).stdout
    with FakeServer(script(edit("calc.py", "    return a + b\n", SUB), text("Done."))) as api:
        env = {"ANTHROPIC_BASE_URL": api.url}
        run = repo.cli("run", kiro, "--task", "2", env=env)
        prompt = api.requests()[0]["body"]["messages"][0]["content"][-1]["text"]
        nothing = repo.cli("run", kiro, "--all", env=env)
    assert [t["id"] for t in listed] == ["1", "2", "3"]
    assert "[-] 2: Add subtract" in shown and "[ ] 3: Write property tests for subtract" in shown
    assert "(optional)" in shown
    assert [t["title"] for t in speckit] == ["[P] [US1] Create the project layout"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "marks this task as in progress" in prompt and "do the whole task" in prompt
    after = (repo.path / kiro).read_text(encoding="utf-8")
    assert "- [x] 2. Add subtract" in after and "- [ ]* 3. Write property" in after
    assert after.replace("- [x] 2.", "- [-] 2.") == KIRO  # nothing else changed
    assert repo.commits()[0] == "Add subtract"
    assert nothing.returncode == 0 and "nothing to run" in nothing.stdout  # 3 is optional


def test_kiro_roadmaps_reads_a_configured_file_the_kiro_way(make_repo: MakeRepo, edit: Any) -> None:
    config = 'roadmaps = ["plan/tasks.md"]\nkiro_roadmaps = ["plan/*.md"]\n' + CONFIG.format(
        attempts=1
    )
    repo = make_repo("", files={"roadmapd.toml": config})
    (repo.path / "plan").mkdir()
    (repo.path / "plan" / "tasks.md").write_text(KIRO, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "-qm", "a Kiro task list under plan/")
    listed = repo.cli("tasks", "plan/tasks.md")  # no workspace settings: GitHub's reading
    with FakeServer(script(edit("calc.py", "    return a + b\n", SUB), text("Done."))) as api:
        run = repo.cli("run", "--task", "2", env={"ANTHROPIC_BASE_URL": api.url})
    assert "not a task" in listed.stderr  # `[-]` and `[ ]*` outside Kiro's place and settings
    assert run.returncode == 0, run.stdout + run.stderr
    after = (repo.path / "plan" / "tasks.md").read_text(encoding="utf-8")
    assert after.replace("- [x] 2.", "- [-] 2.") == KIRO
