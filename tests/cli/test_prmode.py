"""PR mode end to end: `roadmapd run --branch-mode pr` in a real repository with a local bare
remote, the fake Messages API server, real pytest checks, and a stand-in `gh` on PATH."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text

from .conftest import CONFIG, Repo
from .prmode_helpers import FakeGh, bare_git, bare_remote, flags, json_lines

ROADMAP = (
    "# Plan\n\n- [ ] Add subtract <!-- id: sub -->\n  - Files: calc.py\n"
    "  - Acceptance: subtract(5, 3) == 2\n"
)
SUBTRACT = "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n"
TEST_SUBTRACT = "\n\ndef test_subtract():\n    assert calc.subtract(5, 3) == 2\n"


def _session(edit: Any) -> dict[str, Any]:
    return script(
        edit("calc.py", "    return a + b\n", SUBTRACT),
        edit("test_calc.py", "== 5\n", "== 5\n" + TEST_SUBTRACT),
        text("Added subtract with a test."),
    )


def _run(repo: Repo, edit: Any, env: dict[str, str]) -> Any:
    with FakeServer(_session(edit)) as server:
        return repo.cli(
            "run", "--task", "sub", "--branch-mode", "pr", "--yes", "--json",
            env={"ANTHROPIC_BASE_URL": server.url, **env},
        )  # fmt: skip


def _published(stdout: str) -> dict[str, Any]:
    found = [e for e in json_lines(stdout) if e.get("type") == "Published"]
    assert len(found) == 1, stdout
    return found[0]


def test_pr_mode_pushes_the_branch_and_opens_a_pr_with_gh(
    make_repo: Any, edit: Any, tmp_path: Path
) -> None:
    config = "auto_merge = true\n" + CONFIG.format(attempts=2)
    repo = make_repo(ROADMAP, files={"roadmapd.toml": config})
    bare = bare_remote(repo.path, tmp_path / "remote.git", repo.env)
    main_before = repo.head()
    gh = FakeGh(tmp_path)
    run = _run(repo, edit, gh.env(repo.env["PATH"]))
    assert run.returncode == 0, run.stdout + run.stderr

    record = _published(run.stdout)
    assert record["pushed"] is True and record["branch"] == "roadmap/sub"
    assert record["pr_url"] == "https://github.com/acme/calc/pull/11"
    assert record["pr_state"] == "OPEN"
    # the branch on the remote: one commit with the trailer, on top of main, without the tick
    tip = bare_git(bare, "rev-parse", "roadmap/sub").strip()
    assert tip == record["commit"]
    assert bare_git(bare, "rev-parse", "roadmap/sub^").strip() == main_before
    message = bare_git(bare, "log", "-1", "--format=%B", "roadmap/sub")
    assert "Roadmap-Task: sub" in message
    assert "- [ ] Add subtract" in bare_git(bare, "show", "roadmap/sub:ROADMAP.md")
    assert "def subtract" in bare_git(bare, "show", "roadmap/sub:calc.py")
    # the checkout's branch and box are untouched (sync ticks after the merge)
    assert repo.head() == main_before
    assert "- [ ] Add subtract" in repo.read("ROADMAP.md")

    calls = gh.calls()
    create = flags(next(c for c in calls if c[:2] == ["pr", "create"]))
    assert create["head"] == "roadmap/sub" and create["base"] == "main"
    assert create["title"] == "Add subtract"
    body = create["body"]
    assert "subtract(5, 3) == 2" in body and "### Evidence" in body
    assert "python -m pytest" in body and "passed" in body
    assert body.endswith("\n\nRoadmap-Task: sub\n")
    assert ["pr", "merge", record["pr_url"], "--auto", "--squash"] in calls
    assert all(repo.secret not in " ".join(c) for c in calls)

    gh.set("state", "MERGED")
    status = repo.cli("status", "--json", env=gh.env(repo.env["PATH"]))
    row = json.loads(status.stdout)[0]
    assert row["pr"]["url"] == record["pr_url"] and row["pr"]["state"] == "MERGED"
    table = repo.cli("status", env=gh.env(repo.env["PATH"]))
    assert f"sub: pushed: yes to origin/roadmap/sub · PR MERGED {record['pr_url']}" in table.stdout
    views = [c for c in gh.calls() if c[:2] == ["pr", "view"]]
    assert views == [["pr", "view", "roadmap/sub", "--json", "state,url"]]  # MERGED: not again


def test_without_gh_the_compare_url_is_printed_and_stored(
    make_repo: Any, edit: Any, tmp_path: Path
) -> None:
    repo = make_repo(ROADMAP)
    web = "https://github.com/acme/calc.git"
    bare = bare_remote(repo.path, tmp_path / "remote.git", repo.env, web=web)
    run = _run(repo, edit, {})
    assert run.returncode == 0, run.stdout + run.stderr
    record = _published(run.stdout)
    url = "https://github.com/acme/calc/compare/main...roadmap/sub?expand=1"
    assert record["pushed"] is True and record["pr_url"] == url
    assert record["pr_state"] == "not opened" and "gh is not installed" in record["reason"]
    assert url in run.stderr  # the human summary
    assert bare_git(bare, "rev-parse", "roadmap/sub").strip() == record["commit"]
    status = json.loads(repo.cli("status", "--json").stdout)[0]
    assert status["pr"]["url"] == url and status["pr"]["state"] == "unknown"  # no gh to ask


def test_gh_failing_keeps_the_pushed_branch_and_says_why(
    make_repo: Any, edit: Any, tmp_path: Path
) -> None:
    repo = make_repo(ROADMAP)
    bare = bare_remote(repo.path, tmp_path / "remote.git", repo.env)
    gh = FakeGh(tmp_path)
    gh.set("create-fails")
    run = _run(repo, edit, gh.env(repo.env["PATH"]))
    assert run.returncode == 0, run.stdout + run.stderr
    record = _published(run.stdout)
    assert record["pushed"] is True and record["pr_url"] is None
    assert record["pr_state"] == "not opened"
    assert "gh pr create failed: GraphQL: Resource not accessible" in record["reason"]
    assert bare_git(bare, "rev-parse", "roadmap/sub").strip() == record["commit"]
    assert [c[:2] for c in gh.calls()] == [["auth", "status"], ["pr", "create"]]
    # rolling the pushed task back takes its changes out of the working tree, keeps the branch
    assert "def subtract" in repo.read("calc.py")
    rolled = repo.cli("rollback", "sub", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "def subtract" not in repo.read("calc.py")
    assert repo.git("rev-parse", "roadmap/sub").strip() == record["commit"]
    assert bare_git(bare, "rev-parse", "roadmap/sub").strip() == record["commit"]


def test_gh_not_logged_in_falls_back_to_the_compare_url(
    make_repo: Any, edit: Any, tmp_path: Path
) -> None:
    repo = make_repo(ROADMAP)
    bare_remote(repo.path, tmp_path / "remote.git", repo.env, web="git@gitlab.com:acme/calc.git")
    gh = FakeGh(tmp_path)
    gh.set("auth-fails")
    run = _run(repo, edit, gh.env(repo.env["PATH"]))
    assert run.returncode == 0, run.stdout + run.stderr
    record = _published(run.stdout)
    assert record["pr_url"] == (
        "https://gitlab.com/acme/calc/-/merge_requests/new?"
        "merge_request%5Bsource_branch%5D=roadmap/sub&merge_request%5Btarget_branch%5D=main"
    )
    assert "gh is not logged in" in record["reason"]
    assert [c[:2] for c in gh.calls()] == [["auth", "status"]]


def test_push_failing_keeps_the_commit_on_its_branch(
    make_repo: Any, edit: Any, tmp_path: Path
) -> None:
    repo = make_repo(ROADMAP)
    bare = bare_remote(repo.path, tmp_path / "remote.git", repo.env)
    shutil.rmtree(bare)  # the remote is gone
    run = _run(repo, edit, {})
    assert run.returncode == 1, run.stdout + run.stderr
    record = _published(run.stdout)
    assert record["pushed"] is False and record["pr_url"] is None
    assert (
        "pushed: no — " in run.stderr
        and "does not appear to be a git repository" in (record["reason"])
    )
    # the task's commit is intact on its local branch
    message = repo.git("log", "-1", "--format=%B", "roadmap/sub")
    assert (
        "Roadmap-Task: sub" in message
        and record["commit"] == repo.git("rev-parse", "roadmap/sub").strip()
    )
    assert "def subtract" in repo.git("show", "roadmap/sub:calc.py")
    row = json.loads(repo.cli("status", "--json").stdout)[0]
    assert row["status"] == "committed" and row["pr"]["pushed"] is False
    assert "pushed: no — " in repo.cli("status").stdout


DEPS = (
    "# Plan\n\n- [ ] Add two <!-- id: two -->\n"
    "- [ ] Add subtract <!-- id: sub -->\n  - Depends: two\n  - Files: calc.py\n"
)


def test_a_merged_but_unsynced_dependency_counts_as_done(
    make_repo: Any, edit: Any, tmp_path: Path
) -> None:
    repo = make_repo(DEPS)
    (repo.path / "two.py").write_text("TWO = 2\n", encoding="utf-8")
    repo.git("add", "two.py")
    repo.git("commit", "-q", "-m", "Add two\n\nRoadmap-Task: two\nRoadmap-Attempts: 1")
    bare = bare_remote(repo.path, tmp_path / "remote.git", repo.env)
    again = repo.cli("run", "--task", "two", "--branch-mode", "pr", "--yes")
    assert again.returncode == 1 and "two not run: already done" in again.stdout, again.stderr
    assert repo.git("branch", "--list", "roadmap/*").strip() == ""  # not run a second time
    refused = repo.cli("run", "--task", "sub", "--yes")  # without PR mode: the box decides
    assert refused.returncode == 1 and "depends on two" in refused.stdout
    run = _run(repo, edit, {})
    assert run.returncode == 0, run.stdout + run.stderr
    assert _published(run.stdout)["pushed"] is True
    assert "Roadmap-Task: sub" in bare_git(bare, "log", "-1", "--format=%B", "roadmap/sub")
