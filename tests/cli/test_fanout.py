"""Issue 18 item 5: a roadmap fanned out over runners, on this machine.

A bare remote holds the project; three clones play three CI runners, each running one task
concurrently (`roadmapd run --task ID --branch-mode pr --yes --json` as a subprocess, with its
own fake Messages API server, real git and the project's real pytest check) and pushing its
branch. Then two fresh clones merge the three branches into main in two different orders: no
conflict, `roadmapd sync --commit` ticks every box, and history holds exactly one commit per
task (one `Roadmap-Task:` line each).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Any

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

from .conftest import Repo
from .prmode_helpers import bare_git, bare_remote, json_lines

IDS = ("alpha", "beta", "gamma")
ROADMAP = "# Plan\n\n" + "".join(
    f"- [ ] Add {i} <!-- id: {i} -->\n  - Files: mod_{i}.py, test_{i}.py\n" for i in IDS
)
FILES = {f"mod_{i}.py": f"def {i}():\n    return 0\n" for i in IDS}


def _session(task: str, edit: Any) -> dict[str, Any]:
    test = f"import mod_{task}\n\n\ndef test_{task}():\n    assert mod_{task}.{task}() == 1\n"
    return script(
        edit(f"mod_{task}.py", "    return 0\n", "    return 1\n"),
        _create(f"test_{task}.py", test),
        text(f"{task} done"),
    )


def _create(path: str, body: str) -> dict[str, Any]:
    args = {"command": "create", "path": path, "file_text": body}
    return tool_use("str_replace_based_edit_tool", args)


def _clone(repo: Repo, bare: Path, where: Path) -> Repo:
    subprocess.run(
        ["git", "clone", "-q", str(bare), str(where)], check=True, env=repo.env, timeout=60
    )
    state = where.parent / f"{where.name}-state"
    return Repo(where, {**repo.env, "ROADMAPD_STATE_DIR": str(state)}, state)


def _trailers(clone: Repo) -> list[str]:
    log = clone.git("log", "--format=%B")
    return [
        line.split(":", 1)[1].strip()
        for line in log.splitlines()
        if line.startswith("Roadmap-Task:")
    ]


def test_three_runners_three_branches_two_merge_orders_no_conflict(
    make_repo: Any, edit: Any, tmp_path: Path
) -> None:
    origin = make_repo(ROADMAP, files=FILES)
    bare = bare_remote(origin.path, tmp_path / "remote.git", origin.env)
    runners = [_clone(origin, bare, tmp_path / f"runner-{i}") for i in IDS]

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(FakeServer(_session(i, edit))) for i in IDS]
        jobs = [
            runner.popen(
                "run", "--task", task, "--branch-mode", "pr", "--yes", "--json",
                env={"ANTHROPIC_BASE_URL": server.url},
            )
            for runner, task, server in zip(runners, IDS, servers, strict=True)
        ]  # fmt: skip
        results = [job.communicate(timeout=240) for job in jobs]
    for job, (out, err) in zip(jobs, results, strict=True):
        assert job.returncode == 0, out + err
        published = [e for e in json_lines(out) if e.get("type") == "Published"]
        assert len(published) == 1 and published[0]["pushed"] is True, out
        assert any(e.get("type") == "Committed" for e in json_lines(out))
    heads = bare_git(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/roadmap")
    assert sorted(heads.split()) == [f"roadmap/{i}" for i in IDS]
    main = bare_git(bare, "rev-parse", "main").strip()
    for task in IDS:  # each branch: one task commit on top of main, box not ticked in it
        assert bare_git(bare, "rev-parse", f"roadmap/{task}^").strip() == main
        assert "- [x]" not in bare_git(bare, "show", f"roadmap/{task}:ROADMAP.md")

    roadmaps = []
    for n, order in enumerate((IDS, (IDS[2], IDS[0], IDS[1]))):
        clone = _clone(origin, bare, tmp_path / f"merge-{n}")
        waiting = json.loads(clone.cli("plan", "--json").stdout)
        assert waiting["in_review"] == sorted(IDS) and waiting["waves"] == []  # not run twice
        for task in order:
            merged = subprocess.run(
                ["git", "merge", "--no-ff", "-m", f"Merge {task}", f"origin/roadmap/{task}"],
                cwd=clone.path, env=clone.env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert merged.returncode == 0, merged.stdout + merged.stderr  # no conflict
        planned = json.loads(clone.cli("plan", "--json").stdout)
        assert planned["waves"] == [] and sorted(planned["done"]) == sorted(IDS)
        assert planned["in_review"] == []
        synced = clone.cli("sync", "--commit")
        assert synced.returncode == 0, synced.stderr
        text_now = clone.read("ROADMAP.md")
        assert text_now.count("- [x]") == 3 and "- [ ]" not in text_now
        assert sorted(_trailers(clone)) == sorted(IDS)  # exactly one commit per task
        ticks = [m for m in clone.git("log", "--format=%s").splitlines() if "tick" in m]
        assert ticks == ["roadmapd: tick 3 tasks"]
        checks = subprocess.run(
            ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=clone.path, env=clone.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert checks.returncode == 0 and "4 passed" in checks.stdout, checks.stdout
        roadmaps.append(text_now)
    assert roadmaps[0] == roadmaps[1]
