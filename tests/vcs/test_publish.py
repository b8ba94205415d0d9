"""PR mode's git and host pieces: the push's credential settings come from the user's global
config only, the compare URL of a remote, the base branch of a PR-mode commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from vcs_helpers import GitRepo

from roadmapd.vcs import GitWorkspace
from roadmapd.vcs.gitproc import run_git
from roadmapd.vcs.publish import push_config, reachable_tasks
from roadmapd.vcs.pullrequests import compare_url, web_base


def test_credentials_come_from_the_global_config_never_the_repository(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "repo-helper-ran"
    repo.git("config", "credential.helper", f"!touch {marker}; echo password=from-repo")
    repo.git("config", "core.sshCommand", f"touch {marker}")
    user = tmp_path / "gitconfig"
    user.write_text(
        '[credential]\n\thelper = "!f() { echo username=u; echo password=from-global; }; f"\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(user))
    config = push_config(repo.root)
    assert ("protocol.ext.allow", "never") in config and ("core.sshCommand", "ssh") in config
    done = run_git(
        ["credential", "fill"],
        cwd=repo.root,
        root=repo.root,
        stdin=b"protocol=https\nhost=example.invalid\n\n",
        config=config,
    )
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr
    assert "password=from-global" in out and "from-repo" not in out
    assert not marker.exists()


@pytest.mark.parametrize(
    ("remote", "web"),
    [
        ("git@github.com:acme/calc.git", "https://github.com/acme/calc"),
        ("https://github.com/acme/calc.git", "https://github.com/acme/calc"),
        ("https://user@github.com/acme/calc", "https://github.com/acme/calc"),
        (
            "ssh://git@gitlab.example.com:2222/group/sub/calc.git",
            "https://gitlab.example.com/group/sub/calc",
        ),
        ("/srv/git/calc.git", None),
        ("file:///srv/git/calc.git", None),
    ],
)
def test_web_base_of_a_remote(remote: str, web: str | None) -> None:
    assert web_base(remote) == web


def test_compare_urls() -> None:
    gh = compare_url("git@github.com:acme/calc.git", base="main", head="roadmap/t1")
    assert gh == "https://github.com/acme/calc/compare/main...roadmap/t1?expand=1"
    gl = compare_url("https://gitlab.com/g/calc.git", base="dev", head="roadmap/t1")
    assert gl == (
        "https://gitlab.com/g/calc/-/merge_requests/new?merge_request%5Bsource_branch%5D="
        "roadmap/t1&merge_request%5Btarget_branch%5D=dev"
    )
    assert compare_url("/srv/calc.git", base="main", head="x") is None


def test_pr_commit_starts_at_the_base_branch_and_leaves_the_checkout(repo: GitRepo) -> None:
    repo.write("a.txt", "one\n")
    base = repo.commit_all("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("b.txt", "feature work\n")
    feature = repo.commit_all("feature")
    ws = GitWorkspace(repo.root, base_branch="main")

    async def go() -> object:
        cp = await ws.checkpoint("t1", "Task one")
        repo.write("a.txt", "one\ntwo\n")
        return await ws.commit_task(cp, title="Task one", task_id="t1", attempts=1,
                                    branch_mode="pr")  # fmt: skip

    outcome = asyncio.run(go())
    assert getattr(outcome, "committed", False), outcome
    assert repo.git("rev-parse", "roadmap/t1^").strip() == base
    assert repo.git("show", "roadmap/t1:a.txt").split() == ["one", "two"]
    assert "b.txt" not in repo.git("ls-tree", "--name-only", "roadmap/t1")
    assert repo.git("rev-parse", "HEAD").strip() == feature
    assert reachable_tasks(repo.root, "roadmap/t1") == {"t1"}
    assert reachable_tasks(repo.root, "main") == set()

    missing = GitWorkspace(repo.root, base_branch="nope")

    async def refused() -> object:
        cp = await missing.checkpoint("t2", "Task two")
        repo.write("a.txt", "three\n")
        return await missing.commit_task(cp, title="Task two", task_id="t2", attempts=1,
                                         branch_mode="pr")  # fmt: skip

    assert "the base branch nope does not exist" in str(asyncio.run(refused()).reason)


def test_rolling_back_an_unpushed_pr_commit_deletes_its_branch(repo: GitRepo) -> None:
    repo.write("a.txt", "one\n")
    repo.commit_all("base")
    ws = GitWorkspace(repo.root)

    async def go() -> tuple[object, object]:
        cp = await ws.checkpoint("t1", "Task one")
        repo.write("a.txt", "one\ntwo\n")
        done = await ws.commit_task(cp, title="Task one", task_id="t1", attempts=1,
                                    branch_mode="pr")  # fmt: skip
        return done, await ws.rollback("t1")

    committed, rolled = asyncio.run(go())
    assert getattr(committed, "committed", False), committed
    assert getattr(rolled, "done", False) and getattr(rolled, "method", "") == "branch-moved"
    assert repo.git("branch", "--list", "roadmap/*").strip() == ""
    assert repo.read("a.txt") == "one\n"
