"""The user's work survives an agent that destroys the tree: rollback works without the roadmap."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from roadmapd.testing.script import script, text, tool_use

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (CI installs it)"
)
CONFIG = (
    'max_attempts = 1\n[[checks]]\nname = "tests"\nrun = "python -m pytest -q"\nparser = "pytest"\n'
)


def test_rollback_restores_a_tree_the_agent_deleted_roadmap_included(
    make_repo: Any, one_task_roadmap: str
) -> None:
    repo = make_repo(one_task_roadmap, files={"roadmapd.toml": CONFIG})
    (repo.path / "notes.txt").write_text("my untracked notes\n")
    (repo.path / "calc.py").write_text("def add(a, b):\n    return a + b  # my edit\n")
    before = {p: (repo.path / p).read_bytes() for p in ("ROADMAP.md", "calc.py", "notes.txt")}
    wipe = tool_use("bash", {"command": "rm -rf -- * .gitignore 2>/dev/null; ls -A"})
    run = repo.run(script(wipe, text("Cleaned up.")), "--task", "sub", "--yes")  # rm -rf approved
    assert run.returncode == 1, run.stdout + run.stderr
    gone = not (repo.path / "ROADMAP.md").exists() and not (repo.path / "notes.txt").exists()
    assert gone, run.stdout

    back = repo.cli("rollback", "sub", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    assert "its roadmap file is gone" in back.stdout
    for path, data in before.items():
        assert (repo.path / path).read_bytes() == data, path
    assert "- [ ] Add subtract" in repo.read("ROADMAP.md")


def test_the_run_says_what_the_checkpoint_does_not_protect(
    make_repo: Any, one_task_roadmap: str
) -> None:
    config = CONFIG.replace("max_attempts = 1", "max_attempts = 1\nprotect_ignored_mb = 1")
    files = {"roadmapd.toml": config, ".gitignore": "__pycache__/\nnode_modules/\n*.bin\n"}
    repo = make_repo(one_task_roadmap, files=files)
    (repo.path / "node_modules").mkdir()
    (repo.path / "node_modules" / "dep.js").write_text("module.exports = 1\n")
    (repo.path / "weights.bin").write_bytes(b"\0" * 2_000_000)  # over the 1 MB cap
    run = repo.run(script(text("Nothing to do.")), "--task", "sub")
    line = next(x for x in run.stdout.splitlines() if "not protected" in x)
    assert "node_modules/" in line and "weights.bin" in line, run.stdout
