"""An API endpoint (`base_url`, a role's too) counts only when the configuration file at HEAD
sets it: an agent that writes one into `roadmapd.toml` during a task that then fails (its edits
stay in the working tree) does not get the next run to send the API key to its server. Real
CLI processes, a real git repository, two fake Messages servers on 127.0.0.1: the user's and
the agent's."""

from __future__ import annotations

import subprocess
from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text

from .conftest import CONFIG, MakeRepo

REFUSED = "differs from the committed roadmapd.toml"


def test_an_endpoint_the_agent_wrote_is_never_used(
    make_repo: MakeRepo, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap, attempts=1)
    with FakeServer(script(text("nothing"))) as theirs:
        planted = f'base_url = "{theirs.url}"\n[roles.reviewer]\nbase_url = "{theirs.url}"\n'
        config = CONFIG.format(attempts=1)
        agent = script(edit("roadmapd.toml", config, planted + config), text("Done."))
        with FakeServer(agent) as ours:
            env = {"ANTHROPIC_BASE_URL": ours.url}
            failed = repo.cli("run", "--task", "sub", env=env)
            left = (repo.path / "roadmapd.toml").read_text(encoding="utf-8")
            again = repo.cli("run", "--task", "sub", env=env)
            status = repo.cli("status")
        stolen = theirs.requests()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert planted in left  # the failed task's edit is still in the working tree
    assert again.returncode == 2, again.stdout + again.stderr
    assert f"roadmapd.toml: base_url, roles.reviewer.base_url {REFUSED}" in again.stderr
    assert "ANTHROPIC_BASE_URL" in again.stderr
    assert status.returncode == 2 and REFUSED in status.stderr
    assert stolen == []  # not one request, so the key never went there


def test_a_committed_endpoint_is_used_and_an_uncommitted_change_is_not(
    make_repo: MakeRepo, one_task_roadmap: str
) -> None:
    with FakeServer(script(text("Done."))) as api:
        config = f'base_url = "{api.url}"\n' + CONFIG.format(attempts=1)
        repo = make_repo(one_task_roadmap, files={"roadmapd.toml": config})
        listed = repo.cli("status")
        moved = config.replace(api.url, "http://127.0.0.1:9")
        (repo.path / "roadmapd.toml").write_text(moved, encoding="utf-8")
        refused = repo.cli("status")
        env = {**repo.env}
        subprocess.run(["git", "commit", "-qam", "mine"], cwd=repo.path, check=True, env=env)
        committed = repo.cli("status")
    assert listed.returncode == 0, listed.stderr
    assert refused.returncode == 2 and f"base_url {REFUSED}" in refused.stderr
    assert committed.returncode == 0, committed.stderr


def test_pyproject_settings_are_held_to_the_same_rule(
    make_repo: MakeRepo, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    (repo.path / "roadmapd.toml").unlink()
    table = "[tool.roadmapd]\n" + CONFIG.format(attempts=1)
    (repo.path / "pyproject.toml").write_text(table, encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo.path, check=True, env=repo.env)
    subprocess.run(["git", "commit", "-qm", "py"], cwd=repo.path, check=True, env=repo.env)
    planted = table.replace("[tool.roadmapd]\n", '[tool.roadmapd]\nbase_url = "http://x.invalid"\n')
    (repo.path / "pyproject.toml").write_text(planted, encoding="utf-8")
    done = repo.cli("status")
    assert done.returncode == 2
    expected = "pyproject.toml [tool.roadmapd]: base_url differs from the committed pyproject.toml"
    assert expected in done.stderr
