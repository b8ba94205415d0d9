"""`roadmapd plan` and `roadmapd sync` on real repositories (no model: plan and sync call none)."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Repo

PLAN = """# Plan

- [ ] A <!-- id: a -->
  - Files: x.py
- [ ] B <!-- id: b -->
  - Files: x.py
- [ ] C <!-- id: c -->
  - Depends: a
- [ ] D <!-- id: d -->
  - Files: y.py
- [x] E <!-- id: e -->
- [ ] F <!-- id: f -->
  - Depends: nowhere
"""

SPECKIT = """# Tasks

- [ ] T001 Set up the project <!-- id: t1 -->
- [ ] T002 [P] User model <!-- id: t2 -->
  - Files: user.py
- [ ] T003 [P] Post model <!-- id: t3 -->
  - Files: post.py
- [ ] T004 Wire the service <!-- id: t4 -->
- [ ] T005 [P] Docs <!-- id: t5 -->
- [ ] T006 [P] More docs <!-- id: t6 -->
"""


def _plan(repo: Repo, *args: str) -> dict[str, Any]:
    done = repo.cli("plan", "--json", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def _ids(plan: dict[str, Any]) -> list[list[str]]:
    return [[t["id"] for t in wave] for wave in plan["waves"]]


def _task_commit(repo: Repo, branch: str, task: str, name: str) -> None:
    repo.git("checkout", "-q", "-b", branch, "main")
    (repo.path / name).write_text(f"# {task}\n", encoding="utf-8")
    repo.git("add", name)
    repo.git("commit", "-q", "-m", f"Task {task}\n\nRoadmap-Task: {task}\nRoadmap-Attempts: 1")
    repo.git("checkout", "-q", "main")


def test_plan_waves_respect_dependencies_files_and_done_tasks(make_repo: Any) -> None:
    repo = make_repo(PLAN)
    plan = _plan(repo)
    assert _ids(plan) == [["a", "d"], ["b", "c"]]
    assert plan["done"] == ["e"]
    assert plan["blocked"] == [{"id": "f", "why": "depends on tasks not in the roadmap: nowhere"}]
    first = plan["waves"][0][0]
    assert first["command"] == "roadmapd run --task a --branch-mode pr --yes --json"
    assert plan["matrix"] == {
        "include": [
            {"task": "a", "command": "roadmapd run --task a --branch-mode pr --yes --json"},
            {"task": "d", "command": "roadmapd run --task d --branch-mode pr --yes --json"},
        ]
    }
    # a merged into main: done by its trailer, though its box is still open
    _task_commit(repo, "roadmap/a", "a", "x.py")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge a", "roadmap/a")
    plan = _plan(repo)
    assert _ids(plan) == [["b", "c", "d"]] and plan["done"] == ["a", "e"]
    assert _ids(_plan(repo, "--base", "main~1")) == [["a", "d"], ["b", "c"]]
    human = repo.cli("plan")
    assert "wave 1:" in human.stdout and "roadmapd run --task b" in human.stdout
    assert "blocked: f" in human.stdout
    bad = repo.cli("plan", "--base", "no-such-branch")
    assert bad.returncode == 2 and "no such branch" in bad.stderr


def test_plan_gives_unmarked_tasks_a_wave_of_their_own_when_p_markers_are_used(
    make_repo: Any,
) -> None:
    plan = _plan(make_repo(SPECKIT))
    assert plan["parallel_markers"] is True
    assert _ids(plan) == [["t1"], ["t2", "t3"], ["t4"], ["t5", "t6"]]


def test_sync_ticks_merged_tasks_once_and_commits_only_the_ticks(make_repo: Any) -> None:
    repo = make_repo(PLAN)
    _task_commit(repo, "roadmap/a", "a", "x.py")
    _task_commit(repo, "roadmap/d", "d", "y.py")
    _task_commit(repo, "roadmap/b", "b", "z.py")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge a", "roadmap/a")  # a merge commit
    repo.git("cherry-pick", "roadmap/d")  # what a rebase merge does: a copy of the commit
    # a squash merge whose message holds the squashed commit's message (GitHub's default body)
    repo.git("merge", "-q", "--squash", "roadmap/b")
    body = repo.git("log", "-1", "--format=%B", "roadmap/b")
    repo.git("commit", "-q", "-m", f"B (#3)\n\n* {body}")

    dry = repo.cli("sync", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["ticked"] == ["a", "b", "d"]
    text = repo.read("ROADMAP.md")
    assert text.count("- [x]") == 4 and "- [ ] C" in text and "- [ ] F" in text
    repo.git("checkout", "--", "ROADMAP.md")

    before = repo.head()
    done = repo.cli("sync", "--commit")
    assert done.returncode == 0, done.stderr
    assert "ticked 3 task(s): a, b, d; committed" in done.stdout
    assert repo.git("rev-parse", "HEAD~1").strip() == before
    message = repo.git("log", "-1", "--format=%B")
    assert message.startswith("roadmapd: tick 3 tasks\n") and "Roadmap-Ticked: a b d" in message
    assert "Roadmap-Task:" not in message
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == ["ROADMAP.md"]
    assert repo.git("status", "--porcelain") == ""

    again = repo.cli("sync", "--commit")
    assert again.returncode == 0 and "nothing to tick" in again.stdout
    assert repo.git("rev-parse", "HEAD~1").strip() == before  # no second commit


def test_sync_commit_refuses_a_roadmap_with_uncommitted_changes(make_repo: Any) -> None:
    repo = make_repo(PLAN)
    _task_commit(repo, "roadmap/a", "a", "x.py")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge a", "roadmap/a")
    (repo.path / "ROADMAP.md").write_text(PLAN + "- [ ] G <!-- id: g -->\n", encoding="utf-8")
    head = repo.head()
    refused = repo.cli("sync", "--commit")
    assert refused.returncode == 2 and "uncommitted changes" in refused.stderr
    assert repo.head() == head and "- [ ] A" in repo.read("ROADMAP.md")
