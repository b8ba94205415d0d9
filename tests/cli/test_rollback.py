"""`roadmapd rollback` end to end: the user's unrelated work survives a rollback and its undo."""

from __future__ import annotations

import json
from typing import Any

from roadmapd.testing.script import script, text


def test_rollback_keeps_unrelated_work_and_can_be_undone(
    make_repo: Any, edit: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap, {"notes.txt": "committed notes\n"})
    original_calc = repo.read("calc.py")
    session = script(
        edit(
            "calc.py",
            "    return a + b\n",
            "    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n",
        ),
        text("done"),
    )
    run = repo.run(session, "--task", "sub")
    assert run.returncode == 0, run.stdout + run.stderr
    task_calc = repo.read("calc.py")

    notes, scratch = repo.path / "notes.txt", repo.path / "scratch.bin"
    notes.write_bytes(b"my uncommitted edit\r\nkeep me\n")
    scratch.write_bytes(bytes(range(256)))
    mine = {p: p.read_bytes() for p in (notes, scratch)}

    refused = repo.cli("rollback", "sub")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert "files that will change: " in refused.stdout and "calc.py" in refused.stdout
    assert repo.read("calc.py") == task_calc

    rolled = repo.cli("rollback", "sub", "--yes")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert repo.read("calc.py") == original_calc
    assert "- [ ] Add subtract" in repo.read("ROADMAP.md")
    assert {p: p.read_bytes() for p in mine} == mine
    assert "roadmapd rollback --undo" in rolled.stdout
    row = json.loads(repo.cli("status", "--json").stdout)[0]
    assert row["status"] == "rolled_back"

    undone = repo.cli("rollback", "--undo")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert repo.read("calc.py") == task_calc
    assert "- [x] Add subtract" in repo.read("ROADMAP.md")
    assert {p: p.read_bytes() for p in mine} == mine
    assert "sub is committed again" in undone.stdout
    row = json.loads(repo.cli("status", "--json").stdout)[0]
    assert row["status"] == "committed"


def test_rollback_of_a_task_that_never_ran_is_refused(
    make_repo: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap)
    out = repo.cli("rollback", "sub", "--yes")
    assert out.returncode == 1
    assert "no checkpoint" in out.stdout
